"""Credentials written on command lines of parsed scripts (AIB402).

A token has a shape; a password does not. What gives a password away is where
it is written: after ``--password``, as the second operand of ``net user x
... /add``, in ``user:password`` lines fed to ``chpasswd``. These detectors
read :class:`~aiblint.scripts.syntax.Command` objects, so the value is known
to be literal (``'P@ss'``, not ``"$PASS"``), and its position is exact.

Each detector carries samples, as in :mod:`aiblint.secrets.detectors`:
``positives`` are (language, script, the secret) and ``negatives`` (language,
script) in which no detector may find anything.

Sources for the options: the manual pages of subscription-manager(8) (``register
--password``, ``--activationkey``), rhc(1) (``connect --password``,
``--activation-key``), chpasswd(8), useradd(8)/usermod(8) (``-p``, "encrypted
password, as returned by crypt(3)"), openssl-passwd(1), htpasswd(1) (``-b``),
curl(1) (``-u user:password``), sshpass(1), sudo(8) (``-S`` reads the password
from standard input), passwd(1) (``--stdin`` on RHEL); ``az login --help``
(``-p/--password``, which is the client secret with ``--service-principal``);
Microsoft's PowerShell references of ``ConvertTo-SecureString``
(``-AsPlainText``), ``Connect-AzAccount`` (``-AccessToken`` and the other token
parameters) and ``net user`` (``net user <name> <password> /add``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Final

from aiblint.record import Record
from aiblint.scripts.syntax import POWERSHELL, SHELL, Command, Script, Word, normalized
from aiblint.secrets.filters import stands_for_a_secret
from aiblint.secrets.match import SecretMatch

Finder = Callable[[Script, Command], Iterator["Found"]]


class Found(Record):
    """A credential inside a word: ``offset``/``length`` index the word's value."""

    __slots__ = ("word", "label", "offset", "length")  # noqa: RUF023 - in field order
    word: Final[Word]
    label: Final[str]  # what passes it: "az --password", "net user", "sudo -S"
    offset: Final[int]
    length: Final[int | None]

    def __init__(self, word: Word, label: str, offset: int = 0, length: int | None = None) -> None:
        self.word = word
        self.label = label
        self.offset = offset
        self.length = length

    @property
    def value(self) -> str:
        value = self.word.value or ""
        end = len(value) if self.length is None else self.offset + self.length
        return value[self.offset : end]

    def span(self) -> tuple[int, int]:
        """Where the credential is written: exact when the word's value is
        written as is (no escapes), else the whole word."""
        word = self.word
        if word.value is not None and word.text[word.value_start - word.start : word.value_end - word.start] == word.value:
            start = word.value_start + self.offset
            return start, start + len(self.value)
        return word.start, word.end


class CommandDetector(Record):
    """Finds credentials passed on command lines, with samples."""

    __slots__ = ("id", "kind", "languages", "find", "positives", "negatives")  # noqa: RUF023 - in field order
    id: Final[str]
    kind: Final[str]  # "password", "client secret", "password hash" ...
    languages: Final[tuple[str, ...]]
    find: Final[Finder]
    positives: Final[tuple[tuple[str, str], ...]]  # (script, the secret)
    negatives: Final[tuple[str, ...]]

    def __init__(
        self,
        id: str,
        kind: str,
        languages: tuple[str, ...],
        find: Finder,
        positives: tuple[tuple[str, str], ...],
        negatives: tuple[str, ...],
    ) -> None:
        self.id = id
        self.kind = kind
        self.languages = languages
        self.find = find
        self.positives = positives
        self.negatives = negatives


# -- reading arguments ----------------------------------------------------------------------


def _option_values(command: Command, options: frozenset[str], *, attached: frozenset[str] = frozenset()) -> Iterator[Found]:
    """Values of ``--opt value``, ``--opt=value`` and (for ``attached``) ``-pvalue``."""
    args = command.args
    for index, word in enumerate(args):
        value = word.value
        if value is None:
            continue
        if value in options and index + 1 < len(args):
            yield Found(args[index + 1], f"{command.name} {value}")
            continue
        name, equals, _ = value.partition("=")
        if equals and name in options:
            yield Found(word, f"{command.name} {name}", len(name) + 1)
            continue
        for short in attached:
            if value.startswith(short) and len(value) > len(short) and not value.startswith("--"):
                yield Found(word, f"{command.name} {short}", len(short))


