"""What a worker's audit channel reports, as the grader reads it: the evidence behind the from-scratch rule
and behind a ``flagged`` verdict.

The worker writes one fixed record per event (``wire.audit_record``; see ``worker.py``):
``kernel`` when a switched-off torch kernel was called, ``tamper <event>`` when its audit hook
saw code search the grader's memory, load native code or run torch's files again, ``import
<package>`` for watched imports. The grader reads them without blocking (a full channel would
stall the worker), over every worker one exercise starts, and keeps a bounded count whatever
is written.

The student's code can write into the channel too. A whole record of a known event can only
cost it (a forged ``kernel`` is a kernel called; a forged ``tamper`` is a flag). Anything else
is itself evidence, never skipped: bytes that are not a whole record (which would shift the
records after them, as a few bytes before each event once did to hide ``tamper`` lines), a
record of an event the worker never writes, or a record left unfinished when the worker ended.
A record is written by one ``write`` under PIPE_BUF bytes, which the kernel never splits, so
the worker's own records always arrive whole.
"""
from __future__ import annotations

import collections

from autograder.sandbox import wire

MAX_KINDS = 50      # distinct events kept, of tamper events and of the others each; past that OVERFLOW is counted
KNOWN = ("kernel",)                 # whole events the worker writes
KNOWN_PREFIXES = ("tamper ", "import ")  # and events with a detail after these words
BROKEN = "tamper wrote into the grader's audit channel (bytes that are not the worker's records)"
UNKNOWN = "tamper wrote into the grader's audit channel (a message the worker never sends)"
UNFINISHED = "tamper wrote into the grader's audit channel (a record left unfinished)"
# Past MAX_KINDS distinct events one more is kept, whatever comes: forged harmless events cannot crowd out a flag.
OVERFLOW = "tamper more distinct events on the audit channel than any worker writes"


class AuditLog:
    """Events counted from one exercise's audit channels (``events``: event -> times seen)."""

    def __init__(self):
        self.events: collections.Counter = collections.Counter()
        self._pending = b""
        self._broken = False   # this worker's channel lost its framing: nothing after is read as records

    def feed(self, chunk: bytes) -> None:
        """Count the whole records in ``chunk`` (with what an earlier chunk left unfinished)."""
        if not chunk or self._broken:
            return
        data = self._pending + chunk
        whole = len(data) - len(data) % wire.AUDIT_RECORD
        self._pending = data[whole:]
        for start in range(0, whole, wire.AUDIT_RECORD):
            event = wire.parse_audit_record(data[start:start + wire.AUDIT_RECORD])
            if event is None:
                self._break(BROKEN)
                return
            self.add(event if event in KNOWN or event.startswith(KNOWN_PREFIXES) else UNKNOWN)

    def _break(self, why: str) -> None:
        self.add(why)
        self._broken, self._pending = True, b""

    def add(self, event: str) -> None:
        """Count one event: also what the grader itself sees from outside (a seccomp kill, a closed channel)."""
        tamper = event.startswith("tamper ")
        kinds = sum(1 for e in self.events if e.startswith("tamper ") == tamper)
        if event in self.events or kinds < MAX_KINDS:  # a flag and a harmless event never take each other's room
            self.events[event] += 1
        else:
            self.events[OVERFLOW] += 1

    def worker_ended(self) -> None:
        """The worker is gone and its channel read to the end: a record left unfinished was not the worker's."""
        if self._pending:
            self._break(UNFINISHED)

    def new_worker(self) -> None:
        """A fresh worker, on a fresh channel: its records are read from their start."""
        self.worker_ended()
        self._pending, self._broken = b"", False
