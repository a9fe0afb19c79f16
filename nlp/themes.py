# ruff: noqa: RUF001  (typographic apostrophes and dashes are matched on purpose)
"""Theme discovery (unsupervised) and mapping to an officer's codebook (supervised).

Both work on plain texts and return plain dataclasses. Determinism: inputs are put in a
canonical order (sorted, de-duplicated) before any fitting, and every estimator has a fixed
seed, so the same multiset of comments in any order gives the same themes and assignments.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC
from spacy.language import Language

from nlp import embed
from nlp import stance as stance_rules
from nlp.analysis import analyse, analyse_text
from nlp.results import Assignment, CodebookTheme, CommentAnalysis, ThemeProposal

__all__ = ["Assignment", "CodebookTheme", "ThemeProposal", "discover", "map_to_codebook"]

Progress = Callable[[float], None] | None
SEED = 0
TOPIC_SHARE = 0.5  # topics = max_themes * TOPIC_SHARE; the stance split brings the count back up
_PLACEHOLDER = re.compile(r"\[(NAME|EMAIL|PHONE|POSTCODE|ADDRESS|URL|HANDLE)\]")
_SPACES = re.compile(r"\s+")
# Words that carry stance rather than topic: kept out of theme names so names stay neutral.
_STANCE_WORDS = {w for w in (set(stance_rules._POS) | set(stance_rules._NEG)) if " " not in w} | {
    "very",
    "really",
    "extremely",
    "absolutely",
    "totally",
    "well",
    "lot",
    "lots",
    "thing",
    "things",
    "just",
    "think",
    "feel",
    "felt",
    "like",
    "would",
    "did",
    "does",
    "got",
    "get",
    "make",
    "made",
    "everything",
    "people",
    "way",
    "time",
    "im",
    "ive",
    "dont",
    "didnt",
    "wasnt",
    "isnt",
}
# Stop words for key phrases; words that carry a theme on their own ("nothing", "after" in
# "looked after", "never") are kept.
_KEEP = {
    "nothing",
    "no",
    "not",
    "none",
    "everything",
    "after",
    "never",
    "always",
    "more",
    "less",
    "enough",
    "too",
    "back",
    "home",
    "help",
    "call",
    "time",
    "first",
    "few",
    "find",
    "give",
    "keep",
    "get",
    "put",
}
_STOP = sorted(
    (ENGLISH_STOP_WORDS - _KEEP)
    | {
        "im",
        "ive",
        "dont",
        "didnt",
        "doesnt",
        "wasnt",
        "isnt",
        "cant",
        "wont",
        "ll",
        "ve",
        "re",
        "s",
        "t",
        "it's",
        "i'm",
        "i've",
        "i'd",
        "i'll",
        "don't",
        "didn't",
        "doesn't",
        "can't",
        "won't",
        "that's",
        "there's",
        "they're",
        "we're",
        "you're",
        "isn't",
        "wasn't",
        "aren't",
        "couldn't",
        "wouldn't",
        "shouldn't",
        "let's",
        "he's",
        "she's",
    }
)


def _report(progress: Progress, value: float) -> None:
    if progress is not None:
        progress(min(1.0, max(0.0, value)))


def _norm(text: str) -> str:
    text = _PLACEHOLDER.sub(lambda m: " " + m.group(1).lower() + "x ", text)
    return _SPACES.sub(" ", text.replace("’", "'")).strip().lower()


def _analyses(
    texts: Sequence[str], nlp: Language | None, analyses: Sequence[CommentAnalysis] | None
) -> list[CommentAnalysis]:
    if analyses is not None:
        if len(analyses) != len(texts):
            raise ValueError("analyses must have one entry per text")
        return list(analyses)
    if nlp is not None:
        return analyse(nlp, texts)
    return [analyse_text(t) for t in texts]


def _polarity(stance: str) -> str:
    return stance if stance in ("support", "oppose") else "neutral"


def _theme_id(keyphrases: Sequence[str], stance: str | None) -> str:
    key = "|".join(sorted(keyphrases)) + "|" + (stance or "")
    return "t" + hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()[:8]


def _cluster_matrix(docs: Sequence[str]) -> sparse.csr_matrix:
    """Word 1-2 grams plus character 2-4 grams, no stop-word removal ("nothing", "no" matter)."""
    min_df = 2 if len(docs) >= 50 else 1
    parts = []
    for vec in (
        TfidfVectorizer(ngram_range=(1, 2), min_df=min_df, sublinear_tf=True, dtype=np.float64),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=min_df, sublinear_tf=True, dtype=np.float64),
    ):
        try:
            parts.append(vec.fit_transform(docs))
        except ValueError:  # empty vocabulary
            continue
    if not parts:
        return sparse.csr_matrix(np.ones((len(docs), 1)))
    return sparse.hstack(parts).tocsr()


_ANY_WORD = r"(?u)\b\w+\b"
_WORD_PATTERN = r"(?u)\b\w[\w']*\b"
_TOKEN = re.compile(r"(?u)\b[a-z][a-z']*\b")
_STOP_SET = frozenset(_STOP)


def _phrases(doc: str) -> list[str]:
    """1-3 word phrases that neither start nor end with a stop word ("looked after", "waiting time")."""
    toks = _TOKEN.findall(doc)
    out = []
    for n in (1, 2, 3):
        for i in range(len(toks) - n + 1):
            gram = toks[i : i + n]
            if gram[0] in _STOP_SET or gram[-1] in _STOP_SET:
                continue
            if n == 3 and gram[1] in _PLACEHOLDER_TOKENS:
                continue
            out.append(" ".join(gram))
    return out


def _keyphrase_matrix(docs: Sequence[str]) -> tuple[TfidfVectorizer, sparse.csr_matrix]:
    vec = TfidfVectorizer(analyzer=_phrases, min_df=2 if len(docs) >= 50 else 1, sublinear_tf=True, dtype=np.float64)
    try:
        x = vec.fit_transform(docs)
    except ValueError:
        vec = TfidfVectorizer(token_pattern=_ANY_WORD, min_df=1, dtype=np.float64)
        x = vec.fit_transform([d if d.strip() else "blank" for d in docs])
    return vec, x.tocsr()


_PLACEHOLDER_TOKENS = {"namex", "emailx", "phonex", "postcodex", "addressx", "urlx", "handlex"}


_GENERIC = {
    "lot",
    "bit",
    "way",
    "thing",
    "things",
    "don't",
    "make",
    "made",
    "need",
    "not",
    "no",
    "more",
    "less",
    "too",
    "after",
    "never",
    "always",
    "enough",
    "none",
    "really",
    "think",
    "time",
    "back",
    "get",
    "put",
    "give",
    "keep",
    "find",
    "first",
    "few",
    "help",
    "call",
    "home",
}
_NOISE = re.compile(r"^x{3,}$|^[a-z]$")


def _keyphrases(
    x: sparse.csr_matrix,
    vec: TfidfVectorizer,
    members: np.ndarray,
    weights: np.ndarray,
    overall: np.ndarray,
    n: int = 6,
) -> list[str]:
    """Class-based TF-IDF: phrases frequent in the theme and rarer elsewhere (ties broken by text).

    A longer phrase replaces its words when it scores at least half as well ("looked after").
    """
    terms = vec.get_feature_names_out()
    w = weights[members]
    sub = x[members]
    mean = np.asarray(sub.multiply(w[:, None]).sum(axis=0)).ravel() / max(w.sum(), 1e-9)
    doc_freq = np.asarray((sub > 0).multiply(w[:, None]).sum(axis=0)).ravel() / max(w.sum(), 1e-9)
    score = mean * np.log1p(mean / (overall + 1e-9)) * np.sqrt(doc_freq + 1e-9)
    order = [int(i) for i in np.lexsort((terms, -score))[: 60 * n] if score[i] > 0]
    cands = [(str(terms[i]), float(score[i])) for i in order]
    cands = [
        (t, sc) for t, sc in cands if not any(tok in _PLACEHOLDER_TOKENS or _NOISE.match(tok) for tok in t.split())
    ]
    out: list[str] = []
    for t, sc in cands:
        if len(out) >= n:
            break
        longer = [c for c, csc in cands if " " in c and c != t and t in c.split() and csc >= 0.5 * sc]
        if longer:
            t = longer[0]
        if t in out or any(set(t.split()) <= set(o.split()) for o in out):
            continue
        out = [o for o in out if not set(o.split()) < set(t.split())]
        out.append(t)
    return out


def _name(keyphrases: Sequence[str], stance: str | None, split: bool) -> str:
    """Short neutral name from the key phrases: stance and filler words are left out."""
    skip = _STANCE_WORDS | _STOP_SET
    topical: list[str] = []
    for k in keyphrases:
        toks = k.split()
        while toks and toks[0] in skip:  # "absolutely nothing" -> "nothing"
            toks.pop(0)
        while toks and toks[-1] in skip:
            toks.pop()
        core = " ".join(toks)
        if core in _GENERIC or core in {"thing", "things", "none", "nothing else"}:
            continue
        if core and core not in topical and not any(core in t.split() for t in topical):
            topical.append(core)
    words = (topical or [k for k in keyphrases if k not in _GENERIC] or ["other comments"])[:2]
    name = " / ".join(words)
    name = name[:1].upper() + name[1:]
    if split and stance in ("support", "oppose"):
        name += {"support": " (positive)", "oppose": " (negative)"}[stance]
    return name


def _compatible(p: str, q: str) -> bool:
    return {p, q} != {"support", "oppose"}


def discover(
    texts: Sequence[str],
    *,
    nlp: Language | None = None,
    analyses: Sequence[CommentAnalysis] | None = None,
    max_themes: int = 12,
    progress: Progress = None,
) -> tuple[list[ThemeProposal], list[list[Assignment]]]:
    """Propose at most ``max_themes`` themes for one question's answers.

    Returns ``(themes, assignments)`` with ``assignments[i]`` the themes of ``texts[i]`` (one
    each, with the cosine similarity to the theme centre mapped to 0..1). A theme never mixes
    supportive and opposing comments: a topic holding both is split by stance. Quotes are
    redacted text. Deterministic: the same multiset of texts in any order gives the same result.
    """
    max_themes = max(3, int(max_themes))
    n = len(texts)
    _report(progress, 0.0)
    if n == 0:
        _report(progress, 1.0)
        return [], []
    an = _analyses(texts, nlp, analyses)
    _report(progress, 0.3)

    # Canonical order: unique (normalised redacted text, polarity) keys, sorted.
    keys = [(_norm(a.redacted), _polarity(a.stance)) for a in an]
    uniq = sorted(set(keys))
    index = {k: i for i, k in enumerate(uniq)}
    row_of = np.array([index[k] for k in keys])
    weights = np.bincount(row_of, minlength=len(uniq)).astype(np.float64)
    docs = [k[0] for k in uniq]
    pol = [k[1] for k in uniq]
    redacted_of: dict[int, str] = {}
    for i, a in enumerate(an):
        redacted_of.setdefault(int(row_of[i]), a.redacted)
    m = len(docs)

    x = _cluster_matrix(docs)
    if m >= 4 and x.shape[1] >= 3:
        n_comp = int(min(50, x.shape[1] - 1, m - 1))
        svd = TruncatedSVD(n_components=n_comp, random_state=SEED, algorithm="randomized", n_iter=5)
        z = normalize(svd.fit_transform(x))
    else:
        z = normalize(x.toarray())
    _report(progress, 0.5)

    # Topics: k grows with the data (about sqrt(n/4)), at most max_themes.
    total = float(weights.sum())
    k_topics = int(min(max(1, round(max_themes * TOPIC_SHARE)), max(1, round(math.sqrt(total / 4)))))
    k_topics = min(k_topics, len(np.unique(np.round(z, 6), axis=0)))
    if k_topics > 1:
        km = KMeans(n_clusters=k_topics, n_init=10, random_state=SEED)
        topic = km.fit_predict(z, sample_weight=weights)
    else:
        topic = np.zeros(m, dtype=int)
    _report(progress, 0.8)

    # Stance split: within a topic, supportive, opposing and neutral/mixed comments form separate
    # groups; small groups then merge into the nearest compatible group (never support + oppose).
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for i in range(m):
        groups[(int(topic[i]), pol[i])].append(i)

    min_size = max(2.0, 0.02 * total)

    def gsize(g: tuple[int, str]) -> float:
        return float(weights[groups[g]].sum())

    def centroid(g: tuple[int, str]) -> np.ndarray:
        idx = groups[g]
        c = (z[idx] * weights[idx, None]).sum(axis=0)
        return c / (np.linalg.norm(c) + 1e-12)

    def partners(g: tuple[int, str]) -> list[tuple[int, str]]:
        return [h for h in groups if h != g and _compatible(h[1], g[1])]

    while True:
        order = sorted(groups, key=lambda g: (gsize(g), g))
        cand = [g for g in order if gsize(g) < min_size and partners(g)]
        if not cand and len(groups) > max_themes:
            cand = [g for g in order if partners(g)]
        if not cand:
            break
        g = cand[0]
        cg = centroid(g)
        target = max(partners(g), key=lambda h: (float(centroid(h) @ cg), -h[0], h[1]))
        merged = groups.pop(g)
        new_key = target if target[1] != "neutral" else (target[0], g[1])
        combined = groups.pop(target) + merged
        groups.setdefault(new_key, []).extend(combined)
    _report(progress, 0.9)

    kx_vec, kx = _keyphrase_matrix(docs)
    overall = np.asarray(kx.multiply(weights[:, None]).sum(axis=0)).ravel() / max(total, 1e-9)
    topic_counts = Counter(t for t, _p in groups)
    themes: list[ThemeProposal] = []
    member_theme: dict[int, int] = {}
    member_score: dict[int, float] = {}
    for gi, g in enumerate(sorted(groups, key=lambda g: (-gsize(g), g))):
        idx = np.array(sorted(groups[g]))
        sims = z[idx] @ centroid(g)
        kp = _keyphrases(kx, kx_vec, idx, weights, overall)
        weight_by_pol: dict[str, float] = defaultdict(float)
        for i in idx:
            weight_by_pol[pol[i]] += float(weights[i])
        stance = max(("support", "oppose", "neutral"), key=lambda p: (weight_by_pol[p], p == g[1]))
        count = int(gsize(g))
        # representative quotes: near the centre, distinct, long enough to say something
        quote_order = sorted(
            range(len(idx)),
            key=lambda j: (-(sims[j] + 0.1 * min(len(docs[idx[j]]), 150) / 150), docs[idx[j]]),
        )
        quotes: list[str] = []
        for j in quote_order:
            q = redacted_of[int(idx[j])].strip()
            if len(q) < 3 or q in quotes:
                continue
            quotes.append(q if len(q) <= 300 else q[:297].rstrip() + "...")
            if len(quotes) >= 3:
                break
        name = _name(kp, stance, topic_counts[g[0]] > 1 or stance != "neutral")
        desc_terms = ", ".join(f'"{k}"' for k in kp[:4]) or "no recurring terms"
        stance_words = {
            "support": "mostly positive or supportive",
            "oppose": "mostly negative or opposed",
            "neutral": "neutral or mixed",
        }[stance]
        description = (
            f"{count} comment{'s' if count != 1 else ''} ({count / total:.0%}) often mentioning {desc_terms}; "
            f"{stance_words}."
        )
        themes.append(ThemeProposal(_theme_id(kp, stance), name, description, kp, quotes, count, stance))
        for j, i in enumerate(idx):
            member_theme[int(i)] = gi
            member_score[int(i)] = float(max(0.0, min(1.0, (sims[j] + 1) / 2)))
    seen: Counter[str] = Counter()
    for t in themes:
        seen[t.id] += 1
        if seen[t.id] > 1:
            t.id = f"{t.id}-{seen[t.id]}"
    assignments = [[Assignment(themes[member_theme[int(r)]].id, round(member_score[int(r)], 4))] for r in row_of]
    _report(progress, 1.0)
    return themes, assignments


# --------------------------------------------------------------------------------------------
# Mapping to a codebook


def _map_matrices(train: Sequence[str], texts: Sequence[str]) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Word 1-2 grams + character 2-5 grams; vocabulary and IDF from examples and texts together."""
    word = TfidfVectorizer(
        ngram_range=(1, 2), min_df=1, sublinear_tf=True, token_pattern=_WORD_PATTERN, dtype=np.float64
    )
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, dtype=np.float64)
    corpus = list(train) + list(texts)
    parts_tr, parts_te = [], []
    for vec in (word, char):
        try:
            vec.fit(corpus)
        except ValueError:  # empty vocabulary (e.g. min_df on a tiny corpus)
            vec.set_params(min_df=1)
            try:
                vec.fit(corpus)
            except ValueError:
                continue
        parts_tr.append(vec.transform(train))
        parts_te.append(vec.transform(texts))
    if not parts_tr:
        return sparse.csr_matrix(np.ones((len(train), 1))), sparse.csr_matrix(np.ones((len(texts), 1)))
    return sparse.hstack(parts_tr).tocsr(), sparse.hstack(parts_te).tocsr()


