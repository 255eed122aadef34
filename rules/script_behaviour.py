"""AIB500-AIB506: what the scripts of an image template do.

The scripts are read with real grammars (:mod:`aiblint.scripts.syntax`), so a
command in a comment, a string or a here-document is not a command, and every
finding points at the command as written. Command tables (what needs root,
which commands download or interpret code) are in
``aiblint/data/script-commands.json`` with their sources.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from aiblint.datafiles import load_json
from aiblint.findings import Severity
from aiblint.lazyre import lazy
from aiblint.rule import Example, Problem, Rule
from aiblint.scripts.offsets import problem_at

if TYPE_CHECKING:
    from aiblint.model import ImageTemplate
    from aiblint.scripts.syntax import Command, Script, Word
    from aiblint.scripts.units import ScriptUnit

_SHELL, _POWERSHELL = "shell", "powershell"

_TEMPLATE_HEAD = '{\n  "type": "Microsoft.VirtualMachineImages/imageTemplates",\n  "properties": {\n    "customize": [\n'
_TEMPLATE_TAIL = "    ]\n  }\n}\n"


def _template(*customizers: str) -> str:
    return _TEMPLATE_HEAD + ",\n".join(f"      {customizer}" for customizer in customizers) + "\n" + _TEMPLATE_TAIL


def _shell(name: str, *lines: str) -> str:
    inline = ", ".join('"' + line.replace("\\", "\\\\").replace('"', '\\"') + '"' for line in lines)
    return f'{{"type": "Shell", "name": "{name}", "inline": [{inline}]}}'


def _powershell(name: str, *lines: str) -> str:
    inline = ", ".join('"' + line.replace("\\", "\\\\").replace('"', '\\"') + '"' for line in lines)
    return f'{{"type": "PowerShell", "name": "{name}", "inline": [{inline}]}}'


# -- reading scripts -----------------------------------------------------------------------------


def _script(unit: ScriptUnit) -> Script:
    return unit.syntax()


def _name(command: Command, language: str) -> str:
    from aiblint.scripts.syntax import normalized

    return normalized(command.name, language)


def _operands(command: Command) -> list[Word]:
    return [word for word in command.args if not (word.option or (word.value or "").startswith("-"))]


def _first_operand(command: Command) -> str:
    operands = _operands(command)
    return operands[0].value or "" if operands else ""


def _at(unit: ScriptUnit, command: Command, message: str, end: int | None = None) -> Problem:
    """A problem at a command as written, from what runs (after ``sudo``) to its end."""
    start = command.words[0].start if command.kind == "command" else command.start
    return problem_at(unit, start, end if end is not None else command.end, message)


def _text_prefix(word: Word) -> str:
    """What a word is known to start with: its value, or its text up to the
    first expansion, without an opening quote (``"/etc/$NAME"`` -> ``/etc/``)."""
    if word.value is not None:
        return word.value
    text = word.text.lstrip("\"'")
    cut = re.search(r"[$`]", text)
    return text[: cut.start()] if cut else text


def _table(section: str) -> Any:
    return load_json("script-commands.json")[section]


# -- AIB500 ------------------------------------------------------------------------------------------

_UNREGISTER_TEXT: Final = lazy(r"subscription-manager\s+unregister|rhc\s+disconnect")
_DEPROVISIONING_OVERRIDE: Final = "/tmp/deprovisioningscript.sh"


class RhelNotUnregistered(Rule):
    id = "AIB500"
    name = "rhel-not-unregistered"
    severity = Severity.ERROR
    summary = "RHEL is registered with Red Hat and not unregistered by the same or a later script"
    description = """\
A customizer that runs `subscription-manager register` (or `rhc connect`) attaches the build
VM to your Red Hat account. Unless a later command unregisters it, the image is captured
registered: every VM made from it starts with the build VM's identity and entitlements, and
the registration stays counted against your subscriptions.

The rule follows the customizers in order: a `subscription-manager unregister` (or
`rhc disconnect`) later in the same script or in any later customizer clears it, and so does
an unregister written into the deprovisioning override (`/tmp/DeprovisioningScript.sh`). When
a later script cannot be read (a `scriptUri` aiblint could not resolve, an inline line that is
an expression), or a File customizer replaces the deprovisioning script, nothing is reported.

Sources: the image template reference of the RHEL ISO sources: Shell customizers must register
with Red Hat first and unregister at the end (aib-facts.md §2, S-OLDJSON); Red Hat's
documentation of `subscription-manager unregister` and `rhc disconnect`.

