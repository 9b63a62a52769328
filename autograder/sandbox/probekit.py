"""Helpers for the probes that run inside the student process.

Copied into every sandbox beside the exercise's ``probes.py``. Probes turn what
the student's code returns into plain numpy arrays; they never judge it.
"""
import builtins
import random

import numpy as np
import torch

# Bound when probekit loads, which is before the student's module is imported, so
# a submission that patches builtins.isinstance cannot fake what the probes see.
isinstance_ = builtins.isinstance


class ProbeError(Exception):
    """The student's code returned something unusable; the message says what."""


def tensor(array, requires_grad=False):
    """A float64 leaf tensor built from an array the grader sent."""
    t = torch.tensor(np.asarray(array), dtype=torch.float64)
    return t.requires_grad_(requires_grad)


def to_numpy(value, what):
    """A plain float64 ndarray from whatever the student returned.

    Tensor subclasses are stripped to plain tensors first, so methods they
    override (``__eq__``, ``numpy``, ...) play no part in what is sent back.
    """
    if isinstance_(value, torch.Tensor):
        plain = torch.Tensor.as_subclass(value, torch.Tensor)
        plain = torch.Tensor.detach(plain).to("cpu")
        if plain.is_complex():
            raise ProbeError(f"{what} is a complex tensor")
        return np.array(torch.Tensor.numpy(plain.to(torch.float64).contiguous()), dtype=np.float64)
    if isinstance_(value, np.ndarray) and value.dtype.kind in "biuf":
        return np.array(value, dtype=np.float64)
    if isinstance_(value, (int, float)) and not isinstance_(value, bool):
        return np.array(float(value))
    raise ProbeError(f"{what} should be a torch tensor, but your code returned a {type(value).__name__}")


def reseed(seed):
    """Every random generator a student's code may draw from, seeded: a call made twice under different seeds
    shows whether its answer depends on chance (dropout on in eval, a coin flip between teacher forcing and
    greedy decoding), and the verdict stays the same on every run and machine."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def grad_or_none(t):
    return None if t.grad is None else to_numpy(t.grad, "a gradient")


def defined(module, name):
    """A module-level name the student must define; a stub leaves it None (see authoring)."""
    value = getattr(module, name, None)
    if value is None:
        raise NotImplementedError(f"{name} is not defined yet")
    return value


def probe_function(module, name, args=(), tensors=False):
    """The built-in probe: ``name(*args)`` of the student's module, its result as plain data.

    For checks that need no probe of their own (an exercise may have no probes.py):
    ``student.call("function", name="running_mean", args=[x], tensors=True)``. With
    ``tensors``, array arguments arrive as float64 tensors. A tuple or list result comes
    back as a list of arrays.
    """
    fn = defined(module, name)
    if tensors:
        args = [tensor(a) if isinstance_(a, (np.ndarray, list)) else a for a in args]
    result = fn(*args)
    if isinstance_(result, (tuple, list)):
        return [to_numpy(r, f"item {i} of what {name} returned") for i, r in enumerate(result)]
    return to_numpy(result, f"what {name} returned")


def unpack(result, n, what):
    """``result`` as a tuple of ``n`` items, or a ProbeError saying what was expected."""
    if not isinstance_(result, (tuple, list)) or len(result) != n:
        raise ProbeError(f"{what}, got {type(result).__name__}")
    return tuple(result)
