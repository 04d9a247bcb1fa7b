"""Places a question names, from ISO 3166 (pycountry): the UK's nations and council areas, and
the world's countries.

A question about a place the knowledge never mentions ("children in care in Wales", "what is
Birmingham's grade?") is about something the reports do not cover, however close its wording is
to a fact about England's councils. A place name typed in lower case ("in wales") is still a
place, unless it is also an everyday word ("reading", "bath").
"""

from __future__ import annotations

import functools
import re

import pycountry

from retrieval.language.lexical import MID_SENTENCE_CAPITAL
from retrieval.language.wording import english_zipf

# From this Zipf frequency a one-word place typed in lower case may be an ordinary word
# ("reading" 5.1, "bath" 4.4 and "birmingham" 4.2 stay places; "york" 5.4 does not).
EVERYDAY_WORD_ZIPF = 4.5
# The UK's nations, and their adjectives, are places however they are typed: a question about
# Wales or Scottish councils is never about England.
_NATIONS = frozenset(
    ["england", "scotland", "wales", "northern ireland", "english", "scottish", "welsh", "irish"]
)


def _plain_name(name: str) -> str:
    """ "Pembrokeshire [Sir Benfro GB-BNF]" -> "Pembrokeshire"; "Durham, County" -> "Durham"."""
    return name.split(" [")[0].split(",")[0].strip()


# Subdivisions of these types are the UK's nations, not council areas.
_NATION_TYPES = frozenset(["Country", "Nation", "Province"])
# Counties people still name that ISO 3166 no longer lists as one council: split into unitary
# authorities (Northamptonshire, Berkshire), or ceremonial and metropolitan counties.
_COUNTIES_BEYOND_ISO = (
    "Bedfordshire",
    "Berkshire",
    "Cumbria",
    "Greater London",
    "Greater Manchester",
    "Merseyside",
    "Middlesex",
    "Northamptonshire",
    "South Yorkshire",
    "Sussex",
    "Tyne and Wear",
    "West Midlands",
    "West Yorkshire",
    "Yorkshire",
)


@functools.cache
def council_area_names() -> frozenset[str]:
    """Lower-cased names of the UK's council areas (counties, boroughs, unitary authorities …)."""
    areas = {
        _plain_name(s.name)
        for s in pycountry.subdivisions.get(country_code="GB")
        if s.type not in _NATION_TYPES
    }
    return frozenset(n.lower() for n in (*areas, *_COUNTIES_BEYOND_ISO))


def names_council_area(text: str) -> bool:
    """Whether a text names a council area ("West Berkshire went from inadequate to good")."""
    return any(place.lower() in council_area_names() for place in places_in(text))


@functools.cache
def place_names() -> frozenset[str]:
    """Lower-cased names of the UK's nations and council areas and of countries."""
    names = {_plain_name(s.name) for s in pycountry.subdivisions.get(country_code="GB")}
    names.update(council_area_names())
    for country in pycountry.countries:
        names.add(_plain_name(country.name))
        if common := getattr(country, "common_name", None):
            names.add(_plain_name(common))
    names.update(_NATIONS)
    return frozenset(n.lower() for n in names if n)


@functools.cache
def _place_pattern() -> re.Pattern[str]:
    # longest first, so "Northern Ireland" is one place, not "Ireland"
    alternatives = sorted((re.escape(n) for n in place_names()), key=len, reverse=True)
    return re.compile(rf"(?<![\w-])(?:{'|'.join(alternatives)})(?![\w-])", re.IGNORECASE)


# capitalised and not the first word of a sentence, as asking.py reads a name
_WRITTEN_AS_NAME = re.compile(MID_SENTENCE_CAPITAL)


def places_in(text: str) -> tuple[str, ...]:
    """The places a text names, as written ("how many children in care in wales" -> ("wales",))."""
    found = []
    for match in _place_pattern().finditer(text):
        name = match.group(0)
        lowered = name.lower()
        if (
            lowered in _NATIONS
            or " " in name
            or _WRITTEN_AS_NAME.match(text, match.start()) is not None
            or english_zipf(lowered) < EVERYDAY_WORD_ZIPF
        ):
            found.append(name)
    return tuple(dict.fromkeys(found))


# England's nine regions, by the names official statistics use: a figure for England is not a
# figure for one of them, and one region's is not another's.
ENGLISH_REGIONS = (
    "North East",
    "North West",
    "Yorkshire and the Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
)
_REGION_PATTERNS = tuple(
    (region, re.compile(rf"(?<![\w-]){re.escape(written)}(?![\w-])", re.IGNORECASE))
    for region in ENGLISH_REGIONS
    # "north-east" as well as "north east"; "Yorkshire" alone is its region
    for written in {region, region.replace(" ", "-", 1), region.split(" and ")[0]}
)


def regions_in(text: str) -> frozenset[str]:
    """England's regions a text names, by their official names ("in the north-east" -> North East)."""
    return frozenset(region for region, pattern in _REGION_PATTERNS if pattern.search(text))
