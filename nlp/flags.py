# ruff: noqa: E501  (lexicon lines: one rule's alternatives per line)
"""Rule-based flags routed to a human: safeguarding, abuse (incl. hate), spam.

Every rule has a name; a flag's reason is ``"<rule>: <matched words>"`` so an officer sees why.
Rules favour recall: a human always reviews a flag, and a missed disclosure costs far more than a
false alarm. For a young person the whole sentence is kept verbatim in the reason, for the
safeguarding lead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    kind: str
    name: str
    pattern: re.Pattern[str]


def _rx(*alts: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w])(?:" + "|".join(alts) + r")(?![\w])", re.IGNORECASE)


_ME = r"(?:me|us|my (?:mum|mom|mam|mother|sister|brother|baby|little brother|little sister))"
_PERP = (
    r"(?:my )?(?:step ?dad|step ?mum|dad|father|mum|mom|mam|mother|uncle|brother|boyfriend|girlfriend|"
    r"husband|wife|partner|ex|carer|foster (?:carer|parent|dad|mum)|teacher|coach|nan|grandad|"
    r"someone|somebody|he|she|they|an older (?:man|boy|person)|older boys|a man|a teacher)"
)

SAFEGUARDING: list[Rule] = [
    Rule(
        "safeguarding",
        "harm_at_home",
        _rx(
            rf"{_PERP} (?:hits?|hitting|hit|beats?|beating|beat|kicks?|kicked|punch(?:es|ed)?|slaps?|slapped|"
            rf"chokes?|choked|strangled?|burn(?:s|ed|t)|hurts?|hurting|hurt|threatens?|threatened|locks?|locked) {_ME}",
            r"(?:scared|afraid|frightened|too scared|don'?t want|do not want) (?:to go|of going) home",
            r"not safe (?:at|in my) home",
            r"don'?t feel safe (?:at|in my) home",
            r"unsafe at home",
            r"domestic (?:violence|abuse)",
            r"hits? (?:me|my mum)",
            r"beaten up (?:at home|by my)",
            r"(?:kicked|thrown|threw me) out (?:of (?:the|my) house|of home)",
            r"(?:not allowed|never allowed) to eat",
            r"no food (?:at|in the) home",
            r"locked (?:me )?in (?:my|the) room",
            r"sleeping (?:rough|on the streets?)",
            r"nowhere (?:safe )?to (?:sleep|live|stay)",
            r"(?:mum|dad|parents?) (?:is|are) (?:always )?(?:drunk|high|off (?:his|her|their) face)",
            r"bruises? (?:from|because of) (?:him|her|them|my)",
        ),
    ),
    Rule(
        "safeguarding",
        "abuse_disclosure",
        _rx(
            r"(?:sexually |physically |emotionally )?abused",
            r"(?:child|sexual) abuse",
            r"molest(?:ed|ing)?",
            r"touch(?:ed|es|ing) me",
            r"raped?",
            r"sexual(?:ly)? assault(?:ed)?",
            r"made me (?:do|touch|watch)",
            r"neglect(?:ed|s|ing)? (?:me|us|the kids|my (?:brother|sister|baby))",
            r"FGM",
            r"forced (?:to|into) marr(?:y|iage)",
            r"forced marriage",
            r"honou?r based",
            r"female genital",
            r"being bullied",
            r"bullied (?:every|all the time|at school)",
        ),
    ),
    Rule(
        "safeguarding",
        "self_harm",
        _rx(
            r"self[- ]?harm(?:ing|ed)?",
            r"cut(?:ting)? myself",
            r"cuts? on my (?:arms?|legs?|wrists?)",
            r"hurt(?:ing)? myself",
            r"kill(?:ing)? myself",
            r"end(?:ing)? (?:it all|my life)",
            r"take my (?:own )?life",
            r"suicid(?:e|al)",
            r"want(?:ed)? to die",
            r"don'?t want to (?:be here|live|be alive)",
            r"better off (?:dead|without me)",
            r"overdos(?:e|ed|ing)",
            r"no (?:point|reason) (?:in )?living",
            r"can'?t go on",
            r"starv(?:e|ing) myself",
            r"making myself sick",
        ),
    ),
    Rule(
        "safeguarding",
        "exploitation",
        _rx(
            r"groomed",
            r"grooming (?:me|us|gangs?|children|kids|young)",
            r"county lines?",
            r"(?:made|make|forced|told) (?:me|us) (?:to )?(?:sell|carry|deliver|hold|move) (?:drugs|stuff|packages?|weed|things)",
            r"(?:sell|selling|run|running|deliver|delivering) drugs for",
            r"owe (?:them|him|people) money",
            r"(?:send|sent|share|shared) (?:nudes|naked|pictures of (?:me|myself)|photos of (?:me|myself))",
            r"(?:older|grown) (?:man|men|guy|guys|boys) (?:gave|give|gives) (?:me|us)",
            r"(?:sexual|child) exploitation",
            r"\bCSE\b",
            r"\bCCE\b",
            r"trafficked|trafficking",
            r"modern slavery",
            r"working for no (?:money|pay)",
            r"took my passport",
        ),
    ),
]
# Extra phrases that, from a young person, should reach the safeguarding lead.
YOUNG_PERSON_EXTRA: list[Rule] = [
    Rule(
        "safeguarding",
        "young_person_distress",
        _rx(
            r"no one (?:listens|cares|helps)",
            r"nobody (?:listens|cares|helps)",
            r"scared of (?:him|her|them|my)",
            r"(?:gang|gangs) (?:round|near|outside) my (?:house|home|school)",
            r"carry(?:ing)? a knife",
            r"(?:got|been|was) (?:stabbed|jumped|robbed)",
            r"(?:police|officers?) (?:hit|hurt|beat|strip[- ]searched) (?:me|us)",
            r"strip[- ]search(?:ed)?",
            r"(?:hungry|starving) (?:all the time|at home)",
            r"(?:I'?m|I am) (?:a )?young carer",
        ),
    ),
]

# Slurs and hate are kept as word stems; matched case-insensitively on word boundaries.
_SLURS = [
    r"n[i1!]gg(?:er|a|ah|az|ers)s?",
    r"nig nogs?",
    r"w[o0]gs?",
    r"p[a@]k[i1]s?",
    r"paki ?bashing",
    r"coons?",
    r"spics?",
    r"chinks?",
    r"gooks?",
    r"k[i1]kes?",
    r"yids?",
    r"towel ?heads?",
    r"rag ?heads?",
    r"sand n\w+",
    r"gypos?",
    r"pikeys?",
    r"tinkers",
    r"golliwogs?",
    r"jungle bunn(?:y|ies)",
    r"monkeys? (?:go home|back to)",
    r"darkies",
    r"half[- ]?castes?",
    r"polacks?",
    r"faggots?",
    r"fags",
    r"dykes?",
    r"trann(?:y|ies)",
    r"retards?",
    r"spastics?",
    r"mongs?",
    r"muzzies?",
    r"muzzrats?",
]
_HATE = [
    r"go back (?:to|where) (?:your|you) (?:own )?(?:country|came from|belong)",
    r"send (?:them|'?em|the \w+) (?:all )?(?:back|home)",
    r"(?:they|these people) should(?:n'?t)? (?:all )?be (?:deported|sent back|shot|gassed)",
    (
        r"(?:immigrants|migrants|foreigners|refugees|asylum seekers|muslims|jews|blacks|gypsies|travellers|gays|poles|romanians)"
        r" (?:are|r) (?:all )?(?:vermin|animals|scum|rats|parasites|cockroaches|filth|subhuman|a disease|criminals|rapists)"
    ),
    r"(?:kill|gas|hang|shoot) (?:all )?(?:the )?(?:immigrants|migrants|muslims|jews|blacks|gays|foreigners)",
    r"white (?:power|pride) world ?wide",
    r"\b14 ?88\b",
    r"sieg heil",
    r"heil hitler",
    r"hitler was right",
    r"(?:invasion|invaders) of (?:our|this) country",
    r"great replacement",
]
_ABUSE = [
    r"f+u+c+k+ (?:off|you|u)",
    r"fuck(?:ing|in)? (?:idiots?|morons?|useless|scum|clowns?|cunts?)",
    r"c+u+n+t+s?",
    r"wankers?",
    r"tossers?",
    r"twats?",
    r"bastards?",
    r"bitch(?:es)?",
    r"dickheads?",
    r"arseholes?",
    r"assholes?",
    r"pricks",
    r"scumbags?",
    r"slags?",
    r"whores?",
    r"sluts?",
    r"piece of (?:shit|crap)",
    r"shut (?:the fuck|your (?:mouth|face)) up",
    r"(?:i'?ll|i will|we'?ll|we will|gonna|going to) (?:kill|hurt|stab|shoot|find|burn) (?:you|u|him|her|them|the (?:councillor|officer|planners?))",
    r"(?:should|ought to|deserves? to) (?:be )?(?:shot|hanged|hung|die|burn|killed)",
    r"burn (?:down )?(?:the|your) (?:council|office|house)",
    r"kys",
    r"you(?:'re| are) (?:all )?(?:idiots|morons|scum|useless idiots|a disgrace to humanity)",
]
ABUSE: list[Rule] = [
    Rule("abuse", "slur", _rx(*_SLURS)),
    Rule("abuse", "hate", _rx(*_HATE)),
    Rule("abuse", "abusive_language", _rx(*_ABUSE)),
]

SPAM: list[Rule] = [
    Rule(
        "spam",
        "commercial",
        _rx(
            r"buy now",
            r"click (?:here|the link|below)",
            r"limited (?:time )?offer",
            r"free (?:trial|gift|money|bitcoin)",
            r"(?:crypto|bitcoin|forex|nft)s? (?:trading|investment|signals|opportunity)",
            r"casino",
            r"viagra",
            r"cialis",
            r"payday loans?",
            r"cheap (?:loans?|meds|pills|watches)",
            r"earn \$?£?\d+ (?:a|per) (?:day|week|hour)",
            r"work from home and earn",
            r"seo services",
            r"backlinks?",
            r"promo code",
            r"discount code",
            r"visit (?:my|our) (?:website|site|page)",
            r"dm (?:me|us) for",
            r"whatsapp (?:me|us) (?:on|at)",
            r"weight loss pills?",
            r"make money (?:fast|online)",
            r"100% (?:free|guaranteed)",
            r"act now",
            r"congratulations,? you (?:have )?won",
            r"subscribe to my",
        ),
    ),
]

_URL_RX = re.compile(r"https?://|www\.", re.IGNORECASE)
_REPEAT_RX = re.compile(r"(.)\1{9,}")
_WORD_RX = re.compile(r"[A-Za-z']+")


def _sentence_around(text: str, start: int, end: int) -> str:
    s = max(text.rfind(".", 0, start), text.rfind("!", 0, start), text.rfind("?", 0, start), text.rfind("\n", 0, start))
    ends = [i for i in (text.find(".", end), text.find("!", end), text.find("?", end), text.find("\n", end)) if i != -1]
    e = min(ends) + 1 if ends else len(text)
    return text[s + 1 : e].strip()


def find_flags(text: str, *, young_person: bool = False) -> list[tuple[str, str]]:
    """Return (kind, reason) pairs, one per rule that matched (first match quoted)."""
    out: list[tuple[str, str]] = []
    rules = SAFEGUARDING + (YOUNG_PERSON_EXTRA if young_person else []) + ABUSE + SPAM
    for rule in rules:
        m = rule.pattern.search(text)
        if not m:
            continue
        if rule.kind == "safeguarding" and young_person:
            reason = f'{rule.name} (young person, verbatim): "{_sentence_around(text, m.start(), m.end())}"'
        else:
            reason = f'{rule.name}: "{m.group(0)}"'
        out.append((rule.kind, reason))
    # structural spam signals
    if not any(k == "spam" for k, _ in out):
        n_urls = len(_URL_RX.findall(text))
        words = _WORD_RX.findall(text)
        if n_urls >= 2:
            out.append(("spam", f"many_links: {n_urls} links"))
        elif _REPEAT_RX.search(text):
            out.append(("spam", "repeated_characters"))
        elif len(words) >= 12 and len({w.lower() for w in words}) / len(words) < 0.2:
            out.append(("spam", "repeated_words"))
    return out
