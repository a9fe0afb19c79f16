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
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize
from spacy.language import Language

from nlp import stance as stance_rules
from nlp.analysis import analyse, analyse_text
from nlp.types import Assignment, CodebookTheme, CommentAnalysis, ThemeProposal

__all__ = ["Assignment", "CodebookTheme", "ThemeProposal", "discover", "map_to_codebook"]

Progress = Callable[[float], None] | None
SEED = 0
_PLACEHOLDER = re.compile(r"\[(NAME|EMAIL|PHONE|POSTCODE|ADDRESS|URL|HANDLE)\]")
_SPACES = re.compile(r"\s+")
# Words that carry stance rather than topic: kept out of theme names so names stay neutral.
_STANCE_WORDS = {w for w in (set(stance_rules._POS) | set(stance_rules._NEG)) if " " not in w} | {
    "very", "really", "extremely", "absolutely", "totally", "well", "lot", "lots", "thing", "things",
    "just", "think", "feel", "felt", "like", "would", "did", "does", "got", "get", "make", "made",
    "everything", "nothing", "people", "way", "time", "im", "ive", "dont", "didnt", "wasnt", "isnt",
}
_STOP = sorted(ENGLISH_STOP_WORDS | {"im", "ive", "dont", "didnt", "doesnt", "wasnt", "isnt", "cant", "wont", "ll", "ve", "re"})


def _report(progress: Progress, value: float) -> None:
    if progress is not None:
        progress(min(1.0, max(0.0, value)))


def _norm(text: str) -> str:
    text = _PLACEHOLDER.sub(lambda m: " " + m.group(1).lower() + "x ", text)
    return _SPACES.sub(" ", text.replace("’", "'")).strip().lower()


def _analyses(texts: Sequence[str], nlp: Language | None, analyses: Sequence[CommentAnalysis] | None) -> list[CommentAnalysis]:
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
    return "t" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]


def _vectorize(docs: Sequence[str], weights: np.ndarray) -> tuple[TfidfVectorizer, sparse.csr_matrix]:
    min_df = 2 if len(docs) >= 50 else 1
    vec = TfidfVectorizer(
        ngram_range=(1, 2), min_df=min_df, max_df=0.5, sublinear_tf=True, stop_words=_STOP,
        token_pattern=r"(?u)\b[a-z][a-z']+\b", dtype=np.float64,
    )
    try:
        x = vec.fit_transform(docs)
    except ValueError:  # empty vocabulary (e.g. all texts are stop words)
        vec = TfidfVectorizer(token_pattern=r"(?u)\b\w+\b", min_df=1, dtype=np.float64)
        x = vec.fit_transform([d if d.strip() else "empty" for d in docs])
    return vec, x.tocsr()


def _keyphrases(
    x: sparse.csr_matrix, vec: TfidfVectorizer, members: np.ndarray, weights: np.ndarray, overall: np.ndarray, n: int = 6
) -> list[str]:
    terms = vec.get_feature_names_out()
    w = weights[members]
    sub = x[members]
    mean = np.asarray(sub.multiply(w[:, None]).sum(axis=0)).ravel() / max(w.sum(), 1e-9)
    doc_freq = np.asarray((sub > 0).multiply(w[:, None]).sum(axis=0)).ravel() / max(w.sum(), 1e-9)
    score = mean * np.log1p(mean / (overall + 1e-9)) * np.sqrt(doc_freq + 1e-9)
    order = sorted(range(len(terms)), key=lambda i: (-score[i], terms[i]))
    out: list[str] = []
    for i in order:
        if score[i] <= 0 or len(out) >= n:
            break
        t = str(terms[i])
        if t.endswith("x") and t[:-1] in {"name", "email", "phone", "postcode", "address", "url", "handle"}:
            continue
        # skip a unigram already inside a chosen bigram and vice versa
        if any(t in o.split() or o in t.split() for o in out):
            continue
        out.append(t)
    return out


