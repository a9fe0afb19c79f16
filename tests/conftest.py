"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL when
ENGAGE_TEST_DATABASE_URL says so), the app, a page-checking client and factories."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from engage.app import create_app
from engage.db import make_engine, make_sessionmaker
from engage.models import Base
from engage.settings import DEFAULT_SPACY_MODEL, Settings, normalise_database_url
from tests.pagecheck import check_response
from tests.smtpserver import smtp  # noqa: F401  (a fixture for every test module)

TEST_PASSWORD = "correct horse battery staple"


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [f"engage database: {_redacted_url(_database_url_for_header())}"]


def _database_url_for_header() -> str:
    return os.environ.get("ENGAGE_TEST_DATABASE_URL", "sqlite (temporary file)")


def _redacted_url(url: str) -> str:
    return re.sub(r"//[^@/]*@", "//***@", url)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("ENGAGE_TEST_DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'engage-test.db'}"


def reset_schema(engine: Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            conn.execute(text("DROP TABLE IF EXISTS answers_fts"))  # full-text search (migration 0003)
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    from alembic import command

    from engage.cli import alembic_config

    engine = make_engine(database_url)
    try:
        with engine.connect():
            pass
    except Exception as exc:  # pragma: no cover - the message is the point
        pytest.exit(f"\n\n*** DATABASE NOT AVAILABLE: {_redacted_url(database_url)}: {exc} ***\n", returncode=3)
    reset_schema(engine)
    # The schema comes from the Alembic history, as in production.
    command.upgrade(alembic_config(database_url), "head")
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> Iterator[sessionmaker[Session]]:
    yield make_sessionmaker(engine)
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session


@pytest.fixture
def settings(database_url: str, engine: Engine) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key="test-secret-key-not-for-production",
        spacy_model=os.environ.get("ENGAGE_SPACY_MODEL", DEFAULT_SPACY_MODEL),
        https_only=False,
        run_worker=False,
        # Tests send forms at machine speed; tests/views/test_guard.py turns these back on.
        min_fill_seconds=0,
        public_rate_limit="100000/minute",
    )


@pytest.fixture
def app(settings: Settings, sessions: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url="http://testserver") as c:
        c.event_hooks["response"].append(check_response)
        yield c


@pytest.fixture(scope="session")
def nlp():  # type: ignore[no-untyped-def]
    from engage import nlp_runtime

    return nlp_runtime.load(os.environ.get("ENGAGE_SPACY_MODEL", DEFAULT_SPACY_MODEL))


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrftoken" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def form_post(client: TestClient, page_url: str, post_url: str, data: dict | list, **kwargs):  # type: ignore[no-untyped-def]
    """Fetch a page (for its CSRF token), then post a form to it as a browser would."""
    token = csrf_from(client.get(page_url).text)
    items = list(data.items()) if isinstance(data, dict) else list(data)
    items.append(("csrftoken", token))
    return client.post(post_url, data=_flatten(items), **kwargs)


def _flatten(items: list) -> dict:
    out: dict[str, list[str] | str] = {}
    for k, v in items:
        if isinstance(v, list):
            out.setdefault(k, [])
            out[k] = [*out[k], *v]  # type: ignore[misc]
        elif k in out:
            prev = out[k]
            out[k] = [*(prev if isinstance(prev, list) else [prev]), v]
        else:
            out[k] = v
    return out


@pytest.fixture
def login(client: TestClient, db: Session):  # type: ignore[no-untyped-def]
    from tests.factories import make_staff

    def do(role: str = "officer"):  # type: ignore[no-untyped-def]
        user = make_staff(db, role=role)
        r = form_post(client, "/staff/login", "/staff/login", {"email": user.email, "password": TEST_PASSWORD})
        assert r.status_code == 200 and "Consultations" in r.text, r.text[:500]
        return user

    return do
