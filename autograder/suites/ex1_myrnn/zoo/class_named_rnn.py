"""My RNN, written as `RNN` (like torch's), then exported under the contract's name."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class RNNCell:
    """Plain helper, not a module: one tanh step."""

    @staticmethod
    def step(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
        out = F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
        return torch.tanh(out)


def rnn_cell(x_t, h_prev, W_xh, W_hh, b):
    return RNNCell.step(x_t, h_prev, W_xh, W_hh, b)


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False):
        super(RNN, self).__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self._names = []
        for l in range(num_layers):
            names = [f"weight_ih_l{l}", f"weight_hh_l{l}"] + ([f"bias_ih_l{l}", f"bias_hh_l{l}"] if bias else [])
            for name in names:
                if name.startswith("weight_ih"):
                    shape = (hidden_size, input_size if l == 0 else hidden_size)
                elif name.startswith("weight_hh"):
                    shape = (hidden_size, hidden_size)
                else:
                    shape = (hidden_size,)
                setattr(self, name, nn.Parameter(torch.empty(*shape)))
            self._names.append(names)
        self.reset_parameters()

    def reset_parameters(self):
        std = 1.0 / self.hidden_size ** 0.5
        for p in self.parameters():
            nn.init.uniform_(p, -std, std)

    def forward(self, input, hx=None):
        unbatched = input.dim() == 2
        if unbatched:
            input = input.unsqueeze(1)
            if hx is not None:
                hx = hx.unsqueeze(1)
        if self.batch_first and not unbatched:
            input = input.transpose(0, 1)
        T, B, _ = input.size()
        if hx is None:
            hx = torch.zeros(self.num_layers, B, self.hidden_size, dtype=input.dtype, device=input.device)
        h_n = []
        layer_out = input
        for l, names in enumerate(self._names):
            params = [getattr(self, n) for n in names]
            h = hx[l]
            outs = []
            for t in range(T):
                h = RNNCell.step(layer_out[t], h, *params)
                outs.append(h)
            layer_out = torch.stack(outs, 0)
            h_n.append(h)
        h_n = torch.stack(h_n, 0)
        if unbatched:
            return layer_out.squeeze(1), h_n.squeeze(1)
        if self.batch_first:
            layer_out = layer_out.transpose(0, 1)
        return layer_out, h_n


MyRNN = RNN


class SentimentRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.rnn = RNN(input_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        out, hidden = self.rnn(x)
        return self.fc(hidden[-1])
