"""Exercise 3: classify surnames by language with a character-level RNN.

PyTorch's "classifying names" tutorial, done properly: the data ships with the
exercise (``data/names/<Language>.txt``, built from Faker's surname lists, see
``data/MANIFEST.json``), train and test share no name, and training is
batched with packed sequences.

Conventions the grader relies on:
- category i is ``sorted(data)[i]`` (languages in alphabetical order);
- one-hot letters follow ``ALL_LETTERS``.

Check your work with the public checks:  python -m autograder check ex3_names
"""
import random
import string
import unicodedata
from pathlib import Path

import torch
from torch import nn

DATA_DIR = Path(__file__).resolve().parent / "data" / "names"

### BEGIN SOLUTION
ALL_LETTERS = string.ascii_letters + " .,;'"
N_LETTERS = len(ALL_LETTERS)
### END SOLUTION


def unicode_to_ascii(s):
    """Strip accents and drop every character outside ALL_LETTERS: "Ślusàrski" -> "Slusarski"."""
    ### BEGIN SOLUTION
    decomposed = unicodedata.normalize("NFD", s)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn" and c in ALL_LETTERS)
    ### END SOLUTION


def load_names(data_dir=None):
    """{language: [names]} from a folder of <Language>.txt files (one name per line, UTF-8).

    With no argument, the dataset shipped with the exercise. Names go through
    unicode_to_ascii; empty lines are skipped.
    """
    ### BEGIN SOLUTION
    folder = Path(data_dir) if data_dir is not None else DATA_DIR
    data = {}
    for path in sorted(folder.glob("*.txt")):
        names = [unicode_to_ascii(line.strip()) for line in path.read_text(encoding="utf-8").splitlines()]
        data[path.stem] = [n for n in names if n]
    return data
    ### END SOLUTION


def split_names(data, test_fraction=0.2, seed=0):
    """A stratified train/test split with no name in both.

    Each language keeps about ``test_fraction`` of its distinct names for test.
    A name that appears more than once, or under two languages, goes wholly to
    one side: otherwise the test set would contain names seen in training.
    Returns (train, test), both {language: [names]}.
    """
    ### BEGIN SOLUTION
    rng = random.Random(seed)
    test_names = set()
    for language in sorted(data):
        distinct = sorted(set(data[language]))
        rng.shuffle(distinct)
        test_names.update(distinct[: round(len(distinct) * test_fraction)])
    train = {lang: [n for n in names if n not in test_names] for lang, names in data.items()}
    test = {lang: [n for n in names if n in test_names] for lang, names in data.items()}
    return train, test
    ### END SOLUTION


def name_to_tensor(name):
    """One-hot encoding of a name, shape (len(name), 1, N_LETTERS)."""
    ### BEGIN SOLUTION
    tensor = torch.zeros(len(name), 1, N_LETTERS)
    for i, letter in enumerate(name):
        tensor[i, 0, ALL_LETTERS.index(letter)] = 1.0
    return tensor
    ### END SOLUTION


def names_to_batch(names):
    """Padded one-hot batch (T_max, B, N_LETTERS) and the lengths (B,), for packed sequences."""
    lengths = torch.tensor([len(n) for n in names])
    batch = torch.zeros(int(lengths.max()), len(names), N_LETTERS)
    for b, name in enumerate(names):
        batch[: len(name), b] = name_to_tensor(name)[:, 0]
    return batch, lengths


class NameClassifier(nn.Module):
    """Characters -> recurrent layer -> linear -> log-probabilities over categories.

    forward(x (T, B, n_letters), lengths=None) -> (B, n_categories) log-probabilities.
    With ``lengths``, the padded batch is packed so each name's state is taken at its last letter.
    """

    def __init__(self, n_letters, hidden_size, n_categories):
        super().__init__()
        ### BEGIN SOLUTION
        self.rnn = nn.GRU(n_letters, hidden_size)
        self.out = nn.Linear(hidden_size, n_categories)
        ### END SOLUTION

    def forward(self, x, lengths=None):
        ### BEGIN SOLUTION
        if lengths is not None:
            x = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), enforce_sorted=False)
        _, h_n = self.rnn(x)
        return torch.log_softmax(self.out(h_n[-1]), dim=-1)
        ### END SOLUTION


def train_names(model, data, epochs, seed=0):
    """Train ``model`` in place on {language: [names]}; return the mean loss of each epoch.

    Category i is sorted(data)[i]. Batches of names, padded and packed, NLL loss, Adam.
    """
    ### BEGIN SOLUTION
    categories = sorted(data)
    pairs = [(name, i) for i, lang in enumerate(categories) for name in data[lang]]
    rng = random.Random(seed)
    torch.manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    losses = []
    model.train()
    for _ in range(epochs):
        rng.shuffle(pairs)
        total = 0.0
        for start in range(0, len(pairs), 64):
            chunk = pairs[start:start + 64]
            batch, lengths = names_to_batch([n for n, _ in chunk])
            loss = nn.functional.nll_loss(model(batch, lengths), torch.tensor([c for _, c in chunk]))
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            total += loss.item() * len(chunk)
        losses.append(total / len(pairs))
    return losses
    ### END SOLUTION


def predict(model, name, categories, k=3):
    """The k most likely categories for ``name``, best first: [(category, probability), ...]."""
    ### BEGIN SOLUTION
    model.eval()
    with torch.no_grad():
        probabilities = model(name_to_tensor(name))[0].exp()
    top = torch.topk(probabilities, k)
    return [(categories[i], float(p)) for p, i in zip(top.values.tolist(), top.indices.tolist())]
    ### END SOLUTION
