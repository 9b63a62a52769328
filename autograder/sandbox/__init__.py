"""Where student code runs: a worker process, walled off, answering the grader's probe calls.

Read in this order:

- ``isolation``: which wall is in force (bubblewrap, or a reported fallback) and
  how a worker is launched behind it;
- ``client``: the grader's handle on one worker: staging, the "ready"
  handshake, CPU budgets with a wall-clock backstop, calls;
- ``watchdog``: resident memory and CPU seconds of the worker's process tree;
- ``failures``: every way a call fails, in words, and whose failure it is
  (the student's, scored; or the grader's, ``grader_error``, never scored);
- ``worker``, ``wire``, ``probekit``: copied into the sandbox; the student's side.
"""
