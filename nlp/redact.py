# ruff: noqa: RUF001  (typographic apostrophes and dashes are matched on purpose)
"""Redaction of personal data: combine regex detectors with spaCy NER and name cue patterns."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from nlp import patterns
from nlp.patterns import Span

LABELS = ("EMAIL", "URL", "HANDLE", "PHONE", "POSTCODE", "ADDRESS", "NAME")
# Lower number wins when spans overlap.
PRIORITY = {"EMAIL": 0, "URL": 1, "HANDLE": 2, "PHONE": 3, "POSTCODE": 4, "ADDRESS": 5, "NAME": 6}

# Capitalised words that are not names even when a cue precedes them.
NOT_NAME = {
    w.lower()
    for w in """Ie Eg Etc Re Fyi Asap Redacted Physio Therapist
    I I'm Im I've Ive Id I'd The A An This That These Those It Its We They He She You Your My Our
    Their His Her Him Them Me Us And Or But If So Not No Yes Very Really Just Also Still Now Then
    There Here When Where What Who Why How Which All Any Some Every Each Many Much More Most Monday
    Tuesday Wednesday Thursday Friday Saturday Sunday Mon Tue Tues Wed Thu Thur Thurs Fri Sat Sun
    January February March April May June July August September October November December Today
    Tomorrow Yesterday Morning Evening Council Councils Councillor Street Road Avenue Lane Close
    Park Centre Center Hospital School Surgery Ward Team Department Service Services Office Church
    Mosque Temple Synagogue Library NHS GP A&E Police Government Minister Mayor Borough City Town
    Village Estate Station British English Scottish Welsh Irish European African Caribbean Asian
    Indian Pakistani Bangladeshi Somali Turkish Polish Romanian Jewish Muslim Christian Hindu Sikh
    Black White Concerned Worried Happy Sad Sorry Disabled Pregnant Retired Unemployed Homeless Old
    Young Thanks Thank Regards Cheers Best Kind Dear Hi Hello Please Sincerely Yours Love Sir Madam
    Mr Mrs Ms Miss Dr Prof Mum Dad Nan Gran Grandad Grandma Son Daughter Husband Wife Agree Disagree
    Support Oppose Against Sure Not Fine Good Great Well Ok Okay Totally Fully Absolutely Definitely
    Strongly Resident Residents Neighbour Neighbours Parent Parents Carer Everyone Everybody Anyone
    Nobody Someone Somebody Nothing Something Anything Everything Covid Brexit Labour Tory Tories
    Conservative Conservatives Liberal Green Greens Reform UK
