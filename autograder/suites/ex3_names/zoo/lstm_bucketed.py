"""Names by language: an LSTM over one-hot letters, trained on length-bucketed mini-batches."""
import pathlib
import random
import string
import unicodedata

import torch
import torch.nn.functional as F
from torch import nn

ALL_LETTERS = string.ascii_letters + " .,;'"
N_LETTERS = len(ALL_LETTERS)
INDEX = {ch: i for i, ch in enumerate(ALL_LETTERS)}
HERE = pathlib.Path(__file__).parent


def unicode_to_ascii(s: str) -> str:
    out = []
    for ch in unicodedata.normalize("NFKD", s):
        if unicodedata.combining(ch):
            continue
        if ch in INDEX:
            out.append(ch)
    return "".join(out)


def load_names(data_dir=None):
    root = pathlib.Path(data_dir) if data_dir else HERE / "data" / "names"
    result = {}
    for f in sorted(root.iterdir()):
        if f.suffix == ".txt":
            with f.open(encoding="utf-8") as fh:
                names = [unicode_to_ascii(line.strip()) for line in fh]
            result[f.stem] = [n for n in names if n]
    return result


def split_names(data, test_fraction=0.2, seed=0):
    rng = random.Random(seed)
    held = set()
    for lang in sorted(data):
        uniq = sorted(set(data[lang]))
        held.update(rng.sample(uniq, round(test_fraction * len(uniq))))
    return ({l: [n for n in ns if n not in held] for l, ns in data.items()},
            {l: [n for n in ns if n in held] for l, ns in data.items()})


def name_to_tensor(name):
    idx = torch.tensor([INDEX[c] for c in name], dtype=torch.long)
    return F.one_hot(idx, N_LETTERS).float().unsqueeze(1)


class NameClassifier(nn.Module):
    def __init__(self, n_letters, hidden_size, n_categories):
        super().__init__()
        self.lstm = nn.LSTM(n_letters, hidden_size)
        self.fc = nn.Linear(hidden_size, n_categories)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return F.log_softmax(self.fc(h[-1]), dim=1)


def train_names(model, data, epochs, seed=0):
    torch.manual_seed(seed)
    rng = random.Random(seed)
    cats = sorted(data)
    by_length = {}
    for c, lang in enumerate(cats):
        for name in data[lang]:
            by_length.setdefault(len(name), []).append((name, c))
    opt = torch.optim.Adam(model.parameters(), lr=0.005)
    history = []
    for _ in range(epochs):
        batches = []
        for items in by_length.values():   # same-length names: no padding needed
            rng.shuffle(items)
            batches += [items[i:i + 32] for i in range(0, len(items), 32)]
        rng.shuffle(batches)
        total, count = 0.0, 0
        for batch in batches:
            x = torch.cat([name_to_tensor(n) for n, _ in batch], dim=1)
            y = torch.tensor([c for _, c in batch])
            loss = F.nll_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(batch)
            count += len(batch)
        history.append(total / count)
    return history


def predict(model, name, categories, k=3):
    with torch.no_grad():
        probs = model(name_to_tensor(name)).exp()[0]
    values, indices = probs.sort(descending=True)
    return [(categories[i], p) for p, i in zip(values[:k].tolist(), indices[:k].tolist())]
