"""How well the similarity report separates copies from independent code (README "Similarity").

    python scripts/similarity_separation.py [--seeds N]

1. The zoo, two readings compared: every independent implementation of each exercise (the
   solution and the zoo's whole files) against (a) its copies at each disguise level of
   tests/disguise.py and (b) every other independent implementation; the template subtracted,
   nothing else. Printed: the lowest copy similarity per level and the highest independent
   pair, for copydetect's own token filter and for the kit's canonical form (canonical.py).
2. The planted class of tests/test_similarity.py through the whole report: precision, recall.
3. Public code the kit was never tuned on: 30 files of 60-250 lines from Python's standard
   library (and site-packages, less vendored copies and files met twice) per seed as students, each with at least 40 lines of code, a training-loop snippet in 70% of them (code common to the
   class), disguised copies (two of each level and move of tests/disguise.py); precision and recall over --seeds seeds.
"""
from __future__ import annotations

import argparse
import csv
import itertools
import random
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path

import numpy as np

KIT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(KIT))

from copydetect.utils import filter_code, get_document_fingerprints  # noqa: E402

from autograder.commands.similarity import similarity_report  # noqa: E402
from autograder.grading.course import load_course  # noqa: E402
from autograder.similarity import fingerprints  # noqa: E402
from autograder.similarity.canonical import canonical  # noqa: E402
from tests.disguise import ALL_LEVELS, disguised  # noqa: E402
from tests.similarity_class import independent, planted_class, stub  # noqa: E402

READINGS = {"copydetect's token filter": lambda code: filter_code(code, "x.py", "python")[0],
            "canonical form (ast)": canonical}


def _prints(text: str, boilerplate) -> set:
    if len(text) < fingerprints.K:
        return set()
    return get_document_fingerprints(text, fingerprints.K, fingerprints.WINDOW, boilerplate)[0]


def _dice(a: set, b: set) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 0.0


def zoo_separation(course) -> None:
    print("1. zoo: lowest copy similarity per disguise level, highest independent pair (template subtracted)")
    for reading, read in READINGS.items():
        lowest = {level: 1.0 for level in ALL_LEVELS[1:]}
        highest = 0.0
        for exercise in course.exercises.values():
            given = np.array(sorted(_prints(read(stub(exercise)), None)))
            codes = independent(exercise)
            prints = {name: _prints(read(code), given) for name, code in codes.items()}
            for a, b in itertools.combinations(prints, 2):
                highest = max(highest, _dice(prints[a], prints[b]))
            for name, code in codes.items():
                for level in ALL_LEVELS[1:]:
                    copy = _prints(read(disguised(code, stub(exercise), level, seed=1)), given)
                    lowest[level] = min(lowest[level], _dice(prints[name], copy))
        margin = min(lowest.values()) - highest
        print(f"   {reading:28s} " + " ".join(f"{lv}={v:.2f}" for lv, v in lowest.items())
              + f" | independent <= {highest:.2f} | margin {margin:+.2f}")


def _score(out: Path, copies: set) -> tuple[int, int, int]:
    with open(out / "similarity.csv", newline="") as f:
        flagged = {(r["exercise"], *sorted((r["student_a"], r["student_b"]))) for r in csv.DictReader(f)
                   if r["flagged"] == "1" and r["kind"] == "pair"}
    return len(flagged & copies), len(flagged - copies), len(copies - flagged)


def planted(course, work: Path) -> None:
    info = planted_class(work / "class", course, list(course.exercises.values()))
    similarity_report(course, work / "class", work / "out")
    hit, false, missed = _score(work / "out", info["copies"])
    print(f"2. planted class: {hit} of {len(info['copies'])} copy pairs flagged (recall {hit / len(info['copies']):.2f}), "
          f"{false} other pairs flagged (precision {hit / max(1, hit + false):.2f})")


SNIPPET = '''
def train(model, data, epochs=5, lr=0.01):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for epoch in range(epochs):
        for x, y in data:
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()
            optimizer.step()
    return model
'''


def public_code(course, work: Path, seeds: int) -> None:
    exercise = course.exercises["ex2_adding"]
    library = Path(sysconfig.get_paths()["stdlib"])
    pool, seen = [], set()
    for path in sorted(library.rglob("*.py")):
        # not tests, and not vendored trees (pip/_vendor/pygments is an older pygments: the two are a true pair)
        if "test" in str(path) or "idlelib" in str(path) or "_vendor" in str(path):
            continue
        try:
            text = path.read_text(encoding="utf-8")
            # 60-250 lines, at least 40 of them code (not a file of docstrings and imports)
            # files that are copies of each other (the same module vendored twice) would be a true pair
            if 60 < len(text.splitlines()) < 250 and len(canonical(text).splitlines()) >= 40 and text not in seen:
                pool.append(text)
                seen.add(text)
        except (UnicodeDecodeError, SyntaxError, ValueError):
            pass
    by_level = {level: [0, 0] for level in ALL_LEVELS[1:]}
    totals = [0, 0, 0]
    for seed in range(seeds):
        rng = random.Random(seed)
        picked = rng.sample(pool, 30)
        root = work / f"public{seed}"
        copies = set()
        for i, text in enumerate(picked):
            code = text + (SNIPPET if i % 10 < 7 else "")
            folder = root / "class" / f"s{i:02d}" / exercise.folder
            folder.mkdir(parents=True)
            (folder / exercise.files[0]).write_text(code)
        for j, level in enumerate(ALL_LEVELS[1:] * 2):
            code = picked[j] + (SNIPPET if j % 10 < 7 else "")
            student = f"c{j:02d}_{level}"
            folder = root / "class" / student / exercise.folder
            folder.mkdir(parents=True)
            (folder / exercise.files[0]).write_text(disguised(code, "", level, seed=seed * 100 + j))
            copies.add((exercise.id, *sorted((f"s{j:02d}", student))))
        similarity_report(course, root / "class", root / "out", [exercise.id])
        hit, false, missed = _score(root / "out", copies)
        with open(root / "out" / "similarity.csv", newline="") as f:
            flagged = {(r["student_a"], r["student_b"]) for r in csv.DictReader(f) if r["flagged"] == "1"}
        for _, a, b in copies:
            level = (a if a.startswith("c") else b).split("_", 1)[1]
            by_level[level][0] += (a, b) in flagged or (b, a) in flagged
            by_level[level][1] += 1
        totals = [totals[0] + hit, totals[1] + false, totals[2] + missed]
    print(f"3. public code ({seeds} classes of {30 + 2 * len(ALL_LEVELS[1:])}): recall {totals[0] / (totals[0] + totals[2]):.2f}, "
          f"{totals[1]} unrelated pairs flagged; found per level: "
          + ", ".join(f"{lv} {a}/{n}" for lv, (a, n) in by_level.items()))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    course = load_course(None)
    work = Path(tempfile.mkdtemp(prefix="similarity-separation-"))
    try:
        zoo_separation(course)
        planted(course, work)
        public_code(course, work, args.seeds)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
