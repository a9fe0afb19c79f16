"""The Alembic history builds the schema from empty and takes it back down, on the test database's kind."""

from __future__ import annotations

import uuid

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from engage.cli import alembic_config
from engage.db import make_engine
from engage.models import Base


def _scratch_url(database_url: str, tmp_path) -> tuple[str, callable]:  # type: ignore[no-untyped-def,valid-type]
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'migrate.db'}", lambda: None
    name = f"engage_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(database_url).set(database=name).render_as_string(hide_password=False), drop


def _not_search(name, type_, parent_names):  # type: ignore[no-untyped-def]
    # The full-text search objects live only in migration 0003 (an FTS5 table and its shadow tables
    # on SQLite, an expression index on PostgreSQL); they are checked by tests/services/test_comments.py.
    return not (name or "").startswith(("answers_fts", "ix_answers_redacted_fts"))


def test_upgrade_from_empty_matches_models_and_downgrades_to_empty(database_url, tmp_path):
    url, cleanup = _scratch_url(database_url, tmp_path)
    try:
        cfg = alembic_config(url)
        command.upgrade(cfg, "head")
        engine = make_engine(url)
        with engine.connect() as conn:
            opts = {"render_as_batch": True, "include_name": _not_search}
            diff = compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)
            tables = set(inspect(conn).get_table_names())
        assert diff == [], f"models and migrations disagree: {diff}"
        assert {
            "consultations",
            "questions",
            "responses",
            "answers",
            "themes",
            "theme_assignments",
            "staff_users",
            "audit_events",
            "theming_jobs",
        } <= tables
        command.downgrade(cfg, "base")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        command.upgrade(cfg, "head")  # and back up again
        engine.dispose()
    finally:
        cleanup()
