"""Exercise 5, hidden checks: degenerate PCA, no sklearn, and the trained model's geometry.

Not shipped to students. Thresholds are in course.yaml (ex5_hidden_pca.params), calibrated
with scripts/calibrate_ex5.py.
"""
import ast

import numpy as np

from autograder.checking import fail

from .reference import auc, check_pca, eval_set, model_payload
from .test_public import kit_model


def test_pca_rank_deficient(student):
    """k larger than the data's rank, and constant columns."""
    rng = np.random.default_rng(3)
    basis = rng.normal(size=(2, 6))
    X = rng.normal(size=(60, 2)) @ basis + 1.5          # rank 2 after centring
    check_pca(student.call("pca", X=X, k=4), X, 4, "pca on rank-2 data (N=60, D=6, k=4)", rank=2)
    Y = rng.normal(size=(30, 4))
    Y[:, 1] = 7.0                                       # a constant column
    check_pca(student.call("pca", X=Y, k=3), Y, 3, "pca on data with a constant column (N=30, D=4, k=3)", rank=3)


def test_pca_from_scratch(student):
    """pca does not use scikit-learn (read from the source first: sklearn need not be installed)."""
    try:
        tree = ast.parse(student.source or "")
    except SyntaxError:
        tree = ast.parse("")
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, (ast.Import, ast.ImportFrom)) else []
        module = node.module if isinstance(node, ast.ImportFrom) else ""
        if any(n.split(".")[0] == "sklearn" for n in names) or (module or "").split(".")[0] == "sklearn":
            fail(f"line {node.lineno} imports scikit-learn; write PCA yourself (centre, then torch.linalg.svd "
                 "or an eigen-decomposition of the covariance)")
    student.call("pca", X=np.eye(3), k=1)  # and the module loads and pca runs


def final_state_pca(student, params):
    model = kit_model(params)
    tokens, labels, _ = eval_set(params["eval_size"], params["eval_seed"])
    got = student.call("pipeline", tokens=tokens, **model_payload(model))
    projected, ratio = np.asarray(got["projected"]), np.asarray(got["ratio"])
    if projected.shape != (len(labels), 2) or ratio.shape != (2,) or not np.all(np.isfinite(projected)):
        fail(f"pca(final hidden states, 2) returned projected {projected.shape} and ratio {ratio.shape}; "
             f"expected ({len(labels)}, 2) and (2,)")
    return projected, ratio, labels


def test_sentiment_separates_on_pc1(student, params):
    """On the kit's trained model, the final hidden states separate by sentiment along PC1."""
    projected, _, labels = final_state_pca(student, params)
    a = auc(projected[:, 0], labels)
    separation = max(a, 1 - a)  # a component's sign is arbitrary
    if separation < params["auc_min"]:
        fail(f"along the first principal component of your final hidden states, positive and negative "
             f"sentences separate with an AUC of {separation:.3f}; the kit's model gives about 0.95 "
             f"(at least {params['auc_min']} expected). Check collect_hidden_states (the last position is the "
             "final state) and that pca centres the data.")


def test_pc1_dominates(student, params):
    """The first component explains the largest share of the final states' variance, far ahead of the second."""
    _, ratio, _ = final_state_pca(student, params)
    if ratio[0] < params["pc1_ratio_min"] or ratio[0] < params["pc1_over_pc2_min"] * ratio[1]:
        fail(f"your PCA of the final hidden states gives explained variance ratios {ratio[0]:.3f} and "
             f"{ratio[1]:.3f}; on the kit's model the first component explains about 0.47 and the second 0.11 "
             f"(expected PC1 >= {params['pc1_ratio_min']} and >= {params['pc1_over_pc2_min']:g} x PC2).")
