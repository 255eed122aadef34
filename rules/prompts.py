"""AIB512: commands that wait for an answer no one gives in an unattended build.

Commands are read with the script grammars (:mod:`aiblint.scripts.syntax`),
so a command in a comment, string or here-document is not a command. A
setting that answers for the rest of the build (``APT::Get::Assume-Yes`` in
apt's configuration, ``yum``'s ``assumeyes``, Chocolatey's
``allowGlobalConfirmation``, a trusted PowerShell Gallery) is honoured when
an earlier command of the same or an earlier script writes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

from aiblint.findings import Severity
from aiblint.rule import Example, Problem, Rule
from aiblint.scripts.offsets import problem_at
from aiblint.scripts.syntax import normalized

from .script_behaviour import _powershell, _shell, _template

if TYPE_CHECKING:
    from aiblint.scripts.syntax import Command, Word
    from aiblint.scripts.units import ScriptUnit

_SHELL: Final = "shell"
_ASSIGNMENT: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")

_APT: Final = frozenset({"apt", "apt-get"})
_APT_ASKS: Final = frozenset({"install", "upgrade", "dist-upgrade", "full-upgrade", "remove", "purge", "autoremove"})
#: apt options that take a value: the value is not the subcommand (apt-get(8)).
_APT_VALUED: Final = frozenset({"-o", "--option", "-c", "--config-file", "-t", "--target-release", "--default-release"})
_YUM: Final = frozenset({"yum", "dnf", "microdnf"})
_YUM_ASKS: Final = frozenset({"install", "update", "upgrade", "groupinstall", "localinstall", "reinstall", "remove", "erase",
                              "downgrade", "distro-sync", "group"})
_ZYPPER_ASKS: Final = frozenset({"install", "in", "update", "up", "dist-upgrade", "dup", "remove", "rm", "patch"})
_CHOCO_ASKS: Final = frozenset({"install", "upgrade", "uninstall"})
#: Words that name a setting for the rest of the build, lower case.
_APT_SETTING: Final = "apt::get::assume-yes"
_YUM_SETTING: Final = "assumeyes="
_CHOCO_SETTING: Final = "allowglobalconfirmation"
_WAITS_ENDING: Final = "nothing answers in an unattended build, so the step fails or waits until the build times out"
_READ_ENDING: Final = ("an unattended build gives it none, so it gets an empty answer at once, and where its status is "
                       "not tested it fails a script run with `-e` (inline Shell commands are)")
#: ``read`` options after which it does not wait on the script's own input: another
#: file descriptor (``-u``), or a time limit the author chose (``-t``) (bash's read builtin).
_READ_ELSEWHERE: Final = frozenset("ut")


class CommandWaitsForInput(Rule):
    id = "AIB512"
    name = "command-waits-for-input"
    severity = Severity.WARNING
    summary = "A script runs a command that asks a question no one answers in an unattended build"
    description = """\
Image Builder runs each script over SSH (Linux) or WinRM (Windows) with no one at a keyboard
and nothing on standard input. A command that asks "Do you want to continue? [Y/n]" gets no
answer: it aborts (and fails the step under `sh -e`), or it waits until the build's
`buildTimeoutInMinutes` ends it, often an hour or more later.

Reported, at the command:
- `apt`/`apt-get` `install`, `upgrade`, `dist-upgrade`, `full-upgrade`, `remove`, `purge`,
  `autoremove` without `-y`/`--yes`/`--assume-yes` (or `-qq`, which implies it), and
  `add-apt-repository` without `-y`;
