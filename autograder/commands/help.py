"""The command line's words: what ``--help`` says of the kit and of each command (``cli`` builds the parser)."""

TOP_HELP = """The RNN exercise kit: grade submissions, check your own work, build what you hand out.

Students (in the bundle your instructor gave you, from anywhere inside it):
  check [ID ...]          run the public checks on your exercises; prints a table, then why
                          each failed check failed, and what the hidden checks are worth

Instructors (in the kit's folder, with solutions/):
  grade SUBMISSION        grade one student: a table; --json / --gradescope write files
  batch DIR --out OUT     grade a class: OUT/gradebook.csv, results/, reports/, summary.html,
                          mistakes.csv and the similarity report
  similarity DIR --out OUT  who handed in whose code: OUT/similarity.csv and similarity.html
  export OUT --canvas CSV --out FILE  grades into Canvas (or --moodle), unmatched.csv beside it
  doctor                  check a machine before grading on it
  release --out DIR       the student bundle (stubs, given data, public checks)
  nbgrader --out DIR      an nbgrader course (one notebook per exercise)
  gradescope --out DIR    Gradescope's autograder.zip (--exercise ID: one assignment per exercise)
  stubs [--check]         derive exercises/ from solutions/

Exit codes: 0 done (grading ran, whatever the score); 1 doctor or stubs --check found a
problem; 2 bad arguments or input (nothing graded); 3 the grader failed on some check
(status grader_error: not scored; run the same command again, and `doctor` on this machine).
"""

STUDENT_TOP_HELP = """Your course's exercises and their public checks (the student bundle).

From anywhere inside this folder:
  check [ID ...]          run the public checks on your exercises; prints a table, then why
                          each failed check failed, and what the hidden checks are worth
  grade SUBMISSION        the same public checks on another folder laid out like exercises/
                          (--json FILE writes the result)

Exit codes: 0 done (the checks ran, whatever the score); 2 bad arguments or input (nothing
checked); 3 the checker itself failed on some check (run the same command again).
"""

