"""Exercise 4: correct implementations written differently must each get full marks.

Each variant trains a model (about 25 s), so there are two: an LSTM without
attention would not reach the bar in the budget, which is the lesson's point.
"""
import pytest

from autograder.publish.authoring import render
from autograder.grading.course import load_course

from ..conftest import SOLUTIONS, assert_full_marks

SOLUTION = (SOLUTIONS / "ex4_dates" / "dates.py").read_text()

VARIANTS = {
    "lstm_with_attention": {
        "Seq2Seq.__init__": """
            self.embed = nn.Embedding(len(vocab), embed_dim, padding_idx=vocab.PAD)
            self.encoder = nn.LSTM(embed_dim, hidden_size, batch_first=True)
            self.decoder = nn.LSTM(embed_dim, hidden_size, batch_first=True)
            self.out = nn.Linear(2 * hidden_size, len(vocab))
        """},
    "reversed_vocabulary_order": {
        "DateVocab.__init__": """
            self.itos = ["<pad>", "<start>", "<end>", "<unk>"] + sorted(self.CHARS, reverse=True)
            self.stoi = {c: i for i, c in enumerate(self.itos)}
        """},
}


@pytest.mark.parametrize("name", VARIANTS)
def test_correct_variant_gets_full_marks(name, tmp_path):
    source = render(SOLUTION, regions=VARIANTS[name])
    assert_full_marks(tmp_path, "ex4_dates", "dates.py", source, load_course().exercises["ex4_dates"].max_score)
