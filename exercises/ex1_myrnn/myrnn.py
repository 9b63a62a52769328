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
    # TODO: your code here.
    raise NotImplementedError("rnn_cell is not implemented yet")


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
        # TODO: your code here.
        raise NotImplementedError("MyRNN.__init__ is not implemented yet")

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
        # TODO: your code here.
        raise NotImplementedError("MyRNN.forward is not implemented yet")


class SentimentRNN(nn.Module):
    """Many-to-one: a ``MyRNN`` (batch_first) reads the sequence; ``fc`` maps its
    final hidden state to ``output_size`` logits.

    Attributes: ``rnn`` (MyRNN, batch_first=True), ``fc`` (nn.Linear(hidden_size, output_size)).
    forward(x (B, T, d)) -> logits (B, output_size)
    """

    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        # TODO: your code here.
        raise NotImplementedError("SentimentRNN.__init__ is not implemented yet")

    def forward(self, x):
        # TODO: your code here.
        raise NotImplementedError("SentimentRNN.forward is not implemented yet")