HELP = {  # command -> (one line for the list, what a newcomer needs on its own page)
    "grade": ("grade one submission", """Grade one student's submission and print a table of points per check, then why each
failed check failed. SUBMISSION is a folder laid out like exercises/ (SUBMISSION/ex1_myrnn/myrnn.py),
holding the files flat (SUBMISSION/myrnn.py), or holding the notebooks (SUBMISSION/ex1_myrnn.ipynb),
or one notebook. A folder of students' folders is a class: use batch.
Writes nothing unless asked: --json FILE (the contract's JSON), --gradescope FILE (results.json).
Exit codes: 0 graded, whatever the score; 2 no such submission or bad arguments; 3 the grader failed
on some check (status grader_error, not scored: grade again; run doctor on this machine)."""),
    "check": ("run the public checks on your own work", """Run the public checks on your own exercises, as the instructor's grader runs them.
Run it from anywhere inside the bundle: in exercises/<id>/ it checks that exercise, elsewhere every
exercise (or the IDs given). Writes nothing. Exit codes: 0 checked (whatever the score); 2 bad
arguments; 3 the checks themselves failed to run (tell your instructor)."""),
    "stubs": ("derive exercises/ from solutions/", """Rewrite exercises/ from solutions/ and course.yaml (the solution regions become TODOs).
--check writes nothing and exits 1 when exercises/ is out of date."""),
    "batch": ("grade a whole class", """Grade every student in SUBMISSIONS (one folder or .zip each), each in a process of its own.
OUT gets gradebook.csv (status: graded; nothing_handed_in; grader_error: not scored, run batch again;
flagged: its code interfered with the grader, review its report; to_grade_by_hand: written answers
await a person), results/<student>.json, reports/<student>.html, summary.html (with the mistakes the
class shares, also in mistakes.csv), histogram.png, pass_rates.csv, the similarity report
(similarity.csv, similarity.html; see `similarity --help`; --no-similarity skips it), and for the
written questions marks/<exercise>.<question>.csv (fill in points and a comment; the next run folds
them in and every later one keeps them) with marks/rubrics.md. Run it again after a crash or
a change: it grades only the students without a current result and says why (--regrade: everyone).
Exit codes: 0 done; 2 bad arguments; 3 the grader failed for some students (run it again)."""),
    "similarity": ("who handed in whose code: similarity.csv and similarity.html", """Compare every pair of students in SUBMISSIONS (one folder or .zip each, as for batch) on each
exercise's files, read as grading reads them (notebooks included). The released stubs and code common
to the class (--common-share) are subtracted; renaming, comments, layout, reordering, dead code and
swapped operands do not hide a copy. Writes OUT/similarity.csv (every pair: similarity in [0, 1],
flagged 0/1) and OUT/similarity.html (ranked pairs, clusters, a histogram with the threshold, flagged
pairs side by side). The threshold comes from the class's own similarities (never below 0.65);
--threshold sets it. --reference DIR: known sources; a student matching one is listed as "matches
<source>". batch runs this at the end of every run. Exit codes: 0 written; 2 bad arguments."""),
    "export": ("grades into the LMS: fill a Canvas export, or write Moodle's grade import", """Send the grades of a graded class (OUT, where batch wrote gradebook.csv) to the LMS.
--canvas CSV: a gradebook exported from Canvas (Grades > Export); FILE gets its identity columns and
the assignment's column (--assignment NAME when it has several), filled from the gradebook; scores
are scaled when the assignment is worth other points than the kit's. --moodle: Moodle's grade import
(ID number, Email address, grade), from --roster or filling a Moodle grade export (--moodle CSV).
--roster CSV maps each student's folder to sis_login_id, sis_user_id, email or id_number; without
it, folder names are matched to the LMS's logins. Students with status grader_error or flagged are
left blank; they, and everyone on either side who is not matched, are listed in unmatched.csv
beside FILE. The input files are only read. Exit codes: 0 written; 2 bad arguments or input."""),
    "gradescope": ("build Gradescope's autograder.zip", """Write DIR/autograder.zip for a Gradescope programming assignment (setup.sh, run_autograder,
the kit without solutions/). With --exercise ID (repeatable), DIR/autograder-ID.zip: an assignment
that grades only those exercises and totals their points (one assignment per week's exercise)."""),
    "release": ("build the student bundle (folder and zip)", """Write DIR/rnn-exercises/ and DIR/rnn-exercises.zip: the stubs, the given data, the public
checks and their oracle, a pyproject and a README; never solutions/, hidden checks, reference.py,
held-out seeds or the kit's tests. Students install it with `pip install -e .`."""),
    "nbgrader": ("build the nbgrader course directory (one notebook per exercise)", """Write an nbgrader course in DIR: nbgrader_config.py and source/<id>/<id>.ipynb with the
given files. Then, in DIR, for each exercise id: nbgrader generate_assignment <id>; release and
collect as nbgrader does; nbgrader autograde <id>."""),
    "course": ("change the course: scaffold a new exercise, drop one, check what is stale", """Change the course without breaking the kit (course.yaml is the one source of truth):

  course scaffold ID [--title T] [--file F]   a new exercise that already grades end to end (a leaky
                                              accumulator to replace with yours): course.yaml section,
                                              solution, suite (probes, oracle, public and hidden checks),
                                              a zoo with the minimum entries, and the stub
  course drop ID                              its course.yaml section, folders and calibration data
  course check                                stale stubs, folders of no exercise, zoos below the minimum,
                                              an installed kit that is not this folder's (exit 1)

Then rebuild what you hand out: release, nbgrader (and generate_assignment --force), Gradescope.
Recipes: docs/architecture.md, "Recipes"."""),
    "doctor": ("check this machine before grading on it (exit 1 on a problem)", """Check this machine before grading on it: isolation, memory and time mechanisms, the torch
build, then grade solutions/ and compare the CPU time of every check with its budget.
Exit codes: 0 fine; 1 a problem that would make a grade on this machine wrong."""),
}


UNPROTECTED_HELP = "grade on a machine where student code cannot be walled off (no sandbox: it can read your files)"