def _parameter_values(command: Command, parameters: frozenset[str]) -> Iterator[Found]:
    """PowerShell ``-Name value`` (names compared case-insensitively)."""
    args = command.args
    for index, word in enumerate(args):
        if word.option and (word.value or "").rstrip(":").casefold() in parameters and index + 1 < len(args):
            following = args[index + 1]
            if not following.option:
                yield Found(following, f"{command.name} {word.value}")


def _positionals(command: Command, *, skip_values_of: frozenset[str] = frozenset()) -> list[Word]:
    """Operands: arguments that are not options nor an option's value."""
    found: list[Word] = []
    skip = False
    for word in command.args:
        value = (word.value or "").casefold()
        if skip:
            skip = False
        elif word.option or (value.startswith("-") and len(value) > 1):
            skip = value.rstrip(":") in skip_values_of
        else:
            found.append(word)
    return found


def _stdin_literals(script: Script, command: Command) -> Iterator[Word]:
    """Literal text a command reads on its standard input: a here-document
    or here-string, or ``echo``/``printf`` before it in the pipeline."""
    for redirect in command.redirects:
        if redirect.operator in ("<<", "<<-") and redirect.body is not None and redirect.body.value is not None:
            yield redirect.body
        if redirect.operator == "<<<" and redirect.target is not None and redirect.target.value is not None:
            yield redirect.target
    if command.stage == 0:
        return
    stages = script.pipeline(command)
    before = [stage for stage in stages if stage.stage == command.stage - 1]
    for stage in before:
        if stage.name in ("echo", "printf"):
            yield from (word for word in stage.args if word.value is not None and not word.value.startswith("-"))


# -- the finders ------------------------------------------------------------------------------

_PASSWORD_OPTIONS: Final = frozenset({"--password", "--passwd", "--client-secret", "--client_secret", "--secret"})
_TOKEN_OPTIONS: Final = frozenset({"--token", "--pat", "--api-key", "--apikey", "--account-key", "--sas-token", "--federated-token"})


def _subscription_manager(_script: Script, command: Command) -> Iterator[Found]:
    if command.name == "subscription-manager" and _first_value(command) == "register":
        yield from _option_values(command, frozenset({"--password", "--activationkey"}))


def _rhc(_script: Script, command: Command) -> Iterator[Found]:
    if command.name == "rhc" and _first_value(command) == "connect":
        yield from _option_values(command, frozenset({"--password", "-p", "--activation-key", "-a"}))


def _az_login(_script: Script, command: Command) -> Iterator[Found]:
    if command.name == "az" and _first_value(command) == "login":
        yield from _option_values(command, frozenset({"-p", "--password", "--federated-token"}))


def _generic_options(_script: Script, command: Command) -> Iterator[Found]:
    """``--password x`` and friends on any other command; ``-p`` only where
    it means a password (sshpass, docker/podman login, ``mysql -pSECRET``)."""
    name = command.name
    if name in ("subscription-manager", "rhc") or (name == "az" and _first_value(command) == "login"):
        return
    yield from _option_values(command, _PASSWORD_OPTIONS | _TOKEN_OPTIONS | _WGET_PASSWORDS)
    if name == "sshpass" or (name in ("docker", "podman", "nerdctl", "helm") and "login" in _values(command)):
        yield from _option_values(command, frozenset({"-p"}))
    if name in ("mysql", "mysqladmin", "mysqldump", "mariadb"):
        yield from _option_values(command, frozenset(), attached=frozenset({"-p"}))


_WGET_PASSWORDS: Final = frozenset({"--http-password", "--ftp-password", "--proxy-password"})


def _chpasswd(script: Script, command: Command) -> Iterator[Found]:
    """``user:password`` lines on ``chpasswd``'s standard input."""
    if command.name != "chpasswd":
        return
    for word in _stdin_literals(script, command):
        yield from _user_password_lines(word, "chpasswd")


def _user_password_lines(word: Word, label: str) -> Iterator[Found]:
    value = word.value or ""
    position = 0
    for line in value.split("\n"):
        user, colon, password = line.partition(":")
        password = password.strip().split(":", 1)[0]
        if colon and user.strip() and password:
            yield Found(word, label, position + len(user) + 1, len(password))
        position += len(line) + 1