**Fix:** end the last Shell customizer with `sudo subscription-manager unregister` and
`sudo subscription-manager clean` (or `sudo rhc disconnect`).
"""
    tags = ("rhel",)
    examples = (
        Example(
            _template(
                _shell("register", "sudo subscription-manager register --username builder --password \"$RH_PASSWORD\"",
                       "sudo dnf -y install nginx"),
            ),
            ((5, 62),),
            "registered, never unregistered",
        ),
        Example(
            _template(
                _shell("register", "sudo rhc connect --organization 1234567 --activation-key \"$KEY\""),
                _shell("install", "sudo dnf -y install nginx"),
                _shell("clean", "sudo rhc disconnect"),
            ),
            (),
            "unregistered by a later customizer",
        ),
        Example(
            _template(
                _shell("register", "sudo subscription-manager register --org 1234567 --activationkey \"$KEY\""),
                '{"type": "Shell", "name": "more", "scriptUri": "https://raw.githubusercontent.com/contoso/images/main/finish.sh"}',
            ),
            (),
            "a later script aiblint cannot read",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        from aiblint.scripts.units import script_steps, script_units

        units = sorted((unit for unit in script_units(template) if unit.phase == "customize" and unit.language == _SHELL),
                       key=lambda unit: unit.position)
        readable = {unit.position for unit in units if not unit.has_unknown_lines}
        unread = [position for _, phase, position, language in script_steps(template)
                  if phase == "customize" and language == _SHELL and position not in readable]
        if not any(_registration(command) for unit in units for command in _script(unit).commands):
            return  # (most templates: then the customizers need not be read for an override)
        if _overrides_deprovisioning(template):
            return
        for index, unit in enumerate(units):
            script = _script(unit)
            for command in script.commands:
                tool = _registration(command)
                if tool is None:
                    continue
                if any(position > unit.position for position in unread) or unit.position in unread:
                    continue  # a script aiblint cannot read may unregister
                if _unregisters(script, command.end) or any(_unregisters(_script(later), 0) for later in units[index + 1 :]):
                    continue
                undo = "sudo rhc disconnect" if tool == "rhc connect" else "sudo subscription-manager unregister"
                yield _at(unit, command, f"RHEL is registered with Red Hat here (`{tool}`) and no later step unregisters it: "
                          f"the image keeps the registration and its entitlements; end the last customizer with `{undo}`")


def _registration(command: Command) -> str | None:
    first = _first_operand(command)
    if command.name == "subscription-manager" and first == "register" and not _asks_help(command):
        return "subscription-manager register"
    if command.name == "rhc" and first == "connect" and not _asks_help(command):
        return "rhc connect"
    return None


def _asks_help(command: Command) -> bool:
    return any(word.value in ("-h", "--help") for word in command.args)


def _unregisters(script: Script, after: int) -> bool:
    """An unregistering command after offset ``after``, or one written into a
    file (the deprovisioning override) in a string or here-document."""
    for command in script.commands:
        if command.start >= after and (
            (command.name == "subscription-manager" and _first_operand(command) == "unregister")
            or (command.name == "rhc" and _first_operand(command) == "disconnect")
        ):
            return True
    return any(not script.in_comment(found.start()) for found in _UNREGISTER_TEXT().finditer(script.text, after))


def _overrides_deprovisioning(template: ImageTemplate) -> bool:
    for customizer in template.customizers:
        kind, destination = template.member(customizer, "type"), template.member(customizer, "destination")
        kind_text = template.resolve(kind).text() if kind is not None else None
        where = template.resolve(destination).text() if destination is not None else None
        if (kind_text or "").casefold() == "file" and (where or "").casefold() == _DEPROVISIONING_OVERRIDE:
            return True
    return False


# -- AIB501 ------------------------------------------------------------------------------------------

_REBOOT_SHELL: Final = frozenset({"reboot", "poweroff", "halt"})
_SYSTEMCTL_REBOOT: Final = frozenset({"reboot", "poweroff", "halt", "kexec", "soft-reboot"})
_REBOOT_POWERSHELL: Final = frozenset({"restart-computer", "stop-computer"})
_SHUTDOWN_WINDOWS_ACTIONS: Final = frozenset({"/r", "-r", "/s", "-s", "/p", "-p", "/g", "-g", "/sg", "-sg", "/h", "-h"})


class RebootInScript(Rule):
    id = "AIB501"
    name = "reboot-in-script"
    severity = Severity.ERROR
    summary = "A script reboots or shuts down the build VM itself"
    description = """\
