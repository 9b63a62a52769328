"""Exercise 4, public checks: the vocabulary, the pairs, and the model's output shapes.

Students run these themselves:  python -m autograder check ex4_dates
Points, visibility and time limits are in course.yaml.
"""
import re

from autograder.grading.checking import fail

from .oracle import pair_problem

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def test_vocab_round_trip(student):
    """decode(encode(text)) == text; four distinct special tokens; unknown characters map to UNK."""
    texts = ["January 15, 2023", "15.01.2023", "SUN, 15 JAN 2023", "2023-01-15"]
    got = student.call("vocab", texts=texts + ["15 Jan 2023 ★"])
    specials = got["specials"]
    if len(set(specials.values())) != 4:
        fail(f"PAD, START, END and UNK must be four different ids, got {specials}")
    for text, back in zip(texts, got["decoded"]):
        if back != text:
            fail(f"decode(encode({text!r})) returned {back!r}")
    if got["framed_decoded"] != texts[0]:
        fail(f"decode should skip START and PAD and stop at END: decode([START] + encode({texts[0]!r}) + "
             f"[END, PAD, PAD]) returned {got['framed_decoded']!r}")
    if specials["UNK"] not in got["encoded"][-1]:
        fail("encode('15 Jan 2023 ★') should map the unknown character ★ to UNK")


def test_data_pairs(student):
    """make_date_pairs(n, seed) returns n (human date, ISO date) pairs of strings."""
    pairs = student.call("pairs", n=50, seed=0)
    if len(pairs) != 50:
        fail(f"make_date_pairs(50) returned {len(pairs)} pairs")
    bad = [iso for _, iso in pairs if not ISO.match(iso)]
    if bad:
        fail(f"the ISO side should look like 2023-01-15; got {bad[:3]}")


def test_data_correct(student):
    """Every human date denotes exactly its ISO date: read back independently of any list of formats."""
    pairs = student.call("pairs", n=2000, seed=1)  # enough to meet New Year's week-year trap many times
    wrong = [(h, iso, why) for h, iso in pairs if (why := pair_problem(h, iso))]
    if wrong:
        examples = "\n".join(f"  {why}" for _, _, why in sorted(wrong, key=lambda w: "week-based" not in w[2])[:4])
        fail(f"{len(wrong)} of {len(pairs)} pairs are wrong: the human text does not denote its ISO date. "
             f"For example:\n{examples}")


def by_chance(repeat: dict, shapes_only: bool = False) -> str | None:
    """Words for a forward pass whose logits change from one identical call to the next (the probe makes the same
    call under other random seeds), or None where every call agreed (in shape alone, with ``shapes_only``)."""
    shapes = [tuple(s) for s in repeat["shapes"]]
    if len(set(shapes)) > 1:
        what = f"logits of different shapes ({', '.join(str(s) for s in dict.fromkeys(shapes))})"
    elif not shapes_only and repeat["max_diff"] > 1e-6:
        what = f"different logits (up to {repeat['max_diff']:.3g} apart)"
    else:
        return None
    return (f"Seq2Seq(src, tgt) called {repeat['calls']} times with the same src and tgt (after model.eval(), under "
            f"other random seeds) gave {what}: with a target given, forward must be teacher-forced every time. A "
            "coin flip between teacher forcing and greedy decoding (random.random() < teacher_forcing_ratio) belongs "
            "in train_dates, not in forward; and dropout must be off in eval (nn.Dropout is; F.dropout needs "
            "training=self.training).")


def test_output_shapes(student):
    """Seq2Seq(vocab)(src (B, T_src), tgt (B, T_tgt)) returns logits (B, T_tgt, V), not probabilities, whatever the
    random seed."""
    got = student.call("forward", src_texts=["January 15, 2023", "1/2/23"], tgt_texts=["2023-01-15", "2023-01-02"],
                       position=3)
    problem = by_chance(got["repeat"], shapes_only=True)   # values that change are teacher_forcing_shift's
    if problem:
        fail(problem)
    problem = by_chance(got["repeat"])
    if problem:   # said now, while the student can still mend it; scored by the hidden check
        student.note(f"Smoke test of teacher forcing (the hidden check teacher_forcing_shift judges it): {problem}")
    want = [got["tgt_shape"][0], got["tgt_shape"][1], got["vocab_size"]]
    if got["shape"] != want:
        fail(f"Seq2Seq(src {tuple(got['tgt_shape'][:1])} x T_src, tgt {tuple(got['tgt_shape'])}) returned logits "
             f"of shape {tuple(got['shape'])}, expected {tuple(want)} (batch, target length, vocabulary size)")
    if got.get("probabilities"):
        fail("Seq2Seq returned probabilities (every row sums to 1): return the raw logits, before softmax. "
             "nn.CrossEntropyLoss applies log-softmax itself, and translate only needs the argmax.")
