"""A student's .zip, unpacked safely for grading (batch takes a folder or a zip per student).

Nothing in the archive may land outside the folder it is unpacked into, no name may appear twice
(which copy would be graded?) or hold control characters, its inflated size is
counted as it is written (a zip bomb lies about its sizes), links are kept as links that lead
nowhere (grading refuses them by name), and devices or pipes are refused.
"""
from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

from autograder.grading.neutral import ACTIVE, for_terminal

MAX_ZIP_BYTES = 200 * 1024 * 1024
MAX_ZIP_FILES = 2000


class SubmissionError(Exception):
    """The submission cannot be graded at all (e.g. a broken zip); the message says why."""


def _extract(z: zipfile.ZipFile, member: zipfile.ZipInfo, into: Path, left: int, name: str) -> int:
    """Write one member, counting the bytes it really inflates to (a zip bomb lies about its sizes)."""
    target = into / member.filename
    if member.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with z.open(member) as src, open(target, "wb") as dst:
        while chunk := src.read(1 << 20):
            written += len(chunk)
            if written > left:
                raise SubmissionError(f"{name} inflates to more than {MAX_ZIP_BYTES >> 20} MB, too large to grade")
            dst.write(chunk)
    return written


def unpack(archive: Path, into: Path) -> Path:
    """Extract a student's zip safely (no paths outside ``into``, bounded size)."""
    try:
        with zipfile.ZipFile(archive) as z:
            members = z.infolist()
            if len(members) > MAX_ZIP_FILES or sum(m.file_size for m in members) > MAX_ZIP_BYTES:
                raise SubmissionError(f"{archive.name} is too large to grade")
            seen = set()
            for m in members:
                # One name, one file: with two members of the same name, which one is graded would be a guess.
                key = os.path.normpath(m.filename.replace("\\", "/")).rstrip("/")
                if key in seen:
                    raise SubmissionError(f"{archive.name} holds {for_terminal(m.filename)!r} twice; "
                                          "hand in an archive with one copy of each file")
                seen.add(key)
                if ACTIVE.search(m.filename) or any(c in m.filename for c in "\n\t\\"):
                    raise SubmissionError(f"{archive.name} holds a name with control characters or a backslash "
                                          f"({for_terminal(m.filename)!r}), which is not accepted")
                target = (into / m.filename).resolve()
                if into.resolve() not in target.parents and target != into.resolve():
                    raise SubmissionError(f"{archive.name} contains a path outside the archive: "
                                          f"{for_terminal(m.filename)}")
            left = MAX_ZIP_BYTES
            for m in members:
                kind = stat.S_IFMT(m.external_attr >> 16)
                if kind == stat.S_IFLNK:
                    # Kept as a link that leads nowhere: grading refuses it by name ("a symbolic
                    # link, which is not accepted"), and nothing ever follows it.
                    link = into / m.filename
                    link.parent.mkdir(parents=True, exist_ok=True)
                    os.symlink("/nonexistent/link-in-the-zip", link)
                elif kind not in (0, stat.S_IFREG, stat.S_IFDIR) and not m.is_dir():
                    raise SubmissionError(f"{archive.name} contains {for_terminal(m.filename)}, which is not a regular file "
                                          "(a device or a pipe), and is not accepted")
                else:
                    left -= _extract(z, m, into, left, archive.name)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionError(f"{archive.name} is not a readable zip file ({exc})") from None
    entries = [p for p in into.iterdir() if not p.name.startswith(("__MACOSX", "."))]
    # A zip of one folder (ana.zip holding ana/ex1_myrnn/...) is that folder.
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else into
