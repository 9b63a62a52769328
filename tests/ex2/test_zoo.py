"""Exercise 2: wrong implementations, each of which must lose points on the check meant to catch it.

Mutants are the reference solution with one mistake put in. Data mistakes are
graded only on the data checks (no training); training mistakes on the
training checks they target.
"""
import pytest

from autograder.publish.authoring import mutate

from ..conftest import SOLUTIONS, Mutant, assert_loses_points

SOLUTION = (SOLUTIONS / "ex2_adding" / "adding.py").read_text()
RAND = "torch.rand(n_samples, seq_len, generator=generator)"
FIRST = "torch.randint(0, half, (n_samples,), generator=generator)"
SECOND = "torch.randint(half, seq_len, (n_samples,), generator=generator)"


MUTANTS = [
    Mutant("one_mark", [("    mask[rows, second] = 1.0\n", "")], ["data_marks"], "have 1 mark"),
    Mutant("three_marks", [("    mask[rows, second] = 1.0\n",
                            "    mask[rows, second] = 1.0\n    mask[rows, (first + 1) % half] = 1.0\n")],
           ["data_marks"], "have 3 marks"),
    Mutant("both_marks_in_the_first_half", [(SECOND, "torch.randint(0, half, (n_samples,), generator=generator)")],
           ["data_marks"], "mark"),
    Mutant("target_is_the_sum_of_all_values", [("return x, adding_target(values, mask).unsqueeze(1)",
                                                "return x, values.sum(1, keepdim=True)")],
           ["data_targets", "constant_baseline"], "sum of all values"),
    Mutant("target_ignores_mask", [("return (values * mask).sum(dim=-1)", "return values.sum(dim=-1)")],
           ["target_example", "target_batch"], "sum of all values"),
    Mutant("values_in_minus_one_one", [(RAND, f"2 * {RAND} - 1")], ["data_values", "constant_baseline"],
           "outside [0, 1)"),
    Mutant("generator_ignored", [(RAND, "torch.rand(n_samples, seq_len)"),
                                 (FIRST, "torch.randint(0, half, (n_samples,))"),
                                 (SECOND, "torch.randint(half, seq_len, (n_samples,))")],
           ["data_seeded"], "draw every random number from `generator`"),
    Mutant("target_shape_n", [("return x, adding_target(values, mask).unsqueeze(1)",
                               "return x, adding_target(values, mask)")], ["data_shapes"], "y from make_adding_data"),
    Mutant("positions_not_covering_the_half", [(FIRST, "torch.randint(0, 2, (n_samples,), generator=generator)")],
           ["data_positions_cover_halves"], "were marked"),
    Mutant("model_ignores_the_mask_channel", [("output, _ = self.rnn(x)",
                                               "output, _ = self.rnn(x * torch.tensor([1.0, 0.0]))")],
           ["lstm_learns"], "must be below"),
    Mutant("optimizer_never_steps", [("        optimizer.step()\n", "")], ["lstm_learns"], "did not move"),
    Mutant("cell_ignored", [("self.rnn = layers[cell](2, hidden_size, batch_first=True)",
                             "self.rnn = nn.LSTM(2, hidden_size, batch_first=True)")],
           ["model_modules", "vanilla_rnn_forgets"], "is `cell` ignored?"),
    Mutant("reads_the_first_time_step", [("return self.head(output[:, -1])", "return self.head(output[:, 0])")],
           ["lstm_learns"], "must be below"),
]


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_mutant_loses_points_on_its_target(mutant, tmp_path):
    source = mutate(SOLUTION, replace=mutant.replace)
    assert_loses_points(tmp_path, "ex2_adding", "adding.py", source, mutant.targets, mutant.says)


def test_the_zoo_covers_the_issues_list():
    assert len(MUTANTS) >= 10


SCRATCH_LSTM = '''


class ScratchLSTM(nn.Module):
    """An LSTM written from the equations (4 gates), batch_first, returning (output, (h, c))."""

    def __init__(self, input_size, hidden_size, batch_first=True):
        super().__init__()
        self.hidden_size = hidden_size
        self.gates = nn.Linear(input_size + hidden_size, 4 * hidden_size)

    def forward(self, x):
        h = x.new_zeros(x.shape[0], self.hidden_size)
        c = torch.zeros_like(h)
        outputs = []
        for t in range(x.shape[1]):
            i, f, g, o = self.gates(torch.cat([x[:, t], h], dim=1)).chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            outputs.append(h)
        return torch.stack(outputs, dim=1), (h, c)
'''


def test_a_cell_written_from_scratch_counts_and_learning_is_judged_by_what_was_learned(tmp_path):
    """model_modules accepts a from-scratch LSTM (recognised by its gates); a cell= that is ignored still fails."""
    from ..conftest import checks_by_name, grade, write_submission

    scratch = SOLUTION.replace('layers = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}',
                               'layers = {"rnn": nn.RNN, "lstm": ScratchLSTM, "gru": nn.GRU}', 1) + SCRATCH_LSTM
    ignored = scratch.replace("self.rnn = layers[cell](2, hidden_size, batch_first=True)",
                              "self.rnn = ScratchLSTM(2, hidden_size, batch_first=True)", 1)
    assert SOLUTION not in (scratch, ignored) and scratch != ignored, "the solution's lines changed"
    for source, passes in ((scratch, True), (ignored, False)):
        sub = write_submission(tmp_path / str(passes), "ex2_adding", {"adding.py": source})
        check = checks_by_name(grade(sub, exercise="ex2_adding", checks=["model_modules"]),
                               "ex2_adding")["model_modules"]
        assert (check["status"] == "passed") == passes, check["output"]


def test_a_model_that_learned_keeps_lstm_learns_despite_an_extra_loss_in_the_list(tmp_path):
    """lstm_learns judges the held-out MSE; an off-by-one in the returned losses is not a failure to learn."""
    from ..conftest import checks_by_name, grade, write_submission

    source = SOLUTION.replace("    return losses\n", "    return losses + losses[-1:]\n", 1)
    assert source != SOLUTION, "the solution's return line changed"
    sub = write_submission(tmp_path / "sub", "ex2_adding", {"adding.py": source})
    check = checks_by_name(grade(sub, exercise="ex2_adding", checks=["lstm_learns"]), "ex2_adding")["lstm_learns"]
    assert check["status"] == "passed", check["output"]
