"""The shipped names dataset: its manifest's hashes hold, and the pinned packages rebuild it exactly."""
import hashlib
import json
import subprocess
import sys

import pytest

from .conftest import KIT, needs

pytestmark = needs("ex3_names")
DATA = KIT / "solutions" / "ex3_names" / "data" / "names"
MANIFEST = DATA.parent / "MANIFEST.json"


def test_manifest_hashes_match_the_shipped_files():
    manifest = json.loads(MANIFEST.read_text())
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


def test_the_names_folder_holds_language_files_only():
    """A loader that lists every file of the folder (os.listdir, as tutorials do) finds the 15 languages and
    nothing else, in the solution and in the student's release alike; the manifest lies beside it."""
    for root in (KIT / "solutions", KIT / "exercises"):
        folder = root / "ex3_names" / "data" / "names"
        assert sorted(p.suffix for p in folder.iterdir()) == [".txt"] * 15, sorted(folder.iterdir())
        assert (folder.parent / "MANIFEST.json").is_file()
