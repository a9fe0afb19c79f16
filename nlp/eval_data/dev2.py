"""Second development set (names_dev2.jsonl): new sentence frames with the development names,
written to improve the rules without looking at the held-out set.

Run: python -m nlp.eval_data.dev2
"""

from __future__ import annotations

import json

from nlp.eval_data.build import HERE, NAMES, _fill

TEMPLATES = [
    "Went to the drop-in session and {F} {L} explained the plans really well.",
    "{F} {L}, 71, Ward 4 resident. The buses are the problem.",
    "Can {F} please get back to me about the tree outside number 40?",
    "my mate {f} lives on the estate and says the lifts are broken every week",
    "The petition was started by {F} {L} and has 300 names on it.",
    "I think {F} is right that the consultation should have been longer.",
    "Councillor {F} {L} never replies to emails.",
    "We moved here in 2015. My partner {F} works nights so the noise matters.",
    "Signed on behalf of the Friends of Victoria Park, {F} {L} (secretary)",
    "Big thanks to {F} at the library for helping me fill this in.",
    "As a parent governor (ask {F} {L}) I know how busy the school run is.",
    "Mrs. {L} has run the lunch club for 15 years and it must stay open.",
    "{F} {L} here. I oppose the closure of the day centre.",
    "Our carer {F} can't park anywhere near the house now.",
    "please dont close the youth club, its the only place me and {f} can go",
    "The officer I spoke to, {F} {L}, was very helpful.",
    "I was told by someone called {F} that the decision was already made.",
    "{F} {L} — 12 years on this street and it has never been this bad.",
    "The new plan is good. {F} and {G} from our block agree too.",
    "Please update {F} {L} when the survey results are out.",
    "mum says {f} from the mosque can translate the leaflet for the older residents",
    "Written by {F} {L} on behalf of my father who doesn't use computers.",
    "The caretakers ({F} and {G}) do a brilliant job.",
    "My son's teacher Mr {L} says the school has no money for trips.",
    "I'm {F} {L}, a disabled resident, and the new bus route leaves me stranded.",
    "{F} was knocked off her bike on this junction last year.",
    "We need more people like {F} {L} running the community garden.",
    "Hi, {F} here, I'm 16 and I think the skate park is a great idea",
    "Dr. {F} {L} at the practice has written to the council about this.",
    "Before {F} {L} retired the library was open six days a week.",
]


def build() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for o, (origin, (firsts, lasts)) in enumerate(NAMES.items()):
        for k in range(30):
            template = TEMPLATES[(k + 7 * o) % len(TEMPLATES)]
            first, last = firsts[(k * 5 + 3) % len(firsts)], lasts[(k * 11 + o) % len(lasts)]
            second = firsts[(k * 5 + 20) % len(firsts)]
            text, spans = _fill(template.replace("{G}", "\x00"), first, last)
            if "\x00" in text:
                s = text.index("\x00")
                text = text.replace("\x00", second)
                shift = len(second) - 1
                spans = [(a + (shift if a > s else 0), b + (shift if b > s else 0)) for a, b in spans]
                spans.append((s, s + len(second)))
                spans.sort()
            rows.append({"origin": origin, "text": text, "names": [[a, b] for a, b in spans]})
    return rows


def main() -> None:
    with (HERE / "names_dev2.jsonl").open("w", encoding="utf-8") as fh:
        for r in build():
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
