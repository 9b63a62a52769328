"""Exercise 3, public checks: alphabet, transliteration, loading, one-hot, model output, predict.

Students run these themselves:  python -m autograder check ex3_names
Points, visibility and time limits are in course.yaml.
"""
import string

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
    try:
        letters = student.call("letters")["all_letters"] or CONTRACT_LETTERS
    except StudentFailure:
        letters = CONTRACT_LETTERS
    got = student.call("ascii", texts=list(ASCII_CASES))
    for (text, stripped), result in zip(ASCII_CASES.items(), got):
        want = "".join(c for c in stripped if c in letters)
        if result != want:
            hint = ""
            if text == "Ślusàrski" and result == "lusrski":
                hint = (" The accented letters were dropped instead of stripped: decompose first with "
                        "unicodedata.normalize('NFD', s), then drop the combining marks (category 'Mn').")
            fail(f"unicode_to_ascii({text!r}) returned {result!r}, expected {want!r}.{hint}")


def test_load_names(student, exercise):
    """load_names() reads the shipped data offline; load_names(dir) reads the tutorial's layout."""
    shipped = student.call("load")
    want = kit_names(exercise)
    if sorted(shipped) != sorted(want):
        fail(f"load_names() found the languages {sorted(shipped)}, expected {sorted(want)} "
             "(the <Language>.txt files in data/names next to names.py)")
    for lang in want:
        if sorted(shipped[lang]) != sorted(want[lang]):
            if len(shipped[lang]) != len(want[lang]):
                fail(f"load_names() gives {len(shipped[lang])} {lang} names, the file has {len(want[lang])}")
            got_name, want_name = next((g, w) for g, w in zip(sorted(shipped[lang]), sorted(want[lang])) if g != w)
            fail(f"load_names() gives the right number of {lang} names ({len(want[lang])}) but not the same "
                 f"names: {got_name!r} where the file, through unicode_to_ascii, gives {want_name!r} "
                 "(keep the names' letters as they are: no lower-casing or other changes)")
    files = {"Polish.txt": "Ślusàrski\nNowak\n\n", "Czech.txt": "Dvořák\n"}
    got = student.call("load", files=files)
    expected = {"Polish": ["Slusarski", "Nowak"], "Czech": ["Dvorak"]}
    if {k: sorted(v) for k, v in got.items()} != {k: sorted(v) for k, v in expected.items()}:
        fail(f"load_names(dir) on Polish.txt ('Ślusàrski', 'Nowak', an empty line) and Czech.txt ('Dvořák') "
             f"returned {got}, expected {expected}: language from the file name, names through "
             "unicode_to_ascii, empty lines skipped")


def test_name_to_tensor(student):
    """name_to_tensor is one-hot, shape (len(name), 1, N_LETTERS), at ALL_LETTERS.index of each letter:
    capitals, the alphabet's ends, an apostrophe, a space and a one-letter name too."""
    letters = student.call("letters")["all_letters"]
    for name in ("Jones", "O'Neal", "Zoe az", "Q"):
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


def test_model_output(student):
    """NameClassifier maps (T, B, N_LETTERS) to log-probabilities (B, n_categories)."""
    out = student.call("model", names=["Abe", "Ito", "Kim"], hidden=32, n_categories=15)
    expect_shape(out, (3, 15), "NameClassifier(N_LETTERS, 32, 15) on 3 names of 3 letters")
    if np.any(out > 1e-6) or not np.allclose(np.exp(out).sum(1), 1, atol=1e-4):
        fail(f"the outputs should be log-probabilities (log_softmax): each row's exp should sum to 1, "
             f"but they sum to {np.round(np.exp(out).sum(1), 3).tolist()}")


def test_predict(student, exercise):
    """predict returns the k most likely categories, best first, with their probabilities."""
    categories = sorted(kit_names(exercise))
    for k in (3, 1, 5):  # k varies: the contract's default and others
        got = student.call("predict", name="Satoshi", categories=categories, k=k, hidden=32)
        preds, probs = got["predictions"], np.exp(np.asarray(got["log_probs"]).reshape(-1))
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
            fail(f"predict(..., k={k}) returned {preds}, but the model's own top {k} are "
                 f"{[(c, round(p, 4)) for c, p in want]}")
