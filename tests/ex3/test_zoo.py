"""Exercise 3: wrong implementations, each of which must lose points on the check meant to catch it."""
import pytest

from autograder.publish.authoring import mutate

from ..conftest import SOLUTIONS, Mutant, assert_loses_points

SOLUTION = (SOLUTIONS / "ex3_names" / "names.py").read_text()


MUTANTS = [
    Mutant("one_hot_off_by_one", targets=["name_to_tensor"], says="off by one",
           replace=[("tensor[i, 0, ALL_LETTERS.index(letter)] = 1.0",
                     "tensor[i, 0, (ALL_LETTERS.index(letter) + 1) % N_LETTERS] = 1.0")]),
    Mutant("accents_not_stripped", targets=["unicode_to_ascii", "load_names"], says="dropped instead of stripped",
           replace=[('decomposed = unicodedata.normalize("NFD", s)', "decomposed = s")]),
    Mutant("log_probabilities_not_normalised", targets=["model_output"], says="log-probabilities",
           replace=[("return torch.log_softmax(self.out(h_n[-1]), dim=-1)", "return self.out(h_n[-1])")]),
    Mutant("train_test_leak", targets=["split_no_leak"], says="in both train and test", regions={"split_names": """
        rng = random.Random(seed)
        train, test = {}, {}
        for language, names in data.items():
            shuffled = list(names)
            rng.shuffle(shuffled)
            cut = round(len(shuffled) * test_fraction)
            test[language], train[language] = shuffled[:cut], shuffled[cut:]
        return train, test
    """}),
    Mutant("shuffled_labels", targets=["accuracy"], says="must reach",
           replace=[("    categories = sorted(data)\n    pairs", "    categories = sorted(data, reverse=True)\n    pairs")]),
    Mutant("no_training", targets=["accuracy"], says="must reach", replace=[("            optimizer.step()\n", "")]),
    # The load_names message: the same count, other names (it used to say "gives 291 ..., the file has 291").
    Mutant("names_lower_cased", targets=["load_names"], says="gives the right number of", replace=[
        ("names = [unicode_to_ascii(line.strip())", "names = [unicode_to_ascii(line.strip()).lower()")]),
    # Checks that look at more than one case: an apostrophe in a name, and k other than 3.
    Mutant("one_hot_over_ascii_letters_only", targets=["name_to_tensor"], says="O'Neal", replace=[
        ("tensor[i, 0, ALL_LETTERS.index(letter)] = 1.0",
         "tensor[i, 0, string.ascii_letters.index(letter) if letter.isalpha() else 0] = 1.0")]),
    Mutant("predict_ignores_k", targets=["predict"], says="k=1", replace=[
        ("top = torch.topk(probabilities, k)", "top = torch.topk(probabilities, 3)")]),
    Mutant("predict_returns_log_probabilities", targets=["predict"], says="lie in [0, 1]",
           replace=[("probabilities = model(name_to_tensor(name))[0].exp()",
                     "probabilities = model(name_to_tensor(name))[0]")]),
]


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_mutant_loses_points_on_its_target(mutant, tmp_path):
    source = mutate(SOLUTION, replace=mutant.replace, regions=mutant.regions)
    assert_loses_points(tmp_path, "ex3_names", "names.py", source, mutant.targets, mutant.says)
