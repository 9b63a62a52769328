"""What a worker's audit channel reports, as the grader reads it: the evidence behind the from-scratch rule
and behind a ``flagged`` verdict.

The worker writes one line per event (see ``worker.py``): ``kernel`` when a switched-off
torch kernel was called, ``tamper <event>`` when its audit hook saw code search the
grader's memory or run torch's files again, ``import <package>`` for watched imports.
The grader reads them without blocking (a full channel would stall the worker), over
every worker one exercise starts, and keeps a bounded count whatever is written: the
student's code can write into the channel too, which can only cost it (a forged
``kernel`` is a kernel called; a forged ``tamper`` is a flag).
"""
from __future__ import annotations

import collections

MAX_KINDS = 50      # distinct events kept; more are dropped (the count of known ones still grows)
MAX_EVENT = 120     # characters of one event kept
MAX_PARTIAL = 200   # bytes of an unfinished line kept until its end arrives


class AuditLog:
    """Events counted from one exercise's audit channels (``events``: event -> times seen)."""

    def __init__(self):
        self.events: collections.Counter = collections.Counter()
        self._partial = b""

    def feed(self, chunk: bytes) -> None:
        """Count the whole lines in ``chunk`` (with what an earlier chunk left unfinished)."""
        if not chunk:
            return
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()[-MAX_PARTIAL:]
        for line in lines:
            self.add(line.decode("utf-8", "replace")[:MAX_EVENT])

    def add(self, event: str) -> None:
        """Count one event: also what the grader itself sees from outside (a seccomp kill, a closed channel)."""
        if event in self.events or len(self.events) < MAX_KINDS:
            self.events[event] += 1

    def new_worker(self) -> None:
        """A fresh worker: a line the last one left unfinished is not continued by the next."""
        self._partial = b""
