"""Given (not to edit): a sentiment corpus with exact labels, and a small sentiment RNN.

The corpus is generated from templates, deterministically from a seed: subjects,
neutral filler, sentiment words with a polarity, intensifiers ("really") and
negation ("not good" is negative). A sentence's label is exact: positive (1)
when the sum of its words' polarities is positive, negative (0) otherwise;
the generator never makes a sentence whose polarities cancel. The word lists
were written for this kit. The lessons' sentences are part of it: "I love this
movie", "I hate this movie", "The movie was okay".

Sentences are encoded left-padded (pad id 0 at the start), so the last position
of every row is the sentence's real last word and the RNN's final hidden state
summarises the whole sentence.
"""
import random

import torch
from torch import nn

POSITIVE = {"good": 1.0, "great": 2.0, "excellent": 2.0, "love": 2.0, "loved": 2.0, "enjoyed": 1.5,
            "wonderful": 2.0, "fun": 1.0, "nice": 1.0, "brilliant": 2.0, "liked": 1.0, "okay": 0.5,
            "charming": 1.5, "fantastic": 2.0, "beautiful": 1.5, "decent": 0.5}
NEGATIVE = {"bad": -1.0, "awful": -2.0, "terrible": -2.0, "hate": -2.0, "hated": -2.0, "boring": -1.5,
            "dull": -1.0, "poor": -1.0, "horrible": -2.0, "disliked": -1.0, "weak": -0.5, "mediocre": -0.5,
            "annoying": -1.5, "painful": -1.5, "messy": -1.0, "bland": -0.5}
INTENSIFIERS = {"really": 1.5, "very": 1.5, "truly": 1.5, "quite": 1.2, "so": 1.5}
NEGATION = "not"
SUBJECTS = ["the movie", "this movie", "the film", "this film", "the plot", "the acting", "the ending",
            "the soundtrack", "the story", "the cast"]
FILLER = ["and", "the", "then", "it", "i", "think", "overall", "honestly", "also", "at", "times", "in",
          "parts", "for", "me", "a", "bit", "to", "be", "fair", "with", "some", "scenes"]
LESSON_SENTENCES = [("I love this movie", 1), ("I hate this movie", 0), ("The movie was okay", 1)]
PAD = "<pad>"


def _phrase(rng: random.Random) -> tuple[list[str], float]:
    """A sentiment phrase and its polarity: [intensifier] [not] word."""
    word, polarity = rng.choice(list(POSITIVE.items()) + list(NEGATIVE.items()))
    words = [word]
    if rng.random() < 0.3:
        intensifier = rng.choice(list(INTENSIFIERS))
        words.insert(0, intensifier)
        polarity *= INTENSIFIERS[intensifier]
    if rng.random() < 0.25:
        words.insert(0, NEGATION)
        polarity = -polarity
    return words, polarity


VERBS = ["love", "loved", "enjoyed", "liked", "hate", "hated", "disliked"]


def make_sentence(rng: random.Random) -> tuple[str, int]:
    """One sentence of 3 to 20 words with an exact label."""
    if rng.random() < 0.1:  # the shortest form: "i loved it"
        verb = rng.choice(VERBS)
        return f"i {verb} it", int({**POSITIVE, **NEGATIVE}[verb] > 0)
    while True:
        words = rng.choice(SUBJECTS).split() + [rng.choice(["was", "is", "felt", "seemed"])]
        score = 0.0
        for i in range(rng.choice([1, 1, 1, 2, 2, 3])):
            if i:
                words.append(rng.choice(["and", "but", "yet", "although"]))
            phrase, polarity = _phrase(rng)
            words += phrase
            score += polarity
            words += rng.sample(FILLER, rng.randint(0, 3))
        if 3 <= len(words) <= 20 and abs(score) > 0.25:
            return " ".join(words), int(score > 0)


def make_corpus(n: int, seed: int = 0) -> list[tuple[str, int]]:
    """``n`` (sentence, label) pairs, the lessons' three sentences first; same seed, same corpus."""
    rng = random.Random(seed)
    corpus = list(LESSON_SENTENCES[: min(n, 3)])
    while len(corpus) < n:
        corpus.append(make_sentence(rng))
    return corpus


def vocabulary() -> dict[str, int]:
    """Every word the generator can produce (and the lessons' words), with pad = 0."""
    words = set(POSITIVE) | set(NEGATIVE) | set(INTENSIFIERS) | set(FILLER) | {NEGATION}
    words |= {w for s in SUBJECTS for w in s.split()}
    words |= {"was", "is", "felt", "seemed", "and", "but", "yet", "although"}
    words |= {w.lower() for s, _ in LESSON_SENTENCES for w in s.split()}
    return {PAD: 0, **{w: i + 1 for i, w in enumerate(sorted(words))}}


def encode(sentences: list[str], vocab: dict[str, int] | None = None) -> torch.Tensor:
    """Left-padded token ids, shape (N, longest sentence)."""
    vocab = vocab or vocabulary()
    rows = [[vocab[w] for w in s.lower().split()] for s in sentences]
    width = max(len(r) for r in rows)
    return torch.tensor([[0] * (width - len(r)) + r for r in rows])


def positions(sentences: list[str], width: int) -> torch.Tensor:
    """For each padded slot, the word's position in its sentence (0 = first word), -1 for padding."""
    out = []
    for s in sentences:
        n = len(s.split())
        out.append([-1] * (width - n) + list(range(n)))
    return torch.tensor(out)


class SentimentModel(nn.Module):
    """Embedding -> one-layer tanh RNN (batch_first) -> linear logit from the final hidden state."""

    def __init__(self, vocab_size: int, embed_dim: int = 16, hidden_size: int = 32):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.rnn = nn.RNN(embed_dim, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, 1)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        output, _ = self.rnn(self.embedding(tokens))
        return self.fc(output[:, -1]).squeeze(-1)


def train_sentiment(model: nn.Module, corpus: list[tuple[str, int]], epochs: int = 8, seed: int = 0,
                    batch_size: int = 32, lr: float = 5e-3) -> list[float]:
    """Train with Adam and binary cross-entropy; deterministic for a given seed. Returns epoch losses."""
    torch.manual_seed(seed)
    tokens = encode([s for s, _ in corpus])
    labels = torch.tensor([float(y) for _, y in corpus])
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(epochs):
        order = torch.randperm(len(corpus), generator=generator)
        total = 0.0
        for start in range(0, len(corpus), batch_size):
            idx = order[start:start + batch_size]
            loss = nn.functional.binary_cross_entropy_with_logits(model(tokens[idx]), labels[idx])
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            total += loss.item() * len(idx)
        losses.append(total / len(corpus))
    return losses


def accuracy(model: nn.Module, corpus: list[tuple[str, int]]) -> float:
    with torch.no_grad():
        logits = model(encode([s for s, _ in corpus]))
    return float(((logits > 0).long() == torch.tensor([y for _, y in corpus])).float().mean())
