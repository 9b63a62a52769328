"""The student's CPU seconds, over every worker one exercise starts.

A worker's own start (Python, torch, the probes) is the grader's time: what the
watchdog counts up to the worker's "ready" is its ``base``, and only what comes after
is the student's. A worker that ends adds what it used to ``prior``; the next one
starts from its own base. The watchdog's count only grows, so the student's share
never goes down either.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class CpuAccount:
    prior: float = 0.0   # student CPU of workers that ended
    base: float = 0.0    # this worker's CPU when it became ready (the grader's, not the student's)
    last: float = 0.0    # this worker's CPU as last read
    live: bool = False

    def ready(self, now: float) -> None:
        """A worker said ready, having used ``now`` CPU seconds of its own."""
        self.base = self.last = now
        self.live = True

    def seen(self, now: float) -> float:
        """The worker's tree has used ``now`` CPU seconds in all; returns them."""
        self.last = now
        return now

    def this_worker(self) -> float:
        """Student CPU seconds of the live worker so far."""
        return max(0.0, self.last - self.base) if self.live else 0.0

    def ended(self) -> None:
        """The live worker is gone: what it used is kept."""
        self.prior += self.this_worker()
        self.live = False

    @property
    def spent(self) -> float:
        return self.prior + self.this_worker()
