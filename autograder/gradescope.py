"""Gradescope: ``python -m autograder gradescope --out DIR`` builds DIR/autograder.zip.

The zip holds ``setup.sh`` and ``run_autograder`` at its top, and the kit
under ``source/``: the grading engine, the suites (hidden ones included: the
zip is the instructor's upload), course.yaml and exercises/ (whose given files,
such as the names data, grading reads). Never solutions/ or the kit's tests.

``run_autograder`` grades ``/autograder/submission`` into
``/autograder/results/results.json``; ``AUTOGRADER_ROOT`` replaces ``/autograder``
(the kit's test runs it in a temporary folder).
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from .course import KIT_ROOT

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image.
set -euo pipefail
apt-get update && apt-get install -y python3 python3-pip python3-venv
cd /autograder/source
# torch is pinned exactly (2.13.0): point pip at a CPU-only wheel index here if you
# want to avoid the CUDA packages.
python3 -m pip install --break-system-packages -e . || python3 -m pip install -e .
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission. AUTOGRADER_ROOT overrides /autograder (for testing).
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
mkdir -p "$ROOT/results"
cd "$ROOT/source"
python3 -m autograder grade "$ROOT/submission" --gradescope "$ROOT/results/results.json"
"""

INCLUDE = ["pyproject.toml", "course.yaml", "README.md", "autograder", "exercises"]


def files_to_ship() -> list[Path]:
    out = []
    for name in INCLUDE:
        path = KIT_ROOT / name
        for p in sorted(path.rglob("*")) if path.is_dir() else [path]:
            # zoo/: the kit's own wrong and correct implementations, for its tests only (never next to
            # students' code on a grading machine)
            if p.is_file() and not {"__pycache__", "zoo"} & set(p.relative_to(KIT_ROOT).parts) \
                    and not p.name.endswith(".pyc"):
                out.append(p)
    return out


def build_zip(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "autograder.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in (("setup.sh", SETUP_SH), ("run_autograder", RUN_AUTOGRADER)):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            z.writestr(info, text)
        for path in files_to_ship():
            z.write(path, "source/" + path.relative_to(KIT_ROOT).as_posix())
    return target
