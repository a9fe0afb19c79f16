"""The `engage` command line."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from sqlalchemy.orm import Session, sessionmaker

from engage.models import Role
from engage.settings import Settings


def _settings() -> Settings:
    return Settings.from_env()


class SchemaNotReady(click.ClickException):
    """The database is unreachable, was never migrated, or is behind this version of Engage."""


def _redacted(url: str) -> str:
    # A database URL may carry a password: never print it.
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # a URL SQLAlchemy cannot parse is shown as the scheme alone
        return url.split(":", 1)[0] + ":..."


def check_schema(url: str) -> None:
    """Fail with one clear line, naming the command to run, unless the schema is at Alembic's head."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import exc

    from engage.db import make_engine

    alembic_log = logging.getLogger("alembic")
    level = alembic_log.level
    alembic_log.setLevel(logging.WARNING)  # a check, not a migration: none of alembic's set-up lines
    engine = make_engine(url)
    try:
        head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    except exc.SQLAlchemyError as error:
        reason = str(error.orig if isinstance(error, exc.DBAPIError) else error).strip().splitlines()[0]
        raise SchemaNotReady(f"Cannot reach the database at {_redacted(url)}: {reason}") from None
    finally:
        alembic_log.setLevel(level)
        engine.dispose()
    if current is None:
        raise SchemaNotReady(
            f"The database at {_redacted(url)} has not been set up for Engage. Run `engage db upgrade` first."
        )
    if current != head:
        raise SchemaNotReady(
            f"The database at {_redacted(url)} is at schema revision {current}, but this version of Engage "
            f"needs {head}. Run `engage db upgrade` first."
        )


@contextlib.contextmanager
def _database(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """A session factory for one command; its connections are closed when the command ends."""
    from engage.db import make_engine, make_sessionmaker

    check_schema(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()


class OneLineErrors(click.Group):
    """Usage and command errors as one line on standard error and a non-zero exit, never a traceback
    or click's usage block: people run these commands from scripts and cron as well as by hand."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.UsageError as error:
            command = error.ctx.command_path if error.ctx else "engage"
            click.echo(f"Error: {error.format_message()} (see `{command} --help`)", err=True)
            sys.exit(error.exit_code)
        except click.ClickException as error:
            click.echo(f"Error: {error.format_message()}", err=True)
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("Aborted", err=True)
            sys.exit(1)


@click.group(cls=OneLineErrors)
def main() -> None:
    """Engage: community engagement and consultation for councils."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # Alembic announces each of its plugins at INFO on import: noise in every command's output.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the web app."""
    import uvicorn

    from engage.app import create_app

    settings = _settings()
    check_schema(settings.database_url)
    # uvicorn's access log records client addresses; Engage logs requests itself, without them.
    # Forwarded headers are believed only from the proxies named in ENGAGE_TRUSTED_PROXIES.
    proxies = settings.trusted_proxies
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or "",
        access_log=False,
    )


@main.group()
def db() -> None:
    """Database schema migrations."""


def alembic_config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    from engage.paths import resource_dir

    cfg = Config()
    cfg.set_main_option("script_location", str(resource_dir("migrations")))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Upgrade the schema (to the newest revision by default)."""
    from alembic import command

    command.upgrade(alembic_config(_settings().database_url), revision)


@db.command()
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Downgrade the schema to REVISION (use "base" for empty)."""
    from alembic import command

    command.downgrade(alembic_config(_settings().database_url), revision)


@main.command()
def demo() -> None:
    """Load the demo consultations, themed (safe to run again)."""
    from engage.demo.loader import load_demo, staff_logins

    settings = _settings()
    with _database(settings) as sessions:
        summary = load_demo(sessions, settings.spacy_model)
    for line in summary:
        click.echo(line)
    click.echo("Demo staff accounts (sign in at /staff/login):")
    for role, email, password in staff_logins():
        click.echo(f"  {role:<18} {email:<36} {password}")


@main.command("create-user")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", default=None, help="Display name (defaults to one made from the email)")
def create_user(email: str, role: str, name: str | None) -> None:
    """Create a staff account. The password is read from a prompt or standard input."""
    from engage.services.errors import ValidationFailed
    from engage.services.users import create_user as create

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    with _database(_settings()) as sessions, sessions() as session:
        try:
            user = create(session, email, password, Role(role), name)
        except ValidationFailed as exc:
            raise click.ClickException("; ".join(exc.errors.values())) from exc
    click.echo(f"Created {role} account {user.id}")


@main.command("list")
def list_consultations() -> None:
    """List consultations: slug, status and number of responses."""
    from engage.services import consultations

    with _database(_settings()) as sessions, sessions() as session:
        for row in consultations.staff_list(session):
            click.echo(f"{row.consultation.slug}\t{row.consultation.status.value}\t{row.responses}")


def _consultation_id(session, slug: str) -> int:  # type: ignore[no-untyped-def]
    from engage.services import consultations
    from engage.services.errors import NotFound

    try:
        return consultations.get_by_slug(session, slug).id
    except NotFound:
        raise click.ClickException(f"No consultation with the slug {slug!r}") from None


@main.command()
@click.argument("slug")
def theme(slug: str) -> None:
    """Theme a consultation's free-text answers now, in this process."""
    from engage import nlp_runtime
    from engage.models import JobStatus, ThemingJob
    from engage.services import theming

    settings = _settings()
    with _database(settings) as sessions:
        with sessions() as session:
            cid = _consultation_id(session, slug)
            job_id = theming.enqueue(session, cid, None).id
            # Run this job here rather than wait for a worker; refuse if a worker has it.
            if not theming.claim(session, job_id, "cli"):
                raise click.ClickException("A worker is already theming this consultation")
        theming.run_job(sessions, job_id, nlp_runtime.load(settings.spacy_model))
        with sessions() as session:
            done = session.get(ThemingJob, job_id)
            assert done is not None
            if done.status != JobStatus.DONE:
                raise click.ClickException(f"Theming failed: {done.error}")
    click.echo(f"Themed {slug}")


@main.command()
@click.argument("slug")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output)",
)
def export(slug: str, fmt: str, out: Path | None) -> None:
    """Export a consultation's responses with personal data redacted."""
    from engage import nlp_runtime
    from engage.services import exports

    settings = _settings()
    with _database(settings) as sessions, sessions() as session:
        cid = _consultation_id(session, slug)
        data = exports.export_consultation(
            session, cid, redact=lambda texts: exports.redact_with(nlp_runtime.load(settings.spacy_model), texts)
        )
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n" if fmt == "json" else exports.to_csv(data)
    if out:
        out.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@main.command()