def _softmax(d: np.ndarray, temperature: float) -> np.ndarray:
    if d.ndim == 1:  # binary problem: liblinear returns one column
        d = np.column_stack([-d, d])
    z = d * temperature
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)


MAX_LABELS = 3


def _choose(row: np.ndarray, max_labels: int = MAX_LABELS) -> list[int]:
    """Labels that maximise the expected per-comment F1 if one theme is right: top-k with
    k = argmax sum(p[:k]) * 2 / (1 + k)."""
    order = np.argsort(-row, kind="stable")
    best_k, best_v = 1, float(row[order[0]])
    for k in range(2, max_labels + 1):
        v = float(row[order[:k]].sum()) * 2 / (1 + k)
        if v > best_v + 1e-12:
            best_k, best_v = k, v
    return [int(j) for j in order[:best_k]]


def _choose_thresholds(row: np.ndarray, thresholds: np.ndarray, max_labels: int = MAX_LABELS) -> list[int]:
    """The most likely theme, plus (most likely first, at most ``max_labels`` in all) every theme
    whose probability reaches that theme's own threshold."""
    order = np.argsort(-row, kind="stable")
    out = [int(order[0])]
    for j in order[1:]:
        if len(out) >= max_labels:
            break
        if row[j] >= thresholds[j]:
            out.append(int(j))
    return out


