"""The loaded spaCy pipeline, shared by every job in a process."""

from __future__ import annotations

import functools
from typing import Any


@functools.lru_cache(maxsize=2)
def load(model: str) -> Any:
    # Imported here so that the web app starts (and serves pages) without loading spaCy.
    from nlp import load_pipeline

    return load_pipeline(model)
