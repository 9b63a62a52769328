"""An autograder for a course on recurrent neural networks.

The folders are the architecture (docs/architecture.md follows one grade through them):

- ``grading/``   the pipeline: course.yaml's model and registry (``course``), the submission,
                 the engine and its pytest plugin, the comparisons checks make (``checking``), results;
- ``sandbox/``   where student code runs: the worker process, its isolation and limits, the
                 wire between it and the grader, and the words for every way it can fail;
- ``suites/``    one folder per exercise: its checks (test_public.py, test_hidden.py), its probes,
                 its reference data and its zoo of wrong and alternative implementations;
- ``publish/``   what is made from the same sources: stubs, releases, reports, Gradescope, nbgrader;
- ``commands/``  the command line, and grading many: ``grade --jobs``, ``batch``, executors, ``doctor``;
- ``jupyter.py`` what a released notebook's cells call (``check_public``, ``check``).
"""

# One thread per math library, for the grader (set before numpy and torch load, in __main__) and for
# every student worker (sandbox/staging.py): CPU seconds then mean the same on every machine.
ONE_THREAD = {var: "1" for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                   "NUMEXPR_NUM_THREADS")}
