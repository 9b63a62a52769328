"""Exercise 3, public checks: alphabet, transliteration, loading, one-hot, model output, predict.

Students run these themselves:  python -m autograder check ex3_names
Points, visibility and time limits are in course.yaml.
"""
import string
from collections import Counter

import numpy as np

from autograder.grading.checking import expect_shape, fail
from autograder.sandbox.failures import StudentFailure

from .oracle import kit_names

# Names whose letters need care -> the name with its accents stripped (NFD, combining marks dropped),
# before the alphabet filters it. What must be left is what of that is in the student's own ALL_LETTERS
# (the contract: characters outside ALL_LETTERS are dropped); with the contract's alphabet, the comments.
ASCII_CASES = {
    "Ślusàrski": "Slusarski",
    "O'Néàl": "O'Neal",
    "Müller-Lüdenscheidt": "Muller-Ludenscheidt",   # MullerLudenscheidt: "-" is not in the contract's alphabet
    "Zoë 2": "Zoe 2",                               # "Zoe ": digits dropped, the space kept
    "Łukasz": "Łukasz",                             # ukasz: Ł is its own letter, NFD does not split it
    "Dvořák, Jr.": "Dvorak, Jr.",
}
CONTRACT_LETTERS = string.ascii_letters + " .,;'"


def test_letters(student):
    """ALL_LETTERS holds the ASCII letters and " .,;'"; N_LETTERS is its length."""
    got = student.call("letters")
    letters, n = got["all_letters"], got["n_letters"]
    missing = sorted(set(string.ascii_letters + " .,;'") - set(letters))
    if missing:
        fail(f"ALL_LETTERS lacks {''.join(missing)!r}; use string.ascii_letters + \" .,;'\"")
    if len(set(letters)) != len(letters):
        fail("ALL_LETTERS contains a character twice")
    if n != len(letters):
        fail(f"N_LETTERS is {n}, but ALL_LETTERS has {len(letters)} characters")


def test_unicode_to_ascii(student):
    """Accents are stripped and characters outside ALL_LETTERS dropped."""
    # The student's own ALL_LETTERS decides what is dropped (a wrong alphabet costs test_letters' points,
    # not these); without a usable one, the contract's.
    letters = _student_letters(student)
    got = student.call("ascii", texts=list(ASCII_CASES))
    for (text, stripped), result in zip(ASCII_CASES.items(), got):
        want = "".join(c for c in stripped if c in letters)
        if result != want:
            hint = ""
            if text == "Ślusàrski" and result == "lusrski":
                hint = (" The accented letters were dropped instead of stripped: decompose first with "
                        "unicodedata.normalize('NFD', s), then drop the combining marks (category 'Mn').")
            fail(f"unicode_to_ascii({text!r}) returned {result!r}, expected {want!r}.{hint}")


def _student_letters(student):
    """The student's own ALL_LETTERS where it is usable (a wrong alphabet costs test_letters' points, not the
    checks that use it); otherwise the contract's."""
    try:
        return student.call("letters")["all_letters"] or CONTRACT_LETTERS
    except StudentFailure:
        return CONTRACT_LETTERS


def _differences(got: list[str], want: list[str]) -> str:
    """What one list of names has that the other lacks, counting repeats: "missing 'Nowak' (x2); extra 'nowak'"."""
    missing, extra = Counter(want) - Counter(got), Counter(got) - Counter(want)

    def some(counter):
        shown = [f"{n!r}" + (f" (x{c})" if c > 1 else "") for n, c in sorted(counter.items())[:4]]
        return ", ".join(shown) + (f" and {len(counter) - 4} more" if len(counter) > 4 else "")
    return "; ".join(part for part in (missing and f"missing {some(missing)}", extra and f"extra {some(extra)}")
                     if part)


