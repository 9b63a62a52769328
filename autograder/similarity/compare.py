"""Every pair of a class compared at once, template and common code subtracted, and the threshold.

For one exercise, given each student's fingerprints (the template already subtracted):

1. *Common code* goes: a fingerprint that at least ``common_share`` of the class has (and at
   least ``COMMON_MIN_GROUPS``) is the lesson's snippet or the README's helper, not evidence of
   copying (MOSS ``-m``, Dolos ``-M``). The class is counted in *groups*, not students: students
   whose code is near-identical before this step (similarity >= ``GROUP_SIMILARITY``, linked
   transitively) count once, so a ring of copies cannot make its own code "common" and hide
   itself, however large it is. Known sources' fingerprints go too (two students who both copied
   the tutorial are a "matches <source>" each, not a pair).
2. Every pair's shared fingerprints are counted in one matrix product of the class's
   student-by-fingerprint incidence (in column blocks, so memory stays n x block): the cost is
   the number of pairs times the block count, no Python loop over pairs.
3. ``similarity = 2 * shared / (max(|A|, m) + max(|B|, m))``: the share of the two students'
   own code that they have in common (Dice, as Dolos scores), where ``m`` is a floor on how much
   own code counts as a program: ``MIN_PRINTS`` fingerprints, or a fifth of the class's median,
   whichever is larger. Blank stubs (no own code) score 0 with everyone; the stubs with one
   line changed score far below any threshold, even with another such student.
4. The threshold comes from the class: Tukey's far-out fence ``Q3 + 3 IQR`` of the class's pair
   similarities, never below ``FLOOR`` and never above ``CEILING``; ``--threshold`` sets it.

Measured (scripts/similarity_separation.py; README "Similarity"): on the zoo, copies under every
disguise of issue 29 score 0.95-1.00 against their original and independent implementations at
most 0.56, with only the template subtracted; in the planted class of the tests, with class-common
code subtracted too, copies 0.87-1.00 and everything else at most 0.21. FLOOR = 0.65 sits between,
nearer the independent side: heavier disguise than measured still has room above it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

COMMON_SHARE = 0.3          # default --common-share: code this share of the class has is common code
COMMON_MIN_GROUPS = 3       # ... and never fewer groups than this (two students sharing code is a pair)
GROUP_SIMILARITY = 0.8      # near-identical before common code is subtracted: one group when counting
MIN_PRINTS = 50             # about five lines of own code: less is not a program to compare
FLOOR, CEILING = 0.65, 0.8  # the threshold's bounds (see the module's docstring)
BLOCK = 4096                # fingerprint columns per block of the incidence matrix


@dataclass
class Comparison:
    students: list[str]
    similarity: np.ndarray            # n x n, symmetric, 0 on the diagonal
    shared: np.ndarray                # n x n shared fingerprint counts
    own: np.ndarray                   # n: each student's own fingerprints (after every subtraction)
    threshold: float
    threshold_rule: str               # how the threshold was chosen, in words
    common: int                       # fingerprints removed as common to the class
    floor_prints: float               # m
    sources: dict[str, dict[str, float]] = field(default_factory=dict)  # student -> source -> share

    def pairs(self):
        """(a, b, similarity, shared) for every pair, most similar first."""
        n = len(self.students)
        i, j = np.triu_indices(n, 1)
        order = np.argsort(-self.similarity[i, j], kind="stable")
        for k in order:
            a, b = int(i[k]), int(j[k])
            yield self.students[a], self.students[b], float(self.similarity[a, b]), int(self.shared[a, b])

    def flagged(self, similarity: float) -> bool:
        return similarity >= self.threshold


def _incidence_products(rows: list[np.ndarray], columns: np.ndarray) -> np.ndarray:
    """shared[a, b] = |rows[a] & rows[b]|, for fingerprint arrays that are subsets of ``columns``."""
    n = len(rows)
    shared = np.zeros((n, n), dtype=np.float64)
    index = [np.searchsorted(columns, r) for r in rows]
    for start in range(0, len(columns), BLOCK):
        block = np.zeros((n, min(BLOCK, len(columns) - start)), dtype=np.float32)
        for a, cols in enumerate(index):
            cols = cols[(cols >= start) & (cols < start + BLOCK)]
            block[a, cols - start] = 1.0
        shared += block @ block.T  # exact: counts below 2**24
    return shared


def threshold_for(values: np.ndarray, fixed: float | None = None) -> tuple[float, str]:
    if fixed is not None:
        return float(fixed), f"set to {fixed:g}"
    if len(values) < 10:
        return FLOOR, f"the floor {FLOOR:g} (too few pairs to learn from the class)"
    q1, q3 = np.percentile(values, [25, 75])
    fence = q3 + 3 * (q3 - q1)
    chosen = float(min(max(fence, FLOOR), CEILING))
    # Said in words a reader can check against the histogram: the fence is a similarity only when it
    # falls inside [0, 1]; a class whose similarities spread widely puts it above 1 (a "3.05" read
    # like a score confuses), so then the page says what was used and why.
    quartiles = f"the class's similarities have Q1 {q1:.2f} and Q3 {q3:.2f}"
    if fence > CEILING:
        why = ("their far-out fence Q3 + 3 IQR is above 1, so wide a spread that it says nothing"
               if fence > 1 else f"their far-out fence Q3 + 3 IQR, {fence:.2f}, is above it")
        return chosen, f"the ceiling {CEILING:g}: {quartiles}; {why}"
    if fence < FLOOR:
        return chosen, f"the floor {FLOOR:g}: {quartiles}; their far-out fence Q3 + 3 IQR, {fence:.2f}, is below it"
    return chosen, f"the class's far-out fence Q3 + 3 IQR, with Q1 {q1:.2f} and Q3 {q3:.2f}, within [{FLOOR:g}, {CEILING:g}]"


def _similarity(shared: np.ndarray, sizes: np.ndarray, floor_prints: float) -> np.ndarray:
    padded = np.maximum(sizes, floor_prints)
    return 2 * shared / (padded[:, None] + padded[None, :])


def _groups(similarity: np.ndarray) -> list[list[int]]:
    """Students linked by similarity >= GROUP_SIMILARITY, transitively (union-find)."""
    n = len(similarity)
    parent = list(range(n))

    def root(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(*np.nonzero(np.triu(similarity >= GROUP_SIMILARITY, 1))):
        parent[root(int(a))] = root(int(b))
    found: dict[int, list[int]] = {}
    for i in range(n):
        found.setdefault(root(i), []).append(i)
    return list(found.values())


def common_code(prints: list[np.ndarray], similarity: np.ndarray, common_share: float) -> np.ndarray:
    """Fingerprints that at least ``common_share`` of the class's groups have (see the module's docstring)."""
    groups = _groups(similarity)
    per_group = [np.unique(np.concatenate([prints[i] for i in g])) for g in groups]
    if not per_group:
        return np.zeros(0, dtype=np.int64)
    uniq, counts = np.unique(np.concatenate(per_group), return_counts=True)
    return uniq[counts >= max(COMMON_MIN_GROUPS, common_share * len(groups))]


def compare(students: list[str], prints: list[np.ndarray], sources: dict[str, np.ndarray] | None = None,
            common_share: float = COMMON_SHARE, threshold: float | None = None) -> Comparison:
    """Compare every pair of ``students`` (``prints[i]`` their template-free fingerprints)."""
    sources = sources or {}
    n = len(students)
    known = np.unique(np.concatenate(list(sources.values()))) if sources else np.zeros(0, dtype=np.int64)
    mine = [np.setdiff1d(p, known, assume_unique=True) for p in prints]

    def measured(rows: list[np.ndarray]):
        sizes = np.array([len(p) for p in rows], dtype=np.float64)
        positive = sizes[sizes > 0]
        floor_prints = max(MIN_PRINTS, 0.2 * float(np.median(positive))) if len(positive) else MIN_PRINTS
        columns = np.unique(np.concatenate(rows)) if rows else np.zeros(0, dtype=np.int64)
        shared = _incidence_products(rows, columns)
        np.fill_diagonal(shared, 0)
        return shared, sizes, floor_prints, _similarity(shared, sizes, floor_prints)

    _, _, _, before = measured(mine)          # pass 1: who is near-identical, to count the class in groups
    common = common_code(mine, before, common_share)
    own = [np.setdiff1d(p, common, assume_unique=True) for p in mine]
    shared, sizes, floor_prints, similarity = measured(own)   # pass 2: the scores
    values = similarity[np.triu_indices(n, 1)]
    chosen, rule = threshold_for(values, threshold)
    result = Comparison(students, similarity, shared, sizes, chosen, rule, int(len(common)), floor_prints)
    # A student's match with a known source: how much of their code (template aside, and common
    # code unless the source has it too) is the source's.
    for name, source in sources.items():
        for student, p in zip(students, prints):
            theirs = np.setdiff1d(p, np.setdiff1d(common, source, assume_unique=True), assume_unique=True)
            hit = len(np.intersect1d(theirs, source, assume_unique=True))
            share = hit / max(len(theirs), floor_prints)
            if share > 0:
                result.sources.setdefault(student, {})[name] = share
    return result
