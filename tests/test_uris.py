"""aiblint.uris: what kind of location a URI names, and the secrets written in it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiblint.uris import GitHubFile, classify_uri, find_credentials, is_loopback_host

KINDS = [
    ("https://acct.blob.core.windows.net/scripts/setup.sh", "azure-blob"),
    ("https://acct.dfs.core.windows.net/scripts/setup.sh", "azure-blob"),
    ("https://acct.blob.core.chinacloudapi.cn/c/x.sh", "azure-blob"),
    ("https://acct.z12.blob.storage.azure.net/c/x.sh", "azure-blob"),
    ("https://acct.web.core.windows.net/x.sh", "https"),  # static website: public by design
    ("https://raw.githubusercontent.com/o/r/main/x.sh", "github-raw"),
    ("https://github.com/o/r/raw/main/x.sh", "github-raw"),
    ("https://github.com/o/r/blob/main/x.sh?raw=true", "github-raw"),
    ("https://github.com/o/r/blob/main/x.sh", "github-page"),
    ("https://github.com/o/r", "https"),
    ("https://raw.githubusercontent.com/o/r/main", "https"),
    ("https://download.example-vendor.io/agent.ps1", "https"),
    ("http://download.vendor.io/agent.ps1", "http"),
    ("HTTP://download.vendor.io/agent.ps1", "http"),
    ("file:///C:/scripts/x.ps1", "file"),
    ("scripts/setup.sh", "relative"),
    ("./setup.sh", "relative"),
    ("//cdn.vendor.io/x.sh", "relative"),
    ("/home/me/setup.sh", "local-path"),
    ("C:\\scripts\\setup.ps1", "local-path"),
    ("c:/scripts/setup.ps1", "local-path"),
    ("\\\\fileserver\\share\\setup.ps1", "local-path"),
    ("~/setup.sh", "local-path"),
    ("http://localhost:8080/x.sh", "private-address"),
    ("http://127.0.0.1/x.sh", "private-address"),
    ("http://[::1]/x.sh", "private-address"),
    ("http://10.1.2.3/x.sh", "private-address"),
    ("http://192.168.0.10/x.sh", "private-address"),
    ("http://172.16.5.4/x.sh", "private-address"),
    ("http://169.254.169.254/x.sh", "private-address"),
    ("https://fileserver/x.ps1", "private-address"),
    ("https://build.corp.internal/x.ps1", "private-address"),
    ("https://nas.local/x.ps1", "private-address"),
    ("https://8.8.8.8/x.sh", "https"),
    ("[parameters('scriptUri')]", "unknown"),
    ("[concat('https://acct.blob.core.windows.net/', parameters('c'))]", "unknown"),
    ("<scriptUrl>", "unknown"),
    ("<pathToPowerShellFileInAzureStorage", "unknown"),  # a placeholder missing its '>'
    ("https://<account>.blob.core.windows.net/c/x.sh", "unknown"),
    ("https://example.com/path/to/script.sh", "unknown"),  # RFC 2606 documentation domain
    ("https://scripts.test/x.sh", "unknown"),
    ("", "invalid"),
    ("   ", "invalid"),
    ("https:///x.sh", "invalid"),
    ("ftp://ftp.vendor.io/x.sh", "invalid"),
    ("http://[zz/x.sh", "invalid"),
]


@pytest.mark.parametrize(("text", "kind"), KINDS)
def test_kind(text: str, kind: str) -> None:
    assert classify_uri(text).kind == kind


def test_parts() -> None:
    info = classify_uri("https://Acct.Blob.Core.Windows.Net:443/scripts/setup.sh?sv=2022-11-02")
    assert (info.text, info.scheme, info.host, info.path) == (
        "https://Acct.Blob.Core.Windows.Net:443/scripts/setup.sh?sv=2022-11-02", "https",
        "acct.blob.core.windows.net", "/scripts/setup.sh",
    )
    assert info.kind == "azure-blob" and not info.has_sas and info.complete and info.github is None


def test_placeholder_tail_keeps_the_known_host() -> None:
    info = classify_uri("https://acct.blob.core.windows.net/<container>/setup.sh")
    assert (info.kind, info.host, info.complete, info.github) == ("azure-blob", "acct.blob.core.windows.net", False, None)
    assert classify_uri("https://github.com/o/r/blob/<branch>/x.sh").kind == "github-page"
    assert classify_uri("https://acct.blob.core.windows.net/c/x.sh?<sasToken>").complete is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://raw.githubusercontent.com/o/r/main/dir/x.sh", GitHubFile("o", "r", "main", "dir/x.sh")),
        ("https://raw.githubusercontent.com/o/r/refs/heads/main/x.sh", GitHubFile("o", "r", "refs/heads/main", "x.sh")),
        ("https://raw.githubusercontent.com/o/r/refs/tags/v1.2/a/x.sh", GitHubFile("o", "r", "refs/tags/v1.2", "a/x.sh")),
        ("https://github.com/o/r/blob/0123abc/My%20Scripts/x.ps1", GitHubFile("o", "r", "0123abc", "My Scripts/x.ps1")),
        ("https://github.com/o/r/raw/main/x.sh", GitHubFile("o", "r", "main", "x.sh")),
        ("https://raw.githubusercontent.com/o/r/refs/heads/main", None),  # no file after the ref
        ("https://raw.githubusercontent.com/o/r/main/", None),
        ("https://github.com/o/r/tree/main/x.sh", None),
    ],
)
def test_github_file(text: str, expected: GitHubFile | None) -> None:
    assert classify_uri(text).github == expected


def test_raw_url_quotes_the_path() -> None:
    file = GitHubFile("o", "r", "refs/heads/main", "My Scripts/x.ps1")
    assert file.raw_url() == "https://raw.githubusercontent.com/o/r/refs/heads/main/My%20Scripts/x.ps1"


def test_sas_token_is_found_and_masked() -> None:
    text = "https://acct.blob.core.windows.net/c/x.sh?sv=2022-11-02&sp=r&sig=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789%2Babc%3D"
    [credential] = find_credentials(text)
    assert text[credential.start : credential.end] == "sig=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789%2Babc%3D"
    assert credential.masked() == "sig=Ab…(45 chars)"
    assert classify_uri(text).has_sas


@pytest.mark.parametrize(
    ("text", "span", "masked"),
    [
        ("https://u:hunter22@host.io/x.sh", "hunter22", "password=…(8 chars)"),
        ("https://raw.githubusercontent.com/o/r/main/x.sh?token=GHSAT0AAAAAAB", "token=GHSAT0AAAAAAB", "token=…(13 chars)"),
        ("https://b.s3.amazonaws.com/x.sh?X-Amz-Signature=0123456789abcdef0123#frag", "X-Amz-Signature=0123456789abcdef0123", "X-Amz-Signature=01…(20 chars)"),
    ],
)
def test_other_credentials(text: str, span: str, masked: str) -> None:
    [credential] = find_credentials(text)
    assert text[credential.start : credential.end] == span
    assert credential.masked() == masked


@pytest.mark.parametrize(
    "text",
    [
        "https://acct.blob.core.windows.net/c/x.sh?sv=2022-11-02&sp=r&se=2030-01-01",  # SAS fields, no signature
        "https://acct.blob.core.windows.net/c/x.sh?sig=",  # nothing after '='
        "https://user@host.io/x.sh",  # a user name is not a secret
        "https://host.io/x.sh#sig=abc",  # a fragment is never sent
        "https://host.io/signature.sh?design=1",
        "https://acct.blob.core.windows.net/c/x.sh?sv=2022-11-02&sig=<signature>",  # stand-ins for a secret
        "https://acct.blob.core.windows.net/c/x.sh?sig=xxxxxxxx",
        "https://acct.blob.core.windows.net/c/x.sh?sig=%24SIG&token=$TOKEN&pwd=%PASSWORD%",
        "https://acct.blob.core.windows.net/c/x.sh?sig={sig}&api_key=REDACTED",
        "https://build:****@files.contoso.com/x.sh",
    ],
)
def test_no_credentials(text: str) -> None:
    assert find_credentials(text) == []
    assert not classify_uri(text).has_sas


def test_loopback() -> None:
    assert is_loopback_host("localhost") and is_loopback_host("127.0.0.2") and is_loopback_host("::1")
    assert not is_loopback_host("10.0.0.1") and not is_loopback_host("localhost.vendor.io")


@given(st.text(max_size=80))
def test_never_raises_and_never_leaks(text: str) -> None:
    info = classify_uri(text)
    assert info.text == text
    for credential in find_credentials(text):
        secret = text[credential.start : credential.end].partition("=")[2] or text[credential.start : credential.end]
        if len(secret) >= 4:
            assert secret not in credential.masked()
