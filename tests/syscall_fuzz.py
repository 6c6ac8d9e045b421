"""A system-call fuzzer: each handler in the Kernel's table (less DENY) called
with generated arguments, the way Kernel.syscall() calls it (a7, a0-a5 set,
then syscall()). Allowed: a result (an errno too), the end of the process
(ProcessExit: a signal's default action) and LinuxError's deadlock (the
guest would wait for ever); any other exception escaping syscall(), or
Machine.close() after it, is a bug named with the call and its arguments.

Each example is one call on a Machine of its own (tests/guest/bin/asm_hello,
loaded but not run) whose working directory and sysroot are a fresh directory
with a few files, and whose descriptors 3-20 are opened first (a file, a
directory, a pipe, an eventfd, an epoll, sockets, a timerfd, a memfd, ...).
Pointer arguments point into a scratch area (random bytes, with what the
argument points at written there: a path, a timespec, iovecs, a socket
address, ...), at its last bytes (a struct running into unmapped memory), at
read-only, PROT_NONE or unmapped memory, or anywhere.

Safety (this runs as root): run as a script (tests/test_syscall_fuzz.py
starts it), it first moves into mount, network, IPC and UTS namespaces of its
own, makes every mount read-only, nodev and nosuid there and puts a tmpfs on
its work directory, the only place it can write: no packet leaves the
namespace's loopback, the System V and POSIX IPC objects are its own, and
they all go with the process. On top of that, a path a handler reads must be
in the example's directory (no "..", an absolute one only there or in the
sysroot), an AF_UNIX address too, and the calls that reach beyond the process
(signals to others, credentials, the host's clock, reboot, ...) are never
made (DENY). Where the namespaces cannot be had (not root), the calls that
need them are denied as well (DENY_UNSHARED). Waits end: the Kernel's
stop_requested() says yes 20 ms into a call (a blocking call ends "for now",
as for Machine.stop()), and SIGALRM after HANG_S seconds ends a call that does
not look (a failure: Machine.stop() could not end it either).

Usage: python tests/syscall_fuzz.py [--examples N] [--seed S] [NAME ...]
(one JSON line on stdout per failure, per syscall done, and at the end;
VM_FUZZ_HANG_S=3 shrinks a long run's hangs sooner). The test runs it
derandomized, a few examples per syscall; a run to find bugs takes a seed
and thousands.
"""
from __future__ import annotations

import argparse
import ctypes
import errno as E
import gc
import json
import os
import random
import resource
import shutil
import signal
import struct
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
#: (environment) the directory the vm_engine to fuzz is imported from, which
#: run_in_subprocess sets for its children: its own process's
ENGINE_ROOT = "VM_ENGINE_FUZZ_ROOT"
if __name__ == "__main__":
    # the vm_engine of the process that runs the fuzzer (run_in_subprocess's), else
    # of this tree where it is built in place; not one installed from another tree
    # (as a script, tests/ comes first on sys.path, not the tree)
    import importlib.machinery
    _root = os.environ.get(ENGINE_ROOT) or os.path.dirname(HERE)
    if os.environ.get(ENGINE_ROOT) or any(
            os.path.exists(os.path.join(_root, "vm_engine", "_core" + suffix))
            for suffix in importlib.machinery.EXTENSION_SUFFIXES):
        sys.path.insert(0, _root)
GUEST = os.path.join(HERE, "guest", "bin", "asm_hello")
MASK64 = (1 << 64) - 1

# -- what is never called ------------------------------------------------------------------
DENY = {
    # other processes (signals, ptrace-likes), and this one's end or replacement
    "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal",
    "pidfd_open", "pidfd_getfd", "exit", "exit_group", "execve", "execveat", "clone", "clone3",
    "wait4", "waitid", "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
    "process_madvise", "process_mrelease",
    # the machine: reboot, mounts, modules, swap, clocks, names, logs, accounting
    "reboot", "mount", "umount2", "pivot_root", "chroot", "swapon", "swapoff", "init_module",
    "finit_module", "delete_module", "kexec_load", "kexec_file_load", "acct", "settimeofday",
    "clock_settime", "clock_adjtime", "adjtimex", "sethostname", "setdomainname", "syslog",
    "quotactl", "quotactl_fd", "bpf", "perf_event_open", "userfaultfd", "io_uring_setup",
    "io_uring_enter", "io_uring_register", "seccomp", "landlock_create_ruleset",
    "landlock_add_rule", "landlock_restrict_self", "memfd_secret", "move_mount", "fsopen",
    "fsconfig", "fsmount", "fspick", "open_tree", "mount_setattr", "fanotify_init",
    "fanotify_mark", "sync", "syncfs", "setns", "unshare", "vhangup", "nfsservctl",
    # files removed or renamed, nodes made (paths are checked too; these are never made)
    "unlinkat", "renameat", "renameat2", "truncate", "mknodat", "mq_unlink",
    # the host process's credentials, groups, session, niceness, personality
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups",
    "setfsuid", "setfsgid", "capset", "setpriority", "setpgid", "setsid", "prctl",
    "personality",
    # any request to any device
    "ioctl",
}
#: denied too where the namespaces could not be made: the network (connect,
#: sendto: a real address), System V and POSIX IPC (objects shared machine-wide)
DENY_UNSHARED = {
    "socket", "socketpair", "bind", "connect", "listen", "accept", "accept4", "sendto",
    "sendmsg", "sendmmsg", "setsockopt", "shutdown", "msgget", "msgctl", "msgsnd", "msgrcv",
    "semget", "semctl", "semop", "semtimedop", "shmget", "shmctl", "shmat", "shmdt", "mq_open",
    "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr", "inotify_add_watch",
}
#: calls whose pid argument (the first) names only this process here: 0, its pid
#: or tid, or a negative one (sched_* change only the guest's own records, but
#: another process is never named)
OWN_PID_FIRST = {"sched_setscheduler", "sched_setparam", "sched_setaffinity", "sched_setattr",
                 "prlimit64"}
#: calls whose strings are names, not paths
NAMES_NOT_PATHS = {"memfd_create", "mq_open", "getxattr", "lgetxattr", "fgetxattr",
                   "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr",
                   "fremovexattr"}

