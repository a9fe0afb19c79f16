"""Save and come back later: a resident's unsent answers, kept as a draft for a few weeks.

The resident gets a code (shown on screen, and emailed with a link to the page that asks for it
where email is set up). The database keeps only a keyed hash of the code, and the answers sealed
with a key derived from the code and the secret key: a draft cannot be read, even by staff with
the database, without the code. Drafts are deleted when sent, when they expire
(ENGAGE_DRAFT_DAYS after the last save) and when their consultation is no longer open.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engage import crypto
from engage.models import Consultation, ResponseDraft, Status, utcnow
from engage.services.errors import Conflict
from engage.services.responses import _ALPHABET

PURPOSE = "response-draft"
CODE_LENGTH = 12  # 30**12, about 5e17 codes: not guessable, and still easy to copy out
MAX_FIELDS = 200
MAX_VALUE_CHARS = 10_000
FORMAT_ERROR = "Enter the code in the correct format, like ABCD-EFGH-JKMN"


def new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise(raw: str) -> str | None:
    """ "abcd efgh jkmn", "ABCD-EFGH-JKMN" and "abcdefghjkmn" are the same code; None if it cannot be one."""
    compact = "".join(ch for ch in (raw or "").upper() if ch not in " -\t")
    if len(compact) != CODE_LENGTH or any(ch not in _ALPHABET for ch in compact):
        return None
    return "-".join(compact[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def _hash(secret_key: str, code: str) -> str:
    return crypto.keyed_hash(secret_key, PURPOSE, code)


def _clean(answers: dict[str, list[str]]) -> dict[str, list[str]]:
    """What is kept: a bounded number of fields, each value cut to the longest answer allowed."""
    cleaned: dict[str, list[str]] = {}
    for name, values in list(answers.items())[:MAX_FIELDS]:
        kept = [str(v)[:MAX_VALUE_CHARS] for v in values if str(v)]
        if kept:
            cleaned[str(name)[:40]] = kept[:50]
    return cleaned


@dataclass(frozen=True)
class Saved:
    code: str
    expires_at: dt.datetime


def save(
    db: Session,
    secret_key: str,
    consultation_id: int,
    answers: dict[str, list[str]],
    *,
    days: int,
    code: str | None = None,
    now: dt.datetime | None = None,
) -> Saved:
    """Keep the answers so far. Saving again with the same code replaces that draft."""
    now = now or utcnow()
    status = db.scalar(select(Consultation.status).where(Consultation.id == consultation_id))
    if status != Status.OPEN:
        raise Conflict("This consultation is not open for responses")
    purge(db, now)
    code = normalise(code or "")
    draft = None
    if code is not None:
        draft = db.scalar(
            select(ResponseDraft).where(
                ResponseDraft.code_hash == _hash(secret_key, code), ResponseDraft.consultation_id == consultation_id
            )
        )
    if draft is None:
        code = new_code()
        draft = ResponseDraft(consultation_id=consultation_id, code_hash=_hash(secret_key, code))
        db.add(draft)
    assert code is not None
    draft.sealed_answers = crypto.seal(secret_key, f"{PURPOSE}:{code}", json.dumps(_clean(answers)))
    draft.saved_at = now
    draft.expires_at = now + dt.timedelta(days=days)
    db.commit()
    return Saved(code, draft.expires_at)


@dataclass(frozen=True)
class Loaded:
    code: str
    answers: dict[str, list[str]]
    expires_at: dt.datetime


def load(
    db: Session, secret_key: str, consultation_id: int, raw_code: str, now: dt.datetime | None = None
) -> Loaded | None:
    """The draft with this code, or None (no such code, another consultation's, or expired)."""
    code = normalise(raw_code)
    if code is None:
        return None
    draft = db.scalar(
        select(ResponseDraft).where(
            ResponseDraft.code_hash == _hash(secret_key, code),
            ResponseDraft.consultation_id == consultation_id,
            ResponseDraft.expires_at > (now or utcnow()),
        )
    )
    if draft is None:
        return None
    answers: Any = json.loads(crypto.unseal(secret_key, f"{PURPOSE}:{code}", draft.sealed_answers))
    return Loaded(code, answers if isinstance(answers, dict) else {}, draft.expires_at)


def discard(db: Session, secret_key: str, consultation_id: int, raw_code: str) -> None:
    """Delete a draft once its response has been sent."""
    code = normalise(raw_code)
    if code is None:
        return
    db.execute(
        delete(ResponseDraft).where(
            ResponseDraft.code_hash == _hash(secret_key, code), ResponseDraft.consultation_id == consultation_id
        )
    )
    db.commit()


def purge(db: Session, now: dt.datetime | None = None) -> int:
    """Delete expired drafts and the drafts of consultations no longer open. Returns how many."""
    not_open = select(Consultation.id).where(Consultation.status != Status.OPEN).scalar_subquery()
    result = db.execute(
        delete(ResponseDraft).where(
            (ResponseDraft.expires_at <= (now or utcnow())) | ResponseDraft.consultation_id.in_(not_open)
        )
    )
    db.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
