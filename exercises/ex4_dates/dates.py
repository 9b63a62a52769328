"""Exercise 4: a sequence-to-sequence date converter, "January 15, 2023" -> "2023-01-15".

An encoder reads the human-written date character by character; a decoder
writes the ISO date, one character at a time. Training uses teacher forcing
(the decoder reads the true previous character); ``translate`` decodes greedily
(it reads its own previous prediction).

The formats are in the given ``date_formats.py`` (CLDR patterns for Babel).

Check your work with the public checks:  python -m autograder check ex4_dates
"""
import datetime
import random

import torch
from babel.dates import format_date
from torch import nn

from date_formats import CASES, DATE_RANGE, FORMATS, LOCALE, apply_case


def make_date_pairs(n, seed=0):
    """``n`` pairs (human-readable date, ISO date), drawn uniformly from DATE_RANGE.

    Each date is rendered with a random pattern from FORMATS and a random case
    from CASES. Same seed, same pairs, whatever day it is run.
    """
    # TODO: your code here.
    raise NotImplementedError("make_date_pairs is not implemented yet")


class DateVocab:
    """Characters <-> ids, with special tokens PAD = 0, START = 1, END = 2, UNK = 3.

    encode(text) -> ids of its characters followed by END (unknown characters -> UNK);
    decode(ids) -> the text, stopping at END and skipping PAD and START.
    """

    PAD, START, END, UNK = 0, 1, 2, 3
    CHARS = " ,-./0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

    def __init__(self):
        # TODO: your code here.
        raise NotImplementedError("DateVocab.__init__ is not implemented yet")

    def __len__(self):
        # TODO: your code here.
        raise NotImplementedError("DateVocab.__len__ is not implemented yet")

    def encode(self, text):
        # TODO: your code here.
        raise NotImplementedError("DateVocab.encode is not implemented yet")

    def decode(self, ids):
        # TODO: your code here.
        raise NotImplementedError("DateVocab.decode is not implemented yet")


def batch_encode(vocab, texts):
    """(B, T) ids, padded with PAD at the end."""
    rows = [vocab.encode(t) for t in texts]
    width = max(len(r) for r in rows)
    return torch.tensor([r + [vocab.PAD] * (width - len(r)) for r in rows])


class Seq2Seq(nn.Module):
    """GRU encoder-decoder with dot-product attention over the encoder's states.

    forward(src (B, T_src), tgt (B, T_tgt)) -> logits (B, T_tgt, V): teacher forcing.
    ``tgt`` holds the tokens to predict (ending with END). The decoder reads them
    shifted right: START, tgt[0], ..., tgt[T-2]; logits[:, t] predicts tgt[:, t].
    """

    def __init__(self, vocab, hidden_size=128, embed_dim=32):
        super().__init__()
        self.vocab = vocab
        # TODO: your code here.
        raise NotImplementedError("Seq2Seq.__init__ is not implemented yet")

    def encode(self, src):
        """Encoder states (B, T_src, H), the final state (1, B, H), and the padding mask."""
        # TODO: your code here.
        raise NotImplementedError("Seq2Seq.encode is not implemented yet")

    def decode_step(self, inputs, hidden, states, mask):
        """Decoder over ``inputs`` (B, t) from ``hidden``; returns logits (B, t, V) and the new hidden."""
        # TODO: your code here.
        raise NotImplementedError("Seq2Seq.decode_step is not implemented yet")

    def forward(self, src, tgt):
        # TODO: your code here.
        raise NotImplementedError("Seq2Seq.forward is not implemented yet")


def train_dates(model, pairs, epochs, seed=0):
    """Train ``model`` in place on (human, ISO) pairs with teacher forcing; return each epoch's mean loss."""
    # TODO: your code here.
    raise NotImplementedError("train_dates is not implemented yet")


def translate(model, text, max_len=12):
    """Greedy decoding: feed back the most likely character until END (at most ``max_len``)."""
    # TODO: your code here.
    raise NotImplementedError("translate is not implemented yet")