Image Builder runs each script over SSH (Linux) or WinRM (Windows) and waits for it to end. A
script that reboots the VM (`reboot`, `shutdown -r`, `systemctl reboot`, `Restart-Computer`,
`shutdown /r`) cuts that connection: on Linux the build fails ("Script disconnected
unexpectedly"; there is no Linux restart customizer), on Windows the step ends abnormally.
Shutting down (`poweroff`, `Stop-Computer`) is worse.

Commands in comments and strings are not reported; `shutdown -c`/`shutdown /a` (cancel) are
not reboots.

Sources: aib-runtime.md §7 (a reboot inside a Shell script fails the customizer; only the
WindowsRestart customizer waits for the VM to come back); the image template reference:
"There is no Linux restart customizer".

**Fix:** on Windows, remove the reboot and add a `WindowsRestart` customizer after this one.
On Linux, reboot-requiring work must not need the reboot during the build (a kernel update
takes effect in the VMs made from the image).
"""
    examples = (
        Example(
            _template(_shell("update", "sudo apt-get -y dist-upgrade", "if [ -f /var/run/reboot-required ]; then sudo reboot; fi")),
            ((5, 133),),
            "Linux",
        ),
        Example(
            _template(_powershell("features", "Install-WindowsFeature Web-Server", "Restart-Computer -Force")),
            ((5, 99),),
            "Windows",
        ),
        Example(
            _template(
                _shell("note", "echo 'reboot later' # reboot is not needed", "sudo shutdown -c"),
                _powershell("cancel", "shutdown /a"),
                '{"type": "WindowsRestart", "restartTimeout": "10m"}',
            ),
            (),
            "mentions, cancels and the WindowsRestart customizer",
        ),
    )

    def check_script(self, unit: ScriptUnit) -> Iterator[Problem]:
        for command in _script(unit).commands:
            what = _reboots(command, unit.language)
            if what is not None:
                fix = ("add a WindowsRestart customizer after this step instead" if unit.language == _POWERSHELL
                       else "Image Builder has no Linux restart step: the build fails with 'Script disconnected unexpectedly'")
                yield _at(unit, command, f"the script reboots or shuts down the build VM (`{what}`), which ends the connection "
                          f"the build runs over; {fix}")


def _reboots(command: Command, language: str) -> str | None:
    name = _name(command, language)
    values = [(word.value or "").casefold() for word in command.args]
    if language == _SHELL:
        if name in _REBOOT_SHELL and not {"-w", "--wtmp-only", "--help"} & set(values):
            return name
        if name == "shutdown" and not {"-c", "-k", "--help"} & set(values):
            return " ".join(["shutdown", *values[:2]]).strip()
        if name == "systemctl" and _first_operand(command) in _SYSTEMCTL_REBOOT:
            return f"systemctl {_first_operand(command)}"
        if name in ("init", "telinit") and values[:1] in (["0"], ["6"]):
            return f"{name} {values[0]}"
        return None
    if name in _REBOOT_POWERSHELL and "-whatif" not in values:
        return command.words[0].text
    if name == "shutdown" and _SHUTDOWN_WINDOWS_ACTIONS & set(values) and not {"/a", "-a"} & set(values):
        return " ".join(["shutdown", *values[:1]])
    return None


# -- AIB502 ------------------------------------------------------------------------------------------

_SYSPREP: Final = lazy(r"sysprep(?:\.exe)?[\"']?$", re.IGNORECASE)


class GeneralizeInCustomizer(Rule):
    id = "AIB502"
    name = "generalize-in-customizer"
    severity = Severity.ERROR
    summary = "A customizer generalizes the VM itself (sysprep, waagent -deprovision)"
    description = """\
Image Builder generalizes the VM itself, after the last customizer: Sysprep on Windows
(`c:\\DeprovisioningScript.ps1`), `waagent -force -deprovision+user` on Linux
(`/tmp/DeprovisioningScript.sh`). A customizer that does it first breaks the build:
`waagent -deprovision+user` deletes the user the build connects as, and Sysprep leaves the
service's own Sysprep step a generalized VM that it cannot handle.

A command that only writes such a line into the deprovisioning override (in a string or a
here-document) is not reported: that is the documented way to change how the VM is
generalized.

Sources: aib-runtime.md §6-7 (the hidden deprovisioning customizer, the default commands,
overriding them); the troubleshooting guide's section on the deprovisioning step.

**Fix:** remove the command. To change generalization, write your own
`/tmp/DeprovisioningScript.sh` or `c:\\DeprovisioningScript.ps1` in a customizer.
"""
    examples = (
        Example(
            _template(_shell("cleanup", "sudo waagent -force -deprovision+user && export HISTSIZE=0")),
            ((5, 61),),
            "waagent",
        ),
        Example(
            _template(_powershell("generalize", "& $Env:SystemRoot\\System32\\Sysprep\\Sysprep.exe /oobe /generalize /quiet /quit")),
            ((5, 66),),
            "Sysprep",
        ),
        Example(
            _template(
                _shell("override", "echo 'sudo waagent -force -deprovision && sync' | sudo tee /tmp/DeprovisioningScript.sh"),
                _powershell("override", "Set-Content c:\\DeprovisioningScript.ps1 'Sysprep.exe /oobe /generalize /quiet /quit'"),
            ),
            (),
            "writing the deprovisioning override",
        ),
    )

    def check_script(self, unit: ScriptUnit) -> Iterator[Problem]:
        if unit.phase != "customize":
            return
        for command in _script(unit).commands:
            what = _generalizes(command, unit.language)
            if what is not None:
                yield _at(unit, command, f"the customizer generalizes the VM itself (`{what}`); Image Builder does that after "
                          "the last customizer, and doing it earlier breaks the build: remove it (override "
                          "the deprovisioning script to change how the VM is generalized)")


def _generalizes(command: Command, language: str) -> str | None:
    if language == _SHELL:
        if command.name == "waagent" and any((word.value or "").lstrip("-").startswith("deprovision") for word in command.args):
            deprovision = next(word.value for word in command.args if (word.value or "").lstrip("-").startswith("deprovision"))
            return f"waagent {deprovision}"
        return None
    name = _name(command, language)
    if name == "sysprep" or (command.kind == "command" and _SYSPREP().search(command.words[0].text)):
        return "Sysprep"
    if name in ("start-process", "saps", "start"):
        target = _process_path(command)
        if target is not None and _SYSPREP().search(target.text):
            return "Start-Process Sysprep"
    return None


def _process_path(command: Command) -> Word | None:
    args = command.args
    for index, word in enumerate(args):
        if word.option and (word.value or "").casefold() in ("-filepath", "-path") and index + 1 < len(args):
            return args[index + 1]
    operands = _operands(command)
    return operands[0] if operands else None


# -- AIB503 ------------------------------------------------------------------------------------------

_WRITES: Final = frozenset({">", ">>", "&>", "&>>", ">|"})
_ROOT_CHECK: Final = re.compile(r"\bEUID\b|\bid\s+-u\b|\bwhoami\b|\bUID\b")
_SUBCOMMAND_POSITION: Final = {"service": 1}


class RootWithoutSudo(Rule):
    id = "AIB503"
    name = "root-without-sudo"
    severity = Severity.WARNING
    summary = "A Shell command that needs root runs without sudo"
    description = """\
Shell customizers do not run as root: Image Builder runs them as the build user over SSH,
and that user has passwordless `sudo`. A command that needs root (`apt-get install`,
`yum install`, `systemctl enable`, `useradd`...) or writes where only root may write (`/etc`,
`/usr`, `/opt`, a new top-level folder) fails without `sudo`, and with `/bin/sh -e` the
failure ends the build.

`sudo echo x > /etc/file` is reported too: the redirection is done by the build user's shell,
not by `sudo`. A script that checks who runs it (`$EUID`, `id -u`) or re-runs itself through
`sudo` is left alone, and so are Shell steps of a template whose source is Windows (AIB204's
finding).

Sources: the image template reference, "Super user privileges": "Prefix the commands with
`sudo` to run them with super user privileges"; aib-runtime.md §1 (the Packer shell
provisioner runs the script as the SSH user, without sudo). The command table, with the manual
pages it comes from, is `aiblint/data/script-commands.json`.

