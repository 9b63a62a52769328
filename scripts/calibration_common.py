"""What every calibrate_exN.py script shares: its options, and one JSON line per seed.

    --seeds N         seeds first_seed .. first_seed+N-1
    --deterministic   torch.use_deterministic_algorithms(True) before training
    --json FILE       append {"seed": s, <metric>: value, ...} per seed to FILE

The CPU kernel is chosen by the environment (ATEN_CPU_CAPABILITY=default|avx2|avx512);
scripts/calibrate.py runs each script under every kernel and both modes.
"""
import argparse
import json

import torch


def options(description: str, **extra) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--deterministic", action="store_true")
    parser.add_argument("--json", help="append one JSON line per seed to this file")
    for flag, kwargs in extra.items():
        parser.add_argument(flag, **kwargs)
    args = parser.parse_args()
    torch.set_num_threads(1)  # as in the grader's sandbox
    if args.deterministic:
        torch.use_deterministic_algorithms(True)
    args.seed_range = range(args.first_seed, args.first_seed + args.seeds)
    return args


def emit(args: argparse.Namespace, seed: int, **metrics) -> None:
    if args.json:
        with open(args.json, "a") as f:
            f.write(json.dumps({"seed": seed, **metrics}) + "\n")
