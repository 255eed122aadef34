"""The resource id parser (aiblint.resource_ids): shapes, partial values, explanations."""

from __future__ import annotations

import pytest

from aiblint.resource_ids import could_be, explain, id_parts, kinds, parse_resource_id
from aiblint.values import UNKNOWN

SUB = "/subscriptions/0b4ea3c1-5f6d-4b3a-9c1e-2f1e0d9a8b7c"
IMAGE = f"{SUB}/resourceGroups/rg/providers/Microsoft.Compute/images/web"
GALLERY_IMAGE = f"{SUB}/resourceGroups/rg/providers/Microsoft.Compute/galleries/gal/images/web"
IDENTITY = f"{SUB}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aib"
SUBNET = f"{SUB}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/build"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (IMAGE, "image"),
        (IMAGE.lower(), "image"),  # ARM ignores the case of the fixed words
        (GALLERY_IMAGE, "gallery-image"),
        (GALLERY_IMAGE + "/versions/1.0.12", "gallery-image-version"),
        (GALLERY_IMAGE + "/versions/latest", "gallery-image-latest"),
        ("/sharedGalleries/abc-unique/images/web/versions/1.0.0", "shared-gallery-image-version"),
        ("/communityGalleries/pub-gallery/images/web/versions/latest", "shared-gallery-image-version"),
        (IDENTITY, "user-assigned-identity"),
        (SUBNET, "subnet"),
        (f"{SUB}/resourceGroups/IT_staging", "resource-group"),
    ],
)
def test_every_shape_parses(text: str, kind: str) -> None:
    parsed = parse_resource_id(text)
    assert parsed is not None
    assert parsed.kind == kind
    assert parsed.text == text


def test_parts_by_name() -> None:
    parsed = parse_resource_id(GALLERY_IMAGE + "/versions/2.1.0", ["gallery-image-version"])
    assert parsed is not None
    assert parsed.parts == {
        "subscription": "0b4ea3c1-5f6d-4b3a-9c1e-2f1e0d9a8b7c", "resourceGroup": "rg",
        "gallery": "gal", "image": "web", "version": "2.1.0",
    }
    assert (parsed.resource_group, parsed.name) == ("rg", "2.1.0")


@pytest.mark.parametrize(
    "text",
    [
        "web",
        "",
        IMAGE + "/",
        IMAGE.replace("/images/", "/image/"),
        IMAGE.replace("resourceGroups/rg", "resourceGroups/"),
        GALLERY_IMAGE + "/versions/1.0",
        "subscriptions/x/resourceGroups/rg",
    ],
)
def test_malformed_ids_parse_to_nothing(text: str) -> None:
    assert parse_resource_id(text) is None
    assert not could_be(text, kinds())


def test_only_the_accepted_kinds() -> None:
    assert parse_resource_id(IMAGE, ["gallery-image"]) is None
    assert could_be(IMAGE, ["image"]) and not could_be(IMAGE, ["subnet"])


def test_placeholders_become_unknown_parts() -> None:
    assert id_parts("/subscriptions/<subscriptionID>/resourceGroups/<rg name>") == [
        "/subscriptions/", UNKNOWN, "/resourceGroups/", UNKNOWN,
    ]
    assert id_parts("<replace with resourceId of the image stored in the Direct Shared Gallery>") == [UNKNOWN]
    assert id_parts("no placeholder") == ["no placeholder"]


@pytest.mark.parametrize(
    ("parts", "kind", "possible"),
    [
        (id_parts("/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Compute/images/<name>"), "image", True),
        (id_parts("/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Compute/image/<name>"), "image", False),
        (id_parts("/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Compute/images/<name>"), "subnet", False),
        ([UNKNOWN], "subnet", True),
        ([UNKNOWN, "/versions/1.0.0"], "gallery-image-version", True),  # [concat(parameters('def'), '/versions/1.0.0')]
        ([UNKNOWN, "/versions/1.0"], "gallery-image-version", False),
        ([UNKNOWN, "/versions/", UNKNOWN], "gallery-image-version", True),
        (["/subscriptions/", UNKNOWN, "/resourceGroups/", UNKNOWN], "resource-group", True),
        (["subscriptions/", UNKNOWN], "resource-group", False),  # no leading slash, whatever follows
        ([UNKNOWN, "/resourceGroups/rg/providers/Microsoft.Compute/images/x y"], "image", True),
    ],
)
def test_partial_values_keep_the_shape_checkable(parts: list[object], kind: str, possible: bool) -> None:
    assert could_be(parts, [kind]) is possible  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "accepted", "shape", "problem"),
    [
        ("web", ["image"], "image", 'an id starts with "/"'),
        ("", ["image"], "image", "it is empty"),
        (IMAGE.replace("/images/", "/image/"), ["image"], "image", '"image" where "images" belongs'),
        (f"{SUB}/resourceGroups/rg", ["image"], "image",
         'it ends after "rg", where "/providers/Microsoft.Compute/images/<image>" belongs'),
        (IMAGE + "/x", ["image"], "image", '"/x" follows the managed image name'),
        (IMAGE.replace("resourceGroups/rg", "resourceGroups/"), ["image"], "image",
         "an empty segment where <resourceGroup> belongs"),
        (GALLERY_IMAGE + "/versions/1.0", ["gallery-image", "gallery-image-version"], "gallery-image-version",
         '"1.0" where a version number Major.Minor.Patch belongs'),
    ],
)
def test_explain_names_the_first_difference(text: str, accepted: list[str], shape: str, problem: str) -> None:
    closest, why = explain(text, accepted)
    assert (closest.kind, why) == (shape, problem)


def test_example_shows_the_shape() -> None:
    closest, _ = explain("x", ["user-assigned-identity"])
    assert closest.example == (
        "/subscriptions/<subscription>/resourceGroups/<resourceGroup>/providers/"
        "Microsoft.ManagedIdentity/userAssignedIdentities/<identity>"
    )


def test_the_rules_memo_of_could_be_is_keyed_on_the_parts_and_the_kinds() -> None:
    # AIB209 keeps could_be's answers (lru_cache): the same value asked about other kinds,
    # and the same kinds about a value that differs only in a part, keep their own answers.
    from aiblint_rules.resource_ids import _could_be

    group = f"{SUB}/resourceGroups/rg"
    for _ in range(2):
        assert _could_be((group,), ("resource-group",)) is True
        assert _could_be((group,), ("image",)) is False
        assert _could_be((f"{SUB}/resourceGroups/", UNKNOWN), ("image",)) is True
        assert _could_be((f"{SUB}/resourceGroups/", "rg"), ("image",)) is False
        assert _could_be((IMAGE,), ("image",)) is True
