"""What kind of location a script or file URI names, without touching the network.

Image Builder downloads every ``scriptUri``/``sourceUri`` itself, from the
service, before it hands the file to the build VM. Whether it can, and whether
it should, depends on what the URI is: an Azure Storage blob (readable only by
an identity or through a SAS token), a GitHub raw file, a GitHub *web page*
(which downloads HTML), a plain http URL, a path on somebody's laptop...
:func:`classify_uri` answers that from the text alone; :func:`find_credentials`
finds the secrets that must not be written in a template.

A URI that holds a ``<placeholder>`` is classified from the part before it when
that part already names the scheme and host
(``https://acct.blob.core.windows.net/<container>/x.sh`` is Azure Storage);
:attr:`UriInfo.complete` is then ``False`` and callers must not judge what the
hidden part could change (a SAS token could follow, for instance).

GitHub refs may contain slashes (``feature/x``), and nothing in a URL tells
where such a ref ends and the path begins. The explicit ``refs/heads/<name>``
and ``refs/tags/<name>`` forms are understood; otherwise the first segment
after the repository is taken as the ref.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from typing import Final
from urllib.parse import quote, unquote, urlsplit

from aiblint.lazyre import lazy
from aiblint.record import Record
from aiblint.values import PLACEHOLDER, is_expression, literal_text

KINDS: Final = (
    "azure-blob",
    "github-raw",
    "github-page",
    "https",
    "http",
    "file",
    "relative",
    "local-path",
    "private-address",
    "unknown",
    "invalid",
)

_SCHEME = lazy(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_WINDOWS_DRIVE = lazy(r"[A-Za-z]:[\\/]")

#: Blob (and Data Lake Gen2, the same data) endpoints of the public and sovereign clouds,
#: including the DNS-zone endpoints (``acct.z12.blob.storage.azure.net``).
_AZURE_STORAGE = lazy(
    r"[a-z0-9]+\.(?:privatelink\.)?(?:blob|dfs)\."
    r"(?:core\.windows\.net|core\.chinacloudapi\.cn|core\.usgovcloudapi\.net|core\.cloudapi\.de)\Z"
    r"|[a-z0-9]+\.z[0-9]+\.(?:blob|dfs)\.storage\.azure\.net\Z"
)

#: Names that only resolve inside a private network (RFC 6762 .local, RFC 8375
#: .home.arpa, ICANN's 2024 reservation of .internal, the conventional .localdomain).
_PRIVATE_SUFFIXES: Final = (".local", ".localdomain", ".internal", ".home.arpa")

#: Domains reserved for documentation and tests (RFC 2606, RFC 6761): a URI there
#: is a placeholder someone did not replace, not a location.
_EXAMPLE_DOMAINS: Final = ("example.com", "example.net", "example.org")
_EXAMPLE_SUFFIXES: Final = (".example", ".test", ".invalid")

#: Query parameters that carry a secret. ``sig`` is the signature of an Azure SAS
#: token (the other SAS fields are not secret); the rest are the usual names of
#: tokens, keys and passwords in download URLs (S3/GCS presigned URLs included).
_SECRET_PARAMETERS: Final = frozenset(
    {
        "sig",
        "signature",
        "x-amz-signature",
        "x-amz-security-token",
        "x-goog-signature",
        "token",
        "access_token",
        "api_key",
        "apikey",
        "api-key",
        "password",
        "passwd",
        "pwd",
        "secret",
        "client_secret",
    }
)


#: Values that stand for a secret rather than being one: ``<sasToken>``,
#: ``{sig}``, ``$SAS``, ``%SAS%``, ``[parameters('sas')]``, ``xxxx``, ``***``, ``REDACTED``.
_STAND_IN = lazy(
    r"[<{$\[]|\A%\w+%\Z|\A(?:x+|\*+|\.+|-+|_+)\Z"
    r"|\A(?:redacted|secret|password|passwd|pass|pwd|token|sas|sig|signature|key|changeme)\Z",
    re.IGNORECASE,
)


class GitHubFile(Record):
    """A file in a GitHub repository at a ref (branch, tag or commit)."""

    __slots__ = ("owner", "repo", "ref", "path")  # noqa: RUF023 - in field order
    owner: Final[str]
    repo: Final[str]
    ref: Final[str]
    path: Final[str]  # inside the repository, no leading '/', percent-decoded

    def __init__(self, owner: str, repo: str, ref: str, path: str) -> None:
        self.owner = owner
        self.repo = repo
        self.ref = ref
        self.path = path

    def raw_url(self) -> str:
        """The URL that serves the file itself rather than a web page about it."""
        return f"https://raw.githubusercontent.com/{self.owner}/{self.repo}/{self.ref}/{quote(self.path, safe='/')}"


class UriInfo(Record):
    """What :func:`classify_uri` learned about one URI.

    ``kind`` is one of :data:`KINDS`; ``unknown`` means an ARM expression or a
    placeholder hides what matters, ``invalid`` that the text is not a usable
    URI at all (empty, no host, a scheme the service does not download from).
    ``complete`` is ``False`` when only a prefix before a placeholder was read.
    """

    __slots__ = (  # noqa: RUF023 - in field order
        "text", "kind", "scheme", "host", "path", "has_sas", "github", "complete",
    )
    text: Final[str]
    kind: Final[str]
    scheme: Final[str]
    host: Final[str]
    path: Final[str]
    has_sas: Final[bool]
    github: Final[GitHubFile | None]
    complete: Final[bool]

    def __init__(
        self,
        text: str,
        kind: str,
        scheme: str = "",
        host: str = "",
        path: str = "",
        has_sas: bool = False,
        github: GitHubFile | None = None,
        complete: bool = True,
    ) -> None:
        self.text = text
        self.kind = kind
        self.scheme = scheme
        self.host = host
        self.path = path
        self.has_sas = has_sas
        self.github = github
        self.complete = complete


class Credential(Record):
    """A secret written in a URI; ``start``/``end`` index the URI text and
    cover ``name=value`` (or the ``user:password`` of the authority)."""

    __slots__ = ("name", "start", "end", "masked_value", "value_offset")  # noqa: RUF023 - in field order
    name: Final[str]
    start: Final[int]
    end: Final[int]
    masked_value: Final[str]  # aiblint.secrets.mask() of the value: the secret itself is never kept
    value_offset: Final[int]  # where the value starts after ``start`` (after ``name=``)

    def __init__(self, name: str, start: int, end: int, masked_value: str, value_offset: int = 0) -> None:
        self.name = name
        self.start = start
        self.end = end
        self.masked_value = masked_value
        self.value_offset = value_offset

    def masked(self) -> str:
        """``sig=Ab…(40 chars)``: enough to find it, never enough to use it."""
        return f"{self.name}={self.masked_value}"


@lru_cache(maxsize=1024)
def classify_uri(text: str) -> UriInfo:
    """Classify a URI as written in a template (expressions and placeholders allowed).

    Memoized per distinct text (a corpus run asks about few URIs many times:
    several rules read each location); bounded, so a long-lived process (the
    language server) does not grow. :class:`UriInfo` is frozen: sharing it is safe."""
    stripped = text.strip()
    if not stripped:
        return UriInfo(text, "invalid")
    if is_expression(stripped) or stripped.startswith("<"):
        return UriInfo(text, "unknown")
    stripped = literal_text(stripped)
    placeholder = _placeholder_start(stripped)
    if placeholder is not None:
        return _classify_prefix(text, stripped[:placeholder])
    return _classify(text, stripped, complete=True)


def find_credentials(text: str) -> list[Credential]:
    """Secrets in the query string or the authority of ``text``, in order."""
    found: list[Credential] = []
    authority = _authority_span(text)
    if authority is not None:
        start, end = authority
        userinfo, at, _ = text[start:end].rpartition("@")
        if at and ":" in userinfo:
            user, _, password = userinfo.partition(":")
            if password and not _STAND_IN().search(password):
                begin = start + len(user) + 1
                found.append(_credential("password", text, begin, begin + len(password)))
        elif at and len(userinfo) >= _TOKEN_USER_LENGTH and not _STAND_IN().search(userinfo) and not _MASKED().search(userinfo):
            found.append(_credential("token", text, start, start + len(userinfo)))  # https://<token>@github.com/...
    query = text.find("?")
    if query < 0:
        return found
    fragment = text.find("#", query)
    stop = fragment if fragment >= 0 else len(text)
    position = query + 1
    for part in text[query + 1 : stop].split("&"):
        name, equals, value = part.partition("=")
        if equals and value and unquote(name).casefold() in _SECRET_PARAMETERS and not _STAND_IN().search(unquote(value)):
            found.append(_credential(name, text, position, position + len(part), len(name) + 1))
        position += len(part) + 1
    return found


#: A URI in running text (a message, a reason): up to a space, a quote or a bracket; an
#: already masked value (``Ab…(44 chars)``) is part of it, so that it is not masked twice.
#: What ``(?:…\(\d+ chars\)|[^\s"'<>()\[\]{}`])+`` matches after the ``://``, taking a run
#: of characters without a ``…`` at a time rather than one (nothing follows, so the first
#: way through, the only one either pattern ever takes, is the same).
_URI_IN_TEXT = lazy(r"[A-Za-z][A-Za-z0-9+.\-]*://(?:[^\s\"'<>()\[\]{}`…]+|…\(\d+ chars\)|…)+")
_MASKED = lazy(r"…\(\d+ chars\)\Z")
#: A user name this long in a URI is a token (``https://ghp_...@github.com``), not a name.
_TOKEN_USER_LENGTH = 16


@lru_cache(maxsize=1024)
def mask_uri(text: str) -> str:
    """``text`` (one URI) with every credential masked (``sig=Ab…(44 chars)``,
    ``user:…(10 chars)@``): the only form in which aiblint shows a URI. Remembered
    for the last 1,024 URIs: every finding's message and snippet is masked, and a
    run's findings quote the same few URIs (318 in a corpus run, 62 distinct); the
    answer depends on the text alone."""
    pieces: list[str] = []
    last = 0
    for credential in find_credentials(text):
        value = credential.start + credential.value_offset
        if _MASKED().search(text[value : credential.end]):
            continue
        pieces += [text[last:value], credential.masked_value]
        last = credential.end
    pieces.append(text[last:])
    return "".join(pieces)


def mask_uris(text: str) -> str:
    """Every URI in ``text`` masked by :func:`mask_uri`: what
    ``_URI_IN_TEXT().sub(lambda found: mask_uri(found.group()), text)`` gives.

    Searching for the pattern tried it at every letter of the text, each time
    running over the rest of the word before failing: most of the time of masking
    a message. A URI's ``://`` is found first instead, and the pattern matched from
    where its scheme starts: the first letter of the run of scheme characters right
    before it (not before the end of the URI before), the very place the search finds."""
    if "://" not in text or ("@" not in text and "?" not in text):
        return text  # a URI holds a credential only in its authority (``user:password@``) or query (``?sig=``)
    uri = _URI_IN_TEXT()
    pieces: list[str] = []
    last = 0  # the end of the URI before: a match starts there or later
    separator = text.find("://")
    while separator >= 0:
        start = separator
        while start > last and text[start - 1] in _SCHEME_CHARACTERS:
            start -= 1
        while start < separator and text[start] not in _LETTERS:
            start += 1
        found = uri.match(text, start) if start < separator else None
        if found is None:
            separator = text.find("://", separator + 1)
            continue
        pieces += [text[last:start], mask_uri(found.group())]
        last = found.end()
        separator = text.find("://", last)
    pieces.append(text[last:])
    return "".join(pieces)


_LETTERS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
#: What ``[A-Za-z0-9+.\-]`` (a scheme's characters after the first) matches.
_SCHEME_CHARACTERS: Final = _LETTERS | frozenset("0123456789+.-")


def is_loopback_host(host: str) -> bool:
    """``localhost`` or a loopback address: the machine doing the download itself."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    address = _ip(host)
    return address is not None and address.is_loopback


