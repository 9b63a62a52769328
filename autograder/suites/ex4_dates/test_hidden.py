"""Exercise 4, hidden checks: variety and seeding of the data, the teacher-forcing shift, exact match.

Not shipped to students. The budget and the calibrated threshold are in course.yaml (ex4_dates.params).
"""
from collections import Counter, defaultdict

import numpy as np

from autograder.grading.checking import fail

from .oracle import layout
from .reference import formats, grader_pairs
from .test_public import by_chance


def test_data_variety(student, exercise, params):
    """Many layouts (counted without any list of formats); every case; commas and weekdays both ways;
    dates across the whole range and only inside it."""
    pairs = student.call("pairs", n=2000, seed=2)
    layouts = Counter(layout(h) for h, _ in pairs)
    layouts.pop(None, None)  # a text that does not read as a date is data_correct's to charge
    if len(layouts) < params["min_formats"]:
        fail(f"the pairs are written in {len(layouts)} different layouts ({', '.join(sorted(layouts)[:20])}); "
             f"at least {params['min_formats']} expected: vary the order, month and weekday names (full and "
             "abbreviated), separators and numeric forms")
    texts = [h for h, _ in pairs]
    kinds = {"lower case": any(t == t.lower() and t != t.upper() for t in texts),
             "upper case": any(t == t.upper() and t != t.lower() for t in texts),
             "commas": any("," in t for t in texts), "no commas": any("," not in t for t in texts),
             "weekday names": any("day" in t.lower() for t in texts)}
    missing = [k for k, v in kinds.items() if not v]
    if missing:
        fail(f"over 2000 pairs there are none with: {', '.join(missing)}")
    first, last = formats(exercise).DATE_RANGE
    outside = sorted({iso for _, iso in pairs if not first.isoformat() <= iso <= last.isoformat()})
    if outside:
        fail(f"{len(outside)} dates lie outside the course's DATE_RANGE {first}..{last} (e.g. {outside[0]}): "
             "draw them from date_formats.DATE_RANGE (inside it, a two-digit year names exactly one date)")
    years = sorted(int(iso[:4]) for _, iso in pairs)
    if years[0] > first.year + 5 or years[-1] < last.year - 5:
        fail(f"the dates span {years[0]}..{years[-1]}; draw them uniformly from the whole range "
             f"{first.year}..{last.year}")


def test_data_seeded(student):
    """The same seed gives the same pairs; different seeds give different pairs."""
    a, b, c = (student.call("pairs", n=100, seed=s) for s in (7, 7, 8))
    if a != b:
        fail("make_date_pairs(100, seed=7) gave different pairs on two calls: use random.Random(seed), "
             "and never today's date")
    if a == c:
        fail("seeds 7 and 8 gave the same pairs: is the seed ignored?")


def test_teacher_forcing_shift(student):
    """The decoder reads the target shifted right: logits at step t depend on tgt[:, t-1], never on tgt[:, t] or later."""
    src, tgt = ["January 15, 2023", "1/2/23", "Sun Jan 15 2023"], ["2023-01-15", "2023-01-02", "2023-01-15"]
    for position in (0, 4, 9):
        got = student.call("forward", src_texts=src, tgt_texts=tgt, position=position)
        problem = by_chance(got["repeat"])
        if problem:
            fail(problem)
        if "diff" not in got:
            fail(f"Seq2Seq returned logits of shape {tuple(got['shape'])}, expected (batch, target length, vocabulary)")
        diff = np.asarray(got["diff"])
        leaked = [t for t in range(position + 1) if diff[t] > 1e-6]
        if leaked:
            fail(f"changing tgt[:, {position}] changed the logits at step {leaked[0]}: the decoder sees the token "
                 f"it should predict. Feed it START, tgt[:, 0], ..., tgt[:, T-2] (the target shifted right).")
        if position + 1 < len(diff) and diff[position + 1] <= 1e-6:
            fail(f"changing tgt[:, {position}] did not change the logits at step {position + 1}: the decoder does "
                 "not read the target it is given (teacher forcing). At step t it must read tgt[:, t-1] "
                 "(START at step 0).")


def test_exact_match(student, exercise, params):
    """After train_dates on the grader's pairs, translate gets held-out dates exactly right."""
    train = grader_pairs(exercise, params["train_size"], params["train_seed"])
    test = grader_pairs(exercise, params["test_size"], params["test_seed"], frozenset(iso for _, iso, _ in train))
    test = [("January 15, 2023", "2023-01-15", "MMMM d, yyyy")] + test
    got = student.call("train", pairs=[[h, iso] for h, iso, _ in train], test_texts=[h for h, _, _ in test],
                       epochs=params["epochs"])
    right = [out == iso for out, (_, iso, _) in zip(got["translations"], test)]
    accuracy = float(np.mean(right[1:]))  # the held-out pairs; right[0] is the lesson's example
    if accuracy >= params["exact_match_min"] and right[0]:
        return
    per_format = defaultdict(list)
    for ok, (_, _, pattern) in zip(right, test):
        per_format[pattern].append(ok)
    worst = sorted(per_format.items(), key=lambda kv: np.mean(kv[1]))[:5]
    wrong = [f"{h!r} -> {out!r} (expected {iso})" for out, ok, (h, iso, _) in zip(got["translations"], right, test)
             if not ok][:5]
    fail("\n".join([
        f"exact match on {len(test) - 1} held-out dates: {accuracy:.4f} (at least {params['exact_match_min']} expected; "
        "the reference reaches 0.995 to 1.000)" + ("" if right[0] else
                                               f"; translate('January 15, 2023') gave {got['translations'][0]!r}"),
        "accuracy of the weakest formats: " + ", ".join(f"{p!r} {np.mean(v):.2f}" for p, v in worst),
        "some wrong translations: " + "; ".join(wrong),
        f"training losses per epoch: {np.round(np.asarray(got['losses']), 4).tolist()}"]))
