"""Claims: what only one image template may have, checked across every file of a run.

A rule's ``check_claims`` says "this template claims ``key``" (a staging resource
group), with the finding to report should another template claim it too. The
engine turns each claim into a :class:`Claimed` (the finding placed, as any
other) and keeps it with the file's outcome: a worker process returns it, the
result cache stores it, so a file read from the cache still takes part. Once
every file of the run is in, :func:`resolve` reports each claim whose key
another owner claims too, naming the other places (message and related
locations). The order of the claims is the order of the files, whatever
process linted them, so ``-j N`` reports exactly what ``-j 1`` does.
"""

from __future__ import annotations

from typing import Final

from aiblint.findings import Finding, RelatedLocation
from aiblint.outcome import findings_from_json, findings_to_json
from aiblint.record import Record, replace

#: Other places named in a message (the related locations list them all).
_NAMED = 3


class Claimed(Record):
    """A rule's claim on something only one template may have, and its finding."""

    __slots__ = ("rule", "key", "owner", "finding", "related")  # noqa: RUF023 - in field order
    rule: Final[str]
    key: Final[str]  # what is claimed, normalized by the rule (a lower-case resource id)
    owner: Final[str]  # who claims it (the template's name): claims of one owner never clash
    finding: Final[Finding]  # reported if another owner claims ``key`` too
    related: Final[str]  # what the other places are, for their related locations

    def __init__(self, rule: str, key: str, owner: str, finding: Finding, related: str) -> None:
        self.rule = rule
        self.key = key
        self.owner = owner
        self.finding = finding
        self.related = related


def resolve(claims: list[Claimed]) -> list[Finding]:
    """The findings of every claim whose key another owner claims too."""
    groups: dict[tuple[str, str], dict[tuple[str, int, int, str], Claimed]] = {}
    for claim in claims:  # one place claimed twice (a file named twice) counts once
        where = (claim.finding.path, claim.finding.line, claim.finding.column, claim.owner)
        groups.setdefault((claim.rule, claim.key), {}).setdefault(where, claim)
    found = []
    for group in groups.values():
        for claim in group.values():
            others = [other.finding for other in group.values() if other.owner != claim.owner]
            if others:
                found.append(_reported(claim, others))
    return found


def _reported(claim: Claimed, others: list[Finding]) -> Finding:
    places = ", ".join(f"{other.path}:{other.line}" for other in others[:_NAMED])
    if len(others) > _NAMED:
        places += f" and {len(others) - _NAMED} more"
    related = tuple(RelatedLocation(other.path, other.line, other.column, other.end_line, other.end_column, claim.related)
                    for other in others)
    return replace(claim.finding, message=f"{claim.finding.message} (also at {places})",
                   related=claim.finding.related + related)


def claims_to_json(claims: list[Claimed]) -> list[list[object]]:
    rows = findings_to_json([claim.finding for claim in claims])
    return [[claim.rule, claim.key, claim.owner, claim.related, row] for claim, row in zip(claims, rows, strict=True)]


def claims_from_json(rows: object) -> list[Claimed]:
    """What :func:`claims_to_json` wrote; ``ValueError`` if the data is not that."""
    if not isinstance(rows, list):
        raise ValueError("claims: not a list")
    claims = []
    for row in rows:
        if not (isinstance(row, list) and len(row) == 5 and all(isinstance(item, str) for item in row[:4])):
            raise ValueError("claim: not [rule, key, owner, related, finding]")
        (finding,) = findings_from_json([row[4]])
        claims.append(Claimed(row[0], row[1], row[2], finding, row[3]))
    return claims
