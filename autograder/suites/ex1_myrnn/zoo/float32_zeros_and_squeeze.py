# The student: correct maths, but a default h_0 made with torch.zeros (float32 whatever the
# input's dtype) and logits squeezed (a batch of one loses its batch dimension).
import math

import torch
from torch import nn


def rnn_cell(x_t, h_prev, W_xh, W_hh, b):
    return torch.tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b)


class MyRNN(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        k = 1 / math.sqrt(hidden_size)
        for i in range(num_layers):
            setattr(self, f"weight_ih_l{i}", nn.Parameter(torch.empty(hidden_size, input_size if i == 0 else hidden_size).uniform_(-k, k)))
            setattr(self, f"weight_hh_l{i}", nn.Parameter(torch.empty(hidden_size, hidden_size).uniform_(-k, k)))
            if bias:
                setattr(self, f"bias_ih_l{i}", nn.Parameter(torch.empty(hidden_size).uniform_(-k, k)))
                setattr(self, f"bias_hh_l{i}", nn.Parameter(torch.empty(hidden_size).uniform_(-k, k)))

    def forward(self, x, h_0=None):
        batched = x.dim() == 3
        if not batched:
            x = x.unsqueeze(1)
            if h_0 is not None:
                h_0 = h_0.unsqueeze(1)
        elif self.batch_first:
            x = x.transpose(0, 1)
        if h_0 is None:
            h_0 = torch.zeros(self.num_layers, x.size(1), self.hidden_size)
        h_n, layer_in = [], x
        for i in range(self.num_layers):
            h = h_0[i]
            b = getattr(self, f"bias_ih_l{i}") + getattr(self, f"bias_hh_l{i}") if self.bias else 0
            outs = []
            for t in range(layer_in.size(0)):
                h = rnn_cell(layer_in[t], h, getattr(self, f"weight_ih_l{i}"), getattr(self, f"weight_hh_l{i}"), b)
                outs.append(h)
            layer_in = torch.stack(outs)
            h_n.append(h)
        out, h_n = layer_in, torch.stack(h_n)
        if not batched:
            return out.squeeze(1), h_n.squeeze(1)
        return (out.transpose(0, 1) if self.batch_first else out), h_n


class SentimentRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.rnn = MyRNN(input_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        _, h = self.rnn(x)
        return self.fc(h[-1]).squeeze()