def test_load_names(student, exercise):
    """load_names() reads the shipped data offline; load_names(dir) reads the tutorial's layout, repeated lines
    kept (they are data)."""
    letters = _student_letters(student)
    shipped = student.call("load")
    # The shipped names are ASCII in the contract's alphabet: through the student's own, what is left of each.
    want = {lang: [k for k in ("".join(c for c in n if c in letters) for n in names) if k]
            for lang, names in kit_names(exercise).items()}
    if sorted(shipped) != sorted(want):
        fail(f"load_names() found the languages {sorted(shipped)}, expected {sorted(want)} "
             "(the <Language>.txt files in data/names next to names.py)")
    for lang in sorted(want):
        if Counter(shipped[lang]) != Counter(want[lang]):
            hint = ""
            if Counter(n.lower() for n in shipped[lang]) == Counter(n.lower() for n in want[lang]):
                hint = " The names differ only in case: keep their letters as they are, no lower-casing."
            fail(f"load_names() gives {len(shipped[lang])} {lang} names where data/names/{lang}.txt, through "
                 f"unicode_to_ascii, gives {len(want[lang])}: {_differences(shipped[lang], want[lang])}.{hint}")
    files = {"Polish.txt": "Ślusàrski\nNowak\n\nNowak\n", "Czech.txt": "Dvořák\n"}
    got = student.call("load", files=files)
    expected = {"Polish": ["Slusarski", "Nowak", "Nowak"], "Czech": ["Dvorak"]}
    if {k: sorted(v) for k, v in got.items()} != {k: sorted(v) for k, v in expected.items()}:
        hint = " Repeated lines are data: keep every one." if sorted(got.get("Polish", [])) == ["Nowak", "Slusarski"] \
            else ""
        fail(f"load_names(dir) on Polish.txt ('Ślusàrski', 'Nowak', an empty line, 'Nowak' again) and Czech.txt "
             f"('Dvořák') returned {got}, expected {expected}: language from the file name, names through "
             f"unicode_to_ascii, empty lines skipped.{hint}")
    note = smoke_split(student)
    if note:
        student.note(note)


def smoke_split(student) -> str | None:
    """A smoke test of what the hidden check split_no_leak judges (a note, no points here): a name listed twice
    lands on one side of the split only."""
    from autograder.sandbox.failures import StudentFailure

    data = {"Scottish": ["Smith"] * 4 + [f"Mac{c}" for c in "abcdefgh"], "Czech": [f"Novak{c}" for c in "abcdefgh"]}
    try:
        got = student.call("split", data=data, test_fraction=0.25, seed=0)
    except StudentFailure as failure:
        return ("Smoke test of split_names (the hidden check split_no_leak judges it): it raised: "
                f"{failure.message.splitlines()[0][:300]}")
    both = {n for v in got["test"].values() for n in v} & {n for v in got["train"].values() for n in v}
    if both:
        return ("Smoke test of split_names (the hidden check split_no_leak judges it): "
                f"{', '.join(sorted(both))} is in both train and test. Split by distinct name, so that every copy of "
                "a name lands on the same side.")
    return None


def test_name_to_tensor(student):
    """name_to_tensor is one-hot, shape (len(name), 1, N_LETTERS), at ALL_LETTERS.index of each letter:
    capitals, the alphabet's ends, an apostrophe, a space and a one-letter name too (those names whose letters
    are all in the student's ALL_LETTERS: an alphabet short of some costs test_letters' points, not these)."""
    letters = student.call("letters")["all_letters"]
    names = [n for n in ("Jones", "O'Neal", "Zoe az", "Q") if all(ch in letters for ch in n)]
    if not names:
        fail("ALL_LETTERS lacks letters of every name this check encodes ('Jones', 'Q'): see test_letters")
    for name in names:
        got = student.call("tensor", name=name)
        expect_shape(got, (len(name), 1, len(letters)), f"name_to_tensor({name!r})",
                     hint="(letters, batch of 1, N_LETTERS)")
        for t, ch in enumerate(name):
            row = got[t, 0]
            if row.sum() != 1 or row.max() != 1:
                fail(f"name_to_tensor({name!r})[{t}] should be one-hot, but it sums to {row.sum():g}")
            hot = int(row.argmax())
            if hot != letters.index(ch):
                off = " (off by one)" if abs(hot - letters.index(ch)) == 1 else ""
                fail(f"in name_to_tensor({name!r}), the letter {ch!r} is encoded at index {hot}, expected "
                     f"ALL_LETTERS.index({ch!r}) = {letters.index(ch)}{off}")


