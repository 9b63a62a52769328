"""The command line, and grading many submissions: grade --jobs (parallel), batch and its executors, doctor."""
