from __future__ import annotations

import pytest
from spacy.language import Language

from nlp.pipeline import load_pipeline


def test_components_added_and_unused_disabled(nlp: Language) -> None:
    assert nlp.pipe_names[-3:] == ["engage_redact", "engage_flags", "engage_stance"]
    assert "ner" in nlp.pipe_names
    assert "parser" not in nlp.pipe_names  # disabled by nlp/config.cfg
    assert "parser" in nlp.component_names


def test_factories_are_versioned(nlp: Language) -> None:
    assert nlp.get_pipe_meta("engage_redact").factory == "engage_redact_v1"
    assert nlp.get_pipe_meta("engage_flags").factory == "engage_flags_v1"
    assert nlp.get_pipe_meta("engage_stance").factory == "engage_stance_v1"


def test_doc_extensions_are_set(nlp: Language) -> None:
    doc = nlp("Email me at jo@example.org, I support this.")
    assert doc._.redacted == "Email me at [EMAIL], I support this."
    assert doc._.stance == "support"
    assert doc._.flags == []


def test_unknown_model_fails_without_download() -> None:
    with pytest.raises(OSError):
        load_pipeline("no_such_model_xyz")