# -- helpers -----------------------------------------------------------------------


def _placeholder_start(text: str) -> int | None:
    match = PLACEHOLDER.search(text)
    return match.start() if match else None


def _classify_prefix(text: str, prefix: str) -> UriInfo:
    """Classify the known start of a URI whose tail is a placeholder: only
    when the scheme and the whole host are already written."""
    scheme = _SCHEME().match(prefix)
    if scheme is None or not prefix[scheme.end() :].startswith("//"):
        return UriInfo(text, "unknown")
    rest = prefix[scheme.end() + 2 :]
    if "/" not in rest and "?" not in rest:
        return UriInfo(text, "unknown")  # the host itself is (partly) a placeholder
    info = _classify(text, prefix, complete=False)
    return info if info.kind != "invalid" else UriInfo(text, "unknown")


def _classify(text: str, uri: str, *, complete: bool) -> UriInfo:
    if _WINDOWS_DRIVE().match(uri) or uri.startswith(("\\\\", "~")) or (uri.startswith("/") and not uri.startswith("//")):
        return UriInfo(text, "local-path", path=uri, complete=complete)
    scheme_match = _SCHEME().match(uri)
    if scheme_match is None:
        return UriInfo(text, "relative", path=uri, complete=complete)
    scheme = scheme_match.group(1).lower()
    try:
        parts = urlsplit(uri)
        host = parts.hostname or ""
    except ValueError:  # a malformed IPv6 literal
        return UriInfo(text, "invalid", scheme=scheme, complete=complete)
    if scheme == "file":
        return UriInfo(text, "file", scheme, host, parts.path, complete=complete)
    has_sas = bool(find_credentials(uri))
    if scheme not in ("http", "https") or not host:
        return UriInfo(text, "invalid", scheme, host, parts.path, has_sas, complete=complete)
    return UriInfo(
        text, _web_kind(scheme, host, parts.path, parts.query, complete), scheme, host, parts.path, has_sas,
        _github_file(host, parts.path, parts.query) if complete else None, complete,
    )


