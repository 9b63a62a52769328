"""Exercise 2 probes: run inside the student process (see sandbox/worker.py).

They call the student's functions and return plain arrays; the grader judges.
"""
import numpy as np
import torch

from probekit import ProbeError, to_numpy, unpack

RECURRENT = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


def probe_target(student, values, mask, dtype="float32"):
    t = getattr(torch, dtype)
    return to_numpy(student.adding_target(torch.tensor(values, dtype=t), torch.tensor(mask, dtype=t)),
                    "adding_target's result")


def probe_data(student, n_samples, seq_len, seed=None):
    """make_adding_data with a generator seeded by ``seed`` (None: no generator)."""
    generator = None if seed is None else torch.Generator().manual_seed(seed)
    x, y = unpack(student.make_adding_data(n_samples, seq_len, generator=generator), 2,
                  "make_adding_data should return a pair (x, y)")
    return {"x": to_numpy(x, "x"), "y": to_numpy(y, "y"),
            "x_dtype": str(getattr(x, "dtype", type(x).__name__)), "y_dtype": str(getattr(y, "dtype", type(y).__name__))}


def probe_model(student, cell, x, hidden_size=16):
    """AddingModel(hidden_size, cell): its recurrent modules and its output on ``x``."""
    torch.manual_seed(0)
    model = student.AddingModel(hidden_size=hidden_size, cell=cell)
    kinds = sorted({name for name, cls in RECURRENT.items()
                    for m in model.modules() if type(m) is cls})
    with torch.no_grad():
        out = model(torch.tensor(np.asarray(x), dtype=torch.float32))
    n_params = int(sum(p.numel() for p in model.parameters()))
    return {"modules": kinds, "output": to_numpy(out, "AddingModel's output"), "n_params": n_params}


def probe_train(student, cell, seq_len, steps, lr, x_eval, seed=0, hidden_size=64, batch_size=64):
    """Train AddingModel(cell) with the student's train_adding; return the losses and predictions on x_eval."""
    torch.manual_seed(seed)
    model = student.AddingModel(hidden_size=hidden_size, cell=cell)
    losses = student.train_adding(model, seq_len, steps, batch_size=batch_size, lr=lr, seed=seed)
    model.eval()
    with torch.no_grad():
        predictions = model(torch.tensor(np.asarray(x_eval), dtype=torch.float32))
    try:
        losses = np.asarray([float(v) for v in losses], dtype=np.float64)
    except (TypeError, ValueError):
        raise ProbeError("train_adding should return a list of floats (loss.item() at each step)") from None
    return {"losses": losses, "predictions": to_numpy(predictions, "the trained model's predictions")}
