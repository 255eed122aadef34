"""detect-secrets' plugins for the secrets that are not Azure's own.

A plugin runs only when a text holds one of its keywords; detect-secrets
itself is imported only for a JWT's validity check, or on the first run
after the installation changed (:mod:`aiblint.secrets.plugins`: importing it
costs 80-86 ms, most of it ``requests``). Plugins left
out, with the reason, measured on this machine: the two high-entropy plugins
(on one ``sas_url`` line they report 28 "secrets", among them ``curl`` and
``https``), ``IPPublicDetector`` (an address is not a secret), the Azure
storage plugin (:mod:`aiblint.secrets.detectors` covers more key lengths),
and plugins whose patterns have no fixed prefix and no bearing on image
builds (Artifactory, Cloudant, Discord, IBM, Mailchimp, SoftLayer,
Telegram, Twilio).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from aiblint.lazyre import lazy
from aiblint.record import Record
from aiblint.secrets.filters import stands_for_a_secret
from aiblint.secrets.match import SecretMatch
from aiblint.secrets.plugins import analyze, denylist, validator

_PRIVATE_KEY_END = lazy(r"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
#: The keyword plugin's patterns cost about 0.1 s per megabyte-long line; a line
#: this long is data (an embedded archive, a minified file), not an assignment.
_KEYWORD_LINE_LIMIT: Final = 10_000


class GenericDetector(Record):
    """One detect-secrets plugin, the keywords that must occur (lower case)
    before it is run, and samples as in :mod:`aiblint.secrets.detectors`."""

    __slots__ = (  # noqa: RUF023 - in field order
        "id", "plugin", "kind", "keywords", "positives", "negatives", "group", "continues", "priority",
    )
    id: Final[str]
    plugin: Final[str]  # "module:Class" under detect_secrets.plugins
    kind: Final[str]
    keywords: Final[tuple[str, ...]]
    positives: Final[tuple[tuple[str, str], ...]]
    negatives: Final[tuple[str, ...]]
    #: the group of the plugin's pattern that is the secret; None: its last group, or the whole match
    group: Final[int | None]
    #: characters that continue the secret after the plugin's match (a JWT's signature)
    continues: Final[str | None]
    #: as :attr:`aiblint.secrets.detectors.Detector.priority`; names of variables
    #: and keys (2) know least
    priority: Final[int]

    def __init__(
        self,
        id: str,
        plugin: str,
        kind: str,
        keywords: tuple[str, ...],
        positives: tuple[tuple[str, str], ...],
        negatives: tuple[str, ...],
        group: int | None = None,
        continues: str | None = None,
        priority: int = 0,
    ) -> None:
        self.id = id
        self.plugin = plugin
        self.kind = kind
        self.keywords = keywords
        self.positives = positives
        self.negatives = negatives
        self.group = group
        self.continues = continues
        self.priority = priority

    def wanted(self, folded: str) -> bool:
        return any(keyword in folded for keyword in self.keywords)


_GITHUB = "ghp_extnIjMNpiguFg31UeyqNtPhwE6FhJHp1wR0"
_AWS = "AKIA3WFEF5TQOKU169VU"
_SLACK = "xoxb-76523735569-632792645154-2qj8rovj9hrs3zzb9v0vg587"
_JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJidWlsZCIsImlhdCI6MTcwMDAwMDAwMH0"
    ".q3Jr0V8cXw2mZbN4kPp7sYt1LuA9eG6hF5dR0iK2oMw"
)
_PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAr8x2Zq\n-----END RSA PRIVATE KEY-----"

GENERIC: Final[tuple[GenericDetector, ...]] = (
    GenericDetector(
        "private-key", "private_key:PrivateKeyDetector", "private key", ("private key", "putty-user-key"),
        positives=((f"cat > /tmp/id_rsa <<'EOF'\n{_PRIVATE_KEY}\nEOF", _PRIVATE_KEY),),
        negatives=("-----BEGIN CERTIFICATE-----", "ssh-keygen -t ed25519 -N '' -f /tmp/key  # writes a private key"),
    ),
    GenericDetector(
        "basic-auth-url", "basic_auth:BasicAuthDetector", "password in a URL", ("://",),
        positives=(("git clone https://builder:Sup3rS3cretPw@git.contoso.com/images.git", "Sup3rS3cretPw"),),
        negatives=(
            "git clone https://builder:${GIT_PASSWORD}@git.contoso.com/images.git",
            "git clone https://git.contoso.com/images.git",
            "git clone https://builder:<password>@git.contoso.com/images.git",
        ),
    ),
    GenericDetector(
        "github-token", "github_token:GitHubTokenDetector", "GitHub token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
        positives=((f"git clone https://{_GITHUB}@github.com/contoso/tools.git", _GITHUB),),
        negatives=("export GITHUB_TOKEN=ghp_<token>",),
        group=0,
    ),
    GenericDetector(
        "gitlab-token", "gitlab_token:GitLabTokenDetector", "GitLab token", ("glpat-", "gldt-", "glrt-", "glptt-"),
        positives=(("export GITLAB_TOKEN=glpat-Xq81mZp2Lw9vK3sT7yB4", "glpat-Xq81mZp2Lw9vK3sT7yB4"),),
        negatives=("export GITLAB_TOKEN=glpat-<token>",),
        group=0,
    ),
    GenericDetector(
        "aws-access-key", "aws:AWSKeyDetector", "AWS access key", ("akia", "asia", "abia", "acca", "a3t"),
        positives=((f"export AWS_ACCESS_KEY_ID={_AWS}", _AWS),),
        negatives=("az vm create --location eastasia",),
    ),
    GenericDetector(
        "slack-token", "slack:SlackDetector", "Slack token", ("xox", "hooks.slack.com"),
        positives=((f"curl -H 'Authorization: Bearer {_SLACK}' https://slack.com/api/chat.postMessage", _SLACK),),
        negatives=("echo xoxo",),
    ),
    GenericDetector(
        "jwt", "jwt:JwtTokenDetector", "JSON web token", ("eyj",),
        positives=((f"curl -H \"Authorization: Bearer {_JWT}\" https://contoso.com/api", _JWT),),
        negatives=("curl -H \"Authorization: Bearer $TOKEN\" https://contoso.com/api", "echo eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24"),
        continues=r"[A-Za-z0-9_\-]*",
    ),
    GenericDetector(
        "keyword", "keyword:KeywordDetector", "secret", ("pass", "pwd", "secret", "key", "contrase"),
        positives=(('{"adminPassword": "Hx93!kPq27wz"}', "Hx93!kPq27wz"), ("password: 'Hx93!kPq27wz'", "Hx93!kPq27wz")),
        negatives=(
            'password = "changeme"',
            '"adminPassword": "[parameters(\'adminPassword\')]"',
            "sudo sed -i 's/^#PasswordAuthentication yes/PasswordAuthentication no/' /etc/ssh/sshd_config",
            '"keyVaultName": "contoso-kv"',
        ),
        priority=2,
    ),
    GenericDetector(
        "npm-token", "npm:NpmDetector", "npm token", ("_authtoken",),
        positives=(("//registry.npmjs.org/:_authToken=npm_Q8xk2LmP4v7Tz9rW1sB3nY6cH0dJ5fA", "npm_Q8xk2LmP4v7Tz9rW1sB3nY6cH0dJ5fA"),),
        negatives=("//registry.npmjs.org/:_authToken=${NPM_TOKEN}",),
        group=1,
    ),
    GenericDetector(
        "pypi-token", "pypi_token:PypiTokenDetector", "PyPI token", ("pypi-ag",),
        positives=((
            "TWINE_PASSWORD=pypi-AgEIcHlwaS5vcmc" + "Xk3" * 24,
            "pypi-AgEIcHlwaS5vcmc" + "Xk3" * 24,
        ),),
        negatives=("TWINE_PASSWORD=pypi-<token>",),
    ),
    GenericDetector(
        "openai-key", "openai:OpenAIDetector", "OpenAI key", ("t3blbkfj",),
        positives=(("OPENAI_API_KEY=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", "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"),),
        negatives=("OPENAI_API_KEY=$OPENAI_API_KEY",),
    ),
    GenericDetector(
        "sendgrid-key", "sendgrid:SendGridDetector", "SendGrid key", ("sg.",),
        positives=((
            "SENDGRID=SG.Xq81mZp2Lw9vK3sT7yB4ab.Xq81mZp2Lw9vK3sT7yB4abXq81mZp2Lw9vK3sT7yB4a",
            "SG.Xq81mZp2Lw9vK3sT7yB4ab.Xq81mZp2Lw9vK3sT7yB4abXq81mZp2Lw9vK3sT7yB4a",
        ),),
        negatives=("echo sg.contoso.com",),
    ),
    GenericDetector(
        "stripe-key", "stripe:StripeDetector", "Stripe key", ("k_live_",),
        positives=(("STRIPE=sk_live_Xq81mZp2Lw9vK3sT7yB4abcd", "sk_live_Xq81mZp2Lw9vK3sT7yB4abcd"),),
        negatives=("STRIPE=sk_test_Xq81mZp2Lw9vK3sT7yB4abcd",),
    ),
    GenericDetector(
        "square-oauth-secret", "square_oauth:SquareOAuthDetector", "Square OAuth secret", ("sq0csp-",),
        positives=((
            "SQUARE=sq0csp-Xq81mZp2Lw9vK3sT7yB4abXq81mZp2Lw9vK3sT7yB4a",
            "sq0csp-Xq81mZp2Lw9vK3sT7yB4abXq81mZp2Lw9vK3sT7yB4a",
        ),),
        negatives=("SQUARE=sq0csp-<secret>",),
    ),
)
_SPECS: Final = tuple(detector.plugin for detector in GENERIC)


def generic_matches(text: str, folded: str) -> Iterator[SecretMatch]:
    """What the wanted detect-secrets plugins find in ``text``, line by line
    (their patterns are written for lines)."""
    wanted = [detector for detector in GENERIC if detector.wanted(folded)]
    if not wanted:
        return
    line_start = 0
    for line in text.split("\n"):
        line_folded = line.casefold()
        for detector in wanted:
            if detector.wanted(line_folded):
                yield from _in_line(detector, text, line, line_start)
        line_start += len(line) + 1


def _in_line(detector: GenericDetector, text: str, line: str, line_start: int) -> Iterator[SecretMatch]:
    for start, end in _spans(detector, line):
        if detector.id == "private-key":
            yield _private_key(detector, text, line_start + start, line_start + end)
            continue
        value = line[start:end]
        if not stands_for_a_secret(value):
            yield SecretMatch(detector.id, detector.kind, line_start + start, line_start + end, value)


def _spans(detector: GenericDetector, line: str) -> Iterator[tuple[int, int]]:
    """Where the plugin's secrets are in ``line``. Regex plugins are run
    through their own patterns (read without importing detect-secrets:
    :mod:`aiblint.secrets.plugins`), so that positions are exact; the keyword
    plugin only tells values (from its listed patterns too), which are looked up."""
    patterns = denylist(detector.plugin, _SPECS)
    if patterns is None:
        if len(line) > _KEYWORD_LINE_LIMIT:
            return
        for value in sorted({value for value in analyze(detector.plugin, _SPECS, line) if value}):
            for found in re.finditer(re.escape(value), line):
                yield found.span()
        return
    valid = validator(detector.plugin, _SPECS)
    for pattern in patterns:
        group = detector.group if detector.group is not None else pattern.groups
        for found in pattern.finditer(line):
            if found.group(group) is None or (valid is not None and not valid(found.group(group))):
                continue
            start, end = found.span(group)
            if detector.continues is not None:
                more = re.compile(detector.continues).match(line, end)
                end = more.end() if more is not None else end
            yield start, end


def _private_key(detector: GenericDetector, text: str, start: int, header_end: int) -> SecretMatch:
    """The whole block, from the dashes before ``BEGIN`` to the footer (or to
    the end of the header line)."""
    dashes = text.rfind("-----", 0, start)
    if dashes >= 0 and text.count("\n", dashes, start) == 0:
        start = dashes
    footer = _PRIVATE_KEY_END().search(text, header_end)
    if footer is not None:
        end = footer.end()
    else:
        line_end = text.find("\n", header_end)
        end = line_end if line_end >= 0 else len(text)
    return SecretMatch(detector.id, detector.kind, start, end, text[start:end])