- `yum`/`dnf` `install`, `update`, `upgrade`, `remove`... without `-y`/`--assumeyes`;
  `zypper install`/`update`/`dist-upgrade`/`remove` without `-n`/`--non-interactive`
  (or the subcommand's `-y`/`--no-confirm`);
- `choco install`/`upgrade`/`uninstall` without `-y`/`--yes`/`--confirm`;
- `msiexec /i` without a quiet or passive user interface (`/qn`, `/quiet`, `/passive`, any `/q`);
- `Install-Module`/`Install-PackageProvider` without `-Force` (they ask to trust the
  repository and to install the NuGet provider);
- `Read-Host` and `pause` (PowerShell), and the shell's `read` (see below);
- `winget install` without `--accept-package-agreements` and `--accept-source-agreements`.

apt asks only when it would install more than the packages named (their dependencies) or
remove any, so a command that passes today can stop at the question when a dependency appears.

A command whose standard input is given (`yes | apt-get install ...`, a `<` redirect or a
here-document) is not reported, nor is one with an argument aiblint cannot read where options
go (`apt-get $APT_OPTS install ...`). Settings that answer for the rest of the build are
honoured when an earlier command of the same or an earlier script writes them:
`APT::Get::Assume-Yes` (apt's configuration or `-o`), `assumeyes=1` (yum/dnf configuration),
`choco feature enable -n allowGlobalConfirmation`, and `Set-PSRepository ...
-InstallationPolicy Trusted` for `Install-Module`. `DEBIAN_FRONTEND=noninteractive` alone does
not answer apt's question: it only stops debconf from asking its own.

`read` is reported only where its standard input is certainly the build's own, which is
empty (Packer gives the SSH command no input and no terminal): not with a redirect, a
here-document or here-string (`read -r x <<< "$line"`), not in a pipeline stage after the
first, not in a loop or block whose input is redirected or piped (`while read -r l; do ...;
done < list`, `cmd | while read ...`), not in a function (its caller may redirect), not after
`exec < file`, and not with `-u` (another file descriptor) or `-t` (a time limit the author
chose). There it returns at once with an empty answer; where its status is not tested, a
script run with `-e` (inline Shell commands run under `/bin/sh -e`) stops with it.

Sources: the Image Builder troubleshooting guide (a customizer that waits for input runs until
the build times out); apt-get(8) (`-y`, `--assume-yes`, `-qq` "implies -y"); yum(8)/dnf(8)
(`-y`, `--assumeyes`, `assumeyes` in yum.conf/dnf.conf); zypper(8) (`--non-interactive`);
Chocolatey's `choco install` reference (`-y`, `--confirm`, the `allowGlobalConfirmation`
feature); msiexec's command-line options (`/quiet`, `/qn`, `/passive`); PowerShellGet's
`Install-Module` (`-Force`); winget's `install` command (`--accept-package-agreements`,
`--accept-source-agreements`); PowerShell's `Read-Host` and `pause` (a function that calls
`Read-Host`); the `read` builtin in bash(1) and dash(1) (`-u`, `-t`; the exit status is
non-zero at end of file); Packer's shell provisioner, which runs the script over SSH with no
standard input (aib-runtime.md §1).

