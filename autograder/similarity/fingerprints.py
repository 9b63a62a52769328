"""Fingerprints of code, by copydetect (winnowed k-gram hashes, as MOSS takes them).

Two readings of the same code, for two jobs:

- ``prints`` scores: copydetect's winnowing over the *canonical* text (``canonical.py``),
  so renaming, reformatting, reordering, dead statements, swapped operands and code moved
  between a class and the module change few fingerprints. Measured on the zoo (scripts/similarity_separation.py, README
  "Similarity"), this separates copies from independent code better than copydetect's
  own token filter does;
- ``shared_fragments`` shows: copydetect's own comparison of the two files *as handed in*
  (its tokeniser reads names as V, drops comments and layout), so the side-by-side view
  highlights the student's real lines, and the longest shared fragment is counted in them.

Hashes are Python's ``hash`` of a k-gram (copydetect's choice): they differ between
processes, so every fingerprint of one exercise is taken in one process.
"""
from __future__ import annotations

import io
import os
import warnings

import numpy as np

os.environ.setdefault("MPLBACKEND", "Agg")  # copydetect imports pyplot; never a window on a TA's desktop
from copydetect import CodeFingerprint, compare_files
from copydetect.utils import get_document_fingerprints, highlight_overlap

from autograder.similarity.canonical import canonical  # noqa: E402

K = 25       # characters per k-gram: copydetect's default noise threshold (shorter matches are noise)
WINDOW = 4   # winnowing window: any match of K + WINDOW - 1 = 28 characters is always seen
EMPTY = np.zeros(0, dtype=np.int64)


def prints(text: str, boilerplate: np.ndarray = EMPTY) -> np.ndarray:
    """The sorted, distinct fingerprints of ``text``'s canonical form, less ``boilerplate``."""
    doc = canonical(text)
    if len(doc) < K:
        return EMPTY
    hashes, _ = get_document_fingerprints(doc, K, WINDOW, boilerplate if len(boilerplate) else None)
    return np.array(sorted(hashes), dtype=np.int64)


def template_prints(texts: list[str]) -> np.ndarray:
    """The fingerprints of what every student was given (subtracted from everyone's)."""
    found = [prints(t) for t in texts]
    return np.unique(np.concatenate(found)) if found else EMPTY


def _raw(name: str, text: str, boilerplate: np.ndarray) -> CodeFingerprint:
    return CodeFingerprint(name, K, WINDOW, boilerplate=boilerplate, language="python", fp=io.StringIO(text))


def raw_boilerplate(texts: list[str]) -> np.ndarray:
    """The template's fingerprints in copydetect's own reading (for ``shared_fragments``)."""
    found = [np.array(sorted(_raw("template.py", t, EMPTY).hashes), dtype=np.int64) for t in texts]
    return np.unique(np.concatenate(found)) if found else EMPTY


class RawPrints:
    """copydetect's fingerprints of each file as handed in, taken once per file (for ``shared_fragments``)."""

    def __init__(self, boilerplate: np.ndarray):
        self.boilerplate = boilerplate
        self._cache: dict[str, CodeFingerprint] = {}

    def of(self, owner: str, text: str) -> CodeFingerprint:
        if owner not in self._cache:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._cache[owner] = _raw(f"{len(self._cache)}.py", text, self.boilerplate)
        return self._cache[owner]


def shared_fragments(a: CodeFingerprint, b: CodeFingerprint) -> dict:
    """What two files share, as handed in: both texts as HTML with ``<mark>`` around shared code,
    the share of each that is shared, and the longest shared fragment in lines."""
    with warnings.catch_warnings():  # copydetect warns on an empty overlap; that is an answer here
        warnings.simplefilter("ignore")
        _, (share_a, share_b), (slices_a, slices_b) = compare_files(a, b)
        out = {"share_a": float(share_a), "share_b": float(share_b), "longest_lines": 0}
        for key, text, slices in (("html_a", a.raw_code, slices_a), ("html_b", b.raw_code, slices_b)):
            slices = np.asarray(slices)
            if slices.ndim == 2 and slices.shape[1]:
                out[key], _ = highlight_overlap(text, slices, "<mark>", "</mark>", escape_html=True)
                longest = max(text[s:e].strip("\n").count("\n") + 1 for s, e in slices.T)
                out["longest_lines"] = max(out["longest_lines"], int(longest))
            else:
                out[key] = None  # the page escapes the plain text itself
    return out
