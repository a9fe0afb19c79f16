"""Equality monitoring categories.

Ethnic group: the 2021 Census harmonised categories for England (ONS), asked in two steps
(broad group, then detailed). Every question also offers "Prefer not to say".
"""

from __future__ import annotations

PREFER_NOT_TO_SAY = "Prefer not to say"

ETHNIC_GROUPS: dict[str, list[str]] = {
    "Asian, Asian British or Asian Welsh": [
        "Bangladeshi",
        "Chinese",
        "Indian",
        "Pakistani",
        "Any other Asian background",
    ],
    "Black, Black British, Black Welsh, Caribbean or African": [
        "African",
        "Caribbean",
        "Any other Black, Black British or Caribbean background",
    ],
    "Mixed or Multiple ethnic groups": [
        "White and Asian",
        "White and Black African",
        "White and Black Caribbean",
        "Any other Mixed or Multiple ethnic background",
    ],
    "White": [
        "English, Welsh, Scottish, Northern Irish or British",
        "Irish",
        "Gypsy or Irish Traveller",
        "Roma",
        "Any other White background",
    ],
    "Other ethnic group": ["Arab", "Any other ethnic group"],
}

AGE_BANDS = [
    "Under 13",
    "13 to 15",
    "16 to 17",
    "18 to 24",
    "25 to 34",
    "35 to 44",
    "45 to 54",
    "55 to 64",
    "65 to 74",
    "75 or over",
]
YOUNG_AGE_BANDS = frozenset({"Under 13", "13 to 15", "16 to 17"})
SEXES = ["Female", "Male"]
DISABILITY = ["Yes, limited a lot", "Yes, limited a little", "No"]
RELIGIONS = ["No religion", "Christian", "Buddhist", "Hindu", "Jewish", "Muslim", "Sikh", "Any other religion"]
