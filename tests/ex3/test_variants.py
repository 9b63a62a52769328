"""Exercise 3: correct implementations written differently must each get full marks."""
import pytest

from autograder.publish.authoring import render
from autograder.grading.course import load_course

from ..conftest import SOLUTIONS, assert_full_marks

SOLUTION = (SOLUTIONS / "ex3_names" / "names.py").read_text()

VARIANTS = {
    "lstm": {
        "NameClassifier.__init__": """
            self.rnn = nn.LSTM(n_letters, hidden_size)
            self.out = nn.Linear(hidden_size, n_categories)
        """,
        "NameClassifier.forward": """
            if lengths is not None:
                x = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), enforce_sorted=False)
            _, (h_n, _) = self.rnn(x)
            return torch.log_softmax(self.out(h_n[-1]), dim=-1)
        """},
    "embedding_inside_the_model": {
        "NameClassifier.__init__": """
            self.embed = nn.Embedding(n_letters, 32)
            self.rnn = nn.GRU(32, hidden_size)
            self.out = nn.Linear(hidden_size, n_categories)
        """,
        "NameClassifier.forward": """
            ids = x.argmax(dim=-1)                       # back from one-hot to letter ids
            embedded = self.embed(ids) * x.sum(dim=-1, keepdim=True)   # padding rows stay zero
            if lengths is not None:
                embedded = nn.utils.rnn.pack_padded_sequence(embedded, lengths.cpu(), enforce_sorted=False)
            _, h_n = self.rnn(embedded)
            return torch.log_softmax(self.out(h_n[-1]), dim=-1)
        """},
    "length_buckets_without_packing": {
        "train_names": """
            categories = sorted(data)
            by_length = {}
            for i, language in enumerate(categories):
                for name in data[language]:
                    by_length.setdefault(len(name), []).append((name, i))
            rng = random.Random(seed)
            torch.manual_seed(seed)
            optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
            losses = []
            model.train()
            for _ in range(epochs):
                batches = []
                for pairs in by_length.values():       # equal lengths: no padding, no packing
                    rng.shuffle(pairs)
                    batches += [pairs[i:i + 32] for i in range(0, len(pairs), 32)]
                rng.shuffle(batches)
                total = count = 0
                for chunk in batches:
                    x = torch.cat([name_to_tensor(n) for n, _ in chunk], dim=1)
                    loss = nn.functional.nll_loss(model(x), torch.tensor([c for _, c in chunk]))
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                    total, count = total + loss.item() * len(chunk), count + len(chunk)
                losses.append(total / count)
            return losses
        """},
}


@pytest.mark.parametrize("name", VARIANTS)
def test_correct_variant_gets_full_marks(name, tmp_path):
    source = render(SOLUTION, regions=VARIANTS[name])
    assert_full_marks(tmp_path, "ex3_names", "names.py", source, load_course().exercises["ex3_names"].max_score)


def test_an_alphabet_with_a_hyphen_keeps_hyphens_without_losing_points(tmp_path):
    """The contract drops what is outside ALL_LETTERS: a student whose ALL_LETTERS has "-" must keep "-"."""
    from ..conftest import checks_by_name, grade, write_submission

    source = SOLUTION.replace('''ALL_LETTERS = string.ascii_letters + " .,;'"''',
                              '''ALL_LETTERS = string.ascii_letters + " .,;'-"''', 1)
    assert source != SOLUTION, "the solution's ALL_LETTERS line changed"
    sub = write_submission(tmp_path / "sub", "ex3_names", {"names.py": source})
    checks = checks_by_name(grade(sub, exercise="ex3_names", checks=["letters", "unicode_to_ascii"]), "ex3_names")
    assert all(c["status"] == "passed" for c in checks.values()), {n: c["output"] for n, c in checks.items()}
