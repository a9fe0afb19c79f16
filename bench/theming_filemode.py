"""Benchmark: 50,000 comments (the NHS data repeated) themed end to end through the file mode.
Prints wall time and peak RSS; asserts nothing. Targets: < 5 min on 2 cores, < 1.5 GB RSS.

    python bench/theming_filemode.py [--n 50000] [--codebook]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from nlp.filemode import run_theme_file  # noqa: E402

DEFAULT_DATA = REPO / ".." / "shared" / "data" / "nhs-feedback" / "phase1_text_data.csv"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--n", type=int, default=50_000)
    ap.add_argument("--codebook", action="store_true", help="map to a codebook built from the labels instead")
    ap.add_argument(
        "--unique",
        action="store_true",
        help="make every comment distinct (two NHS comments joined) instead of repeating the data",
    )
    args = ap.parse_args(argv)
    with args.data.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with tempfile.TemporaryDirectory() as tmp:
        inp = Path(tmp) / "in.csv"
        with inp.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["id", "comment"])
            rng = random.Random(0)
            for i in range(args.n):
                text = rows[i % len(rows)]["feedback"]
                if args.unique:
                    text = text + " " + rows[rng.randrange(len(rows))]["feedback"]
                w.writerow([f"c{i}", text])
        book = None
        if args.codebook:
            by: dict[str, list[str]] = {}
            for r in rows:
                by.setdefault(r["code"], []).append(r["feedback"])
            book = Path(tmp) / "book.json"
            book.write_text(
                json.dumps(
                    {
                        "themes": [
                            {"id": code, "name": code, "description": "", "examples": ex[:50]}
                            for code, ex in sorted(by.items())
                        ]
                    }
                ),
                encoding="utf-8",
            )
        out = Path(tmp) / "out.jsonl"
        t0 = time.perf_counter()
        run_theme_file(
            inp,
            text_column="comment",
            id_column="id",
            codebook_path=book,
            out_path=out,
            themes_out=Path(tmp) / "themes.json",
            show_progress=False,
        )
        wall = time.perf_counter() - t0
        lines = sum(1 for _ in out.open(encoding="utf-8"))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "comments": args.n,
                "mode": "codebook" if args.codebook else "discover",
                "texts": "distinct" if args.unique else "NHS data repeated",
                "output_lines": lines,
                "wall_s": round(wall, 1),
                "comments_per_s": round(args.n / wall, 1),
                "peak_rss_mb": round(peak_mb, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
