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

# TODO: define ALL_LETTERS, N_LETTERS.
ALL_LETTERS = None
N_LETTERS = None


def unicode_to_ascii(s):
    """Strip accents and drop every character outside ALL_LETTERS: "Ślusàrski" -> "Slusarski"."""
    # TODO: your code here.
    raise NotImplementedError("unicode_to_ascii is not implemented yet")


def load_names(data_dir=None):
    """{language: [names]} from a folder of <Language>.txt files (one name per line, UTF-8).

    With no argument, the dataset shipped with the exercise. Names go through
    unicode_to_ascii; empty lines are skipped.
    """
    # TODO: your code here.
    raise NotImplementedError("load_names is not implemented yet")


def split_names(data, test_fraction=0.2, seed=0):
    """A stratified train/test split with no name in both.

    Each language keeps about ``test_fraction`` of its distinct names for test.
    A name that appears more than once, or under two languages, goes wholly to
    one side: otherwise the test set would contain names seen in training.
    Returns (train, test), both {language: [names]}.
    """
    # TODO: your code here.
    raise NotImplementedError("split_names is not implemented yet")


def name_to_tensor(name):
    """One-hot encoding of a name, shape (len(name), 1, N_LETTERS)."""
    # TODO: your code here.
    raise NotImplementedError("name_to_tensor is not implemented yet")


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
        # TODO: your code here.
        raise NotImplementedError("NameClassifier.__init__ is not implemented yet")

    def forward(self, x, lengths=None):
        # TODO: your code here.
        raise NotImplementedError("NameClassifier.forward is not implemented yet")


def train_names(model, data, epochs, seed=0):
    """Train ``model`` in place on {language: [names]}; return the mean loss of each epoch.

    Category i is sorted(data)[i]. Batches of names, padded and packed, NLL loss, Adam.
    """
    # TODO: your code here.
    raise NotImplementedError("train_names is not implemented yet")


def predict(model, name, categories, k=3):
    """The k most likely categories for ``name``, best first: [(category, probability), ...]."""
    # TODO: your code here.
    raise NotImplementedError("predict is not implemented yet")
