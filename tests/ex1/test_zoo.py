"""Exercise 1: wrong implementations, each of which must lose points on the check meant to catch it.

Each mutant is the reference solution with one plausible mistake put in
(``authoring.mutate``: every replaced snippet must occur exactly once, so a
mutant that no longer applies fails loudly). It is graded only on the checks
it targets; those must fail, and where the grader knows the mistake, its
message must name it.
"""
import pytest

from autograder.publish.authoring import mutate

from ..conftest import SOLUTIONS, Mutant, assert_loses_points

SOLUTION = (SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text()
CELL = "return torch.tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b)"
STEP = "h = torch.tanh(torch.addmm(p_t, h, w_hh_t))"
BIASES = '(getattr(self, f"bias_ih_l{k}") + getattr(self, f"bias_hh_l{k}"))'


MUTANTS = [
    Mutant("cell_transposed_w_hh", [(CELL, "return torch.tanh(x_t @ W_xh.T + h_prev @ W_hh + b)")],
           ["rnn_cell_values"], "W_hh is used transposed"),
    Mutant("cell_missing_bias", [(CELL, "return torch.tanh(x_t @ W_xh.T + h_prev @ W_hh.T)")],
           ["rnn_cell_values", "worked_example_two_steps"], "the bias b is missing"),
    Mutant("cell_relu", [(CELL, CELL.replace("torch.tanh", "torch.relu"))],
           ["rnn_cell_values"], "ReLU is used instead of tanh"),
    Mutant("cell_ignores_h_prev", [(CELL, "return torch.tanh(x_t @ W_xh.T + b)")],
           ["rnn_cell_values", "worked_example_two_steps"], "h_prev is ignored"),
    Mutant("transposed_w_hh", [('w_hh_t = getattr(self, f"weight_hh_l{k}").t()',
                                'w_hh_t = getattr(self, f"weight_hh_l{k}")')],
           ["matches_nn_rnn"], "hidden-to-hidden weights are used transposed"),  # gradients: only where the
    Mutant("missing_bias_hh", [(BIASES, 'getattr(self, f"bias_ih_l{k}")')],         # forward pass is right
           ["matches_nn_rnn"], "bias_hh is never added"),
    Mutant("doubled_bias", [(BIASES, '(2 * getattr(self, f"bias_ih_l{k}") + getattr(self, f"bias_hh_l{k}"))')],
           ["matches_nn_rnn"], "bias_ih is added twice"),
    Mutant("sigmoid", [(STEP, STEP.replace("torch.tanh", "torch.sigmoid"))],
           ["matches_nn_rnn", "worked_example_sentiment"], "sigmoid is used instead of tanh"),
    Mutant("relu", [(STEP, STEP.replace("torch.tanh", "torch.relu"))],
           ["matches_nn_rnn"], "ReLU is used instead of tanh"),
    Mutant("state_not_carried", [(STEP, "h = torch.tanh(torch.addmm(p_t, h_0[k], w_hh_t))")],
           ["matches_nn_rnn", "worked_example_two_steps"], "the hidden state is not carried"),
    Mutant("h0_ignored", [("        if h_0 is None:\n", "        if True:\n")],
           ["initial_state"], "h_0 passed to forward seems to be ignored"),
    Mutant("layers_not_stacked", [('projected = layer_input @ getattr(self, f"weight_ih_l{k}").t()',
                                   'projected = x @ getattr(self, f"weight_ih_l{k}").t()')],
           ["stacked_layers"]),
    Mutant("h_n_last_layer_only", [("output, h_n = layer_input, torch.stack(finals)",
                                    "output, h_n = layer_input, torch.stack(finals[-1:])")],
           ["stacked_layers"], "has shape"),
    Mutant("batch_first_ignored", [("        elif self.batch_first:\n            x = x.transpose(0, 1)\n", ""),
                                   ("        if self.batch_first:\n            output = output.transpose(0, 1)\n",
                                    "")],
           ["batch_first"], "batch_first is ignored"),
    Mutant("time_reversed", [("for p_t in projected.unbind(0):", "for p_t in reversed(projected.unbind(0)):")],
           ["matches_nn_rnn"], "processed backwards in time"),
    Mutant("state_detached", [("                states.append(h)\n",
                               "                states.append(h)\n                h = h.detach()\n")],
           ["gradients"], "detached between steps"),
    Mutant("init_normal", [("uniform_(-bound, bound)", "normal_(0, 0.01)")], ["initialisation"]),
    Mutant("init_bound_from_input_size", [("bound = 1.0 / math.sqrt(hidden_size)",
                                           "bound = 1.0 / math.sqrt(input_size)")],
           ["initialisation"], "values reach"),
    Mutant("single_bias_parameter", [(
        'shapes.update({f"bias_ih_l{k}": (hidden_size,), f"bias_hh_l{k}": (hidden_size,)})',
        'shapes.update({f"bias_l{k}": (hidden_size,)})'),
        (BIASES, 'getattr(self, f"bias_l{k}")')],
        ["parameter_names_and_counts", "state_dict_round_trip"], "missing: bias_hh_l0, bias_ih_l0"),
    Mutant("float32_initial_state", [("h_0 = x.new_zeros(self.num_layers, batch, self.hidden_size)",
                                      "h_0 = torch.zeros(self.num_layers, batch, self.hidden_size)")],
           ["initial_state"], "dtype"),  # and only there: one mistake, one check (test below)
    Mutant("computes_in_float32", [("        unbatched = x.dim() == 2\n", "        x = x.float()\n        unbatched = x.dim() == 2\n")],
           ["initial_state"], "same dtype"),  # and only there (test below)
    Mutant("calls_torch_vf", [], ["no_builtin_rnn", "matches_nn_rnn"], "torch._VF.rnn_tanh",
           regions={"MyRNN.forward": """
               h = x.new_zeros(self.num_layers, x.shape[0 if self.batch_first else 1], self.hidden_size) \\
                   if h_0 is None else h_0
               return torch._VF.rnn_tanh(x, h, list(self.parameters()), self.bias, self.num_layers,
                                         0.0, self.training, False, self.batch_first)
           """}),
    Mutant("sentiment_first_step", [("_, h_n = self.rnn(x)\n        return self.fc(h_n[-1])",
                                     "out, _ = self.rnn(x)\n        return self.fc(out[:, 0])")],
           ["sentiment_rnn", "worked_example_sentiment"], "the first time step's hidden state"),
    Mutant("sentiment_not_batch_first", [("self.rnn = MyRNN(input_size, hidden_size, batch_first=True)",
                                          "self.rnn = MyRNN(input_size, hidden_size)")],
           ["sentiment_rnn"], "batch_first=True"),
]


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_mutant_loses_points_on_its_target(mutant, tmp_path):
    source = mutate(SOLUTION, replace=mutant.replace, regions=mutant.regions)
    assert_loses_points(tmp_path, "ex1_myrnn", "myrnn.py", source, mutant.targets, mutant.says)


def test_the_zoo_covers_every_mistake_the_issue_names():
    covered = {m.id for m in MUTANTS}
    for required in ("transposed_w_hh", "missing_bias_hh", "doubled_bias", "relu", "sigmoid", "state_not_carried",
                     "h0_ignored", "layers_not_stacked", "batch_first_ignored", "time_reversed", "state_detached"):
        assert required in covered
    assert len(MUTANTS) >= 15


def test_one_mistake_costs_its_own_check(tmp_path):
    """No stacking: stacked_layers loses its points, initialisation (checked on one layer) keeps them.
    A wrong h_n beside a right output: no float32 hint (it looks at every result, not only output)."""
    from ..conftest import checks_by_name, grade, write_submission

    no_stacking = SOLUTION.replace(
        "        super().__init__()\n        self.input_size = input_size\n",
        "        super().__init__()\n        if num_layers > 1:\n"
        "            raise NotImplementedError('stacked layers are not done yet')\n"
        "        self.input_size = input_size\n", 1)
    wrong_h_n = SOLUTION.replace("output, h_n = layer_input, torch.stack(finals)",
                                 "output, h_n = layer_input, torch.stack(finals) * 0.5", 1)
    assert SOLUTION not in (no_stacking, wrong_h_n), "the solution's lines changed"
    sub = write_submission(tmp_path / "a", "ex1_myrnn", {"myrnn.py": no_stacking})
    checks = checks_by_name(grade(sub, exercise="ex1_myrnn", checks=["initialisation", "stacked_layers"]),
                            "ex1_myrnn")
    assert checks["initialisation"]["status"] == "passed", checks["initialisation"]["output"]
    assert checks["stacked_layers"]["score"] == 0
    sub = write_submission(tmp_path / "b", "ex1_myrnn", {"myrnn.py": wrong_h_n})
    check = checks_by_name(grade(sub, exercise="ex1_myrnn", checks=["matches_nn_rnn"]), "ex1_myrnn")["matches_nn_rnn"]
    assert check["score"] == 0 and "h_n is wrong" in check["output"] and "float32" not in check["output"], \
        check["output"]


@pytest.mark.parametrize("slip", [
    ("h_0 = x.new_zeros(self.num_layers, batch, self.hidden_size)",
     "h_0 = torch.zeros(self.num_layers, batch, self.hidden_size)"),         # a float32 default h_0
    ("        unbatched = x.dim() == 2\n", "        x = x.float()\n        unbatched = x.dim() == 2\n"),  # float32 inside
], ids=["float32_default_h0", "computes_in_float32"])
def test_a_dtype_slip_costs_initial_state_only(slip, tmp_path):
    """A dtype slip is charged once (initial_state, the dtype check), not in every check it touches:
    the others run with h_0 given, or in float32 at float32's precision."""
    from ..conftest import checks_by_name, grade

    source = mutate(SOLUTION, replace=[slip])
    assert source != SOLUTION
    sub = tmp_path / "sub" / "ex1_myrnn"
    sub.mkdir(parents=True)
    (sub / "myrnn.py").write_text(source)
    result = grade(sub.parent, exercise="ex1_myrnn")
    lost = {n: c["output"] for n, c in checks_by_name(result, "ex1_myrnn").items() if c["status"] != "passed"}
    assert list(lost) == ["initial_state"], lost


@pytest.mark.parametrize("mistake, replace, charged", [
    ("h_n batch-first too", [("            output = output.transpose(0, 1)\n        return output, h_n",
                              "            output = output.transpose(0, 1)\n            h_n = h_n.transpose(0, 1)\n"
                              "        return output, h_n")], ["batch_first", "sentiment_rnn"]),  # SentimentRNN
    # reads h_n[-1] of its batch_first MyRNN: the same mistake, seen through it (and only there)
    ("no unbatched input", [("        ### BEGIN SOLUTION\n        unbatched = ",
                             "        ### BEGIN SOLUTION\n        if x.dim() == 2:\n"
                             "            raise NotImplementedError('unbatched input')\n        unbatched = ")], ["unbatched"]),
], ids=["h_n_batch_first", "no_unbatched_input"])
def test_a_feature_mistake_costs_that_features_check_only(mistake, replace, charged, tmp_path):
    """Cases that also use batch_first or unbatched input are judged without them in other checks."""
    from ..conftest import checks_by_name, grade

    source = mutate(SOLUTION, replace=replace)
    assert source != SOLUTION
    sub = tmp_path / "sub" / "ex1_myrnn"
    sub.mkdir(parents=True)
    (sub / "myrnn.py").write_text(source)
    lost = {n: c["output"] for n, c in checks_by_name(grade(sub.parent, exercise="ex1_myrnn"), "ex1_myrnn").items()
            if c["status"] != "passed"}
    assert list(lost) == charged, lost
