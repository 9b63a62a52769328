"""The lessons' questions: multiple choice graded by the kit, written answers graded by a person.

A question is a check of its exercise (course.yaml gives its points, ``question: choice`` or
``question: written``, and ``visibility: hidden``: students never run it themselves). What it asks
lives once, in the exercise's suite, which is never shipped (``suites/<id>/questions.yaml``)::

    quiz_same_weights:                 # a choice question: its prompt, options, key and the lesson's why
      lesson: "001, quiz question 1 of 3"
      prompt: Why do RNNs use the same weight matrices W_h, W_x, b at every time step?
      options: {a: ..., b: ..., c: ...}
      answer: b
      explanation: what the lesson says, shown with a wrong answer
    written_baseline:                  # a written question: its prompt, the rubric a TA marks against
      prompt: ...
      rubric: what a full answer says, point by point
      model_answer: the reference's answer (solutions/<id>/answers.md)

Students answer in one file per exercise, ``answers.md`` (``ANSWERS_FILE``; written by ``stubs`` with
the prompts and options and no key), under each question's ``## <name>`` heading, after its
``**Your answer:**`` line. A notebook has the same as cells (``answer_<name>``): ``Submission.answers``
turns them into the same text. The grader reads the file as text and runs nothing of it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from autograder.grading.course import CourseError, Exercise

ANSWERS_FILE = "answers.md"
ANSWER_MARK = "**Your answer:**"
PLACEHOLDER = "YOUR ANSWER HERE"     # nbgrader's own words for an answer cell not yet written
MAX_ANSWERS_BYTES = 200_000          # more is not an answer to a few questions: read no further
_HEADING = re.compile(r"^##\s+`?([A-Za-z_][A-Za-z0-9_]*)`?\s*$", re.M)
_LETTER = re.compile(r"^[\s*_>(\[]*([A-Za-z])(?:[\s)\].:,*_-]|$)")


@dataclass(frozen=True)
class Question:
    name: str            # the check's name in course.yaml
    kind: str            # "choice" (graded by the kit) or "written" (graded by a person)
    points: float
    lesson: str          # where the question comes from, in words
    prompt: str
    options: dict = field(default_factory=dict)   # letter -> text (choice)
    answer: str = ""                              # the key's letter (choice)
    explanation: str = ""                         # the lesson's reason (choice)
    rubric: str = ""                              # what a full answer says (written)
    model_answer: str = ""                        # the reference's answer (written)


def question_checks(exercise: Exercise, kind: str | None = None) -> list:
    """The exercise's checks that are questions (of ``kind``, or any), in course.yaml's order."""
    return [c for c in exercise.checks.values() if c.question and kind in (None, c.question)]


def questions_file(exercise: Exercise) -> Path:
    return exercise.suite_dir / "questions.yaml"


def load_questions(exercise: Exercise) -> dict[str, Question]:
    """The exercise's questions, checked against course.yaml (CourseError naming what does not fit)."""
    checks = question_checks(exercise)
    if not checks:
        return {}
    path = questions_file(exercise)
    where = f"{exercise.id}: {path.name}"
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise CourseError(f"{where}: course.yaml names questions ({', '.join(c.name for c in checks)}) and the "
                          f"suite has no {path}") from None
    except yaml.YAMLError as exc:
        raise CourseError(f"{where} is not valid YAML: {exc}") from None
    names = {c.name for c in checks}
    extra = sorted(set(raw) - names)
    missing = sorted(names - set(raw))
    if extra or missing:
        raise CourseError(f"{where} and course.yaml differ: " + "; ".join(
            ([f"not questions in course.yaml: {', '.join(extra)}"] if extra else [])
            + ([f"missing: {', '.join(missing)}"] if missing else [])))
    out = {}
    for check in checks:
        spec = raw[check.name] or {}
        options = {str(k).lower(): str(v).strip() for k, v in (spec.get("options") or {}).items()}
        q = Question(name=check.name, kind=check.question, points=check.points, lesson=str(spec.get("lesson", "")),
                     prompt=str(spec.get("prompt", "")).strip(), options=options,
                     answer=str(spec.get("answer", "")).strip().lower(),
                     explanation=str(spec.get("explanation", "")).strip(), rubric=str(spec.get("rubric", "")).strip(),
                     model_answer=str(spec.get("model_answer", "")).strip())
        if not q.prompt:
            raise CourseError(f"{where}: {q.name} needs a prompt")
        if q.kind == "choice" and (len(options) < 2 or q.answer not in options or not q.explanation
                                   or any(len(k) != 1 or not k.isalpha() for k in options)):
            raise CourseError(f"{where}: {q.name} is a choice question: it needs options (two or more, each "
                              "a letter), an answer that is one of them, and an explanation")
        if q.kind == "written" and not (q.rubric and q.model_answer):
            raise CourseError(f"{where}: {q.name} is a written question: it needs a rubric and a model_answer")
        out[q.name] = q
    return out


