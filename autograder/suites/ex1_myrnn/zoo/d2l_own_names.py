# d2l's RNNScratch kept as it is (its own parameter names W_xh, W_hh, b_h), one per layer:
# it computes the right thing, but its state dict does not load into nn.RNN (the contract's names).
import math

import torch
from torch import nn


def rnn_cell(x_t, h_prev, W_xh, W_hh, b):
    return torch.tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b)


class RNNScratch(nn.Module):
    def __init__(self, num_inputs, num_hiddens, sigma=None):
        super().__init__()
        bound = 1 / math.sqrt(num_hiddens)
        self.W_xh = nn.Parameter(torch.empty(num_inputs, num_hiddens).uniform_(-bound, bound))
        self.W_hh = nn.Parameter(torch.empty(num_hiddens, num_hiddens).uniform_(-bound, bound))
        self.b_h = nn.Parameter(torch.empty(num_hiddens).uniform_(-bound, bound))

    def forward(self, inputs, state):
        outputs = []
        for X in inputs:
            state = torch.tanh(torch.matmul(X, self.W_xh) + torch.matmul(state, self.W_hh) + self.b_h)
            outputs.append(state)
        return torch.stack(outputs), state


class MyRNN(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False):
        super().__init__()
        self.hidden_size, self.num_layers, self.batch_first = hidden_size, num_layers, batch_first
        self.layers = nn.ModuleList(RNNScratch(input_size if i == 0 else hidden_size, hidden_size)
                                    for i in range(num_layers))

    def forward(self, x, h_0=None):
        if self.batch_first:
            x = x.transpose(0, 1)
        if h_0 is None:
            h_0 = torch.zeros(self.num_layers, x.shape[1], self.hidden_size, dtype=x.dtype)
        finals = []
        for layer, h in zip(self.layers, h_0):
            x, h = layer(x, h)
            finals.append(h)
        if self.batch_first:
            x = x.transpose(0, 1)
        return x, torch.stack(finals)


class SentimentRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.rnn = MyRNN(input_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        _, h_n = self.rnn(x)
        return self.fc(h_n[-1])
