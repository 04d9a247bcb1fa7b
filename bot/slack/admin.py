"""What admins (ADMIN_USER_IDS) may do from Slack: reload the knowledge, see its status and gaps."""

from __future__ import annotations

from dataclasses import dataclass

from bot.runtime.reload import IndexHolder, KnowledgeReloader
from bot.runtime.settings import Settings
from bot.slack import admin_blocks, blocks
from bot.storage.store import FeedbackStore
from retrieval.evaluation.gaps import QuestionGroup, VoteCount, format_gaps_report, group_questions
from retrieval.matching.index import FactIndex

ADMIN_SUBCOMMANDS = ("reload", "status", "gaps")


@dataclass
class Admin:
    """The admin's tools, and who may use them."""

    settings: Settings
    holder: IndexHolder
    reloader: KnowledgeReloader | None = None
    store: FeedbackStore | None = None

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.settings.admin_user_ids

    def gaps_report(self, since_days: int | None = None) -> str:
        if self.store is None:
            return "Feedback and gaps are not recorded by this process."
        return gaps_report_text(self.store, self.holder.index, since_days)

    def run(self, subcommand: str, user_id: str) -> tuple[list[blocks.Block], str]:
        """The reply to an admin subcommand; a refusal (changing nothing) for anyone else."""
        if not self.is_admin(user_id):
            return admin_blocks.admin_refusal_blocks(
                bool(self.settings.admin_user_ids)
            ), admin_blocks.ADMIN_REFUSAL_TEXT
        if subcommand == "reload":
            if self.reloader is None:
                return blocks.plain_blocks(
                    "Reloading is not available in this process."
                ), "Reload unavailable"
            if self.reloader.replicas is None:
                result = self.reloader.reload("command")
                return admin_blocks.reload_result_blocks(result), result.summary()
            # Here now; every other replica within a poll (bot.runtime.reload.ReplicaSync).
            result, problem = self.reloader.replicas.reload_everywhere()
            note = (
                f"This replica ({self.reloader.replicas.replica_id}) reloaded; {problem}."
                if problem
                else "Every other replica reloads within a few seconds (see `/ofsted status`)."
            )
            return admin_blocks.reload_result_blocks(result) + blocks.plain_blocks(note), result.summary()
        if subcommand == "status":
            status = admin_blocks.status_blocks(
                self.holder.index, self.reloader, self.settings, store=self.store
            )
            return status, "Knowledge status"
        return admin_blocks.gaps_blocks(self.gaps_report()), "Knowledge gaps"


def collect_gaps(
    store: FeedbackStore, index: FactIndex | None, since_days: int | None = None
) -> tuple[list[QuestionGroup], list[VoteCount]]:
    """The admin's to-do list: unanswered questions grouped by similarity, and the votes."""
    rows = store.unanswered_questions(since_days)
    questions = [r.question for r in rows if r.question]
    groups = group_questions(index, questions) if index is not None and questions else []
    return groups, store.vote_counts(since_days)


def gaps_report_text(
    store: FeedbackStore, index: FactIndex | None, since_days: int | None = None, top: int = 15
) -> str:
    """The gaps report as text (``/ofsted gaps``, the Home tab), the top ``top`` of each part."""
    groups, votes = collect_gaps(store, index, since_days)
    facts_by_id = index.knowledge.facts_by_id if index is not None else {}
    return format_gaps_report(groups[:top], votes[:top], facts_by_id)
