"""Calibrate ex4's exact-match threshold: train the reference as the grader does, over several seeds.

    python scripts/calibrate_ex4.py [--seeds 5]

Uses the grader's own pairs and the budget in course.yaml (ex4_dates.params);
prints held-out exact-match accuracy and training time. exact_match_min in
course.yaml was set from this output.
"""
import sys
import time
from pathlib import Path

import torch

KIT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(KIT / "scripts"))
sys.path[:0] = [str(KIT), str(KIT / "solutions" / "ex4_dates")]

import dates  # noqa: E402

from autograder.grading.course import load_course  # noqa: E402
from calibration_common import emit, options  # noqa: E402
from autograder.suites.ex4_dates.reference import grader_pairs  # noqa: E402


def main():
    args = options(__doc__)
    exercise = load_course().exercises["ex4_dates"]
    p = exercise.params
    train = grader_pairs(exercise, p["train_size"], p["train_seed"])
    test = grader_pairs(exercise, p["test_size"], p["test_seed"], frozenset(iso for _, iso, _ in train))
    for seed in args.seed_range:
        torch.manual_seed(seed)
        model = dates.Seq2Seq(dates.DateVocab())
        start = time.perf_counter()
        dates.train_dates(model, [(h, iso) for h, iso, _ in train], p["epochs"], seed=seed)
        seconds = time.perf_counter() - start
        exact = sum(dates.translate(model, h) == iso for h, iso, _ in test) / len(test)
        print(f"seed {seed}: exact match {exact:.4f} on {len(test)} held-out pairs, training {seconds:.1f} s",
              flush=True)
        emit(args, seed, exact_match=exact)


if __name__ == "__main__":
    main()