""".split()  # noqa: SIM905
}

_NAME_TOKEN_RE = re.compile(patterns.NAME_WORD)


def _trim_name(
    text: str, start: int, end: int, stop: frozenset[str] | set[str] | None = None
) -> tuple[int, int] | None:
    """Trim leading/trailing words of a candidate that are not name-like; None if nothing is left."""
    words = [(m.start() + start, m.end() + start, m.group(0)) for m in re.finditer(r"\S+", text[start:end])]
    stop_words = NOT_NAME if stop is None else stop

    def ok(w: str) -> bool:
        w = w.strip(".,;:!?\"'()[]")
        if not w or w.lower() in stop_words or w.lower() in ENGLISH_STOP_WORDS:
            return False
        if not w[0].isupper():
            return False
        if len(w) > 1 and w.isupper() and not w.endswith("."):
            return False  # acronyms: NHS, GP
        return any(c.isalpha() for c in w)

    while words and not ok(words[0][2]):
        words.pop(0)
    while words and not ok(words[-1][2]):
        words.pop()
    if not words:
        return None
    s, e = words[0][0], words[-1][1]
    while e > s and text[e - 1] in ".,;:!?\"')]":
        e -= 1
    # a single capital letter on its own is not a name
    if e - s <= 1:
        return None
    # "Street Name" words inside a span: cut at the first NOT_NAME word
    inner = [(a, b, w) for a, b, w in words if a < e]
    for i, (_a, _b, w) in enumerate(inner):
        if i > 0 and not ok(w):
            e = inner[i - 1][1]
            while e > s and text[e - 1] in ".,;:!?\"')]":
                e -= 1
            break
    return (s, e) if e - s > 1 else None


def pattern_spans(text: str) -> list[Span]:
    """Regex detectors for everything but names."""
    spans: list[Span] = []
    spans.extend(patterns.find_emails(text))
    spans.extend(patterns.find_urls(text))
    spans.extend(patterns.find_handles(text))
    spans.extend(patterns.find_phones(text))
    spans.extend(patterns.find_postcodes(text))
    spans.extend(patterns.find_addresses(text))
    return spans


def name_cue_spans(text: str) -> list[Span]:
    """Names found by titles ("Mrs Okafor"), cues ("my son Kwame", "my name is ...") and sign-offs."""
    spans: list[Span] = []
    for m in patterns.TITLE_RE.finditer(text):
        t = _trim_name(text, m.start("n"), m.end("n"), stop=_NOT_SURNAME)
        if t:
            spans.append((t[0], t[1], "NAME"))
    for m in patterns.CUE_RE.finditer(text):
        t = _trim_name(text, m.start("n"), m.end("n"))
        if not t:
            continue
        first = text[t[0] : t[1]].split()[0]
        # after a weak cue ("I'm", "thanks", "tell") a common word is not a name: "I'm Worried"
        if m.group("weak") and is_common(first):
            continue
        spans.append((t[0], t[1], "NAME"))
    for m in patterns.SIGNOFF_RE.finditer(text):
        g = "n" if m.group("n") else "n2"
        if m.group(g):
            t = _trim_name(text, m.start(g), m.end(g))
            if t:
                spans.append((t[0], t[1], "NAME"))
    return spans


_TITLES = {
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "doctor",
    "prof",
    "professor",
    "sir",
    "dame",
    "cllr",
    "councillor",
    "rev",
    "father",
    "sister",
    "imam",
    "rabbi",
    "pastor",
    "aunty",
    "auntie",
    "uncle",
    "nurse",
    "officer",
    "pc",
    "sgt",
    "mum",
    "dad",
    "nan",
    "gran",
    "grandad",
    "grandma",
}
_OBJECT_WORDS = {
    "me",
    "us",
    "them",
    "him",
    "her",
    "it",
    "the",
    "a",
    "an",
    "to",
    "your",
    "our",
    "my",
    "this",
    "that",
    "all",
}
_SENT_START = re.compile(r"(?:^|[.!?]\s+|\n\s*)$")


# Sentence openers that are not first names: "Call Kwame", "Thanks Ama", "Ask Dov".
_OPENERS = set(
    """call ask tell thanks thank hi hello hey dear contact email ring text message phone please cheers love
    regards see meet sorry congratulations welcome also and but so yes no well ok okay go speak talk write
    invite remind let help get""".split()  # noqa: SIM905
)


def _at_sentence_start(text: str, pos: int) -> bool:
    before = text[max(0, pos - 40) : pos]
    return not before.strip() or before.rstrip()[-1] in '.!?\n"(' or before.endswith("\n")


def ner_name_spans(text: str, ents: Iterable[tuple[int, int, str]]) -> list[Span]:
    spans: list[Span] = []
    for s, e, label in ents:
        if label != "PERSON":
            continue
        # keep only what follows a title inside the entity ("Call Mrs Aylin Yilmaz")
        matches = list(re.finditer(r"\S+", text[s:e]))
        for w in reversed(matches[:-1]):
            if w.group(0).rstrip(".").lower() in _TITLES:
                s = s + w.end()
                break
        t = _trim_name(text, s, e)
        if not t:
            continue
        words = text[t[0] : t[1]].split()
        if len(words) > 1 and _base(words[0]) in _OPENERS and _at_sentence_start(text, t[0]):
            # "Call Kwame" tagged as one PERSON: drop the sentence-initial common word
            t = (
                t[0] + len(words[0]) + (len(text[t[0] + len(words[0]) :]) - len(text[t[0] + len(words[0]) :].lstrip())),
                t[1],
            )
            words = words[1:]
        if any(_is_acronym(w) for w in words):
            continue
        # the small model tags sentence-initial common words ("Felt", "Rang") as PERSON: a common
        # word alone needs a person frame
        if len(words) == 1 and is_common(words[0]):
            before, after = text[max(0, t[0] - 40) : t[0]], text[t[1] : t[1] + 40]
            if not (_PRE_PERSON.search(before) or _POST_PERSON.match(after) or _POST_WEAK.match(after)):
                continue
        # "Email me ...", "Ask the council ...": a lone capitalised verb at a sentence start
        if " " not in text[t[0] : t[1]] and _SENT_START.search(text[: t[0]]):
            nxt = re.match(r"\s+([A-Za-z']+)", text[t[1] :])
            if nxt and nxt.group(1).lower() in _OBJECT_WORDS:
                continue
        spans.append((t[0], t[1], "NAME"))
    return spans


def extend_coordinated(text: str, spans: list[Span]) -> list[Span]:
    """ "Kwame and Ama", "Ayse, Mehmet and Zeynep": capitalised words coordinated with a found name."""
    extra: list[Span] = []
    names = [sp for sp in spans if sp[2] == "NAME"]
    coord = re.compile(
        rf"(?:\s*,\s*|\s+(?:and|&|or)\s+|\s*/\s*)(?P<n>{patterns.NAME_WORD}(?:\s+{patterns.NAME_WORD})?)"
    )
    for _s, e, _l in names:
        pos = e
        while True:
            m = coord.match(text, pos)
            if not m:
                break
            t = _trim_name(text, m.start("n"), m.end("n"))
            if not t or t[0] != m.start("n"):
                break
            extra.append((t[0], t[1], "NAME"))
            pos = t[1]
    # backwards: "(Sophie and [Kwame])", "Carlton and [Ama] from our block"
    back = re.compile(rf"(?P<n>{patterns.NAME_WORD})(?:\s*,\s*|\s+(?:and|&|or)\s+|\s*/\s*)$")
    for s, _e, _l in names:
        m = back.search(text[max(0, s - 60) : s])
        if not m:
            continue
        off = max(0, s - 60)
        t = _trim_name(text, off + m.start("n"), off + m.end("n"))
        if t and not _is_acronym(text[t[0] : t[1]]):
            extra.append((t[0], t[1], "NAME"))
    return extra


DATA_DIR = Path(__file__).with_name("data")


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Lower-case English words (SCOWL, proper nouns excluded) plus the NOT_NAME list."""
    words = (DATA_DIR / "english_words.txt").read_text(encoding="utf-8").split()
    return frozenset(words) | frozenset(NOT_NAME) | frozenset(_EXTRA_COMMON)


