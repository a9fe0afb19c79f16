"""Importing transcribed paper responses and workshop notes from CSV or Excel files.

An officer uploads a file (its columns are read at once), maps columns to questions, and a
worker checks every row and stores a preview with per-row errors; nothing is saved until the
officer confirms. The worker then imports in batches of BATCH rows, each batch one
transaction with the job's counters, so a failure loses nothing already saved.

Every imported row gets an idempotency key from its content, its session and how many
identical rows came before it in the file: importing the same file again, or a longer
version of it, creates nothing twice, while two identical paper forms in one file stay two.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import re
import time
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from engage.forms import MAX_ANSWER_CHARS
from engage.labels import AGREEMENT_SCALE, AUDIENCE
from engage.models import (
    Answer,
    Audience,
    Channel,
    Consultation,
    EngagementSession,
    ImportJob,
    ImportStatus,
    Question,
    QuestionKind,
    Response,
    utcnow,
)
from engage.services import audit
from engage.services.errors import Conflict, NotFound, ValidationFailed
from engage.services.responses import new_reference

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_COLUMNS = 200
MAX_ROWS = 1_000_000  # rows under the header; a council's largest paper exercise is far smaller
# An .xlsx is a zip: what it unpacks to is bounded before anything unpacks it (a zip bomb of
# shared strings once took 128 s and 1.26 GB). Python's zipfile never inflates a member past the
# size its directory declares (and checks the CRC), so these declared sizes are real bounds.
MAX_XLSX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_XLSX_PART_BYTES = {"xl/sharedStrings.xml": 32 * 1024 * 1024}
MAX_XLSX_PARTS = 1000
HEADER_SECONDS = 60  # reading the columns, in a separate process
HEADER_MEMORY_BYTES = 1024 * 1024 * 1024
BATCH = 1000
KEPT_ERRORS = 200
PREVIEW_ROWS = 10
STALE_AFTER = dt.timedelta(minutes=10)
OFFLINE_CHANNELS = (Channel.PAPER, Channel.WORKSHOP, Channel.EMAIL)
QUEUED = (ImportStatus.CHECK_QUEUED, ImportStatus.IMPORT_QUEUED)
RUNNING = (ImportStatus.CHECKING, ImportStatus.IMPORTING)

# A cell a spreadsheet would run as a formula (CSV injection): "=...", or + - @ followed by a
# function call, a DDE link or arithmetic. "- more buses" and "+44 7700 900123" are fine.
_FORMULA = re.compile(r"^\s*(=|[+\-@]\s*[\w.]*\s*[(|!]|[+\-@][\d.]+\s*[+\-*/^&])")


class FileProblem(ValidationFailed):
    """The file as a whole cannot be read; the message says what to do about it."""

    def __init__(self, message: str) -> None:
        super().__init__({"file": message})


def looks_like_formula(text: str) -> bool:
    return bool(_FORMULA.match(text)) or text[:1] in ("\t", "\r")


# ---- Reading files -----------------------------------------------------------------------


def file_format(filename: str) -> str:
    name = filename.lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".xlsx"):
        return "xlsx"
    raise FileProblem("The selected file must be a CSV or an Excel (.xlsx) file")


def _decode(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise FileProblem("The file says it is UTF-16 text but is not: save it again as CSV UTF-8") from exc
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise FileProblem(
            f"The file is not UTF-8 text (the first problem is on line {line}). "
            'In Excel, use "Save as" and choose "CSV UTF-8 (comma delimited)", then upload it again'
        ) from exc
    if "\x00" in text:
        raise FileProblem("The file is not a CSV text file. Upload a CSV or an Excel (.xlsx) file")
    return text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class Table:
    """A file's rows as lists of strings, header first; `fraction()` says how far reading has got."""

    rows: Iterator[list[str]]
    fraction: Any


def _csv_table(content: bytes) -> Table:
    text = _decode(content)
    buffer = io.StringIO(text)
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
    except csv.Error:
        dialect = csv.excel
    csv.field_size_limit(MAX_FILE_BYTES)
    reader = csv.reader(buffer, dialect)
    size = max(1, len(text))

    def rows() -> Iterator[list[str]]:
        try:
            yield from reader
        except csv.Error as exc:
            raise FileProblem(f"Line {reader.line_num} of the file cannot be read as CSV: {exc}") from exc

    return Table(rows(), lambda: buffer.tell() / size)


