"""Scripts read with real grammars: commands, words, wrappers, pipelines,
nesting, exact positions; comments, strings and here-documents are not commands."""

from __future__ import annotations

import pytest

from aiblint.scripts.syntax import POWERSHELL, SHELL, Command, Script, normalized, parse

#: Constructs of real build scripts. tree-sitter-bash reads all of them;
#: bashlex 0.18 failed on case, [[ ]], arrays, $(( )), a quoted here-document
#: delimiter and time (measured; the reason it is not used).
SHELL_CONSTRUCTS = {
    "heredoc": "cat <<EOF > /etc/x\nreboot $HOME\nEOF\necho done\n",
    "heredoc_quoted": "cat <<'EOF' | sudo tee /etc/x\n$(reboot)\nEOF\n",
    "heredoc_dash": "if true; then\n\tcat <<-EOF\n\tline\n\tEOF\nfi\n",
    "case": 'case "$ID" in\n  ubuntu|debian) apt-get update ;;\n  rhel) yum -y update ;;\n  *) echo no ;;\nesac\n',
    "function": 'install() {\n  sudo apt-get install -y "$@"\n}\ninstall curl\n',
    "double_bracket": "if [[ -f /etc/os-release && $x == a* ]]; then echo y; fi\n",
    "arrays": 'pkgs=(a b c)\nfor p in "${pkgs[@]}"; do sudo apt-get install -y "$p"; done\n',
    "arithmetic": "n=$((1+2))\n(( n > 2 )) && echo big\n",
    "process_substitution": "diff <(ls a) <(ls b)\n",
    "ansi_c": "echo $'a\\tb'\n",
    "groups": "{ echo a; echo b; } > /tmp/x\n( cd /tmp && make )\n",
    "while_read": 'while read -r line; do echo "$line"; done < /etc/hosts\n',
    "here_string": 'grep x <<< "$var"\n',
    "parameter_expansion": "echo ${x:-default} ${x//a/b} ${#x} ${x%%.*}\n",
    "backticks": "v=`uname -r`\necho $v\n",
    "comment_quote": "# don't reboot here\necho ok # it's fine\n",
    "continuation": "sudo apt-get install -y \\\n  curl \\\n  jq\n",
    "pipe_stderr": "make |& tee log\n",
    "declare": "declare -A m\nm[a]=1\nlocal x=1\n",
    "redirections": "exec 3>&1 2>/dev/null\necho x >> /etc/profile\n",
    "pipefail": "set -euo pipefail\n",
    "nested_substitution": 'echo "$(echo "$(date)")"\n',
    "sudo_sh_c": "sudo sh -c 'echo 1 > /proc/sys/x'\n",
    "curl_bash": "curl -fsSL https://get.docker.com | sudo bash -\nwget -qO- http://x/install.sh | sh\n",
    "bash_c_substitution": 'bash -c "$(curl -fsSL https://x/install.sh)"\n',
    "utf8": "echo 'héllo wörld' && reboot\n",
    "if_elif": "if a; then b; elif c; then d; else e; fi\n",
    "until": "until false; do break; done\n",
    "time": "time ls\n",
    "test_single": "[ -d /opt ] || sudo mkdir /opt\n",
    "assignment_prefix": "DEBIAN_FRONTEND=noninteractive sudo -E apt-get -y upgrade\n",
    "heredoc_in_substitution": "x=$(cat <<EOF\nhi\nEOF\n)\necho $x\n",
}


@pytest.mark.parametrize("name", sorted(SHELL_CONSTRUCTS))
def test_shell_constructs_parse_without_errors(name: str) -> None:
    assert parse(SHELL, SHELL_CONSTRUCTS[name]).errors == ()


def test_unbalanced_quote_is_an_error() -> None:
    assert parse(SHELL, 'echo "oops\n').errors


def _names(script: Script) -> list[str]:
    return [command.name for command in script.commands]


def test_comments_strings_and_heredocs_are_not_commands() -> None:
    script = parse(SHELL, "# reboot\necho 'reboot now'\ncat <<EOF > /tmp/x\nreboot\nEOF\nx='reboot'\n")
    assert _names(script) == ["echo", "cat"]
    assert script.in_comment(2) and not script.in_comment(10)


def test_words_have_values_only_when_nothing_expands() -> None:
    text = "echo \"a b\" 'c' $'d' \"x$y\" ~/foo a\\ b \"${HOME}/z\" pre'fix'"
    (command,) = parse(SHELL, text).commands
    assert [word.value for word in command.args] == ["a b", "c", "d", None, "~/foo", "a b", None, "prefix"]
    quoted = command.args[1]
    assert text[quoted.value_start : quoted.value_end] == "c"


def test_wrappers_are_removed_and_sudo_means_root() -> None:
    script = parse(SHELL, "x=1 env A=b nohup timeout 5 sudo -E apt-get install -y a\nsudo -u bob -- bash -c true\ncommand -v reboot\n")
    apt, bash, lookup = script.commands
    assert (apt.name, apt.wrappers, apt.elevated) == ("apt-get", ("env", "nohup", "timeout", "sudo"), True)
    assert (bash.name, bash.elevated) == ("bash", False)
    assert lookup.name == "command"


