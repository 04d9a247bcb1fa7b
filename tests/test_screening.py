"""Screening questions before retrieval: personal data, urgent safeguarding, small talk, hidden characters."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrieval.safety.screening import Screening, clean_question, screen_question

KINDS = {
    "email address",
    "phone number",
    "National Insurance number",
    "NHS number",
    "card number",
    "date of birth",
    "street address",
}
URGENT_START = "If a child is in immediate danger, call 999."
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def nhs_valid(digits: str) -> bool:
    """The modulus-11 rule written out again, independently of the module."""
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return check != 10 and (0 if check == 11 else check) == int(digits[9])


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        doubled = int(char) * (2 if index % 2 else 1)
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


# ---------------------------------------------------------------------------------------------
# clean_question


@pytest.mark.parametrize(
    "hidden",
    [
        "\U000e0000", "\U000e0041", "\U000e007f",  # Unicode tags
        "\u200b", "\u200c", "\u200d", "\u200e", "\u200f",  # zero-width, LRM/RLM
        "\u2060", "\u2061", "\u2064", "\ufeff",  # word joiner, invisible operators, BOM
        "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",  # bidi embeddings and overrides
        "\u2066", "\u2067", "\u2068", "\u2069",  # bidi isolates
        "\x00", "\x07", "\x1b", "\x7f", "\x9f",  # other controls
        "\u00ad", "\ufe0f",  # soft hyphen, variation selector
    ],
)  # fmt: skip
def test_clean_question_drops_hidden_characters(hidden: str) -> None:
    assert clean_question(f"943{hidden}476{hidden}5919") == "9434765919"


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("  how many\n\tchildren   are in care?  ", "how many children are in care?"),
        ("line one\r\nline two", "line one line two"),  # \r separates words, it is not dropped
        ("ＮＨＳ ９４３ ４７６ ５９１９", "NHS 943 476 5919"),  # NFKC folds full-width forms
        ("ﬁgures for 2017/18", "figures for 2017/18"),
        ("a\u00a0b\u2003c", "a b c"),
        ("", ""),
    ],
)
def test_clean_question_normalises(raw: str, cleaned: str) -> None:
    assert clean_question(raw) == cleaned


@PROPERTY
@given(st.text())
def test_clean_question_is_idempotent(text: str) -> None:
    once = clean_question(text)
    assert clean_question(once) == once


# ---------------------------------------------------------------------------------------------
# Personal data: each kind, true and false


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("email jo.bloggs@leeds.gov.uk about this", "email address"),
        ("my address is J_Smith+case@example.co.uk", "email address"),
        ("call 07700 900123", "phone number"),
        ("mobile 07700900123", "phone number"),
        ("mum's number is +44 7700 900123", "phone number"),
        ("+44 (0)113 496 0000", "phone number"),
        ("0044 20 7946 0000", "phone number"),
        ("(0113) 496 0000", "phone number"),
        ("020 7946 0000", "phone number"),
        ("0113-496-0000", "phone number"),
        ("office 01632 960123 ext 4", "phone number"),
        ("0300 123 4567", "phone number"),
        ("in 2019 07700 900123 rang", "phone number"),
        ("NI number AB 12 34 56 C", "National Insurance number"),
        ("QQ is not allowed but JT123456A is", "National Insurance number"),
        ("ab123456c", "National Insurance number"),
        ("AB 123456 D", "National Insurance number"),
        ("NHS 943 476 5919", "NHS number"),
        ("nhs no 9434765919", "NHS number"),
        ("943-476-5919", "NHS number"),
        ("card 4111 1111 1111 1111", "card number"),
        ("4111111111111111", "card number"),
        ("5500-0000-0000-0004", "card number"),
        ("3782 822463 10005", "card number"),  # Amex 4-6-5
        ("born 3/4/2015", "date of birth"),
        ("born on 3 April 2015", "date of birth"),
        ("she was born on the 3rd of April", "date of birth"),
        ("DOB 03/04/2015", "date of birth"),
        ("d.o.b. 3.4.15", "date of birth"),
        ("D.O.B: 12-11-2009", "date of birth"),
        ("date of birth: 1 Jan 2010", "date of birth"),
        ("date of birth is March 2012", "date of birth"),
        ("dob 2014", "date of birth"),
        ("born April 3, 2015", "date of birth"),
        ("the family at 12 Acacia Road", "street address"),
        ("12 Acacia Road, LS6 2AB", "street address"),
        ("lives at 4a high street", "street address"),
        ("Flat 3, 27 Mill Lane", "street address"),
        ("14 ACACIA AVENUE", "street address"),
        ("9 Orchard Way", "street address"),
        ("lives on Acacia Road, Leeds LS6 2AB", "street address"),
        ("on acacia road ls6 2ab", "street address"),
        ("12 Acacia, Leeds LS6 2AB", "street address"),
    ],
)
def test_personal_data_found(question: str, kind: str) -> None:
    screening = screen_question(question)
    assert screening.verdict == "personal_data"
    assert kind in screening.kinds


REPORT_LANGUAGE = [
    "66 monitoring visits",
    "£2bn",
    "2017/18",
    "1 April 2016",
    "between 2009-14",
    "400,000 children",
    "almost 12 million",
    "42%",
    "the 1989 Children Act",
    "142 inspections and visits in 88 local authorities",
    "Leeds City Council",
    "LS6 2AB",
    "West Berkshire",
    "by 2020",
    "16 LAs",
    "quarter 3 2018",
    "what happened on 4 December 2018",
    "How many of the 152 local authorities in England were judged inadequate in 2017/18?",
    "What did Ofsted say about the £2bn funding gap by 2020?",
    "Between 1 April 2016 and 31 March 2017 how many children were in care?",
    "what share of the 66 monitoring visits in quarter 3 2018 found progress",
    "how many children in Birmingham City Council's area, postcode B1 1BB, are in need",
    "Tower Hamlets and Bethnal Green E2 0AA",
    "what about the 2016 2017 2018 2019 figures",
]


@pytest.mark.parametrize("question", REPORT_LANGUAGE)
def test_report_language_is_not_personal_data(question: str) -> None:
    screening = screen_question(question)
    assert screening.kinds == ()
    assert screening.verdict == "ok"


@pytest.mark.parametrize(
    "question",
    [
        "what did @channel say",  # no domain
        "email the council at leeds dot gov",
        "call 0808 800 5000",  # the NSPCC number the bot gives out itself
        "call 999",
        "call +44 808 800 5000",
        "call +44 (0)808 800 5000",
        "NSPCC: 0808-800-5000",
        "Childline is 0800 1111",  # too short to be a personal number
        "0 1 2 3 4 5 6 7 8 9 children",  # a list of small numbers, not a phone
        "07700 9001",  # too short
        "QQ 12 34 56 C",  # Q is never a first letter
        "AO 12 34 56 C",  # O is never a second letter
        "GB 12 34 56 A",  # an unused prefix
        "TN 12 34 56 A",
        "AB 12 34 56 E",  # the suffix runs A-D only
        "based on 2017 18 a",  # prose, not a lower-case NI number
        "943 476 5918",  # NHS checksum fails
        "1234567890",
        "4111 1111 1111 1112",  # Luhn fails
        "children born in 2010",  # a cohort, not a birthday
        "babies born in April 2015",
        "12 months down the road",
        "3 Family Court hearings",
        "in 12 ways",
        "LS6 2AB",
    ],
)
def test_near_misses_are_not_personal_data(question: str) -> None:
    assert screen_question(question).kinds == ()


@pytest.mark.parametrize(
    ("number", "valid"),
    [("943 476 5919", True), ("943 476 5918", False), ("401 023 2137", True), ("401 023 2138", False)],
)
def test_nhs_number_needs_a_valid_checksum(number: str, valid: bool) -> None:
    assert nhs_valid(number.replace(" ", "")) is valid
    assert ("NHS number" in screen_question(f"NHS {number}").kinds) is valid


def test_nhs_number_whose_check_digit_would_be_ten_is_invalid() -> None:
    stem = "400000008"  # weighted sum 40 + 16 = 56; 56 % 11 = 1; 11 - 1 = 10, so no digit is valid
    for last in "0123456789":
        assert "NHS number" not in screen_question(f"NHS {stem}{last}").kinds


@pytest.mark.parametrize(
    ("number", "valid"),
    [("4111 1111 1111 1111", True), ("4111 1111 1111 1112", False), ("4012888888881881", True),
     ("4012888888881882", False), ("5105 1051 0510 5100", True), ("5105 1051 0510 5101", False)],
)  # fmt: skip
def test_card_number_needs_luhn(number: str, valid: bool) -> None:
    assert luhn_valid(number.replace(" ", "")) is valid
    assert ("card number" in screen_question(f"card {number}").kinds) is valid


def test_several_kinds_are_all_named_in_order() -> None:
    screening = screen_question(
        "is the Smith family (12 Acacia Road, LS6 2AB, NHS 943 476 5919, jo@example.com) likely to be"
    )
    assert screening.verdict == "personal_data"
    assert screening.kinds == ("email address", "NHS number", "street address")
    assert screening.reply == (
        "I can't take questions that include personal details (found: email address, NHS number, "
        "street address). Please remove any case details and ask again about the Ofsted report — "
        "I haven't stored your message."
    )


# ---------------------------------------------------------------------------------------------
# Hidden characters cannot hide personal data


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("NHS 943\u200b476\u200b5919", "NHS number"),
        ("NHS 9\u200d4\u200c3 4\ufeff76 59\u206019", "NHS number"),
        ("NHS 94\U000e00413 476 5\U000e007f919", "NHS number"),
        ("NHS \U000e0001943 476 5919\U000e007f", "NHS number"),
        ("jo\u200b.bloggs@exa\u200bmple.com", "email address"),
        ("jo.bloggs\U000e0020@\U000e0041example.com", "email address"),
        ("jo.bloggs@example\u00ad.com", "email address"),
        ("NHS \u202e943 476 5919\u202c", "NHS number"),  # right-to-left override around it
        ("NHS 943\u202e476\u202d5919", "NHS number"),
        ("email \u2067jo@example.com\u2069 please", "email address"),  # inside a bidi isolate
        ("ＮＨＳ ９４３ ４７６ ５９１９", "NHS number"),  # full-width digits
        ("NHS ٩٤٣ ٤٧٦ ٥٩١٩", "NHS number"),  # Arabic-Indic digits
        ("call 07700\x00900123", "phone number"),
        ("NHS 943–476–5919", "NHS number"),  # en dashes
    ],
)
def test_hidden_characters_do_not_hide_personal_data(question: str, kind: str) -> None:
    screening = screen_question(question)
    assert screening.verdict == "personal_data"
    assert kind in screening.kinds
    assert not re.search(
        "[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\U000e0000-\U000e007f]", screening.cleaned
    )


_HIDDEN_CHARACTERS = st.sampled_from(
    ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u202c", "\u2066", "\u2069",
     "\U000e0041", "\U000e0020", "\U000e007f", "\x00", "\x1b"]
)  # fmt: skip


@st.composite
def valid_nhs_numbers(draw: st.DrawFn) -> str:
    stem = draw(st.text("0123456789", min_size=9, max_size=9))
    for last in "0123456789":
        if nhs_valid(stem + last):
            return stem + last
    # About one stem in eleven has no valid check digit; try another.
    return draw(valid_nhs_numbers())


def formatted(digits: str, style: str) -> str:
    return {"plain": digits, "spaced": f"{digits[:3]} {digits[3:6]} {digits[6:]}",
            "dashed": f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"}[style]  # fmt: skip


@PROPERTY
@given(valid_nhs_numbers(), st.sampled_from(["plain", "spaced", "dashed"]), st.data())
def test_hidden_characters_anywhere_in_an_nhs_number(digits: str, style: str, data: st.DataObject) -> None:
    text = formatted(digits, style)
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(text)))
        text = text[:position] + data.draw(_HIDDEN_CHARACTERS) + text[position:]
    assert "NHS number" in screen_question(f"is NHS {text} on a plan").kinds


# ---------------------------------------------------------------------------------------------
# Urgent safeguarding

URGENT = [
    "a child is being hurt right now",
    "I think a child is at risk tonight",
    "a kid is in danger",
    "child being abused at the moment",
    "there's a child in immediate danger",
    "someone is hurting a child",
    "I'm worried a child will be harmed tonight",
    "My neighbour's kids are being beaten, I can hear it",
    "I just saw a man hit a toddler in the street",
    "a baby has been left alone in the flat tonight",
    "sorry, not about the report — a girl is being assaulted right now",
    "CHILD IN DANGER NOW",
    "she's being hit right now",
    "a 14-year-old boy is missing and could be in danger currently",
    "the report can wait, a child is in immediate danger at my door",
    "I'm worried about a child right now — what does the report say about neglect?",
    "I am really concerned for a little girl next door tonight",
]
NOT_URGENT = [
    "how many children are at risk of exploitation?",
    "what did Ofsted find about children at risk of exploitation",
    "what does the report say about children being abused outside the family home",
    "how many children are in danger of neglect according to the report",
    "what share of children in need are at risk",
    "what did the JTAIs find about harm to older children",
    "are more children at risk today than in 2010?",
    "how many children are currently in care?",
    "what proportion of children who go missing are at risk of exploitation",
    "what does Ofsted say about how councils respond when a child is in danger now",
    "how many children are now being looked after by local authorities",
    "what did inspectors find about neglect",
    "is the number of children in care currently rising?",
    "a child is rapidly improving in stable care",
    "I'm worried about the number of children in care",
    "what's the figure right now for children in care",
    "how many children suffer neglect",
]


@pytest.mark.parametrize("question", URGENT)
def test_urgent_safeguarding(question: str) -> None:
    screening = screen_question(question)
    assert screening.verdict == "urgent"
    assert screening.reply.startswith(URGENT_START)
    assert "0808 800 5000" in screening.reply
    assert "emergency duty team" in screening.reply
    assert "Ofsted" in screening.reply


@pytest.mark.parametrize("question", NOT_URGENT)
def test_report_questions_are_not_urgent(question: str) -> None:
    assert screen_question(question).verdict == "ok"


def test_urgent_with_personal_data_stays_urgent_and_asks_for_no_case_details() -> None:
    plain = screen_question("a child is being hurt right now")
    screening = screen_question("a child is being hurt right now at 12 Acacia Road, NHS 943 476 5919")
    assert screening.verdict == "urgent"
    assert screening.kinds == ("NHS number", "street address")
    assert screening.reply.startswith(plain.reply)
    extra = screening.reply.removeprefix(plain.reply).strip()
    assert extra == "Please don't share case details here — I haven't stored your message."
    assert plain.kinds == ()


# ---------------------------------------------------------------------------------------------
# Small talk


@pytest.mark.parametrize(
    ("message", "reply_start"),
    [
        ("hi", "Hello!"),
        ("Hello", "Hello!"),
        ("hey there", "Hello!"),
        ("Good morning!", "Hello!"),
        ("hiya 👋", "Hello!"),
        (":wave:", "Hello!"),
        ("<@U0123ABC> hello", "Hello!"),
        ("thanks", "You're welcome!"),
        ("thank you!", "You're welcome!"),
        ("Cheers", "You're welcome!"),
        ("ta", "You're welcome!"),
        ("great, thanks so much for your help", "You're welcome!"),
        ("what can you do?", "I answer questions"),
        ("help", "I answer questions"),
        ("who are you", "I answer questions"),
        ("how do I use this", "I answer questions"),
        ("What's this?", "I answer questions"),
        ("hi there, what can you do?", "Hello!"),
        ("bye", "Bye for now!"),
        ("ok", "Glad to help."),
        ("thanks, that's great", "You're welcome!"),
        ("Hi @Ofsted bot", "Hello!"),
    ],
)
def test_small_talk(message: str, reply_start: str) -> None:
    screening = screen_question(message)
    assert screening.verdict == "small_talk"
    assert screening.reply.startswith(reply_start)
    assert screening.kinds == ()


def test_greeting_reply_says_what_the_bot_does() -> None:
    assert screen_question("hi").reply == (
        "Hello! I answer questions about Ofsted's annual report on local authority children's services "
        "— with the exact figure, a quote and its source."
    )


@pytest.mark.parametrize(
    "message",
    [
        "hi, how many children are in care?",
        "hello what share of councils are inadequate",
        "thanks! and what about care leavers?",
        "help me find the figure for care leavers",
        "what can you tell me about adoption",
        "hi 2017/18",
        "the",
        "Faint o blant sydd mewn gofal?",
        "有多少儿童在照料中",
    ],
)
def test_small_talk_only_when_the_whole_message_is(message: str) -> None:
    screening = screen_question(message)
    assert screening.verdict == "ok"
    assert screening.reply == ""
    # The caller still gets the whole question to answer.
    assert screening.cleaned == clean_question(message)


def test_ok_question_keeps_its_text() -> None:
    screening = screen_question("  How many children are in care?\u200b ")
    assert screening == Screening("ok", (), "", "How many children are in care?")


# ---------------------------------------------------------------------------------------------
# The result object never carries the data outward


def test_screening_is_frozen_and_its_repr_omits_the_text() -> None:
    screening = screen_question("NHS 943 476 5919")
    with pytest.raises(dataclasses.FrozenInstanceError):
        screening.verdict = "ok"  # type: ignore[misc]
    assert "943" not in repr(screening)
    assert screening.cleaned == "NHS 943 476 5919"


# ---------------------------------------------------------------------------------------------
# Properties

_REPORT_WORDS = [
    "how", "many", "children", "are", "in", "care", "what", "share", "of", "local", "authorities",
    "were", "judged", "inadequate", "good", "outstanding", "Ofsted", "inspections", "monitoring",
    "visits", "the", "report", "says", "councils", "funding", "gap", "social", "workers",
    "caseloads", "England", "Leeds", "Birmingham", "West", "Berkshire", "City", "Council", "LAs",
    "JTAIs", "exploitation", "neglect", "at", "risk", "need", "plans", "protection", "early",
    "help", "adoption", "leavers", "per", "cent", "million", "between", "and", "by", "since",
    "quarter", "April", "December", "March", "year", "rose", "fell", "to", "from", "a", "an", "on",
]  # fmt: skip
_MONTHS = ["January", "April", "June", "September", "December"]

report_numbers = st.one_of(
    st.integers(0, 999_999).map(str),
    st.integers(1_000, 9_999_999).map(lambda n: f"{n:,}"),
    st.integers(0, 100).map(lambda n: f"{n}%"),
    st.integers(1, 99).map(lambda n: f"£{n}bn"),
    st.integers(1_990, 2_030).map(str),
    st.integers(2_000, 2_030).map(lambda y: f"{y}/{(y + 1) % 100:02d}"),
    st.integers(2_000, 2_025).map(lambda y: f"{y}-{(y + 5) % 100:02d}"),
    st.tuples(st.integers(1, 28), st.sampled_from(_MONTHS), st.integers(2_000, 2_030)).map(
        lambda t: f"{t[0]} {t[1]} {t[2]}"
    ),
    st.tuples(st.integers(1, 4), st.integers(2_000, 2_030)).map(lambda t: f"quarter {t[0]} {t[1]}"),
)


@st.composite
def report_like_text(draw: st.DrawFn, extra: str | None = None) -> str:
    # Words and numbers alternate, as in report prose; a word always separates two numbers.
    parts: list[str] = []
    for _ in range(draw(st.integers(1, 8))):
        parts.append(draw(st.sampled_from(_REPORT_WORDS)))
        if draw(st.booleans()):
            parts.append(draw(report_numbers))
    if extra is not None:
        parts.insert(draw(st.integers(0, len(parts))), extra)
        parts.append(draw(st.sampled_from(_REPORT_WORDS)))
    return " ".join(parts) + draw(st.sampled_from(["", "?", "."]))


@PROPERTY
@given(report_like_text())
def test_report_like_text_is_never_personal_data(text: str) -> None:
    screening = screen_question(text)
    assert screening.kinds == ()
    assert screening.verdict in ("ok", "small_talk")  # "help" or "good" alone is small talk


@PROPERTY
@given(
    st.text("0123456789", min_size=10, max_size=10), st.sampled_from(["plain", "spaced", "dashed"]), st.data()
)
def test_ten_digits_flag_nhs_only_when_the_checksum_passes(
    digits: str, style: str, data: st.DataObject
) -> None:
    text = data.draw(report_like_text(extra=formatted(digits, style)))
    assert ("NHS number" in screen_question(text).kinds) is nhs_valid(digits)


_NI_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
_NI_SECOND = "ABCEGHJKLMNPRSTWXYZ"
personal_values = st.one_of(
    st.tuples(valid_nhs_numbers(), st.sampled_from(["plain", "spaced", "dashed"])).map(
        lambda t: ("NHS number", formatted(*t))
    ),
    st.tuples(st.text("abcdefghij", min_size=4, max_size=8), st.integers(10, 99)).map(
        lambda t: ("email address", f"{t[0]}.{t[1]}@example.org.uk")
    ),
    st.text("0123456789", min_size=9, max_size=9).map(lambda d: ("phone number", f"07{d[:3]} {d[3:]}")),
    st.tuples(
        st.sampled_from(_NI_FIRST),
        st.sampled_from(_NI_SECOND),
        st.integers(0, 999_999),
        st.sampled_from("ABCD"),
    )
    .filter(lambda t: t[0] + t[1] not in {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"})
    .map(lambda t: ("National Insurance number", f"{t[0]}{t[1]} {t[2]:06d} {t[3]}")),
    st.tuples(st.integers(1, 28), st.integers(1, 12), st.integers(2005, 2020)).map(
        lambda t: ("date of birth", f"DOB {t[0]:02d}/{t[1]:02d}/{t[2]}")
    ),
)


@PROPERTY
@given(personal_values, st.data())
def test_reply_never_echoes_the_personal_data(kind_and_value: tuple[str, str], data: st.DataObject) -> None:
    kind, value = kind_and_value
    text = data.draw(report_like_text(extra=value))
    screening = screen_question(text)
    assert screening.verdict == "personal_data"
    assert kind in screening.kinds
    assert value not in screening.reply
    assert not re.search(r"\d", screening.reply)  # no digits at all, so no number can leak
    assert value not in repr(screening)
    assert set(screening.kinds) <= KINDS


@PROPERTY
@given(st.text())
def test_screen_question_never_raises_and_replies_to_every_non_ok_verdict(text: str) -> None:
    screening = screen_question(text)
    assert screening.cleaned == clean_question(text)
    assert set(screening.kinds) <= KINDS
    if screening.verdict == "ok":
        assert screening.reply == "" and screening.kinds == ()
    else:
        assert screening.reply.strip()
    if screening.verdict == "personal_data":
        assert screening.kinds


@PROPERTY
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300).map(lambda s: s + " 943 476 5919"))
def test_arbitrary_text_around_a_valid_nhs_number_still_flags(text: str) -> None:
    # Whatever comes before it, a space-separated valid NHS number at the end is found.
    assert "NHS number" in screen_question(text).kinds
