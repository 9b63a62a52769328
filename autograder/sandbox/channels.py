"""The grader's ends of a worker's three pipes: requests, replies and audit events.

``worker.py`` holds the other ends. They are plain OS pipes, handed to the worker
when it starts, so nothing the student's code does to sockets, files or
``sys.stdout`` reaches them by accident.

Two ways to wait on a pipe, chosen once (``open_channels``):

- ``SelectChannels`` (Linux, macOS): non-blocking pipes and ``select``, as the
  kernel offers them;
- ``ThreadedChannels`` (the portable path: Windows, where ``select`` takes
  sockets only, or ``AUTOGRADER_PORTABLE=1``): one thread per pipe does blocking
  reads or writes, and the grader waits on their buffers. A worker that stops
  reading blocks a thread, never the grader.

And two ways to hand the worker its ends: by file descriptor (``pass_fds``,
POSIX), or on Windows by an inheritable handle (``STARTUPINFO``'s handle list),
which the worker turns back into a file descriptor (``worker._channel``).

Either way the grader calls the same five things: ``wait``, ``read``,
``write``, ``audit_now`` and ``close``; budgets and deadlines are the client's.
"""
from __future__ import annotations

import os
import queue
import select
import subprocess
import threading

WINDOWS = os.name == "nt"
CHUNK = 1 << 20
PIPE_BUFFER = 1 << 16   # what one non-blocking write or read of a pipe moves at most (Linux's pipe size)


class Channels:
    """Three pipes: the grader writes requests, reads replies and audit lines."""

    def __init__(self):
        (self._req_r, self.req), (self.rep, self._rep_w), (self.audit, self._audit_w) = \
            os.pipe(), os.pipe(), os.pipe()
        self._child_ends = (self._req_r, self._rep_w, self._audit_w)

    # -- handing the worker its ends

    def child_args(self) -> list[str]:
        """The worker's REQUEST, REPLY and AUDIT arguments: fds, or ``h<handle>`` on Windows."""
        if not WINDOWS:
            return [str(fd) for fd in self._child_ends]
        import msvcrt
        handles = [msvcrt.get_osfhandle(fd) for fd in self._child_ends]
        for h in handles:
            os.set_handle_inheritable(h, True)  # inherited by this child only (the handle list below)
        self._handles = handles
        return [f"h{h}" for h in handles]

    def popen_kwargs(self) -> dict:
        """What ``subprocess.Popen`` needs so that the worker inherits its ends, and nothing else of ours."""
        if not WINDOWS:
            return {"pass_fds": self._child_ends}
        info = subprocess.STARTUPINFO()
        info.lpAttributeList = {"handle_list": list(self._handles)}
        return {"startupinfo": info, "close_fds": True}

    def started(self) -> None:
        """The worker has its ends (or never will): close the grader's copies of them."""
        for fd in self._child_ends:
            try:
                os.close(fd)
            except OSError:
                pass

    # -- talking (see the subclasses)

    def wait(self, for_write: bool, timeout: float) -> bool:
        raise NotImplementedError

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes of reply after ``wait`` said so; b"" when the worker closed its end."""
        raise NotImplementedError

    def write(self, data: memoryview) -> int:
        """Write some of ``data`` after ``wait`` said so; OSError when the worker is gone."""
        raise NotImplementedError

    def audit_now(self) -> bytes:
        """What the audit pipe holds now, without waiting."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class SelectChannels(Channels):
    def __init__(self):
        super().__init__()
        # Non-blocking: a worker that stops reading must not block the grader's write past a deadline.
        os.set_blocking(self.req, False)
        os.set_blocking(self.audit, False)

    def wait(self, for_write, timeout):
        fd = self.req if for_write else self.rep
        ready = select.select([] if for_write else [fd], [fd] if for_write else [], [], timeout)
        return bool(ready[0] or ready[1])

    def read(self, n):
        return os.read(self.rep, n)

    def write(self, data):
        try:
            return os.write(self.req, data[:PIPE_BUFFER])
        except BlockingIOError:
            return 0

    def audit_now(self):
        chunks = []
        while True:
            try:
                chunk = os.read(self.audit, PIPE_BUFFER)
            except (BlockingIOError, OSError):
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self):
        for fd in (self.req, self.rep, self.audit):
            try:
                os.close(fd)
            except OSError:
                pass


class _Reader:
    """A thread that reads one pipe to its end into a buffer (and then closes it)."""

    def __init__(self, fd: int, name: str):
        self.fd, self.buffer, self.ended = fd, bytearray(), False
        self.ready = threading.Condition()
        threading.Thread(target=self._run, name=name, daemon=True).start()

    def _run(self):
        try:
            while True:
                try:
                    chunk = os.read(self.fd, CHUNK)
                except OSError:
                    chunk = b""
                with self.ready:
                    if chunk:
                        self.buffer += chunk
                    else:
                        self.ended = True
                    self.ready.notify_all()
                if not chunk:
                    return
        finally:
            try:
                os.close(self.fd)  # here, not in close(): the fd number cannot be reused under a live read
            except OSError:
                pass

    def wait(self, timeout):
        with self.ready:
            return self.ready.wait_for(lambda: self.buffer or self.ended, timeout)

    def take(self, n=None):
        with self.ready:
            n = len(self.buffer) if n is None else n
            out = bytes(self.buffer[:n])
            del self.buffer[:n]
            return out


class ThreadedChannels(Channels):
    def __init__(self):
        super().__init__()
        self._replies = _Reader(self.rep, "sandbox-replies")
        self._audits = _Reader(self.audit, "sandbox-audit")
        self._pending: queue.Queue = queue.Queue()
        self._idle = threading.Event()
        self._idle.set()
        self._broken = False
        threading.Thread(target=self._write_loop, name="sandbox-requests", daemon=True).start()

    def _write_loop(self):
        try:
            while True:
                data = self._pending.get()
                if data is None:
                    return
                try:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(self.req, view):]
                except OSError:  # the worker is gone (broken pipe)
                    self._broken = True
                self._idle.set()
        finally:
            try:
                os.close(self.req)
            except OSError:
                pass

    def wait(self, for_write, timeout):
        if for_write:
            return self._idle.wait(timeout)
        return self._replies.wait(timeout)

    def read(self, n):
        return self._replies.take(n)  # b"" only once the pipe ended and its buffer is empty

    def write(self, data):
        if self._broken:
            raise BrokenPipeError("the worker closed its request pipe")
        self._idle.clear()
        self._pending.put(bytes(data))
        return len(data)

    def audit_now(self):
        return self._audits.take()

    def close(self):
        self._pending.put(None)  # the threads close their own pipes once the worker is gone


def open_channels(portable: bool) -> Channels:
    return ThreadedChannels() if portable or WINDOWS else SelectChannels()