def same(a, b) -> bool:
    """Two answers to the same call: the same shape and values (one process, one input: no rounding apart)."""
    return np.shape(a) == np.shape(b) and bool(np.allclose(a, b, rtol=0, atol=1e-6))


def test_model_output(student):
    """NameClassifier maps (T, B, N_LETTERS) to log-probabilities (B, n_categories), and the same names to the same
    output every time (asked again after other names, under other random seeds)."""
    got = student.call("model", names=["Abe", "Ito", "Kim"], other=["Zoe", "Ada", "Lin"], hidden=32, n_categories=15)
    out = got["output"]
    expect_shape(out, (3, 15), "NameClassifier(N_LETTERS, 32, 15) on 3 names of 3 letters")
    if np.any(out > 1e-6) or not np.allclose(np.exp(out).sum(1), 1, atol=1e-4):
        fail(f"the outputs should be log-probabilities (log_softmax): each row's exp should sum to 1, "
             f"but they sum to {np.round(np.exp(out).sum(1), 3).tolist()}")
    again = got["again"]
    if not same(again, out):
        change = "a different shape" if np.shape(again) != np.shape(out) else \
            f"values up to {np.max(np.abs(again - out)):.3g} apart"
        fail(f"the same 3 names gave a different output the second time (after 3 other names), {change}: the "
             "model's answer depends on earlier calls or on chance. Start every call from a zero hidden state "
             "(do not keep the last one in self.hidden), and use dropout only in training (nn.Dropout is off after "
             "model.eval(); F.dropout needs training=self.training).")


def _known_log_probs(n: int) -> np.ndarray:
    """Log-probabilities with no ties, in an order unlike the categories' own: what predict's model answers."""
    logits = np.random.default_rng(3).permutation(np.linspace(-3.0, 3.0, n))
    return logits - np.log(np.exp(logits).sum())


def test_predict(student, exercise):
    """predict returns the k most likely categories, best first, with their probabilities: judged on a model of
    the student's class made to answer known log-probabilities, however predict prepares the name for it."""
    categories = sorted(kit_names(exercise))
    twice = student.call("predict_again", name="Satoshi", other="Dvorak", categories=categories, hidden=32)
    first, again = twice["first"], twice["again"]
    answered_alike = [c for c, _ in first] == [c for c, _ in again] and same([p for _, p in first],
                                                                              [p for _, p in again])
    if not answered_alike and (twice["model"] is None or same(*twice["model"])):
        fail(f"predict(model, 'Satoshi') returned {twice['first']}, then, after predict(model, 'Dvorak'), "
             f"{twice['again']}: the same name and model must give the same answer. Does predict keep the hidden "
             "state from the last name (start each name from a zero state), or draw random numbers (dropout in "
             "training only: model.eval())? (A model whose own output changes is test_model_output's to judge.)")
    log_probs = _known_log_probs(len(categories))
    for k in (3, 1, 5):  # k varies: the contract's default and others
        got = student.call("predict", name="Satoshi", categories=categories, k=k, hidden=32,
                           log_probs=log_probs.tolist())
        preds, probs = got["predictions"], np.exp(np.asarray(got["log_probs"]))
        if len(preds) != k:
            fail(f"predict(..., k={k}) returned {len(preds)} entries")
        values = [p for _, p in preds]
        if values != sorted(values, reverse=True):
            fail(f"predictions should be best first, got probabilities {values}")
        if sum(values) > 1 + 1e-5 or min(values) < 0:
            fail(f"the probabilities {values} should lie in [0, 1] and sum to at most 1 (exp of the "
                 "log-probabilities)")
        want = [(categories[i], float(probs[i])) for i in np.argsort(-probs)[:k]]
        if [c for c, _ in preds] != [c for c, _ in want] or not np.allclose(values, [p for _, p in want], atol=1e-4):
            fail(f"predict(..., k={k}) returned {preds}, but the model it was given answered log-probabilities "
                 f"whose top {k} are {[(c, round(p, 4)) for c, p in want]} (category i is categories[i])")
