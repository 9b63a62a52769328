"""Calibrate ex5's thresholds: train the kit's sentiment RNN as the grader does, over several seeds.

    python scripts/calibrate_ex5.py [--seeds 5]

For each seed, prints the AUC of the first principal component of the final
hidden states (held-out sentences) against the labels, and the share of
variance of the first two components. The thresholds in course.yaml
(ex5_hidden_pca.params) were set from this output.
"""
import sys
import time
from pathlib import Path

import torch

KIT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(KIT / "scripts"))
sys.path.insert(0, str(KIT))

from autograder.grading.course import load_course  # noqa: E402
from calibration_common import emit, options  # noqa: E402
from autograder.suites.ex5_hidden_pca.oracle import eval_set, sentiment_data, trained_model  # noqa: E402
from autograder.suites.ex5_hidden_pca.reference import auc, reference_pca  # noqa: E402


def main():
    args = options(__doc__)
    exercise = load_course().exercises["ex5_hidden_pca"]
    p = exercise.params
    tokens, labels, _ = eval_set(exercise, p["eval_size"], p["eval_seed"])
    for seed in args.seed_range:
        start = time.perf_counter()
        model = trained_model(exercise, p["train_size"], p["epochs"], seed)
        seconds = time.perf_counter() - start
        with torch.no_grad():
            final = model.rnn(model.embedding(torch.tensor(tokens)))[0][:, -1].numpy().astype(float)
        _, ratio, projected = reference_pca(final, 2)
        a = auc(projected[:, 0], labels)
        test = sentiment_data(exercise).make_corpus(p["eval_size"], seed=p["eval_seed"])
        print(f"seed {seed}: AUC(PC1) {max(a, 1 - a):.3f}, variance ratio PC1 {ratio[0]:.3f} PC2 {ratio[1]:.3f}, "
              f"accuracy {sentiment_data(exercise).accuracy(model, test):.3f}, training {seconds:.1f} s", flush=True)
        emit(args, seed, auc=max(a, 1 - a), pc1_ratio=float(ratio[0]), pc1_over_pc2=float(ratio[0] / ratio[1]))


if __name__ == "__main__":
    main()
