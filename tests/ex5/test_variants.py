"""Exercise 5: correct PCAs written differently must each get full marks."""
import pytest

from autograder.publish.authoring import render
from autograder.grading.course import load_course

from ..conftest import SOLUTIONS, assert_full_marks

SOLUTION = (SOLUTIONS / "ex5_hidden_pca" / "hidden_pca.py").read_text()

VARIANTS = {
    "eigh_of_the_covariance": """
        X = torch.as_tensor(X, dtype=torch.float64)
        centred = X - X.mean(0, keepdim=True)
        covariance = centred.T @ centred / (X.shape[0] - 1)
        values, vectors = torch.linalg.eigh(covariance)
        values, vectors = values.flip(0).clamp(min=0), vectors.flip(1)
        components = vectors[:, :k].T
        return components, values[:k] / values.sum(), centred @ vectors[:, :k]
    """,
    "numpy_svd": """
        import numpy as np
        X = np.asarray(X, dtype=float)
        centred = X - X.mean(axis=0)
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        return vt[:k], (s ** 2)[:k] / (s ** 2).sum(), centred @ vt[:k].T
    """,
    "torch_pca_lowrank_full_rank": """
        X = torch.as_tensor(X, dtype=torch.float64)
        q = min(X.shape)
        torch.manual_seed(0)
        _, s, v = torch.pca_lowrank(X, q=q, center=True, niter=6)
        total = ((X - X.mean(0)) ** 2).sum()
        return v[:, :k].T, (s[:k] ** 2) / total, (X - X.mean(0)) @ v[:, :k]
    """,
}


@pytest.mark.parametrize("name", VARIANTS)
def test_correct_variant_gets_full_marks(name, tmp_path):
    source = render(SOLUTION, regions={"pca": VARIANTS[name]})
    assert_full_marks(tmp_path, "ex5_hidden_pca", "hidden_pca.py", source,
                      load_course().exercises["ex5_hidden_pca"].max_score)


def test_sklearn_in_a_main_block_that_never_runs_is_not_held_against_the_student(tmp_path):
    """Judged by what runs: a self-test under `if __name__ == "__main__":` is not part of the graded code."""
    from ..conftest import checks_by_name, grade, write_submission

    source = SOLUTION + '''

if __name__ == "__main__":
    from sklearn.decomposition import PCA  # the student's own cross-check, never run by the grader
    print(PCA(2).fit(torch.randn(10, 3).numpy()).explained_variance_ratio_)
'''
    sub = write_submission(tmp_path / "sub", "ex5_hidden_pca", {"hidden_pca.py": source})
    check = checks_by_name(grade(sub, exercise="ex5_hidden_pca", checks=["pca_from_scratch"]),
                           "ex5_hidden_pca")["pca_from_scratch"]
    assert check["status"] == "passed", check["output"]
