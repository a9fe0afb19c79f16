"""Plain result types shared by the analysis and theming modules."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Redaction:
    start: int
    end: int
    label: str


@dataclass(frozen=True)
class Flag:
    kind: str  # "safeguarding" | "abuse" | "spam"
    reason: str


@dataclass
class CommentAnalysis:
    redacted: str
    redactions: list[Redaction]
    flags: list[Flag]
    stance: str  # "support" | "oppose" | "mixed" | "neutral"


@dataclass
class CodebookTheme:
    id: str
    name: str
    description: str = ""
    examples: list[str] = field(default_factory=list)


@dataclass
class ThemeProposal:
    id: str
    name: str
    description: str
    keyphrases: list[str]
    quotes: list[str]
    count: int
    stance: str | None


@dataclass(frozen=True)
class Assignment:
    theme_id: str
    score: float
