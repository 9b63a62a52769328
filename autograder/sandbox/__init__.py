"""Where student code runs: a worker process, walled off, answering the grader's probe calls.

Read in this order:

- ``client``: the grader's handle on one worker: the "ready" handshake, CPU budgets
  with a wall-clock backstop, calls;
- ``staging``: the worker's scratch folder (its code, the student's files, the given
  files) and its environment;
- ``isolation``: which wall is in force and how a worker is launched behind it:
  ``bubblewrap`` (its command line), or ``hiding`` (a private mount namespace, or
  private folders) where bubblewrap is missing; ``cgroups`` where the grader may;
- ``watchdog``: resident memory and CPU seconds of the worker's process tree;
- ``failures``: every way a call fails, in words, and whose failure it is
  (the student's, scored; or the grader's, ``grader_error``, never scored);
- ``channels``: the grader's ends of the worker's pipes;
- ``worker``, ``wire``, ``probekit``: copied into the sandbox; the student's side.
"""