_EXTRA_COMMON = set(
    """
    im ive id dont didnt doesnt wasnt isnt cant wont couldnt wouldnt shouldnt ok okay lol omg tbh
    btw pls plz thx u ur ya yeah yep nope gonna wanna gotta kinda sorta innit bruv mate mum nan gp
    nhs covid covid19 wifi online email emails website app apps councillors lockdown physio
    physiotherapist x-ray thankyou helpfull fab alright ok okey biodiversity referral referrals
    """.split()  # noqa: SIM905
)


def _base(word: str) -> str:
    w = word.lower().replace("’", "'")
    for suffix in ("'s", "'"):
        if w.endswith(suffix):
            w = w[: -len(suffix)]
    return w


def is_common(word: str) -> bool:
    w = _base(word.strip(".,;:!?\"'()[]"))
    if not w:
        return True
    words = common_words()
    w2 = w.replace("'", "").replace("-", "")
    return w in words or w2 in words or (w.endswith("s") and w[:-1] in words)


_STOP = frozenset(ENGLISH_STOP_WORDS) | NOT_NAME
# Words that never continue a name ("Lucy White" does: colours and the like may be surnames).
_NOT_SURNAME = frozenset(
    NOT_NAME
    - set(
        """white black green brown young old well best love hall king sun may june april hope kind senior ward
        park hill wood lane close church gold rose grant ali son miss english welsh scott london fine sure
        strongly""".split()  # noqa: SIM905
    )
)
_WORD_RE = re.compile(r"[^\W\d_][\w'’\-]*|\S")
_NONPERSON_ENTS = {"GPE", "LOC", "ORG", "FAC", "NORP", "PRODUCT", "EVENT", "WORK_OF_ART", "LANGUAGE", "LAW"}
# Words right before a name: a relation or role ("my friend"), or a verb aimed at a person.
_PRE_PERSON = re.compile(
    rf"(?i:(?:\b(?:my|our|his|her|their|the|a)\s+(?:\w+\s+)?(?:{patterns._REL})\s*,?\s*"
    r"|\b(?:me and|myself and|call|ask|tell|told|asked|thank|thanks|thanked|contact|ring|text|message|"
    r"dear|hi|hello|hey|i'm|i am|im|its|it's|this is|called|named|signed|regards|love|spoke to|speak to|"
    r"talk to|talked to|said to|with|thanks to|thank you to|grateful to|says|said|update|inform|informed)\s*,?\s*))$"
)
_PRE_WEAK = re.compile(r"(?i:\b(?:and|for|to|by|from|is|was|when|what|both|note)\s*,?\s*)$")
_POST_PERSON = re.compile(
    r"^(?:['’]s\s+(?:mum|mam|mom|dad|mother|father|son|daughter|wife|husband|kids|children|brother|"
    r"sister|house|flat|car|family|partner|nan|gran|friends?|baby)\b"
    r"|\s+(?:and I|and me|and myself|from number|from no\b|from flat|from next door|says|said|told|"
    r"thinks|thought|reckons|agrees|agreed|asked|wants|wanted|at the council|at the housing|"
    r"and the kids|and her|and his|and their|family|deserves)\b)",
    re.IGNORECASE,
)
_POST_WEAK = re.compile(
    r"^\s+(?:who|back|does a|did a|is|was|were|has|had|will|would|can|could|did|does|should|must|might|please|"
    r"lives|lived|goes|went|walks|"
    r"walked|uses|used|can't|cannot|couldn't|fell|got|from the|objects|plays|runs|and the)\b",
    re.IGNORECASE,
)


