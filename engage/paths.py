"""Where templates and migrations live: inside the installed package, or in the source tree."""

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    # `pip install .` maps the top-level templates/ and migrations/ into the package;
    # a source checkout (or an editable install) uses them where they are.
    installed = _HERE / name
    return installed if installed.is_dir() else _HERE.parent / name