**Fix:** prefix the command with `sudo`; for a redirection, use `| sudo tee file` (or
`| sudo tee -a file` for `>>`).
"""
    examples = (
        Example(
            _template(_shell("install", "apt-get update", "sudo echo 'vm.swappiness=10' >> /etc/sysctl.conf")),
            ((5, 56), (5, 106)),
            "no sudo; sudo that does not cover the redirection",
        ),
        Example(
            _template(_shell("install", "sudo apt-get update", "echo 'vm.swappiness=10' | sudo tee -a /etc/sysctl.conf",
                             "mkdir -p /tmp/build && apt-cache policy nginx")),
            (),
            "sudo, tee, and what a user may do",
        ),
    )

    def check_script(self, unit: ScriptUnit) -> Iterator[Problem]:
        if unit.language != _SHELL or _builds_windows(unit.template):
            return
        script = _script(unit)
        if _elevates_itself(script):
            return
        needs_root = _table("needs_root")
        writers = _table("file_writers")
        for command in script.commands:
            for redirect in command.redirects:
                target = redirect.target
                if redirect.operator in _WRITES and target is not None and _system_path(_text_prefix(target)):
                    how = "the redirection runs in the build user's shell, not under sudo: use `| sudo tee`" if command.elevated \
                        else "prefix it with `sudo`, or use `| sudo tee`"
                    yield problem_at(unit, target.start, target.end,
                                     f"writing to {_text_prefix(target)} needs root, but Shell customizers run as the build user; {how}")
            if command.elevated:
                continue
            what = _root_command(command, needs_root)
            if what is not None:
                yield _at(unit, command, f"`{what}` needs root, but Shell customizers run as the build user, without sudo: "
                          "prefix it with `sudo`")
                continue
            path = next((_text_prefix(word) for word in _destinations(command, writers) if _system_path(_text_prefix(word))), None)
            if path is not None:
                yield _at(unit, command, f"`{command.name}` writes to {path}, which needs root, but Shell customizers run as "
                          "the build user, without sudo: prefix it with `sudo`")


def _builds_windows(template: ImageTemplate) -> bool:
    from aiblint.osinfo import infer_os

    return infer_os(template) == "windows"


def _elevates_itself(script: Script) -> bool:
    """The script checks whether it runs as root, or re-runs itself through
    ``exec sudo``. (``sudo -i`` or ``sudo su`` do not elevate the lines after
    them: those still run as the build user.)"""
    if _ROOT_CHECK.search(script.text):
        return True
    return any("sudo" in command.wrappers and "exec" in command.wrappers for command in script.commands)


def _root_command(command: Command, table: dict[str, list[str]]) -> str | None:
    name = command.name
    wanted = table.get(name)
    if wanted is None or not command.args or "--user" in {word.value for word in command.args}:
        return None
    if "*" in wanted:
        return name
    operands = _operands(command)
    position = _SUBCOMMAND_POSITION.get(name, 0)
    if len(operands) > position and operands[position].value in wanted:
        return " ".join([name, *(word.value or word.text for word in operands[: position + 1])])
    for word in command.args:
        option = (word.value or "").split("=", 1)[0]
        if option.startswith("-") and option in wanted:
            return f"{name} {option}"
    return None


def _system_path(path: str) -> bool:
    if not path.startswith("/") or path.startswith(("/tmp", "/var/tmp", "/dev/", "/proc/self")):
        return False
    prefixes: list[str] = _table("system_paths")["prefixes"]
    if any(path == prefix or path.startswith(prefix + "/") for prefix in prefixes):
        return True
    return re.fullmatch(r"/[^/]+/?", path) is not None and path not in ("/tmp", "/tmp/", "/dev", "/dev/")  # a new top-level folder


def _destinations(command: Command, writers: dict[str, dict[str, Any]]) -> list[Word]:
    """The files and folders a command writes, as far as its table entry tells."""
    spec = writers.get(command.name)
    if spec is None:
        return []
    operands = _operands(command)
    found: list[Word] = []
    if spec.get("operands"):
        found += operands
    if spec.get("operands_after_first"):
        found += operands[1:]
    if spec.get("last") and len(operands) >= 2:
        found.append(operands[-1])
    if spec.get("operands_with_option") and any((word.value or "").startswith(tuple(spec["operands_with_option"])) for word in command.args):
        found += operands[1:]
    if spec.get("clone_target") and len(operands) >= 3 and operands[0].value == "clone":
        found.append(operands[2])
    if spec.get("venv_target"):
        values = [word.value for word in command.args]
        if "-m" in values and "venv" in values and len(operands) >= 2:
            found.append(operands[-1])
    found += _option_words(command, spec.get("options", []))
    return found


def _option_words(command: Command, options: Sequence[str]) -> list[Word]:
    from aiblint.scripts.syntax import Word

    found: list[Word] = []
    args = command.args
    for index, word in enumerate(args):
        value = word.value or ""
        clustered = value[:1] == "-" and value[1:2] != "-" and len(value) > 2 and "-" + value[-1] in options  # curl -fsSLo
        if (value in options or clustered) and index + 1 < len(args):
            found.append(args[index + 1])
            continue
        name, equals, rest = value.partition("=")
        if equals and name in options and rest:
            start = word.value_start + len(name) + 1
            found.append(Word(start, word.value_end, rest, rest, start, word.value_end))
    return found


# -- AIB504 ------------------------------------------------------------------------------------------

_HOME: Final = re.compile(r"(?:~|\$HOME\b|\$\{HOME\})(?:/|$)")
_REMOVERS: Final = frozenset({"rm", "rmdir", "shred", "unlink"})


class InstallIntoHome(Rule):
    id = "AIB504"
    name = "install-into-home"
    severity = Severity.WARNING
    summary = "A Linux customizer installs into the build user's home, which deprovisioning deletes"
    description = """\