SVC_C = 0.5
# Scale of the unit-length sentence embedding next to the two unit-length n-gram blocks (1.0 was
# best of 0.5/0.7/1/2/3 on the NHS benchmark, with all examples and with 10 per theme).
EMBED_WEIGHT = 1.0
# Each theme's examples are weighted by (mean examples per theme / this theme's examples) ** 0.5.
# Square-root inverse frequency is the usual middle way between no weighting (a theme with 30
# examples next to one with 1,500 is rarely predicted: bad for macro-F1) and full balancing (rare
# themes over-predicted: bad for per-comment F1). Checked on the NHS *training* split only (5-fold
# cross-validation, top-k rule of ``_choose``): held-out macro-F1 0.448 / 0.460 / 0.455 / 0.441 and
# per-comment F1 0.588 / 0.592 / 0.589 / 0.577 for powers 0 / 0.25 / 0.5 / 1.
CLASS_WEIGHT_POWER = 0.5
# With enough examples (median >= FEW_EXAMPLES per theme) mapping runs a stratified k-fold
# cross-validation on the examples (never on the batch): the held-out probabilities fit one
# threshold per theme, and the k fold models, averaged, score the batch (so the thresholds are
# applied to scores of the same kind as those they were fitted on, and no extra full fit is needed).
# 5 folds rather than 10 halves the cost (k LinearSVC fits on the examples); see DESIGN.md.
CV_FOLDS = 5
FEW_EXAMPLES = 30
# A theme needs this many held-out examples for a threshold of its own; themes with fewer share one
# threshold fitted to the mean F1 of all themes (an F1 from a handful of examples is mostly noise).
THRESHOLD_MIN_HELD_OUT = 10
_THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)
# Above this many distinct texts in one call, mapping uses n-grams only: the numpy encoder embeds
# roughly 100-200 texts a second on 2 cores, and the file mode must theme 50,000 comments in 5 minutes.
EMBED_MAX_TEXTS = 20_000