#: a call still running then is a failure (SIGALRM); VM_FUZZ_HANG_S: another time
HANG_S = float(os.environ.get("VM_FUZZ_HANG_S", 10.0))
STOP_AFTER = 0.02  # stop_requested() says yes this long into a call

# -- the guest's memory ---------------------------------------------------------------------
SCRATCH, SCRATCH_PAGES = 0x200000, 16
SCRATCH_END = SCRATCH + SCRATCH_PAGES * 0x1000      # unmapped after it
NEST = SCRATCH + 8 * 0x1000    # pages 8-14: what pointers inside structs point at
RO_PAGE, NONE_PAGE = 0x220000, 0x230000
CODE = 0x10000                  # asm_hello's text (r-x)
BAD_POINTERS = [1, 0xFFF, 0x1000, 0x7000000, SCRATCH_END, SCRATCH_END + 0x800, (1 << 36) - 8,
                1 << 36, 1 << 47, (1 << 63) - 8, 1 << 63, 0xFFFFFFFFFFFFF000, MASK64 - 7,
                MASK64, RO_PAGE, NONE_PAGE, CODE]
#: in the nest: a path, a socket address, strings, buffers, iovecs
NEST_PATH, NEST_SOCKADDR, NEST_IOV, NEST_BUF = NEST, NEST + 0x100, NEST + 0x200, NEST + 0x1000

AT_FDCWD = -100 & MASK64
#: the descriptors the setup opens, in order (see _setup)
FD_NAMES = ["file", "dir", "pipe_r", "pipe_w", "eventfd", "epoll", "sock_a", "sock_b",
            "timerfd", "memfd", "udp", "signalfd", "inotify", "ro_file", "o_path",
            "listener", "tcp6", "mqueue"]
#: the ids the setup makes ("var" arguments): a POSIX timer's; where sandboxed, a
#: System V shared memory segment's (attached at "shmaddr"), message queue's
#: (a message in it) and semaphore set's
VARS = ["timer", "shmid", "shmaddr", "msqid", "semid"]
FDS = list(range(3, 3 + len(FD_NAMES)))


def fd(name: str) -> int:
    return FDS[FD_NAMES.index(name)]


