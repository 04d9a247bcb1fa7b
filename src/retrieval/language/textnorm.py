"""Text folding shared by quote verification, figure checks and the eval scorer."""

from __future__ import annotations

import re

# Curly and straight quotes fold to one form; so do the dash variants. Nothing else does.
_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
    }
)
_WHITESPACE = re.compile(r"\s+")

MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def without_surrogates(text: str) -> str:
    """Lone surrogates (a JSON ``"\\ud800"``, bytes in argv that were not UTF-8) as U+FFFD: the
    tokenizer and UTF-8 encoders reject them."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def fold_for_match(text: str) -> str:
    """Fold runs of whitespace, curly/straight quotes and dash variants; keep everything else."""
    return _WHITESPACE.sub(" ", text.translate(_QUOTES)).strip()


# Said, warned, found …: how a text reports someone's words (drafting cuts them out of quotes;
# asking finds whose words a claim reports).
SAYING_VERBS = (
    r"(?:said|says|saying|added|adds|stated|states|concluded|concludes|explained|explains|noted|notes|"
    r"warned|warns|reported|reports|wrote|writes|continued|continues|found|finds|told|tells|argued|"
    r"argues|commented|called for)"
)