# -- the answers file

def _header(q: Question) -> str:
    how = ("multiple choice, graded by the course's grader" if q.kind == "choice"
           else "written, graded by a person")
    return f"*{q.lesson + ' · ' if q.lesson else ''}{q.points:g} point{'s' if q.points != 1 else ''} · {how}*"


def question_text(q: Question) -> str:
    """What a student reads: the prompt and, for a choice question, its options and how to answer."""
    text = f"{_header(q)}\n\n{q.prompt}\n"
    if q.kind == "choice":
        text += "\n" + "\n".join(f"- ({k}) {v}" for k, v in q.options.items()) + "\n\n"
        text += "Answer with the option's letter (you may add a sentence after it).\n"
    return text


def answers_text(exercise: Exercise, questions: dict[str, Question], reference: bool = False) -> str:
    """``answers.md``: every question of the exercise with room for the answer (the student's stub), or
    ``reference=True`` with the key's letter and the model answer (the reference solution's file)."""
    parts = [f"# {exercise.title}: your answers to the lesson questions\n",
             "Write each answer under its question, after **Your answer:** (in place of "
             f"`{PLACEHOLDER}`). Keep the `## ` headings as they are: the grader finds each answer by its "
             "heading. Multiple-choice answers are graded by the course's grader, written ones by a person; "
             "neither is shown by `check` (they are the instructor's).\n"]
    for q in questions.values():
        answer = (q.answer if q.kind == "choice" else q.model_answer) if reference else PLACEHOLDER
        parts.append(f"## {q.name}\n\n{question_text(q)}\n{ANSWER_MARK}\n\n{answer}\n")
    return "\n".join(parts)


def read_answers(text: str) -> dict[str, str]:
    """Question name -> the answer written under its heading (after its **Your answer:** line where there
    is one), stripped; a placeholder left as it is counts as no answer (an empty string)."""
    out = {}
    heads = list(_HEADING.finditer(text))
    for i, head in enumerate(heads):
        body = text[head.end(): heads[i + 1].start() if i + 1 < len(heads) else len(text)]
        if ANSWER_MARK in body:
            body = body.split(ANSWER_MARK, 1)[1]
        answer = body.strip()
        out[head.group(1)] = "" if answer.replace(PLACEHOLDER, "").strip() == "" else answer
    return out


def options_in(text: str) -> dict[str, list[str]]:
    """Question name -> the option letters its section lists (as ``question_text`` writes them: "- (a) ..."), read
    from an answers file: the released blank one tells ``check`` the choices without the key."""
    heads = list(_HEADING.finditer(text))
    return {head.group(1): re.findall(r"^- \(([a-z])\) ", text[head.end(): heads[i + 1].start() if i + 1 < len(heads)
                                                               else len(text)], re.M)
            for i, head in enumerate(heads)}


def chosen_letter(answer: str) -> str | None:
    """The option's letter an answer starts with ("b", "(B)", "b) because ...", "**b**"), or None."""
    match = _LETTER.match(answer)
    return match.group(1).lower() if match else None


def choice_verdict(q: Question, answer: str | None) -> str | None:
    """None when the answer is right; else why not, in words, with the lesson's explanation."""
    why = f"The answer is ({q.answer}): {q.explanation}" + (f" ({q.lesson})" if q.lesson else "")
    if answer is None:
        return f"{q.name}: no answer was found under its heading (## {q.name}). {why}"
    if not answer:
        return f"{q.name}: not answered. {why}"
    letter = chosen_letter(answer)
    if letter not in q.options:
        return (f"{q.name}: your answer does not start with one of the options' letters "
                f"({', '.join(q.options)}): {answer[:80]!r}. {why}")
    if letter != q.answer:
        return f"{q.name}: you chose ({letter}) {q.options[letter]}. {why}"
    return None
