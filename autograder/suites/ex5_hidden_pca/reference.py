"""Exercise 5, instructor side: the grader's PCA, AUC, and the public checks' stored expectations.

Never shipped to students: ``reference_pca`` is the PCA they must write. The
public checks get their expected values from public_pca.npz, which this module
writes (``python -m autograder.suites.ex5_hidden_pca.reference``) and the kit's
tests check against it.
"""
from __future__ import annotations

import numpy as np
import torch

from .oracle import PUBLIC_EXPECTATIONS, check_pca


def reference_pca(X: np.ndarray, k: int):
    centred = X - X.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    var = s ** 2
    return vt[:k], var[:k] / var.sum(), centred @ vt[:k].T


def uncentred_ratio(X: np.ndarray) -> np.ndarray:
    """What a PCA that forgets to centre gives as explained_variance_ratio (for the hint)."""
    s = np.linalg.svd(X, compute_uv=False) ** 2
    return s / s.sum()


def check_against_reference(got: dict, X: np.ndarray, k: int, what: str, rank: int | None = None) -> None:
    check_pca(got, X, k, what, reference_pca(X, k), uncentred_ratio(X), rank=rank)


def reference_final_state_pca(model, tokens: np.ndarray, k: int = 2):
    """The grader's own PCA of the kit model's final hidden states, computed as the probe feeds the student's.

    The kit trains its model in the grader's process, so what PC1 explains and
    how well it separates sentiment are measured here, on this machine, from
    the very model the student's code sees: the checks compare with these, not
    with constants that move with the training trajectory (calibration/README.md).
    """
    with torch.no_grad():
        final = model.rnn(model.embedding(torch.tensor(tokens)))[0][:, -1].numpy().astype(np.float64)
    return reference_pca(final, k)


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve of ``scores`` for labels 1 vs 0 (ties count half)."""
    pos, neg = scores[labels == 1], scores[labels == 0]
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def public_pca_cases() -> dict[str, np.ndarray]:
    """The public pca check's data and expected results, as stored in public_pca.npz.

    Per case i: X{i} (with distinct variances per direction, so the components
    are well defined, and an offset, so PCA must centre), k{i}, components{i},
    ratio{i}, projected{i} and uncentred{i}.
    """
    rng = np.random.default_rng(1)
    out = {}
    for i, (n, d, k) in enumerate(((200, 10, 3), (40, 5, 5))):
        X = rng.normal(size=(n, d)) @ np.diag(np.linspace(3, 0.5, d)) @ np.linalg.qr(rng.normal(size=(d, d)))[0]
        X += rng.normal(size=d) * 5
        components, ratio, projected = reference_pca(X, k)
        out.update({f"X{i}": X, f"k{i}": np.array(k), f"components{i}": components, f"ratio{i}": ratio,
                    f"projected{i}": projected, f"uncentred{i}": uncentred_ratio(X)})
    return out


if __name__ == "__main__":
    np.savez_compressed(PUBLIC_EXPECTATIONS, **public_pca_cases())
    print(f"wrote {PUBLIC_EXPECTATIONS}")