def _web_kind(scheme: str, host: str, path: str, query: str, complete: bool) -> str:
    if _is_example(host):
        return "unknown"
    if _is_private(host):
        return "private-address"
    if _AZURE_STORAGE().match(host):
        return "azure-blob"
    github = _github_shape(host, path, query, complete)
    if github is not None:
        return github
    return scheme


def _github_shape(host: str, path: str, query: str, complete: bool = True) -> str | None:
    # A prefix cut at a placeholder ("/o/r/blob/" + "<branch>/x.sh") ends in an
    # empty segment that stands for the rest.
    segments = path.split("/")[1:]
    shortfall = 0 if complete else 1
    if host == "raw.githubusercontent.com" and len(segments) >= 4 - shortfall:
        return "github-raw"
    if host in ("github.com", "www.github.com") and len(segments) >= 5 - shortfall:
        if segments[2] == "raw" or (segments[2] == "blob" and _asks_for_raw(query)):
            return "github-raw"
        if segments[2] == "blob":
            return "github-page"
    return None


def _asks_for_raw(query: str) -> bool:
    """``?raw=true`` on a blob page redirects to the raw file."""
    return any(part.casefold() in ("raw=true", "raw=1") for part in query.split("&"))


def _github_file(host: str, path: str, query: str) -> GitHubFile | None:
    if _github_shape(host, path, query) is None:
        return None
    segments = [unquote(segment) for segment in path.split("/")[1:]]
    owner, repo = segments[0], segments[1]
    rest = segments[2:] if host == "raw.githubusercontent.com" else segments[3:]
    ref_length = 3 if rest[:2] in (["refs", "heads"], ["refs", "tags"]) else 1
    if len(rest) <= ref_length or not all(rest[:ref_length]):
        return None
    file_path = "/".join(rest[ref_length:])
    if not file_path or not owner or not repo:
        return None
    return GitHubFile(owner, repo, "/".join(rest[:ref_length]), file_path)


def _is_example(host: str) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in _EXAMPLE_DOMAINS) or host.endswith(
        _EXAMPLE_SUFFIXES
    )


def _is_private(host: str) -> bool:
    if is_loopback_host(host):
        return True
    address = _ip(host)
    if address is not None:
        return address.is_private or address.is_link_local or address.is_unspecified or address.is_reserved
    return "." not in host or host.endswith(_PRIVATE_SUFFIXES)


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _authority_span(text: str) -> tuple[int, int] | None:
    scheme = _SCHEME().match(text)
    if scheme is None or not text.startswith("//", scheme.end()):
        return None
    start = scheme.end() + 2
    end = start
    while end < len(text) and text[end] not in "/?#":
        end += 1
    return start, end


def _credential(name: str, text: str, start: int, end: int, value_offset: int = 0) -> Credential:
    from aiblint.secrets.mask import mask  # the one masking policy; imported only when a credential is found

    return Credential(name, start, end, mask(text[start + value_offset : end]), value_offset)
