# Data from numpy's global random state: the generator argument is accepted and ignored.
import numpy as np
import torch
import torch.nn as nn


def adding_target(values, mask):
    return (torch.as_tensor(values, dtype=torch.float32) * torch.as_tensor(mask, dtype=torch.float32)).sum(-1)


def make_adding_data(n_samples, seq_len, generator=None):
    values = np.random.rand(n_samples, seq_len)
    mask = np.zeros((n_samples, seq_len))
    mask[np.arange(n_samples), np.random.randint(0, seq_len // 2, n_samples)] = 1
    mask[np.arange(n_samples), np.random.randint(seq_len // 2, seq_len, n_samples)] = 1
    x = torch.tensor(np.stack([values, mask], -1), dtype=torch.float32)
    return x, adding_target(values, mask).reshape(-1, 1)


class AddingModel(nn.Module):
    def __init__(self, hidden_size=64, cell="lstm"):
        super().__init__()
        self.rnn = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell](2, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, 1)

    def forward(self, x):
        return self.out(self.rnn(x)[0][:, -1])


def train_adding(model, seq_len, steps, batch_size=64, lr=1e-3, seed=0):
    torch.manual_seed(seed)
    np.random.seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        x, y = make_adding_data(batch_size, seq_len)
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    return losses
