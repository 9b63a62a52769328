"""The worker's seccomp filter: an allow-list of the system calls a worker needs; the kernel refuses the rest.

Loaded by ``worker.py`` once torch and the probes are in and before the student's
module is imported (and before the audit hook, whose ctypes events this module's
own libseccomp calls would otherwise raise), on every thread of the worker (TSYNC).
A filter cannot be removed or loosened by the process it is on, nor by anything it
starts: it is the one rule of the worker that is enforced outside Python. Built with
libseccomp (through ``pyseccomp``), never as hand-written BPF; libseccomp checks the
architecture first, so a call through another ABI (i386's int 0x80, x32's numbers)
matches no rule of this one and is refused. Where libseccomp is missing (macOS,
Windows, a Linux without it) ``load`` returns a reason and ``isolation.describe``
says seccomp is off.

The list was measured, not guessed: ``scripts/syscall_census.py`` runs the solutions,
the zoo (``--zoo``), torch's DataLoader with worker processes, matplotlib and the
linear algebra of numpy and torch under strace, and prints every call a worker made
after its filter was on. ``tests/test_syscalls.py`` grades the solutions with the
filter made strict (an unlisted call kills the worker instead of failing), so a new
torch or Python that needs a new call fails the kit's own tests, never a student.

What a call gets, by what it means:

- **Allowed** (``ALLOWED``): what Python, torch, numpy, matplotlib and multiprocessing use.
- **Refused with an error** (the default, ``REFUSED_ERRNO``: ENOSYS, "not implemented",
  which glibc and Python take as "this kernel has no such call" and fall back from):
  everything not listed. The student's code gets an ``OSError`` that
  ``worker.describe_exception`` puts in words; the check fails, nobody is accused.
- **Answered** (``ANSWERED``): ``execve``/``execveat`` refused with ``EXEC_ERRNO`` (starting
  another program: a second Python would have none of the worker's guards); ``clone3``
  with ENOSYS (its flags are in memory a filter cannot read: glibc falls back to
  ``clone``, whose flags it can); ``shmget`` with ENOMEM (SysV shared memory is in no
  process's resident set); ``close``/``close_range`` of the grader's channels with EBADF
  (a forked child closing every descriptor does so innocently; the channel stays).
- **Killed** (SIGSYS, the whole worker: ``KILLED``): replacing a channel (``dup2``/``dup3``
  onto it), new namespaces (``clone`` with CLONE_NEW*), and the calls Docker's default
  profile denies that only getting out needs (ptrace, keyctl, bpf, io_uring, mount, ...).
  The grader sees the signal from outside and takes it as evidence
  (``failures.SECCOMP_EVIDENCE``).

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

EXEC_ERRNO = errno.ENOTSUP      # what execve never answers of itself: the worker's message keys on it
REFUSED_ERRNO = errno.ENOSYS    # what every call off the list gets (the worker's message keys on it too)

# Namespace flags of clone/unshare: a new namespace is a way around the sandbox's own.
_CLONE_NEW = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000, 0x00000080)

# What a worker may call, by what it is for. Conditional rules below narrow close, close_range,
# dup2, dup3, clone and rt_sigaction, which are not listed here.
ALLOWED = (
    # files and descriptors (the sandbox's own read-only tree and private /tmp)
    "read", "write", "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev", "preadv2", "pwritev2",
    "open", "openat", "creat", "stat", "fstat", "lstat", "newfstatat", "statx", "statfs", "fstatfs",
    "lseek", "access", "faccessat", "faccessat2", "getdents", "getdents64", "getcwd", "chdir", "fchdir",
    "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename", "renameat", "renameat2", "readlink",
    "readlinkat", "symlink", "symlinkat", "link", "linkat", "chmod", "fchmod", "fchmodat", "truncate",
    "ftruncate", "fallocate", "fsync", "fdatasync", "utimensat", "utimes", "futimesat", "umask", "dup",
    "fcntl", "flock", "ioctl", "pipe", "pipe2", "select", "pselect6", "poll", "ppoll", "epoll_create",
    "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2",
    "sendfile", "copy_file_range", "splice", "getxattr", "lgetxattr", "fgetxattr", "listxattr",
    "llistxattr", "flistxattr", "setxattr", "lsetxattr", "fsetxattr", "removexattr", "fremovexattr",
    "fadvise64", "readahead", "memfd_create",
    # memory (counted by the watchdog and the cgroup)
    "brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "msync", "mincore", "get_mempolicy", "set_mempolicy",
    "mbind",
    # processes and threads (in the worker's own tree: fork for multiprocessing and DataLoader workers)
    "fork", "vfork", "exit", "exit_group", "wait4", "waitid", "kill", "tgkill", "tkill", "getpid", "getppid",
    "gettid", "getuid", "geteuid", "getgid", "getegid", "getgroups", "getresuid", "getresgid", "getpgrp",
    "getpgid", "getsid", "setsid", "setpgid", "set_tid_address", "set_robust_list", "get_robust_list", "rseq",
    "futex", "futex_waitv", "sched_yield", "sched_getaffinity", "sched_setaffinity", "sched_getparam",
    "sched_getscheduler", "sched_get_priority_max", "sched_get_priority_min", "sched_getattr", "getcpu",
    "getpriority", "setpriority", "prctl", "arch_prctl", "membarrier", "prlimit64", "getrlimit", "setrlimit",
    "getrusage", "times", "uname", "sysinfo", "capget", "getrandom",
    # time and signals
    "nanosleep", "clock_nanosleep", "clock_gettime", "clock_getres", "gettimeofday", "time", "alarm",
    "setitimer", "getitimer", "timer_create", "timer_settime", "timer_gettime", "timer_getoverrun",
    "timer_delete", "timerfd_create", "timerfd_settime", "timerfd_gettime", "rt_sigprocmask", "rt_sigreturn",
    "rt_sigtimedwait", "rt_sigsuspend", "rt_sigpending", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "sigaltstack",
    "pause", "signalfd", "signalfd4", "restart_syscall",
    # sockets, in the sandbox's own network namespace (no interface but its own loopback): multiprocessing's
    # pipes and the descriptors torch's DataLoader passes between its worker processes
    "socket", "socketpair", "bind", "listen", "accept", "accept4", "connect", "getsockname", "getpeername",
    "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown", "setsockopt", "getsockopt",
)

# Refused with their own errno, quietly (see the module's docstring); execve's is EXEC_ERRNO.
ANSWERED = {"execve": EXEC_ERRNO, "execveat": EXEC_ERRNO, "clone3": errno.ENOSYS, "shmget": errno.ENOMEM}

# Denied in Docker's default profile and never needed by an exercise: made only to get out.
KILLED = ("ptrace", "process_vm_readv", "process_vm_writev", "keyctl", "add_key", "request_key",
          "userfaultfd", "bpf", "perf_event_open", "personality", "mount", "umount2", "pivot_root",
          "setns", "unshare", "io_uring_setup", "io_uring_enter", "io_uring_register",
          "open_by_handle_at", "kexec_load", "init_module", "finit_module", "delete_module",
          "swapon", "swapoff", "reboot", "acct", "quotactl", "syslog", "fsopen", "fsmount", "move_mount",
          "open_tree", "fspick", "mount_setattr")

_TSYNC = 4        # SCMP_FLTATR_CTL_TSYNC: the filter on every thread the worker has, not the loading one only


def adopt_orphans() -> None:
    """Make this process the reaper of its descendants' orphans (prctl PR_SET_CHILD_SUBREAPER), so a
    double-forked child stays in the worker's tree; where prctl is missing nothing changes."""
    import ctypes
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def load(channel_fds, strict: bool = False) -> str | None:
    """Put the filter on this process (and all it will start); None, or why seccomp is off here.

    ``channel_fds``: the grader's channels, three adjacent descriptors (``worker._adjacent``).
    ``strict``: a call off the list kills the worker instead of failing (the kit's own tests, so that a
    call the solutions need and the list lacks cannot pass unseen)."""
    adopt_orphans()
    try:
        import pyseccomp as sc
    except (ImportError, OSError) as exc:  # the binding, or libseccomp.so itself, is missing
        return f"libseccomp not available ({type(exc).__name__})"
    low, high = min(channel_fds), max(channel_fds)
    if high - low != len(channel_fds) - 1:
        return "the grader's channels are not adjacent descriptors"
    try:
        f = sc.SyscallFilter(sc.KILL_PROCESS if strict else sc.ERRNO(REFUSED_ERRNO))
        f.set_attr(_TSYNC, 1)
    except OSError as exc:
        return f"libseccomp refused ({exc})"
    kill, allow = sc.KILL_PROCESS, sc.ALLOW

    def rule(action, name, *args):
        try:
            f.add_rule(action, name, *args)
        except OSError:  # a call this kernel or architecture does not have: nothing to allow or refuse
            pass

    for name in ALLOWED:
        rule(allow, name)
    for name, code in ANSWERED.items():
        rule(sc.ERRNO(code), name)
    for name in KILLED:
        rule(kill, name)
    # The channels: any descriptor below or above them is the student's own.
    for name in ("close", "dup2", "dup3"):
        which = 0 if name == "close" else 1
        rule(allow, name, sc.Arg(which, sc.LT, low))
        rule(allow, name, sc.Arg(which, sc.GT, high))
        for fd in channel_fds:
            rule(sc.ERRNO(errno.EBADF) if name == "close" else kill, name, sc.Arg(which, sc.EQ, fd))
    rule(allow, "close_range", sc.Arg(1, sc.LT, low))
    rule(allow, "close_range", sc.Arg(0, sc.GT, high))
    rule(sc.ERRNO(errno.EBADF), "close_range", sc.Arg(0, sc.LE, high), sc.Arg(1, sc.GE, low))
    # Threads and forks; a new namespace kills.
    ns = 0
    for flag in _CLONE_NEW:
        ns |= flag
        rule(kill, "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    rule(allow, "clone", sc.Arg(0, sc.MASKED_EQ, ns, 0))
    # SIGCHLD keeps its default, so children wait as zombies for a parent to collect them (and their time).
    rule(allow, "rt_sigaction", sc.Arg(0, sc.NE, signal.SIGCHLD))
    rule(allow, "rt_sigaction", sc.Arg(0, sc.EQ, signal.SIGCHLD), sc.Arg(1, sc.EQ, 0))
    rule(sc.ERRNO(0), "rt_sigaction", sc.Arg(0, sc.EQ, signal.SIGCHLD), sc.Arg(1, sc.NE, 0))
    try:
        f.load()
    except OSError as exc:  # a kernel without seccomp filters, or a container that forbids adding one
        return f"the kernel refused the filter ({exc})"
    return None
