"""Measure what a worker's process tree really uses: resident memory and CPU time.

Address space is not memory: a CUDA build of torch reserves tens of GB it never
touches, so a limit on address space (RLIMIT_AS) fails correct code on most
machines. The watchdog samples the resident set (RSS) of every process in the
worker's tree, forked children and sandbox helpers included, from a thread in
the grader, and kills the whole tree when the sum passes the limit. It works
wherever psutil does (Linux, macOS, Windows), as root or not.

The same samples give the tree's CPU time (user + system, children that were
waited for included), which is what the grader's budgets count: CPU seconds do
not grow when the machine is loaded, wall seconds do.

Sums of RSS count pages shared between a process and its forked children
twice; that errs on the side of stopping a fork bomb earlier, and correct
submissions do not fork.

Memory can also be held where no process's resident set shows it: files in the
worker's private /tmp and /dev/shm (tmpfs: their pages and, for each inode, the
kernel's own memory), memfds, SysV segments (those the seccomp filter refuses).
So the watchdog counts, besides RSS, what the kernel counts: where the worker has
a cgroup, its anonymous, shared-memory and kernel memory (``WorkerCgroup.memory_bytes``);
everywhere, the tree's open memfds and the bytes and inodes of its private tmpfs
folders, read from outside through /proc/<pid>/root and /proc/<pid>/fd.
"""
from __future__ import annotations

import os
import threading
import time

import psutil

SAMPLE_SECONDS = 0.02
# Listing a tree means reading every process on the machine (psutil scans /proc); the tree's
# members are re-listed this often, and their memory read every sample. A child started in
# between is counted from the next listing (its CPU time is not lost: it is cumulative), so
# the watchdog costs a grader ~1% of a core instead of ~10%, which matters when exercises
# are graded side by side (grade --jobs). Behind it, where the grader may, stand the cgroup's
# memory limit and RLIMIT_DATA.
TREE_SECONDS = 0.1
# The kernel memory of one tmpfs inode with its dentry (shmem_inode_info + dentry, about 1 KiB on
# x86-64): a million empty files hold about a GB that no RSS shows.
INODE_BYTES = 1024
PRIVATE_TMPFS = ("tmp", "dev/shm")


class Watchdog:
    """Samples one process tree until it ends; ``over_memory`` says whether it was killed for memory."""

    def __init__(self, pid: int, memory_mb: int, kernel_count=None, kernel_cpu=None):
        self.root = psutil.Process(pid)
        self._kernel_count = kernel_count  # the cgroup's own count of the worker's memory (bytes), or None
        self._unseen = 0                   # memory in no RSS, as last read (at each listing)
        self._kernel_cpu = kernel_cpu      # the cgroup's CPU seconds, or None (no cgroup)
        self.limit = memory_mb << 20
        self.over_memory = False
        self.peak_rss = 0
        self._cpu = 0.0
        self._lock = threading.Lock()
        self._members: list[psutil.Process] = []
        self._listed = float("-inf")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"watchdog-{pid}", daemon=True)
        self._thread.start()

    def _tree(self, fresh: bool = False) -> list[psutil.Process]:
        now = time.monotonic()
        if fresh or now - self._listed >= TREE_SECONDS:
            try:
                self._members = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                self._members = []
            self._listed = now
            if not fresh:
                self._unseen = unseen_memory([p.pid for p in self._members], self.root.pid)
        return self._members

    def sample(self) -> None:
        # Each member counts its own time and that of the children it has waited for:
        # a child's time moves into its parent's children_* when it is reaped, so the
        # sum stays put. Kept monotonic in case a member is reaped outside the tree.
        rss, cpu = 0, 0.0
        for proc in self._tree():
            try:
                with proc.oneshot():
                    t = proc.cpu_times()
                    rss += proc.memory_info().rss
                    cpu += t.user + t.system + t.children_user + t.children_system
            except psutil.Error:
                continue  # it ended between listing and reading
        rss += self._unseen
        if self._kernel_cpu is not None:  # children that nobody waited for, too short-lived to be listed
            cpu = max(cpu, self._kernel_cpu() or 0.0)
        if self._kernel_count is not None:
            rss = max(rss, self._kernel_count() or 0)
        with self._lock:
            self._cpu = max(self._cpu, cpu)
            self.peak_rss = max(self.peak_rss, rss)
        if rss > self.limit and not self.over_memory:
            self.over_memory = True
            self.kill()

    def cpu_seconds(self) -> float:
        """CPU time of the tree so far (sampled now)."""
        self.sample()
        with self._lock:
            return self._cpu

    def kill(self) -> None:
        """SIGKILL every process of the tree, leaves first so none is re-parented away."""
        for proc in reversed(self._tree(fresh=True)):
            try:
                proc.kill()
            except psutil.Error:
                pass

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.root.is_running():
                return
            self.sample()
            time.sleep(SAMPLE_SECONDS)


def unseen_memory(pids: list[int], root_pid: int) -> int:
    """Bytes the tree holds outside any resident set: its open memfds, and the bytes and inodes of its
    private tmpfs folders (a mount namespace of its own: bubblewrap's /tmp and /dev/shm). Read from outside;
    what cannot be read (another user's process, a process that just ended) counts nothing."""
    total, seen_fds, own_root = 0, set(), os.stat("/")
    roots = {}
    for pid in pids:
        try:
            for entry in os.scandir(f"/proc/{pid}/fd"):
                try:
                    if os.readlink(entry.path).startswith("/memfd:"):
                        st = os.stat(entry.path)
                        if (st.st_dev, st.st_ino) not in seen_fds:
                            seen_fds.add((st.st_dev, st.st_ino))
                            total += st.st_blocks * 512
                except OSError:
                    continue
            root = os.stat(f"/proc/{pid}/root/")
            if (root.st_dev, root.st_ino) != (own_root.st_dev, own_root.st_ino):
                roots.setdefault((root.st_dev, root.st_ino), pid)
        except OSError:
            continue
    for pid in roots.values():  # one private root (the sandbox's) is counted once, whatever reads it
        for folder in PRIVATE_TMPFS:
            try:
                fs = os.statvfs(f"/proc/{pid}/root/{folder}")
            except OSError:
                continue
            total += (fs.f_blocks - fs.f_bfree) * fs.f_frsize + (fs.f_files - fs.f_ffree) * INODE_BYTES
    return total
