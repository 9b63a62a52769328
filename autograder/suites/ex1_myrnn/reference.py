"""Exercise 1, instructor side: the hidden checks' cases. Never shipped to students.

Each hidden check covers one group; the gradient check covers them all. The
seeds stay here: a student who knew them could look the answers up instead of
computing them. Expected values come from torch (oracle.py), never from here.
"""
from __future__ import annotations

from .oracle import CASES as PUBLIC_CASES
from .oracle import Case

HIDDEN_CASES = {
    # h_0 given, and h_0 omitted: the default must be zeros in the input's dtype (the grader runs in float64).
    "initial_state": [Case("h_0 given", with_h0=True, seed=2), Case("h_0 omitted, float64 input", seed=15)],
    "batch_first": [Case("batch_first", batch_first=True, steps=4, batch=3, seed=3),
                    Case("batch_first with h_0", batch_first=True, with_h0=True, seed=4)],
    "stacked_layers": [Case("two layers", num_layers=2, with_h0=True, seed=5),
                       Case("three layers, batch_first", num_layers=3, batch_first=True, seed=6),
                       Case("two layers, square", input_size=4, num_layers=2, seed=7)],
    "no_bias": [Case("bias=False", bias=False, seed=8),
                Case("bias=False, two layers", bias=False, num_layers=2, with_h0=True, seed=9)],
    "unbatched": [Case("unbatched", batch=None, seed=10),
                  Case("unbatched with h_0, two layers", batch=None, num_layers=2, with_h0=True, seed=11)],
    "edge_sizes": [Case("sequence length 1", steps=1, with_h0=True, seed=12),
                   Case("batch size 1", batch=1, seed=13),
                   Case("length 1, batch 1, batch_first", steps=1, batch=1, batch_first=True, seed=14)],
}
CASES = {**PUBLIC_CASES, **HIDDEN_CASES}
ALL_CASES = [c for group in CASES.values() for c in group]
