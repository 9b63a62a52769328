"""Exercise 2: correct implementations written differently must each get full marks."""
import pytest

from autograder.publish.authoring import mutate
from autograder.grading.course import load_course

from ..conftest import SOLUTIONS, assert_full_marks

SOLUTION = (SOLUTIONS / "ex2_adding" / "adding.py").read_text()

VARIANTS = {
    "cell_by_getattr_and_gru": dict(regions={"AddingModel.__init__": """
        self.rnn = getattr(nn, cell.upper())(input_size=2, hidden_size=hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)
    """}),
    "mlp_head": dict(regions={"AddingModel.__init__": """
        self.rnn = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell](2, hidden_size, batch_first=True)
        self.head = nn.Sequential(nn.Linear(hidden_size, 32), nn.ReLU(), nn.Linear(32, 1))
    """}),
    "positions_by_argmax_and_masked_sum": dict(regions={"make_adding_data": """
        half = seq_len // 2
        values = torch.rand(n_samples, seq_len, generator=generator)
        noise = torch.rand(n_samples, seq_len, generator=generator)
        first = noise[:, :half].argmax(dim=1)
        second = half + noise[:, half:].argmax(dim=1)
        mask = torch.nn.functional.one_hot(first, seq_len) + torch.nn.functional.one_hot(second, seq_len)
        mask = mask.float()
        return torch.stack([values, mask], dim=-1), (values * mask).sum(1, keepdim=True)
    """}),
    "no_gradient_clipping": dict(replace=[("        nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n", "")]),
}


@pytest.mark.parametrize("name", VARIANTS)
def test_correct_variant_gets_full_marks(name, tmp_path):
    source = mutate(SOLUTION, **VARIANTS[name])
    assert_full_marks(tmp_path, "ex2_adding", "adding.py", source, load_course().exercises["ex2_adding"].max_score)
