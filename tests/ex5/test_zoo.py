"""Exercise 5: wrong implementations, each of which must lose points on the check meant to catch it."""
import pytest

from autograder.publish.authoring import mutate

from ..conftest import SOLUTIONS, Mutant, assert_loses_points

SOLUTION = (SOLUTIONS / "ex5_hidden_pca" / "hidden_pca.py").read_text()


MUTANTS = [
    Mutant("no_centring", targets=["pca_random", "pca_rank_deficient", "pc1_dominates"], says="uncentred data",
           replace=[("centred = X - X.mean(dim=0)", "centred = X")]),
    Mutant("eigenvectors_of_x_xt", targets=["pca_random"], says="components has shape", regions={"pca": """
        X = torch.as_tensor(X, dtype=torch.float64)
        centred = X - X.mean(dim=0)
        values, vectors = torch.linalg.eigh(centred @ centred.T)   # N x N, not the covariance
        order = values.argsort(descending=True)[:k]
        components = vectors[:, order].T
        return components, values[order] / values.sum(), centred @ centred.T @ vectors[:, order]
    """}),
    Mutant("components_as_columns", targets=["pca_shapes", "pca_random"], says="One principal direction per row",
           replace=[("return components, variance[:k] / variance.sum(), centred @ components.T",
                     "return components.T, variance[:k] / variance.sum(), centred @ components.T")]),
    Mutant("ratio_not_normalised", targets=["pca_random", "pc1_dominates"], says="look like variances",
           replace=[("variance[:k] / variance.sum()", "variance[:k] / (len(X) - 1)")]),
    Mutant("ratio_over_the_first_k_components", targets=["pc1_dominates", "pca_random"], says="the true ratios",
           replace=[("variance[:k] / variance.sum()", "variance[:k] / variance[:k].sum()")]),
    Mutant("states_reversed_in_time", targets=["sentiment_separates_on_pc1", "collect_hidden_states"],
           says="along the true first component",
           replace=[("    return output\n    ### END SOLUTION", "    return output.flip(1)\n    ### END SOLUTION")]),
    Mutant("wrong_layer_embedding", targets=["collect_hidden_states"], says="embedding layer's output",
           replace=[("output, _ = model.rnn(model.embedding(batch))\n    return output",
                     "return model.embedding(batch)")]),
    Mutant("positions_shifted_by_one", targets=["collect_hidden_states"], says="shifted by one position",
           replace=[("    return output\n    ### END SOLUTION",
                     "    return torch.cat([torch.zeros_like(output[:, :1]), output[:, :-1]], dim=1)\n"
                     "    ### END SOLUTION")]),
    Mutant("uses_sklearn", targets=["pca_from_scratch"], says="imports scikit-learn",
           replace=[("import torch  # noqa: E402\n", "import torch  # noqa: E402\nimport sklearn.decomposition  # noqa\n")]),
    Mutant("plot_single_panel", targets=["plot_two_panels"], says="needs two", regions={"plot_hidden_states": """
        projected = torch.as_tensor(projected).numpy()
        fig, ax = plt.subplots()
        ax.scatter(projected[:, 0], projected[:, 1], c=torch.as_tensor(labels).numpy())
        ax.set_xlabel("PC 1")
        ax.set_ylabel("PC 2")
        return fig
    """}),
    Mutant("plot_without_colour_bar", targets=["plot_two_panels"], says="no colour bar",
           replace=[('    fig.colorbar(points, ax=by_position, label="position in sentence")\n', "")]),
]


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_mutant_loses_points_on_its_target(mutant, tmp_path):
    source = mutate(SOLUTION, replace=mutant.replace, regions=mutant.regions)
    assert_loses_points(tmp_path, "ex5_hidden_pca", "hidden_pca.py", source, mutant.targets, mutant.says)