_PLACE_PREP = re.compile(
    r"(?i:\b(?:in|into|to|at|from|near|around|outside|towards|across|via|visit|visited|of|through|round)\s+(?:the\s+)?)$"
)
_INSTITUTION = {
    "council",
    "councils",
    "centre",
    "center",
    "hospital",
    "school",
    "college",
    "university",
    "surgery",
    "ward",
    "team",
    "department",
    "service",
    "services",
    "office",
    "church",
    "mosque",
    "temple",
    "synagogue",
    "library",
    "nhs",
    "police",
    "government",
    "trust",
    "ltd",
    "limited",
    "plc",
    "group",
    "association",
    "society",
    "club",
    "park",
    "street",
    "road",
    "avenue",
    "lane",
    "station",
    "estate",
    "partnership",
    "board",
    "authority",
    "committee",
    "foundation",
    "charity",
    "company",
    "bank",
    "market",
    "shop",
    "store",
    "cafe",
    "pub",
    "hotel",
    "practice",
    "clinic",
    "unit",
    "house",
    "court",
    "hall",
    "academy",
    "nursery",
    "project",
    "network",
    "forum",
    "union",
}


def _is_acronym(w: str) -> bool:
    """NHS, GP, HCAs, MPs, DTi, but not McDonald or O'Neill."""
    if len(w) > 1 and w.isupper():
        return True
    inner = sum(1 for c in w[1:] if c.isupper())
    return (
        inner >= 1
        and w[:1].isupper()
        and not re.match(r"(?:Mc|Mac|O['’]|D['’]|De|Di|Da|La|Le|Van|Von|Al-|El-)", w)
        and "-" not in w
    )


