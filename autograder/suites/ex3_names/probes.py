"""Exercise 3 probes: run inside the student process (see sandbox/worker.py)."""
from pathlib import Path

import numpy as np
import torch

from probekit import ProbeError, defined, isinstance_, reseed, to_numpy, unpack


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


def _again(call, first, other, seed):
    """``call(first)``, then ``call(other)``, then ``call(first)`` again, each under its own seeds (``reseed``): the
    first answer and the last, which the grader compares. The same input must give the same answer (no hidden
    state kept between calls, no dropout in eval, no chance)."""
    reseed(seed)
    answer = call(first)
    reseed(seed + 1)
    call(other)
    reseed(seed + 2)
    return answer, call(first)


def _pairs(result):
    """predict's answer as [[category, probability], ...], or a ProbeError saying what it should be."""
    try:
        return [[str(c), float(p)] for c, p in result]
    except (TypeError, ValueError):
        raise ProbeError("predict should return a list of (category, probability) pairs") from None


def probe_model(student, names, other, hidden, n_categories, seed=0):
    """The model's output on a batch of same-length names (T, B, n_letters), and its output on them again after a
    call on ``other`` (as many names, of the same length)."""
    model = _model(student, hidden, n_categories, seed).eval()

    def output(batch):
        return to_numpy(model(torch.cat([student.name_to_tensor(n) for n in batch], dim=1)), "NameClassifier's output")
    with torch.no_grad():
        out, again = _again(output, names, other, 1)
    return {"output": out, "again": again}


def _known_output(model, log_probs):
    """``model`` made to answer every call with ``log_probs`` (one row per name in the batch), whatever its input:
    predict is then judged on what the model said, however the student's predict feeds it (padded, packed,
    batch first). Returns a list that counts the calls."""
    calls = []
    fixed = torch.tensor(log_probs, dtype=torch.float32)

    def forward(*args, **kwargs):
        calls.append(1)
        x = args[0] if args else next(iter(kwargs.values()), None)
        if isinstance_(x, torch.Tensor) and x.dim() < 3:
            return fixed.clone()                      # an unbatched input: one row
        return fixed.clone().unsqueeze(0)             # a batch of the one name: (1, n_categories)

    model.forward = forward
    return calls


def probe_predict(student, name, categories, k, hidden, log_probs, seed=0):
    """predict(model, name, categories, k) on the student's model made to answer ``log_probs``, and the
    log-probabilities its answer is to be compared with: those, or where predict never called the model (it ran
    the model's layers itself) the model's own output on the bare one-hot name."""
    model = _model(student, hidden, len(categories), seed).eval()
    calls = _known_output(model, log_probs)
    pairs = _pairs(student.predict(model, name, list(categories), k=k))
    if calls:
        return {"predictions": pairs, "log_probs": list(log_probs)}
    # predict ran the model's parts itself: compare with the model's own output on the one-hot name
    model = _model(student, hidden, len(categories), seed).eval()
    result = student.predict(model, name, list(categories), k=k)
    with torch.no_grad():
        bare = to_numpy(model(student.name_to_tensor(name)), "NameClassifier's output").reshape(-1)
    return {"predictions": _pairs(result), "log_probs": bare.tolist()}


def probe_predict_again(student, name, other, categories, hidden, seed=0):
    """predict on a fresh model of the student's class for ``name``, then ``other``, then ``name`` again; and the
    model's own output on the bare ``name`` before and after ``other`` (where that changes, it is NameClassifier's
    doing, which test_model_output judges), or None where the model does not take the bare one-hot name."""
    model = _model(student, hidden, len(categories), seed).eval()
    first, again = _again(lambda text: _pairs(student.predict(model, text, list(categories), k=3)), name, other, 10)
    bare = None
    try:
        model = _model(student, hidden, len(categories), seed).eval()
        with torch.no_grad():
            bare = list(_again(lambda text: to_numpy(model(student.name_to_tensor(text)), "NameClassifier's output"),
                               name, other, 20))
    except Exception:  # noqa: BLE001 - a model that wants its input as its predict prepares it (padded, say)
        pass
    return {"first": first, "again": again, "model": bare}


def _top1(student, model, name, categories):
    """The student's own predict's best category (its index), or None where predict fails on this name."""
    try:
        best = student.predict(model, name, list(categories), k=1)[0][0]
        return categories.index(str(best))
    except Exception:  # noqa: BLE001 - predict's own check says what is wrong with it
        return None


def probe_train(student, train, test_names, hidden, epochs, seed=0):
    """Train with the student's train_names, then classify each test name the way the student does: with their
    own predict (its top-1), since their model may expect its input prepared as their predict prepares it
    (padded, say). Where predict fails, the model's output on the bare one-hot name (batch of 1) stands in."""
    categories = sorted(train)
    # The names as the student's own loader gives them: what is outside their ALL_LETTERS dropped (an alphabet
    # short of " .,;'" costs test_letters' point, not this check's four).
    letters = getattr(student, "ALL_LETTERS", None)
    if isinstance_(letters, str) and letters:
        def keep(name):
            return "".join(c for c in name if c in letters) or name
        train = {lang: [keep(n) for n in names] for lang, names in train.items()}
        test_names = [keep(n) for n in test_names]
    model = _model(student, hidden, len(train), seed)
    losses = student.train_names(model, train, epochs, seed=seed)
    model.eval()
    predicted, through_forward = [], 0
    for name in test_names:
        best = _top1(student, model, name, categories)
        if best is None:
            through_forward += 1
            with torch.no_grad():
                best = int(torch.as_tensor(model(student.name_to_tensor(name))).reshape(-1).argmax())
        predicted.append(best)
    try:
        losses = np.array([float(v) for v in losses])
    except (TypeError, ValueError):
        losses = np.array([])
    return {"predicted": np.array(predicted), "losses": losses, "through_forward": through_forward}
