"""Public pages' text comes from message catalogues: English is complete, the catalogue is up to
date with the templates, and a council adds a language with a catalogue alone."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from engage import i18n

ROOT = Path(__file__).resolve().parents[1]


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("update_messages", ROOT / "scripts" / "update-messages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_catalogue_is_up_to_date_with_the_templates():
    assert _script().main(["--check"]) == 0, "run scripts/update-messages.py"


def test_english_catalogue_is_complete():
    with (ROOT / "engage/locale/messages.pot").open("rb") as f:
        template = read_po(f)
    with (ROOT / "engage/locale/en/LC_MESSAGES/messages.po").open("rb") as f:
        english = read_po(f, locale="en")
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    assert len(ids) > 200
    missing = [m.id for m in english if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    assert missing == []
    assert ids == {m.id if isinstance(m.id, str) else m.id[0] for m in english if m.id}
    for expected in ("Have your say", "Prefer not to say", "Roma", "Give feedback about a council service"):
        assert expected in ids


@pytest.mark.parametrize(
    ("query", "cookie", "accept", "expected"),
    [
        (None, None, "", "en"),
        ("cy", None, "", "cy"),
        (None, "cy", "en", "cy"),
        (None, None, "fr-FR,cy;q=0.8", "cy"),
        ("xx", None, "", "en"),
        ("../../etc", None, "", "en"),
    ],
)
def test_choose_language(monkeypatch, query, cookie, accept, expected):
    monkeypatch.setattr(i18n, "available", lambda: ["cy", "en"])
    assert i18n.choose(query, cookie, accept) == expected


@pytest.fixture
def welsh(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """What a council does to add Welsh: a catalogue in engage/locale/cy, no template changes."""
    catalog = Catalog(locale="cy")
    for english, welsh in {
        "Have your say": "Dweud eich dweud",
        "Give feedback about a council service": "Rhoi adborth am wasanaeth y cyngor",
        "Your feedback": "Eich adborth",
        "Enter your feedback": "Rhowch eich adborth",
        "There is a problem": "Mae problem",
        "Prefer not to say": "Gwell gennyf beidio â dweud",
    }.items():
        catalog.add(english, welsh)
    target = tmp_path / "cy" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as f:
        write_mo(f, catalog)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n._load.cache_clear()
    yield
    i18n._load.cache_clear()


def test_a_new_language_needs_only_a_catalogue(client, db, welsh):
    home = client.get("/?lang=cy")
    assert '<html lang="cy"' in home.text and "Dweud eich dweud" in home.text
    assert "lang=cy" in home.headers["set-cookie"]
    # The choice is remembered; untranslated text falls back to English.
    page = client.get("/feedback")
    assert "Rhoi adborth am wasanaeth y cyngor" in page.text and "Eich adborth" in page.text
    assert "Parks and open spaces" in page.text
    from tests.conftest import csrf_from

    r = client.post("/feedback", data={"csrftoken": csrf_from(page.text)})
    assert "Mae problem" in r.text and "Rhowch eich adborth" in r.text
    english = client.get("/?lang=en")
    assert "Have your say" in english.text and '<html lang="en"' in english.text


def test_browser_language_is_used(client, db, welsh):
    assert "Dweud eich dweud" in client.get("/", headers={"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.5"}).text