At the end of a Linux build Image Builder runs `waagent -force -deprovision+user`, which
deletes the build user and its whole home directory. Whatever a customizer puts in `~` or
`$HOME` (a `git clone`, `pip install --user`, a tool unpacked there, a line added to
`~/.bashrc`) is not in the image.

The rule looks at where commands write: redirections, `mkdir`/`cp`/`mv`/`tee` targets, `curl
-o`, `wget -P`, `tar -C`, `unzip -d`, `git clone` targets, `python -m venv` and
`pip install --user`. Reading from the home folder is fine.

Sources: aib-runtime.md §6 (the default deprovisioning command; WALinuxAgent's `del_user`
runs `userdel -f -r` on the provisioned user, "account and entire home directory will be
deleted").

**Fix:** install into a system location (`/opt`, `/usr/local`, `/etc/profile.d` for
environment settings) with `sudo`; for Python, `sudo pip install` or a virtual environment
under `/opt`.
"""
    examples = (
        Example(
            _template(_shell("tools", "git clone https://github.com/contoso/tools ~/tools", "pip3 install --user ansible")),
            ((5, 97), (5, 108)),
            "into the home folder",
        ),
        Example(
            _template(_shell("tools", "sudo git clone https://github.com/contoso/tools /opt/tools", "cat ~/.ssh/known_hosts")),
            (),
            "into /opt; reading from home",
        ),
        Example(
            _template(_shell("cleanup", "rm -rf ~/.cache", "rm -f $HOME/.bash_history")),
            (),
            "cleaning the home folder up",
        ),
    )

    def check_script(self, unit: ScriptUnit) -> Iterator[Problem]:
        if unit.language != _SHELL or unit.phase != "customize" or _builds_windows(unit.template):
            return
        writers = _table("file_writers")
        for command in _script(unit).commands:
            if command.name in _REMOVERS:
                continue  # cleaning the home folder up is not installing into it
            targets = [redirect.target for redirect in command.redirects if redirect.operator in _WRITES and redirect.target]
            targets += _destinations(command, writers)
            home = next((word for word in targets if _HOME.match(word.text.lstrip("\"'"))), None)
            if home is not None:
                yield problem_at(unit, home.start, home.end, f"`{command.name}` writes into the build user's home "
                                 f"({home.text}), which deprovisioning deletes with the user: it does not reach the image; "
                                 "install under /opt or /usr/local instead")
            elif command.name in ("pip", "pip3") and "--user" in {word.value for word in command.args} and \
                    "install" in {word.value for word in command.args}:
                yield _at(unit, command, f"`{command.name} install --user` installs into the build user's home (~/.local), "
                          "which deprovisioning deletes with the user: it does not reach the image; install system-wide "
                          "with sudo, or into a virtual environment under /opt")


# -- AIB505 ------------------------------------------------------------------------------------------

_URL_TAKERS_SHELL: Final = frozenset({"rpm", "yum", "dnf", "zypper", "pip", "pip3", "git", "apt-key"})
_PROXY_OPTIONS: Final = frozenset({"-x", "--proxy", "--preproxy", "-e", "--execute", "--referer", "-h", "--header", "-proxy"})
#: Azure's platform endpoints speak plain http by design (IMDS, the WireServer).
_PLATFORM_HOSTS: Final = frozenset({"168.63.129.16", "metadata.azure.internal"})


class PlainHttpDownload(Rule):
    id = "AIB505"
    name = "plain-http-download"
    severity = Severity.WARNING
    summary = "A script downloads over plain http"
    description = """\
What a build downloads over `http://` can be changed by anyone on the network path, and the
change goes into the image. Downloads by `curl`, `wget`, package managers given a URL
(`rpm -i`, `yum install`, `pip install`), `git clone`, `apt-key`, and in PowerShell
`Invoke-WebRequest`, `Invoke-RestMethod`, `Start-BitsTransfer` and `System.Net.WebClient`
are checked. Azure's platform endpoints that only speak http (the instance metadata service
169.254.169.254, the WireServer 168.63.129.16) and the VM itself (localhost) are not reported,
nor are proxy addresses.