**Fix:** add the tool's yes option (`sudo apt-get install -y ...`, `choco install -y ...`,
`msiexec /i pkg.msi /qn`, `Install-Module ... -Force`), or pass the value `Read-Host` or
`read` asks for as a parameter or environment variable; delete `pause`.
"""
    examples = (
        Example(
            _template(_shell("packages", "sudo apt-get update", "sudo DEBIAN_FRONTEND=noninteractive apt-get install nginx")),
            ((5, 116),),
            "apt-get without -y",
        ),
        Example(
            _template(_powershell("tools", "choco install git", "Install-Module -Name Az -AllowClobber")),
            ((5, 59), (5, 80)),
            "Chocolatey and PowerShellGet",
        ),
        Example(
            _template(
                _shell("packages", "echo 'APT::Get::Assume-Yes \\\"true\\\";' | sudo tee /etc/apt/apt.conf.d/90yes",
                       "sudo apt-get install nginx", "sudo dnf -y install git", "yes | sudo add-apt-repository ppa:x/y"),
                _powershell("tools", "choco feature enable -n allowGlobalConfirmation", "choco install git",
                            "Install-Module -Name Az -Force", "Start-Process msiexec.exe -ArgumentList '/i C:\\a.msi /qn' -Wait",
                            "msiexec /i C:\\agent.msi /quiet"),
            ),
            (),
            "answered by an option, a setting or standard input",
        ),
        Example(
            _template(_shell("ask", "read -r -p 'Continue? ' answer", "while read -r pkg; do echo $pkg; done < /tmp/list",
                             "read -r -t 30 name"),
                      _powershell("wait", "pause")),
            ((5, 52), (6, 58)),
            "read from the terminal, pause; not a loop fed by a file, not read with a time limit",
        ),
    )

    def check_script(self, unit: ScriptUnit) -> Iterator[Problem]:
        from aiblint.scripts.units import script_units

        earlier = [other.syntax() for other in script_units(unit.template) if other.position < unit.position]
        settings: set[str] = set()
        for other in earlier:
            for command in other.commands:
                settings |= _command_settings(command, other.language)
        script = unit.syntax()
        redirected_from = len(unit.text) + 1  # where ``exec < file`` gives the rest of the script its input
        # In the order written: a setting answers the commands after it.
        for command in sorted(script.commands, key=lambda item: item.start):
            question = _question(command, unit.language, frozenset(settings))
            settings |= _command_settings(command, unit.language)
            if _redirects_script_input(command, unit.language):
                redirected_from = min(redirected_from, command.end)
            if question is None or _stdin_given(command) or command.start >= redirected_from:
                continue
            ending = _READ_ENDING if _is_shell_read(command, unit.language) else _WAITS_ENDING
            yield problem_at(unit, _shown(command, unit.language).start, command.end, f"{question}: {ending}")


# -- what a command asks -----------------------------------------------------------------------------


def _question(command: Command, language: str, settings: frozenset[str]) -> str | None:
    if command.kind != "command":
        return None
    words = _without_assignments(command.words) if language == _SHELL else command.words
    if not words:
        return None
    name = normalized((words[0].value or "").replace("\\", "/").rpartition("/")[2], language)
    args = words[1:]
    if name in _APT:
        return _apt(name, args, settings)
    if name == "add-apt-repository" and not _has_yes(args, ("-y", "--yes"), "y") and not _asks_help(args):
        return "`add-apt-repository` without `-y` asks to press Enter before it adds the repository"
    if name in _YUM:
        return _yum(name, args, settings)
    if name == "zypper":
        return _zypper(args)
    if name in ("choco", "cinst"):
        return _choco(name, args, settings)
    if name == "msiexec":
        return _msiexec(args)
    if language != _SHELL:
        return _powershell_question(name, words, settings)
    if name == "read" and not _reads_elsewhere(args):
        return "`read` expects an answer on standard input"
    return None


def _apt(name: str, args: tuple[Word, ...], settings: frozenset[str]) -> str | None:
    subcommand = _subcommand(args, _APT_VALUED)
    if subcommand not in _APT_ASKS or _APT_SETTING in settings or _asks_help(args):
        return None
    if _has_yes(args, ("-y", "--yes", "--assume-yes", "--assume-yes=true", "-qq"), "y") or _quiet_twice(args):
        return None
    if any(_APT_SETTING in (word.value or "").casefold() for word in args) or _unknown_options(args):
        return None
    return (f"`{name} {subcommand}` without `-y` asks \"Do you want to continue? [Y/n]\" whenever it installs more "
            "than the packages named or removes any")


def _yum(name: str, args: tuple[Word, ...], settings: frozenset[str]) -> str | None:
    subcommand = _subcommand(args, frozenset({"-c", "--config", "--setopt", "--installroot", "--releasever"}))
    if subcommand not in _YUM_ASKS or _YUM_SETTING in settings or _asks_help(args):
        return None
    if _has_yes(args, ("-y", "--assumeyes", "--assumeno"), "y") or _unknown_options(args):
        return None
    if any(_YUM_SETTING in (word.value or "").casefold().replace(" ", "") for word in args):
        return None  # --setopt=assumeyes=1
    return f"`{name} {subcommand}` without `-y` asks \"Is this ok [y/N]\" before it changes anything"


def _zypper(args: tuple[Word, ...]) -> str | None:
    subcommand = _subcommand(args, frozenset({"--root", "-R", "--config", "-c", "--reposd-dir", "-D"}))
    if subcommand not in _ZYPPER_ASKS or _asks_help(args) or _unknown_options(args):
        return None
    if _has_yes(args, ("-n", "--non-interactive", "-y", "--no-confirm"), "ny"):
        return None
    return f"`zypper {subcommand}` without `--non-interactive` asks \"Continue? [y/n/v/...? shows all options]\""


def _choco(name: str, args: tuple[Word, ...], settings: frozenset[str]) -> str | None:
    subcommand = "install" if name == "cinst" else _subcommand(args, frozenset())
    if subcommand not in _CHOCO_ASKS or _CHOCO_SETTING in settings or _asks_help(args) or _unknown_options(args):
        return None
    if _has_yes(args, ("-y", "--yes", "--confirm", "/y", "-confirm", "--yes=true", "--confirm=true"), "y"):
        return None
    return f"`{name} {subcommand}` without `-y` asks to confirm running each package's script"


def _msiexec(args: tuple[Word, ...]) -> str | None:
    values = [(word.value or "").casefold() for word in args]
    if not {"/i", "-i", "/package", "-package"} & set(values) or _unknown_options(args):
        return None
    if any(value[:2] in ("/q", "-q") or value in ("/passive", "-passive") for value in values):
        return None
    return "`msiexec /i` without `/qn` or `/quiet` shows the installer's dialogs"


def _powershell_question(name: str, words: tuple[Word, ...], settings: frozenset[str]) -> str | None:
    args = words[1:]
    options = {(word.value or "").casefold() for word in args if word.option}
    if name in ("install-module", "install-packageprovider") and "-force" not in options and not _splatted(args):
        if name == "install-module" and "trusted-psgallery" in settings:
            return None
        shown = words[0].text
        return f"`{shown}` without `-Force` asks to trust the repository or to install the NuGet provider"
    if name == "read-host":
        return "`Read-Host` waits for a line typed at the console"
    if name == "pause":
        return "`pause` waits for Enter to be pressed at the console"
    if name == "winget" and _subcommand(args, frozenset()) in ("install", "add", "upgrade"):
        values = {(word.value or "").casefold() for word in args}
        missing = [flag for flag in ("--accept-package-agreements", "--accept-source-agreements") if flag not in values]
        if missing and not _unknown_options(args):
            return f"`winget install` without `{'` and `'.join(missing)}` asks to accept the agreements"
    return None


# -- reading arguments -------------------------------------------------------------------------------


def _without_assignments(words: tuple[Word, ...]) -> tuple[Word, ...]:
    """``sudo DEBIAN_FRONTEND=noninteractive apt-get ...``: sudo's own variable
    settings before what runs (the grammar leaves them as words)."""
    index = 0
    while index < len(words) and _ASSIGNMENT.match(words[index].value or ""):
        index += 1
    return words[index:]


def _subcommand(args: tuple[Word, ...], valued: frozenset[str]) -> str | None:
    """The first operand, skipping options and the values of ``valued`` options;
    ``None`` when it cannot be read."""
    skip = False
    for word in args:
        value = word.value
        if skip:
            skip = False
            continue
        if value is None:
            return None
        if value.startswith("-"):
            skip = value in valued
            continue
        return value.casefold()
    return None


def _has_yes(args: tuple[Word, ...], flags: tuple[str, ...], letters: str) -> bool:
    """One of ``flags``, or a cluster of short options holding one of ``letters`` (``-yq``)."""
    for word in args:
        value = (word.value or "").casefold()
        if value in flags:
            return True
        if value[:1] == "-" and value[1:2] not in ("-", "") and value[1:].isalpha() and set(letters) & set(value[1:]):
            return True
    return False


def _quiet_twice(args: tuple[Word, ...]) -> bool:
    """apt's ``-q -q``, ``-qq`` or ``-q=2``: quiet level 2 implies ``-y``."""
    quiet = 0
    for word in args:
        value = word.value or ""
        if value in ("-q=2", "--quiet=2"):
            return True
        if value[:1] == "-" and value[1:2] != "-" and value[1:].isalpha():
            quiet += value.count("q")
        elif value == "--quiet":
            quiet += 1
    return quiet >= 2