def check_xlsx_size(content: bytes) -> None:
    """Refuse a workbook that would unpack to more than we are willing to read, before reading it."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError) as exc:
        raise FileProblem("The file is not an Excel .xlsx workbook we can read. Save it again as .xlsx or CSV") from exc
    too_big = FileProblem(
        "The workbook is too large once unpacked. Delete unused sheets and formatting, or save it as CSV"
    )
    if len(members) > MAX_XLSX_PARTS:
        raise too_big
    if sum(m.file_size for m in members) > MAX_XLSX_UNPACKED_BYTES:
        raise too_big
    for m in members:
        limit = MAX_XLSX_PART_BYTES.get(m.filename.lstrip("/"))
        if limit is not None and m.file_size > limit:
            raise too_big


def _xlsx_table(content: bytes) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    check_xlsx_size(content)
    try:
        # data_only=False: a formula comes through as its text ("=...") and is refused, never run.
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        sheet = book.worksheets[0]
    except (zipfile.BadZipFile, zlib.error, InvalidFileException, KeyError, OSError, ValueError, IndexError) as exc:
        raise FileProblem("The file is not an Excel .xlsx workbook we can read. Save it again as .xlsx or CSV") from exc
    total = max(1, sheet.max_row or 1)
    done = [0]

    def rows() -> Iterator[list[str]]:
        try:
            for row in sheet.iter_rows(values_only=True):
                done[0] += 1
                yield [_cell(v) for v in row]
        except (zipfile.BadZipFile, zlib.error, KeyError, ValueError, OSError) as exc:
            raise FileProblem(f"Row {done[0]} of the workbook cannot be read: save it again as .xlsx or CSV") from exc
        finally:
            book.close()

    return Table(rows(), lambda: done[0] / total)


def open_table(content: bytes, fmt: str) -> Table:
    return _xlsx_table(content) if fmt == "xlsx" else _csv_table(content)


def read_header(content: bytes, fmt: str) -> list[str]:
    table = open_table(content, fmt)
    header = next(table.rows, None)
    while header is not None and not any(c.strip() for c in header):
        header = next(table.rows, None)  # blank lines above the header
    if header is None:
        raise FileProblem("The selected file is empty")
    while header and not header[-1].strip():
        header.pop()  # Excel's trailing empty columns
    if len(header) > MAX_COLUMNS:
        raise FileProblem(f"The file has {len(header)} columns; the most we can import is {MAX_COLUMNS}")
    names = [c.strip()[:200] or f"Column {i}" for i, c in enumerate(header, start=1)]
    dupes = [n for n, k in Counter(names).items() if k > 1]
    if dupes:
        raise FileProblem(f'Two columns are both called "{dupes[0]}". Give every column a different heading')
    return names


def _limit_memory() -> None:  # pragma: no cover - runs in the child process
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (HEADER_MEMORY_BYTES, HEADER_MEMORY_BYTES))


def read_header_isolated(content: bytes, filename: str) -> tuple[str, list[str]]:
    """(format, columns), read in a separate process with a memory cap and a time limit, so that a
    hostile file can slow or crash only that process, never the web process or its database
    transactions. Called before any transaction is open."""
    import concurrent.futures
    import multiprocessing

    fmt = file_format(filename)
    if fmt == "xlsx":
        check_xlsx_size(content)  # cheap: the zip's directory only
    pool = concurrent.futures.ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_limit_memory
    )
    try:
        return fmt, pool.submit(read_header, content, fmt).result(timeout=HEADER_SECONDS)
    except ValidationFailed:
        raise
    except concurrent.futures.TimeoutError as exc:
        raise FileProblem("The file took too long to read. Save it again as CSV, or split it") from exc
    except Exception as exc:  # MemoryError, a crashed child (BrokenProcessPool)
        raise FileProblem("The file is too large or complex to read. Save it again as CSV, or split it") from exc
    finally:
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()  # a reader still running after the time limit is not waited for
        pool.shutdown(wait=False, cancel_futures=True)


# ---- Upload and mapping ---------------------------------------------------------------------


def upload(
    db: Session,
    actor_id: int,
    consultation_id: int,
    *,
    filename: str,
    content: bytes,
    channel: Channel,
    audience: Audience,
    held_on: dt.date | None,
    place: str,
    facilitator: str,
    columns: list[str] | None = None,
) -> ImportJob:
    """Keep the file for checking; nothing is imported yet. The columns come from
    read_header_isolated (the web view), or are read here before the transaction begins."""
    if channel not in OFFLINE_CHANNELS:
        raise ValidationFailed({"channel": "Select where these responses came from"})
    if not content:
        raise FileProblem("The selected file is empty")
    if len(content) > MAX_FILE_BYTES:
        raise FileProblem(f"The selected file must be smaller than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    fmt = file_format(filename)
    if columns is None:
        db.rollback()  # nothing open while the file is read (SQLite would hold its write lock)
        columns = read_header(content, fmt)
    if db.get(Consultation, consultation_id) is None:
        raise NotFound(str(consultation_id))
    session = _session_for(db, consultation_id, channel, held_on, place.strip(), facilitator.strip())
    job = ImportJob(
        consultation_id=consultation_id,
        session_id=session.id,
        channel=channel,
        audience=audience,
        filename=filename[-255:],
        file_format=fmt,
        file_hash=hashlib.sha256(content).hexdigest(),
        content=content,
        columns=columns,
        mapping={},
        requested_by_id=actor_id,
        message="Waiting for the columns to be matched to questions",
    )
    db.add(job)
    db.flush()
    audit.record(db, actor_id, "import.uploaded", "consultation", consultation_id, job_id=job.id, filename=filename)
    db.commit()
    return job


def _session_for(
    db: Session, consultation_id: int, channel: Channel, held_on: dt.date | None, place: str, facilitator: str
) -> EngagementSession:
    """The same workshop named twice is one session."""
    found = db.scalars(
        select(EngagementSession).where(
            EngagementSession.consultation_id == consultation_id,
            EngagementSession.channel == channel,
            EngagementSession.held_on.is_(None) if held_on is None else EngagementSession.held_on == held_on,
            EngagementSession.place == place,
            EngagementSession.facilitator == facilitator,
        )
    ).first()
    if found is not None:
        return found
    session = EngagementSession(
        consultation_id=consultation_id, channel=channel, held_on=held_on, place=place, facilitator=facilitator
    )
    db.add(session)
    db.flush()
    return session


def get_job(db: Session, job_id: int) -> ImportJob:
    job = db.get(ImportJob, job_id, populate_existing=True)
    if job is None:
        raise NotFound(str(job_id))
    return job


def session_of(db: Session, job: ImportJob) -> EngagementSession | None:
    return db.get(EngagementSession, job.session_id) if job.session_id else None


def list_jobs(db: Session, consultation_id: int) -> list[ImportJob]:
    return list(
        db.scalars(select(ImportJob).where(ImportJob.consultation_id == consultation_id).order_by(ImportJob.id.desc()))
    )


def earlier_import(db: Session, job: ImportJob) -> ImportJob | None:
    """The same file, already imported into this consultation."""
    return db.scalars(
        select(ImportJob)
        .where(
            ImportJob.consultation_id == job.consultation_id,
            ImportJob.file_hash == job.file_hash,
            ImportJob.status == ImportStatus.DONE,
            ImportJob.id != job.id,
        )
        .order_by(ImportJob.id)
    ).first()


def save_mapping(
    db: Session, actor_id: int, job_id: int, questions: dict[int, str], audience_column: str = ""
) -> ImportJob:
    """Match columns to questions and queue the check that builds the preview."""
    job = get_job(db, job_id)
    if job.status not in (ImportStatus.UPLOADED, ImportStatus.READY):
        raise Conflict("This import has already started")
    ids = set(db.scalars(select(Question.id).where(Question.consultation_id == job.consultation_id)))
    mapped = {qid: col for qid, col in questions.items() if col}
    errors: dict[str, str] = {}
    for qid, col in mapped.items():
        if qid not in ids:
            errors[f"q{qid}"] = "That question is not part of this consultation"
        elif col not in job.columns:
            errors[f"q{qid}"] = f'The file has no column called "{col}"'
    if audience_column and audience_column not in job.columns:
        errors["audience_column"] = f'The file has no column called "{audience_column}"'
    if not mapped and not errors:
        errors["mapping"] = "Match at least one column to a question"
    if errors:
        raise ValidationFailed(errors)
    job.mapping = {"questions": {str(k): v for k, v in mapped.items()}, "audience": audience_column}
    job.status = ImportStatus.CHECK_QUEUED
    job.progress = 0.0
    job.message = "Waiting to check the rows"
    job.error = None
    audit.record(db, actor_id, "import.mapped", "consultation", job.consultation_id, job_id=job.id)
    db.commit()
    return job


def confirm(db: Session, actor_id: int, job_id: int) -> ImportJob:
    """The officer has seen the preview: queue the import (or a retry of a failed one)."""
    job = get_job(db, job_id)
    has_file = db.scalar(select(ImportJob.id).where(ImportJob.id == job_id, ImportJob.content.is_not(None)))
    retry = job.status == ImportStatus.FAILED and job.valid_rows > 0 and has_file is not None
    if job.status != ImportStatus.READY and not retry:
        raise Conflict("This import is not ready to be confirmed")
    if job.valid_rows == 0:
        raise Conflict("There are no rows without errors to import")
    job.status = ImportStatus.IMPORT_QUEUED
    job.progress = 0.0
    job.message = "Waiting to import"
    job.error = None
    audit.record(db, actor_id, "import.confirmed", "consultation", job.consultation_id, job_id=job.id)
    db.commit()
    return job


# ---- Checking rows --------------------------------------------------------------------------


@dataclass
class Plan:
    """What the mapping means for each row."""

    width: int
    strict_width: bool  # CSV rows must have as many cells as the header
    columns: list[tuple[int, Question]]  # (column index, question)
    audience_index: int | None
    default_audience: Audience
    column_names: list[str]


@dataclass
class Row:
    number: int  # as the officer sees it in the file (header is row 1)
    audience: Audience | None = None
    answers: dict[int, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    blank: bool = False


def _plan(db: Session, job: ImportJob) -> Plan:
    questions = {q.id: q for q in db.scalars(select(Question).where(Question.consultation_id == job.consultation_id))}
    index = {name: i for i, name in enumerate(job.columns)}
    cols = [(index[col], questions[int(qid)]) for qid, col in job.mapping.get("questions", {}).items()]
    aud = job.mapping.get("audience") or ""
    return Plan(
        width=len(job.columns),
        strict_width=job.file_format == "csv",
        columns=sorted(cols, key=lambda c: c[1].position),
        audience_index=index[aud] if aud else None,
        default_audience=job.audience,
        column_names=list(job.columns),
    )


_AUDIENCE_WORDS = {**{a.value: a for a in Audience}, **{AUDIENCE[a].lower(): a for a in Audience}}


def _match(value: str, options: list[str]) -> str | None:
    lowered = {o.lower(): o for o in options}
    return lowered.get(value.strip().lower())


def check_row(plan: Plan, number: int, cells: list[str]) -> Row:
    row = Row(number)
    if not any(c.strip() for c in cells):
        row.blank = True
        return row
    extra = cells[plan.width :]
    if any(c.strip() for c in extra):
        row.errors.append(f"Row has {len(cells)} cells but the header has {plan.width}: check for a stray comma")
    if plan.strict_width and len(cells) < plan.width:
        row.errors.append(f"Row has {len(cells)} cells but the header has {plan.width}: a column is missing")
    cells = cells + [""] * (plan.width - len(cells))

    def value(i: int) -> str | None:
        text = cells[i].strip()
        name = plan.column_names[i]
        if len(text) > MAX_ANSWER_CHARS:
            row.errors.append(f'"{name}" has {len(text):,} characters; the most is {MAX_ANSWER_CHARS:,}')
            return None
        if looks_like_formula(text):
            row.errors.append(
                f'"{name}" starts like a spreadsheet formula ({text[:12]!r}). Remove the = + - or @ at the start'
            )
            return None
        return text

    for i, q in plan.columns:
        text = value(i)
        if not text:
            continue
        if q.kind == QuestionKind.FREE_TEXT:
            row.answers[q.id] = text
        elif q.kind == QuestionKind.MULTIPLE_CHOICE:
            picked = [p for p in re.split(r"[;\n]", text) if p.strip()]
            matched = [_match(p, list(q.options)) for p in picked]
            if None in matched:
                bad = picked[matched.index(None)].strip()
                row.errors.append(f'"{plan.column_names[i]}": "{bad[:40]}" is not one of: ' + ", ".join(q.options))
            else:
                row.answers[q.id] = list(dict.fromkeys(m for m in matched if m))
        else:
            options = AGREEMENT_SCALE if q.kind == QuestionKind.AGREEMENT else list(q.options)
            chosen = _match(text, options)
            if chosen is None:
                row.errors.append(f'"{plan.column_names[i]}": "{text[:40]}" is not one of: ' + ", ".join(options))
            else:
                row.answers[q.id] = chosen
    row.audience = plan.default_audience
    if plan.audience_index is not None:
        text = value(plan.audience_index)
        if text:
            found = _AUDIENCE_WORDS.get(text.lower())
            if found is None:
                row.errors.append(f'"{plan.column_names[plan.audience_index]}": "{text[:40]}" is not a kind of person')
            row.audience = found or plan.default_audience
    if not row.answers and not row.errors:
        row.errors.append("Nothing to import: the columns matched to questions are empty")
    return row


def _rows(job: ImportJob, plan: Plan) -> tuple[Table, Iterator[Row]]:
    assert job.content is not None, "the file is dropped only after a finished import"
    table = open_table(job.content, job.file_format)

    def rows() -> Iterator[Row]:
        number = 0
        header_seen = False
        for cells in table.rows:
            number += 1
            if not header_seen:
                header_seen = any(c.strip() for c in cells)
                continue
            if number > MAX_ROWS + 1:
                raise FileProblem(f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files")
            row = check_row(plan, number, cells)
            if not row.blank:
                yield row

    return table, rows()


def row_key(job: ImportJob, session: EngagementSession | None, row: Row, occurrence: int) -> str:
    canonical = json.dumps(
        {
            "c": job.consultation_id,
            "ch": job.channel.value,
            "s": [str(session.held_on), session.place.lower(), session.facilitator.lower()] if session else None,
            "a": row.audience.value if row.audience else None,
            "x": {str(k): v for k, v in sorted(row.answers.items())},
            "n": occurrence,
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


# ---- The worker's side ------------------------------------------------------------------------


def claim_next(db: Session, worker: str) -> int | None:
    job = db.scalars(
        select(ImportJob)
        .where(ImportJob.status.in_(QUEUED))
        .order_by(ImportJob.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if job is None:
        db.rollback()
        return None
    job.status = ImportStatus.CHECKING if job.status == ImportStatus.CHECK_QUEUED else ImportStatus.IMPORTING
    job.worker = worker
    job.heartbeat_at = utcnow()
    db.commit()
    return job.id


def requeue_stale(db: Session) -> int:
    cutoff = utcnow() - STALE_AFTER
    jobs = db.scalars(select(ImportJob).where(ImportJob.status.in_(RUNNING), ImportJob.heartbeat_at < cutoff)).all()
    for job in jobs:
        job.status = ImportStatus.CHECK_QUEUED if job.status == ImportStatus.CHECKING else ImportStatus.IMPORT_QUEUED
        job.message = "Restarted after the worker stopped"
    db.commit()
    return len(jobs)


class _Progress:
    def __init__(self, sessions: sessionmaker[Session], job_id: int) -> None:
        self.sessions, self.job_id, self.last = sessions, job_id, 0.0

    def __call__(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - self.last < 0.5:
            return
        self.last = now
        with self.sessions() as db:
            job = db.get(ImportJob, self.job_id)
            if job is not None:
                job.progress = max(0.0, min(1.0, fraction))
                job.message = message
                job.heartbeat_at = utcnow()
                db.commit()


def run_job(sessions: sessionmaker[Session], job_id: int) -> None:
    """Check or import, whichever was claimed; a problem fails the job with a clear message."""
    with sessions() as db:
        status = get_job(db, job_id).status
    try:
        if status == ImportStatus.CHECKING:
            _check(sessions, job_id)
        elif status == ImportStatus.IMPORTING:
            _import(sessions, job_id)
    except Exception as exc:  # a job must never take the worker down with it
        if isinstance(exc, ValidationFailed):
            message = "; ".join(exc.errors.values())
        else:
            log.exception("import job %s failed", job_id)
            message = f"Something went wrong ({type(exc).__name__}). Rows already imported are kept: try again."
        with sessions() as db:
            job = get_job(db, job_id)
            job.status = ImportStatus.FAILED
            job.error = message[:2000]
            job.message = "Stopped"
            job.finished_at = utcnow()
            db.commit()


def _check(sessions: sessionmaker[Session], job_id: int) -> None:
    progress = _Progress(sessions, job_id)
    with sessions() as db:
        job = get_job(db, job_id)
        plan = _plan(db, job)
        questions = {q.id: q.text for _, q in plan.columns}
        table, rows = _rows(job, plan)
        db.commit()  # end the read transaction: on SQLite it would block the progress writes
        total = valid = errors_total = 0
        errors: list[dict[str, Any]] = []
        preview: list[dict[str, Any]] = []
        for row in rows:
            total += 1
            if row.errors:
                errors_total += 1
                if len(errors) < KEPT_ERRORS:
                    errors.append({"row": row.number, "errors": row.errors})
            else:
                valid += 1
                if len(preview) < PREVIEW_ROWS:
                    preview.append(
                        {
                            "row": row.number,
                            "audience": row.audience.value if row.audience else "",
                            "answers": [
                                [questions[q], "; ".join(v) if isinstance(v, list) else v]
                                for q, v in row.answers.items()
                            ],
                        }
                    )
            if total % 500 == 0:
                progress(table.fraction(), f"Checked {total:,} rows")
        job = get_job(db, job_id)
        job.total_rows, job.valid_rows, job.error_count = total, valid, errors_total
        job.errors, job.preview = errors, preview
        job.status = ImportStatus.READY
        job.progress = 1.0
        job.message = f"Checked {total:,} rows"
        db.commit()


def _import(sessions: sessionmaker[Session], job_id: int) -> None:
    progress = _Progress(sessions, job_id)
    with sessions() as db:
        job = get_job(db, job_id)
        plan = _plan(db, job)
        session = session_of(db, job)
        _, rows = _rows(job, plan)
        expected = job.valid_rows
        db.commit()  # each batch is its own transaction; progress is written in between
        seen: Counter[str] = Counter()
        batch: list[tuple[str, Row]] = []
        done = 0
        for row in rows:
            if row.errors:
                continue
            base = row_key(job, session, row, 0)
            seen[base] += 1
            batch.append((row_key(job, session, row, seen[base] - 1) if seen[base] > 1 else base, row))
            if len(batch) >= BATCH:
                done += _store_batch(db, job_id, batch)
                batch = []
                progress(done / max(1, expected), f"Imported {done:,} of {expected:,} rows")
        if batch:
            done += _store_batch(db, job_id, batch)
        job = get_job(db, job_id)
        job.status = ImportStatus.DONE
        job.progress = 1.0
        job.message = f"Imported {job.created_count:,} responses"
        job.finished_at = utcnow()
        job.content = None  # the file may hold personal details: keep only what was imported
        audit.record(
            db,
            job.requested_by_id,
            "import.finished",
            "consultation",
            job.consultation_id,
            job_id=job.id,
            created=job.created_count,
            skipped=job.skipped_count,
        )
        db.commit()


def _store_batch(db: Session, job_id: int, batch: list[tuple[str, Row]]) -> int:
    """One transaction: the new responses and the job's counters, so progress never lies."""
    for _attempt in range(5):
        try:
            return _try_batch(db, job_id, batch)
        except IntegrityError:
            # A reference collided (or another worker stored the same rows): try again afresh,
            # with new references. The insert itself raises it, not only the commit.
            db.rollback()
    raise RuntimeError("Could not store a batch of rows")