def _password_on_stdin(script: Script, command: Command) -> Iterator[Found]:
    """A literal piped into ``sudo -S``, ``passwd --stdin`` or ``login --password-stdin``."""
    if "sudo" in command.wrappers and any(word.value in ("-S", "--stdin") for word in command.prefix):
        label = "sudo -S"
    elif command.name == "passwd" and "--stdin" in _values(command):
        label = "passwd --stdin"
    elif "--password-stdin" in _values(command):
        label = f"{command.name} --password-stdin"
    else:
        return
    for word in _stdin_literals(script, command):
        if word.value and "\n" not in word.value.strip():
            yield Found(word, label, 0, len(word.value.rstrip("\n")))


def _account_tools(_script: Script, command: Command) -> Iterator[Found]:
    """``useradd``/``usermod -p HASH``, ``openssl passwd PASSWORD``, ``htpasswd -b FILE USER PASSWORD``."""
    name = command.name
    if name in ("useradd", "usermod", "adduser"):
        yield from _option_values(command, frozenset({"-p", "--password"}))
    elif name == "openssl" and _first_value(command) == "passwd":
        operands = _positionals(command, skip_values_of=frozenset({"-salt", "-in"}))
        yield from (Found(word, "openssl passwd") for word in operands[1:])
    elif name == "htpasswd" and any((word.value or "").startswith("-") and "b" in (word.value or "") for word in command.args):
        operands = _positionals(command)
        if len(operands) >= 3:
            yield Found(operands[2], "htpasswd -b")
    elif name == "curl":
        for found in _option_values(command, frozenset({"-u", "--user", "-U", "--proxy-user"})):
            user, colon, password = found.value.partition(":")
            if colon and password:
                yield Found(found.word, found.label, found.offset + len(user) + 1, len(password))


def _net_user(_script: Script, command: Command) -> Iterator[Found]:
    """``net user NAME PASSWORD [/add]`` (``*`` asks for it instead)."""
    if normalized(command.name, POWERSHELL) not in ("net", "net1") or not command.args:
        return
    if (command.args[0].value or "").casefold() != "user":
        return
    operands = [word for word in command.args[1:] if not (word.value or "").startswith("/")]
    if len(operands) >= 2 and operands[1].value != "*":
        yield Found(operands[1], "net user")


def _convert_to_secure_string(_script: Script, command: Command) -> Iterator[Found]:
    if normalized(command.name, POWERSHELL) != "convertto-securestring":
        return
    values = {(word.value or "").casefold() for word in command.args if word.option}
    if "-asplaintext" not in values:
        return
    yield from _parameter_values(command, frozenset({"-string"}))
    operands = _positionals(command, skip_values_of=frozenset({"-string", "-key", "-securekey"}))
    if operands:
        yield Found(operands[0], "ConvertTo-SecureString")


_AZ_TOKEN_PARAMETERS: Final = frozenset(
    {"-accesstoken", "-graphaccesstoken", "-keyvaultaccesstoken", "-microsoftgraphaccesstoken", "-federatedtoken"}
)
_PS_SECRET_PARAMETERS: Final = frozenset(
    {"-password", "-clientsecret", "-accesstoken", "-apikey", "-token", "-sastoken", "-storageaccountkey", "-accountkey",
     "-plaintextpassword", "-personalaccesstoken"}
)


def _powershell_parameters(_script: Script, command: Command) -> Iterator[Found]:
    """``Connect-AzAccount -AccessToken '...'`` and any cmdlet's ``-Password
    'literal'``, ``-ClientSecret 'literal'``... ."""
    name = normalized(command.name, POWERSHELL)
    if name == "convertto-securestring":
        return
    parameters = _AZ_TOKEN_PARAMETERS if name == "connect-azaccount" else _PS_SECRET_PARAMETERS
    yield from _parameter_values(command, parameters)


def _network_credential(_script: Script, command: Command) -> Iterator[Found]:
    """``New-Object System.Net.NetworkCredential('user', 'password')`` and
    ``[System.Net.NetworkCredential]::new('user', 'password')``."""
    name = normalized(command.name, POWERSHELL)
    if command.kind == "method" and name.endswith("networkcredential]::new") and len(command.args) >= 2:
        yield Found(command.args[1], "NetworkCredential")
    elif name == "new-object" and command.args and (command.args[0].value or "").casefold().endswith("networkcredential"):
        yield from _constructor_arguments(command)


