"""The worker's seccomp filter: system calls the kernel refuses to student code, whatever it does.

Loaded by ``worker.py`` once torch and the probes are in and before the student's
module is imported (and before the audit hook, whose ctypes events this module's
own libseccomp calls would otherwise raise). A filter cannot be removed or loosened
by the process it is on, nor by anything it starts: it is the one rule of the worker
that is enforced outside Python. Built with libseccomp (through ``pyseccomp``), never
as hand-written BPF; where libseccomp is missing (macOS, Windows, a Linux without it)
``load`` returns a reason and ``isolation.describe`` says seccomp is off.

Three answers, by what a call means:

- **Refused with an error** (``EXEC_ERRNO`` for ``execve``/``execveat``): starting
  another program (a second Python would have none of the worker's guards). Code that
  tries gets an ``OSError`` that ``worker.describe_exception`` puts in words; the
  check fails, the student is not accused of anything.
- **Refused quietly** (``EBADF``): ``close``/``close_range`` of the grader's channels.
  A forked child (``subprocess`` closes every descriptor before it execs) does so
  innocently; in the worker the channel simply stays open.
- **Killed** (SIGSYS, the whole worker): replacing a channel (``dup2``/``dup3`` onto
  it) and the calls Docker's default profile denies and no exercise needs. Only
  tampering makes them, and the grader, which sees the signal from outside, takes the
  exit as evidence (``failures.SECCOMP_EVIDENCE``).

SysV shared memory (``shmget``) is refused with ENOMEM: it is memory in no process's
resident set, which the watchdog could not see.

Every child's CPU time reaches a process the watchdog reads, with or without a cgroup
(an ordinary user's grader has none): a child's time moves into its parent's
``children_*`` when the parent waits for it, and a zombie keeps its own until then. Two
ways around that are closed here. Ignoring SIGCHLD (or ``SA_NOCLDWAIT``) would have the
kernel reap children with their time lost: ``rt_sigaction`` on SIGCHLD answers success
and changes nothing (torch's DataLoader sets a SIGCHLD handler it can do without). An
orphan would be re-parented outside the tree: the worker is made a child subreaper, so
orphans become its own children.
"""
import errno
import signal

EXEC_ERRNO = errno.ENOTSUP  # what execve never answers of itself: the worker's message keys on it

# Namespace flags of clone/unshare: a new namespace is a way around the sandbox's own.
_CLONE_NEW = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000, 0x00000080)

# Denied in Docker's default profile and never needed by an exercise: made only to get out.
KILLED = ("ptrace", "process_vm_readv", "process_vm_writev", "keyctl", "add_key", "request_key",
          "userfaultfd", "bpf", "perf_event_open", "personality", "mount", "umount2", "pivot_root",
          "setns", "unshare", "io_uring_setup", "io_uring_enter", "io_uring_register",
          "open_by_handle_at", "kexec_load", "init_module", "finit_module", "delete_module",
          "swapon", "swapoff", "reboot", "acct", "quotactl", "syslog", "fsopen", "fsmount", "move_mount",
          "open_tree", "fspick", "mount_setattr")


def adopt_orphans() -> None:
    """Make this process the reaper of its descendants' orphans (prctl PR_SET_CHILD_SUBREAPER), so a
    double-forked child stays in the worker's tree; where prctl is missing nothing changes."""
    import ctypes
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def load(channel_fds) -> str | None:
    """Put the filter on this process (and all it will start); None, or why seccomp is off here."""
    adopt_orphans()
    try:
        import pyseccomp as sc
    except (ImportError, OSError) as exc:  # the binding, or libseccomp.so itself, is missing
        return f"libseccomp not available ({type(exc).__name__})"
    try:
        f = sc.SyscallFilter(sc.ALLOW)
    except OSError as exc:
        return f"libseccomp refused ({exc})"
    kill = sc.KILL_PROCESS

    def rule(action, name, *args):
        try:
            f.add_rule(action, name, *args)
        except OSError:  # a call this kernel or architecture does not have: nothing to refuse
            pass

    for name in ("execve", "execveat"):
        rule(sc.ERRNO(EXEC_ERRNO), name)
    for fd in channel_fds:
        for name in ("dup2", "dup3"):
            rule(kill, name, sc.Arg(1, sc.EQ, fd))
        rule(sc.ERRNO(errno.EBADF), "close", sc.Arg(0, sc.EQ, fd))
        rule(sc.ERRNO(errno.EBADF), "close_range", sc.Arg(0, sc.LE, fd), sc.Arg(1, sc.GE, fd))
    for name in KILLED:
        rule(kill, name)
    for flag in _CLONE_NEW:
        rule(kill, "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    # clone3 passes its flags in memory a filter cannot read: ENOSYS makes glibc fall back to
    # clone, whose flags it can (Docker's profile does the same).
    rule(sc.ERRNO(errno.ENOSYS), "clone3")
    rule(sc.ERRNO(errno.ENOMEM), "shmget")
    # SIGCHLD keeps its default, so children wait as zombies for a parent to collect them (and their time).
    rule(sc.ERRNO(0), "rt_sigaction", sc.Arg(0, sc.EQ, signal.SIGCHLD), sc.Arg(1, sc.NE, 0))
    try:
        f.load()
    except OSError as exc:  # a kernel without seccomp filters, or a container that forbids adding one
        return f"the kernel refused the filter ({exc})"
    return None
