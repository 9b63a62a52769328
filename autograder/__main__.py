import os

from autograder import ONE_THREAD

# The grader's own numpy/torch work is small; one thread per library keeps it
# predictable next to the student processes (set before numpy and torch load).
for _var, _value in ONE_THREAD.items():
    os.environ.setdefault(_var, _value)

from autograder.commands.cli import main  # noqa: E402

raise SystemExit(main())
