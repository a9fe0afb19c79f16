"""spaCy components: engage_redact_v1, engage_flags_v1, engage_stance_v1.

spaCy forbids "." in factory names (error E853), so the versioned names of the issue
("engage.redact.v1" ...) are spelt with underscores.

They store plain Python results on ``doc._``; nothing here touches a database.
Per-document context (``young_person``) travels in ``doc.user_data["engage.young_person"]``.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from nlp import flags as flag_rules
from nlp import redact
from nlp import stance as stance_rules
from nlp.results import Flag, Redaction

YOUNG_PERSON_KEY = "engage.young_person"

for _attr, _default in (("redactions", None), ("redacted", None), ("flags", None), ("stance", None)):
    if not Doc.has_extension(_attr):
        Doc.set_extension(_attr, default=_default)


class RedactComponent:
    def __init__(self, use_ner: bool = True) -> None:
        self.use_ner = use_ner

    def __call__(self, doc: Doc) -> Doc:
        ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents] if self.use_ner else []
        spans = redact.find_all(doc.text, ents)
        doc._.redactions = [Redaction(s, e, label) for s, e, label in spans]
        doc._.redacted = redact.apply(doc.text, spans)
        return doc


class FlagsComponent:
    def __call__(self, doc: Doc) -> Doc:
        young = bool(doc.user_data.get(YOUNG_PERSON_KEY, False))
        doc._.flags = [Flag(k, r) for k, r in flag_rules.find_flags(doc.text, young_person=young)]
        return doc


class StanceComponent:
    def __call__(self, doc: Doc) -> Doc:
        doc._.stance = stance_rules.stance(doc.text)
        return doc


@Language.factory("engage_redact_v1", default_config={"use_ner": True})
def make_redact(nlp: Language, name: str, use_ner: bool) -> RedactComponent:
    return RedactComponent(use_ner=use_ner)


@Language.factory("engage_flags_v1")
def make_flags(nlp: Language, name: str) -> FlagsComponent:
    return FlagsComponent()


@Language.factory("engage_stance_v1")
def make_stance(nlp: Language, name: str) -> StanceComponent:
    return StanceComponent()
