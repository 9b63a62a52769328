"""How fast the reference LSTM learns the adding problem under the grader's budget: held-out MSE every N steps.

    python scripts/ex2_learning_curve.py [--cell lstm] [--seeds 0 1 2 3] [--every 250]

The loop is the reference's train_adding (solutions/ex2_adding/adding.py), step for step, with the
grader's data, learning rate, batch and held-out problems (course.yaml, ex2_adding.params), on one
thread. It answers whether the budget (params.train.steps) could be smaller: the LSTM sits on the
baseline (1/6) for a number of steps that varies with the seed before it solves the task.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

KIT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(KIT), str(KIT / "solutions" / "ex2_adding")]

import adding  # noqa: E402

from autograder.grading.course import load_course  # noqa: E402
from autograder.suites.ex2_adding.reference import heldout_data  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cell", default="lstm", choices=["lstm", "gru", "rnn"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    parser.add_argument("--every", type=int, default=250)
    args = parser.parse_args()
    torch.set_num_threads(1)
    params = load_course().exercises["ex2_adding"].params
    train = params["train"]
    x_eval, y_eval = heldout_data(params["heldout_size"], train["seq_len"], params["heldout_seed"])
    print(f"{args.cell}, held-out MSE after each {args.every} of {train['steps']} steps "
          f"(threshold lstm_mse_max {params['lstm_mse_max']})")
    for seed in args.seeds:
        torch.manual_seed(seed)
        model = adding.AddingModel(train["hidden_size"], args.cell)
        generator = torch.Generator().manual_seed(seed)
        optimizer = torch.optim.Adam(model.parameters(), lr=train["lr"])
        curve, start = [], time.process_time()
        for step in range(1, train["steps"] + 1):
            x, y = adding.make_adding_data(train["batch_size"], train["seq_len"], generator)
            loss = nn.functional.mse_loss(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            if step % args.every == 0:
                with torch.no_grad():
                    curve.append(float(np.mean((model(torch.tensor(x_eval)).numpy() - y_eval) ** 2)))
        print(f"seed {seed}: " + " ".join(f"{m:.4f}" for m in curve) + f"  ({time.process_time() - start:.1f} CPU s)",
              flush=True)


if __name__ == "__main__":
    main()
