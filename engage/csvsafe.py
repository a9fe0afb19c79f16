"""CSV files that are safe to open in a spreadsheet: no cell runs as a formula (CSV injection).

Every export writes through `writer()`: each text cell, headings included (theme names head the
insight table's columns), that starts with a character a spreadsheet reads as a formula gets a
leading apostrophe, which spreadsheets show as text. Numbers are written as they are.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

# = + - @ start formulas; tab and carriage return can hide one; full-width forms are read the same
# way by some spreadsheets in East Asian locales.
FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


def cell(value: Any) -> Any:
    """The value as it may go into a CSV file."""
    if isinstance(value, bool | int | float) or value is None:
        return value
    text = str(value)
    if text[:1] in FORMULA_STARTS:
        return "'" + text
    return text


class SafeWriter:
    def __init__(self, out: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: Any, **kwargs: Any) -> SafeWriter:
    return SafeWriter(out, **kwargs)
