"""analyse(): redaction, flags and stance for a batch of comments."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from spacy.language import Language
from spacy.tokens import Doc

from nlp import flags as flag_rules
from nlp import redact
from nlp import stance as stance_rules
from nlp.components import YOUNG_PERSON_KEY
from nlp.results import CommentAnalysis, Flag, Redaction

__all__ = ["CommentAnalysis", "Flag", "Redaction", "analyse", "analyse_text"]


def _docs(nlp: Language, texts: Sequence[str], young: Sequence[bool]) -> Iterator[Doc]:
    for text, yp in zip(texts, young, strict=True):
        doc = nlp.make_doc(text)
        if yp:
            doc.user_data[YOUNG_PERSON_KEY] = True
        yield doc


def analyse(
    nlp: Language,
    texts: Sequence[str],
    *,
    young_person: Sequence[bool] | None = None,
    batch_size: int = 256,
) -> list[CommentAnalysis]:
    """Analyse ``texts`` with a pipeline from :func:`nlp.pipeline.load_pipeline`.

    Returns one :class:`CommentAnalysis` per text, in order. ``young_person[i]`` marks a comment
    written by a young person: safeguarding flags then quote the sentence verbatim and a few
    extra distress phrases are flagged.
    """
    texts = [t if isinstance(t, str) else "" for t in texts]
    if young_person is None:
        young: Sequence[bool] = [False] * len(texts)
    else:
        if len(young_person) != len(texts):
            raise ValueError("young_person must have one entry per text")
        young = young_person
    out: list[CommentAnalysis] = []
    for doc in nlp.pipe(_docs(nlp, texts, young), batch_size=batch_size):
        if doc._.redactions is None:  # pipeline without the engage components
            doc._.redactions = [
                Redaction(s, e, lab)
                for s, e, lab in redact.find_all(
                    doc.text, [(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents]
                )
            ]
            doc._.redacted = redact.apply(doc.text, [(r.start, r.end, r.label) for r in doc._.redactions])
        if doc._.flags is None:
            yp = bool(doc.user_data.get(YOUNG_PERSON_KEY, False))
            doc._.flags = [Flag(k, r) for k, r in flag_rules.find_flags(doc.text, young_person=yp)]
        if doc._.stance is None:
            doc._.stance = stance_rules.stance(doc.text)
        out.append(CommentAnalysis(doc._.redacted, list(doc._.redactions), list(doc._.flags), doc._.stance))
    return out


def analyse_text(text: str, *, young_person: bool = False) -> CommentAnalysis:
    """Regex-only analysis (no NER) for one text: a fallback when no pipeline is loaded."""
    spans = redact.find_all(text)
    return CommentAnalysis(
        redact.apply(text, spans),
        [Redaction(s, e, lab) for s, e, lab in spans],
        [Flag(k, r) for k, r in flag_rules.find_flags(text, young_person=young_person)],
        stance_rules.stance(text),
    )
