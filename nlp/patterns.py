# ruff: noqa: RUF001  (typographic apostrophes and dashes are matched on purpose)
"""Regular-expression detectors for personal data (no spaCy needed).

Each detector yields ``(start, end, label)`` character spans over the original text.
Names are handled in :mod:`nlp.redact` (NER plus the cue patterns defined here).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

Span = tuple[int, int, str]

# Letters used in names: ASCII plus Latin-1/Latin Extended (Ö, ł, ş, ğ, ț ...).
_UP = "A-Z\u00c0-\u00d6\u00d8-\u00de\u0100-\u017f\u0218-\u021b"
_LO = "a-z\u00df-\u00f6\u00f8-\u00ff\u0100-\u017f\u0219\u021b"
NAME_WORD = rf"(?:[{_UP}][{_LO}{_UP}]*(?:['’\-][{_UP}{_LO}][{_LO}{_UP}]*)*|[{_UP}]\.?)"
CAP_WORD = rf"[{_UP}][{_LO}]+(?:['’\-][{_UP}{_LO}][{_LO}]+)*"

EMAIL_RE = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+\-]*(?:\s(?:dot|\(dot\)|\[dot\])\s[A-Za-z0-9_\-]+)*"
    r"\s?(?:@|\(at\)|\[at\]|\s(?:at)\s)\s?"
    r"[A-Za-z0-9\-]+(?:\s?(?:\.|\(dot\)|\[dot\]|\sdot\s)\s?[A-Za-z0-9\-]+)*"
    r"\s?(?:\.|\(dot\)|\[dot\]|\sdot\s)\s?(?:com|net|org|co\.uk|co\s?dot\s?uk|uk|io|info|me|gov\.uk|ac\.uk|nhs\.net|[a-z]{2,6})\b",
    re.IGNORECASE,
)
# Plain e-mails are by far the most common form: a strict pattern first.
EMAIL_STRICT_RE = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}\b")
_OBFUSCATED_AT = re.compile(r"\(at\)|\[at\]|\sat\s", re.IGNORECASE)
_OBFUSCATED_DOT = re.compile(r"\(dot\)|\[dot\]|\sdot\s", re.IGNORECASE)

_MAIL_PROVIDER = re.compile(
    r"\sat\s+(?:gmail|googlemail|hotmail|yahoo|outlook|icloud|btinternet|live|aol|sky|virginmedia|"
    r"protonmail|proton|me|mac|talktalk|ntlworld|blueyonder|msn|ymail|mail)\b",
    re.IGNORECASE,
)

URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+"
    r"|(?<![@\w.])(?:[a-z0-9\-]+\.)+(?:com|co\.uk|org\.uk|org|net|uk|io|ly|info|biz|gov\.uk|me)"
    r"(?:/[^\s<>\"']*)?(?![\w@])",
    re.IGNORECASE,
)
HANDLE_RE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?(?![\w@])")
HANDLE_CUE_RE = re.compile(
    r"\b(?:insta(?:gram)?|twitter|tiktok|snap(?:chat)?|x|facebook|fb)\s*(?:handle|account|name|is|:)+\s*"
    r"(?P<h>@?[A-Za-z0-9_.]{3,30})",
    re.IGNORECASE,
)
REDDIT_RE = re.compile(r"(?<![\w/])u/[A-Za-z0-9_\-]{3,20}\b")

# UK phone numbers: +44 / 0044 / 0 prefixes, spaces, hyphens, dots and brackets in between.
PHONE_CAND_RE = re.compile(r"(?<![\w+])(?:(?:\+|00)\s?44\s?(?:\(0\)\s?)?|\(?0)[1-9](?:[\s.\-()]{0,2}\d){7,10}(?!\d)")

POSTCODE_RE = re.compile(
    r"\b(?:GIR\s?0AA|[A-PR-UWYZ](?:[0-9][0-9A-HJKPSTUW]?|[A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)\s?[0-9][ABD-HJLNP-UW-Z]{2})\b",
    re.IGNORECASE,
)

_STREET_SUFFIX = (
    r"Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Way|Crescent|Cres|Place|Pl|Gardens|Gdns|"
    r"Grove|Terrace|Tce|Court|Ct|Square|Sq|Hill|Park|Rise|View|Walk|Mews|Row|Parade|Green|Vale|"
    r"Wharf|Yard|Boulevard|Mount|Croft|Fold|Gate|Meadows?|Chase|Estate|House|Towers?|Heights|Villas"
)
_LOWER_OK_SUFFIX = r"street|road|avenue|lane|close|drive|crescent|gardens|terrace|grove|mews|rd|st|ave"
_NOT_STREET_WORD = {
    "the",
    "a",
    "an",
    "on",
    "in",
    "at",
    "to",
    "of",
    "my",
    "our",
    "your",
    "their",
    "his",
    "her",
    "down",
    "up",
    "along",
    "across",
    "minutes",
    "minute",
    "mins",
    "hours",
    "hour",
    "days",
    "day",
    "weeks",
    "week",
    "years",
    "year",
    "times",
    "people",
    "cars",
    "houses",
    "homes",
    "children",
    "kids",
    "miles",
    "mile",
    "metres",
    "yards",
    "steps",
    "and",
    "or",
    "from",
    "for",
    "by",
    "with",
    "new",
    "more",
    "less",
    "than",
    "per",
    "is",
    "are",
    "was",
    "were",
    "every",
    "each",
    "other",
}
ADDRESS_RE = re.compile(
    rf"\b(?:(?:flat|apartment|apt|unit|room)\s*\d+[a-z]?,?\s+)?"
    rf"(?P<num>\d{{1,4}}[a-z]?(?:\s?-\s?\d{{1,4}})?),?\s+"
    rf"(?P<name>(?:[A-Za-z'’\-]+\s+){{1,3}}?)"
    rf"(?P<suffix>(?:{_STREET_SUFFIX}))\b\.?",
    re.IGNORECASE,
)
ADDRESS_CUE_RE = re.compile(
    rf"\b(?:live|living|lives|lived|reside|resides|moved)\s+(?:on|in|at|to)\s+"
    rf"(?P<addr>(?:{CAP_WORD}\s+){{1,3}}(?:{_STREET_SUFFIX}))\b"
)


def _valid_phone(s: str) -> bool:
    digits = re.sub(r"\D", "", s)
    if digits.startswith("0044"):
        digits = "0" + digits[4:]
    elif digits.startswith("44"):
        digits = "0" + digits[2:]
    # "+44 (0) 20 ..." leaves a doubled zero
    if digits.startswith("00"):
        digits = digits[1:]
    if not digits.startswith("0"):
        return False
    return len(digits) in (10, 11)


def find_emails(text: str) -> Iterator[Span]:
    seen: list[tuple[int, int]] = []
    for m in EMAIL_STRICT_RE.finditer(text):
        seen.append(m.span())
        yield m.start(), m.end(), "EMAIL"
    for m in EMAIL_RE.finditer(text):
        s = m.group(0)
        if "@" in s or any(a <= m.start() < b or a < m.end() <= b for a, b in seen):
            if "@" in s and not any(a <= m.start() < b or a < m.end() <= b for a, b in seen):
                yield m.start(), m.end(), "EMAIL"  # "name @ gmail.com" with spaces
            continue
        bracketed = re.search(r"\(at\)|\[at\]", s, re.IGNORECASE)
        # "name at gmail dot com": only with a known mail provider or a spelt-out "dot"
        if not bracketed and (
            not (_MAIL_PROVIDER.search(s) or _OBFUSCATED_DOT.search(s)) or re.search(r"\sat\s+www", s, re.IGNORECASE)
        ):
            continue
        local = re.split(r"\s?(?:\(at\)|\[at\]|\sat\s)\s?", s, maxsplit=1, flags=re.IGNORECASE)[0]
        if " " in re.sub(r"\s(?:dot|\(dot\)|\[dot\])\s", ".", local.strip(), flags=re.IGNORECASE):
            continue
        yield m.start(), m.end(), "EMAIL"


def find_urls(text: str) -> Iterator[Span]:
    for m in URL_RE.finditer(text):
        s, e = m.span()
        while e > s and text[e - 1] in ".,;:!?)]}'\"":
            e -= 1
        if e - s >= 4:
            yield s, e, "URL"


def find_handles(text: str) -> Iterator[Span]:
    for m in HANDLE_RE.finditer(text):
        yield m.start(), m.end(), "HANDLE"
    for m in REDDIT_RE.finditer(text):
        yield m.start(), m.end(), "HANDLE"
    for m in HANDLE_CUE_RE.finditer(text):
        h = m.group("h").rstrip(".")
        if h.lower() in {"is", "the", "my", "account", "handle", "name"}:
            continue
        yield m.start("h"), m.start("h") + len(h), "HANDLE"


def find_phones(text: str) -> Iterator[Span]:
    for m in PHONE_CAND_RE.finditer(text):
        s, e = m.span()
        cand = text[s:e]
        while cand and not cand[-1].isdigit():  # trailing separators are not part of the number
            cand = cand[:-1]
            e -= 1
        if _valid_phone(cand):
            yield s, e, "PHONE"


def find_postcodes(text: str) -> Iterator[Span]:
    for m in POSTCODE_RE.finditer(text):
        yield m.start(), m.end(), "POSTCODE"


def find_addresses(text: str) -> Iterator[Span]:
    for m in ADDRESS_RE.finditer(text):
        words = m.group("name").split()
        if any(w.lower() in _NOT_STREET_WORD for w in words):
            continue
        suffix = m.group("suffix")
        all_lower = all(w[:1].islower() for w in words) and suffix[:1].islower()
        if all_lower and not re.fullmatch(_LOWER_OK_SUFFIX, suffix, re.IGNORECASE):
            continue
        if not all_lower and not all(w[:1].isupper() for w in words):
            continue
        yield m.start(), m.end(), "ADDRESS"
    for m in ADDRESS_CUE_RE.finditer(text):
        yield m.start("addr"), m.end("addr"), "ADDRESS"


TITLE_RE = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Doctor|Prof|Professor|Sir|Dame|Lady|Lord|Cllr|Councillor|Rev|Revd|"
    r"Reverend|Father|Sister|Imam|Rabbi|Pastor|Aunty|Auntie|Uncle|Nurse|Officer|PC|DC|Sgt|Sergeant|"
    r"Inspector|Bishop|Canon|Sheikh|Maulana|Mufti|Hajji?|Chief|Alhaji|Alhaja|Mallam|Bibi|Baba)\.?\s+"
    rf"(?P<n>{NAME_WORD}(?:\s+{NAME_WORD}){{0,3}})"
)
_REL = (
    r"son|daughter|husband|wife|partner|mum|mam|mom|mother|dad|father|neighbour|neighbor|friend|"
    r"brother|sister|carer|grandson|granddaughter|nan|nana|gran|granny|grandma|grandmother|grandad|"
    r"grandpa|grandfather|boyfriend|girlfriend|child|kid|landlord|landlady|uncle|aunt|auntie|cousin|"
    r"colleague|boss|teacher|social worker|gp|doctor|nurse|niece|nephew|fiancée?|stepson|stepdaughter|"
    r"stepdad|stepmum|baby|toddler|lodger|tenant|childminder|key worker|support worker|health visitor|"
    r"midwife|councillor|mp|manager|caseworker|case worker|housing officer|officer|caretaker|"
    r"lollipop lady|lollipop man|youth worker|cleaner|warden|receptionist|postman|postwoman|"
    r"imam|vicar|priest|rabbi|pastor|coach|tutor|mentor|interpreter|translator|advocate|"
    r"mate|mates|pal|buddy|bestie|bf|gf|hubby|flatmate|housemate"
)
_STRONG_CUES = (
    r"my name is|my name's|name is|i am called|i'm called|called|named|known as|signed|regards|"
    r"kind regards|best wishes|yours sincerely|yours faithfully|sincerely|dear|"
    rf"(?:my|our|his|her|their|the)\s+(?:\w+\s+)?(?:{_REL})(?:\s*,)?(?:\s+(?:called|named|is))?"
)
_WEAK_CUES = (
    r"i am|i'm|im|thanks|thank you|many thanks|cheers|yours|ask for|ask|spoke to|speak to|speaking to|"
    r"talked to|talk to|told|tell|contact|call|ring|email|hi|hello|with|me and|and"
)
CUE_RE = re.compile(
    rf"(?i:\b(?:(?P<strong>{_STRONG_CUES})|(?P<weak>{_WEAK_CUES}))(?:\s*[,:\-]\s*|\s+))"
    rf"(?P<n>{NAME_WORD}(?:\s+{NAME_WORD}){{0,3}})"
)
# "and Mehmet", "with Kwame": coordination with an already detected name is handled in redact.py
SIGNOFF_RE = re.compile(
    rf"(?:^|\n|[.!?]\s+)[\-–—~]\s*(?P<n>{NAME_WORD}(?:\s+{NAME_WORD}){{0,3}})\s*$"
    rf"|(?:\n\s*)(?P<n2>{NAME_WORD}(?:\s+{NAME_WORD}){{0,2}})\s*$"
)
