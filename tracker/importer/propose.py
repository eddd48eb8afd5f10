"""One entry point: a report's bytes in, its blocks and the proposed recommendations and actions out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tracker.importer.actions import ActionProposal, propose_actions
from tracker.importer.agencies import AgencyMatcher, KnownAgency
from tracker.importer.blocks import Block, build_blocks, document_text
from tracker.importer.extract import extract_pages
from tracker.importer.recommendations import RecommendationProposal, propose_recommendations


@dataclass
class Proposals:
    blocks: list[Block]
    recommendations: list[RecommendationProposal] = field(default_factory=list)
    actions: list[ActionProposal] = field(default_factory=list)

    @property
    def text(self) -> str:
        return document_text(self.blocks)

    def as_json(self) -> dict:
        return {
            "recommendations": [r.as_json() for r in self.recommendations],
            "actions": [a.as_json() for a in self.actions],
        }


def propose_from_pages(pages: list[str], known: list[KnownAgency] | None = None) -> Proposals:
    blocks = build_blocks(pages)
    matcher = AgencyMatcher(known)
    recommendations = propose_recommendations(blocks, matcher)
    taken = {i for r in recommendations for i in r.blocks}
    actions = propose_actions(blocks, matcher, taken)
    return Proposals(blocks, recommendations, actions)


def propose_from_file(
    filename: str,
    data: bytes,
    known: list[KnownAgency] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Proposals:
    return propose_from_pages(extract_pages(filename, data, progress), known)
