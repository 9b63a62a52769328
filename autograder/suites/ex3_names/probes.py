"""Exercise 3 probes: run inside the student process (see sandbox/worker.py)."""
from pathlib import Path

import numpy as np
import torch

from probekit import ProbeError, defined, isinstance_, to_numpy, unpack


def probe_letters(student):
    return {"all_letters": str(defined(student, "ALL_LETTERS")), "n_letters": int(defined(student, "N_LETTERS"))}


def probe_ascii(student, texts):
    out = []
    for t in texts:
        r = student.unicode_to_ascii(t)
        if not isinstance_(r, str):
            raise ProbeError(f"unicode_to_ascii should return a str, got {type(r).__name__}")
        out.append(r)
    return out


def _names_dict(result, what):
    if not isinstance_(result, dict):
        raise ProbeError(f"{what} should return a dict {{language: [names]}}, got {type(result).__name__}")
    return {str(k): [str(n) for n in v] for k, v in result.items()}


def probe_load(student, files=None):
    """load_names() (the shipped data), or load_names(dir) on files written here from ``files``."""
    if files is None:
        return _names_dict(student.load_names(), "load_names()")
    folder = Path("tutorial_names")
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return _names_dict(student.load_names(str(folder)), "load_names(data_dir)")


def probe_split(student, data, test_fraction, seed):
    train, test = unpack(student.split_names(data, test_fraction=test_fraction, seed=seed), 2,
                         "split_names should return a pair (train, test)")
    return {"train": _names_dict(train, "split_names"), "test": _names_dict(test, "split_names")}


def probe_tensor(student, name):
    return to_numpy(student.name_to_tensor(name), f"name_to_tensor({name!r})")


def _model(student, hidden, n_categories, seed):
    torch.manual_seed(seed)
    return student.NameClassifier(int(defined(student, "N_LETTERS")), hidden, n_categories)


def probe_model(student, names, hidden, n_categories, seed=0):
    """The model's output on a batch of same-length names (T, B, n_letters)."""
    model = _model(student, hidden, n_categories, seed).eval()
    x = torch.cat([student.name_to_tensor(n) for n in names], dim=1)
    with torch.no_grad():
        return to_numpy(model(x), "NameClassifier's output")


def probe_predict(student, name, categories, k, hidden, seed=0):
    model = _model(student, hidden, len(categories), seed).eval()
    with torch.no_grad():
        log_probs = to_numpy(model(student.name_to_tensor(name)), "NameClassifier's output")
    result = student.predict(model, name, list(categories), k=k)
    try:
        pairs = [[str(c), float(p)] for c, p in result]
    except (TypeError, ValueError):
        raise ProbeError("predict should return a list of (category, probability) pairs") from None
    return {"predictions": pairs, "log_probs": log_probs}


def probe_train(student, train, test_names, hidden, epochs, seed=0):
    """Train with the student's train_names; predict each test name on its own (batch of 1)."""
    model = _model(student, hidden, len(train), seed)
    losses = student.train_names(model, train, epochs, seed=seed)
    model.eval()
    predicted = []
    with torch.no_grad():
        for name in test_names:
            predicted.append(int(torch.as_tensor(model(student.name_to_tensor(name))).reshape(-1).argmax()))
    return {"predicted": np.array(predicted), "losses": np.array([float(v) for v in losses])}