def _theme_weights(y: np.ndarray) -> np.ndarray:
    """Per-example weights: (mean count / count of the example's theme) ** CLASS_WEIGHT_POWER."""
    _values, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    w = (counts.mean() / counts.astype(np.float64)) ** CLASS_WEIGHT_POWER
    return np.asarray(w[inverse], dtype=np.float64)


def _folds(docs: Sequence[str], y: np.ndarray, fixed: np.ndarray, k: int) -> np.ndarray:
    """Stratified fold of each example (-1: always trained on), independent of the input order.

    Within a theme, examples are ordered by a hash of their text and dealt out in turn, so every
    theme is spread evenly over the folds. ``fixed`` rows (theme names and descriptions) are always
    trained on; a theme with none keeps its first example in every fold, so that every fold model
    knows every theme.
    """
    fold = np.full(len(y), -1, dtype=np.int64)
    for c in np.unique(y):
        rows = np.flatnonzero(y == c)
        free = sorted(
            (int(i) for i in rows if not fixed[i]),
            key=lambda i: (hashlib.sha1(docs[i].encode("utf-8"), usedforsecurity=False).hexdigest(), docs[i]),
        )
        if not fixed[rows].any():
            free = free[1:]
        for r, i in enumerate(free):
            fold[i] = r % k
    return fold