def _name(keyphrases: Sequence[str], stance: str | None, split: bool) -> str:
    topical = [k for k in keyphrases if not all(w in _STANCE_WORDS for w in k.split())]
    words = (topical or list(keyphrases) or ["other comments"])[:2]
    name = " and ".join(words)
    name = name[:1].upper() + name[1:]
    if split and stance:
        name += {"support": " (in favour)", "oppose": " (concerns)", "neutral": " (neutral or mixed)"}.get(stance, "")
    return name


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
    each). Themes never mix supportive and opposing comments: each topic cluster is split by
    stance. Quotes are redacted text.
    """
    max_themes = max(3, int(max_themes))
    n = len(texts)
    _report(progress, 0.0)
    if n == 0:
        _report(progress, 1.0)
        return [], []
    an = _analyses(texts, nlp, analyses)
    _report(progress, 0.3)

    # Canonical order: unique (normalised text, polarity) keys, sorted.
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

    vec, x = _vectorize(docs, weights)
    m = len(docs)
    if m >= 4 and x.shape[1] >= 3:
        n_comp = int(min(100, x.shape[1] - 1, m - 1))
        svd = TruncatedSVD(n_components=n_comp, random_state=SEED, algorithm="randomized", n_iter=7)
        z = normalize(svd.fit_transform(x))
    else:
        z = normalize(x.toarray()) if x.shape[1] else np.zeros((m, 1))
    _report(progress, 0.5)

    # Number of topics: grows with the data, bounded so that the stance split stays within max_themes.
    k_topics = int(min(max(1, max_themes // 2), max(1, round(math.sqrt(weights.sum() / 4)))))
    k_topics = min(k_topics, len(np.unique(np.round(z, 6), axis=0)))
    if k_topics > 1:
        km = KMeans(n_clusters=k_topics, n_init=10, random_state=SEED)
        topic = km.fit_predict(z, sample_weight=weights)
    else:
        topic = np.zeros(m, dtype=int)
    _report(progress, 0.8)

    # Groups = (topic, polarity); small groups merge into the nearest same-polarity group.
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for i in range(m):
        groups[(int(topic[i]), pol[i])].append(i)
    total = weights.sum()
    min_size = max(2.0, 0.02 * total)

    def gsize(g: tuple[int, str]) -> float:
        return float(weights[groups[g]].sum())

    def centroid(g: tuple[int, str]) -> np.ndarray:
        idx = groups[g]
        c = (z[idx] * weights[idx, None]).sum(axis=0)
        return c / (np.linalg.norm(c) + 1e-12)

    def has_partner(g: tuple[int, str]) -> bool:
        return any(h != g and h[1] == g[1] for h in groups)

    while True:
        order = sorted(groups, key=lambda g: (gsize(g), g))
        cand = [g for g in order if gsize(g) < min_size and has_partner(g)]
        if not cand and len(groups) > max_themes:
            cand = [g for g in order if has_partner(g)]
        if not cand:
            break
        g = cand[0]
        cg = centroid(g)
        same = [h for h in groups if h != g and h[1] == g[1]]
        target = max(same, key=lambda h: (float(centroid(h) @ cg), -h[0]))
        groups[target].extend(groups.pop(g))

    overall = np.asarray(x.multiply(weights[:, None]).sum(axis=0)).ravel() / max(total, 1e-9)
    topic_counts = Counter(t for t, _p in groups)
    themes: list[ThemeProposal] = []
    member_theme: dict[int, int] = {}
    member_score: dict[int, float] = {}
    ordered_groups = sorted(groups, key=lambda g: (-gsize(g), g))
    for gi, g in enumerate(ordered_groups):
        idx = np.array(sorted(groups[g]))
        c = centroid(g)
        sims = z[idx] @ c
        kp = _keyphrases(x, vec, idx, weights, overall)
        stance = g[1]
        split = topic_counts[g[0]] > 1
        count = int(gsize(g))
        # representative quotes: closest to the centroid, distinct, not too short
        quote_order = sorted(range(len(idx)), key=lambda j: (-(sims[j] + 0.05 * min(len(docs[idx[j]]), 200) / 200), docs[idx[j]]))
        quotes: list[str] = []
        for j in quote_order:
            q = redacted_of[int(idx[j])].strip()
            if len(q) < 3 or q in quotes:
                continue
            quotes.append(q if len(q) <= 300 else q[:297].rstrip() + "...")
            if len(quotes) >= 3:
                break
        name = _name(kp, stance, split)
        share = count / total
        desc_terms = ", ".join(f'"{k}"' for k in kp[:4]) or "no recurring terms"
        description = (
            f"{count} comment{'s' if count != 1 else ''} ({share:.0%}) that mention {desc_terms}; "
            f"stance: {stance if stance != 'neutral' else 'neutral or mixed'}."
        )
        themes.append(ThemeProposal(_theme_id(kp, stance), name, description, kp, quotes, count, stance))
        for j, i in enumerate(idx):
            member_theme[int(i)] = gi
            member_score[int(i)] = float(max(0.0, min(1.0, (sims[j] + 1) / 2)))
    # unique ids
    seen: Counter[str] = Counter()
    for t in themes:
        seen[t.id] += 1
        if seen[t.id] > 1:
            t.id = f"{t.id}{seen[t.id]}"
    assignments = [
        [Assignment(themes[member_theme[int(r)]].id, round(member_score[int(r)], 4))] for r in row_of
    ]
    _report(progress, 1.0)
    return themes, assignments


# --------------------------------------------------------------------------------------------
# Mapping to a codebook


def _map_features() -> tuple[TfidfVectorizer, TfidfVectorizer]:
    word = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True, token_pattern=r"(?u)\b\w[\w']*\b", dtype=np.float64)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, max_features=200_000, dtype=np.float64)
    return word, char


def map_to_codebook(
    texts: Sequence[str],
    codebook: Sequence[CodebookTheme],
    *,
    nlp: Language | None = None,
    progress: Progress = None,
) -> list[list[Assignment]]:
    """Assign each text to one or more codebook themes, with a confidence in 0..1.

    Every text gets at least one theme (the most likely). Examples (officers' corrections
    included) train a linear classifier; the theme's name and description count as examples.
    """
    if not codebook:
        raise ValueError("codebook is empty")
    _report(progress, 0.0)
    ids = [t.id for t in codebook]
    if len(set(ids)) != len(ids):
        raise ValueError("codebook theme ids must be unique")
    train_x: list[str] = []
    train_y: list[int] = []
    for k, t in enumerate(codebook):
        for doc in [t.name, f"{t.name}. {t.description}" if t.description else "", *t.examples]:
            if doc and doc.strip():
                train_x.append(_norm(doc))
                train_y.append(k)
    # canonical order of the training set
    pairs = sorted(set(zip(train_x, train_y)))
    train_x = [p[0] for p in pairs]
    y = np.array([p[1] for p in pairs])
    norm_texts = [_norm(t if isinstance(t, str) else "") for t in texts]
    if len(codebook) == 1:
        _report(progress, 1.0)
        return [[Assignment(ids[0], 1.0)] for _ in texts]
    word, char = _map_features()
    xw = word.fit_transform(train_x)
    try:
        xc = char.fit_transform(train_x)
    except ValueError:
        char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=1, sublinear_tf=True, dtype=np.float64)
        xc = char.fit_transform(train_x)
    xtr = sparse.hstack([xw, xc]).tocsr()
    _report(progress, 0.3)
    clf = LogisticRegression(C=20.0, max_iter=2000, random_state=SEED)
    clf.fit(xtr, y)
    _report(progress, 0.7)
    out: list[list[Assignment]] = []
    classes = list(clf.classes_)
    batch = 2000
    for start in range(0, len(norm_texts), batch):
        chunk = norm_texts[start : start + batch]
        xt = sparse.hstack([word.transform(chunk), char.transform(chunk)]).tocsr()
        proba = clf.predict_proba(xt)
        for row in proba:
            order = np.argsort(-row, kind="stable")
            top = order[0]
            chosen = [top]
            for j in order[1:3]:
                if row[j] >= 0.35 and row[j] >= 0.6 * row[top]:
                    chosen.append(j)
            out.append([Assignment(ids[classes[j]], round(float(row[j]), 4)) for j in chosen])
        _report(progress, 0.7 + 0.3 * min(1.0, (start + batch) / max(1, len(norm_texts))))
    _report(progress, 1.0)
    return out
