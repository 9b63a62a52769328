"""Calibrate ex3's accuracy threshold: train the reference as the grader does, over several seeds.

    python scripts/calibrate_ex3.py [--seeds 5]

Uses the grader's own split of the shipped data and the budget in course.yaml
(ex3_names.params); prints held-out accuracy, the majority baseline and the
training time. accuracy_min in course.yaml was set from this output.
"""
import sys
import time
from pathlib import Path

import torch

KIT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(KIT / "scripts"))
sys.path[:0] = [str(KIT), str(KIT / "solutions" / "ex3_names")]

import names  # noqa: E402

from autograder.grading.course import load_course  # noqa: E402
from calibration_common import emit, options  # noqa: E402
from autograder.suites.ex3_names.oracle import kit_names  # noqa: E402
from autograder.suites.ex3_names.reference import heldout_split  # noqa: E402


def main():
    args = options(__doc__)
    exercise = load_course().exercises["ex3_names"]
    p = exercise.params
    data = kit_names(exercise)
    categories = sorted(data)
    train, held = heldout_split(data, p["test_fraction"], p["split_seed"])
    pairs = [(n, i) for i, lang in enumerate(categories) for n in held[lang]]
    baseline = max(len(v) for v in held.values()) / len(pairs)
    for seed in args.seed_range:
        torch.manual_seed(seed)
        model = names.NameClassifier(names.N_LETTERS, p["hidden_size"], len(categories))
        start = time.perf_counter()
        names.train_names(model, train, p["epochs"], seed=seed)
        seconds = time.perf_counter() - start
        model.eval()
        with torch.no_grad():
            batch, lengths = names.names_to_batch([n for n, _ in pairs])
            predicted = model(batch, lengths).argmax(1)
        accuracy = (predicted == torch.tensor([c for _, c in pairs])).float().mean().item()
        print(f"seed {seed}: held-out accuracy {accuracy:.3f} (majority baseline {baseline:.3f}), "
              f"training {seconds:.1f} s", flush=True)
        emit(args, seed, accuracy=accuracy)


if __name__ == "__main__":
    main()