def worker() -> None:
    """Run a theming worker (several can share one PostgreSQL database)."""
    from engage import nlp_runtime
    from engage.worker import Worker

    settings = _settings()
    stop = threading.Event()
    with _database(settings) as sessions:
        Worker(sessions, lambda: nlp_runtime.load(settings.spacy_model)).run_forever(stop)


@main.command()
@click.option("--dry-run", is_flag=True, help="Say what would be deleted, and delete nothing")
def retention(dry_run: bool) -> None:
    """Delete contact details and equality answers of consultations closed more than
    ENGAGE_RETENTION_DAYS days ago (equality counts are kept, with disclosure control), and
    saved draft responses that expired or whose consultation closed."""
    import datetime as dt

    from engage.services import retention as service

    settings = _settings()
    if settings.retention_days < 0:
        raise click.ClickException("ENGAGE_RETENTION_DAYS cannot be negative")
    with _database(settings) as sessions, sessions() as session:
        report = service.run(session, dt.date.today(), settings.retention_days, dry_run=dry_run)
    verb = "Would delete" if dry_run else "Deleted"
    for p in report.consultations:
        click.echo(f"{verb} {p.contacts} contact details and {p.equality_answers} equality answers: {p.slug}")
    click.echo(
        f"{verb} {report.contacts} contact details and {report.equality_answers} equality answers in "
        f"{len(report.consultations)} consultations closed before {report.cutoff.isoformat()} "
        f"(retention {report.days} days)"
    )
    if not dry_run:
        from engage.services import drafts

        with _database(settings) as sessions, sessions() as session:
            click.echo(f"Deleted {drafts.purge(session)} saved responses that expired or whose consultation closed")


@main.command("reset-totp")
@click.argument("email")
def reset_totp(email: str) -> None:
    """Turn two-step verification off for a staff member who has lost their authenticator app."""
    from engage.services import totp
    from engage.services.errors import NotFound

    with _database(_settings()) as sessions, sessions() as session:
        try:
            done = totp.reset(session, email)
        except NotFound:
            raise click.ClickException("No staff account has that email address") from None
    click.echo("Two-step verification turned off" if done else "Two-step verification was not on")


@main.command("theme-file")
@click.argument("input_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--text-column", required=True)
@click.option("--id-column", default=None)
@click.option("--codebook", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--themes-out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def theme_file(
    input_path: Path, text_column: str, id_column: str | None, codebook: Path | None, out: Path, themes_out: Path | None
) -> None:
    """Theme a CSV or JSONL file of comments (for analysts; no database)."""
    from nlp.errors import InputError
    from nlp.filemode import run_theme_file

    try:
        run_theme_file(
            input_path,
            text_column=text_column,
            id_column=id_column,
            codebook_path=codebook,
            out_path=out,
            themes_out=themes_out,
            model=_settings().spacy_model,
        )
    except InputError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def evaluate(ctx: click.Context) -> None:
    """Evaluate the theming engine on labelled data; prints JSON."""
    from nlp.evaluate import main as evaluate_main

    sys.exit(evaluate_main(list(ctx.args)) or 0)


if __name__ == "__main__":
    main()
