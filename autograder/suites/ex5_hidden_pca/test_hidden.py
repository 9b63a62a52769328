"""Exercise 5, hidden checks: degenerate PCA, no sklearn, and the trained model's geometry.

Not shipped to students. The trained-model checks compare the student's PCA with the
grader's own PCA of the same model's final states (tolerances in course.yaml); the
model's geometry itself is calibrated by scripts/calibrate.py (calibration/README.md).
"""

import numpy as np

from autograder.grading.checking import CheckFailed, fail
from autograder.sandbox.failures import MissingSubmission, NotImplementedYet, StudentFailure

from .oracle import check_pca, eval_set, model_payload, public_expectations
from .reference import auc, check_against_reference, reference_final_state_pca, reference_pca
from .test_public import kit_model


def student_pca_is_right(student) -> bool:
    """Whether the student's pca gives the expected PCA of full-rank data (test_pca_random's first case): where it
    does not, that check charges the mistake, and the checks below do not charge it again."""
    stored = public_expectations()
    X, k = stored["X0"], int(stored["k0"])
    try:
        check_pca(student.call("pca", X=X, k=k), X, k, "", (stored["components0"], stored["ratio0"],
                                                            stored["projected0"]), stored["uncentred0"])
    except (CheckFailed, StudentFailure):
        return False
    return True


def test_pca_rank_deficient(student):
    """k larger than the data's rank, and constant columns: judged in full where pca is right on full-rank data;
    otherwise (a mistake test_pca_random charges, such as no centring) only what degenerate data alone breaks:
    that pca runs and returns finite values of the right shapes."""
    rng = np.random.default_rng(3)
    basis = rng.normal(size=(2, 6))
    X = rng.normal(size=(60, 2)) @ basis + 1.5          # rank 2 after centring
    Y = rng.normal(size=(30, 4))
    Y[:, 1] = 7.0                                       # a constant column
    cases = [(X, 4, 2, "pca on rank-2 data (N=60, D=6, k=4)"),
             (Y, 3, 3, "pca on data with a constant column (N=30, D=4, k=3)")]
    in_full = student_pca_is_right(student)
    for data, k, rank, what in cases:
        got = student.call("pca", X=data, k=k)
        if in_full:
            check_against_reference(got, data, k, what, rank=rank)
            continue
        n, d = data.shape
        for name, shape in (("components", (k, d)), ("ratio", (k,)), ("projected", (n, k))):
            if np.shape(got[name]) != shape or not np.all(np.isfinite(got[name])):
                fail(f"{what}: {name} has shape {np.shape(got[name])} (expected {shape})"
                     + ("" if np.all(np.isfinite(got[name])) else " and NaN or infinite values: a direction with "
                        "no variance must not be divided by"))


def test_pca_from_scratch(student):
    """pca does not use scikit-learn: judged by what runs (the grader is told of every sklearn import). A pca that
    is written but raises is pca_random's to charge, not this check's; one that is not written yet (the stub's
    NotImplementedError, no pca at all) leaves nothing to judge, and fails here too."""
    failure = None
    try:
        student.call("pca", X=np.eye(3), k=1)  # the module loads and pca runs
    except StudentFailure as exc:  # scikit-learn need not be installed: importing it may be what failed
        failure = exc
    if student.evidence().get("import sklearn"):
        fail("your code imports scikit-learn when it runs; write PCA yourself (centre, then torch.linalg.svd "
             "or an eigen-decomposition of the covariance)")
    if failure is None:
        return
    if isinstance(failure, (NotImplementedYet, MissingSubmission)) or \
            not student.call("defines", name="pca")["callable"]:   # a module that does not load fails here
        raise failure
    student.note(f"pca raised before it returned ({failure.message.splitlines()[0][:200]}): that is "
                 "pca_random's to charge. Nothing your code ran imported scikit-learn.")


def final_state_pca(student, exercise, params):
    """The student's final hidden states of the kit model, through the student's pca where it is right (else
    through the grader's: a wrong pca, one that returns wrong values or one that raises, is test_pca_random's to
    charge); with the grader's PCA of the true states, and in words which PCA was used. The states come from the
    student's collect_hidden_states: where it cannot give them, the check has nothing to judge and says so."""
    model = kit_model(exercise, params)
    tokens, labels, _ = eval_set(exercise, params["eval_size"], params["eval_seed"])
    own_pca = student_pca_is_right(student)
    try:
        got = student.call("pipeline", tokens=tokens, with_pca=own_pca, **model_payload(exercise, model))
    except StudentFailure as failure:
        if own_pca or not student.call("defines", name="collect_hidden_states")["callable"]:
            raise   # through the student's pca; or a module that does not load, whose failure every check shares
        # the same kind of failure (its status), said as what this check lacks
        raise type(failure)("the final hidden states come from your collect_hidden_states, which failed on the "
                            f"kit's model: {failure.message}") from None
    final = np.asarray(got["final"])
    if own_pca:
        projected, ratio, through = np.asarray(got["projected"]), np.asarray(got["ratio"]), "your pca"
    else:
        if final.ndim != 2 or final.shape[0] != len(labels) or not np.all(np.isfinite(final)):
            fail(f"collect_hidden_states gave final hidden states of shape {final.shape}"
                 f"{'' if np.all(np.isfinite(final)) else ' with NaN or infinite values'}; expected "
                 f"({len(labels)}, hidden size) at the last position. {STATES_HINT}")
        _, ratio, projected = reference_pca(final, 2)
        through = "the grader's PCA (your pca is test_pca_random's to judge)"
    if projected.shape != (len(labels), 2) or ratio.shape != (2,) or not np.all(np.isfinite(projected)):
        fail(f"pca(final hidden states, 2) returned projected {projected.shape} and ratio {ratio.shape}; "
             f"expected ({len(labels)}, 2) and (2,)")
    return projected, ratio, labels, reference_final_state_pca(model, tokens, 2), through


# Both trained-model checks judge the states with a PCA known to be right: what differs is the states.
STATES_HINT = ("Check collect_hidden_states: position t holds the RNN's output after word t, so the final state "
               "is the last position's (not the embedding, not a state shifted by one).")


def test_sentiment_separates_on_pc1(student, exercise, params):
    """On the kit's trained model, the final hidden states separate by sentiment along PC1, as the true PC1 does."""
    projected, _, labels, reference, through = final_state_pca(student, exercise, params)
    separation = max(auc(projected[:, 0], labels), 1 - auc(projected[:, 0], labels))  # a component's sign is arbitrary
    true = auc(reference[2][:, 0], labels)
    true = max(true, 1 - true)
    if separation < true - params["auc_tolerance"]:
        fail(f"along the first principal component of your final hidden states (through {through}), positive "
             f"and negative sentences separate with an AUC of {separation:.3f}; along the true first component of "
             f"the kit's model's final states they separate with {true:.3f}. {STATES_HINT}")


def test_pc1_dominates(student, exercise, params):
    """The explained variance ratios of the final states are the true ones: PC1 first, far ahead of PC2."""
    _, ratio, _, reference, through = final_state_pca(student, exercise, params)
    true = reference[1]
    if np.max(np.abs(ratio - true)) > params["ratio_tolerance"] or ratio[0] < ratio[1]:
        fail(f"the PCA of your final hidden states (through {through}) gives explained variance ratios "
             f"{ratio[0]:.3f} and {ratio[1]:.3f}; the true ratios of the kit's model's final states are "
             f"{true[0]:.3f} and {true[1]:.3f}: the first component explains the largest share, "
             f"{true[0] / true[1]:.1f} x the second (the line attractor). {STATES_HINT}")