def _constructor_arguments(command: Command) -> Iterator[Found]:
    """``New-Object T('a', 'b')``: the argument list is one word; its second
    literal is the password."""
    if len(command.args) < 2:
        return
    text = command.args[1].text
    literals = list(re.finditer(r"'((?:[^']|'')*)'|\"([^\"$`]*)\"", text))
    if len(literals) >= 2:
        second = literals[1]
        group = 1 if second.group(1) is not None else 2
        start = command.args[1].start + second.start(group)
        value = second.group(group)
        yield Found(Word(start, start + len(value), value, value, start, start + len(value)), "NetworkCredential")


def _first_value(command: Command) -> str:
    return command.args[0].value or "" if command.args else ""


def _values(command: Command) -> set[str]:
    return {word.value for word in command.args if word.value is not None}


COMMAND_DETECTORS: Final[tuple[CommandDetector, ...]] = (
    CommandDetector(
        "subscription-manager-register", "Red Hat password or activation key", (SHELL,), _subscription_manager,
        positives=(
            ("sudo subscription-manager register --username builder --password 'Rh8!kq29Lz' --auto-attach", "Rh8!kq29Lz"),
            ("subscription-manager register --org 1234567 --activationkey=rhel-build-key", "rhel-build-key"),
        ),
        negatives=(
            'sudo subscription-manager register --username builder --password "$RH_PASSWORD"',
            "# subscription-manager register --password Rh8!kq29Lz",
            "subscription-manager register --org 1234567 --activationkey <activation-key>",
        ),
    ),
    CommandDetector(
        "rhc-connect", "Red Hat password or activation key", (SHELL,), _rhc,
        positives=(("sudo rhc connect -u builder -p Rh8kq29Lzx", "Rh8kq29Lzx"),),
        negatives=("sudo rhc connect --organization 1234567 --activation-key \"$KEY\"",),
    ),
    CommandDetector(
        "az-login", "Azure password or client secret", (SHELL, POWERSHELL), _az_login,
        positives=(
            ("az login --service-principal -u 00000000-0000-0000-0000-000000000000 -p 'Zx9-kd83jdKa82' --tenant contoso", "Zx9-kd83jdKa82"),
            ("az login -u builder@contoso.com --password=Hx93kPq27wz", "Hx93kPq27wz"),
        ),
        negatives=(
            "az login --service-principal -u $APP_ID -p $CLIENT_SECRET --tenant contoso",
            "az login --identity",
            "az login --service-principal -u 00000000-0000-0000-0000-000000000000 -p /etc/ssl/sp.pem --tenant contoso",
        ),
    ),
    CommandDetector(
        "password-option", "password or token", (SHELL, POWERSHELL), _generic_options,
        positives=(
            ("curl -sSf --token Tk8q2mWz91 https://contoso.com", "Tk8q2mWz91"),
            ("sshpass -p 'Hx93kPq27wz' scp a.tar builder@10.0.0.4:", "Hx93kPq27wz"),
            ("echo 1 | docker login -u builder -p Hx93kPq27wz contoso.azurecr.io", "Hx93kPq27wz"),
            ("mysql -u root -pHx93kPq27wz -e 'select 1'", "Hx93kPq27wz"),
            ("wget --http-password=Hx93kPq27wz https://contoso.com/a.zip", "Hx93kPq27wz"),
        ),
        negatives=(
            "docker login -u builder --password-stdin contoso.azurecr.io < /run/secrets/acr",
            "mysql -u root -p",
            "ssh -p 2222 builder@10.0.0.4",
            "grep --password-file x",
        ),
    ),
    CommandDetector(
        "chpasswd", "password", (SHELL,), _chpasswd,
        positives=(
            ("echo 'root:Sup3rS3cret' | sudo chpasswd", "Sup3rS3cret"),
            ("sudo chpasswd <<< 'builder:Hx93kPq27wz'", "Hx93kPq27wz"),
            ("sudo chpasswd <<'EOF'\nbuilder:Hx93kPq27wz\nEOF", "Hx93kPq27wz"),
        ),
        negatives=(
            'echo "root:$ROOT_PASSWORD" | sudo chpasswd',
            "sudo chpasswd < /run/secrets/users",
            "echo 'builder:*' | sudo chpasswd -e",
        ),
    ),
    CommandDetector(
        "password-on-stdin", "password", (SHELL,), _password_on_stdin,
        positives=(
            ("echo 'Hx93kPq27wz' | sudo -S apt-get update", "Hx93kPq27wz"),
            ("echo Hx93kPq27wz | docker login -u builder --password-stdin contoso.azurecr.io", "Hx93kPq27wz"),
            ("echo 'Hx93kPq27wz' | sudo passwd --stdin builder", "Hx93kPq27wz"),
        ),
        negatives=(
            'echo "$ACR_TOKEN" | docker login -u builder --password-stdin contoso.azurecr.io',
            "echo hello | sudo tee /etc/motd",
        ),
    ),
    CommandDetector(
        "account-tools", "password or password hash", (SHELL,), _account_tools,
        positives=(
            ("sudo useradd -m -p '$6$rounds=5000$salt$Q9x2' builder", "$6$rounds=5000$salt$Q9x2"),
            ("sudo useradd -m -p \"$(openssl passwd -6 'Hx93kPq27wz')\" builder", "Hx93kPq27wz"),
            ("htpasswd -bc /etc/nginx/.htpasswd admin Hx93kPq27wz", "Hx93kPq27wz"),
            ("curl -u builder:Hx93kPq27wz -O https://contoso.com/a.zip", "Hx93kPq27wz"),
        ),
        negatives=(
            'sudo useradd -m -p "$HASH" builder',
            "sudo useradd -m builder",
            "curl -u builder -O https://contoso.com/a.zip",
            'curl -u "builder:$PASSWORD" -O https://contoso.com/a.zip',
        ),
    ),
    CommandDetector(
        "net-user", "password", (POWERSHELL,), _net_user,
        positives=(
            ("net user builder Hx93!kPq27wz /add", "Hx93!kPq27wz"),
            ("net.exe user /add builder 'Hx93!kPq27wz'", "Hx93!kPq27wz"),
        ),
        negatives=("net user builder * /add", "net user builder $password /add", "net user builder /active:yes"),
    ),
    CommandDetector(
        "convertto-securestring", "password", (POWERSHELL,), _convert_to_secure_string,
        positives=(
            ("$pw = ConvertTo-SecureString 'P@ssw0rd123!' -AsPlainText -Force", "P@ssw0rd123!"),
            ('$pw = ConvertTo-SecureString -String "Hx93kPq27wz" -AsPlainText -Force', "Hx93kPq27wz"),
        ),
        negatives=(
            "$pw = ConvertTo-SecureString $env:ADMIN_PASSWORD -AsPlainText -Force",
            "$pw = ConvertTo-SecureString $encrypted",
            "$pw = ConvertTo-SecureString (Get-Content C:\\secret.txt) -AsPlainText -Force",
        ),
    ),
    CommandDetector(
        "powershell-secret-parameter", "password or token", (POWERSHELL,), _powershell_parameters,
        positives=(
            ("Connect-AzAccount -AccessToken 'eyJ0eXAiOiJKV1Qi.x9' -AccountId builder@contoso.com", "eyJ0eXAiOiJKV1Qi.x9"),
            ("Set-Secret -Name acr -PlainTextPassword 'Hx93kPq27wz'", "Hx93kPq27wz"),
        ),
        negatives=(
            "Connect-AzAccount -Identity",
            "Connect-AzAccount -ServicePrincipal -Credential $cred -Tenant contoso",
            "New-LocalUser -Name builder -Password $securePassword",
        ),
    ),
    CommandDetector(
        "network-credential", "password", (POWERSHELL,), _network_credential,
        positives=(
            ("$c = New-Object System.Net.NetworkCredential('builder', 'Hx93kPq27wz')", "Hx93kPq27wz"),
            ("$c = [System.Net.NetworkCredential]::new('builder', 'Hx93kPq27wz')", "Hx93kPq27wz"),
        ),
        negatives=("$c = New-Object System.Net.NetworkCredential('builder', $password)",),
    ),
)


def command_credentials(script: Script) -> list[SecretMatch]:
    """Literal credentials on the command lines of ``script``, in order."""
    detectors = [detector for detector in COMMAND_DETECTORS if script.language in detector.languages]
    found: dict[tuple[int, int], SecretMatch] = {}
    for command in script.commands:
        for detector in detectors:
            for item in detector.find(script, command):
                value = item.value
                if not value or stands_for_a_secret(value, literal=True) or _is_a_path(value):
                    continue
                start, end = item.span()
                found.setdefault((start, end), SecretMatch(detector.id, detector.kind, start, end, value, item.label))
    return sorted(found.values(), key=lambda match: (match.start, match.end))


def _is_a_path(value: str) -> bool:
    return value.startswith(("/", "./", "../", "~/", "@")) or re.match(r"[A-Za-z]:\\", value) is not None