def _asks_help(args: tuple[Word, ...]) -> bool:
    return any((word.value or "").casefold() in ("-h", "--help", "-?", "/?", "-s", "--simulate", "--dry-run") for word in args)


def _unknown_options(args: tuple[Word, ...]) -> bool:
    """An argument aiblint cannot read that may hold options (``$APT_OPTS``)."""
    return any(word.value is None and any(hint in word.text.upper() for hint in ("OPT", "FLAG", "ARG", "YES", "@"))
               for word in args)


def _reads_elsewhere(args: tuple[Word, ...]) -> bool:
    """``read -u 3``, ``read -t 10``, ``read -rt5``: not the script's input, or not waiting."""
    for word in args:
        letters = (word.value or "")[1:].split("=")[0]
        if (word.value or "").startswith("-") and not letters.startswith("-"):
            letters = "".join(char for char in letters if char.isalpha())
            if _READ_ELSEWHERE & set(letters.split("p")[0]):
                return True
    return _unknown_options(args)


def _splatted(args: tuple[Word, ...]) -> bool:
    """PowerShell splatting (``@params``) may pass ``-Force``."""
    return any(word.text.startswith("@") for word in args)


def _shown(command: Command, language: str) -> Word:
    words = _without_assignments(command.words) if language == _SHELL else command.words
    return words[0] if words else command.words[0]