def _try_batch(db: Session, job_id: int, batch: list[tuple[str, Row]]) -> int:
    job = get_job(db, job_id)
    keys = [k for k, _ in batch]
    existing = set(db.scalars(select(Response.idempotency_key).where(Response.idempotency_key.in_(keys))))
    new = [(key, row) for key, row in batch if key not in existing]
    created = len(new)
    if new:
        # Bulk inserts (one statement per table, RETURNING the new ids in order): about ten
        # times faster than adding ORM objects one by one.
        ids = db.scalars(
            insert(Response).returning(Response.id, sort_by_parameter_order=True),
            [
                {
                    "consultation_id": job.consultation_id,
                    "reference": new_reference(),
                    "channel": job.channel,
                    "audience": row.audience or job.audience,
                    "idempotency_key": key,
                    "session_id": job.session_id,
                    "import_id": job.id,
                    "submitted_at": utcnow(),
                }
                for key, row in new
            ],
        ).all()
        # Text and choice answers go in separately, so the unused column stays SQL NULL (not JSON null).
        pairs = [(rid, qid, v) for rid, (_, row) in zip(ids, new, strict=True) for qid, v in row.answers.items()]
        texts = [{"response_id": r, "question_id": q, "text": v} for r, q, v in pairs if not isinstance(v, list)]
        choices = [{"response_id": r, "question_id": q, "choices": v} for r, q, v in pairs if isinstance(v, list)]
        for rows in (texts, choices):
            if rows:
                db.execute(insert(Answer), rows)
    job.created_count += created
    job.skipped_count += len(batch) - created
    job.heartbeat_at = utcnow()
    db.commit()
    return len(batch)