#: values worth trying for some arguments (by index; a name: a "var"), drawn as
#: often as the argument's general ones
_MAPPED = [SCRATCH, SCRATCH + 0x1000, SCRATCH + 0xF000, RO_PAGE, NONE_PAGE, CODE, 0x300000]
_PAGES = [0, 1, 0x1000, 0x1001, 0x2000, 0x10000, 0x11000]
_SIGSETSIZE = [8]
HINTS = {
    "rt_sigaction": {0: [1, 2, 9, 10, 11, 17, 19, 32, 33, 64, 65], 3: _SIGSETSIZE},
    "rt_sigprocmask": {0: [0, 1, 2, 3], 3: _SIGSETSIZE}, "rt_sigpending": {1: _SIGSETSIZE},
    "rt_sigsuspend": {1: _SIGSETSIZE}, "rt_sigtimedwait": {3: _SIGSETSIZE},
    "signalfd4": {0: [-1, fd("signalfd")], 2: _SIGSETSIZE},
    "epoll_pwait": {0: [fd("epoll")], 2: [1, 4, 16], 3: [0, 1, -1], 5: _SIGSETSIZE},
    "epoll_pwait2": {0: [fd("epoll")], 2: [1, 4], 5: _SIGSETSIZE},
    "epoll_ctl": {0: [fd("epoll")], 1: [1, 2, 3]},
    "ppoll": {1: [0, 1, 2, 4], 4: _SIGSETSIZE}, "pselect6": {0: [0, 1, 8, 20, 64, 1024, 1025]},
    "set_robust_list": {1: [24]}, "get_robust_list": {0: [0]},
    "shmdt": {0: ["shmaddr", SCRATCH]},
    "timer_settime": {0: ["timer"], 1: [0, 1]}, "timer_gettime": {0: ["timer"]},
    "timer_getoverrun": {0: ["timer"]}, "timer_delete": {0: ["timer"]},
    "timer_create": {0: [0, 1, 2, 3, 7, 8, 9, 11]},
    "clock_gettime": {0: list(range(12)) + [-2, -6, -14]},
    "clock_getres": {0: list(range(12)) + [-2, -6, -14]},
    "clock_nanosleep": {0: [0, 1, 2, 3, 7, -6], 1: [0, 1]},
    "mmap": {0: [0] + _MAPPED, 1: _PAGES, 4: [-1, fd("file"), fd("memfd"), fd("ro_file")],
             5: [0, 0x1000, 1, -0x1000]},
    "munmap": {0: _MAPPED, 1: _PAGES}, "mprotect": {0: _MAPPED, 1: _PAGES},
    "madvise": {0: _MAPPED, 1: _PAGES, 2: [0, 1, 2, 3, 4, 8, 9, 10, 11, 14, 100]},
    "msync": {0: _MAPPED, 1: _PAGES, 2: [0, 1, 2, 4, 6]}, "mincore": {0: _MAPPED, 1: _PAGES},
    "mlock": {0: _MAPPED, 1: _PAGES}, "mlock2": {0: _MAPPED, 1: _PAGES}, "munlock": {0: _MAPPED},
    "mremap": {0: _MAPPED, 1: _PAGES, 2: [0x1000, 0x3000, 0x20000], 3: [0, 1, 3, 5, 7],
               4: [0x400000, SCRATCH]},
    "brk": {0: [0, 0x12000, 0x13000, 0x100000, 0x300000]},
    "openat2": {3: [24, 32]}, "sched_setattr": {2: [0]}, "sched_getattr": {2: [48, 56], 3: [0]},
    "futex": {1: list(range(14)) + [128, 128 | 9, 256 | 9, 128 | 1]},
    "semop": {0: ["semid"], 2: [1, 2]}, "semtimedop": {0: ["semid"], 2: [1, 2]},
    "semctl": {0: ["semid"], 1: [0, 1, 2], 2: [0, 1, 2, 3, 11, 12, 13, 14, 15, 16, 17, 18, 19,
                                               20]},
    "shmctl": {0: ["shmid"], 1: [0, 1, 2, 3, 11, 12, 13, 14, 15]},
    "msgctl": {0: ["msqid"], 1: [0, 1, 2, 3, 11, 12, 13]},
    "msgsnd": {0: ["msqid"], 2: [0, 1, 7, 8192, 8193], 3: [0, 0x800]},
    "msgrcv": {0: ["msqid"], 2: [0, 7, 100], 3: [0, 1, 2, -1, -2],
               4: [0, 0x800, 0x1000, 0x2000, 0x4000, 0x4800]},
    "shmat": {0: ["shmid"], 1: [0, SCRATCH, 0x300000, 0x300001],
              2: [0, 0x1000, 0x2000, 0x4000, 0x8000]},
    "shmget": {0: [0, 1234], 1: [0, 1, 4096, 1 << 20], 2: [0o600, 0o1600, 0o3600]},
    "msgget": {0: [0, 1234], 1: [0o600, 0o1600, 0o3600]},
    "semget": {0: [0, 1234], 1: [0, 1, 3, 32000, 32001], 2: [0o600, 0o1600, 0o3600]},
    "mq_timedsend": {0: [fd("mqueue")], 2: [0, 7, 8192, 8193], 3: [0, 1, 32768]},
    "mq_timedreceive": {0: [fd("mqueue")], 2: [0, 8192, 8193]},
    "mq_getsetattr": {0: [fd("mqueue")]}, "mq_notify": {0: [fd("mqueue")]},
    "mq_open": {1: [0, 2, 0o100 | 2, 0o300 | 2, 0o4000], 2: [0o600]},
    "getrandom": {1: [0, 16, 256, 4096], 2: [0, 1, 2, 4, 7]},
    "membarrier": {0: [0, 1, 2, 4, 8, 16, 32, 64, 128, 256], 1: [0, 1]},
    "riscv_hwprobe": {1: [0, 1, 2, 8], 2: [0, 1], 3: [0]},
    "setitimer": {0: [0, 1, 2, 3]}, "getitimer": {0: [0, 1, 2, 3]},
    "socket": {0: [1, 2, 10, 16, 17], 1: [1, 2, 3, 5, 0x80001, 0x801], 2: [0, 6, 17]},
    "socketpair": {0: [1], 1: [1, 2, 5]},
    "setsockopt": {1: [0, 1, 6, 17, 41], 2: list(range(1, 50)), 4: [0, 4, 8, 16]},
    "getsockopt": {1: [0, 1, 6, 17, 41], 2: list(range(1, 50))},
    "sendto": {3: [0, 0x40, 0x4000, 0x2]}, "recvfrom": {3: [0, 0x40, 0x2, 0x20, 0x100]},
    "sendmsg": {2: [0, 0x40, 0x40000000]}, "recvmsg": {2: [0, 0x40, 0x40000000, 0x2]},
    "sendmmsg": {2: [0, 1, 2, 1024, 1025]}, "recvmmsg": {2: [0, 1, 2, 1024, 1025]},
    "accept4": {3: [0, 0o4000, 0o2000000]},
    "splice": {4: [0, 1, 4096], 5: [0, 1, 2, 4]}, "tee": {2: [0, 1, 4096], 3: [0, 2]},
    "vmsplice": {2: [0, 1, 2], 3: [0, 2]}, "copy_file_range": {4: [0, 1, 4096], 5: [0, 1]},
    "sendfile": {3: [0, 1, 4096, 1 << 31]},
    "readv": {2: [0, 1, 2, 1024, 1025]}, "writev": {2: [0, 1, 2, 1024, 1025]},
    "preadv": {2: [0, 1, 2, 1024, 1025], 3: [0, 1, -1]},
    "pwritev": {2: [0, 1, 2, 1024, 1025], 3: [0, 1, -1]},
    "preadv2": {2: [0, 1, 2], 3: [0, -1], 4: [0, -1], 5: [0, 1, 2, 4, 8, 16, 32]},
    "pwritev2": {2: [0, 1, 2], 3: [0, -1], 4: [0, -1], 5: [0, 1, 2, 4, 8, 16, 32]},
    "pread64": {3: [0, 1, -1, 4096, 1 << 62]}, "pwrite64": {3: [0, 1, -1, 4096, 1 << 62]},
    "lseek": {1: [0, 1, -1, 4096, 1 << 62], 2: [0, 1, 2, 3, 4, 5]},
    "fallocate": {1: [0, 1, 2, 3, 8, 16, 32], 2: [0, 1, 4096], 3: [0, 1, 4096, -1]},
    "fadvise64": {3: [0, 1, 2, 3, 4, 5, 6]}, "sync_file_range": {3: [0, 1, 2, 4, 7, 8]},
    "readahead": {1: [0, 4096], 2: [0, 4096]}, "flock": {1: [0, 1, 2, 3, 5, 6, 8]},
    "close_range": {0: [0, 3, 10, 100], 1: [3, 20, -1], 2: [0, 2, 4, 6]},
    "dup3": {1: [3, 20, 100], 2: [0, 0o2000000]}, "eventfd2": {1: [0, 1, 0o4000, 0o2000000]},
    "timerfd_settime": {0: [fd("timerfd")], 1: [0, 1, 2, 3]},
    "timerfd_gettime": {0: [fd("timerfd")]},
    "timerfd_create": {0: [0, 1, 7, 8, 9], 1: [0, 0o4000]},
    "inotify_add_watch": {0: [fd("inotify")], 2: [0xFFF, 1, 0x80000000, 0x1000000]},
    "inotify_rm_watch": {0: [fd("inotify")], 1: [1, 0, -1]},
    "getdents64": {0: [fd("dir")], 2: [0, 1, 24, 64, 4096]},
    "readlinkat": {3: [0, 1, 16, 4096]}, "getcwd": {1: [0, 1, 4, 4096]},
    "statx": {3: [0, 0x7FF, 0xFFF, 0x80000000]}, "getrusage": {0: [0, -1, 1, 2]},
    "getgroups": {0: [0, 1, 64, -1]}, "pipe2": {1: [0, 0o4000, 0o2000000, 0o40000]},
    "memfd_create": {1: [0, 1, 2, 4, 8, 16, 7]}, "rseq": {1: [32], 2: [0, 1], 3: [0x53053053]},
    "fcntl": {2: [0, 1, 3, 100, 1 << 20] + FDS}, "prlimit64": {0: [0]},
    "sched_getaffinity": {0: [0], 1: [8, 16, 128]}, "sched_setaffinity": {0: [0], 1: [8, 16]},
    "getpriority": {0: [0, 1, 2, 3]},
}