def context_name_spans(text: str, ents: Iterable[tuple[int, int, str]] = ()) -> list[Span]:
    """Names without NER help: capitalised words that are not English words, or words in a
    person frame ("me and my friend X", "X says", "X's mum", "call X back", "the X family")."""
    nonperson = [(s, e) for s, e, label in ents if label in _NONPERSON_ENTS]
    places = [(s, e) for s, e, label in ents if label in ("GPE", "LOC", "NORP")]
    nonperson_strong = [
        (s, e)
        for s, e, label in ents
        if label in _NONPERSON_ENTS and any(w.lower().strip(".,") in _INSTITUTION for w in text[s:e].split())
    ]
    toks = [(m.start(), m.end(), m.group(0)) for m in _WORD_RE.finditer(text)]
    out: list[Span] = []
    name_idx: set[int] = set()
    for i, (s, e, w) in enumerate(toks):
        if not w[0].isalpha():
            continue
        low = _base(w)
        if low in NOT_NAME or _is_acronym(w) or len(low) < 2:
            continue
        cap = w[0].isupper()
        common = is_common(w)
        before = text[max(0, s - 40) : s]
        sent_start = not before.strip() or before.rstrip()[-1] in '.!?\n"(' or before.endswith("\n")
        after = text[e - 2 : e + 40] if w.endswith(("'s", "’s")) else text[e : e + 40]
        pre_p = bool(_PRE_PERSON.search(before))
        post_p = bool(_POST_PERSON.match(after))
        person_frame = pre_p or post_p
        weak_frame = bool(_PRE_WEAK.search(before) or _POST_WEAK.match(after))
        # the small NER model often calls an unfamiliar name ORG or GPE; trust it only for a place
        # after a place preposition ("went to Leeds") or an entity with an institution word
        if not person_frame and any(a <= s < b for a, b in nonperson_strong):
            continue
        if not person_frame and any(a <= s < b for a, b in places):
            continue
        if not person_frame and _PLACE_PREP.search(before) and any(a <= s < b for a, b in nonperson):
            continue
        if cap and not common and not sent_start:
            name_idx.add(i)  # unknown capitalised word mid-sentence
        elif cap and not common and (person_frame or weak_frame):
            name_idx.add(i)
        elif cap and common and not sent_start and pre_p and (post_p or weak_frame):
            name_idx.add(i)  # "my friend Grace says"
        elif not cap and not common and person_frame and len(low) > 2:
            name_idx.add(i)  # "me and my friend babajide"
    # extend to adjacent surname-like words ("Folake Danso", "eimear sheehan")
    changed = True
    while changed:
        changed = False
        for i in sorted(name_idx):
            for j in (i - 1, i + 1):
                if j < 0 or j >= len(toks) or j in name_idx:
                    continue
                s, e, w = toks[j]
                gap = text[min(toks[i][1], e) : max(toks[i][0], s)]
                if gap != " " or not w[0].isalpha() or _base(w) in _NOT_SURNAME:
                    continue
                if j < i and _base(w) in _OPENERS and _at_sentence_start(text, s):
                    continue  # "Call Kwame", "Thanks Ama": a verb or greeting, not a first name
                if (w[0].isupper() and not _is_acronym(w)) or (not is_common(w) and len(w) > 2 and w[0].isalpha()):
                    name_idx.add(j)
                    changed = True
    for i in sorted(name_idx):
        s, e, w = toks[i]
        if w.endswith(("'s", "’s")):
            e -= 2
        out.append((s, e, "NAME"))
    return out


def resolve(spans: Sequence[Span]) -> list[Span]:
    """Remove overlaps: higher priority first, then longer spans; merge touching NAME spans."""
    ordered = sorted(set(spans), key=lambda sp: (PRIORITY[sp[2]], -(sp[1] - sp[0]), sp[0]))
    taken: list[Span] = []
    for sp in ordered:
        if sp[1] <= sp[0]:
            continue
        if any(sp[0] < t[1] and t[0] < sp[1] for t in taken):
            # a NAME overlapping a higher-priority span: keep the part before it, if any
            continue
        taken.append(sp)
    taken.sort()
    return taken


def apply(text: str, spans: Sequence[Span]) -> str:
    out: list[str] = []
    pos = 0
    for s, e, label in spans:
        out.append(text[pos:s])
        out.append(f"[{label}]")
        pos = e
    out.append(text[pos:])
    return "".join(out)


def find_all(text: str, ents: Iterable[tuple[int, int, str]] = ()) -> list[Span]:
    spans = pattern_spans(text)
    spans.extend(name_cue_spans(text))
    ents = list(ents)
    spans.extend(ner_name_spans(text, ents))
    spans.extend(context_name_spans(text, ents))
    spans.extend(extend_coordinated(text, spans))
    return resolve(_merge_names(text, spans))


def _merge_names(text: str, spans: list[Span]) -> list[Span]:
    """Join NAME spans separated by a single space into one span."""
    names = sorted({sp for sp in spans if sp[2] == "NAME"})
    others = [sp for sp in spans if sp[2] != "NAME"]
    merged: list[list[int]] = []
    for s, e, _l in names:
        if merged and s <= merged[-1][1] + 1 and text[merged[-1][1] : s].strip() == "":
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return others + [(s, e, "NAME") for s, e in merged]