def _fit_thresholds(proba: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Per-theme probability thresholds for :func:`_choose_thresholds`, from held-out examples.

    ``proba`` are held-out probabilities (rows: examples, columns: themes), ``truth`` the column of
    each example's theme. A theme is predicted when it is the most likely one or its probability
    reaches its threshold, so each theme's F1 depends on its own threshold only, and the threshold
    that maximises it (the highest one among ties: fewer labels) maximises macro-F1 (the
    ``MAX_LABELS`` cap aside). ``inf`` means "only as the most likely theme".
    """
    n, m = proba.shape
    cand = np.append(_THRESHOLD_GRID, np.inf)
    if n == 0:
        return np.full(m, np.inf)
    top = np.zeros((n, m), dtype=bool)
    top[np.arange(n), proba.argmax(axis=1)] = True
    gold = np.zeros((n, m), dtype=bool)
    gold[np.arange(n), truth] = True
    n_gold = gold.sum(axis=0)
    f1 = np.empty((len(cand), m))
    for i, t in enumerate(cand):
        pred = top | (proba >= t)
        f1[i] = 2 * (pred & gold).sum(axis=0) / np.maximum(pred.sum(axis=0) + n_gold, 1)

    def best(scores: np.ndarray) -> float:
        last = len(cand) - 1 - int(np.argmax(scores[::-1] >= scores.max() - 1e-12))
        return float(cand[last])

    shared = best(f1.mean(axis=1))
    return np.array([best(f1[:, c]) if n_gold[c] >= THRESHOLD_MIN_HELD_OUT else shared for c in range(m)])


def _decision(clf: LinearSVC, x: sparse.csr_matrix) -> np.ndarray:
    d = clf.decision_function(x)
    return np.column_stack([-d, d]) if d.ndim == 1 else d


def _cv_map(
    xtr: sparse.csr_matrix,
    y: np.ndarray,
    weights: np.ndarray,
    fold: np.ndarray,
    xte: sparse.csr_matrix,
    temperature: float,
    progress: Progress,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """k-fold models on the examples: returns (classes, batch probabilities from the averaged fold
    models, per-theme thresholds fitted on the held-out probabilities)."""
    classes = np.unique(y)
    col = np.searchsorted(classes, y)
    held = np.zeros((len(y), len(classes)))
    batch = np.zeros((xte.shape[0], len(classes)))
    folds = [int(f) for f in np.unique(fold) if f >= 0]
    for step, f in enumerate(folds):
        _report(progress, 0.3 + 0.6 * step / len(folds))
        train = fold != f
        clf = LinearSVC(C=SVC_C, random_state=SEED)
        clf.fit(xtr[train], y[train], sample_weight=weights[train])
        held[fold == f] = _decision(clf, xtr[fold == f])
        batch += _decision(clf, xte)
    batch /= max(1, len(folds))
    out = fold >= 0
    thresholds = _fit_thresholds(_softmax(held[out], temperature), col[out])
    return classes, _softmax(batch, temperature), thresholds


def _use_embeddings(flag: bool | None, n_unique: int = 0) -> bool:
    """``None`` means: use the sentence-embedding model when it is installed and the batch is not
    too large (``EMBED_MAX_TEXTS`` distinct texts)."""
    if flag is None:
        return n_unique <= EMBED_MAX_TEXTS and embed.available()
    if flag and not embed.available():
        raise RuntimeError("embeddings=True but the sentence-embedding model is not installed")
    return bool(flag)


def mapping_engine(embeddings: bool | None = None, n_unique: int = 0) -> str:
    """Which features :func:`map_to_codebook` uses for a batch of ``n_unique`` distinct texts:
    ``"tfidf+minilm"`` or ``"tfidf"``. For logs and the evaluation report."""
    return "tfidf+minilm" if _use_embeddings(embeddings, n_unique) else "tfidf"


def map_to_codebook(
    texts: Sequence[str],
    codebook: Sequence[CodebookTheme],
    *,
    nlp: Language | None = None,
    progress: Progress = None,
    embeddings: bool | None = None,
) -> list[list[Assignment]]:
    """Assign each text to one or more codebook themes, with a confidence in 0..1.

    A linear SVM on word and character n-grams learns from each theme's examples (officers'
    corrections are just more examples), its name and its description; examples of rare themes
    weigh more (square-root inverse frequency). With enough examples (median >= ``FEW_EXAMPLES``
    per theme) a k-fold cross-validation on the examples fits a probability threshold per theme
    that maximises that theme's held-out F1, and the averaged fold models score the batch: every
    text gets its most likely theme plus any other theme over its threshold (at most three).
    With few examples per theme it instead self-trains on the confident texts of the batch and adds
    a second or third theme when that raises the expected per-comment F1.
    When the sentence-embedding model is installed (``nlp.embed.available()``), all-MiniLM-L6-v2
    embeddings are added to the n-grams; ``embeddings=False`` turns them off, ``True`` requires them,
    ``None`` (default) uses them when installed and the batch has at most ``EMBED_MAX_TEXTS``
    distinct texts (see :func:`mapping_engine`).
    ``nlp`` is accepted for API symmetry; mapping needs no spaCy pipeline. Deterministic.
    """
    del nlp
    if not codebook:
        raise ValueError("codebook is empty")
    _report(progress, 0.0)
    ids = [t.id for t in codebook]
    if len(set(ids)) != len(ids):
        raise ValueError("codebook theme ids must be unique")
    if not texts:  # nothing to map (the vectorisers cannot fit an empty batch's vocabulary alone)
        _report(progress, 1.0)
        return []
    if len(codebook) == 1:
        _report(progress, 1.0)
        return [[Assignment(ids[0], 1.0)] for _ in texts]
    pairs: set[tuple[str, int]] = set()
    named: set[tuple[str, int]] = set()  # names and descriptions: trained on in every fold
    n_examples = []
    # themes in id order, so that the codebook's order does not matter
    by_id = sorted(range(len(codebook)), key=lambda k: ids[k])
    for rank, k in enumerate(by_id):
        t = codebook[k]
        docs = [t.name, f"{t.name}. {t.description}" if t.description else "", *t.examples]
        n_examples.append(len(t.examples))
        for j, doc in enumerate(docs):
            if isinstance(doc, str) and doc.strip():
                pairs.add((_norm(doc), rank))
                if j < 2:
                    named.add((_norm(doc), rank))
    ordered = sorted(pairs)  # canonical order
    train_x = [p[0] for p in ordered]
    y = np.array([p[1] for p in ordered])
    norm_texts = [_norm(t if isinstance(t, str) else "") for t in texts]
    uniq = sorted(set(norm_texts))
    pos = {u: i for i, u in enumerate(uniq)}
    xtr, xte = _map_matrices(train_x, uniq)
    if _use_embeddings(embeddings, len(uniq)):
        # sentence embeddings join the n-grams as dense columns (see DESIGN.md, decision 9)
        etr = embed.encode(train_x)
        ete = embed.encode(uniq, progress=lambda f: _report(progress, 0.05 + 0.25 * f))
        xtr = sparse.hstack([xtr, sparse.csr_matrix(etr.astype(np.float64) * EMBED_WEIGHT)]).tocsr()
        xte = sparse.hstack([xte, sparse.csr_matrix(ete.astype(np.float64) * EMBED_WEIGHT)]).tocsr()
    _report(progress, 0.3)
    few = float(np.median(n_examples)) < FEW_EXAMPLES
    temperature = 8.0 if few else 4.0
    if len(set(y.tolist())) < 2:  # only one theme has any text to learn from
        only = ids[by_id[int(y[0])]] if len(y) else ids[by_id[0]]
        _report(progress, 1.0)
        return [[Assignment(only, 1.0)] for _ in texts]
    weights = _theme_weights(y)
    if not few:
        # k-fold models on the examples; per-theme thresholds from their held-out scores (DESIGN.md, decision 7)
        fixed = np.array([p in named for p in ordered], dtype=bool)
        fold = _folds(train_x, y, fixed, CV_FOLDS)
        classes_arr, proba, thresholds = _cv_map(xtr, y, weights, fold, xte, temperature, progress)
        classes = [int(c) for c in classes_arr]
        _report(progress, 0.9)
        per_uniq = [
            [Assignment(ids[by_id[classes[j]]], round(float(row[j]), 4)) for j in _choose_thresholds(row, thresholds)]
            for row in proba
        ]
        _report(progress, 1.0)
        return [list(per_uniq[pos[t]]) for t in norm_texts]
    clf = LinearSVC(C=SVC_C, random_state=SEED)
    clf.fit(xtr, y, sample_weight=weights)
    proba = _softmax(clf.decision_function(xte), temperature)
    if len(uniq) >= 2 * len(train_x):
        # self-training: the more confident half of the batch joins the examples at low weight
        for step in range(2):
            _report(progress, 0.4 + 0.2 * step)
            conf = proba.max(axis=1)
            sel = np.where(conf >= np.quantile(conf, 0.5))[0]
            x2 = sparse.vstack([xtr, xte[sel]]).tocsr()
            y2 = np.concatenate([y, clf.classes_[proba[sel].argmax(axis=1)]])
            w2 = np.concatenate([weights, np.full(len(sel), 0.3)])
            clf = LinearSVC(C=SVC_C, random_state=SEED)
            clf.fit(x2, y2, sample_weight=w2)
            proba = _softmax(clf.decision_function(xte), temperature)
    _report(progress, 0.9)
    classes = [int(c) for c in clf.classes_]
    per_uniq = [[Assignment(ids[by_id[classes[j]]], round(float(row[j]), 4)) for j in _choose(row)] for row in proba]
    _report(progress, 1.0)
    return [list(per_uniq[pos[t]]) for t in norm_texts]
