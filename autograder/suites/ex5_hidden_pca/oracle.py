"""Exercise 5: the kit's trained model, its evaluation sentences, and the PCA verdict.

Ships with the student release (the public checks use it), so it holds no PCA:
``check_pca`` compares with expected values it is given. The public checks'
expectations are stored in public_pca.npz (made from reference.py by
``python -m autograder.suites.ex5_hidden_pca.reference``, and checked against it
by the kit's tests); the hidden checks compute theirs with reference.py, which
stays with the instructor.
"""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import torch

from autograder.grading import cache
from autograder.grading.checking import fail, fmt
from autograder.grading.course import Exercise, import_file

GIVEN = "sentiment_data.py"


def sentiment_data(exercise: Exercise):
    """The kit's own copy of the given module (never the student's), where course.yaml puts it."""
    return exercise.load_given(GIVEN)


def trained_model(exercise: Exercise, train_size: int, epochs: int, seed: int):
    return _trained_model(exercise.given_path(GIVEN), train_size, epochs, seed)


@functools.lru_cache(maxsize=8)
def _trained_model(given: Path, train_size: int, epochs: int, seed: int):
    """The kit's sentiment RNN, trained deterministically (same for every submission).

    Trained once per machine and kit version (``autograder.grading.cache``), in a forked torch RNG
    so that training, or reading it from the cache, leaves the grader's random state alone.
    """
    sd = import_file(given)

    def train() -> dict[str, torch.Tensor]:
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            model = sd.SentimentModel(len(sd.vocabulary()))
            sd.train_sentiment(model, sd.make_corpus(train_size, seed=seed), epochs=epochs, seed=seed)
        return model.state_dict()

    key = cache.key_of(train_size, epochs, seed,
                       sources=(Path(__file__), given))
    model = sd.SentimentModel(len(sd.vocabulary()))
    model.load_state_dict(cache.tensors("ex5-sentiment-model", key, train))
    return model.eval()


def model_payload(exercise: Exercise, model) -> dict:
    sd = sentiment_data(exercise)
    return {"state": {k: v.numpy().astype(np.float64) for k, v in model.state_dict().items()},
            "sizes": [len(sd.vocabulary()), model.embedding.embedding_dim, model.rnn.hidden_size]}


def eval_set(exercise: Exercise, size: int, seed: int):
    """Held-out sentences: tokens (N, T), labels (N,), positions (N, T)."""
    sd = sentiment_data(exercise)
    corpus = sd.make_corpus(size, seed=seed)
    sentences = [s for s, _ in corpus]
    tokens = sd.encode(sentences)
    return tokens.numpy(), np.array([y for _, y in corpus]), sd.positions(sentences, tokens.shape[1]).numpy()


PUBLIC_EXPECTATIONS = Path(__file__).with_name("public_pca.npz")


@functools.lru_cache(maxsize=1)
def public_expectations() -> dict[str, np.ndarray]:
    """The stored inputs and expected PCA results of the public checks (see reference.public_pca_cases)."""
    with np.load(PUBLIC_EXPECTATIONS) as stored:
        return dict(stored)


def check_pca(got: dict, X: np.ndarray, k: int, what: str, want: tuple, uncentred_ratio: np.ndarray,
              rank: int | None = None) -> None:
    """Fail unless the student's PCA equals ``want`` (components, ratio, projected) up to each component's sign.

    ``uncentred_ratio`` is what the PCA of the uncentred data would give (for the
    hint). Components beyond the data's rank are not unique, so for those only
    their ratio (0) and projections (0) are compared, and that they are unit rows.
    """
    want_c, want_r, want_p = want
    n, d = X.shape
    for name, shape in (("components", (k, d)), ("ratio", (k,)), ("projected", (n, k))):
        if np.shape(got[name]) != shape:
            label = {"ratio": "explained_variance_ratio"}.get(name, name)
            hint = " (components go in rows: (k, D))" if name == "components" and np.shape(got[name]) == (d, k) else ""
            fail(f"{what}: {label} has shape {np.shape(got[name])}, expected {shape}{hint}")
    comps, ratio, proj = (np.asarray(got[n_], dtype=float) for n_ in ("components", "ratio", "projected"))
    if not np.all(np.isfinite(comps)) or not np.all(np.isfinite(ratio)) or not np.all(np.isfinite(proj)):
        fail(f"{what}: the result contains NaN or infinite values")
    if not np.allclose(ratio, want_r, atol=1e-5):
        uncentred = uncentred_ratio[:k]
        hint = " They look like variances, not ratios: divide by the total variance." if ratio.sum() > 1 + 1e-6 \
            else " That is the PCA of the uncentred data: subtract each column's mean first." \
            if np.allclose(ratio, uncentred, atol=1e-5) else ""
        fail(f"{what}: explained_variance_ratio is {fmt(ratio)}, expected {fmt(want_r)}.{hint}")
    norms = np.linalg.norm(comps, axis=1)
    if not np.allclose(norms, 1, atol=1e-5):
        fail(f"{what}: components should be unit-length rows; their lengths are {fmt(norms)}")
    sure = min(k, rank if rank is not None else k)
    for i in range(sure):
        if abs(abs(comps[i] @ want_c[i]) - 1) > 1e-5:
            fail(f"{what}: component {i} is {fmt(comps[i])}, expected ±{fmt(want_c[i])} "
                 "(did you centre the columns, and take the right singular vectors of the centred data?)")
        sign = np.sign(comps[i] @ want_c[i])
        if not np.allclose(proj[:, i], sign * want_p[:, i], atol=1e-5):
            fail(f"{what}: projected[:, {i}] is not the centred data projected on component {i} "
                 f"(first values {fmt(proj[:5, i])}, expected {fmt(sign * want_p[:5, i])})")
    if sure < k and not np.allclose(proj[:, sure:], 0, atol=1e-5):
        fail(f"{what}: the data has rank {rank}, so projections on components {sure}..{k - 1} should be 0")
