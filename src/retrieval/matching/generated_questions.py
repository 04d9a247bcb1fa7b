"""Example questions generated from a fact's own fields, so a fact is findable without any
hand-written ones.

Deterministic (no model, no network): the same fact always gives the same questions. They are
the ways a figure, a finding or a claim is asked, built from the statement, the figures'
measures, dates and places, and the source's report — then said again in colleagues' words,
through the knowledge's synonyms read backwards ("local authorities" -> "councils", "LAs").
They join the index and the encoder's tuning data beside any hand-written questions, and an
admin sees them with ``ofsted-bot knowledge questions FACT-ID``. Nothing here reads a question
set: a generated question can never copy an evaluation question.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from retrieval.knowledge.schema import Fact, Figure, Source


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOP = _words(
    "a an the of in on at to for and or but by with from as that this these those it its their there "
    "than then which who whom whose what when where how is are was were be been being has have had will "
    "would can could may might must should do does did not no also such more most less least very all "
    "any each both other some into over under about between after before they them we our us he she his "
    "her you your i"
)
# Verbs that end a statement's subject ("grooming gangs | are a potential challenge").
_SUBJECT_ENDS = {
    "is", "are", "was", "were", "has", "have", "had", "will", "would", "can", "could", "should", "may",
    "continues", "continue", "suggests", "suggest", "found", "find", "finds", "shows", "show", "mean",
    "means", "supports", "outlines", "introduced", "explains", "said", "says", "noted", "remain", "remains",
    "relate", "relates", "face", "faces", "monitor", "conducted", "carries", "carried", "looked",
}  # fmt: skip
_PRONOUNS = {"this", "it", "we", "they", "that", "there", "these", "those", "he", "she"}


_INTRO = re.compile(
    r"^(?:in|on|at|for|to|when|while|after|before|since|by|with|as|more|overall|currently|nationally|"
    r"this|that|last|next|most|indeed|however)\b|^\w+ly\b",
    re.IGNORECASE,
)


def statement_topic(statement: str) -> str:
    """What a finding is about: the subject of its statement ("grooming gangs"), past a leading
    phrase ("In children's social care, funding for statutory services" → the latter) and a
    reporting verb ("The evidence suggests that these cuts …" → "these cuts …")."""
    words = statement.rstrip(".:").split()
    subject: list[str] = []
    verb_at = len(words)
    for i, w in enumerate(words):
        low = w.lower().strip(",")
        if low in _SUBJECT_ENDS:
            if i + 1 < len(words) and words[i + 1].lower().strip(",") == "that" and i + 2 < len(words):
                return statement_topic(" ".join(words[i + 2 :]))
            verb_at = i
            break
        subject.append(w)
    phrase = " ".join(subject).strip(" ,")
    parts = [p.strip() for p in phrase.split(",") if p.strip()]
    while len(parts) > 1 and _INTRO.match(parts[0]):
        parts = parts[1:]  # "In children's social care, funding …" → "funding …"
    phrase = parts[0] if parts else ""
    if phrase.lower() in ("ofsted", "the report", "the inspectorate", "the regulator", "it", "we"):
        phrase = " ".join(words[verb_at + 1 : verb_at + 7])  # what Ofsted does: its object
    if not phrase or phrase.split()[0].lower() in _PRONOUNS or len(phrase.split()) > 16:
        phrase = " ".join(words[:6])
    return lower_first(phrase.strip(" ,;:"))


def lower_first(s: str) -> str:
    """Lower-case the first word unless it starts a name ("Her Majesty's", "Alison Michalska")."""
    words = s.split()
    if not words:
        return s
    first = words[0]
    second_is_name = len(words) > 1 and words[1][:1].isupper() and words[1][1:].islower()
    plain = first[:1].isupper() and (first[1:].islower() or len(first) == 1)
    if plain and not second_is_name and first not in ("Ofsted", "England", "I"):
        return s[0].lower() + s[1:]
    return s


# A figure's qualifier, kept with it when it is masked ("more than 75,000" -> "how many").
_QUALIFIER = (
    r"(?:(?:more|fewer|less) than|almost|nearly|around|about|approximately|just (?:over|under)|over|"
    r"under|some)\s+"
)
_PARENTHESES = re.compile(r"\s*\([^)]*\)")
_MAX_FRAGMENT_WORDS = 8


def figure_question_word(figure: Figure) -> str:
    """How a colleague asks for this figure: "what percentage of", "how much", "how many"."""
    if figure.unit == "%" or 0 < figure.value < 1:
        return "what percentage of"
    if "£" in figure.text or (figure.unit or "").startswith(("£", "$", "€")):
        return "how much"
    return "how many"


def _sentence(text: str) -> str:
    text = " ".join(text.split()).strip().rstrip(".!?:;, ")
    return text[:1].upper() + text[1:] + "?" if text else ""


def masked_statement(statement: str, figure: Figure) -> str | None:
    """The statement with the figure (and its qualifier) asked for instead of stated."""
    pattern = re.compile(rf"(?i)\b(?:{_QUALIFIER})?{re.escape(figure.text)}(?![\w%])")
    match = pattern.search(statement)
    if match is None:
        return None
    asked = figure_question_word(figure)
    before, after = statement[: match.start()], statement[match.end() :]
    if asked.endswith(" of"):
        # "42% of councils" -> "what percentage of councils"; "from 36% to 42%" -> "to what percentage"
        after = re.sub(r"^\s+of\b", "", after) if re.match(r"\s+of\b", after) else after
        asked = asked if re.match(r"\s+of\b", statement[match.end() :]) else asked.removesuffix(" of")
    before = re.sub(r"(?i)\bthe\s+$", "", before)  # "the 152 councils" -> "how many councils"
    return _sentence(f"{before}{asked}{after}")


def content_words(text: str) -> list[str]:
    words = re.findall(r"[A-Za-z0-9£%][A-Za-z0-9£%'’.,-]*", _PARENTHESES.sub("", text))
    return [w.strip(".,") for w in words if w.lower().strip(".,") not in _STOP]


def _measure_phrase(figure: Figure) -> str:
    return _PARENTHESES.sub("", figure.measure).strip()


def figure_questions(figure: Figure, report: str) -> list[str]:
    """The ways the figure itself is asked: by its measure, its date or period, its place."""
    measure = _measure_phrase(figure)
    asked = figure_question_word(figure)
    where = f" in {figure.place}" if figure.place else ""
    out = [_sentence(f"{asked} {measure}{where}")]
    if figure.period:
        out.append(_sentence(f"{asked} {measure}{where} as at {figure.period}"))
        out.append(_sentence(f"{measure}{where} {figure.period}"))
    else:
        out.append(_sentence(f"{measure}{where} in the {report}"))
    out.append(_sentence(f"what is the figure for {measure}{where}"))
    return out


def generated_questions(fact: Fact, source: Source, synonyms: Mapping[str, str] = {}) -> tuple[str, ...]:
    """The fact's generated example questions, in a stable order, without repeats."""
    statement = " ".join(fact.statement.split())
    out: list[str] = []
    for figure in fact.figures:
        masked = masked_statement(statement, figure)
        if masked:
            out.append(masked)
        out.extend(figure_questions(figure, source.report))
    topic = statement_topic(statement)
    if len(content_words(topic)) >= 2:
        out.append(_sentence(f"what does the report say about {topic}"))
    out.append(_sentence(f"is it true that {lower_first(statement)}"))
    fragment = content_words(statement)[:_MAX_FRAGMENT_WORDS]
    if len(fragment) >= 2:
        out.append(_sentence(" ".join(w.lower() if not w[1:2].isupper() else w for w in fragment)))
    out += [colleague for q in list(out) if (colleague := in_colleagues_words(q, synonyms))]
    return tuple(dict.fromkeys(q for q in out if q))


def in_colleagues_words(text: str, synonyms: Mapping[str, str]) -> str | None:
    """The text with the report's terms said as colleagues say them: each meaning in the synonym
    table replaced by its shortest word ("local authorities" -> "LAs"); None when none occurs."""
    by_meaning: dict[str, str] = {}
    for word, meaning in synonyms.items():
        meaning = meaning.lower()
        # a meaning of one word that is ordinary English ("proportion") stays; phrases are the terms
        if " " in meaning and (meaning not in by_meaning or len(word) < len(by_meaning[meaning])):
            by_meaning[meaning] = word
    if not by_meaning:
        return None
    pattern = re.compile(
        r"\b(" + "|".join(re.escape(m) for m in sorted(by_meaning, key=len, reverse=True)) + r")\b",
        re.IGNORECASE,
    )

    def spoken(match: re.Match[str]) -> str:
        word = by_meaning[match.group(0).lower()]
        if len(word) > 4:
            return word
        # an abbreviation: "las" -> "LAs", "ri" -> "RI"
        return word[:-1].upper() + "s" if len(word) > 2 and word.endswith("s") else word.upper()

    said = pattern.sub(spoken, text)
    return said if said != text else None
