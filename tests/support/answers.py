"""The questions the tests ask, and what their answers must show (or must never show)."""

from __future__ import annotations

import re
from typing import Any

from retrieval.knowledge.schema import Knowledge

from .slack_messages import context_texts, quotes, section_texts

# Both answered with the 13% of councils rated inadequate (Locum Today, Ofsted Annual Report 2017/18).
INADEQUATE_QUESTION = "what percentage of councils are rated inadequate"
GOOD_QUESTION = "what share of councils are inadequate"

# The example: an address (house number, street, postcode) and an NHS number passing mod 11.
CASE_QUESTION = (
    "is the Smith family (12 Acacia Road, LS6 2AB, NHS 943 476 5919) likely to be rated inadequate?"
)
CASE_DATA = ["Smith", "Acacia", "LS6 2AB", "943 476 5919", "9434765919", "943 476", "476 5919"]


def assert_inadequate_answer(blocks: list[dict[str, Any]], knowledge: Knowledge) -> None:
    """The figure in bold, the verbatim quote carrying it, and the citation."""
    assert any("*13%*" in text for text in section_texts(blocks)), section_texts(blocks)
    shown = quotes(blocks)
    assert shown, "no quote block"
    known_quotes = {f.quote for f in knowledge.facts}
    assert all(q in known_quotes for q in shown), "a quote that is not verbatim from the knowledge"
    assert any("13%" in q for q in shown)
    citation = " ".join(context_texts(blocks))
    assert "Locum Today" in citation and "4 December 2018" in citation
    assert "Ofsted Annual Report 2017/18" in citation


def assert_no_case_data(text: str, data: list[str] = CASE_DATA) -> None:
    """None of the case's personal details (``CASE_DATA`` unless told) anywhere in ``text``.

    Log lines' random request ids are left out: "3a15d077001e" holds "07700" by chance."""
    text = re.sub(r"\brequest_id=[0-9a-f]+", "request_id=…", text)
    for item in data:
        assert item not in text, f"{item!r} leaked"
