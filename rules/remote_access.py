"""AIB510: a script that cuts the connection Image Builder builds through:
SSH (port 22) on Linux, WinRM over HTTPS (port 5986) on Windows.

Each detector reads one parsed command; a stop or disable that the same script
undoes later (``systemctl stop ssh`` ... ``systemctl start ssh``, as when
host keys are regenerated) is not reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from itertools import pairwise
from typing import Final

from aiblint.findings import Severity
from aiblint.lazyre import lazy
from aiblint.record import Record
from aiblint.rule import Example, Problem, Rule
from aiblint.scripts.syntax import POWERSHELL, Command, Script
from aiblint.scripts.units import ScriptUnit

from .script_reading import PsCommand, command_problem, earlier_units, exe_name, name, operands, shown, values
from .steps import customizers


class Cut(Record):
    """What a command does to remote access: ``effect`` for the message, and
    ``undo(later)`` telling whether the commands after it restore it."""

    __slots__ = ("effect", "undo", "when")
    effect: Final[str]
    undo: Final[Callable[[list[Command]], bool] | None]
    #: When it bites: "now" (the next step cannot connect), "boot" (VMs made from the
    #: image; Linux has no restart during a build), "restart" (after a WindowsRestart).
    when: Final[str]

    def __init__(self, effect: str, undo: Callable[[list[Command]], bool] | None = None, when: str = "now") -> None:
        self.effect = effect
        self.undo = undo
        self.when = when


class Context(Record):
    """The unit and parsed script a detector reads."""

    __slots__ = ("unit", "script")  # noqa: RUF023 - in field order
    unit: Final[ScriptUnit]
    script: Final[Script]

    def __init__(self, unit: ScriptUnit, script: Script) -> None:
        self.unit = unit
        self.script = script


Detector = Callable[[Command, Context], "Cut | None"]

# -- Linux -----------------------------------------------------------------------------------

_SSH_UNITS: Final = frozenset({"ssh", "sshd", "ssh.service", "sshd.service", "ssh.socket", "sshd.socket"})
_SSH_PACKAGES: Final = frozenset({"openssh-server", "openssh"})
_SSH_PORTS: Final = frozenset({"22", "22/tcp", "ssh", "ssh/tcp", "openssh"})


_STARTS: Final = frozenset({"start", "restart", "reload-or-restart"})


def _systemctl(command: Command, context: Context) -> Cut | None:
    words = values(operands(command))
    if not words or not _SSH_UNITS & set(words[1:]):
        return None
    verb = words[0]
    now = "--now" in values(command.args)
    if verb in ("stop", "kill"):
        return Cut("stops the SSH server", _systemctl_undo(_STARTS))
    if verb == "disable":
        effect = "stops the SSH server and keeps it from starting at boot" if now else "keeps the SSH server from starting at boot"
        return Cut(effect, _systemctl_undo({"enable", "reenable"}, _STARTS if now else frozenset()), "now" if now else "boot")
    if verb == "mask":
        effect = "stops and masks the SSH server" if now else "masks the SSH server so that it cannot start"
        return Cut(effect, _systemctl_undo({"unmask"}, _STARTS if now else frozenset()), "now" if now else "boot")
    return None


def _systemctl_undo(*needed: frozenset[str] | set[str]) -> Callable[[list[Command]], bool]:
    """Undone when later ``systemctl`` commands on the SSH unit use a verb of each set
    (``enable --now`` counts as a start too)."""

    def undoes(later: list[Command]) -> bool:
        used: set[str] = set()
        for command in later:
            words = values(operands(command))
            if name(command, "shell") == "systemctl" and words and _SSH_UNITS & set(words[1:]):
                used.add(words[0])
                if words[0] in ("enable", "unmask") and "--now" in values(command.args):
                    used.add("start")
        return all(used & verbs for verbs in needed if verbs)

    return undoes


def _service(command: Command, context: Context) -> Cut | None:
    words = values(operands(command))
    if len(words) >= 2 and words[0] in _SSH_UNITS and words[1] == "stop":
        return Cut("stops the SSH server", _any_later(_service_started))
    return None


def _service_started(command: Command) -> bool:
    words = values(operands(command))
    if name(command, "shell") == "service":
        return len(words) >= 2 and words[0] in _SSH_UNITS and words[1] in ("start", "restart")
    return name(command, "shell") == "systemctl" and bool(words) and words[0] in _STARTS and bool(_SSH_UNITS & set(words[1:]))


def _any_later(test: Callable[[Command], bool]) -> Callable[[list[Command]], bool]:
    return lambda later: any(test(command) for command in later)


def _init_script(command: Command, context: Context) -> Cut | None:
    program = command.words[0].value or ""
    args = values(command.args)
    if program.startswith("/etc/init.d/") and name(command, "shell") in _SSH_UNITS and args[:1] == ["stop"]:
        return Cut("stops the SSH server", _any_later(_service_started))
    return None


def _boot_links(command: Command, context: Context) -> Cut | None:
    words = values(operands(command))
    program = name(command, "shell")
    if program == "update-rc.d" and len(words) >= 2 and words[0] in _SSH_UNITS and words[1] in ("disable", "remove"):
        return Cut("keeps the SSH server from starting at boot", when="boot")
    if program == "chkconfig" and len(words) >= 2 and words[0] in _SSH_UNITS and words[1] == "off":
        return Cut("keeps the SSH server from starting at boot", when="boot")
    return None


_REMOVE_VERBS: Final = {
    "apt-get": {"remove", "purge"}, "apt": {"remove", "purge"}, "aptitude": {"remove", "purge"},
    "yum": {"remove", "erase"}, "dnf": {"remove", "erase"}, "microdnf": {"remove"}, "tdnf": {"remove", "erase"},
    "zypper": {"remove", "rm"},
}


def _package_removal(command: Command, context: Context) -> Cut | None:
    program = name(command, "shell")
    words = values(operands(command))
    removes = False
    if program in _REMOVE_VERBS:
        removes = bool(words) and words[0] in _REMOVE_VERBS[program]
        words = words[1:]
    elif program in ("rpm", "dpkg"):
        flags = values(command.args)
        removes = any(flag in ("-e", "--erase", "-r", "-P", "--remove", "--purge") for flag in flags)
    if removes and any(word.split("=")[0].rstrip("*") in _SSH_PACKAGES for word in words):
        return Cut("uninstalls the SSH server")
    return None


def _ufw(command: Command, context: Context) -> Cut | None:
    words = values(operands(command))
    if words[:1] == ["insert"]:
        words = words[2:]
    if words and words[0] in ("deny", "reject") and _names_ssh_port(words[1:]) and not _ufw_narrowed(words):
        return Cut("blocks port 22 (SSH) in the firewall", _any_later(_ufw_allows_ssh))
    if words[:1] == ["enable"] and not _ssh_allowed_before(context, command):
        return Cut(
            "turns on ufw, whose default policy denies incoming connections, with no rule allowing SSH (port 22)",
            _any_later(_ufw_allows_ssh),
        )
    return None


def _ufw_narrowed(words: list[str]) -> bool:
    """The rule applies to some sources or one interface only (``from 203.0.113.9``, ``in on eth1``)."""
    after_from = [following for value, following in pairwise(words) if value == "from"]
    return "on" in words or any(source != "any" for source in after_from)


def _names_ssh_port(words: list[str]) -> bool:
    return any(word.casefold() in _SSH_PORTS for word in words)


def _ufw_allows_ssh(command: Command) -> bool:
    words = values(operands(command))
    return name(command, "shell") == "ufw" and words[:1] in (["allow"], ["limit"]) and _names_ssh_port(words[1:])


def _ssh_allowed_before(context: Context, command: Command) -> bool:
    """An earlier ``ufw allow ssh`` or ``ufw default allow incoming``, in this script
    or an earlier step's; ``True`` too when an earlier step's script is not known."""
    earlier = earlier_units(context.unit)
    if earlier is None:
        return True
    scripts = [unit.syntax() for unit in earlier if unit.language != POWERSHELL]
    candidates = [other for script in scripts for other in script.commands]
    candidates += [other for other in context.script.commands if other.start < command.start]
    for other in candidates:
        words = values(operands(other))
        if name(other, "shell") == "ufw" and (_ufw_allows_ssh(other) or words[:3] == ["default", "allow", "incoming"]):
            return True
    return False


def _iptables(command: Command, context: Context) -> Cut | None:
    args = values(command.args)
    chain = _option(args, ("-A", "--append", "-I", "--insert"))
    jump = _option(args, ("-j", "--jump"))
    ports = _option(args, ("--dport", "--destination-port", "--dports"))
    if chain == "INPUT" and jump in ("DROP", "REJECT") and _port_in(ports, 22, ":") and not _iptables_narrowed(args):
        return Cut("drops incoming connections to port 22 (SSH)")
    policy = _option(args, ("-P", "--policy"))
    if policy == "INPUT" and args[args.index(policy) + 1 :][:1] in (["DROP"], ["REJECT"]) and not _iptables_accepts_ssh(context.script):
        return Cut("drops every incoming connection, port 22 (SSH) included, with no rule accepting it")
    return None


#: Matches that limit a rule to some connections (rate limits, sources, times): such a DROP
#: is a brute-force guard or an allow-list, not a block of every SSH connection.
_NARROWING_OPTIONS: Final = frozenset({"-s", "--source", "--src", "--src-range", "-i", "--in-interface", "!"})
_NARROWING_MATCHES: Final = frozenset({"recent", "limit", "hashlimit", "connlimit", "time", "string", "iprange", "geoip", "set"})


def _iptables_narrowed(args: list[str]) -> bool:
    protocol = _option(args, ("-p", "--protocol"))
    matches = {following for value, following in pairwise(args) if value in ("-m", "--match")}
    return bool(_NARROWING_OPTIONS & set(args) or _NARROWING_MATCHES & matches) or protocol not in (None, "tcp", "6", "all")


def _iptables_accepts_ssh(script: Script) -> bool:
    for other in script.commands:
        if name(other, "shell") in ("iptables", "ip6tables"):
            args = values(other.args)
            if _option(args, ("-j", "--jump")) == "ACCEPT" and _port_in(_option(args, ("--dport", "--destination-port", "--dports")), 22, ":"):
                return True
    return False


def _firewall_cmd(command: Command, context: Context) -> Cut | None:
    arguments = values(command.args)
    zone = next((value.split("=", 1)[1] for value in arguments if value.startswith("--zone=")), "public")
    if zone != "public":
        return None  # another zone than the default one of Azure's images
    # --permanent changes the saved configuration only, until a reload or the next boot.
    when = "boot" if "--permanent" in arguments and not _reloads_after(context.script, command) else "now"
    for value in arguments:
        option, _, argument = value.partition("=")
        if option == "--remove-service" and argument == "ssh":
            return Cut("removes the ssh service from the firewall zone", when=when)
        if option == "--remove-port" and argument in ("22/tcp", "22"):
            return Cut("closes port 22 (SSH) in the firewall", when=when)
        if option == "--panic-on":
            return Cut("drops all network traffic (firewalld panic mode)")
        if option == "--set-default-zone" and argument in ("drop", "block"):
            return Cut(f"makes the {argument} zone, which has no ssh service, the default")
    return None


def _reloads_after(script: Script, command: Command) -> bool:
    return any(
        name(other, "shell") == "firewall-cmd" and {"--reload", "--complete-reload"} & set(values(other.args))
        for other in script.commands
        if other.start > command.start
    )


_SHELL: Final[dict[str, Detector]] = {
    "systemctl": _systemctl, "service": _service, "update-rc.d": _boot_links, "chkconfig": _boot_links,
    "ufw": _ufw, "iptables": _iptables, "ip6tables": _iptables, "firewall-cmd": _firewall_cmd, "rpm": _package_removal,
    "dpkg": _package_removal, **{program: _package_removal for program in _REMOVE_VERBS},
    **{unit: _init_script for unit in _SSH_UNITS},
}


# -- Windows ---------------------------------------------------------------------------------

_WINRM_NAMES: Final = lazy(r"winrm|windows remote management.*", re.IGNORECASE)


def _names_winrm(word: object) -> bool:
    value = getattr(word, "value", None)
    return isinstance(value, str) and _WINRM_NAMES().fullmatch(value.strip()) is not None


def _service_target(command: Command, script: Script) -> bool:
    """The command acts on the WinRM service: named, or piped from ``Get-Service WinRM``."""
    call = PsCommand(command, ("name", "displayname", "inputobject", "startuptype", "status"), ("force", "passthru"))
    named = call.value("name", 0) or call.value("displayname") or call.value("inputobject")
    if named is not None:
        return _names_winrm(named)
    stages = [other for other in script.pipeline(command) if other.stage < command.stage]
    return any(name(stage, POWERSHELL) in ("get-service", "gsv") and any(_names_winrm(word) for word in stage.args) for stage in stages)


def _stop_service(command: Command, context: Context) -> Cut | None:
    if _service_target(command, context.script):
        return Cut("stops the WinRM service", _winrm_started(context.script))
    return None


def _set_service(command: Command, context: Context) -> Cut | None:
    script = context.script
    if not _service_target(command, script):
        return None
    call = PsCommand(command, ("name", "displayname", "inputobject", "startuptype", "status"), ("force", "passthru"))
    startup = call.value("startuptype")
    status = call.value("status")
    if status is not None and (status.value or "").casefold() == "stopped":
        return Cut("stops the WinRM service", _winrm_started(script))
    if startup is not None and (startup.value or "").casefold() == "disabled":
        return Cut("disables the WinRM service, so it does not start after a restart", _winrm_enabled(script), "restart")
    return None


def _winrm_started(script: Script) -> Callable[[list[Command]], bool]:
    def started(command: Command) -> bool:
        program = name(command, POWERSHELL)
        if program in ("start-service", "sasv", "restart-service"):
            return _service_target(command, script)
        if program == "set-service" and _service_target(command, script):
            text = " ".join(values(command.args)).casefold()
            return "running" in text or "automatic" in text
        return False

    return _any_later(started)


def _winrm_enabled(script: Script) -> Callable[[list[Command]], bool]:
    def enabled(command: Command) -> bool:
        if name(command, POWERSHELL) != "set-service" or not _service_target(command, script):
            return False
        return any(value.casefold() in ("automatic", "manual", "automaticdelayedstart") for value in values(command.args))

    return _any_later(enabled)


def _sc_exe(command: Command, context: Context) -> Cut | None:
    if exe_name(command) != "sc.exe":
        return None
    words = [value.casefold() for value in values(command.args)]
    if len(words) >= 2 and words[1] == "winrm":
        if words[0] == "stop":
            return Cut("stops the WinRM service")
        if words[0] == "delete":
            return Cut("deletes the WinRM service")
        if words[0] == "config" and ("start=disabled" in words or any(pair == ("start=", "disabled") for pair in pairwise(words))):
            return Cut("disables the WinRM service, so it does not start after a restart", when="restart")
    return None


def _net(command: Command, context: Context) -> Cut | None:
    words = [value.casefold() for value in values(command.args)]
    if words[:1] == ["stop"] and len(words) >= 2 and _WINRM_NAMES().fullmatch(words[1]):
        return Cut("stops the WinRM service")
    return None


def _winrm_tool(command: Command, context: Context) -> Cut | None:
    words = [value.casefold() for value in values(command.args)]
    if words[:1] in (["delete"], ["d"]) and len(words) >= 2 and words[1].startswith("winrm/config/listener"):
        if "transport=http" in words[1] and "transport=https" not in words[1]:
            return None  # the HTTP listener (5985): Image Builder uses HTTPS
        return Cut("deletes the WinRM HTTPS listener")
    return None


def _remove_listener(command: Command, context: Context) -> Cut | None:
    text = " ".join(word.text for word in command.words).casefold()
    if name(command, POWERSHELL) == "remove-wsmaninstance" and "winrm/config/listener" in text and "https" in text:
        return Cut("deletes the WinRM HTTPS listener")
    return None


def _new_firewall_rule(command: Command, context: Context) -> Cut | None:
    call = PsCommand(
        command, ("action", "localport", "direction", "displayname", "name", "protocol", "profile", "group", "remoteaddress"),
        ("enabled",),
    )
    action, port, direction = call.value("action"), call.value("localport"), call.value("direction")
    if action is None or port is None or (action.value or "").casefold() != "block":
        return None
    remote = call.value("remoteaddress")
    if remote is not None and (remote.value or "").casefold() != "any":
        return None  # blocks some sources only
    if direction is not None and (direction.value or "").casefold() == "outbound":
        return None
    if _port_in(port.value if port.value is not None else port.text, 5986, "-"):
        return Cut("blocks incoming connections to port 5986 (WinRM over HTTPS)")
    return None


def _netsh(command: Command, context: Context) -> Cut | None:
    words = [value.casefold() for value in values(command.args)]
    if words[:2] != ["advfirewall", "firewall"] and words[:1] == ["advfirewall"]:
        if "firewallpolicy" in words and any("blockinboundalways" in word for word in words):
            return Cut("blocks every incoming connection, even those a rule allows (blockinboundalways)")
        return None
    if words[:4] != ["advfirewall", "firewall", "add", "rule"]:
        return None
    settings = dict(word.partition("=")[::2] for word in words[4:] if "=" in word)
    if settings.get("remoteip", "any") != "any":
        return None  # blocks some sources only
    if settings.get("action") == "block" and settings.get("dir", "in") == "in" and _port_in(settings.get("localport"), 5986, "-"):
        return Cut("blocks incoming connections to port 5986 (WinRM over HTTPS)")
    return None


def _firewall_profile(command: Command, context: Context) -> Cut | None:
    call = PsCommand(command, ("allowinboundrules", "defaultinboundaction", "name", "profile", "enabled"))
    allow = call.value("allowinboundrules")
    if allow is not None and (allow.value or allow.text).strip("$").casefold() == "false":
        return Cut("blocks every incoming connection, even those a rule allows (AllowInboundRules False)")
    return None


_POWERSHELL: Final[dict[str, Detector]] = {
    "stop-service": _stop_service, "spsv": _stop_service, "set-service": _set_service, "sc": _sc_exe,
    "net": _net, "winrm": _winrm_tool, "remove-wsmaninstance": _remove_listener,
    "new-netfirewallrule": _new_firewall_rule, "netsh": _netsh, "set-netfirewallprofile": _firewall_profile,
}


# -- shared ----------------------------------------------------------------------------------


def _option(args: list[str], names: tuple[str, ...]) -> str | None:
    for index, value in enumerate(args[:-1]):
        if value in names:
            return args[index + 1]
    return None


def _port_in(spec: str | None, port: int, range_mark: str) -> bool:
    """Whether a port list (``22``, ``5985-5986``, ``443,5986``; ranges with
    ``range_mark``) includes ``port``."""
    if not spec:
        return False
    for part in re.split(r"[,\s]+", spec.strip("'\"")):
        low, _, high = part.partition(range_mark)
        try:
            if int(low) <= port <= int(high or low):
                return True
        except ValueError:
            continue
    return False


def cuts(unit: ScriptUnit) -> Iterator[tuple[Command, Cut, Script]]:
    """Commands of a script that cut remote access and are not undone later in it."""
    script = unit.syntax()
    context = Context(unit, script)
    detectors = _POWERSHELL if unit.language == POWERSHELL else _SHELL
    commands = sorted(script.commands, key=lambda item: item.start)
    for position, command in enumerate(commands):
        detector = detectors.get(name(command, unit.language))
        cut = detector(command, context) if detector is not None else None
        if cut is None:
            continue
        if cut.undo is not None and cut.undo(commands[position + 1 :]):
            continue
        yield command, cut, script


def _template(*customizers: str) -> str:
    return (
        '{\n  "type": "Microsoft.VirtualMachineImages/imageTemplates",\n  "properties": {\n    "customize": [\n'
        + ",\n".join(f"      {customizer}" for customizer in customizers)
        + "\n    ]\n  }\n}\n"
    )


class RemoteAccessDisabled(Rule):
    id = "AIB510"
    name = "remote-access-disabled"
    severity = Severity.ERROR
    summary = "A script stops or blocks SSH or WinRM, which Image Builder needs to finish the build"
    description = """\
