"""Calibrate ex2's training thresholds: train the reference as the grader does, over several seeds.

    python scripts/calibrate_ex2.py [--seeds 5]

Prints the held-out MSE and training time of an LSTM and a vanilla RNN under
the budget in course.yaml (ex2_adding.params.train). The thresholds in
course.yaml (lstm_mse_max, rnn_mse_min) were set from this output; see the
comments there.
"""
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

KIT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(KIT / "scripts"))
sys.path[:0] = [str(KIT), str(KIT / "solutions" / "ex2_adding")]

import adding  # noqa: E402

from autograder.grading.course import load_course  # noqa: E402
from calibration_common import emit, options  # noqa: E402
from autograder.suites.ex2_adding.reference import heldout_data  # noqa: E402


def main():
    args = options(__doc__, **{"--seq-len": {"type": int}})
    params = load_course().exercises["ex2_adding"].params
    train = dict(params["train"])
    if args.seq_len:
        train["seq_len"] = args.seq_len
    x_eval, y_eval = heldout_data(params["heldout_size"], train["seq_len"], params["heldout_seed"])
    for cell in ("lstm", "rnn"):
        results = []
        for seed in args.seed_range:
            torch.manual_seed(seed)
            model = adding.AddingModel(train["hidden_size"], cell)
            start = time.perf_counter()
            adding.train_adding(model, train["seq_len"], train["steps"], train["batch_size"], train["lr"], seed)
            seconds = time.perf_counter() - start
            with torch.no_grad():
                mse = float(np.mean((model(torch.tensor(x_eval)).numpy() - y_eval) ** 2))
            results.append((mse, seconds))
            print(f"{cell} T={train['seq_len']} seed {seed}: held-out MSE {mse:.5f}, {seconds:.1f} s", flush=True)
            emit(args, seed, **{f"{cell}_mse": mse})
        mses = [r[0] for r in results]
        print(f"{cell}: MSE min {min(mses):.5f} median {statistics.median(mses):.5f} max {max(mses):.5f}; "
              f"median time {statistics.median(r[1] for r in results):.1f} s")


if __name__ == "__main__":
    main()