def _stdin_given(command: Command) -> bool:
    """Something answers on standard input: a pipe into it, a redirect, a here-document,
    or one of these around a loop or block it is in (or a function's caller may give one)."""
    if command.stage > 0 or command.outer_input:
        return True
    return any("<" in redirect.operator for redirect in command.redirects)


def _redirects_script_input(command: Command, language: str) -> bool:
    """``exec < file`` (or ``exec 0<&3``): the rest of the script reads that."""
    return (language == _SHELL and command.kind == "command" and len(command.words) == 1
            and command.name == "exec" and any("<" in redirect.operator for redirect in command.redirects))


def _is_shell_read(command: Command, language: str) -> bool:
    return language == _SHELL and command.name == "read"


# -- settings for the rest of the build --------------------------------------------------------------


def _command_settings(command: Command, language: str) -> set[str]:
    texts = [(word.value or word.text).casefold() for word in command.words]
    texts += [(redirect.body.value or redirect.body.text).casefold() for redirect in command.redirects if redirect.body]
    joined = " ".join(texts)
    found = {setting for setting in (_APT_SETTING,) if setting in joined and "false" not in joined}
    if _YUM_SETTING in joined.replace(" ", "") and any(f"{_YUM_SETTING}{on}" in joined.replace(" ", "") for on in ("1", "true", "yes")):
        found.add(_YUM_SETTING)
    name = normalized(command.name, language)
    if name == "choco" and "feature" in texts and "enable" in texts and _CHOCO_SETTING in joined:
        found.add(_CHOCO_SETTING)
    if name == "set-psrepository" and "trusted" in texts:
        found.add("trusted-psgallery")
    return found