Image Builder runs every customizer, validator and the final deprovisioning step through a
remote connection to the build VM: SSH (port 22) on Linux, WinRM over HTTPS (port 5986) on
Windows. The troubleshooting guide says "*Don't* disable these settings as part of the
build", and explains builds "canceled after context cancellation" by scripts that enable or
configure a firewall or change SSH or WinRM (aib-runtime.md §7, stated by the troubleshooting
guide: confidence **H**).

Reported, on parsed scripts (inline and referenced, customizers and validators):

- **Linux:** `systemctl stop|disable|mask ssh` (or `sshd`, `ssh.socket`), `service ssh stop`,
  `/etc/init.d/ssh stop`, `update-rc.d ssh disable`, `chkconfig sshd off`, removing
  `openssh-server` (`apt-get remove`, `yum remove`, `rpm -e`...), `ufw deny 22` (or `ssh`,
  `OpenSSH`), `ufw enable` with no earlier `ufw allow ssh` (ufw's default policy denies incoming
  connections), `iptables -A INPUT ... --dport 22 -j DROP`, `iptables -P INPUT DROP` with no
  rule accepting port 22, `firewall-cmd --remove-service=ssh`, `--remove-port=22/tcp`,
  `--panic-on`, `--set-default-zone=drop`;
- **Windows:** `Stop-Service WinRM` (also piped from `Get-Service WinRM`), `Set-Service WinRM
  -StartupType Disabled` or `-Status Stopped`, `sc.exe stop|delete winrm`, `sc.exe config winrm
  start= disabled`, `net stop winrm`, deleting the HTTPS listener (`winrm delete
  winrm/config/Listener?...Transport=HTTPS`, `Remove-WSManInstance`), a firewall rule that
  blocks inbound port 5986 (`New-NetFirewallRule ... -Action Block`, `netsh advfirewall firewall
  add rule ... action=block`), and `blockinboundalways` / `-AllowInboundRules False`.

