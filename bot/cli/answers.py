"""An answer as the command line prints it: text for a person at a terminal, or the JSON of a
question that was screened out before it was searched."""

from __future__ import annotations

import textwrap

from retrieval.matching.answer import Answer
from retrieval.safety.screening import Screening


def format_answer_text(answer: Answer) -> str:
    """An Answer for a person at a terminal: statement, figures, quote, citation."""
    head = [f"Following up on: {answer.follows}"] if answer.follows else []
    if answer.corrected_question:
        head.append(f"Showing results for: {answer.corrected_question}")
    lines: list[str]
    if not answer.answered:
        lines = [*head, answer.decline_message]
        if answer.suggestions:
            lines.append("Nearest facts I do know:")
            lines += [
                f"  - {suggestion.statement}  [{suggestion.fact_id}]" for suggestion in answer.suggestions
            ]
        return "\n".join(lines)
    lines = [*head, *([answer.lead, ""] if answer.lead else [])]
    for item in answer.answers:
        fact, source = item.fact, item.source
        label = "" if item.role in ("best", "headline") else f"From the {source.report}: "
        lines.append(label + fact.statement)
        for figure in fact.figures:
            lines.append(f"  Figure: {figure.text} ({figure.measure})")
        lines += textwrap.wrap(f'"{fact.quote}"', width=100, initial_indent="  > ", subsequent_indent="  > ")
        lines.append(
            f'  Source: {source.publisher}, "{source.title}", {source.published_label}; {source.report}'
            + (f", p. {fact.page}" if fact.page else "")
            + (f" <{source.url}>" if source.url else "")
        )
        lines.append(f"  [fact {fact.id}, score {item.score:.2f}]")
        lines.append("")
    if answer.suggestions:
        lines.append("Did you mean:")
        lines += [f"  - {suggestion.statement}  [{suggestion.fact_id}]" for suggestion in answer.suggestions]
    return "\n".join(lines).rstrip()


def screened_dict(screening: Screening) -> dict[str, object]:
    """The JSON for a question that was not searched; the question itself is not echoed."""
    return {
        "question": "" if screening.verdict == "personal_data" else screening.cleaned,
        "answered": False,
        "answers": [],
        "suggestions": [],
        "screened": screening.verdict,
        "kinds": list(screening.kinds),
        "message": screening.reply,
    }
