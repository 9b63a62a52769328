#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
#
# 1. A Python the kit supports (3.11 or newer). Gradescope's Ubuntu 24.04 image has 3.12;
#    its 22.04 image (the default for years) has only 3.10, so Ubuntu's python3.11 is
#    installed there (jammy's universe), or deadsnakes' where that is missing.
# 2. A virtual environment of the kit's own, so no system package is touched
#    (Ubuntu 24.04 refuses `pip install` outside one) and run_autograder knows its Python.
# 3. torch @TORCH_VERSION@, the CPU-only build, from PyTorch's CPU wheel index: the grader
#    never uses a GPU, and the default wheel brings several GB of CUDA packages.
# 4. The kit, editable in /autograder/source (it reads course.yaml and exercises/ there).
#
# Settings (environment), for a mirror or for the kit's own test:
#   KIT_TORCH_INDEX  the index that holds the CPU torch wheel (default PyTorch's CPU index)
#   KIT_PYPI_INDEX   where everything else comes from (default: pip's own setting, PyPI)
#   KIT_VENV         where the environment goes (default /autograder/kit-venv)
#   AUTOGRADER_ROOT  replaces /autograder
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
VENV="${KIT_VENV:-$ROOT/kit-venv}"
TORCH_INDEX="${KIT_TORCH_INDEX:-https://download.pytorch.org/whl/cpu}"
TORCH="torch==@TORCH_VERSION@+cpu"   # the local label: only the CPU build satisfies it

supported() { "$1" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; }

find_python() {
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 && supported "$candidate"; then
            command -v "$candidate"; return 0
        fi
    done
    return 1
}

PYTHON="$(find_python || true)"
if [ -z "$PYTHON" ]; then
    echo "setup.sh: no Python 3.11+ here; installing python3.11"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    if ! apt-get install -y -qq python3.11 python3.11-venv; then
        apt-get install -y -qq software-properties-common
        add-apt-repository -y ppa:deadsnakes/ppa
        apt-get update -qq
        apt-get install -y -qq python3.11 python3.11-venv
    fi
    PYTHON="$(command -v python3.11)"
fi
echo "setup.sh: using $PYTHON ($("$PYTHON" --version))"

if ! "$PYTHON" -m venv "$VENV"; then
    # Debian and Ubuntu ship venv's pip separately (python3.X-venv)
    version="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
    apt-get install -y -qq "python${version}-venv"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip install --disable-pip-version-check)
if [ -n "${KIT_PYPI_INDEX:-}" ]; then
    PIP+=(--index-url "$KIT_PYPI_INDEX")
fi

# torch alone from the CPU index (nothing else is looked for there); then the kit, whose
# requirements (torch's own among them) come from the usual index.
"${PIP[@]}" --no-deps --index-url "$TORCH_INDEX" "$TORCH"
"${PIP[@]}" -e "$ROOT/source"

# Refuse to finish with the wrong build: a CUDA torch would still grade, but it costs GBs
# of image and tens of GB of address space, and the memory limits are measured without it.
"$VENV/bin/python" - <<'PY'
import sys
import torch
if torch.version.cuda is not None:
    sys.exit(f"setup.sh: torch {torch.__version__} is a CUDA build; expected the CPU-only build")
print(f"setup.sh: torch {torch.__version__} (CPU-only build)")
PY
cd "$ROOT/source"
# The reference solutions and blank stubs of this assignment's exercises, graded here once: the image's
# log shows each check's CPU against its budget, and the trained references are cached in the image.
# The exercises this assignment grades (python -m autograder gradescope --exercise ID; none: all of them).
EXERCISES="@EXERCISES@"
# shellcheck disable=SC2086  # EXERCISES is "--exercise ID ..." (ids are course.yaml's: no spaces)
"$VENV/bin/python" -m autograder doctor $EXERCISES || echo "setup.sh: doctor reported problems (above); grading still runs"
