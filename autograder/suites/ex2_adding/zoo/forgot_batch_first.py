# An LSTM built without batch_first=True: (N, T, 2) is read as (T=N, B=T, 2), so the model mixes the
# sequences of a batch and "the last step" is the last sequence. Shapes still come out right.
import torch
from torch import nn


def adding_target(values, mask):
    return (torch.as_tensor(values, dtype=torch.float32) * torch.as_tensor(mask, dtype=torch.float32)).sum(-1)


def make_adding_data(n_samples, seq_len, generator=None):
    half = seq_len // 2
    values = torch.rand(n_samples, seq_len, generator=generator)
    mask = torch.zeros(n_samples, seq_len)
    rows = torch.arange(n_samples)
    mask[rows, torch.randint(0, half, (n_samples,), generator=generator)] = 1
    mask[rows, torch.randint(half, seq_len, (n_samples,), generator=generator)] = 1
    return torch.stack([values, mask], -1), adding_target(values, mask)[:, None]


class AddingModel(nn.Module):
    def __init__(self, hidden_size=64, cell="lstm"):
        super().__init__()
        self.rnn = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell](2, hidden_size)
        self.fc = nn.Linear(hidden_size, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[:, -1])


def train_adding(model, seq_len, steps, batch_size=64, lr=1e-3, seed=0):
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        x, y = make_adding_data(batch_size, seq_len, gen)
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses
