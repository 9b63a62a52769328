# Data made with numpy (seeded from the torch generator), a per-sample loop as in Keras-era blog
# posts of the adding problem, and an LSTM read through its final hidden state.
import numpy as np
import torch
import torch.nn as nn


def adding_target(values, mask):
    values = torch.as_tensor(values).float()
    mask = torch.as_tensor(mask).float()
    return torch.sum(values * mask, dim=-1)


def make_adding_data(n_samples, seq_len, generator=None):
    seed = generator.initial_seed() if generator is not None else None
    rng = np.random.default_rng(seed)
    X = np.zeros((n_samples, seq_len, 2), dtype=np.float32)
    Y = np.zeros((n_samples, 1), dtype=np.float32)
    for i in range(n_samples):
        X[i, :, 0] = rng.uniform(0, 1, seq_len)
        a = rng.integers(0, seq_len // 2)
        b = rng.integers(seq_len // 2, seq_len)
        X[i, a, 1] = 1
        X[i, b, 1] = 1
        Y[i, 0] = X[i, a, 0] + X[i, b, 0]
    return torch.from_numpy(X), torch.from_numpy(Y)


class AddingModel(nn.Module):
    def __init__(self, hidden_size=64, cell="lstm"):
        super().__init__()
        self.cell = cell
        if cell == "lstm":
            self.rnn = nn.LSTM(input_size=2, hidden_size=hidden_size, batch_first=True)
        elif cell == "gru":
            self.rnn = nn.GRU(input_size=2, hidden_size=hidden_size, batch_first=True)
        elif cell == "rnn":
            self.rnn = nn.RNN(input_size=2, hidden_size=hidden_size, batch_first=True)
        else:
            raise ValueError("unknown cell " + cell)
        self.fc = nn.Linear(hidden_size, 1)

    def forward(self, x):
        _, hidden = self.rnn(x)
        if self.cell == "lstm":
            hidden = hidden[0]  # (h_n, c_n)
        return self.fc(hidden[-1])


def train_adding(model, seq_len, steps, batch_size=64, lr=1e-3, seed=0):
    g = torch.Generator()
    g.manual_seed(seed)
    criterion = nn.MSELoss()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = []
    for step in range(steps):
        opt.zero_grad()
        xb, yb = make_adding_data(batch_size, seq_len, generator=torch.Generator().manual_seed(seed * 100003 + step))
        loss = criterion(model(xb), yb)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        opt.step()
        history.append(float(loss))
    return history
