# adding_target by boolean indexing: right for one sequence, but on a batch it sums every
# marked value of the whole batch into one number.
import torch
import torch.nn as nn


def adding_target(values, mask):
    values = torch.as_tensor(values, dtype=torch.float32)
    mask = torch.as_tensor(mask)
    return values[mask == 1].sum()


def make_adding_data(n_samples, seq_len, generator=None):
    half = seq_len // 2
    values = torch.rand(n_samples, seq_len, generator=generator)
    mask = torch.zeros(n_samples, seq_len)
    first = torch.randint(0, half, (n_samples,), generator=generator)
    second = torch.randint(half, seq_len, (n_samples,), generator=generator)
    for i in range(n_samples):
        mask[i, first[i]] = 1
        mask[i, second[i]] = 1
    y = torch.stack([adding_target(values[i], mask[i]) for i in range(n_samples)])[:, None]
    return torch.stack([values, mask], dim=2), y


class AddingModel(nn.Module):
    def __init__(self, hidden_size=64, cell="lstm"):
        super().__init__()
        self.rnn = getattr(nn, cell.upper())(2, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x):
        return self.head(self.rnn(x)[0][:, -1, :])


def train_adding(model, seq_len, steps, batch_size=64, lr=1e-3, seed=0):
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    out = []
    for _ in range(steps):
        x, y = make_adding_data(batch_size, seq_len, g)
        loss = nn.MSELoss()(model(x), y)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        out.append(loss.item())
    return out
