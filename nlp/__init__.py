"""Engage NLP: redaction, flags, stance and theming of consultation comments.

Texts in, plain results out: this package never imports the web app or any database code.
"""

from nlp.analysis import CommentAnalysis, Flag, Redaction, analyse
from nlp.pipeline import load_pipeline
from nlp.themes import (
    Assignment,
    CodebookTheme,
    ThemeProposal,
    discover,
    map_to_codebook,
)

__all__ = [
    "Assignment",
    "CodebookTheme",
    "CommentAnalysis",
    "Flag",
    "Redaction",
    "ThemeProposal",
    "analyse",
    "discover",
    "load_pipeline",
    "map_to_codebook",
]