What breaks depends on when the change bites. Stopping a service, removing it, or a firewall
rule that applies at once fails the build at the next step. Disabling SSH at boot (`systemctl
disable ssh`, `update-rc.d`, `chkconfig`, a `firewall-cmd --permanent` change without
`--reload`) does not stop this build (Image Builder has no Linux restart), but every VM made
from the image starts without SSH, which the guide also warns against. Disabling WinRM at boot
(`-StartupType Disabled`, `start= disabled`) is reported only when a `WindowsRestart` or
`WindowsUpdate` customizer follows, since WinRM then does not come back; without a restart the
running service serves the build to its end.

A stop that the same script undoes later (`systemctl stop ssh` ... `systemctl start ssh`, as
when host keys are regenerated; `Start-Service WinRM`) is not reported, nor is a `ufw deny`
followed by `ufw allow ssh`. Firewall rules limited to some sources, one interface, a rate
(a brute-force guard such as `-m recent ... -j DROP`), UDP, or a zone other than `public` are
not blocks and are not reported. Commands in comments and strings are not commands. Changes
made by editing `sshd_config` (a new `Port`, `AllowUsers`) are not detected.

**Fix:** leave SSH and WinRM running and reachable during the build, and harden the VMs made
from the image when they first boot (cloud-init, a custom script extension, policy).
"""
    tags = ("correctness",)
    examples = (
        Example(
            _template(
                '{"type": "Shell", "name": "harden", "inline": ["sudo systemctl disable --now ssh", "sudo ufw deny 22/tcp"]}',
                '{"type": "PowerShell", "name": "lockdown", "inline": ["Get-Service WinRM | Stop-Service -Force", '
                '"New-NetFirewallRule -DisplayName NoWinRM -Direction Inbound -LocalPort 5986 -Protocol TCP -Action Block"]}',
            ),
            ((5, 60), (5, 96), (6, 82), (6, 105)),
            "stopping SSH, a firewall rule; stopping WinRM, a firewall rule",
        ),
        Example(
            _template('{"type": "Shell", "name": "firewall", "inline": ["sudo ufw default deny incoming", "sudo ufw --force enable"]}'),
            ((5, 96),),
            "ufw on without a rule for SSH",
        ),
        Example(
            _template(
                '{"type": "Shell", "name": "hostkeys", "inline": ["sudo systemctl stop ssh", "sudo rm -f /etc/ssh/ssh_host_*", '
                '"sudo ssh-keygen -A", "sudo systemctl start ssh"]}',
                '{"type": "Shell", "name": "firewall", "inline": ["sudo ufw allow OpenSSH", "sudo ufw --force enable", '
                '"# sudo systemctl stop sshd", "echo \'systemctl stop sshd\'"]}',
                '{"type": "PowerShell", "name": "winrm", "inline": ["Restart-Service WinRM", '
                '"New-NetFirewallRule -DisplayName web -Direction Inbound -LocalPort 80 -Protocol TCP -Action Allow", '
                '"Write-Host \'Stop-Service WinRM\'"]}',
            ),
            (),
            "a restart that the script undoes, an allowed port, comments and strings",
        ),
    )

    def check_script(self, unit: ScriptUnit) -> Iterator[Problem]:
        for command, cut, script in cuts(unit):
            stages = [stage for stage in script.pipeline(command) if stage.stage <= command.stage]
            written = " | ".join(shown(stage) for stage in stages) if len(stages) > 1 else shown(command)
            consequence = _consequence(unit, cut)
            if consequence is not None:
                yield command_problem(unit, command, f"`{written}` {cut.effect}: {consequence}")


def _consequence(unit: ScriptUnit, cut: Cut) -> str | None:
    """What follows from the cut, or ``None`` when nothing in this build breaks."""
    if cut.when == "boot":
        return (
            "VMs made from this image cannot be reached over SSH, and the troubleshooting guide says not to disable SSH "
            "as part of the build; harden the image at first boot instead if that is the intent"
        )
    if cut.when == "restart":
        restart = _later_restart(unit)
        if restart is None:
            return None  # nothing restarts the VM: the running service keeps serving this build
        return (
            f"the {restart} customizer after it restarts the VM, WinRM (port 5986) does not come back and the build "
            "fails; leave WinRM enabled during the build and harden the image at first boot instead"
        )
    channel = "WinRM (port 5986)" if unit.language == POWERSHELL else "SSH (port 22)"
    return (
        f"Image Builder reaches the build VM over {channel} for every later step and the final deprovisioning, so the "
        "build fails; leave remote access on during the build and harden the image at first boot instead"
    )


def _later_restart(unit: ScriptUnit) -> str | None:
    """``WindowsRestart`` or ``WindowsUpdate`` (which restarts as updates need) when one runs after the unit's step."""
    for position, step in enumerate(customizers(unit.template)):
        if position > unit.position and step.kind in ("windowsrestart", "windowsupdate"):
            return "WindowsRestart" if step.kind == "windowsrestart" else "WindowsUpdate"
    return None