def test_pipeline_stages_and_heredoc_continuation() -> None:
    script = parse(SHELL, "cat <<'EOF' | sudo tee /etc/x >/dev/null\na $b\nEOF\ncurl -s https://x |& sudo -E bash -s\n")
    cat, tee, curl, _bash = script.commands
    assert [command.name for command in script.pipeline(cat)] == ["cat", "tee"]
    assert [command.name for command in script.pipeline(curl)] == ["curl", "bash"]
    assert cat.redirects[0].body is not None and cat.redirects[0].body.value == "a $b\n"
    assert [(r.operator, r.target.value if r.target else None) for r in tee.redirects] == [(">", "/dev/null")]


def test_heredoc_line_goes_on_with_more_redirections_and_commands() -> None:
    script = parse(SHELL, "cat <<EOF > /tmp/x && chmod +x /tmp/x\nbody\nEOF\n")
    cat, chmod = script.commands
    assert [(r.operator, r.target.value if r.target else None) for r in cat.redirects] == [("<<", None), (">", "/tmp/x")]
    assert chmod.name == "chmod" and chmod.pipeline != cat.pipeline


def test_nested_commands_know_their_parent() -> None:
    script = parse(SHELL, 'sudo bash -c "$(curl -fsSL https://x)"\nbash <(wget -qO- https://y)\n')
    bash, curl, bash2, wget = script.commands
    assert curl.parent == bash.index and wget.parent == bash2.index
    assert list(script.nested(bash)) == [curl]


def test_positions_are_characters_after_non_ascii_text() -> None:
    text = "echo 'héllo wörld' && reboot\n"
    script = parse(SHELL, text)
    reboot = script.commands[1]
    assert text[reboot.start : reboot.end] == "reboot"
    assert script.location(reboot.start) == (1, 23)


def test_powershell_commands_methods_and_values() -> None:
    text = (
        "# Restart-Computer in a comment\n"
        "Write-Host \"Restart-Computer later\" 'it''s'\n"
        "iex (New-Object Net.WebClient).DownloadString('https://x/install.ps1')\n"
        "iwr https://x/i.ps1 -UseBasicParsing | iex\n"
        "& ([scriptblock]::Create((irm https://x/i.ps1)))\n"
        "<#\nRestart-Computer\n#>\n"
    )
    script = parse(POWERSHELL, text)
    names = [normalized(command.name, POWERSHELL) for command in script.commands]
    assert names == ["write-host", "iex", ".downloadstring", "new-object", "iwr", "iex", "", "[scriptblock]::create", "irm"]
    write, iex = script.commands[:2]
    assert [word.value for word in write.args] == ["Restart-Computer later", "it's"]
    download = script.commands[2]
    assert download.parent == iex.index and download.args[0].value == "https://x/install.ps1"
    iwr = script.commands[4]
    assert [normalized(c.name, POWERSHELL) for c in script.pipeline(iwr)] == ["iwr", "iex"]
    assert len(script.comments) == 2


def test_powershell_parameters_are_options() -> None:
    (command,) = parse(POWERSHELL, "ConvertTo-SecureString -String 'P@ss' -AsPlainText -Force").commands
    assert [(word.value, word.option) for word in command.args] == [
        ("-String", True), ("P@ss", False), ("-AsPlainText", True), ("-Force", True),
    ]


def test_exe_suffix_and_case_do_not_matter_in_powershell() -> None:
    (command,) = parse(POWERSHELL, "C:\\Windows\\System32\\SHUTDOWN.EXE /r /t 0").commands
    assert normalized(command.name, POWERSHELL) == "shutdown"


@pytest.mark.parametrize("language", [SHELL, POWERSHELL])
def test_deep_nesting_is_reported_not_a_crash(language: str) -> None:
    text = "echo " + "$(" * 3000 + "x" + ")" * 3000 if language == SHELL else "(" * 3000 + "1" + ")" * 3000
    script = parse(language, text)
    assert script.errors


def test_commands_are_in_source_order_with_indexes() -> None:
    script = parse(SHELL, "a; b | c; d $(e)\n")
    assert [(command.index, command.name) for command in script.commands] == [(0, "a"), (1, "b"), (2, "c"), (3, "d"), (4, "e")]
    assert all(isinstance(command, Command) for command in script.commands)


def test_outer_input_of_commands_in_fed_loops_blocks_and_functions() -> None:
    script = parse(SHELL, "read a\nwhile read l; do read b; done < f\ncat f | while read x; do :; done\nf() { read z; }\n"
                          "( read w )\n{ read q; } <<< \"$v\"\nfor i in 1; do read y; done\n")
    fed = [(command.words[1].value, command.outer_input) for command in script.commands if command.name == "read"]
    assert fed == [("a", False), ("l", True), ("b", True), ("x", True), ("z", True), ("w", False), ("q", True), ("y", False)]
