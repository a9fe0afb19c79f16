from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from nlp.errors import InputError
from nlp.filemode import run_theme_file

ROWS = [
    ("r1", "Not enough parking near the shops, call me on 07700 900123"),
    ("r2", "Bin collections keep being missed"),
    ("r3", "The park needs new swings and benches"),
    ("r4", "Parking permits cost too much"),
    ("r5", "Recycling bins are collected too rarely"),
    ("r6", "More trees in the park please"),
] * 3


def _csv(tmp_path: Path, rows: list[tuple[str, str]] = ROWS) -> Path:
    p = tmp_path / "in.csv"
    with p.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["ref", "answer"])
        w.writerows(rows)
    return p


def _read(p: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()]


def test_discover_from_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, themes_out = tmp_path / "out.jsonl", tmp_path / "themes.json"
    run_theme_file(_csv(tmp_path), text_column="answer", id_column="ref", out_path=out, themes_out=themes_out)
    recs = _read(out)
    assert [r["id"] for r in recs] == [r[0] for r in ROWS]
    themes = json.loads(themes_out.read_text(encoding="utf-8"))["themes"]
    ids = {t["id"] for t in themes}
    for t in themes:
        assert {"id", "name", "description", "keyphrases", "quotes", "count"} <= set(t)
    for r in recs:
        assert set(r) == {"id", "themes", "scores", "stance", "flags", "redacted"}
        assert r["themes"] and set(r["themes"]) <= ids  # type: ignore[arg-type]
        assert set(r["scores"]) == set(r["themes"])  # type: ignore[arg-type]
    assert recs[0]["redacted"] == "Not enough parking near the shops, call me on [PHONE]"
    assert "%" in capsys.readouterr().err  # tqdm progress bar on stderr


def test_codebook_from_jsonl_with_row_numbers(tmp_path: Path) -> None:
    inp = tmp_path / "in.jsonl"
    inp.write_text("".join(json.dumps({"text": t}) + "\n" for _i, t in ROWS), encoding="utf-8")
    book = tmp_path / "book.json"
    book.write_text(
        json.dumps(
            {
                "themes": [
                    {"id": "P", "name": "Parking", "description": "car parking", "examples": ["parking spaces"]},
                    {"id": "B", "name": "Bins", "description": "waste", "examples": ["bins collected"]},
                    {"id": "G", "name": "Parks", "description": "green spaces", "examples": ["park swings trees"]},
                ]
            }
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    run_theme_file(inp, text_column="text", codebook_path=book, out_path=out, show_progress=False)
    recs = _read(out)
    assert [r["id"] for r in recs] == list(range(1, len(ROWS) + 1))
    assert [r["themes"][0] for r in recs[:6]] == ["P", "B", "G", "P", "B", "G"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("content", "kwargs", "message"),
    [
        (b"", {}, "file is empty"),
        (b"ref,answer\nr1,hello\n", {"text_column": "comment"}, "text column 'comment' not found"),
        (b"ref,answer\nr1,hello\n", {"id_column": "nope"}, "id column 'nope' not found"),
        (b"ref,answer\nr1,caf\xe9\n", {}, "not valid UTF-8"),
        (b"ref,answer\n", {}, "no rows"),
    ],
)
def test_bad_csv(tmp_path: Path, content: bytes, kwargs: dict[str, str], message: str) -> None:
    p = tmp_path / "in.csv"
    p.write_bytes(content)
    args = {"text_column": "answer", **kwargs}
    with pytest.raises(InputError, match=message):
        run_theme_file(p, out_path=tmp_path / "o.jsonl", show_progress=False, **args)
    assert not (tmp_path / "o.jsonl").exists()


def test_bad_jsonl(tmp_path: Path) -> None:
    p = tmp_path / "in.jsonl"
    p.write_text('{"text": "ok"}\n{"text": broken}\n', encoding="utf-8")
    with pytest.raises(InputError, match="bad JSON on line 2"):
        run_theme_file(p, text_column="text", out_path=tmp_path / "o.jsonl", show_progress=False)
    p.write_text('["not", "an", "object"]\n', encoding="utf-8")
    with pytest.raises(InputError, match="line 1 is not a JSON object"):
        run_theme_file(p, text_column="text", out_path=tmp_path / "o.jsonl", show_progress=False)


def test_bad_file_type_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unsupported file type"):
        run_theme_file(tmp_path / "x.xlsx", text_column="a", out_path=tmp_path / "o.jsonl", show_progress=False)
    with pytest.raises(InputError, match="file not found"):
        run_theme_file(tmp_path / "x.csv", text_column="a", out_path=tmp_path / "o.jsonl", show_progress=False)


@pytest.mark.parametrize(
    ("book", "message"),
    [
        ("{not json", "codebook is not valid JSON"),
        ('{"themes": []}', "codebook has no themes"),
        ('{"items": []}', 'must be an object with a "themes" list'),
        ('{"themes": [{"name": "x"}]}', 'has no "id"'),
        ('{"themes": [{"id": "a", "name": "x", "examples": "oops"}]}', '"examples" must be a list'),
        ('{"themes": [{"id": "a", "name": "x"}, {"id": "a", "name": "y"}]}', "used twice"),
    ],
)
def test_bad_codebook(tmp_path: Path, book: str, message: str) -> None:
    b = tmp_path / "book.json"
    b.write_text(book, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        run_theme_file(
            _csv(tmp_path), text_column="answer", codebook_path=b, out_path=tmp_path / "o.jsonl", show_progress=False
        )


def test_error_message_is_one_line(tmp_path: Path) -> None:
    p = tmp_path / "in.csv"
    p.write_bytes(b"")
    with pytest.raises(InputError) as info:
        run_theme_file(p, text_column="a", out_path=tmp_path / "o.jsonl", show_progress=False)
    assert "\n" not in str(info.value)
