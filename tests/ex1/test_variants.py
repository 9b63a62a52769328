"""Exercise 1: correct implementations written differently must each get full marks.

Each variant replaces solution regions (``authoring.render``) with another
correct way of writing the same thing.
"""
import pytest

from autograder.publish.authoring import render
from autograder.grading.course import load_course

from ..conftest import SOLUTIONS, assert_full_marks

SOLUTION = (SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text()

COLUMN_VECTORS = """
batched = x.dim() == 3
xs = x if batched else x.unsqueeze(1)
if batched and self.batch_first:
    xs = xs.transpose(0, 1)
batch = xs.shape[1]
if h_0 is None:
    hs = [xs.new_zeros(self.hidden_size, batch) for _ in range(self.num_layers)]
else:
    h0 = h_0 if batched else h_0.unsqueeze(1)
    hs = [h0[k].T for k in range(self.num_layers)]
seq = [xs[t].T for t in range(xs.shape[0])]          # columns: (d, B)
for k in range(self.num_layers):
    w_ih, w_hh = getattr(self, f"weight_ih_l{k}"), getattr(self, f"weight_hh_l{k}")
    h, out = hs[k], []
    for column in seq:
        z = w_ih @ column + w_hh @ h
        if self.bias:
            z = z + (getattr(self, f"bias_ih_l{k}") + getattr(self, f"bias_hh_l{k}"))[:, None]
        h = torch.tanh(z)
        out.append(h)
    seq, hs[k] = out, h
output = torch.stack([c.T for c in seq])
h_n = torch.stack([h.T for h in hs])
if not batched:
    return output.squeeze(1), h_n.squeeze(1)
return (output.transpose(0, 1) if self.batch_first else output), h_n
"""

STEP_BY_STEP_WITH_RNN_CELL = """
if x.dim() == 2:
    output, h_n = self.forward(x.unsqueeze(1), None if h_0 is None else h_0.unsqueeze(1))
    return output.squeeze(1), h_n.squeeze(1)
if self.batch_first:
    x = x.transpose(0, 1)
if h_0 is None:
    h_0 = torch.zeros(self.num_layers, x.shape[1], self.hidden_size, dtype=x.dtype)
inputs, finals = list(x), []
for k in range(self.num_layers):
    b = getattr(self, f"bias_ih_l{k}") + getattr(self, f"bias_hh_l{k}") if self.bias else 0.0
    h, outputs = h_0[k], []
    for x_t in inputs:
        h = rnn_cell(x_t, h, getattr(self, f"weight_ih_l{k}"), getattr(self, f"weight_hh_l{k}"), b)
        outputs.append(h)
    inputs = outputs
    finals.append(h)
output = torch.stack(inputs, dim=1 if self.batch_first else 0)
return output, torch.stack(finals)
"""

EINSUM = """
squeeze = x.dim() == 2
if squeeze:
    x, h_0 = x.unsqueeze(1), (None if h_0 is None else h_0.unsqueeze(1))
elif self.batch_first:
    x = x.transpose(0, 1)
hs = list(h_0.unbind(0)) if h_0 is not None else \\
    [x.new_zeros(x.shape[1], self.hidden_size)] * self.num_layers
layer = x
for k in range(self.num_layers):
    pre = torch.einsum("tbd,nd->tbn", layer, getattr(self, f"weight_ih_l{k}"))
    if self.bias:
        pre = pre + getattr(self, f"bias_ih_l{k}") + getattr(self, f"bias_hh_l{k}")
    states = []
    for t in range(layer.shape[0]):
        hs[k] = torch.tanh(pre[t] + torch.einsum("bm,nm->bn", hs[k], getattr(self, f"weight_hh_l{k}")))
        states.append(hs[k])
    layer = torch.stack(states)
h_n = torch.stack(hs)
if squeeze:
    return layer.squeeze(1), h_n.squeeze(1)
return (layer.transpose(0, 1) if self.batch_first else layer), h_n
"""

PREALLOCATED = """
unbatched = x.dim() == 2
xs = x.unsqueeze(1) if unbatched else (x.transpose(0, 1) if self.batch_first else x)
steps, batch, _ = xs.shape
h_init = h_0.unsqueeze(1) if (unbatched and h_0 is not None) else h_0
h_n = xs.new_empty(self.num_layers, batch, self.hidden_size)
layer_in = xs
for k in range(self.num_layers):
    out = xs.new_empty(steps, batch, self.hidden_size)
    h = xs.new_zeros(batch, self.hidden_size) if h_init is None else h_init[k]
    for t in range(steps):
        z = torch.nn.functional.linear(layer_in[t], getattr(self, f"weight_ih_l{k}"),
                                       getattr(self, f"bias_ih_l{k}") if self.bias else None)
        z = z + torch.nn.functional.linear(h, getattr(self, f"weight_hh_l{k}"),
                                           getattr(self, f"bias_hh_l{k}") if self.bias else None)
        h = torch.tanh(z)
        out[t] = h
    h_n[k] = h
    layer_in = out
if unbatched:
    return layer_in.squeeze(1), h_n.squeeze(1)
return (layer_in.transpose(0, 1) if self.batch_first else layer_in), h_n
"""

REGISTER_PARAMETER_INIT = """
for k in range(num_layers):
    self.register_parameter(f"weight_ih_l{k}", nn.Parameter(torch.empty(hidden_size, input_size if k == 0 else hidden_size)))
    self.register_parameter(f"weight_hh_l{k}", nn.Parameter(torch.empty(hidden_size, hidden_size)))
    if bias:
        self.register_parameter(f"bias_ih_l{k}", nn.Parameter(torch.empty(hidden_size)))
        self.register_parameter(f"bias_hh_l{k}", nn.Parameter(torch.empty(hidden_size)))
for p in self.parameters():
    nn.init.uniform_(p, -hidden_size ** -0.5, hidden_size ** -0.5)
"""

VARIANTS = {
    "column_vectors": {"MyRNN.forward": COLUMN_VECTORS,
                       "rnn_cell": "return torch.tanh((W_xh @ x_t.T + W_hh @ h_prev.T + b[:, None]).T)"},
    "step_by_step_with_rnn_cell": {"MyRNN.forward": STEP_BY_STEP_WITH_RNN_CELL},
    "einsum": {"MyRNN.forward": EINSUM,
               "rnn_cell": "return torch.tanh(torch.einsum('bd,nd->bn', x_t, W_xh) "
                           "+ torch.einsum('bm,nm->bn', h_prev, W_hh) + b)"},
    "preallocated_output_and_linear": {
        "MyRNN.forward": PREALLOCATED,
        "rnn_cell": "return torch.tanh(torch.nn.functional.linear(x_t, W_xh) + torch.nn.functional.linear(h_prev, W_hh, b))",
        "SentimentRNN.forward": "output, _ = self.rnn(x)\nreturn self.fc(output[:, -1])"},
    "register_parameter_and_nn_init": {"MyRNN.__init__": REGISTER_PARAMETER_INIT},
}


@pytest.mark.parametrize("name", VARIANTS)
def test_correct_variant_gets_full_marks(name, tmp_path):
    source = render(SOLUTION, regions=VARIANTS[name])
    assert_full_marks(tmp_path, "ex1_myrnn", "myrnn.py", source, load_course().exercises["ex1_myrnn"].max_score)


OWN_NAMES = '''


class RNNCell(nn.Module):
    """The student's own cell, named as tutorials name it: not torch's."""

    def forward(self, x_t, h_prev, W_xh, W_hh, b):
        return rnn_tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b)


class RNN(MyRNN):
    """The student's own alias of their MyRNN."""


def rnn_tanh(z):
    return torch.tanh(z)
'''


def test_a_students_own_classes_named_like_torchs_are_not_builtins(tmp_path):
    """no_builtin_rnn judges what runs: classes of the student's own called RNN and RNNCell are fine."""
    from ..conftest import checks_by_name, grade, write_submission

    source = render(SOLUTION, regions={"rnn_cell": "return RNNCell()(x_t, h_prev, W_xh, W_hh, b)"}) + OWN_NAMES
    sub = write_submission(tmp_path / "sub", "ex1_myrnn", {"myrnn.py": source})
    checks = checks_by_name(grade(sub, exercise="ex1_myrnn", checks=["no_builtin_rnn", "rnn_cell_values"]),
                            "ex1_myrnn")
    assert all(c["status"] == "passed" for c in checks.values()), {n: c["output"] for n, c in checks.items()}