Sources: aib-runtime.md §1-2 (scripts download as part of the build); the same reasoning as
AIB301 for the template's own URIs.

**Fix:** use `https://`. If the server has no https, download over https from a mirror, or
check the file's SHA-256 before using it.
"""
    tags = ("security",)
    security_severity = 5.0
    examples = (
        Example(
            _template(_shell("agent", "curl -fsSLo /tmp/agent.tar.gz http://downloads.contoso.com/agent.tar.gz")),
            ((5, 84),),
            "curl over http",
        ),
        Example(
            _template(_powershell("agent", "Invoke-WebRequest -Uri http://downloads.contoso.com/agent.msi -OutFile C:\\agent.msi")),
            ((5, 82),),
            "PowerShell",
        ),
        Example(
            _template(
                _shell("ok", "curl -fsSLo /tmp/a.tgz https://downloads.contoso.com/a.tgz",
                       "curl -H Metadata:true http://169.254.169.254/metadata/instance?api-version=2021-02-01",
                       "curl -x http://proxy.contoso.com:3128 -fsSLO https://downloads.contoso.com/b.tgz",
                       "echo 'see http://example.com'"),
            ),
            (),
            "https, the metadata service, a proxy and text",
        ),
        Example(
            """resource it 'Microsoft.VirtualMachineImages/imageTemplates@2024-02-01' = {
  name: 'web'
  properties: {
    customize: [
      {
        type: 'Shell'
        name: 'agent'
        inline: [
          '''
set -e
curl -fsSLo /tmp/agent.tar.gz http://downloads.contoso.com/agent.tar.gz
'''
        ]
      }
    ]
  }
}
""",
            ((11, 31),),
            "Bicep: a ''' multi-line inline script",
            filename="template.bicep",
        ),
    )

    def check_script(self, unit: ScriptUnit) -> Iterator[Problem]:
        script = _script(unit)
        for command in script.commands:
            for word in _plain_http_words(command, unit.language):
                yield problem_at(unit, word.start, word.end, f"`{_shown_name(command, unit.language)}` downloads over plain "
                                 f"http ({_origin(_text_prefix(word))}): anyone on the network path can change what goes "
                                 "into the image; use https")


def _shown_name(command: Command, language: str) -> str:
    return command.words[0].text if command.kind == "command" else command.name


def _plain_http_words(command: Command, language: str) -> Iterator[Word]:
    name = _name(command, language)
    downloaders = set(_table("downloaders")[language])
    if name not in downloaders and not (language == _SHELL and name in _URL_TAKERS_SHELL):
        return
    previous = ""
    for word in command.args:
        text = _text_prefix(word)
        if previous not in _PROXY_OPTIONS and text[:7].casefold() == "http://" and not _platform(text):
            yield word
        previous = (word.value or "").casefold()


def _platform(url: str) -> bool:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    if host in _PLATFORM_HOSTS or host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_link_local


def _origin(url: str) -> str:
    """``http://host/…``: the host only, never a path or query (which could hold a token)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    return f"http://{host}/…" if host else "http://…"


