"""Exercise 1: a vanilla RNN from scratch, equivalent to torch.nn.RNN.

You build three things:

1. ``rnn_cell``: one step, h_t = tanh(x_t W_xh^T + h_prev W_hh^T + b).
2. ``MyRNN``: a drop-in replacement for ``torch.nn.RNN`` (tanh only): same
   constructor arguments, same parameter names and shapes, same initialisation,
   same input/output shapes. A state dict must move between ``MyRNN`` and
   ``nn.RNN`` with ``load_state_dict`` both ways and give the same outputs and
   gradients. Do not call ``nn.RNN``, ``nn.RNNCell`` or ``torch._VF``.
3. ``SentimentRNN``: the lesson's many-to-one classifier, built on ``MyRNN``.

Check your work with the public checks:  python -m autograder check ex1_myrnn
"""
import math

import torch
from torch import nn


def rnn_cell(x_t, h_prev, W_xh, W_hh, b):
    """One step of a vanilla RNN; rows are batch items.

    Args:
        x_t:    (B, d) input at this step
        h_prev: (B, n) hidden state from the previous step
        W_xh:   (n, d) input-to-hidden weights
        W_hh:   (n, n) hidden-to-hidden weights
        b:      (n,)   bias
    Returns:
        h_t: (B, n) = tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b)
    """
    ### BEGIN SOLUTION
    return torch.tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b)
    ### END SOLUTION


class MyRNN(nn.Module):
    """A multi-layer tanh RNN, equivalent to ``torch.nn.RNN``.

    Parameters, per layer k (as in ``nn.RNN``):
        weight_ih_l{k}: (hidden_size, input_size) for k = 0, else (hidden_size, hidden_size)
        weight_hh_l{k}: (hidden_size, hidden_size)
        bias_ih_l{k}, bias_hh_l{k}: (hidden_size,), only when ``bias`` is true
    All initialised uniform in [-1/sqrt(hidden_size), 1/sqrt(hidden_size)].
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        # Register each tensor with nn.Parameter under nn.RNN's names, e.g.
        # self.weight_ih_l0 = nn.Parameter(torch.empty(hidden_size, input_size)),
        # or setattr(self, f"weight_ih_l{k}", ...) inside a loop over layers.
        ### BEGIN SOLUTION
        bound = 1.0 / math.sqrt(hidden_size)
        for k in range(num_layers):
            layer_input = input_size if k == 0 else hidden_size
            shapes = {f"weight_ih_l{k}": (hidden_size, layer_input), f"weight_hh_l{k}": (hidden_size, hidden_size)}
            if bias:
                shapes.update({f"bias_ih_l{k}": (hidden_size,), f"bias_hh_l{k}": (hidden_size,)})
            for name, shape in shapes.items():
                setattr(self, name, nn.Parameter(torch.empty(shape).uniform_(-bound, bound)))
        ### END SOLUTION

    def forward(self, x, h_0=None):
        """Run the RNN over a whole sequence.

        Args:
            x:   (T, B, d); (B, T, d) if batch_first; or unbatched (T, d)
            h_0: (num_layers, B, n), or (num_layers, n) for unbatched input;
                 zeros when omitted
        Returns:
            output: the last layer's hidden state at every step,
                    (T, B, n); (B, T, n) if batch_first; (T, n) unbatched
            h_n:    every layer's final hidden state, (num_layers, B, n)
                    ((num_layers, n) unbatched)
        """
        ### BEGIN SOLUTION
        unbatched = x.dim() == 2
        if unbatched:
            x = x.unsqueeze(1)
            h_0 = None if h_0 is None else h_0.unsqueeze(1)
        elif self.batch_first:
            x = x.transpose(0, 1)
        batch = x.shape[1]
        if h_0 is None:
            h_0 = x.new_zeros(self.num_layers, batch, self.hidden_size)
        layer_input, finals = x, []
        for k in range(self.num_layers):
            w_hh_t = getattr(self, f"weight_hh_l{k}").t()
            # One matmul projects every step's input at once; only h @ W_hh^T
            # has to wait for the previous step.
            projected = layer_input @ getattr(self, f"weight_ih_l{k}").t()
            if self.bias:
                projected = projected + (getattr(self, f"bias_ih_l{k}") + getattr(self, f"bias_hh_l{k}"))
            h, states = h_0[k], []
            # unbind, not projected[t]: each index op's backward would build a
            # full (T, B, n) gradient, making backward quadratic in T.
            for p_t in projected.unbind(0):
                h = torch.tanh(torch.addmm(p_t, h, w_hh_t))
                states.append(h)
            layer_input = torch.stack(states)
            finals.append(h)
        output, h_n = layer_input, torch.stack(finals)
        if unbatched:
            return output.squeeze(1), h_n.squeeze(1)
        if self.batch_first:
            output = output.transpose(0, 1)
        return output, h_n
        ### END SOLUTION


class SentimentRNN(nn.Module):
    """Many-to-one: a ``MyRNN`` (batch_first) reads the sequence; ``fc`` maps its
    final hidden state to ``output_size`` logits.

    Attributes: ``rnn`` (MyRNN, batch_first=True), ``fc`` (nn.Linear(hidden_size, output_size)).
    forward(x (B, T, d)) -> logits (B, output_size)
    """

    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        ### BEGIN SOLUTION
        self.rnn = MyRNN(input_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, output_size)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        _, h_n = self.rnn(x)
        return self.fc(h_n[-1])
        ### END SOLUTION
