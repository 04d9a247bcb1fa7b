"""Block Kit checked by slack_sdk's own models: what Slack would reject fails here first."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View


def assert_valid_blocks(blocks: list[dict[str, Any]], max_blocks: int = 50) -> None:
    """Each block parses as a known Block Kit type, validates, and round-trips unchanged."""
    assert 0 < len(blocks) <= max_blocks, f"{len(blocks)} blocks"
    for raw in blocks:
        parsed = Block.parse(raw)
        assert parsed is not None and type(parsed) is not Block, f"unknown block type: {raw.get('type')}"
        parsed.validate_json()
        assert parsed.to_dict() == raw, f"not as slack_sdk reads it: {raw}"


def assert_valid_view(view: dict[str, Any]) -> None:
    """A modal or Home tab view, with its blocks, as slack_sdk's ``View`` validates it."""
    assert_valid_blocks(view["blocks"], max_blocks=100)  # a Home tab or modal holds 100
    View(**view).validate_json()