EDGES = sorted({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 16, 17, 24, 31, 32, 33, 48, 63, 64, 65,
                100, 127, 128, 255, 256, 511, 512, 1023, 1024, 1025, 4095, 4096, 4097, 8191,
                8192, 65535, 65536, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 1 << 32, (1 << 32) + 1,
                0x7FFFFFFFFFFFFFFF, 1 << 63, MASK64, MASK64 - 1, AT_FDCWD, 0x7FFFF000,
                1 << 36, 0xFFFFFFFF80000000})


def u64(x: int) -> int:
    return x & MASK64


# -- sandbox -------------------------------------------------------------------------------
CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNET = 0x20000, 0x4000000, 0x8000000, 0x40000000


class Unsafe(BaseException):
    """A handler was about to use a path (or socket address) outside the
    example's directory: the example is dropped (never made)."""


def _sandbox(workdir: str) -> bool:
    """Namespaces of its own (mount, network, IPC, UTS); every mount read-only,
    nodev, nosuid and private; a tmpfs at `workdir`. True if all that worked
    (checked: a file cannot be made next to `workdir`)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET) != 0:
        return False
    # mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, {RDONLY|NOSUID|NODEV, 0, MS_PRIVATE, 0})
    attr = ctypes.create_string_buffer(struct.pack("<QQQQ", 1 | 2 | 4, 0, 1 << 18, 0), 32)
    if libc.syscall(ctypes.c_long(442), ctypes.c_int(-100), b"/", ctypes.c_uint(0x8000),
                    attr, ctypes.c_size_t(32)) != 0:
        return False
    if libc.mount(b"none", os.fsencode(workdir), b"tmpfs", ctypes.c_ulong(2 | 4),
                  b"size=64m,mode=0700") != 0:
        return False
    try:   # (queues of the examples' namespaces count until those are gone)
        resource.setrlimit(resource.RLIMIT_MSGQUEUE, (resource.RLIM_INFINITY,) * 2)
    except (ValueError, OSError):
        pass
    probe = os.path.join(os.path.dirname(workdir), f"fuzz-probe-{os.getpid()}")
    try:
        os.close(os.open(probe, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as e:
        return e.errno == E.EROFS
    os.unlink(probe)
    return False


def _guard(kernel, exdir: str, sandboxed: bool, call: list, host_address) -> None:
    """Paths and AF_UNIX addresses a handler reads must stay in `exdir` (the
    sysroot's copy of an absolute path counts); Unsafe otherwise. `call[0]`
    is the call being made; `host_address` sockets.host_address, which this
    replaces (run_example puts it back)."""
    from vm_engine.linux import sockets
    root = os.fsencode(exdir)
    read_cstr = kernel.read_cstr

    def safe(p: bytes) -> bool:
        if b".." in p.split(b"/"):
            return False
        if not p.startswith(b"/"):
            return True
        if sandboxed and (p.startswith(b"/proc/self/") or p == b"/dev/null"):
            return True   # (read-only, nodev there)
        host = os.fsencode(kernel.host_path(p))   # (the sysroot's copy, if it has one)
        return host == root or host.startswith(root + b"/")

    def guarded_cstr(addr, limit=4096):
        s = read_cstr(addr, limit)
        if call[0] not in NAMES_NOT_PATHS and not safe(s):
            raise Unsafe(s)
        return s
    kernel.read_cstr = guarded_cstr

    def guarded_address(k, raw):
        out = host_address(k, raw)
        if len(out) > 2 and struct.unpack_from("<H", out)[0] == 1 and out[2] != 0:
            path = out[2:].split(b"\0", 1)[0]
            if b".." in path.split(b"/") or not path.startswith(root + b"/"):
                raise Unsafe(out)
        return out
    sockets.host_address = guarded_address


class Hang(BaseException):
    pass


def _alarm(signum, frame):
    raise Hang()


# -- one example -----------------------------------------------------------------------------
PATHS = [b"file", b"dir", b"link", b"ro", b"nonexistent", b"dir/sub", b"", b".", b"/",
         b"file/", b"dir/", b"newfile", b"newdir/x", b"x" * 300, b"dir/" * 1100, b"sock",
         b"/file", b"/dir", b"/nonexistent-abs", b"/proc/self/maps", b"/proc/self/status",
         b"/proc/self/exe", b"/proc/self/fd/3", b"/dev/null", b"fifo", b"a\x01b",
         b"@/file", b"@/newfile", b"@/dir/sub", b"@/dir/", b"@"]   # (@: the directory)


def _setup(m, exdir: str, sandboxed: bool) -> None:
    """Files in `exdir`, and the descriptors FD_NAMES opened by the Kernel's own
    handlers (their numbers checked)."""
    with open(os.path.join(exdir, "file"), "wb") as f:
        f.write(b"hello world\n" * 40)
    os.mkdir(os.path.join(exdir, "dir"))
    os.mkdir(os.path.join(exdir, "dir", "sub"))
    os.symlink("file", os.path.join(exdir, "link"))
    with open(os.path.join(exdir, "ro"), "wb") as f:
        f.write(b"read only\n")
    os.chmod(os.path.join(exdir, "ro"), 0o444)
    m.aspace.map(SCRATCH, SCRATCH_PAGES * 0x1000, 3, "scratch")
    m.aspace.map(RO_PAGE, 0x1000, 1, "ro")   # (PROT_READ)
    m.aspace.map(NONE_PAGE, 0x1000, 0, "none")
    m.mmu.mem_write(RO_PAGE, b"file\0")
    p = SCRATCH

    def s(text: bytes) -> int:
        nonlocal p
        m.mmu.mem_write(p, text + b"\0")
        at, p = p, p + ((len(text) + 16) & ~15)
        return at

    def call(name, *args):
        return _call(m, name, args)
    got = [call("openat", AT_FDCWD, s(b"file"), 2, 0), call("openat", AT_FDCWD, s(b"dir"),
                                                              0o200000, 0)]
    call("pipe2", SCRATCH + 0x800, 0)
    got += list(struct.unpack("<ii", m.mmu.mem_read(SCRATCH + 0x800, 8)))
    got.append(call("eventfd2", 1, 0))
    got.append(call("epoll_create1", 0))
    m.mmu.mem_write(SCRATCH + 0x810, struct.pack("<I4xQ", 1, 42))
    call("epoll_ctl", got[-1], 1, got[2], SCRATCH + 0x810)
    call("socketpair", 1, 1, 0, SCRATCH + 0x800)
    got += list(struct.unpack("<ii", m.mmu.mem_read(SCRATCH + 0x800, 8)))
    got.append(call("timerfd_create", 1, 0))
    got.append(call("memfd_create", s(b"mem"), 2))   # (MFD_ALLOW_SEALING)
    call("write", got[-1], s(b"memfd data"), 10)
    # (it cannot grow: copied into itself, as sendfile(fd, fd, ...) may, it would
    # to 2 GiB; the files in `exdir` stop at the tmpfs's size)
    assert call("fcntl", got[-1], 1033, 4) == 0   # F_ADD_SEALS, F_SEAL_GROW
    got.append(call("socket", 2, 2, 0) if sandboxed else call("eventfd2", 0, 0))
    m.mmu.mem_write(SCRATCH + 0x800, struct.pack("<Q", 1 << (10 - 1)))
    got.append(call("signalfd4", MASK64, SCRATCH + 0x800, 8, 0))
    got.append(call("inotify_init1", 0))
    got.append(call("openat", AT_FDCWD, s(b"ro"), 0, 0))
    got.append(call("openat", AT_FDCWD, s(b"file"), 0o10000000, 0))
    if sandboxed:
        got.append(call("socket", 1, 1, 0))
        addr = struct.pack("<H", 1) + os.fsencode(os.path.join(exdir, "sock")) + b"\0"
        m.mmu.mem_write(SCRATCH + 0x800, addr)
        call("bind", got[-1], SCRATCH + 0x800, len(addr))
        call("listen", got[-1], 4)
        got.append(call("socket", 10, 1, 0))
        m.mmu.mem_write(SCRATCH + 0x800, struct.pack("<qqqq", 0, 4, 64, 0))   # (mq_attr)
        got.append(call("mq_open", s(b"fuzzq"), 0o100 | 2, 0o600, SCRATCH + 0x800))
    else:
        got += [call("eventfd2", 0, 0), call("eventfd2", 0, 0), call("eventfd2", 0, 0)]
    assert got == FDS, got
    made = {}
    assert call("timer_create", 1, 0, SCRATCH + 0x800) == 0
    made["timer"] = struct.unpack("<i", m.mmu.mem_read(SCRATCH + 0x800, 4))[0]
    if sandboxed:
        made["shmid"] = call("shmget", 0, 0x2000, 0o600)
        made["shmaddr"] = call("shmat", made["shmid"], 0, 0)
        made["msqid"] = call("msgget", 0, 0o600)
        m.mmu.mem_write(SCRATCH + 0x800, struct.pack("<q", 1) + b"message")
        assert call("msgsnd", made["msqid"], SCRATCH + 0x800, 7, 0) == 0
        made["semid"] = call("semget", 0, 3, 0o600)
        assert min(made.values()) >= 0, made
    return made


def _call(m, name: str, args) -> int:
    from vm_engine.linux import syscalls as sc
    cpu = m.cpu
    cpu.reg_write("a7", sc.NR[name])
    for i, v in enumerate(list(args) + [0] * (6 - len(args))):
        cpu.reg_write(10 + i, u64(v))
    m.kernel.syscall()
    return sc.s64(cpu.reg_read("a0"))


def _fill(m, fill: int) -> None:
    """The scratch area's bytes: random (seeded), zeros or 0xff; the nest's
    path, socket address, iovecs."""
    kind, seed = fill % 4, fill >> 2
    n = SCRATCH_PAGES * 0x1000
    data = random.Random(seed).randbytes(n) if kind < 2 else bytes(n) if kind == 2 \
        else b"\xff" * n
    m.mmu.mem_write(SCRATCH, data)
    m.mmu.mem_write(NEST_PATH, b"file\0")
    m.mmu.mem_write(NEST_SOCKADDR, struct.pack("<HH4s8x", 2, 0x5000, bytes([127, 0, 0, 1])))
    m.mmu.mem_write(NEST_IOV, struct.pack("<QQQQ", NEST_BUF, 16, NEST_BUF + 0x100, 64))


def place(m, slot: int, arg, made: dict) -> int:
    """The register value of a drawn argument: ("int", v); ("var", name), what
    the setup made (`made`: ids); or ("ptr", where, offset, content) with
    `content` written where it points."""
    if arg[0] == "int":
        return arg[1]
    if arg[0] == "var":
        return made.get(arg[1], 0)
    if arg[0] != "ptr":
        raise ValueError(arg)
    _, where, off, content = arg
    if content.startswith(b"@"):   # (a path in the example's directory)
        content = made["@"] + content[1:]
    if where == "scratch":
        at = SCRATCH + slot * 0x1000 + off
    elif where == "end":   # (the content's tail runs into the unmapped page)
        at = SCRATCH_END - 1 - off % 64
    elif where == "ro":
        return RO_PAGE + off
    elif where == "none":
        return NONE_PAGE + off
    elif where == "code":
        return CODE + off
    else:   # the stack
        return m.cpu.reg_read("sp") - off
    m.mmu.mem_write(at, content[:SCRATCH_END - at])
    return at


def fmt(arg, value: int) -> str:
    if arg[0] in ("int", "var"):
        return hex(value)
    return f"{value:#x}->{arg[1]}+{arg[2]}:{arg[3][:48]!r}{'...' if len(arg[3]) > 48 else ''}"


class Failure(AssertionError):
    pass


#: outcomes of the calls made, per syscall: "ok" (>= 0), an errno's name, "again"
#: (no result: made again later), "exit", "deadlock", "rejected"
STATS: dict = {}


def _count(name: str, what: str) -> None:
    d = STATS.setdefault(name, {})
    d[what] = d.get(what, 0) + 1


def run_example(name: str, drawn, workroot: str, sandboxed: bool, progress_fd=None):
    """Makes call `name` with drawn (fill, sp, args); raises Failure for any
    outcome but the allowed ones, Unsafe if it would reach outside its
    directory (or another process); returns a0 (None: no result)."""
    from vm_engine.linux import LinuxError, Machine, sockets
    from vm_engine.linux import syscalls as sc
    fill, sp_arg, args = drawn
    exdir = tempfile.mkdtemp(dir=workroot)
    if sandboxed:   # (the System V and POSIX IPC objects of this example only)
        assert ctypes.CDLL(None).unshare(CLONE_NEWIPC) == 0
    m = None
    host_address = sockets.host_address
    alarm = signal.signal(signal.SIGALRM, _alarm)
    excepthook, threading.excepthook = threading.excepthook, _thread_raised
    failure = None   # (raised once the machine is gone: a traceback would keep it)
    _thread_errors.clear()
    try:
        m = Machine.load_elf(GUEST, argv=["prog"], env={}, executor="interpreter",
                             stdin=b"some input\n", stdout=bytearray(), stderr=bytearray(),
                             cwd=exdir, sysroot=exdir)
        current = [None]
        _guard(m.kernel, exdir, sandboxed, current, host_address)
        try:
            made = _setup(m, exdir, sandboxed)
            made["@"] = os.fsencode(exdir)
        except BaseException as e:
            failure = f"the setup for {name} failed: {_described(e)}"
            return None
        _fill(m, fill)
        values = [place(m, i, a, made) for i, a in enumerate(args)]
        if sp_arg is not None:
            m.cpu.reg_write("sp", place(m, 7, sp_arg, made))
        if name in OWN_PID_FIRST:
            pid = sc.s32(values[0])
            if pid > 0 and pid not in m.kernel.threads.all:
                raise Unsafe(pid)
        shown = f"{name}({', '.join(fmt(a, v) for a, v in zip(args, values))})" + \
            (f" sp={fmt(sp_arg, m.cpu.reg_read('sp'))}" if sp_arg is not None else "")
        if progress_fd is not None:
            os.pwrite(progress_fd, (shown + "\n").encode().ljust(4096, b" "), 0)
        current[0] = name
        stop_at = time.monotonic() + STOP_AFTER
        m.kernel.stop_requested = lambda: time.monotonic() > stop_at
        m.cpu.pc = CODE + 8
        signal.setitimer(signal.ITIMER_REAL, HANG_S)
        outcome, result = "ok", None
        try:
            try:
                result = _call(m, name, values)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except Unsafe:
            _count(name, "rejected")
            raise
        except sc.ProcessExit as e:
            outcome = f"exit {e.status}"
        except LinuxError as e:
            outcome = "deadlock"
            if "deadlock" not in str(e):
                failure = f"{shown}: {_described(e)}"
        except Hang:
            failure = f"{shown}: still running after {HANG_S} s though the run was asked to stop"
        except BaseException as e:
            failure = f"{shown}: {_described(e)}"
        if not failure and _thread_errors:   # (a thread the call started, that raised)
            failure = f"{shown}: in a thread: {_thread_errors[0]}"
        if failure:
            return None
        if outcome != "ok":
            _count(name, outcome.split()[0])
        elif m.cpu.pc != CODE + 8:
            _count(name, "again")
        else:
            _count(name, "ok" if result >= 0 or result < -4095 else E.errorcode.get(-result, "?"))
        current[0] = "close"
        try:
            m.close()
            m = None
        except BaseException as e:
            failure = f"Machine.close() after {shown} ({outcome}): {_described(e)}"
        if not failure and _thread_errors:
            failure = f"{shown}: in a thread: {_thread_errors[0]}"
        return result
    finally:
        _thread_errors.clear()
        if m is not None:
            _force_close(m)
        m = None
        sockets.host_address = host_address
        signal.signal(signal.SIGALRM, alarm)
        threading.excepthook = excepthook
        shutil.rmtree(exdir, ignore_errors=True)
        _made[0] += 1
        if _made[0] % 16 == 0 or failure:   # (a Machine is in cycles; close() gave its memory back)
            gc.collect()
        if failure:
            raise Failure(failure)


#: what threads raised (threading.excepthook, while a call is made: run_example)
_thread_errors: list = []


def _thread_raised(args) -> None:
    _thread_errors.append(f"{args.thread.name if args.thread else '?'}: "
                          f"{_described(args.exc_value)}")


def _described(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}\n{''.join(traceback.format_exception(e)[-8:])}"


def _force_close(m) -> None:
    """What Machine.close() does, each part whatever the others raise (after a
    failure: the next examples need the descriptors, host attachments)."""
    k = m.kernel
    for f, _ in list(k.fds.values()):
        try:
            f.release()
        except BaseException:
            pass
    k.fds.clear()
    for step in (k.aspace.detach_all, k.itimers.clear, k._arm_itimers, m.mmu.release):
        try:
            step()
        except BaseException:
            pass


_made = [0]


# -- strategies ------------------------------------------------------------------------------
def strategies(sandboxed: bool):
    from hypothesis import strategies as st
    ints = st.one_of(
        st.sampled_from(EDGES), st.integers(0, 64), st.integers(-4096, -1).map(u64),
        st.integers(0, MASK64), st.integers(0, 63).map(lambda k: 1 << k),
        st.sampled_from(BAD_POINTERS), st.integers(0, 0xFFFFFFFF),
        st.integers(SCRATCH // 0x1000, SCRATCH_END // 0x1000).map(lambda p: p * 0x1000))
    fds = st.sampled_from(FDS + [0, 1, 2, u64(-1), 1023, 1024, 65535, AT_FDCWD, 99])
    small = st.integers(-2, 70).map(u64)
    q = lambda vals: b"".join(struct.pack("<Q", u64(v)) for v in vals)   # noqa: E731
    i32 = lambda vals: b"".join(struct.pack("<I", v & 0xFFFFFFFF) for v in vals)   # noqa: E731
    word = st.one_of(st.sampled_from(EDGES), st.integers(0, 100), st.sampled_from(FDS),
                     st.integers(-5, -1), st.sampled_from([NEST_BUF, NEST_PATH, NEST_IOV]))
    sec = st.sampled_from([0, 0, 1, -1, 5, 1 << 40, 0x7FFFFFFFFFFFFFFF, 1 << 63])
    nsec = st.sampled_from([0, 1, 1000, 999_999_999, 1_000_000_000, -1, 1 << 62])
    timespec = st.builds(lambda a, b, c, d: q([a, b, c, d]), sec, nsec, sec, nsec)
    paths = st.sampled_from([p for p in PATHS if sandboxed or not p.startswith((b"/proc",
                                                                                   b"/dev"))])
    iov = st.lists(st.tuples(st.sampled_from([NEST_BUF, NEST_BUF + 0x800, SCRATCH_END - 8, 0,
                                              RO_PAGE, 0x7000000]),
                             st.sampled_from([0, 1, 8, 64, 0x1000, 0x8000, 1 << 31, MASK64])),
                   max_size=5).map(lambda v: q([x for pair in v for x in pair]))
    sockaddr = st.one_of(
        paths.map(lambda p: struct.pack("<H", 1) + p + b"\0"),
        st.binary(max_size=20).map(lambda p: struct.pack("<H", 1) + b"\0" + p),
        st.tuples(st.sampled_from([0, 80, 0x5000]), st.sampled_from([b"\x7f\0\0\1", bytes(4)]))
        .map(lambda t: struct.pack("<HH4s8x", 2, t[0], t[1])),
        st.just(struct.pack("<HHI16sI", 10, 0x5000, 0, bytes(15) + b"\1", 0)),
        st.just(struct.pack("<HHII", 16, 0, 0, 0)),
        st.tuples(st.integers(0, 50), st.binary(max_size=30))
        .map(lambda t: struct.pack("<H", t[0]) + t[1]))
    msghdr = st.builds(lambda name, nlen, n, ctl, clen, fl: q([name, nlen, NEST_IOV, n, ctl, clen,
                                                              fl]),
                       st.sampled_from([0, NEST_SOCKADDR, 0x7000000]),
                       st.sampled_from([0, 16, 110, 128, 129, MASK64]),
                       st.sampled_from([0, 1, 2, 1024, 1025, MASK64]),
                       st.sampled_from([0, NEST_BUF, 0x7000000]),
                       st.sampled_from([0, 16, 24, 64, 4096, MASK64]),
                       st.sampled_from([0, 0x40, MASK64]))
    pollfds = st.lists(st.tuples(st.sampled_from(FDS + [0, 1, -1, 999]),
                                 st.integers(0, 0xFFFF)), max_size=6) \
        .map(lambda v: b"".join(struct.pack("<ihh", fd, ev & 0x7FFF, 0) for fd, ev in v))
    content = st.one_of(
        st.binary(max_size=96), paths.map(lambda p: p + b"\0"), st.lists(word, max_size=10).map(q),
        st.lists(word, max_size=16).map(i32), timespec, iov, sockaddr, msghdr, pollfds,
        st.integers(0, MASK64).map(lambda v: struct.pack("<Q", v)),
        st.sampled_from([b"", b"\0" * 256, b"\xff" * 256]))
    ptr = st.one_of(
        st.tuples(st.just("ptr"), st.just("scratch"), st.sampled_from([0, 0, 0, 1, 3, 4, 8, 12]),
                  content),
        st.tuples(st.just("ptr"), st.just("end"), st.integers(0, 63), content),
        st.tuples(st.just("ptr"), st.sampled_from(["ro", "none", "code", "stack"]),
                  st.sampled_from([0, 1, 8, 0xFF8, 0x100]), st.just(b"")))
    path_ptr = st.tuples(st.just("ptr"), st.sampled_from(["scratch", "scratch", "end"]),
                         st.just(0), paths.map(lambda p: p + b"\0"))
    as_int = lambda s: s.map(lambda v: ("int", v))   # noqa: E731

    def weighted(*choices):   # (weight, strategy) pairs
        return st.sampled_from([s for w, s in choices for _ in range(w)]).flatmap(lambda s: s)
    generic = weighted((2, as_int(ints)), (1, ptr))
    common = as_int(st.sampled_from([0, 1, 2, 3, 4, 8, 8, 8, 16, 24, 32, 48, 64, 128, 256,
                                     4096]))
    ids = st.sampled_from(VARS if sandboxed else ["timer"]).map(lambda v: ("var", v))
    flags = {   # letter -> plausible values
        "O": st.sampled_from([0, 1, 2, 0o100 | 2, 0o100 | 0o200 | 2, 0o1000 | 2, 0o200000,
                              0o10000000, 0o20200000 | 2, 0o4000, 0o2000000, 0o400000]),
        "P": st.integers(0, 15), "S": st.integers(0, 70),
        "M": st.sampled_from([0x22, 0x32, 0x21, 0x02, 0x01, 0x03, 0x100022, 0x8022, 0x122,
                              0x20022]),
        "A": st.sampled_from([0, 0x100, 0x200, 0x400, 0x800, 0x1000, 0x1100, 0x6000]),
        "R": st.integers(0, 17),
        "C": st.sampled_from(list(range(12)) + [36, 37, 38, 1024, 1025, 1026, 1030, 1031, 1032,
                                                 1033, 1034]),
        "o": st.integers(0, 0o7777), "m": st.integers(0, 0o7777),
        "I": st.sampled_from([0x5401, 0x5413, 0x541B, 0x5421]),
    }
    hint = lambda v: ("var", v) if isinstance(v, str) else ("int", u64(v))   # noqa: E731
    by_letter = {}

    def arg(name: str, i: int, letter: str):
        values = HINTS.get(name, {}).get(i)
        base = by_letter[letter]
        return base if not values else \
            weighted((1, st.sampled_from([hint(v) for v in values])), (1, base))
    for letter in "dluxpfsbBoOPMSARICm":
        if letter == "f":
            s = weighted((7, as_int(fds)), (3, generic))
        elif letter == "s":
            s = weighted((3, path_ptr), (1, generic))
        elif letter in "pbB":
            s = weighted((7, ptr), (3, as_int(ints)), (1, ids))
        elif letter in flags:
            s = weighted((3, as_int(flags[letter])), (2, generic))
        elif letter == "d":
            s = weighted((2, as_int(small)), (3, common), (2, ids), (1, as_int(fds)),
                         (3, generic))
        else:
            s = weighted((2, as_int(small)), (3, common), (1, ids), (3, generic))
        by_letter[letter] = s
    sp = weighted((3, st.just(None)), (1, ptr))
    return arg, sp


def fuzz(names, examples: int, seed, workroot: str, sandboxed: bool, progress_fd=None,
         out=sys.stdout):
    from hypothesis import HealthCheck, given, reject, settings, strategies as st
    from hypothesis import seed as hseed
    from vm_engine.linux.machine import Machine
    m = Machine.load_elf(GUEST, env={}, executor="interpreter", stdin=b"",
                         stdout=bytearray(), stderr=bytearray())
    table = {v[0]: v for v in m.kernel._table.values()}
    m.close()
    arg, sp = strategies(sandboxed)
    failures = 0
    for name in names:
        _, _, nargs, spec, _ = table[name]
        spec = (spec + "x" * 6)[:nargs]
        drawn = st.tuples(st.integers(0, (1 << 34) - 1), sp,
                          st.tuples(*[arg(name, i, c) for i, c in enumerate(spec)]))

        @settings(max_examples=examples, deadline=None, database=None, derandomize=seed is None,
                  suppress_health_check=list(HealthCheck), print_blob=False)
        @given(drawn)
        def test(d):
            try:
                run_example(name, d, workroot, sandboxed, progress_fd)
            except Unsafe:
                reject()
        if seed is not None:
            test = hseed(seed)(test)
        t0 = time.perf_counter()
        try:
            test()
        except BaseException as e:   # (a Failure, or several: an ExceptionGroup)
            if isinstance(e, KeyboardInterrupt):
                raise
            errors = e.exceptions if isinstance(e, BaseExceptionGroup) else [e]
            for err in errors:
                notes = "\n".join(getattr(err, "__notes__", []))
                print(json.dumps({"fail": name, "error": f"{err}\n{notes}"}), file=out,
                      flush=True)
                failures += 1
        print(json.dumps({"done": name, "seconds": round(time.perf_counter() - t0, 3),
                          "outcomes": STATS.get(name, {})}), file=out, flush=True)
    return failures


def fuzzed_names(sandboxed: bool) -> list:
    """The syscalls with a handler, less those never made."""
    from vm_engine.linux import syscalls as sc
    names = [n for n in sc.SYSCALL_NAMES.values() if hasattr(sc.Kernel, "sys_" + n)]
    deny = DENY | (set() if sandboxed else DENY_UNSHARED)
    return [n for n in names if n not in deny]


def run_in_subprocess(names, examples: int, seed=None, timeout: float = 600.0, extra=(),
                      jobs: int = 1) -> tuple[list, dict]:
    """Runs the fuzzer on `names` (None: every one not denied) in child
    processes (this file as a script), `jobs` at a time, each on its share of
    the names: (failures, outcomes by syscall). A child that dies (a crash of
    the host process: a segfault) is a failure naming the call it was making;
    another child goes on after that syscall."""
    if names is None:
        names = fuzzed_names(sandboxed=True)   # (the child drops what it cannot make)
    if jobs > 1:
        results = [None] * jobs

        def one(k):
            results[k] = run_in_subprocess(names[k::jobs], examples, seed, timeout, extra)
        threads = [threading.Thread(target=one, args=(k,)) for k in range(jobs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return ([f for r in results for f in r[0]],
                {n: o for r in results for n, o in r[1].items()})
    import subprocess

    import vm_engine
    env = dict(os.environ, **{ENGINE_ROOT: os.path.dirname(os.path.dirname(vm_engine.__file__))})
    failures, outcomes = [], {}
    pending = list(names)
    while pending:
        work = tempfile.mkdtemp(prefix="vm-fuzz-")
        progress = tempfile.TemporaryFile()
        cmd = [sys.executable, os.path.abspath(__file__), "--examples", str(examples),
               "--workdir", work, "--progress-fd", str(progress.fileno()), *extra]
        if seed is not None:
            cmd += ["--seed", str(seed)]
        try:
            proc = subprocess.run(cmd + pending, stdin=subprocess.DEVNULL,
                                  capture_output=True, timeout=timeout,
                                  pass_fds=(progress.fileno(),), cwd=HERE, env=env)
            code, out, err = proc.returncode, proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as e:
            code, out, err = "timeout", e.stdout or b"", e.stderr or b""
        finally:
            shutil.rmtree(work, ignore_errors=True)
        done, ended, names_run = [], False, None
        for line in out.decode(errors="replace").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if "fail" in rec:
                failures.append(f"{rec['fail']}: {rec['error']}")
            elif "done" in rec:
                done.append(rec["done"])
                outcomes[rec["done"]] = rec["outcomes"]
            elif "end" in rec:
                ended = True
            elif "names" in rec:
                names_run = rec["names_list"]
        if ended:
            break
        if names_run is None:
            failures.append(f"the fuzzer did not start ({code}): {err.decode()[-3000:]}")
            break
        left = [n for n in names_run if n not in done]
        progress.seek(0)
        last = progress.read().decode(errors="replace").strip()
        progress.close()
        failures.append(f"{left[0] if left else '?'}: the fuzzing process ended "
                        f"({code}: a signal if negative) during {last}\n{err.decode()[-3000:]}")
        pending = left[1:]
    return failures, outcomes


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*")
    ap.add_argument("--examples", type=int, default=20)
    ap.add_argument("--seed", type=int, default=None, help="(default: derandomized)")
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--progress-fd", type=int, default=None)
    ap.add_argument("--no-sandbox", action="store_true",
                    help="(testing only: as where the namespaces cannot be made)")
    a = ap.parse_args(argv)
    import faulthandler
    faulthandler.enable()   # (a crash's Python stack on stderr)
    workroot = a.workdir or tempfile.mkdtemp(prefix="vm-fuzz-")
    sandboxed = not a.no_sandbox and _sandbox(workroot)
    os.chdir(workroot)
    names = a.names or fuzzed_names(sandboxed)
    deny = DENY | (set() if sandboxed else DENY_UNSHARED)
    names = [n for n in names if n not in deny]
    print(json.dumps({"sandboxed": sandboxed, "names": len(names), "names_list": names}),
          flush=True)
    failures = fuzz(names, a.examples, a.seed, workroot, sandboxed, a.progress_fd)
    print(json.dumps({"end": failures}), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
