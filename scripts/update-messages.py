#!/usr/bin/env python3
"""Rebuild the message catalogue of the public pages: engage/locale/messages.pot, the complete
English catalogue (en/LC_MESSAGES/messages.po, msgstr = msgid) and every language's .mo.

    python scripts/update-messages.py          # extract, update every .po, compile
    python scripts/update-messages.py --check  # exit 1 if anything is out of date (the tests run this)

Messages come from the public templates (`_()`, `{% trans %}`), from Python (`_l()`, `N_()`,
`gettext()`) and from the fixed answer options people see (equality questions, audiences,
agreement scale, report reasons), which are stored in English and shown translated.
To add a language see docs/translating.md.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LOCALE = ROOT / "engage" / "locale"
PUBLIC_TEMPLATES = ("templates/base.html", "templates/error.html", "templates/macros/", "templates/public/")
PUBLIC_PYTHON = ("engage/forms.py", "engage/views/", "engage/services/")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "N_": None}


def _fixed_values() -> list[str]:
    from engage import equality, labels
    from engage.services import forums
    from engage.views import about_you

    values: list[str] = []
    values += equality.AGE_BANDS + equality.SEXES + equality.DISABILITY + equality.RELIGIONS
    values += [equality.PREFER_NOT_TO_SAY, *equality.ETHNIC_GROUPS]
    values += [d for details in equality.ETHNIC_GROUPS.values() for d in details]
    values += (
        list(labels.AUDIENCE.values())
        + list(labels.STATUS.values())
        + labels.AGREEMENT_SCALE
        + list(forums.REPORT_REASONS.values())
    )
    values += [q for _, _, q in about_you.STEPS] + list(about_you.HINTS.values())
    for name, description, _audience, _pre in forums.DEFAULT_SPACES:
        values += [name, description]
    values += ["How old are you?", "Select your age, or Prefer not to say"]
    return values


def build_template() -> Catalog:
    catalog = Catalog(project="Engage", version="1", charset="utf-8", fuzzy=False)
    method_map = [("templates/**.html", "jinja2"), ("engage/**.py", "python")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}}

    def wanted(filename: str, method: str, options: dict) -> bool:  # type: ignore[type-arg]
        path = filename.replace("\\", "/")
        return path.startswith(PUBLIC_TEMPLATES) or path.startswith(PUBLIC_PYTHON)

    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options, keywords=KEYWORDS, callback=None, strip_comment_tags=True
    ):
        if not wanted(filename, "", {}):
            continue
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    for value in _fixed_values():
        if value not in catalog:
            catalog.add(value, None, [("engage/equality.py and engage/labels.py", 0)])
    return catalog


def _po_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=120, omit_header=False, sort_output=True, include_lineno=False)
    return out.getvalue()


def _mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def _english(template: Catalog) -> Catalog:
    en = Catalog(locale="en", project="Engage", version="1", charset="utf-8", fuzzy=False)
    for m in template:
        if m.id:
            en.add(m.id, m.id if isinstance(m.id, str) else tuple(m.id), m.locations, context=m.context)
    return en


def outputs() -> dict[Path, bytes]:
    template = build_template()
    template.creation_date = template.revision_date = _FIXED_DATE
    files = {LOCALE / "messages.pot": _po_bytes(template)}
    en = _english(template)
    en.creation_date = en.revision_date = _FIXED_DATE
    files[LOCALE / "en" / "LC_MESSAGES" / "messages.po"] = _po_bytes(en)
    files[LOCALE / "en" / "LC_MESSAGES" / "messages.mo"] = _mo_bytes(en)
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/messages.po")):
        code = po.parent.parent.name
        if code == "en":
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=code)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.creation_date = catalog.revision_date = _FIXED_DATE
        files[po] = _po_bytes(catalog)
        files[po.with_suffix(".mo")] = _mo_bytes(catalog)
    return files


def _fixed_date():  # type: ignore[no-untyped-def]
    import datetime as dt

    return dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


_FIXED_DATE = _fixed_date()


def main(argv: list[str]) -> int:
    stale = []
    for path, data in outputs().items():
        if not path.exists() or path.read_bytes() != data:
            stale.append(path)
            if "--check" not in argv:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
    if "--check" in argv and stale:
        print("Out of date (run scripts/update-messages.py):", *[str(p.relative_to(ROOT)) for p in stale])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
