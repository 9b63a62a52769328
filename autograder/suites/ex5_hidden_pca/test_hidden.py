"""Exercise 5, hidden checks: degenerate PCA, no sklearn, and the trained model's geometry.

Not shipped to students. The trained-model checks compare the student's PCA with the
grader's own PCA of the same model's final states (tolerances in course.yaml); the
model's geometry itself is calibrated by scripts/calibrate.py (calibration/README.md).
"""

import numpy as np

from autograder.grading.checking import fail

from .oracle import eval_set, model_payload
from .reference import auc, check_against_reference, reference_final_state_pca
from .test_public import kit_model


def test_pca_rank_deficient(student):
    """k larger than the data's rank, and constant columns."""
    rng = np.random.default_rng(3)
    basis = rng.normal(size=(2, 6))
    X = rng.normal(size=(60, 2)) @ basis + 1.5          # rank 2 after centring
    check_against_reference(student.call("pca", X=X, k=4), X, 4, "pca on rank-2 data (N=60, D=6, k=4)", rank=2)
    Y = rng.normal(size=(30, 4))
    Y[:, 1] = 7.0                                       # a constant column
    check_against_reference(student.call("pca", X=Y, k=3), Y, 3, "pca on data with a constant column (N=30, D=4, k=3)", rank=3)


def test_pca_from_scratch(student):
    """pca does not use scikit-learn: judged by what runs (the grader is told of every sklearn import)."""
    failure = None
    try:
        student.call("pca", X=np.eye(3), k=1)  # the module loads and pca runs
    except Exception as exc:  # noqa: BLE001 - scikit-learn need not be installed: importing it may be what failed
        failure = exc
    if student.evidence().get("import sklearn"):
        fail("your code imports scikit-learn when it runs; write PCA yourself (centre, then torch.linalg.svd "
             "or an eigen-decomposition of the covariance)")
    if failure is not None:
        raise failure


def final_state_pca(student, exercise, params):
    model = kit_model(exercise, params)
    tokens, labels, _ = eval_set(exercise, params["eval_size"], params["eval_seed"])
    got = student.call("pipeline", tokens=tokens, **model_payload(exercise, model))
    projected, ratio = np.asarray(got["projected"]), np.asarray(got["ratio"])
    if projected.shape != (len(labels), 2) or ratio.shape != (2,) or not np.all(np.isfinite(projected)):
        fail(f"pca(final hidden states, 2) returned projected {projected.shape} and ratio {ratio.shape}; "
             f"expected ({len(labels)}, 2) and (2,)")
    return projected, ratio, labels, reference_final_state_pca(model, tokens, 2)


def test_sentiment_separates_on_pc1(student, exercise, params):
    """On the kit's trained model, the final hidden states separate by sentiment along PC1, as the true PC1 does."""
    projected, _, labels, reference = final_state_pca(student, exercise, params)
    separation = max(auc(projected[:, 0], labels), 1 - auc(projected[:, 0], labels))  # a component's sign is arbitrary
    true = auc(reference[2][:, 0], labels)
    true = max(true, 1 - true)
    if separation < true - params["auc_tolerance"]:
        fail(f"along the first principal component of your final hidden states, positive and negative "
             f"sentences separate with an AUC of {separation:.3f}; along the true first component of the kit's "
             f"model's final states they separate with {true:.3f}. Check collect_hidden_states (the last position "
             "is the final state) and that pca centres the data.")


def test_pc1_dominates(student, exercise, params):
    """The explained variance ratios of the final states are the true ones: PC1 first, far ahead of PC2."""
    _, ratio, _, reference = final_state_pca(student, exercise, params)
    true = reference[1]
    if np.max(np.abs(ratio - true)) > params["ratio_tolerance"] or ratio[0] < ratio[1]:
        fail(f"your PCA of the final hidden states gives explained variance ratios {ratio[0]:.3f} and "
             f"{ratio[1]:.3f}; the true ratios of the kit's model's final states are {true[0]:.3f} and "
             f"{true[1]:.3f}: the first component explains the largest share, {true[0] / true[1]:.1f} x the "
             "second (the line attractor). Sort the components by variance, largest first, and divide each "
             "variance by the total.")
