"""Finding the agencies a report names, and matching them to the service's own agencies.

A report rarely prints an agency's full registered name: it says "the Police", "Children's Social Care",
"the GP practice". Each mention is recognised either by one of the service's agency names or aliases, or
by the kind of service it names (a small vocabulary of the services that take part in reviews), and then
matched to the service's agency of that kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Kinds of service, in the words reports use for them. Order matters: the more specific first.
KINDS: list[tuple[str, str]] = [
    ("Clinical Commissioning Group", r"clinical commissioning groups?|\bCCGs?\b"),
    ("Ambulance Service", r"ambulance (service|crew|trust)"),
    ("Police", r"\bpolice\b|\bconstabulary\b|force control room"),
    ("Adult Social Care", r"adults?[’']? (social care|services)"),
    (
        "Children's Social Care",
        r"children[’']?s (social care|services)|\bCSC\b|local authority|out of hours team|social workers?\b",
    ),
    ("Children's Centre", r"children[’']?s cent(re|er)s?"),
    ("Health Visiting", r"health visit(ing|ors?)"),
    ("Maternity Service", r"maternity|midwi(fe|fery|ves)"),
    ("Mental Health Service", r"mental health (service|services|trust|team|teams)|\bAHTT\b|\bAMHT\b|\bCAMHS\b"),
    ("GP", r"\bGPs?\b|general practi(ce|tioners?)"),
    ("Community Health Service", r"\b(community|district) nurs(e|es|ing)\b"),
    ("Hospital", r"\bhospital\b|\bneonatal unit\b|NHS (foundation )?trust"),
    ("School", r"\bschools?\b|education service"),
    ("Substance Misuse Service", r"substance misuse service|drug and alcohol service"),
    ("Probation", r"\bprobation\b"),
    ("Housing", r"housing (service|provider|association)"),
]
# Any other service the report names with capitals ("the Youth Offending Service"); boards are not agencies.
_NAMED_SERVICE = re.compile(r"\b((?:[A-Z][\w’'-]+ ){1,4}(?:Service|Services|Team|Trust|Unit|Practice|Council))\b")
_KIND_PATTERNS = [(label, re.compile(pattern, re.IGNORECASE)) for label, pattern in KINDS]


@dataclass
class KnownAgency:
    key: str
    name: str
    sector: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass
class Mention:
    label: str  # as the report or the service names it
    key: str | None  # the service's agency, when one matches
    position: int


class AgencyMatcher:
    def __init__(self, known: list[KnownAgency] | None = None):
        self.known = known or []
        self._names = []
        for agency in self.known:
            for name in (agency.name, *agency.aliases):
                if name and len(name) >= 3:
                    words = re.escape(name).replace(r"\ ", r"\s+").replace("’", "[’']").replace("'", "[’']")
                    self._names.append((re.compile(rf"\b{words}\b", re.IGNORECASE), agency))

    def mentions(self, text: str) -> list[Mention]:
        found: list[Mention] = []
        taken: list[tuple[int, int]] = []
        for pattern, agency in sorted(self._names, key=lambda item: -len(item[1].name)):
            for match in pattern.finditer(text):
                if not _overlaps(match.span(), taken):
                    taken.append(match.span())
                    found.append(Mention(agency.name, agency.key, match.start()))
        for label, pattern in _KIND_PATTERNS:
            for match in pattern.finditer(text):
                if not _overlaps(match.span(), taken):
                    taken.append(match.span())
                    known = self._of_kind(label)
                    found.append(Mention(known.name if known else label, known.key if known else None, match.start()))
        for match in _NAMED_SERVICE.finditer(text):
            if not _overlaps(match.span(), taken):
                taken.append(match.span())
                found.append(Mention(match.group(1), None, match.start()))
        return sorted(found, key=lambda m: m.position)

    def first(self, text: str) -> Mention | None:
        found = self.mentions(text)
        return found[0] if found else None

    def _of_kind(self, label: str) -> KnownAgency | None:
        pattern = dict(_KIND_PATTERNS)[label]
        for agency in self.known:
            if pattern.search(agency.name) or (agency.sector and pattern.search(agency.sector)):
                return agency
        return None


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)
