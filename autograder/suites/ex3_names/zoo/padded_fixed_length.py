# A Keras model ported to PyTorch, as found in many blog posts: every name is zero-padded at the end to a
# fixed MAX_LEN (like pad_sequences(..., padding="post")), a GRU returns its whole sequence, which is averaged
# over time (GlobalAveragePooling1D) before the Dense layer, and predict pads the same way. Its forward on a
# bare, unpadded one-hot name is not what it was trained on (about 0.47 held out); through its own predict it
# classifies well (about 0.70).
import os
import random
import string
import unicodedata

import torch
import torch.nn as nn
import torch.nn.functional as F

ALL_LETTERS = string.ascii_letters + " .,;'"
N_LETTERS = len(ALL_LETTERS)
MAX_LEN = 20
HERE = os.path.dirname(os.path.abspath(__file__))


def unicode_to_ascii(s):
    s = unicodedata.normalize('NFD', s)
    return ''.join(ch for ch in s if unicodedata.category(ch) != 'Mn' and ch in ALL_LETTERS)


def load_names(data_dir=None):
    data_dir = data_dir or os.path.join(HERE, 'data', 'names')
    out = {}
    for fname in sorted(os.listdir(data_dir)):
        lang, ext = os.path.splitext(fname)
        with open(os.path.join(data_dir, fname), encoding='utf-8') as fh:
            lines = [unicode_to_ascii(l.strip()) for l in fh]
        out[lang] = [l for l in lines if l]
    return out


def split_names(data, test_fraction=0.2, seed=0):
    rng = random.Random(seed)
    held = set()
    for lang in sorted(data):
        uniq = sorted(set(data[lang]))
        rng.shuffle(uniq)
        held.update(uniq[:int(round(len(uniq) * test_fraction))])
    train = {l: [n for n in v if n not in held] for l, v in data.items()}
    test = {l: [n for n in v if n in held] for l, v in data.items()}
    return train, test


def name_to_tensor(name):
    t = torch.zeros(len(name), 1, N_LETTERS)
    for i, ch in enumerate(name):
        t[i][0][ALL_LETTERS.find(ch)] = 1
    return t


def pad_name(name):
    """(MAX_LEN, 1, N_LETTERS): the name's one-hot rows, then zero rows."""
    x = torch.zeros(MAX_LEN, 1, N_LETTERS)
    name = name[:MAX_LEN]
    x[:len(name)] = name_to_tensor(name)
    return x


class NameClassifier(nn.Module):
    def __init__(self, n_letters, hidden_size, n_categories):
        super().__init__()
        self.gru = nn.GRU(n_letters, hidden_size)
        self.fc = nn.Linear(hidden_size, n_categories)

    def forward(self, x):
        output, hidden = self.gru(x)          # (T, B, H): every step, like return_sequences=True
        pooled = output.mean(dim=0)           # GlobalAveragePooling1D
        return F.log_softmax(self.fc(pooled), dim=1)


def train_names(model, data, epochs, seed=0):
    random.seed(seed)
    torch.manual_seed(seed)
    langs = sorted(data)
    samples = [(pad_name(n), i) for i, l in enumerate(langs) for n in data[l]]
    opt = torch.optim.Adam(model.parameters(), lr=0.003)
    history = []
    for epoch in range(epochs):
        random.shuffle(samples)
        running = 0.0
        for b in range(0, len(samples), 64):
            batch = samples[b:b + 64]
            X = torch.cat([x for x, _ in batch], dim=1)
            y = torch.tensor([c for _, c in batch])
            opt.zero_grad()
            loss = F.nll_loss(model(X), y)
            loss.backward()
            opt.step()
            running += loss.item() * len(batch)
        history.append(running / len(samples))
        print(f"epoch {epoch + 1}: loss {history[-1]:.3f}")
    return history


def predict(model, name, categories, k=3):
    model.eval()
    with torch.no_grad():
        scores = model(pad_name(name)).squeeze(0)
    probs, idx = scores.exp().topk(k)
    return [(categories[i], p) for p, i in zip(probs.tolist(), idx.tolist())]


if __name__ == "__main__":
    data = load_names()
    tr, te = split_names(data)
    net = NameClassifier(N_LETTERS, 128, len(data))
    train_names(net, tr, 2)
    print(predict(net, "Satoshi", sorted(data)))
