# In the style of Karpathy's min-char-rnn (column vectors, h = tanh(Wxh x + Whh h + bh)), which has
# one bias: the student registers both of nn.RNN's biases for the names, but only adds bias_ih.
import math

import torch
import torch.nn as nn


def rnn_cell(x_t, h_prev, W_xh, W_hh, b):
    return torch.tanh(W_xh @ x_t.T + W_hh @ h_prev.T + b[:, None]).T


class MyRNN(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False):
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        s = 1.0 / math.sqrt(hidden_size)
        for l in range(num_layers):
            n_in = input_size if l == 0 else hidden_size
            setattr(self, "weight_ih_l%d" % l, nn.Parameter(torch.empty(hidden_size, n_in).uniform_(-s, s)))
            setattr(self, "weight_hh_l%d" % l, nn.Parameter(torch.empty(hidden_size, hidden_size).uniform_(-s, s)))
            if bias:
                setattr(self, "bias_ih_l%d" % l, nn.Parameter(torch.empty(hidden_size).uniform_(-s, s)))
                setattr(self, "bias_hh_l%d" % l, nn.Parameter(torch.empty(hidden_size).uniform_(-s, s)))

    def forward(self, x, h_0=None):
        unbatched = x.dim() == 2
        if unbatched:
            x = x.unsqueeze(1)
            h_0 = h_0.unsqueeze(1) if h_0 is not None else None
        elif self.batch_first:
            x = x.transpose(0, 1)
        T, B = x.shape[0], x.shape[1]
        if h_0 is None:
            h_0 = x.new_zeros(self.num_layers, B, self.hidden_size)
        seq = [x[t].T for t in range(T)]  # columns (d, B), as in min-char-rnn
        hs = []
        for l in range(self.num_layers):
            Wxh, Whh = getattr(self, "weight_ih_l%d" % l), getattr(self, "weight_hh_l%d" % l)
            bh = getattr(self, "bias_ih_l%d" % l)[:, None] if self.bias else 0
            h = h_0[l].T
            out = []
            for xs in seq:
                h = torch.tanh(Wxh @ xs + Whh @ h + bh)
                out.append(h)
            seq = out
            hs.append(h.T)
        output = torch.stack([h.T for h in seq])
        h_n = torch.stack(hs)
        if unbatched:
            return output[:, 0], h_n[:, 0]
        return (output.transpose(0, 1) if self.batch_first else output), h_n


class SentimentRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.rnn = MyRNN(input_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        return self.fc(self.rnn(x)[1][-1])
