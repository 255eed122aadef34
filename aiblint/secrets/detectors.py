"""aiblint's own secret detectors: what Azure image builds leak and generic
scanners miss.

Measured on this machine, detect-secrets 1.5 finds none of these: an unquoted
``export ARM_CLIENT_SECRET=...``, a SAS ``sig=`` in a URL, an Entra ID client
secret on its own, a storage key after ``--account-key``, a fine-grained GitHub
token, the 84-character Azure DevOps token. Its ``AccountKey=`` detector only
knows 88-character storage keys; the connection-string detector here also
covers the 44-character ``SharedAccessKey=`` of Service Bus and Event Hubs.

Each detector carries samples in the gitleaks manner: ``positives`` (text, the
secret it must find there) and ``negatives`` (text in which the whole scan must
find nothing). ``tests/test_secrets_detectors.py`` asserts every one.

Formats (facts, not code, taken from): Azure Storage connection strings and
account keys (learn.microsoft.com, "Configure Azure Storage connection
strings"); SAS tokens, where ``sig`` is the only secret field ("Create a
service SAS"); Entra ID client secrets and the Microsoft "common annotated
security key" layout of new Azure DevOps tokens (microsoft/security-utilities,
SEC101/156 and SEC101/200); legacy Azure DevOps PATs, 52 base-32 characters;
GitHub token prefixes ("Behind GitHub's new authentication token formats",
github.blog 2021-04-05, and fine-grained ``github_pat_`` tokens).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Final

from aiblint import recache
from aiblint.lazyre import lazy
from aiblint.record import Record
from aiblint.secrets.filters import stands_for_a_secret
from aiblint.secrets.match import SecretMatch

#: How far before a token its keyword (``key``, ``pat``) may be written.
_CONTEXT_WINDOW: Final = 80


class Detector(Record):
    """A regular expression with a ``secret`` group, run only when the text
    holds one of ``keywords`` (lower case).

    A ``label`` group (``sig=``) or a ``name`` group (a variable name) names the
    secret in messages. A quoted secret (``'value'``) is reported without its
    quotes.
    """

    __slots__ = (  # noqa: RUF023 - in field order
        "id", "kind", "pattern", "keywords", "positives", "negatives", "flags", "context", "accept", "kind_of",
        "priority", "_compiled",
    )
    _hidden = ("_compiled",)  # not in repr
    id: Final[str]
    kind: Final[str]
    pattern: Final[str]
    keywords: Final[tuple[str, ...]]
    positives: Final[tuple[tuple[str, str], ...]]
    negatives: Final[tuple[str, ...]]
    flags: Final[int]
    #: a regular expression that must match in the text just before the secret
    context: Final[str | None]
    #: a test of the whole match: False drops it (not compared)
    accept: Final[Callable[[str, re.Match[str]], bool] | None]
    #: the kind, refined from the secret itself (e.g. which service issued a key) (not compared)
    kind_of: Final[Callable[[str], str] | None]
    #: where two detectors find the same place, the lower number wins: token
    #: formats (0) know more than variable names (1)
    priority: Final[int]
    _compiled: tuple[re.Pattern[str], re.Pattern[str] | None] | None  # regex, context_regex: on first use

    def __init__(
        self,
        id: str,
        kind: str,
        pattern: str,
        keywords: tuple[str, ...],
        positives: tuple[tuple[str, str], ...],
        negatives: tuple[str, ...],
        flags: int = 0,
        context: str | None = None,
        accept: Callable[[str, re.Match[str]], bool] | None = None,
        kind_of: Callable[[str], str] | None = None,
        priority: int = 0,
    ) -> None:
        self.id = id
        self.kind = kind
        self.pattern = pattern
        self.keywords = keywords
        self.positives = positives
        self.negatives = negatives
        self.flags = flags
        self.context = context
        self.accept = accept
        self.kind_of = kind_of
        self.priority = priority
        self._compiled = None

    def _values(self) -> tuple[object, ...]:
        return (self.id, self.kind, self.pattern, self.keywords, self.positives, self.negatives, self.flags,
                self.context, self.priority)

    def _compile(self) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
        if self._compiled is None:
            context = recache.compile(self.context, re.IGNORECASE) if self.context else None
            self._compiled = (recache.compile(self.pattern, self.flags), context)
        return self._compiled

    @property
    def regex(self) -> re.Pattern[str]:
        return self._compile()[0]

    @property
    def context_regex(self) -> re.Pattern[str] | None:
        return self._compile()[1]

    def wanted(self, folded: str) -> bool:
        return any(keyword in folded for keyword in self.keywords)

    def find(self, text: str) -> Iterator[SecretMatch]:
        for found in self.regex.finditer(text):
            start, end = found.span("secret")
            value = found.group("secret")
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                start, end, value = start + 1, end - 1, value[1:-1]
            if stands_for_a_secret(value) or not self._in_context(text, start):
                continue
            if self.accept is not None and not self.accept(text, found):
                continue
            kind = self.kind_of(value) if self.kind_of is not None else self.kind
            yield SecretMatch(self.id, kind, start, end, value, _label(found))

    def _in_context(self, text: str, start: int) -> bool:
        if self.context_regex is None:
            return True
        return self.context_regex.search(text, max(0, start - _CONTEXT_WINDOW), start) is not None


def _label(found: re.Match[str]) -> str:
    groups = found.re.groupindex
    if "label" in groups and found.group("label"):
        return found.group("label").strip()
    if "name" in groups and found.group("name"):
        return found.group("name") + "="
    return ""


# -- what the detectors check beyond their pattern ----------------------------------------

_SAS_FIELDS = lazy(r"(?:^|[?&;\s\"'])(?:sv|se|sp|spr|srt|ss|sr|st|skoid)=", re.IGNORECASE)
_SAS_SPAN: Final = 600


def _looks_like_sas(text: str, found: re.Match[str]) -> bool:
    """A ``sig=`` is a SAS signature when other SAS fields surround it."""
    begin = max(0, found.start() - _SAS_SPAN)
    return _SAS_FIELDS().search(text[begin : found.end() + _SAS_SPAN]) is not None


def _not_a_digest(text: str, found: re.Match[str]) -> bool:
    """88 base64 characters are also a SHA-512 digest (``sha512-...``, SRI hashes)."""
    before = text[max(0, found.start() - 8) : found.start()].casefold()
    return "sha512" not in before and "sha-512" not in before


def _annotated_key_kind(secret: str) -> str:
    """The provider signature sits at characters 76-79 of an annotated key."""
    return "Azure DevOps personal access token" if secret[76:80] == "AZDO" else "Azure access key"


#: Variable names that hold secrets, and name endings that say they do not
#: (``PASSWORD_FILE``, ``TOKEN_URL``, ``SECRET_NAME``).
_SECRET_NAME = lazy(
    r"pass(?:word|wd)?|pwd|secret|token|credential|(?:^|_)pat(?:$|_)|(?:^|_)sas(?:$|_)"
    r"|(?:api|access|account|private|client|storage|master|shared|primary|secondary|sas|secret|signing"
    r"|encryption|subscription|auth|service)_?key",
    re.IGNORECASE,
)
_NOT_SECRET_NAME = lazy(
    r"(?:file|path|dir|directory|url|uri|endpoint|name|id|user|username|length|len|type|policy|prompt|hash"
    r"|enabled|expiry|expires|expiration|ttl|timeout|header|version|count|size|port|source|kind|mode|stdin)$",
    re.IGNORECASE,
)
_WINDOWS_PATH = lazy(r"[A-Za-z]:\\")


def _secret_variable(_text: str, found: re.Match[str]) -> bool:
    """A variable named like a secret, holding something that could be one."""
    name, value = found.group("name"), found.group("secret").strip("'\"")
    if _SECRET_NAME().search(name) is None or _NOT_SECRET_NAME().search(name) is not None:
        return False
    if value.startswith(("/", "./", "../", "~/")) or _WINDOWS_PATH().match(value):
        return False  # where the secret is kept, not the secret
    return len(value) >= 4 and not (value.isdigit() and len(value) <= 6)


# -- HTTP Authorization headers ------------------------------------------------------------

_BASE32_PAT = lazy(r"[a-z2-7]{52}\Z")


def _basic_credentials(value: str) -> tuple[str, str] | None:
    """``user:password`` of an HTTP Basic header value (base64), or ``None``."""
    import base64
    import binascii

    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon and decoded.isprintable() else None


def _basic_holds_secret(_text: str, found: re.Match[str]) -> bool:
    credentials = _basic_credentials(found.group("secret"))
    return credentials is not None and len(credentials[1]) >= 4 and not stands_for_a_secret(credentials[1])


def _basic_kind(value: str) -> str:
    """What the decoded password is: a token recognised by its format, or a password."""
    credentials = _basic_credentials(value)
    password = credentials[1] if credentials is not None else ""
    if _BASE32_PAT().match(password) or password[76:80] == "AZDO":
        what = "Azure DevOps personal access token"
    elif password.startswith(("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")):
        what = "GitHub token"
    else:
        what = "password"
    return f"{what} (base64 in an HTTP Basic Authorization header)"


# -- samples -----------------------------------------------------------------------------
# Random strings of the right shape; none of them is or was a real credential.

_KEY88 = "PKM0ctf74XoBKTiTMuYF+6Bry4CytsAnri2Vk+pIngy8uuzYLsz/O9n7y4TX9QxyQhk02/BI9nU+6fCAzZ31zQ=="
_KEY44 = "ZMAHNsclGrG0DQ3zp5vmpj7+7ldOad6s6ncjzBFkWBc="
_SIG = "GOdg9wpCb0ZSX8eL2dQoxJxfsFmG7f7Uk%2B9apvbjPYw%3D"
_CLIENT_SECRET = "0g28Q~BDal6Q0xdTuTBoJBLIqmHm3vnhTxn.OJiL"
_CLIENT_SECRET_OLD = "7uk7Q~HGib0G1bhmEcNpmSO6eZOB72pV.GXLT"
_ANNOTATED = "dVTB4bsSvsU9XZ6htXAuL5bI9vmJdUhkNhhciHwMPPtbBLiwAyypJQQJ99BAXAQoXilIbQT7IRJzAZDO4qYj"
_ADO_LEGACY = "obbr62quiflcqvudap6dojzxorvmxw556tmk2j7aw2clftxqigbn"
#: base64 of ":" + _ADO_LEGACY, as Azure DevOps documents for a PAT in a Basic header
_BASIC_ADO = "Om9iYnI2MnF1aWZsY3F2dWRhcDZkb2p6eG9ydm14dzU1NnRtazJqN2F3MmNsZnR4cWlnYm4="
_BASIC_PASSWORD = "YnVpbGRlcjpIeDkzIWtQcTI3d3o="  # builder:Hx93!kPq27wz
_BEARER = "8f3kq0vZr7Lm2Xw9Pb4Tn6Yc1Hd5Js0A"
_GITHUB_FINE = "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"


DETECTORS: Final[tuple[Detector, ...]] = (
    Detector(
        id="azure-connection-string-key",
        kind="account key in a connection string",
        pattern=r"(?P<label>\b(?:AccountKey|SharedAccessKey)\s*=\s*)(?P<secret>[A-Za-z0-9+/]{20,}={0,2})",
        flags=re.IGNORECASE,
        keywords=("accountkey", "sharedaccesskey"),
        positives=(
            (f"DefaultEndpointsProtocol=https;AccountName=contoso;AccountKey={_KEY88};EndpointSuffix=core.windows.net", _KEY88),
            (f"Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={_KEY44}", _KEY44),
        ),
        negatives=(
            "DefaultEndpointsProtocol=https;AccountName=contoso;AccountKey=<storage-key>",
            "AccountKey=$STORAGE_KEY",
            "AccountKey=[listKeys(variables('sa'), '2023-01-01').keys[0].value]",
        ),
    ),
    Detector(
        id="azure-storage-key",
        kind="storage account key",
        pattern=r"(?<![A-Za-z0-9+/=])(?P<secret>[A-Za-z0-9+/]{86}==)(?![A-Za-z0-9+/=])",
        keywords=("key",),
        context=r"key",
        accept=_not_a_digest,
        positives=(
            (f"az storage blob download --account-name contoso --account-key {_KEY88} -c s -n a.sh -f a.sh", _KEY88),
            (f"$storageKey = '{_KEY88}'", _KEY88),
        ),
        negatives=(
            f"echo {_KEY88} > /tmp/data.b64",
            f"integrity: sha512-{_KEY88} key",
            "az storage blob download --account-name contoso --account-key \"$KEY\" -n a.sh",
        ),
    ),
    Detector(
        id="azure-sas-signature",
        kind="SAS token signature",
        pattern=r"(?P<label>(?<![A-Za-z0-9_])sig=)(?P<secret>[A-Za-z0-9%+/=]{20,})",
        keywords=("sig=",),
        accept=_looks_like_sas,
        positives=(
            (f"curl -o a.sh 'https://contoso.blob.core.windows.net/s/a.sh?sv=2022-11-02&sp=r&se=2030-01-01&sig={_SIG}'", _SIG),
            (f"azcopy copy \"https://contoso.blob.core.windows.net/s?sp=rl&st=2024-01-01&sig={_SIG}\" /tmp", _SIG),
            (f"BlobEndpoint=https://contoso.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&ss=b&sig={_SIG}", _SIG),
        ),
        negatives=(
            "curl -o a.sh 'https://contoso.blob.core.windows.net/s/a.sh?sv=2022-11-02&sig=<signature>'",
            "curl -o a.sh \"https://contoso.blob.core.windows.net/s/a.sh?$SAS\"",
            f"gpg --verify release.sig={_SIG}",
            "https://contoso.blob.core.windows.net/s/a.sh?sv=2022-11-02&sig=xxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ),
    ),
    Detector(
        id="entra-client-secret",
        kind="Entra ID client secret",
        pattern=r"(?<![A-Za-z0-9_~.\-])(?P<secret>[A-Za-z0-9_~.\-]{3}[78]Q~[A-Za-z0-9_~.\-]{31,34})(?![A-Za-z0-9_~.\-])",
        keywords=("q~",),
        positives=(
            (f"az login --service-principal -u 00000000-0000-0000-0000-000000000000 -p {_CLIENT_SECRET} --tenant contoso", _CLIENT_SECRET),
            (f"$env:AZURE_CLIENT_SECRET = \"{_CLIENT_SECRET_OLD}\"", _CLIENT_SECRET_OLD),
        ),
        negatives=(
            "az login --service-principal -u $APP_ID -p $CLIENT_SECRET --tenant contoso",
            "echo 'abc8Q~short'",
        ),
    ),
    Detector(
        id="azure-annotated-key",
        kind="Azure access key",
        pattern=(
            r"(?<![A-Za-z0-9])(?P<secret>[A-Za-z0-9]{52}JQQJ9[9DH][A-Za-z0-9][A-L][A-Za-z0-9]{16}"
            r"[A-Za-z][A-Za-z0-9]{7}(?:[A-Za-z0-9]{2}==)?)(?![A-Za-z0-9])"
        ),
        keywords=("jqqj9",),
        kind_of=_annotated_key_kind,
        positives=((f"echo {_ANNOTATED} | az devops login --organization https://dev.azure.com/contoso", _ANNOTATED),),
        negatives=("echo JQQJ99 is not a key",),
    ),
    Detector(
        id="azure-devops-pat",
        kind="Azure DevOps personal access token",
        pattern=r"(?<![A-Za-z0-9])(?P<secret>[a-z2-7]{52})(?![A-Za-z0-9])",
        keywords=("pat", "token", "devops", "vsts", "azdo", "ado"),
        context=r"pat\b|pat_|token|devops|vsts|azdo|\bado",
        positives=(
            (f"export AZURE_DEVOPS_EXT_PAT={_ADO_LEGACY}", _ADO_LEGACY),
            (f"git -c http.extraheader=\"AUTHORIZATION: bearer\" clone https://pat:{_ADO_LEGACY}@dev.azure.com/contoso/p/_git/r", _ADO_LEGACY),
        ),
        negatives=(
            "export AZURE_DEVOPS_EXT_PAT=$(cat /run/secrets/pat)",
            f"echo {_ADO_LEGACY} > /tmp/random.txt",
        ),
    ),
    Detector(
        id="github-fine-grained-token",
        kind="GitHub fine-grained token",
        pattern=r"(?<![A-Za-z0-9_])(?P<secret>github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?![A-Za-z0-9_])",
        keywords=("github_pat_",),
        positives=((f"GH_TOKEN={_GITHUB_FINE} gh release download -R contoso/tools", _GITHUB_FINE),),
        negatives=("GH_TOKEN=github_pat_<token> gh release download",),
    ),
    Detector(
        id="secret-variable",
        kind="secret assigned to a variable",
        # shell and cmd.exe: NAME=value, export NAME=value, set NAME=value
        pattern=(
            r"(?:^|(?<=[\s;&|(]))(?:(?:export|declare|local|readonly|typeset|set)\s+(?:-\w+\s+)*)?"
            r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)="
            r"(?P<secret>'[^'\n]+'|\"[^\"\n$`\\]+\"|[^\s;&|'\"`$()<>\\]+(?=$|[\s;&|)]))"
        ),
        priority=1,
        keywords=("pass", "pwd", "secret", "token", "key", "credential", "pat", "sas"),
        accept=_secret_variable,
        positives=(
            ("export ARM_CLIENT_SECRET=Qm7rT2vX9kLp4sW8zN1b", "Qm7rT2vX9kLp4sW8zN1b"),
            ("DB_PASSWORD='Tr0ub4dor&3x' ./install.sh", "Tr0ub4dor&3x"),
            ("set SQL_SA_PASSWORD=Zq84!mw02Lp", "Zq84!mw02Lp"),
        ),
        negatives=(
            "export ARM_CLIENT_SECRET=$CLIENT_SECRET",
            'export ARM_CLIENT_SECRET="${CLIENT_SECRET}"',
            'PASSWORD="$(cat /run/secrets/admin)"',
            "PASSWORD_FILE=/run/secrets/admin",
            "SECRET_NAME=build-secret",
            "export TOKEN_URL=https://login.microsoftonline.com/contoso/oauth2/token",
            "PASSWORD=changeme",
            "KEY_VAULT_NAME=contoso-kv",
            "PATH=/usr/local/bin:$PATH",
            "export DEBIAN_FRONTEND=noninteractive",
        ),
    ),
    Detector(
        id="secret-variable-powershell",
        kind="secret assigned to a variable",
        # PowerShell: $name = 'value', $env:NAME = "value"
        pattern=r"\$(?:env:)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<secret>'[^'\n]+'|\"[^\"\n$`]+\")",
        flags=re.IGNORECASE,
        keywords=("pass", "pwd", "secret", "token", "key", "credential", "pat", "sas"),
        accept=_secret_variable,
        priority=1,
        positives=(
            ("$adminPassword = 'A2TQhZwbIGqQ18'", "A2TQhZwbIGqQ18"),
            ('$env:REGISTRY_TOKEN = "k9TwQ2mLx81"', "k9TwQ2mLx81"),
        ),
        negatives=(
            "$password = $env:ADMIN_PASSWORD",
            "$password = Read-Host -AsSecureString",
            "$secret = Get-AzKeyVaultSecret -VaultName kv -Name admin -AsPlainText",
            '$tokenUrl = "https://login.microsoftonline.com/contoso/oauth2/token"',
        ),
    ),
    Detector(
        id="http-basic-authorization",
        kind="password (base64 in an HTTP Basic Authorization header)",
        # "Authorization: Basic <b64>", and PowerShell's ("Basic {0}" -f "<b64>")
        pattern=r"\bBasic\s+(?:\{0\}[\"']\s*\)?\s*-f\s*\(?\s*[\"']?)?(?P<secret>[A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])",
        flags=re.IGNORECASE,
        keywords=("basic",),
        context=r"authorization",
        accept=_basic_holds_secret,
        kind_of=_basic_kind,
        positives=(
            (f'$headers = @{{Authorization=("Basic {{0}}" -f "{_BASIC_ADO}")}}', _BASIC_ADO),
            (f'curl -H "Authorization: Basic {_BASIC_PASSWORD}" https://contoso.com/a.zip', _BASIC_PASSWORD),
        ),
        negatives=(
            'curl -H "Authorization: Basic $AUTH" https://contoso.com/a.zip',
            '$headers = @{Authorization=("Basic {0}" -f $base64AuthInfo)}',
            'curl -H "Authorization: Basic dXNlcjo=" https://contoso.com',  # user: (no password)
            "echo Basic aGVsbG8gd29ybGQ=",
        ),
    ),
    Detector(
        id="http-bearer-authorization",
        kind="token in an HTTP Authorization header",
        pattern=r"\b(?:Bearer|token)\s+(?P<secret>[A-Za-z0-9._~+/\-]{20,}=*)(?![A-Za-z0-9._~+/=\-])",
        flags=re.IGNORECASE,
        keywords=("bearer", "token"),
        context=r"authorization",
        priority=2,  # a token format (a JWT, a GitHub token) names it better
        positives=((f'curl -H "Authorization: Bearer {_BEARER}" https://api.contoso.com', _BEARER),),
        negatives=(
            'curl -H "Authorization: Bearer $TOKEN" https://api.contoso.com',
            'curl -H "Authorization: Bearer <access-token>" https://api.contoso.com',
            "$headers = @{Authorization = \"Bearer $((Get-AzAccessToken).Token)\"}",
        ),
    ),
)
