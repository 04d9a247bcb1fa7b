"""What a draft fact quotes of a sentence, and the statement proposed from the quote.

``quote_span`` cuts the reported-speech wrapper off a sentence that quotes the report itself
(``"…," said the report.``) and the quotation marks left without their pair; ``propose_statement``
makes the quote stand on its own. Both only ever drop words, so the quote stays a span of the
article's text and the statement says no more than the quote.
"""

from __future__ import annotations

import re

from retrieval.authoring.sentences import _DOUBLE_QUOTES, TextUnit
from retrieval.language.textnorm import SAYING_VERBS
from retrieval.matching.generated_questions import lower_first

# Who the article quotes when it quotes the report itself (kept out of quotes and statements);
# a named person ("Amanda Spielman said: ...") is kept: who said it matters.
_REPORT_SPEAKER = (
    r"(?:it|the report|the annual report|ofsted(?:['’]s)?(?: annual)? report(?: also)?|ofsted|the regulator|"
    r"the inspectorate|the watchdog|the chief inspector|hmci|the document)"
)
_TAIL = re.compile(
    rf"(?P<cut>[,;]?\s*[{_DOUBLE_QUOTES}]?\s*,?\s+(?:{_REPORT_SPEAKER}\s+{SAYING_VERBS}|{SAYING_VERBS}\s+{_REPORT_SPEAKER}))"
    r"\.?\s*$",
    re.IGNORECASE,
)
_LEAD = re.compile(
    rf"^(?:(?:but|and|however|also),?\s+)?{_REPORT_SPEAKER}(?:\s+also)?\s+{SAYING_VERBS}(?:\s+that)?\s*:?\s*[{_DOUBLE_QUOTES}]",
    re.IGNORECASE,
)
_REPORTING_THAT = re.compile(rf"^{_REPORT_SPEAKER}(?:\s+also)?\s+{SAYING_VERBS}\s+that\s+", re.IGNORECASE)
_CONNECTIVE = re.compile(
    r"^(?:however|but|indeed|also|and|so|moreover|meanwhile|furthermore),?\s+", re.IGNORECASE
)


def quote_span(text: str, unit: TextUnit) -> tuple[int, int] | None:
    """The part of a sentence to quote: without quotation marks around it and without the
    reported-speech wrapper when the article quotes the report (``"…," said the report.``)."""
    start, end = unit.start, unit.end
    s = text[start:end]
    lead = _LEAD.match(s)
    if lead:
        start += lead.end()
    tail = _TAIL.search(text[start:end])
    # `"…," it added.`: the quote is the speech. `…, the report adds.` (no quotation marks) is
    # kept whole, as written; the statement drops the wrapper.
    had_tail = bool(tail and any(q in tail.group("cut") for q in _DOUBLE_QUOTES))
    if tail and had_tail:
        end = start + tail.start("cut")
    # Drop quotation marks that open or close the quote without their pair.
    while True:
        part = text[start:end]
        n = sum(part.count(q) for q in _DOUBLE_QUOTES)
        if part[:1] in _DOUBLE_QUOTES and (n % 2 or (part[-1:] in _DOUBLE_QUOTES and n == 2)):
            start += 1
            if part[-1:] in _DOUBLE_QUOTES and n == 2:
                end -= 1
        elif (part[-1:] in _DOUBLE_QUOTES and n % 2) or (had_tail and part[-1:] in ",;"):
            end -= 1
        else:
            break
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
    if end - start < 3:
        return None
    return start, end


def propose_statement(quote: str) -> str:
    """The quote made to stand on its own: reporting wrappers and a leading connective removed,
    a capital and a full stop. Only ever deletes words, so it says no more than the quote."""
    s = quote.strip()
    tail = _TAIL.search(s)
    if tail:
        s = s[: tail.start("cut")]
    for pattern in (_REPORTING_THAT, _CONNECTIVE, _REPORTING_THAT):
        s = pattern.sub("", s, count=1)
    # A named speaker: `X said: "Y."` → `X said that y.` (drops only the quotation marks).
    said = re.search(rf"\b{SAYING_VERBS}\s*:\s*[{_DOUBLE_QUOTES}]", s)
    if said:
        rest = s[said.end() :].strip().strip(_DOUBLE_QUOTES).strip()
        s = s[: said.start()] + said.group().split(":")[0].strip() + " that " + lower_first(rest)
    s = s.strip().strip(_DOUBLE_QUOTES).strip().rstrip(",;")
    if s and s[0].islower():
        s = s[0].upper() + s[1:]
    if s and s[-1] not in ".!?:":
        s += "."
    return s
