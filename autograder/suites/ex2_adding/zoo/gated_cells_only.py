"""Adding problem (Hochreiter & Schmidhuber 1997, experiment 4) -- gated cells only, as in my notes."""
import torch
from torch import nn

GATED = {"lstm": nn.LSTM, "gru": nn.GRU}   # the two cells the lecture compares


def adding_target(values, mask):
    return (torch.as_tensor(values) * torch.as_tensor(mask)).sum(-1)


def make_adding_data(n_samples, seq_len, generator=None):
    vals = torch.rand(n_samples, seq_len, generator=generator)
    marks = torch.zeros(n_samples, seq_len)
    half = seq_len // 2
    i = torch.randint(half, (n_samples,), generator=generator)
    j = torch.randint(half, seq_len, (n_samples,), generator=generator)
    rows = torch.arange(n_samples)
    marks[rows, i] = 1.0
    marks[rows, j] = 1.0
    x = torch.stack((vals, marks), dim=2)
    y = adding_target(vals, marks).view(-1, 1)
    return x, y


class AddingModel(nn.Module):
    def __init__(self, hidden_size=64, cell="lstm"):
        super().__init__()
        self.recurrent = GATED[cell](input_size=2, hidden_size=hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, 1)

    def forward(self, x):
        seq, _ = self.recurrent(x)
        return self.out(seq[:, -1, :])


def train_adding(model, seq_len, steps, batch_size=64, lr=1e-3, seed=0):
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    mse = nn.MSELoss()
    curve = []
    for _ in range(steps):
        xb, yb = make_adding_data(batch_size, seq_len, generator=gen)
        opt.zero_grad()
        loss = mse(model(xb), yb)
        loss.backward()
        opt.step()
        curve.append(loss.item())
    return curve
