"""Exercise 3, hidden checks: a leak-free stratified split, and accuracy after training.

Not shipped to students. The training budget and the calibrated threshold are in
course.yaml (ex3_names.params).
"""
import numpy as np

from autograder.grading.checking import fail

from .oracle import kit_names
from .reference import confusion, confusion_png, confusion_text, heldout_split, most_confused


def test_split_no_leak(student):
    """No name in both train and test, even when names repeat or appear under two languages; stratified."""
    data = {"Russian": ["Ivanov"] * 6 + [f"Petrov{c}" for c in "abcdefghij"] + ["Abel"],
            "German": ["Abel", "Abel"] + [f"Muller{c}" for c in "abcdefghijklmnopqrst"],
            "Japanese": ["Sato", "Ito", "Abe", "Kato", "Ono"]}
    got = student.call("split", data=data, test_fraction=0.25, seed=1)
    train, test = got["train"], got["test"]
    leaked = sorted({n for names in test.values() for n in names} & {n for names in train.values() for n in names})
    if leaked:
        fail(f"these names are in both train and test: {leaked}. Split by distinct name, so that every copy "
             "of a name (also under another language) lands on the same side.")
    for lang, names in data.items():
        together = sorted(train.get(lang, []) + test.get(lang, []))
        if together != sorted(names):
            fail(f"{lang}: train and test together should hold all {len(names)} names exactly once each")
        distinct = len(set(names))
        share = len(set(test.get(lang, []))) / distinct
        if abs(share - 0.25) > 0.5 / distinct + 0.1:
            fail(f"{lang}: {len(set(test.get(lang, [])))} of {distinct} distinct names went to test; with "
                 "test_fraction=0.25 the split should be stratified (about a quarter of each language)")


def test_accuracy(student, exercise, params):
    """After train_names, held-out accuracy is far above the majority-class baseline, each name classified as the
    student classifies it: by their own predict's top-1."""
    data = kit_names(exercise)
    categories = sorted(data)
    train, held = heldout_split(data, params["test_fraction"], params["split_seed"])
    test_pairs = [(n, i) for i, lang in enumerate(categories) for n in held[lang]]
    got = student.call("train", train=train, test_names=[n for n, _ in test_pairs],
                       hidden=params["hidden_size"], epochs=params["epochs"])
    truth = np.array([c for _, c in test_pairs])
    predicted = np.asarray(got["predicted"], dtype=int)
    if predicted.shape != truth.shape or predicted.min() < 0 or predicted.max() >= len(categories):
        fail(f"the trained model's predictions are not category indices 0..{len(categories) - 1}")
    accuracy = float((predicted == truth).mean())
    baseline = max(len(v) for v in held.values()) / len(truth)
    matrix = confusion(truth, predicted, len(categories))
    student.attach_png(confusion_png(matrix, categories), confusion_text(matrix, categories))
    through = "your predict's top-1" if not got["through_forward"] else \
        f"your predict's top-1 ({got['through_forward']} names through the model's output on the one-hot name, " \
        "where predict failed)"
    report = (f"held-out accuracy {accuracy:.3f} on {len(truth)} names, classified by {through} "
              f"(majority baseline {baseline:.3f}); most confused: {most_confused(matrix, categories)}")
    if accuracy < params["accuracy_min"]:
        fail(f"{report}. It must reach {params['accuracy_min']}; the reference reaches about 0.74. "
             f"Category i must be sorted(data)[i].{_loss_summary(np.asarray(got['losses']), params['epochs'])}")


def _loss_summary(losses: np.ndarray, epochs: int) -> str:
    """train_names' losses in a line: one per epoch as the contract asks, or what was returned instead."""
    if not losses.size:
        return ""
    if losses.size == epochs:
        return f" Training loss per epoch: {np.round(losses, 3).tolist()}."
    shown = f"first {np.round(losses[:3], 3).tolist()}, last {np.round(losses[-3:], 3).tolist()}"
    return (f" train_names returned {losses.size} loss values for {epochs} epochs (the contract asks for one "
            f"mean loss per epoch): {shown}.")
