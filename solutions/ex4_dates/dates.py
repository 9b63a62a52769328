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
    ### BEGIN SOLUTION
    rng = random.Random(seed)
    first, last = DATE_RANGE
    days = (last - first).days
    pairs = []
    for _ in range(n):
        date = first + datetime.timedelta(days=rng.randint(0, days))
        text = apply_case(format_date(date, rng.choice(FORMATS), locale=LOCALE), rng.choice(CASES))
        pairs.append((text, date.isoformat()))
    return pairs
    ### END SOLUTION


class DateVocab:
    """Characters <-> ids, with special tokens PAD = 0, START = 1, END = 2, UNK = 3.

    encode(text) -> ids of its characters followed by END (unknown characters -> UNK);
    decode(ids) -> the text, stopping at END and skipping PAD and START.
    """

    PAD, START, END, UNK = 0, 1, 2, 3
    CHARS = " ,-./0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

    def __init__(self):
        ### BEGIN SOLUTION
        self.itos = ["<pad>", "<start>", "<end>", "<unk>"] + list(self.CHARS)
        self.stoi = {c: i for i, c in enumerate(self.itos)}
        ### END SOLUTION

    def __len__(self):
        ### BEGIN SOLUTION
        return len(self.itos)
        ### END SOLUTION

    def encode(self, text):
        ### BEGIN SOLUTION
        return [self.stoi.get(c, self.UNK) for c in text] + [self.END]
        ### END SOLUTION

    def decode(self, ids):
        ### BEGIN SOLUTION
        out = []
        for i in ids:
            if i == self.END:
                break
            if i not in (self.PAD, self.START):
                out.append(self.itos[i] if i != self.UNK else "?")
        return "".join(out)
        ### END SOLUTION


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
        ### BEGIN SOLUTION
        self.embed = nn.Embedding(len(vocab), embed_dim, padding_idx=vocab.PAD)
        self.encoder = nn.GRU(embed_dim, hidden_size, batch_first=True)
        self.decoder = nn.GRU(embed_dim, hidden_size, batch_first=True)
        self.out = nn.Linear(2 * hidden_size, len(vocab))
        ### END SOLUTION

    def encode(self, src):
        """Encoder states (B, T_src, H), the final state (1, B, H), and the padding mask."""
        ### BEGIN SOLUTION
        lengths = (src != self.vocab.PAD).sum(1).clamp(min=1)
        packed = nn.utils.rnn.pack_padded_sequence(self.embed(src), lengths.cpu(), batch_first=True,
                                                   enforce_sorted=False)
        states, final = self.encoder(packed)
        states, _ = nn.utils.rnn.pad_packed_sequence(states, batch_first=True, total_length=src.shape[1])
        return states, final, src != self.vocab.PAD
        ### END SOLUTION

    def decode_step(self, inputs, hidden, states, mask):
        """Decoder over ``inputs`` (B, t) from ``hidden``; returns logits (B, t, V) and the new hidden."""
        ### BEGIN SOLUTION
        output, hidden = self.decoder(self.embed(inputs), hidden)
        scores = output @ states.transpose(1, 2)                       # (B, t, T_src)
        scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
        context = torch.softmax(scores, dim=-1) @ states               # (B, t, H)
        return self.out(torch.cat([output, context], dim=-1)), hidden
        ### END SOLUTION

    def forward(self, src, tgt):
        ### BEGIN SOLUTION
        states, final, mask = self.encode(src)
        start = torch.full_like(tgt[:, :1], self.vocab.START)
        logits, _ = self.decode_step(torch.cat([start, tgt[:, :-1]], dim=1), final, states, mask)
        return logits
        ### END SOLUTION


def train_dates(model, pairs, epochs, seed=0):
    """Train ``model`` in place on (human, ISO) pairs with teacher forcing; return each epoch's mean loss."""
    ### BEGIN SOLUTION
    torch.manual_seed(seed)
    rng = random.Random(seed)
    vocab = model.vocab
    pairs = list(pairs)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    model.train()
    for _ in range(epochs):
        rng.shuffle(pairs)
        total = 0.0
        for start in range(0, len(pairs), 128):
            chunk = pairs[start:start + 128]
            src = batch_encode(vocab, [h for h, _ in chunk])
            tgt = batch_encode(vocab, [iso for _, iso in chunk])
            logits = model(src, tgt)
            loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1),
                                               ignore_index=vocab.PAD)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            total += loss.item() * len(chunk)
        losses.append(total / len(pairs))
    return losses
    ### END SOLUTION


def translate(model, text, max_len=12):
    """Greedy decoding: feed back the most likely character until END (at most ``max_len``)."""
    ### BEGIN SOLUTION
    model.eval()
    vocab = model.vocab
    with torch.no_grad():
        states, hidden, mask = model.encode(batch_encode(vocab, [text]))
        token, out = torch.tensor([[vocab.START]]), []
        for _ in range(max_len):
            logits, hidden = model.decode_step(token, hidden, states, mask)
            token = logits[:, -1].argmax(-1, keepdim=True)
            if token.item() == vocab.END:
                break
            out.append(token.item())
    return vocab.decode(out)
    ### END SOLUTION