# -- AIB506 ------------------------------------------------------------------------------------------


class DownloadAndExecute(Rule):
    id = "AIB506"
    name = "download-and-execute"
    severity = Severity.WARNING
    summary = "A script runs code it downloads without checking it"
    description = """\
`curl https://... | sh`, `bash -c "$(curl ...)"`, `bash <(wget -qO- ...)` and PowerShell's
`iex (New-Object Net.WebClient).DownloadString(...)`, `iwr ... | iex` run whatever the server
sends on the day of the build, as the build user or root, with nothing to check it against.
A compromised or changed server, or a truncated download, goes straight into the image.

Sources: aib-runtime.md §1-2 (scripts run with sudo rights or elevated); the same reasoning as
AIB304 (`sha256Checksum`) for the template's own downloads.

**Fix:** download to a file, check its SHA-256 against a value you keep in the repository
(`echo "<sha256>  install.sh" | sha256sum -c -`, `Get-FileHash`), then run it; or install the
tool from a signed package repository.
"""
    tags = ("security",)
    security_severity = 6.0
    examples = (
        Example(
            _template(_shell("docker", "curl -fsSL https://get.docker.com | sudo sh")),
            ((5, 55),),
            "a pipe into sh",
        ),
        Example(
            _template(_powershell("choco", "iex ((New-Object System.Net.WebClient).DownloadString('https://community.chocolatey.org/install.ps1'))")),
            ((5, 59),),
            "PowerShell",
        ),
        Example(
            _template(
                _shell("docker", "curl -fsSLo /tmp/get-docker.sh https://get.docker.com",
                       "echo \\\"$DOCKER_SHA256  /tmp/get-docker.sh\\\" | sha256sum -c -", "sudo sh /tmp/get-docker.sh",
                       "curl -fsSL https://download.docker.com/linux/ubuntu/gpg | sudo gpg --dearmor -o /etc/apt/keyrings/docker.gpg"),
            ),
            (),
            "downloaded to a file and checked; a key piped into gpg",
        ),
    )

    def check_script(self, unit: ScriptUnit) -> Iterator[Problem]:
        script = _script(unit)
        language = unit.language
        reported: set[int] = set()
        for command in script.commands:
            if not _downloads_to_stdout(command, language):
                continue
            runner = _runner(script, command, language)
            if runner is None or runner.index in reported:
                continue
            reported.add(runner.index)
            start = min(command, runner, key=lambda item: item.start)
            first = start.words[0].start if start.kind == "command" else start.start
            shown = _name(runner, language) or runner.words[0].text
            yield problem_at(unit, first, max(command.end, runner.end),
                             f"runs code it downloads (`{_name(command, language)}` into `{shown}`) without checking it: "
                             "download to a file, check its SHA-256, then run it")


