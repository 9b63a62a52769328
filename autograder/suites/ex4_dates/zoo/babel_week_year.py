# Babel's CLDR patterns with YYYY (the week-based year: Dec 31, 2018 renders as 2019). After Dive into Deep Learning 10.7 (sequence-to-sequence learning): a Vocab class with reserved
# tokens, a GRU encoder, and a GRU decoder that reads the encoder's final state as context at every
# step (no attention). Dates rendered with f-strings of my own.
import collections
import datetime
import random

import torch
from babel.dates import format_date
from torch import nn

from date_formats import DATE_RANGE

# CLDR patterns as in Babel's documentation examples, with YYYY for the year.
PATTERNS = ["MMMM d, YYYY", "MMM d, YYYY", "d MMMM YYYY", "d MMM YYYY", "M/d/YYYY", "dd.MM.YYYY",
            "EEEE, MMMM d, YYYY", "EEE d MMM YYYY", "MMMM d YYYY", "d-MMM-YYYY", "YYYY/MM/dd", "MM/dd/YY"]

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

RENDERERS = [
    lambda d: f"{MONTHS[d.month - 1]} {d.day}, {d.year}",
    lambda d: f"{MONTHS[d.month - 1][:3]} {d.day}, {d.year}",
    lambda d: f"{d.day} {MONTHS[d.month - 1]} {d.year}",
    lambda d: f"{d.day} {MONTHS[d.month - 1][:3]} {d.year}",
    lambda d: f"{d.month}/{d.day}/{d.year}",
    lambda d: f"{d.month:02d}/{d.day:02d}/{d.year % 100:02d}",
    lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",
    lambda d: f"{WEEKDAYS[d.weekday()]}, {MONTHS[d.month - 1]} {d.day}, {d.year}",
    lambda d: f"{WEEKDAYS[d.weekday()][:3]} {d.day} {MONTHS[d.month - 1][:3]} {d.year}",
    lambda d: f"{WEEKDAYS[d.weekday()]} {d.day} {MONTHS[d.month - 1]} {d.year}",
    lambda d: f"the {d.day} of {MONTHS[d.month - 1]} {d.year}",
    lambda d: f"{MONTHS[d.month - 1]} {d.day} {d.year}",
    lambda d: f"{d.day}-{MONTHS[d.month - 1][:3]}-{d.year}",
]


def make_date_pairs(n, seed=0):
    rng = random.Random(seed)
    lo, hi = DATE_RANGE
    out = []
    for _ in range(n):
        d = lo + datetime.timedelta(days=rng.randint(0, (hi - lo).days))
        text = format_date(d, rng.choice(PATTERNS), locale="en_US")
        case = rng.random()
        text = text.upper() if case < 0.25 else text.lower() if case < 0.5 else text
        out.append((text, d.isoformat()))
    return out


class Vocab:
    """d2l's Vocab, for characters: reserved tokens first, then by frequency."""

    def __init__(self, tokens=(), min_freq=0, reserved_tokens=()):
        counter = collections.Counter(tokens)
        self.token_freqs = sorted(counter.items(), key=lambda x: x[1], reverse=True)
        self.idx_to_token = list(reserved_tokens)
        self.idx_to_token += [t for t, f in self.token_freqs if f >= min_freq and t not in self.idx_to_token]
        self.token_to_idx = {t: i for i, t in enumerate(self.idx_to_token)}

    def __len__(self):
        return len(self.idx_to_token)


class DateVocab(Vocab):
    PAD, START, END, UNK = 0, 1, 2, 3

    def __init__(self):
        text = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ,./-"
        super().__init__(text, reserved_tokens=["<pad>", "<bos>", "<eos>", "<unk>"])

    def encode(self, text):
        return [self.token_to_idx.get(c, self.UNK) for c in text] + [self.END]

    def decode(self, ids):
        out = []
        for i in ids:
            if i == self.END:
                break
            if i > self.UNK:
                out.append(self.idx_to_token[i])
            elif i == self.UNK:
                out.append("?")
        return "".join(out)


def pad_batch(vocab, texts):
    seqs = [vocab.encode(t) for t in texts]
    n = max(len(s) for s in seqs)
    return torch.tensor([s + [vocab.PAD] * (n - len(s)) for s in seqs])


class Seq2SeqEncoder(nn.Module):
    def __init__(self, vocab_size, embed_size, num_hiddens):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size, num_hiddens, batch_first=True)

    def forward(self, X):
        return self.rnn(self.embedding(X))


class Seq2SeqDecoder(nn.Module):
    def __init__(self, vocab_size, embed_size, num_hiddens):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size + num_hiddens, num_hiddens, batch_first=True)
        self.dense = nn.Linear(num_hiddens, vocab_size)

    def forward(self, X, state, context):
        embs = self.embedding(X)
        context = context[-1][:, None, :].expand(-1, X.shape[1], -1)
        outputs, state = self.rnn(torch.cat((embs, context), -1), state)
        return self.dense(outputs), state


class Seq2Seq(nn.Module):
    def __init__(self, vocab, embed_size=32, num_hiddens=128):
        super().__init__()
        self.vocab = vocab
        self.encoder = Seq2SeqEncoder(len(vocab), embed_size, num_hiddens)
        self.decoder = Seq2SeqDecoder(len(vocab), embed_size, num_hiddens)

    def forward(self, src, tgt):
        _, enc_state = self.encoder(src)
        bos = torch.full((tgt.shape[0], 1), self.vocab.START, dtype=tgt.dtype)
        dec_input = torch.cat([bos, tgt[:, :-1]], 1)
        logits, _ = self.decoder(dec_input, enc_state, enc_state)
        return logits


def train_dates(model, pairs, epochs, seed=0):
    torch.manual_seed(seed)
    rng = random.Random(seed)
    data = list(pairs)
    loss_fn = nn.CrossEntropyLoss(ignore_index=model.vocab.PAD)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.003)
    history = []
    for _ in range(epochs):
        rng.shuffle(data)
        epoch_loss = 0.0
        for b in range(0, len(data), 64):
            batch = data[b:b + 64]
            X, Y = pad_batch(model.vocab, [x for x, _ in batch]), pad_batch(model.vocab, [y for _, y in batch])
            logits = model(X, Y)
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), Y.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1)
            optimizer.step()
            epoch_loss += loss.item() * len(batch)
        history.append(epoch_loss / len(data))
    return history


@torch.no_grad()
def translate(model, text, num_steps=11):
    model.eval()
    _, state = model.encoder(pad_batch(model.vocab, [text]))
    context = state
    token, out = torch.tensor([[model.vocab.START]]), []
    for _ in range(num_steps):
        logits, state = model.decoder(token, state, context)
        token = logits.argmax(-1)
        if token.item() == model.vocab.END:
            break
        out.append(token.item())
    return model.vocab.decode(out)
