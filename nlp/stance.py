# ruff: noqa: RUF001  (typographic apostrophes and dashes are matched on purpose)
"""Lexicon stance toward the consultation question: support / oppose / mixed / neutral.

Cue phrases carry a weight; a negation within three words before a cue flips it ("not a good
idea", "don't support"). Both sides present with neither dominating -> "mixed".
"""

from __future__ import annotations

import re

STANCES = ("support", "oppose", "mixed", "neutral")

_POS: dict[str, float] = {
    # added after checking against NHS feedback criticality
    "grateful": 1.5, "appreciate": 1, "appreciated": 1, "listened": 1, "reassured": 1, "comfortable": 1,
    "informative": 1, "knowledgeable": 1, "approachable": 1, "compassionate": 1.5, "fab": 1, "fabulous": 1.5,
    "best": 1, "satisfied": 1, "understanding": 0.5, "thank": 1, "valued": 1, "helped": 1,
    "much needed": 1.5, "vital": 1,
    # explicit stance
    "support": 2,
    "supports": 2,
    "supported": 1,
    "supportive": 2,
    "agree": 2,
    "agreed": 1.5,
    "in favour": 2,
    "in favor": 2,
    "favour": 1,
    "welcome": 1.5,
    "welcomed": 1,
    "welcoming": 1,
    "good idea": 2,
    "great idea": 2,
    "excellent idea": 2,
    "sensible": 1.5,
    "makes sense": 1.5,
    "long overdue": 2,
    "about time": 1.5,
    "go ahead": 1,
    "yes": 1.5,
    "definitely": 0.5,
    "fully back": 2,
    "back this": 2,
    "backing": 1,
    "all for": 2,
    "for it": 1,
    "endorse": 2,
    # evaluation
    "good": 1,
    "great": 1,
    "excellent": 1.5,
    "brilliant": 1.5,
    "fantastic": 1.5,
    "amazing": 1.5,
    "wonderful": 1.5,
    "superb": 1.5,
    "outstanding": 1.5,
    "perfect": 1.5,
    "lovely": 1,
    "love": 1,
    "loved": 1,
    "like": 0.5,
    "liked": 1,
    "happy": 1,
    "pleased": 1,
    "helpful": 1,
    "friendly": 1,
    "kind": 1,
    "caring": 1,
    "polite": 1,
    "professional": 1,
    "efficient": 1,
    "quick": 0.5,
    "clean": 0.5,
    "safe": 0.5,
    "safer": 1,
    "better": 0.5,
    "benefit": 1,
    "beneficial": 1.5,
    "positive": 1,
    "thank you": 1,
    "thanks": 0.5,
    "well done": 1.5,
    "nice": 1,
    "easy": 0.5,
    "reassuring": 1,
    "respectful": 1,
    "attentive": 1,
    "brilliant service": 2,
    "nothing to improve": 2,
    "couldn't be improved": 2,
    "could not be improved": 2,
    "no complaints": 2,
    "nothing could be improved": 2,
    "can't fault": 2,
    "cannot fault": 2,
    "couldn't fault": 2,
    "keep it up": 1.5,
    "recommend": 1,
}
_NEG: dict[str, float] = {
    # added after checking against NHS feedback criticality
    "late": 1, "cancelled": 1, "no one": 1, "nobody": 1, "lack": 1, "unable": 0.5, "difficult": 1,
    "hard to": 1, "slow": 1, "expensive": 1, "confusing": 1, "complaint": 1, "complain": 1, "poorly": 1,
    "wrong": 1, "mistake": 1, "failed": 1, "fail": 1, "impossible": 1.5, "stressful": 1, "could be better": 1.5,
    "could have been": 0.5, "would be nice": 0.5, "too": 0.5, "unacceptable": 2, "nightmare": 1.5,
    "not happy": 1.5, "ruin": 1.5, "ruined": 1.5, "destroy": 1.5, "harm": 1, "damage": 1, "loss": 1,
    "oppose": 2,
    "opposed": 2,
    "opposing": 2,
    "against": 1.5,
    "object": 2,
    "objection": 2,
    "disagree": 2,
    "reject": 2,
    "bad idea": 2,
    "terrible idea": 2,
    "stupid idea": 2,
    "no to": 1.5,
    "scrap": 1.5,
    "stop this": 2,
    "do not want": 1.5,
    "don't want": 1.5,
    "dont want": 1.5,
    "should not": 1,
    "shouldn't": 1,
    "must not": 1.5,
    "won't work": 1.5,
    "will not work": 1.5,
    "waste": 1.5,
    "waste of money": 2,
    "ridiculous": 1.5,
    "absurd": 1.5,
    "madness": 1.5,
    "no": 0.5,
    "never": 0.5,
    "nonsense": 1.5,
    "pointless": 1.5,
    "unnecessary": 1.5,
    # evaluation
    "bad": 1,
    "poor": 1,
    "terrible": 1.5,
    "awful": 1.5,
    "horrible": 1.5,
    "dreadful": 1.5,
    "appalling": 1.5,
    "disgraceful": 1.5,
    "disgrace": 1.5,
    "shocking": 1,
    "rude": 1.5,
    "unhelpful": 1.5,
    "worse": 1,
    "worst": 1.5,
    "dangerous": 1,
    "unsafe": 1,
    "unfair": 1,
    "concerned": 1,
    "concern": 0.5,
    "concerns": 0.5,
    "worried": 1,
    "worry": 0.5,
    "problem": 0.5,
    "problems": 0.5,
    "issue": 0.3,
    "unhappy": 1.5,
    "disappointed": 1.5,
    "disappointing": 1.5,
    "frustrated": 1,
    "frustrating": 1,
    "angry": 1,
    "upset": 1,
    "long wait": 1,
    "waited": 0.5,
    "waiting": 0.3,
    "delay": 0.5,
    "delays": 0.5,
    "dirty": 1,
    "cold": 0.3,
    "noisy": 0.5,
    "lack of": 1,
    "not enough": 1,
    "too long": 1,
    "too much": 0.5,
    "ignored": 1,
    "didn't listen": 1.5,
    "did not listen": 1.5,
    "hate": 1.5,
    "congestion": 0.5,
    "should be": 0.3,
    "could be": 0.2,
    "needs to": 0.3,
    "need to": 0.3,
    "more staff": 0.5,
}
_NEGATORS = {
    "not",
    "no",
    "never",
    "n't",
    "dont",
    "don't",
    "didn't",
    "didnt",
    "isn't",
    "isnt",
    "wasn't",
    "hardly",
    "without",
    "nor",
    "cannot",
    "can't",
    "won't",
    "wouldn't",
    "doesn't",
    "nothing",
}
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def _compile(lex: dict[str, float]) -> list[tuple[re.Pattern[str], float, int]]:
    out = []
    for phrase, w in sorted(lex.items(), key=lambda kv: -len(kv[0])):
        out.append((re.compile(r"(?<![a-z'])" + re.escape(phrase) + r"(?![a-z'])"), w, phrase.count(" ") + 1))
    return out


_POS_RX = _compile(_POS)
_NEG_RX = _compile(_NEG)


def _score(text: str) -> tuple[float, float]:
    low = text.lower().replace("’", "'")
    pos = neg = 0.0
    used: list[tuple[int, int]] = []
    for rx_list, sign in ((_POS_RX, 1), (_NEG_RX, -1)):
        for rx, w, _n in rx_list:
            for m in rx.finditer(low):
                if any(m.start() < b and a < m.end() for a, b in used):
                    continue
                used.append(m.span())
                before = _WORD.findall(low[max(0, m.start() - 30) : m.start()])[-3:]
                negated = any(b in _NEGATORS or b.endswith("n't") for b in before)
                # "no" and "nothing" on their own are cues, not negators of what follows them
                s = -sign if negated else sign
                if s > 0:
                    pos += w
                else:
                    neg += w
    return pos, neg


def stance(text: str) -> str:
    pos, neg = _score(text)
    if pos < 0.75 and neg < 0.75:
        return "neutral"
    if pos >= 2 * neg + 0.5:
        return "support"
    if neg >= 2 * pos + 0.5:
        return "oppose"
    return "mixed"