def _downloads_to_stdout(command: Command, language: str) -> bool:
    name = _name(command, language)
    if language == _POWERSHELL:
        options = {(word.value or "").casefold() for word in command.args if word.option}
        return name in set(_table("downloaders")["powershell"]) and name != ".downloadfile" and "-outfile" not in options
    if name == "curl":
        return not _curl_writes_file(command)
    if name == "wget":
        joined = " ".join(word.value or "" for word in command.args)
        return any(re.search(rf"(?:^|\s){re.escape(form)}(?:\s|$)", joined) for form in _table("downloaders")["wget_stdout"])
    return name == "fetch" and "-o -" in " ".join(word.value or "" for word in command.args)


def _code_inline(command: Command) -> bool:
    """``python3 -c 'import json...'``: the code is the argument, what comes on
    standard input is data."""
    return any(word.value in ("-c", "-e", "--command") for word in command.args)


def _curl_writes_file(command: Command) -> bool:
    args = command.args
    for index, word in enumerate(args):
        value = word.value or ""
        following = args[index + 1].value if index + 1 < len(args) else None
        if value in ("-o", "--output") or (value.startswith("-") and not value.startswith("--") and value[-1:] == "o"):
            return following not in ("-", "/dev/stdout")
        if value.startswith("--output="):
            return value.split("=", 1)[1] not in ("-", "/dev/stdout")
        if value in ("-O", "--remote-name", "--remote-name-all", "--output-dir") or (
            value.startswith("-") and not value.startswith("--") and "O" in value
        ):
            return True
    return False


def _runner(script: Script, download: Command, language: str) -> Command | None:
    """The command that runs what ``download`` writes: a later stage of its
    pipeline, or the command it is nested in (``bash -c "$(curl ...)"``)."""
    interpreters = set(_table("interpreters")[language])
    for stage in script.pipeline(download):
        if stage.stage > download.stage and _name(stage, language) in interpreters and not _code_inline(stage):
            return stage
    parent = download.parent
    while parent is not None:
        outer = script.commands[parent]
        if _name(outer, language) in interpreters:
            return outer
        parent = outer.parent
    return None
