"""Exercise 4: wrong implementations, each of which must lose points on the check meant to catch it."""
import pytest

from autograder.publish.authoring import mutate

from ..conftest import SOLUTIONS, Mutant, assert_loses_points

SOLUTION = (SOLUTIONS / "ex4_dates" / "dates.py").read_text()
RENDER = "text = apply_case(format_date(date, rng.choice(FORMATS), locale=LOCALE), rng.choice(CASES))"


MUTANTS = [
    Mutant("week_based_year", targets=["data_correct"], says="week-based year", replace=[(
        RENDER, 'text = apply_case(format_date(date, rng.choice(FORMATS).replace("yyyy", "YYYY"), locale=LOCALE), '
                'rng.choice(CASES))')]),
    Mutant("month_off_by_one", targets=["data_correct"], says="does not denote its ISO date", replace=[(
        "pairs.append((text, date.isoformat()))",
        'pairs.append((text, f"{date.year:04d}-{date.month % 12 + 1:02d}-{date.day:02d}"))')]),
    Mutant("decoder_reads_the_token_it_predicts", targets=["teacher_forcing_shift", "exact_match"], says="sees the token",
           replace=[("logits, _ = self.decode_step(torch.cat([start, tgt[:, :-1]], dim=1), final, states, mask)",
                     "logits, _ = self.decode_step(tgt, final, states, mask)")]),
    Mutant("decoder_ignores_the_target", targets=["teacher_forcing_shift"], says="does not read the target",
           replace=[("logits, _ = self.decode_step(torch.cat([start, tgt[:, :-1]], dim=1), final, states, mask)",
                     "logits, _ = self.decode_step(start.expand_as(tgt), final, states, mask)")]),
    Mutant("returns_probabilities", targets=["output_shapes"], says="probabilities", replace=[
        ("        return logits\n        ### END SOLUTION", "        return logits.softmax(-1)\n        ### END SOLUTION")]),
    Mutant("no_end_token", targets=["exact_match"], says="exact match on 1000 held-out dates", replace=[
        ("return [self.stoi.get(c, self.UNK) for c in text] + [self.END]",
         "return [self.stoi.get(c, self.UNK) for c in text]")]),
    Mutant("reversed_output", targets=["exact_match"], says="exact match", replace=[
        ("tgt = batch_encode(vocab, [iso for _, iso in chunk])",
         "tgt = batch_encode(vocab, [iso[::-1] for _, iso in chunk])")]),
    Mutant("unseeded_random_numbers", targets=["data_seeded"], says="use random.Random(seed)", replace=[
        ("date = first + datetime.timedelta(days=rng.randint(0, days))",
         "date = first + datetime.timedelta(days=random.randint(0, days))")]),
    Mutant("dates_drawn_up_to_today", targets=["data_variety"], says="whole range", replace=[
        ("first, last = DATE_RANGE\n", "first, last = DATE_RANGE[0], datetime.date.today()\n")]),
    Mutant("four_formats", targets=["data_variety"], says="different layouts", replace=[
        ("rng.choice(FORMATS)", "rng.choice(FORMATS[:4])")]),
    Mutant("dates_outside_the_course_range", targets=["data_variety"], says="outside the course's DATE_RANGE",
           replace=[("first, last = DATE_RANGE\n", "first, last = datetime.date(1900, 1, 1), DATE_RANGE[1]\n")]),
    Mutant("decode_does_not_stop_at_end", targets=["vocab_round_trip"], says="decode(encode(", replace=[
        ("            if i == self.END:\n                break\n", "")]),
]


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_mutant_loses_points_on_its_target(mutant, tmp_path):
    source = mutate(SOLUTION, replace=mutant.replace)
    assert_loses_points(tmp_path, "ex4_dates", "dates.py", source, mutant.targets, mutant.says)


def test_human_formats_beyond_the_given_ones_are_read_as_dates(tmp_path):
    """data_correct reads each pair back on its own: a generator with formats of its own keeps the points."""
    from ..conftest import checks_by_name, grade, write_submission

    more = 'rng.choice(FORMATS + ["yyyy/MM/dd", "d-M-yyyy", "EEE d MMMM yy", "dd MMM, yyyy"])'
    source = SOLUTION.replace(RENDER, RENDER.replace("rng.choice(FORMATS)", more), 1)
    assert source != SOLUTION, "the solution's rendering line changed"
    sub = write_submission(tmp_path / "sub", "ex4_dates", {"dates.py": source})
    check = checks_by_name(grade(sub, exercise="ex4_dates", checks=["data_correct"]), "ex4_dates")["data_correct"]
    assert check["status"] == "passed", check["output"]
