"""Exercise 2: the adding problem (Hochreiter & Schmidhuber 1997; Le, Jaitly & Hinton 2015).

Each input is a sequence of T steps with two channels:
    channel 0: values drawn uniformly from [0, 1)
    channel 1: a mask with exactly two ones, one in each half of the sequence
The target is the sum of the two marked values. To solve it, a model has to
remember the first marked value for up to T steps: a test of long-range memory.

Predicting the mean (1.0) for every sequence gives an MSE of 1/6 ≈ 0.1667, the
variance of a sum of two U(0, 1) values. A model that learns the task goes far below.

Check your work with the public checks:  python -m autograder check ex2_adding
"""
import torch
from torch import nn


def adding_target(values, mask):
    """The sum of the values where the mask is 1.

    Works on one sequence (T,) or a batch (N, T); returns a float tensor of shape () or (N,).
    Example: values [0.3, 0.1, 0.8, 0.2], mask [1, 0, 0, 1] -> 0.5
    """
    ### BEGIN SOLUTION
    values = torch.as_tensor(values, dtype=torch.float32)
    mask = torch.as_tensor(mask, dtype=torch.float32)
    return (values * mask).sum(dim=-1)
    ### END SOLUTION


def make_adding_data(n_samples, seq_len, generator=None):
    """A batch of adding problems.

    Returns:
        x: (n_samples, seq_len, 2) float32; x[..., 0] values in [0, 1), x[..., 1] the mask,
           with exactly one 1 in positions [0, seq_len // 2) and one in [seq_len // 2, seq_len)
        y: (n_samples, 1) float32, the sum of the two marked values
    All randomness comes from ``generator`` (a torch.Generator), so the same seed gives the same data.
    """
    ### BEGIN SOLUTION
    half = seq_len // 2
    values = torch.rand(n_samples, seq_len, generator=generator)
    first = torch.randint(0, half, (n_samples,), generator=generator)
    second = torch.randint(half, seq_len, (n_samples,), generator=generator)
    mask = torch.zeros(n_samples, seq_len)
    rows = torch.arange(n_samples)
    mask[rows, first] = 1.0
    mask[rows, second] = 1.0
    x = torch.stack([values, mask], dim=-1)
    return x, adding_target(values, mask).unsqueeze(1)
    ### END SOLUTION


class AddingModel(nn.Module):
    """A recurrent layer over the 2-channel input and a linear head on its last output.

    cell: "rnn" (nn.RNN), "lstm" (nn.LSTM) or "gru" (nn.GRU), batch_first.
    forward(x (N, T, 2)) -> (N, 1)
    """

    def __init__(self, hidden_size=64, cell="lstm"):
        super().__init__()
        ### BEGIN SOLUTION
        layers = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
        if cell not in layers:
            raise ValueError(f"cell must be one of {sorted(layers)}, not {cell!r}")
        self.rnn = layers[cell](2, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        output, _ = self.rnn(x)
        return self.head(output[:, -1])
        ### END SOLUTION


def train_adding(model, seq_len, steps, batch_size=64, lr=1e-3, seed=0):
    """Train ``model`` in place with Adam on fresh batches of length ``seq_len``; return the losses.

    Each step draws a new batch from make_adding_data with a generator seeded by ``seed``,
    minimises the mean squared error and records loss.item().
    """
    ### BEGIN SOLUTION
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    model.train()
    for _ in range(steps):
        x, y = make_adding_data(batch_size, seq_len, generator)
        loss = nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        # Clipping keeps the occasional exploding gradient of long sequences in check.
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
    return losses
    ### END SOLUTION
