"""Benchmark: the whole engage pipeline (analyse + discover) against a plain ``nlp.pipe`` of the
same spaCy model over the same texts, in the same run. Prints figures; asserts nothing.

    python bench/theming.py [--data PATH] [--n 5000]

ratio = plain nlp.pipe time / engage time (>= 0.5 means engage takes at most twice as long).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import spacy  # noqa: E402

from nlp.analysis import analyse  # noqa: E402
from nlp.pipeline import DEFAULT_MODEL, load_pipeline  # noqa: E402
from nlp.themes import discover  # noqa: E402

DEFAULT_DATA = REPO / ".." / "shared" / "data" / "nhs-feedback" / "phase1_text_data.csv"


def load_texts(path: Path, n: int) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        texts = [r["feedback"] for r in csv.DictReader(fh)]
    out: list[str] = []
    while len(out) < n:
        out.extend(texts[: n - len(out)])
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--model", default=DEFAULT_MODEL)
    args = ap.parse_args(argv)
    texts = load_texts(args.data, args.n)

    plain = spacy.load(args.model)
    engage = load_pipeline(args.model)
    # warm up both (first batch allocates)
    list(plain.pipe(texts[:200], batch_size=256))
    analyse(engage, texts[:200])

    t0 = time.perf_counter()
    for _doc in plain.pipe(texts, batch_size=256, n_process=1):
        pass
    t_plain = time.perf_counter() - t0

    t0 = time.perf_counter()
    analyses = analyse(engage, texts, batch_size=256)
    t_analyse = time.perf_counter() - t0
    t0 = time.perf_counter()
    themes, _assign = discover(texts, analyses=analyses)
    t_discover = time.perf_counter() - t0

    # where the time goes inside analyse: NER alone vs the engage components
    t0 = time.perf_counter()
    with engage.select_pipes(enable=["ner"]):
        for _doc in engage.pipe(texts, batch_size=256):
            pass
    t_ner = time.perf_counter() - t0
    t_engage = t_analyse + t_discover
    print(
        json.dumps(
            {
                "comments": len(texts),
                "plain_nlp_pipe_s": round(t_plain, 2),
                "plain_pipes": plain.pipe_names,
                "engage_total_s": round(t_engage, 2),
                "engage_pipes": engage.pipe_names,
                "ratio_plain_over_engage": round(t_plain / t_engage, 3),
                "comments_per_s_engage": round(len(texts) / t_engage, 1),
                "comments_per_s_plain": round(len(texts) / t_plain, 1),
                "breakdown_s": {
                    "analyse": round(t_analyse, 2),
                    "of_which_ner": round(t_ner, 2),
                    "of_which_engage_components": round(t_analyse - t_ner, 2),
                    "discover": round(t_discover, 2),
                },
                "themes": len(themes),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
