"""Engage: community engagement and consultation for councils."""

__version__ = "0.1.0"
