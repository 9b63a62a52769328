"""Exercise 4 probes: run inside the student process (see sandbox/worker.py)."""
import numpy as np
import torch

from probekit import ProbeError, isinstance_, reseed, to_numpy


def _ids(values, what):
    try:
        return [int(v) for v in values]
    except (TypeError, ValueError):
        raise ProbeError(f"{what} should be a list of ints") from None


def probe_vocab(student, texts):
    vocab = student.DateVocab()
    specials = {name: int(getattr(vocab, name)) for name in ("PAD", "START", "END", "UNK")}
    encoded = [_ids(vocab.encode(t), f"encode({t!r})") for t in texts]
    decoded = [str(vocab.decode(ids)) for ids in encoded]
    framed = [specials["START"]] + encoded[0] + [specials["END"], specials["PAD"], specials["PAD"]]
    return {"specials": specials, "size": int(len(vocab)), "encoded": encoded, "decoded": decoded,
            "framed_decoded": str(vocab.decode(framed))}


def probe_pairs(student, n, seed):
    pairs = student.make_date_pairs(n, seed=seed)
    out = []
    for p in pairs:
        if not isinstance_(p, (tuple, list)) or len(p) != 2 or not all(isinstance_(s, str) for s in p):
            raise ProbeError(f"make_date_pairs should return (str, str) pairs, got {p!r:.60}")
        out.append([p[0], p[1]])
    return out


# The same forward call again under these seeds (the first is made under seed 1): a coin flip per call or per
# step, or dropout, gives different logits under at least one of them.
REPEAT_SEEDS = (2, 3, 4, 5)


def _batch(vocab, texts):
    rows = [list(vocab.encode(t)) for t in texts]
    width = max(len(r) for r in rows)
    return torch.tensor([r + [int(vocab.PAD)] * (width - len(r)) for r in rows])


def probe_forward(student, src_texts, tgt_texts, position):
    """Teacher-forced logits, how they change when tgt[:, position] is replaced, and whether the same call gives
    the same logits again (under other random seeds: teacher forcing must not be a coin flip, nor dropout on)."""
    torch.manual_seed(0)
    vocab = student.DateVocab()
    model = student.Seq2Seq(vocab).eval()
    src, tgt = _batch(vocab, src_texts), _batch(vocab, tgt_texts)
    with torch.no_grad():
        reseed(1)
        logits = to_numpy(model(src, tgt), "Seq2Seq's logits")
        changed = tgt.clone()
        changed[:, position] = torch.where(changed[:, position] == int(vocab.UNK), int(vocab.END), int(vocab.UNK))
        reseed(1)   # the same chances as the first call: only the target differs
        logits2 = to_numpy(model(src, changed), "Seq2Seq's logits")
        repeats = []
        for seed in REPEAT_SEEDS:
            reseed(seed)
            repeats.append(to_numpy(model(src, tgt), "Seq2Seq's logits"))
    differ = [float(np.abs(r - logits).max()) for r in repeats if r.shape == logits.shape]
    repeat = {"calls": len(repeats) + 1, "shapes": [list(r.shape) for r in [logits] + repeats],
              "max_diff": max(differ, default=0.0)}
    if logits.shape != logits2.shape or logits.ndim != 3:
        return {"shape": list(logits.shape), "tgt_shape": list(tgt.shape), "vocab_size": len(vocab), "repeat": repeat}
    diff = np.abs(logits - logits2).max(axis=(0, 2))
    # Softmax probabilities instead of logits: every value in [0, 1], every row summing to 1.
    probabilities = bool(np.all(logits >= 0) and np.all(logits <= 1)
                         and np.allclose(logits.sum(axis=-1), 1.0, atol=1e-4))
    return {"shape": list(logits.shape), "tgt_shape": list(tgt.shape), "vocab_size": len(vocab), "diff": diff,
            "probabilities": probabilities, "repeat": repeat}


def probe_train(student, pairs, test_texts, epochs, seed=0):
    torch.manual_seed(seed)
    model = student.Seq2Seq(student.DateVocab())
    losses = student.train_dates(model, [tuple(p) for p in pairs], epochs, seed=seed)
    translations = []
    for text in test_texts:
        out = student.translate(model, text)
        translations.append(out if isinstance_(out, str) else repr(out))
    return {"translations": translations, "losses": np.array([float(v) for v in losses])}
