"""Suggesting themes from the service's vocabulary for a proposed recommendation or action.

Each theme of the fixed vocabulary (``tracker.seeding.datafile.THEMES``) has a few words that mark it;
the themes whose words occur most are suggested (at most four). A suggestion only: the board decides.
"""

from __future__ import annotations

import re

from tracker.seeding.datafile import THEMES

MARKERS: dict[str, str] = {
    "adult-mental-health": r"mental (health|illness)|psychiatr|depress",
    "assessment": r"assess",
    "child-protection-process": r"child protection (plan|conference)|case conference|strategy (meeting|discussion)",
    "discharge-and-transfer": r"discharg|transfer|handover|moves? surgery",
    "domestic-abuse": r"domestic (abuse|violence)|\bDASH\b|MARAC",
    "early-help": r"early (help|intervention)|\bCAF\b|children[’']?s cent",
    "escalation": r"escalat",
    "fathers-and-men": r"fathers?\b|\bmen\b",
    "housing": r"housing|re-?housed|accommodation",
    "information-sharing": r"information (sharing|is shared)|share information|sharing of information|communicat",
    "injuries-to-non-mobile-babies": r"non-mobile|pre-mobile|bruis",
    "learning-dissemination": r"learning|disseminat|briefing|workshop",
    "multi-agency-working": r"multi-?agency|joint working|partnership working|across agencies",
    "neglect": r"neglect",
    "non-engagement": r"non-engage|did not attend|avoidant|resistant|disguised compliance",
    "perinatal-mental-health": r"perinatal|postnatal|antenatal|mother and baby unit",
    "professional-curiosity": r"curiosity|challenge|scepticism|probing",
    "quality-assurance": r"quality assurance|audit|assurance|monitor",
    "record-keeping": r"record(s|ing|ed)?\b|documentation|alerts?\b",
    "safe-sleep": r"safe sleep|co-sleep",
    "safeguarding-policy": r"polic(y|ies)|procedure|protocol|guidance",
    "substance-misuse": r"substance|drug|alcohol",
    "supervision": r"supervision",
    "think-family": r"think family|whole family|parenting capacity",
    "thresholds-and-referral": r"threshold|referral",
    "training-and-workforce": r"training|competen|workforce|skills",
    "voice-of-the-child": r"lived experience|voice of the child|child[’']?s (view|experience)",
}
_COMPILED = {key: re.compile(pattern, re.IGNORECASE) for key, pattern in MARKERS.items() if key in THEMES}


def suggest_themes(text: str, limit: int = 4) -> list[str]:
    scores = {key: len(pattern.findall(text)) for key, pattern in _COMPILED.items()}
    ranked = sorted((key for key, n in scores.items() if n), key=lambda k: (-scores[k], k))
    return ranked[:limit]
