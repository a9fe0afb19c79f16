from __future__ import annotations

import json
import socket
from collections import Counter
from pathlib import Path

import pytest
from spacy.language import Language

from nlp.analysis import CommentAnalysis, Flag, Redaction, analyse, analyse_text
from nlp.pipeline import load_pipeline

EVAL_DIR = Path(__file__).resolve().parents[2] / "nlp" / "eval_data"


def _one(nlp: Language, text: str, young: bool = False) -> CommentAnalysis:
    return analyse(nlp, [text], young_person=[young])[0]


@pytest.mark.parametrize(
    ("text", "needle", "label"),
    [
        ("Contact me on sam.jones@example.co.uk please", "sam.jones@example.co.uk", "EMAIL"),
        ("my number is 07700 900123 if you need it", "07700 900123", "PHONE"),
        ("ring +44 (0)20 7946 0958 after 6", "+44 (0)20 7946 0958", "PHONE"),
        ("landline 0113-496-0000.", "0113-496-0000", "PHONE"),
        ("We are in LS6 2QT and the buses are awful", "LS6 2QT", "POSTCODE"),
        ("postcode sw1a1aa", "sw1a1aa", "POSTCODE"),
        ("I live at 14 Acacia Avenue near the park", "14 Acacia Avenue", "ADDRESS"),
        ("see https://example.com/plans?id=3 for details", "https://example.com/plans?id=3", "URL"),
        ("more at www.savethepark.org.uk.", "www.savethepark.org.uk", "URL"),
        ("follow @save_our_park on twitter", "@save_our_park", "HANDLE"),
        ("Mrs Okonkwo next door agrees", "Okonkwo", "NAME"),
        ("My name is Siobhan Kowalczyk and I object", "Siobhan Kowalczyk", "NAME"),
    ],
)
def test_redaction_kinds_with_offsets(nlp: Language, text: str, needle: str, label: str) -> None:
    a = _one(nlp, text)
    start = text.index(needle)
    assert Redaction(start, start + len(needle), label) in a.redactions
    assert f"[{label}]" in a.redacted
    assert needle not in a.redacted


def test_offsets_reconstruct_the_redacted_text(nlp: Language) -> None:
    text = "Hi, I'm Tunde Bakare (tunde@mail.com, 07911 123456), 3 Mill Lane, M1 1AE."
    a = _one(nlp, text)
    rebuilt, pos = [], 0
    for r in a.redactions:
        rebuilt.append(text[pos : r.start] + f"[{r.label}]")
        pos = r.end
    rebuilt.append(text[pos:])
    assert "".join(rebuilt) == a.redacted
    assert {r.label for r in a.redactions} >= {"NAME", "EMAIL", "PHONE", "ADDRESS", "POSTCODE"}
    assert "Tunde" not in a.redacted and "Bakare" not in a.redacted


def test_no_false_redaction_of_ordinary_text(nlp: Language) -> None:
    text = "The park is 5 minutes down the road and the bus takes 20 minutes."
    a = _one(nlp, text)
    assert a.redactions == []
    assert a.redacted == text


def test_safeguarding_flag_with_reason(nlp: Language) -> None:
    a = _one(nlp, "sometimes my stepdad hits me when he's drunk")
    assert [f.kind for f in a.flags] == ["safeguarding"]
    assert a.flags[0].reason.startswith("harm_at_home")


def test_young_person_words_kept_verbatim(nlp: Language) -> None:
    text = "The youth club is good. I have been cutting myself again and nobody knows. More lights please."
    a = _one(nlp, text, young=True)
    sg = [f for f in a.flags if f.kind == "safeguarding"]
    assert sg and "I have been cutting myself again and nobody knows." in sg[0].reason
    adult = _one(nlp, text)
    assert adult.flags[0].reason == 'self_harm: "cutting myself"'


def test_abuse_and_spam_flags(nlp: Language) -> None:
    racist = _one(nlp, "They should go back to their own country, send them all back")
    assert Flag("abuse", 'hate: "send them all back"') in racist.flags
    insult = _one(nlp, "the planners are fucking idiots")
    assert any(f.kind == "abuse" and f.reason.startswith("abusive_language") for f in insult.flags)
    spam = _one(nlp, "Earn £500 a day from home! Click here http://a.biz http://b.biz")
    assert any(f.kind == "spam" for f in spam.flags)


def test_no_flags_on_ordinary_comments(nlp: Language) -> None:
    for text in [
        "The grooming parlour on the high street needs parking.",
        "I'd like a replacement bus service during the works.",
        "The staff at the surgery were kind and helpful.",
    ]:
        assert _one(nlp, text).flags == [], text


@pytest.mark.parametrize(
    ("text", "stance"),
    [
        ("I fully support the new cycle lanes, long overdue.", "support"),
        ("This is a terrible idea and a waste of money. I object.", "oppose"),
        ("I don't support this at all.", "oppose"),
        ("Good idea in principle but I'm worried about parking and the cost is a concern.", "mixed"),
        ("The meeting is on Tuesday.", "neutral"),
    ],
)
def test_stance(nlp: Language, text: str, stance: str) -> None:
    assert _one(nlp, text).stance == stance


def test_batch_order_and_young_person_length(nlp: Language) -> None:
    texts = [f"comment {i} call 0161 496 0{i:03d}" for i in range(50)]
    out = analyse(nlp, texts, batch_size=8)
    assert [a.redacted for a in out] == [f"comment {i} call [PHONE]" for i in range(50)]
    with pytest.raises(ValueError):
        analyse(nlp, ["a", "b"], young_person=[True])


def test_regex_only_fallback() -> None:
    a = analyse_text("mail x@y.com")
    assert a.redacted == "mail [EMAIL]"


def _name_recall(nlp: Language, fname: str) -> dict[str, float]:
    rows = [json.loads(line) for line in (EVAL_DIR / fname).read_text(encoding="utf-8").splitlines()]
    out = analyse(nlp, [r["text"] for r in rows])
    hit: Counter[str] = Counter()
    tot: Counter[str] = Counter()
    for r, a in zip(rows, out, strict=True):
        for s, e in r["names"]:
            tot[r["origin"]] += 1
            chars = [i for i in range(s, e) if not r["text"][i].isspace()]
            if all(any(x.start <= i < x.end for x in a.redactions) for i in chars):
                hit[r["origin"]] += 1
    return {o: hit[o] / tot[o] for o in tot}


@pytest.mark.parametrize("fname", ["names.jsonl", "names_dev2.jsonl", "names_holdout.jsonl"])
def test_name_recall_in_every_origin_group(nlp: Language, fname: str) -> None:
    recall = _name_recall(nlp, fname)
    assert len(recall) >= 10
    assert min(recall.values()) >= 0.85, recall


def test_pii_recall_set(nlp: Language) -> None:
    rows = [json.loads(line) for line in (EVAL_DIR / "pii.jsonl").read_text(encoding="utf-8").splitlines()]
    out = analyse(nlp, [r["text"] for r in rows])
    missed = [
        r["text"]
        for r, a in zip(rows, out, strict=True)
        if not any(x.start <= r["span"][0] and x.end >= r["span"][1] and x.label == r["kind"] for x in a.redactions)
    ]
    assert len(missed) / len(rows) <= 0.05, missed


def test_runs_without_network(nlp: Language, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OSError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    fresh = load_pipeline()
    a = analyse(fresh, ["Call Kwame on 07700 900123"])[0]
    assert a.redacted == "Call [NAME] on [PHONE]"
