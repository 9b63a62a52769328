"""The shipped names dataset: its manifest's hashes hold, and the pinned packages rebuild it exactly."""
import hashlib
import json
import subprocess
import sys

import pytest

from .conftest import KIT

DATA = KIT / "solutions" / "ex3_names" / "data" / "names"


def test_manifest_hashes_match_the_shipped_files():
    manifest = json.loads((DATA / "MANIFEST.json").read_text())
    files = sorted(p.name for p in DATA.glob("*.txt"))
    assert files == sorted(manifest["sha256"])
    for name, digest in manifest["sha256"].items():
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest, name
    assert len(files) == 15 and manifest["packages"] == {"faker": "40.54.0", "anyascii": "0.3.3"}


def test_no_name_under_two_languages():
    seen = {}
    for path in DATA.glob("*.txt"):
        for name in path.read_text(encoding="utf-8").splitlines():
            assert seen.setdefault(name, path.stem) == path.stem, f"{name} is {seen[name]} and {path.stem}"


def test_the_pinned_packages_rebuild_the_same_files():
    pytest.importorskip("faker")
    proc = subprocess.run([sys.executable, str(KIT / "scripts" / "build_names.py"), "--check"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
