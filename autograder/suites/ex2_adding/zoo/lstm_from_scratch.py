# d2l-style LSTMScratch (its own gate parameters) for cell="lstm"; torch's modules for the others.
import math

import torch
from torch import nn


def adding_target(values, mask):
    return (torch.as_tensor(values, dtype=torch.float32) * torch.as_tensor(mask, dtype=torch.float32)).sum(-1)


def make_adding_data(n_samples, seq_len, generator=None):
    values = torch.rand((n_samples, seq_len), generator=generator)
    half = seq_len // 2
    i = torch.randint(half, (n_samples,), generator=generator)
    j = torch.randint(half, (n_samples,), generator=generator) + half
    mask = torch.zeros(n_samples, seq_len)
    mask.scatter_(1, i[:, None], 1.0)
    mask.scatter_(1, j[:, None], 1.0)
    return torch.stack((values, mask), 2), adding_target(values, mask)[:, None]


class LSTMScratch(nn.Module):
    def __init__(self, num_inputs, num_hiddens):
        super().__init__()
        self.num_hiddens = num_hiddens
        k = 1 / math.sqrt(num_hiddens)
        init = lambda *shape: nn.Parameter(torch.empty(*shape).uniform_(-k, k))  # noqa: E731
        # input, forget, output gates and the candidate cell, stacked
        self.W_x = init(num_inputs, 4 * num_hiddens)
        self.W_h = init(num_hiddens, 4 * num_hiddens)
        self.b = init(4 * num_hiddens)

    def forward(self, X):  # X (B, T, d), batch first
        B = X.shape[0]
        H = X.new_zeros(B, self.num_hiddens)
        C = X.new_zeros(B, self.num_hiddens)
        xs = X @ self.W_x + self.b
        outputs = []
        for t in range(X.shape[1]):
            gates = xs[:, t] + H @ self.W_h
            I, F, O, C_tilde = gates.chunk(4, dim=1)
            I, F, O, C_tilde = torch.sigmoid(I), torch.sigmoid(F), torch.sigmoid(O), torch.tanh(C_tilde)
            C = F * C + I * C_tilde
            H = O * torch.tanh(C)
            outputs.append(H)
        return torch.stack(outputs, 1), (H, C)


class AddingModel(nn.Module):
    def __init__(self, hidden_size=64, cell="lstm"):
        super().__init__()
        if cell == "lstm":
            self.rnn = LSTMScratch(2, hidden_size)
        elif cell in ("rnn", "gru"):
            self.rnn = (nn.RNN if cell == "rnn" else nn.GRU)(2, hidden_size, batch_first=True)
        else:
            raise ValueError(cell)
        self.linear = nn.Linear(hidden_size, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.linear(out[:, -1, :])


def train_adding(model, seq_len, steps, batch_size=64, lr=1e-3, seed=0):
    gen = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr)
    losses = []
    for _ in range(steps):
        x, y = make_adding_data(batch_size, seq_len, gen)
        loss = ((model(x) - y) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
    return losses
