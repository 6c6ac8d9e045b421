"""Linux system calls for a riscv64 user-mode guest.

The numbers are the asm-generic table as riscv64 builds it (__ARCH_WANT_NEW_STAT,
__ARCH_WANT_SET_GET_RLIMIT, plus riscv_hwprobe 258 and riscv_flush_icache 259).
Handlers return what the kernel returns: a result, or -errno. Struct layouts
are riscv64's (LP64, asm-generic): struct stat is the 128-byte one.

Guest file descriptors map to host file descriptors (or to in-memory buffers,
for embedding) through a table: the guest's 0/1/2 can be the host's or bytes.
Paths go to the host file system; absolute paths that exist under the sysroot
are taken from there first (like qemu-riscv64 -L), so the dynamic loader finds
the riscv64 libraries.

Threads take turns on the one cpu (threads.py); fork forks the host process and
execve loads a new program into the same Machine. Signals sent to the process
(kill, tgkill, raise, abort, timers, a child's end) are delivered: default
actions end the program as a signal death, handlers run on a signal frame laid
out like the kernel's (siginfo + ucontext) and return through rt_sigreturn.
epoll, eventfd, timerfd and signalfd are in events.py, sockets in sockets.py,
System V message queues, semaphores and shared memory in sysv_ipc.py.
"""
from __future__ import annotations

import ctypes
import errno as E
import fcntl
import io
import os
import re
import resource
import select
import signal
import stat as S
import struct
import sys
import threading
import time
import weakref
from types import SimpleNamespace

from .. import _core
from ..errors import FaultKind, GuestMemoryError, VmError
from . import libc, sysv_ipc
from .memory import (PAGE_MASK, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, LiveShare, SharedFile,
                     ShmAttachment, page_down, page_up)
from .elf import (BINPRM_BUF, ElfError, in_sysroot, map_vdso, read_elf, script_interpreter,
                  vdso_image)
from .host_signals import HELD, PASSED, SI_KERNEL, SI_USER, HostSignals
from .threads import GuestThread, Threads, process_of

MASK64 = (1 << 64) - 1

#: syscall number -> name, riscv64
SYSCALL_NAMES = {
    0: "io_setup", 1: "io_destroy", 2: "io_submit", 3: "io_cancel", 4: "io_getevents",
    5: "setxattr", 6: "lsetxattr", 7: "fsetxattr", 8: "getxattr", 9: "lgetxattr",
    10: "fgetxattr", 11: "listxattr", 12: "llistxattr", 13: "flistxattr", 14: "removexattr",
    15: "lremovexattr", 16: "fremovexattr", 17: "getcwd", 18: "lookup_dcookie", 19: "eventfd2",
    20: "epoll_create1", 21: "epoll_ctl", 22: "epoll_pwait", 23: "dup", 24: "dup3",
    25: "fcntl", 26: "inotify_init1", 27: "inotify_add_watch", 28: "inotify_rm_watch",
    29: "ioctl", 30: "ioprio_set", 31: "ioprio_get", 32: "flock", 33: "mknodat", 34: "mkdirat",
    35: "unlinkat", 36: "symlinkat", 37: "linkat", 38: "renameat", 39: "umount2", 40: "mount",
    41: "pivot_root", 42: "nfsservctl", 43: "statfs", 44: "fstatfs", 45: "truncate",
    46: "ftruncate", 47: "fallocate", 48: "faccessat", 49: "chdir", 50: "fchdir", 51: "chroot",
    52: "fchmod", 53: "fchmodat", 54: "fchownat", 55: "fchown", 56: "openat", 57: "close",
    58: "vhangup", 59: "pipe2", 60: "quotactl", 61: "getdents64", 62: "lseek", 63: "read",
    64: "write", 65: "readv", 66: "writev", 67: "pread64", 68: "pwrite64", 69: "preadv",
    70: "pwritev", 71: "sendfile", 72: "pselect6", 73: "ppoll", 74: "signalfd4",
    75: "vmsplice", 76: "splice", 77: "tee", 78: "readlinkat", 79: "newfstatat", 80: "fstat",
    81: "sync", 82: "fsync", 83: "fdatasync", 84: "sync_file_range", 85: "timerfd_create",
    86: "timerfd_settime", 87: "timerfd_gettime", 88: "utimensat", 89: "acct", 90: "capget",
    91: "capset", 92: "personality", 93: "exit", 94: "exit_group", 95: "waitid",
    96: "set_tid_address", 97: "unshare", 98: "futex", 99: "set_robust_list",
    100: "get_robust_list", 101: "nanosleep", 102: "getitimer", 103: "setitimer",
    104: "kexec_load", 105: "init_module", 106: "delete_module", 107: "timer_create",
    108: "timer_gettime", 109: "timer_getoverrun", 110: "timer_settime", 111: "timer_delete",
    112: "clock_settime", 113: "clock_gettime", 114: "clock_getres", 115: "clock_nanosleep",
    116: "syslog", 117: "ptrace", 118: "sched_setparam", 119: "sched_setscheduler",
    120: "sched_getscheduler", 121: "sched_getparam", 122: "sched_setaffinity",
    123: "sched_getaffinity", 124: "sched_yield", 125: "sched_get_priority_max",
    126: "sched_get_priority_min", 127: "sched_rr_get_interval", 128: "restart_syscall",
    129: "kill", 130: "tkill", 131: "tgkill", 132: "sigaltstack", 133: "rt_sigsuspend",
    134: "rt_sigaction", 135: "rt_sigprocmask", 136: "rt_sigpending", 137: "rt_sigtimedwait",
    138: "rt_sigqueueinfo", 139: "rt_sigreturn", 140: "setpriority", 141: "getpriority",
    142: "reboot", 143: "setregid", 144: "setgid", 145: "setreuid", 146: "setuid",
    147: "setresuid", 148: "getresuid", 149: "setresgid", 150: "getresgid", 151: "setfsuid",
    152: "setfsgid", 153: "times", 154: "setpgid", 155: "getpgid", 156: "getsid",
    157: "setsid", 158: "getgroups", 159: "setgroups", 160: "uname", 161: "sethostname",
    162: "setdomainname", 163: "getrlimit", 164: "setrlimit", 165: "getrusage", 166: "umask",
    167: "prctl", 168: "getcpu", 169: "gettimeofday", 170: "settimeofday", 171: "adjtimex",
    172: "getpid", 173: "getppid", 174: "getuid", 175: "geteuid", 176: "getgid",
    177: "getegid", 178: "gettid", 179: "sysinfo", 180: "mq_open", 181: "mq_unlink",
    182: "mq_timedsend", 183: "mq_timedreceive", 184: "mq_notify", 185: "mq_getsetattr",
    186: "msgget", 187: "msgctl", 188: "msgrcv", 189: "msgsnd", 190: "semget", 191: "semctl",
    192: "semtimedop", 193: "semop", 194: "shmget", 195: "shmctl", 196: "shmat", 197: "shmdt",
    198: "socket", 199: "socketpair", 200: "bind", 201: "listen", 202: "accept",
    203: "connect", 204: "getsockname", 205: "getpeername", 206: "sendto", 207: "recvfrom",
    208: "setsockopt", 209: "getsockopt", 210: "shutdown", 211: "sendmsg", 212: "recvmsg",
    213: "readahead", 214: "brk", 215: "munmap", 216: "mremap", 217: "add_key",
    218: "request_key", 219: "keyctl", 220: "clone", 221: "execve", 222: "mmap",
    223: "fadvise64", 224: "swapon", 225: "swapoff", 226: "mprotect", 227: "msync",
    228: "mlock", 229: "munlock", 230: "mlockall", 231: "munlockall", 232: "mincore",
    233: "madvise", 234: "remap_file_pages", 235: "mbind", 236: "get_mempolicy",
    237: "set_mempolicy", 238: "migrate_pages", 239: "move_pages", 240: "rt_tgsigqueueinfo",
    241: "perf_event_open", 242: "accept4", 243: "recvmmsg", 258: "riscv_hwprobe",
    259: "riscv_flush_icache", 260: "wait4", 261: "prlimit64", 262: "fanotify_init",
    263: "fanotify_mark", 264: "name_to_handle_at", 265: "open_by_handle_at",
    266: "clock_adjtime", 267: "syncfs", 268: "setns", 269: "sendmmsg",
    270: "process_vm_readv", 271: "process_vm_writev", 272: "kcmp", 273: "finit_module",
    274: "sched_setattr", 275: "sched_getattr", 276: "renameat2", 277: "seccomp",
    278: "getrandom", 279: "memfd_create", 280: "bpf", 281: "execveat", 282: "userfaultfd",
    283: "membarrier", 284: "mlock2", 285: "copy_file_range", 286: "preadv2", 287: "pwritev2",
    288: "pkey_mprotect", 289: "pkey_alloc", 290: "pkey_free", 291: "statx",
    292: "io_pgetevents", 293: "rseq", 294: "kexec_file_load", 424: "pidfd_send_signal",
    425: "io_uring_setup", 426: "io_uring_enter", 427: "io_uring_register", 428: "open_tree",
    429: "move_mount", 430: "fsopen", 431: "fsconfig", 432: "fsmount", 433: "fspick",
    434: "pidfd_open", 435: "clone3", 436: "close_range", 437: "openat2", 438: "pidfd_getfd",
    439: "faccessat2", 440: "process_madvise", 441: "epoll_pwait2", 442: "mount_setattr",
    443: "quotactl_fd", 444: "landlock_create_ruleset", 445: "landlock_add_rule",
    446: "landlock_restrict_self", 447: "memfd_secret", 448: "process_mrelease",
    449: "futex_waitv", 450: "set_mempolicy_home_node", 451: "cachestat", 452: "fchmodat2",
    453: "map_shadow_stack", 454: "futex_wake", 455: "futex_wait", 456: "futex_requeue",
    457: "statmount", 458: "listmount", 459: "lsm_get_self_attr", 460: "lsm_set_self_attr",
    461: "lsm_list_modules", 462: "mseal",
}
NR = {name: nr for nr, name in SYSCALL_NAMES.items()}

# -- constants (asm-generic values, as riscv64 uses them) --------------------------------
AT_FDCWD = -100
AT_SYMLINK_NOFOLLOW, AT_REMOVEDIR, AT_EACCESS, AT_SYMLINK_FOLLOW = 0x100, 0x200, 0x200, 0x400
AT_NO_AUTOMOUNT, AT_EMPTY_PATH, AT_STATX_SYNC_TYPE = 0x800, 0x1000, 0x6000
AT_HANDLE_FID, MAX_HANDLE_SZ = 0x200, 128   # (name_to_handle_at's: a handle to tell files apart)

O_ACCMODE, O_RDONLY, O_WRONLY, O_RDWR = 3, 0, 1, 2
O_CREAT, O_EXCL, O_NOCTTY, O_TRUNC, O_APPEND, O_NONBLOCK = 0o100, 0o200, 0o400, 0o1000, 0o2000, 0o4000
O_DSYNC, O_ASYNC, O_DIRECT, O_LARGEFILE, O_DIRECTORY = 0o10000, 0o20000, 0o40000, 0o100000, 0o200000
O_NOFOLLOW, O_NOATIME, O_CLOEXEC, O_SYNC, O_PATH = 0o400000, 0o1000000, 0o2000000, 0o4010000, 0o10000000
O_TMPFILE = 0o20200000
_VALID_OPEN_FLAGS = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | \
    O_DSYNC | O_ASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | \
    O_CLOEXEC | O_PATH | O_TMPFILE | O_SYNC   # (Linux's VALID_OPEN_FLAGS)
_OPEN_FLAGS = [  # guest bit(s) -> host os.O_* name, most specific first
    (O_TMPFILE, "O_TMPFILE"), (O_SYNC, "O_SYNC"), (O_CREAT, "O_CREAT"), (O_EXCL, "O_EXCL"),
    (O_NOCTTY, "O_NOCTTY"), (O_TRUNC, "O_TRUNC"), (O_APPEND, "O_APPEND"),
    (O_NONBLOCK, "O_NONBLOCK"), (O_DSYNC, "O_DSYNC"), (O_ASYNC, "O_ASYNC"),
    (O_DIRECT, "O_DIRECT"), (O_DIRECTORY, "O_DIRECTORY"), (O_NOFOLLOW, "O_NOFOLLOW"),
    (O_NOATIME, "O_NOATIME"), (O_CLOEXEC, "O_CLOEXEC"), (O_PATH, "O_PATH"),
]
_OPEN_NAMES = [(v, n) for v, n in _OPEN_FLAGS] + [(O_LARGEFILE, "O_LARGEFILE")]
#: (guest bits, host bits) of _OPEN_FLAGS (0: the host has none)
_OPEN_BITS = [(bit, getattr(os, name, 0)) for bit, name in _OPEN_FLAGS]
#: /dev/null, zero, full, random and urandom: character devices whose reads and
#: writes never wait
_MEMORY_DEVICES = {os.makedev(1, minor) for minor in (3, 5, 7, 8, 9)}

PROT_GROWSDOWN, PROT_GROWSUP = 0x01000000, 0x02000000
MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE, MAP_TYPE = 1, 2, 3, 0xF
MAP_FIXED, MAP_ANONYMOUS, MAP_FIXED_NOREPLACE = 0x10, 0x20, 0x100000
MREMAP_MAYMOVE, MREMAP_FIXED, MREMAP_DONTUNMAP = 1, 2, 4
MADV_DONTNEED = 4

SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGKILL = range(1, 10)
SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM = 10, 11, 12, 13, 14, 15
SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGWINCH = 17, 18, 19, 20, 21, 22, 23, 28
SIGXFSZ, RLIMIT_FSIZE = 25, 1
FALLOC_FL_KEEP_SIZE = 1
# membarrier's commands (bits): query, global (the host's), private expedited
# (the guest's own) and its sync-core form, their registrations; not RSEQ's
MEMBARRIER_CMD_QUERY, MEMBARRIER_CMD_GLOBAL, MEMBARRIER_CMD_GLOBAL_EXPEDITED = 0, 1, 2
MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, MEMBARRIER_CMD_GET_REGISTRATIONS = 4, 512
#: the registrations: global expedited's, private expedited's, its sync-core form's
_MEMBARRIER_REGISTERS = frozenset((4, 16, 64))
#: a private expedited command -> the registration it needs
_MEMBARRIER_NEEDS = {8: 16, 32: 64}
_MEMBARRIER_CMDS = frozenset((1, 2, 512)) | _MEMBARRIER_REGISTERS | set(_MEMBARRIER_NEEDS)
MEMBARRIER_SUPPORTED = sum(_MEMBARRIER_CMDS)   # (QUERY's answer: one bit each)
HOST_NR_MEMBARRIER = 324   # (x86-64's number)
NSIG = 64
SIGRTMIN = 32   # (the kernel's first real-time signal: from it on, signals queue)
SIG_DFL, SIG_IGN = 0, 1
SA_SIGINFO, SA_ONSTACK, SA_RESTART, SA_NODEFER, SA_RESETHAND = 4, 0x08000000, 0x10000000, 0x40000000, 0x80000000
SS_ONSTACK, SS_DISABLE, SS_AUTODISARM = 1, 2, 1 << 31
MINSIGSTKSZ = 2048
#: capget/capset's header versions, and how many 32-bit words their data has
CAP_VERSION_3 = 0x20080522
CAP_VERSIONS = {0x19980330: 1, 0x20071026: 2, CAP_VERSION_3: 2}
CAP_LAST_CAP = 40
TIMER_SLACK_NS = 50_000   # (prctl's default timer slack)
SI_QUEUE, SI_TKILL = -1, -6   # (SI_USER, SI_KERNEL: host_signals.py)
#: si_code of the signals a guest fault raises
SEGV_MAPERR, SEGV_ACCERR, BUS_ADRALN, ILL_ILLOPC = 1, 2, 1, 1
UTIME_NOW, UTIME_OMIT = (1 << 30) - 1, (1 << 30) - 2
#: setitimer's timers (ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF) and their signals
ITIMER_SIGNALS = {0: 14, 1: 26, 2: 27}
SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD_ID = 0, 1, 4
SI_TIMER, TIMER_ABSTIME = -2, 1
#: the clocks timer_create takes (REALTIME, MONOTONIC, the CPU-time ones, BOOTTIME,
#: the _ALARM ones, TAI); a timer's deadline is kept on the monotonic clock (an
#: absolute time on its own clock is converted when it is set)
TIMER_CLOCKS = {0, 1, 2, 3, 7, 8, 9, 11}
_ALARM_CLOCK_OF = {8: 0, 9: 7}   # (REALTIME_ALARM, BOOTTIME_ALARM: the clock they read)
_DEFAULT_IGNORE = {SIGCHLD, SIGURG, SIGWINCH, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU}
_UNBLOCKABLE = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1))
SIGNAL_NAMES = {1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT",
                7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV",
                12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM", 16: "SIGSTKFLT",
                17: "SIGCHLD", 18: "SIGCONT", 19: "SIGSTOP", 20: "SIGTSTP", 21: "SIGTTIN",
                22: "SIGTTOU", 23: "SIGURG", 24: "SIGXCPU", 25: "SIGXFSZ", 26: "SIGVTALRM",
                27: "SIGPROF", 28: "SIGWINCH", 29: "SIGIO", 30: "SIGPWR", 31: "SIGSYS"}

IFREQ_SIZE = 40   # struct ifreq: a name, then a union of 24 bytes
SIOCGIFCONF = 0x8912

TCGETS, TCSETS, TCSETSW, TCSETSF = 0x5401, 0x5402, 0x5403, 0x5404
TIOCGPGRP, TIOCGWINSZ, TIOCSWINSZ, FIONREAD, FIONBIO = 0x540F, 0x5413, 0x5414, 0x541B, 0x5421
FIONCLEX, FIOCLEX, FIOASYNC = 0x5450, 0x5451, 0x5452
TERMIOS_SIZE = 36       # struct termios (kernel): 4 x u32, c_line, c_cc[19]
TIOCGPTPEER = 0x5441    # a pseudo-terminal master's slave, opened (an fd back)
FS_IOC_FIEMAP = 0xC020660B   # a file's extents: struct fiemap, then fm_extent_count of them
FIEMAP_SIZE, FIEMAP_EXTENT_SIZE, FIEMAP_MOST = 32, 56, 1 << 16
#: requests a host file (a terminal, a file system's file) serves as they are
#: (riscv64's numbers and structures are x86-64's: asm-generic's): request ->
#: (bytes of the argument read, bytes written back), the argument a pointer;
#: None: a value
_HOST_IOCTLS = {
    0x80086601: (0, 4), 0x40086602: (4, 0),   # FS_IOC_GETFLAGS, SETFLAGS (lsattr, chattr)
    0x80087601: (0, 4),     # FS_IOC_GETVERSION
    0x2: (0, 4),            # FIGETBSZ: the file system's block size
    0x80045430: (0, 4),     # TIOCGPTN: a pseudo-terminal's number (ptsname)
    0x40045431: (4, 0),     # TIOCSPTLCK: (un)lock its slave (unlockpt)
    0x80045432: (0, 4),     # TIOCGPKT
    0x80045439: (0, 4),     # TIOCGEXCL
    0x5405: (0, 18), 0x5406: (18, 0), 0x5407: (18, 0), 0x5408: (18, 0),   # TCGETA,
    #                       TCSETA, TCSETAW, TCSETAF: System V's struct termio
    0x5410: (4, 0),         # TIOCSPGRP (tcsetpgrp)
    0x5429: (0, 4),         # TIOCGSID (tcgetsid)
    0x5411: (0, 4),         # TIOCOUTQ
    0x5415: (0, 4),         # TIOCMGET: modem lines
    0x5416: (4, 0), 0x5417: (4, 0), 0x5418: (4, 0),   # TIOCMBIS, TIOCMBIC, TIOCMSET
    0x5424: (0, 4), 0x5423: (4, 0),   # TIOCGETD, TIOCSETD: the line discipline
    0x5420: (4, 0),         # TIOCPKT: packet mode
    0x5456: (0, TERMIOS_SIZE), 0x5457: (TERMIOS_SIZE, 0),   # TIOCGLCKTRMIOS, TIOCSLCKTRMIOS
    0x802C542A: (0, 44),    # TCGETS2 (struct termios2: any baud rate)
    0x402C542B: (44, 0), 0x402C542C: (44, 0), 0x402C542D: (44, 0),   # TCSETS2, W2, F2
    0x540E: None,           # TIOCSCTTY: the controlling terminal
    0x5422: None,           # TIOCNOTTY
    0x540C: None, 0x540D: None,   # TIOCEXCL, TIOCNXCL
    0x540B: None,           # TCFLSH (tcflush)
    0x540A: None,           # TCXONC (tcflow)
    0x5409: None, 0x5425: None,   # TCSBRK (tcdrain, tcsendbreak), TCSBRKP
    0x5427: None, 0x5428: None,   # TIOCSBRK, TIOCCBRK
    # a socket's questions about the host's network interfaces, each a struct
    # ifreq (if_nametoindex, if_indextoname, ifconfig): SIOCGIFNAME, FLAGS, ADDR,
    # DSTADDR, BRDADDR, NETMASK, METRIC, MTU, HWADDR, INDEX, TXQLEN
    **{req: (IFREQ_SIZE, IFREQ_SIZE) for req in (0x8910, 0x8913, 0x8915, 0x8917, 0x8919,
                                                 0x891B, 0x891D, 0x8921, 0x8927, 0x8933,
                                                 0x8942)},
}

F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_GETLK, F_SETLK, F_SETLKW = range(8)
F_SETOWN, F_GETOWN, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW = 8, 9, 36, 37, 38
LOCK_SH, LOCK_EX, LOCK_NB, LOCK_UN = 1, 2, 4, 8
FLOCK_SIZE = 32   # struct flock: l_type, l_whence (shorts), l_start, l_len, l_pid: as x86-64's
F_DUPFD_CLOEXEC, F_SETPIPE_SZ, F_GETPIPE_SZ = 1030, 1031, 1032
F_ADD_SEALS, F_GET_SEALS = 1033, 1034   # (a memfd's seals)
F_SETSIG, F_GETSIG, F_NOTIFY = 10, 11, 1026   # (dnotify's: which signal, what changes)
F_SETOWN_EX, F_GETOWN_EX = 15, 16   # (struct f_owner_ex: a thread, process or group)
FD_CLOEXEC = 1
F_UNLCK = 2

CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID = 0, 1, 2, 3
TIMER_ABSTIME = 1
FUTEX_WAIT, FUTEX_WAKE, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP = 0, 1, 3, 4, 5
FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET, FUTEX_CMD_MASK = 9, 10, 0x7F
FUTEX_LOCK_PI, FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI, FUTEX_LOCK_PI2 = 6, 7, 8, 13
FUTEX_PRIVATE_FLAG, FUTEX_CLOCK_REALTIME = 128, 256
TIMEX_SIZE = 208            # struct timex (riscv64's and x86-64's alike)
ADJ_OFFSET_SS_READ = 0xA001  # adjtime(NULL, &old)'s mode: a read
#: a priority-inheriting lock's waiter waits with this bitset: no FUTEX_WAKE wakes it,
#: only the owner's FUTEX_UNLOCK_PI, which makes it the owner (Kernel._pi_hand_over)
_PI_WAIT = 0
FUTEX_WAITERS, FUTEX_OWNER_DIED, FUTEX_TID_MASK = 0x80000000, 0x40000000, 0x3FFFFFFF
ROBUST_HEAD_SIZE = 24       # struct robust_list_head
ROBUST_LIST_LIMIT = 2048    # entries walked at most (a list made into a loop ends)
SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_IDLE, SCHED_DEADLINE = 0, 1, 2, 3, 5, 6
SCHED_RESET_ON_FORK = 0x40000000
SCHED_FLAG_RESET_ON_FORK = 1   # (sched_attr's flag: the same)
SCHED_ATTR_SIZE = 48   # (struct sched_attr's first version)
#: policy -> (lowest, highest) static priority, as Linux's
_SCHED_PRIORITIES = {SCHED_OTHER: (0, 0), SCHED_BATCH: (0, 0), SCHED_IDLE: (0, 0),
                     SCHED_FIFO: (1, 99), SCHED_RR: (1, 99)}
CLONE_VM, CLONE_VFORK, CLONE_THREAD, CLONE_SETTLS = 0x100, 0x4000, 0x10000, 0x80000
WNOHANG, WUNTRACED, WCONTINUED = 1, 2, 8
WSTOPPED, WEXITED, WNOWAIT = 2, 4, 0x1000000
P_ALL, P_PID, P_PGID, P_PIDFD = 0, 1, 2, 3
CLD_EXITED, CLD_KILLED, CLD_DUMPED = 1, 2, 3
WNOTHREAD, WALL, WCLONE = 0x20000000, 0x40000000, 0x80000000
ARG_MAX_STRINGS, ARG_MAX_STRING = 1 << 17, 1 << 17   # execve's argv/envp: strings, bytes each
CLONE_PARENT_SETTID, CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID = 0x100000, 0x200000, 0x1000000

RLIM_INFINITY = MASK64
RLIMIT_NAMES = ["RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE",
                "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS",
                "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE",
                "RLIMIT_RTPRIO", "RLIMIT_RTTIME"]
IOV_MAX = 1024
MAX_RW_COUNT = 0x7FFFF000
MAX_LFS_FILESIZE = (1 << 63) - 1   # (no file is longer, nor is an offset in one)
RWF_KNOWN = 0x1F   # preadv2/pwritev2's flags: HIPRI, DSYNC, SYNC, NOWAIT, APPEND
WAIT_SLICE = 0.01   # (seconds between looks for signals and stops while one thread waits)
SENDFILE_CHUNK = 1 << 16   # (sendfile through a buffer, or while other threads wait)
SPLICE_F_NONBLOCK, SPLICE_F_ALL = 2, 0xF   # (MOVE, NONBLOCK, MORE, GIFT)
IPC_POLL = 0.002   # (a System V IPC call that would wait: made again this often)
MQ_ATTR_SIZE = 64   # struct mq_attr: mq_flags, mq_maxmsg, mq_msgsize, mq_curmsgs, 4 spare
SIGEVENT_SIZE, NOTIFY_COOKIE_LEN = 64, 32
NAME_MAX = 255
OPEN_HOW_SIZE = 24   # struct open_how: flags, mode, resolve (its first version)
RESOLVE_BENEATH, RESOLVE_IN_ROOT = 0x08, 0x10
_SYS_OPENAT2 = 437   # (the same number on every host)
_HOST_MQ_NOTIFY = {"x86_64": 244, "aarch64": 184, "riscv64": 184}   # (host syscall numbers)
SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD = 0, 1, 2
PATH_MAX = 4096
MFD_CLOEXEC, MFD_ALLOW_SEALING, MFD_HUGETLB, MFD_NOEXEC_SEAL, MFD_EXEC = 1, 2, 4, 8, 0x10
MFD_ALL_FLAGS = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC

STATX_BASIC_STATS = 0x7FF
STAT_SIZE, STATX_SIZE = 128, 256

# riscv_hwprobe keys
HWPROBE_MVENDORID, HWPROBE_MARCHID, HWPROBE_MIMPID = 0, 1, 2
HWPROBE_BASE_BEHAVIOR, HWPROBE_IMA_EXT_0, HWPROBE_CPUPERF_0 = 3, 4, 5
HWPROBE_BASE_BEHAVIOR_IMA = 1
HWPROBE_IMA_FD, HWPROBE_IMA_C = 1, 2

#: /proc/cpuinfo as Linux on RISC-V writes it (arch/riscv/kernel/cpu.c), for the one
#: hart the guest has (sched_getaffinity's): what the engine implements, which
#: hwprobe and AT_HWCAP report too (the host's would describe an x86-64 cpu)
CPUINFO = (b"processor\t: 0\nhart\t\t: 0\nisa\t\t: rv64imafdc_zicntr_zicsr_zifencei\n"
           b"mmu\t\t: sv39\nmvendorid\t: 0x0\nmarchid\t\t: 0x0\nmimpid\t\t: 0x0\n"
           b"hart isa\t: rv64imafdc_zicntr_zicsr_zifencei\n\n")
#: sysfs's lists of that one hart (the host's would count its own cpus)
CPU_LISTS = {f"/sys/devices/system/cpu/{name}" for name in ("online", "possible", "present")}
#: where the files the engine makes up for the guest are (Kernel._made_up_file)
MADE_UP_DIRS = (b"/proc/", b"/sys/devices/system/cpu/")
#: the directory of a process's descriptors (group 1: a PID, the process's own or
#: another's)
_FD_DIR_PATH = r"/(?:dev/fd|proc/(?:self|thread-self|(\d+))/fd)"
_FD_DIR = re.compile(_FD_DIR_PATH + "/?")
#: paths naming one of the process's descriptors (its guest fd N, what follows):
#: the host's would name the host process's (another file: its fd 0 is not the
#: guest's after a dup2)
_FD_PATH = re.compile(_FD_DIR_PATH + r"/(\d+)(/.*)?")
_STD_PATHS = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
#: "." and ".." components at the start of an absolute path: the root itself
_ROOT_DOTS = re.compile(r"^/+(?:\.\.?(?:/+|$))+")

SIGINFO_SIZE = 128
SIGFRAME_SIZE = SIGINFO_SIZE + 960   # siginfo + ucontext
UC_SIGMASK, UC_MCONTEXT = 40, 176

_NO_RESULT = object()  # a handler that set the registers itself (rt_sigreturn)
_RESTART = object()    # (_wait_ready: the thread waits its turn, to make its call again)


def fault_signal(kind: FaultKind) -> int:
    """The signal a guest fault of `kind` raises, as Linux's RISC-V trap
    handlers do: SIGILL for an instruction that does not decode or is not
    allowed, SIGBUS for a misaligned access, SIGSEGV for a page fault."""
    if kind in (FaultKind.InvalidOpcode, FaultKind.IllegalInstruction):
        return SIGILL
    if kind is FaultKind.AlignmentFault:
        return SIGBUS
    return SIGSEGV


def s32(x: int) -> int:
    x &= 0xFFFFFFFF
    return x - (1 << 32) if x & 0x80000000 else x


def s64(x: int) -> int:
    x &= MASK64
    return x - (1 << 64) if x >> 63 else x


_UMASK_LOCK = threading.Lock()

class Errno(Exception):
    """Raised inside a handler: the syscall returns -code."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


class ProcessExit(Exception):
    """The guest process ended: exit/exit_group, or a signal's default action."""

    def __init__(self, status: int, signal: int | None = None):
        super().__init__(status, signal)
        self.status = status
        self.signal = signal


class ProcessExec(Exception):
    """execve succeeded: the process goes on as `image`, the new program loaded
    into an address space of its own (Kernel.exec_loader's result)."""

    def __init__(self, image):
        super().__init__("execve")
        self.image = image


class LinuxError(VmError):
    """The guest did something the Linux layer cannot carry on from (waiting
    forever in a single-threaded process, for one)."""


# -- files ---------------------------------------------------------------------------------
def _streams(f) -> bool:
    """Whether `f` is a blocking host pipe, FIFO or socket, which a write waits
    on for room (Kernel._stream_write); kept with the file."""
    kind = getattr(f, "_stream_kind", None)
    if kind is None:
        kind = False
        if f.host_fd is not None:
            try:
                mode = os.fstat(f.host_fd).st_mode
                kind = "pipe" if S.S_ISFIFO(mode) else "socket" if S.S_ISSOCK(mode) else False
            except OSError:
                pass
        f._stream_kind = kind
    return bool(kind) and not f.nonblocking()


_PIPE_BUF = 4096   # (a pipe's write of this many bytes or fewer is whole: it waits for room)


def _pipe_room(fd: int) -> int:
    """How many bytes a write to host pipe `fd`, which poll says has room, takes
    without waiting: its whole size when it is empty, else PIPE_BUF (room is
    a page or more: a write of PIPE_BUF bytes or fewer fits; partly read
    pages make its room in bytes smaller than its size less what it holds)."""
    held = struct.unpack("i", fcntl.ioctl(fd, FIONREAD, b"\0\0\0\0"))[0]
    return fcntl.fcntl(fd, F_GETPIPE_SZ) if held == 0 else _PIPE_BUF


def _now(send, part: bytes) -> int:
    """send(part, MSG_DONTWAIT): what a socket takes without waiting (0: none)."""
    from .sockets import MSG_DONTWAIT
    try:
        return send(part, MSG_DONTWAIT)
    except BlockingIOError:
        return 0


def _synthetic_stat(mode: int, size: int = 0, ino: int = 0) -> SimpleNamespace:
    now = time.time_ns()
    return SimpleNamespace(st_dev=0, st_ino=ino, st_mode=mode, st_nlink=1, st_uid=os.getuid(),
                           st_gid=os.getgid(), st_rdev=0, st_size=size, st_blksize=4096,
                           st_blocks=(size + 511) // 512, st_atime_ns=now, st_mtime_ns=now,
                           st_ctime_ns=now)


class GuestFile:
    """An open file description of the guest (shared by dup'ed descriptors)."""

    host_fd: int | None = None
    is_dir = False
    #: a blocking read waits for poll() to say it can go on (a file with no host fd
    #: that can still block: a signalfd)
    waits_in_kernel = False
    #: its reads and writes never wait (a regular file's: HostFile), so a call
    #: needs no look at its flags or readiness first (Kernel._blocks)
    never_waits = False

    def __init__(self, flags: int = O_RDWR, path: str | None = None):
        self.flags = flags | O_LARGEFILE
        self.path = path
        self.refs = 0

    def readable(self) -> bool:
        return (self.flags & O_ACCMODE) in (O_RDONLY, O_RDWR) and not self.flags & O_PATH

    def writable(self) -> bool:
        return (self.flags & O_ACCMODE) in (O_WRONLY, O_RDWR) and not self.flags & O_PATH

    def read(self, n: int) -> bytes:
        raise Errno(E.EINVAL)

    def write(self, data: bytes) -> int:
        raise Errno(E.EINVAL)

    def pread(self, n: int, offset: int) -> bytes:
        raise Errno(E.ESPIPE)

    def pwrite(self, data: bytes, offset: int) -> int:
        raise Errno(E.ESPIPE)

    def lseek(self, offset: int, whence: int) -> int:
        raise Errno(E.ESPIPE)

    def stat(self):
        return _synthetic_stat(S.S_IFIFO | 0o600)

    def ioctl(self, kernel: "Kernel", req: int, arg: int) -> int:
        raise Errno(E.ENOTTY)

    def poll(self, events: int) -> int:
        return events & (select.POLLIN | select.POLLOUT)

    def get_flags(self) -> int:
        return self.flags

    def nonblocking(self) -> bool:
        """Whether O_NONBLOCK is set (get_flags' bit: a system call's look)."""
        return bool(self.get_flags() & O_NONBLOCK)

    def set_flags(self, flags: int) -> None:
        keep = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME
        self.flags = (self.flags & ~keep) | (flags & keep)

    def release(self) -> None:
        pass


def _proc_stat(pid: int) -> list | None:
    """The fields of /proc/PID/stat after the command's name (state, ppid, pgrp,
    ...), or None (no such process)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    return stat[stat.rindex(b")") + 2:].split()


def _host_caps(status: str) -> dict | None:
    """A host process's capability sets (bit masks) from its /proc status
    file, or None (no such process)."""
    host = {}
    try:
        with open(status) as fp:
            for line in fp:
                key, _, value = line.partition(":")
                if key.startswith("Cap"):
                    host[key] = int(value, 16)
    except OSError:
        return None
    return {"effective": host.get("CapEff", 0), "permitted": host.get("CapPrm", 0),
            "inheritable": host.get("CapInh", 0), "bounding": host.get("CapBnd", 0)}


def _descends(pid: int, root: int) -> bool:
    """Whether host process `pid` is `root` or a descendant of it."""
    for _ in range(1024):
        if pid == root:
            return True
        fields = _proc_stat(pid) if pid > 1 else None
        if fields is None:
            return False
        pid = int(fields[1])
    return False


def _group_members(pgid: int) -> list:
    """The host processes of process group `pgid`."""
    members = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            fields = _proc_stat(int(name))
            if fields is not None and int(fields[2]) == pgid:
                members.append(int(name))
    return members


def _host_flags(guest: int) -> int:
    out = guest & O_ACCMODE
    for bit, h in _OPEN_BITS:
        if guest & bit == bit:
            out |= h
            guest &= ~bit
    return out


def _guest_flags(host: int) -> int:
    out = host & O_ACCMODE
    for bit, h in _OPEN_BITS:
        if h and host & h == h:
            out |= bit
            host &= ~h
    return out


class HostFile(GuestFile):
    """A host file descriptor (a file, a pipe, a tty, the host's stdio)."""

    def __init__(self, fd: int, flags: int | None = None, path: str | None = None,
                 owned: bool = True):
        if flags is None:
            try:
                import fcntl
                flags = _guest_flags(fcntl.fcntl(fd, fcntl.F_GETFL))
            except OSError:
                flags = O_RDWR
        super().__init__(flags, path)
        self.host_fd = fd
        self.owned = owned
        try:   # (what the fd is cannot change)
            st = os.fstat(fd)
            self.never_waits = S.S_ISREG(st.st_mode) or S.S_ISBLK(st.st_mode) or \
                (S.S_ISCHR(st.st_mode) and st.st_rdev in _MEMORY_DEVICES)
        except OSError:
            pass

    def read(self, n):
        return os.read(self.host_fd, n)

    def write(self, data):
        return os.write(self.host_fd, data)

    def pread(self, n, offset):
        return os.pread(self.host_fd, n, offset)

    def pwrite(self, data, offset):
        return os.pwrite(self.host_fd, data, offset)

    def lseek(self, offset, whence):
        return os.lseek(self.host_fd, offset, whence)

    def stat(self):
        return os.fstat(self.host_fd)

    def poll(self, events):
        p = select.poll()
        p.register(self.host_fd, events)
        got = p.poll(0)
        return got[0][1] if got else 0

    def get_flags(self):
        try:
            host = fcntl.fcntl(self.host_fd, fcntl.F_GETFL)
        except OSError:
            return self.flags
        return _guest_flags(host & ~os.O_CLOEXEC) | O_LARGEFILE | (self.flags & O_PATH)

    def nonblocking(self):
        try:   # (the host's flag: another process may set it on the description)
            return bool(fcntl.fcntl(self.host_fd, fcntl.F_GETFL) & os.O_NONBLOCK)
        except OSError:
            return bool(self.flags & O_NONBLOCK)

    def set_flags(self, flags):
        import fcntl
        super().set_flags(flags)
        fcntl.fcntl(self.host_fd, fcntl.F_SETFL, _host_flags(self.flags & ~O_ACCMODE
                                                              & ~O_LARGEFILE))

    def ioctl(self, kernel, req, arg):
        import fcntl
        import termios
        fd = self.host_fd
        if req == TCGETS:
            kernel.write_mem(arg, fcntl.ioctl(fd, termios.TCGETS, bytes(TERMIOS_SIZE)))
            return 0
        if req in (TCSETS, TCSETSW, TCSETSF):
            host = {TCSETS: termios.TCSETS, TCSETSW: termios.TCSETSW,
                    TCSETSF: termios.TCSETSF}[req]
            fcntl.ioctl(fd, host, kernel.read_mem(arg, TERMIOS_SIZE))
            return 0
        if req == TIOCGWINSZ:
            kernel.write_mem(arg, fcntl.ioctl(fd, termios.TIOCGWINSZ, bytes(8)))
            return 0
        if req == TIOCSWINSZ:
            fcntl.ioctl(fd, termios.TIOCSWINSZ, kernel.read_mem(arg, 8))
            return 0
        if req == TIOCGPGRP:
            kernel.write_mem(arg, fcntl.ioctl(fd, termios.TIOCGPGRP, bytes(4)))
            return 0
        if req == FIONREAD:
            kernel.write_mem(arg, fcntl.ioctl(fd, termios.FIONREAD, bytes(4)))
            return 0
        if req in _HOST_IOCTLS:
            sizes = _HOST_IOCTLS[req]
            if sizes is None:   # (the guest's unsigned long, whole: fcntl.ioctl takes
                return libc.call("ioctl", fd, ctypes.c_ulong(req),   # a C int, and
                                 ctypes.c_ulong(arg))   # 2**31 up raised OverflowError)
            given, taken = sizes
            out = fcntl.ioctl(fd, req, kernel.read_mem(arg, given) if given else bytes(taken))
            if taken:
                kernel.write_mem(arg, out[:taken])
            return 0
        if req == SIOCGIFCONF:   # struct ifconf: a length and a pointer to struct ifreqs
            length, buf = struct.unpack("<i4xQ", kernel.read_mem(arg, 16))
            if buf and length > 0:
                kernel.check_writable(buf, length)
            into = libc.buffer(max(length, 0)) if buf else None
            conf = libc.buffer(struct.pack("<i4xQ", length, ctypes.addressof(into) if into else 0))
            libc.call("ioctl", fd, ctypes.c_ulong(SIOCGIFCONF), conf)
            got = struct.unpack_from("<i", conf.raw)[0]
            if into is not None:
                kernel.write_mem(buf, into.raw[:got])
            kernel.write_mem(arg, struct.pack("<i", got))
            return 0
        if req == FS_IOC_FIEMAP:   # (filefrag, cp's holes)
            head = bytearray(kernel.read_mem(arg, FIEMAP_SIZE))
            count = struct.unpack_from("<I", head, 24)[0]
            taken = min(count, FIEMAP_MOST)   # (asked for more: as many as that)
            struct.pack_into("<I", head, 24, taken)
            buf = head + bytes(FIEMAP_EXTENT_SIZE * taken)
            fcntl.ioctl(fd, req, buf, True)
            struct.pack_into("<I", buf, 24, count)
            mapped = struct.unpack_from("<I", buf, 20)[0] if count else 0
            # (the extents found written back, as Linux writes them one by one)
            kernel.write_mem(arg, bytes(buf[:FIEMAP_SIZE + FIEMAP_EXTENT_SIZE * mapped]))
            return 0
        if req == TIOCGPTPEER:
            if arg & ~(O_NOCTTY | O_NONBLOCK | O_CLOEXEC | O_ACCMODE):
                raise Errno(E.EINVAL)
            peer = fcntl.ioctl(fd, req, _host_flags(arg) | os.O_CLOEXEC)
            return kernel._install_new(HostFile(peer, arg & (O_ACCMODE | O_NONBLOCK)), arg)
        raise Errno(E.ENOTTY)

    def release(self):
        if self.owned:
            try:
                os.close(self.host_fd)
            except OSError:
                pass


class DirFile(HostFile):
    """An open directory: getdents64 lists it (a snapshot taken at the first call)."""

    is_dir = True

    def __init__(self, fd, flags, path):
        super().__init__(fd, flags, path)
        self.entries = None
        self.pos = 0

    def read(self, n):
        raise Errno(E.EISDIR)

    def listing(self):
        if self.entries is None:
            st = os.fstat(self.host_fd)
            entries = [(st.st_ino, 4, b"."), (st.st_ino, 4, b"..")]
            try:
                parent = os.stat("..", dir_fd=self.host_fd)
                entries[1] = (parent.st_ino, 4, b"..")
            except OSError:
                pass
            with os.scandir(self.host_fd) as it:
                for e in it:
                    try:
                        if e.is_symlink():
                            t = 10
                        elif e.is_dir(follow_symlinks=False):
                            t = 4
                        elif e.is_file(follow_symlinks=False):
                            t = 8
                        else:
                            m = e.stat(follow_symlinks=False).st_mode
                            t = {S.S_IFIFO: 1, S.S_IFCHR: 2, S.S_IFBLK: 6,
                                 S.S_IFSOCK: 12}.get(S.S_IFMT(m), 0)
                    except OSError:
                        t = 0
                    entries.append((e.inode(), t, os.fsencode(e.name)))
            self.entries = entries
        return self.entries

    def lseek(self, offset, whence):
        if whence == os.SEEK_SET and offset >= 0:
            if offset == 0:
                self.entries = None
            self.pos = offset
            return offset
        if whence == os.SEEK_CUR and self.pos + offset >= 0:
            self.pos += offset
            return self.pos
        raise Errno(E.EINVAL)


class FdDirFile(DirFile):
    """The directory of the process's own descriptors (/proc/self/fd, /dev/fd):
    the host's lists the host process's, these its guest descriptors (each a
    link), as its Linux would; `fds()` gives their numbers."""

    def __init__(self, fd, flags, path, fds):
        super().__init__(fd, flags, path)
        self.fds = fds

    def listing(self):
        if self.entries is None:
            st = os.fstat(self.host_fd)
            self.entries = [(st.st_ino, 4, b"."), (st.st_ino, 4, b"..")] + \
                [(0x10000 + fd, 10, b"%d" % fd) for fd in sorted(self.fds())]
        return self.entries


class BytesInput(GuestFile):
    """Guest stdin from bytes, or from a Python file object without a file descriptor."""

    def __init__(self, source):
        super().__init__(O_RDONLY)
        if isinstance(source, (bytes, bytearray, memoryview)):
            source = io.BytesIO(bytes(source))
        self.source = source

    def read(self, n):
        data = self.source.read(n)
        if isinstance(data, str):
            data = data.encode()
        return data or b""

    def lseek(self, offset, whence):
        if not (hasattr(self.source, "seekable") and self.source.seekable()):
            raise Errno(E.ESPIPE)
        try:
            return self.source.seek(offset, whence)
        except (ValueError, OSError):
            raise Errno(E.EINVAL)


class BufferOutput(GuestFile):
    """Guest output collected into a bytearray or written to a Python file object.
    A guest fork's child (a host process of its own) sends its output to the
    parent through a pipe, and the parent's relay thread collects it there."""

    def __init__(self, sink):
        super().__init__(O_WRONLY)
        self.sink = sink
        self.to_parent = None   # (a fork's child: the pipe its output goes through)
        self._relays: list = []   # (the parent: a relay per fork while its pipe is open)
        self._lock = threading.Lock()   # (a relay's read and collect against settle's)

    def fork_pipe(self):
        """Before a fork: the (read, write) ends of a pipe for the child's
        output, or None if this process is a fork's child already (its
        children write to the same pipe)."""
        return None if self.to_parent is not None else os.pipe2(os.O_CLOEXEC)

    def forked(self, ends, child: bool) -> None:
        """After a fork: the child writes to the pipe `ends`; the parent
        collects what comes through it, on a thread, until every writer is gone."""
        if ends is None:
            return
        r, w = ends
        os.close(r if child else w)
        if child:   # (its parent's relays are not its own; nor is a lock one held)
            for fd in self._relays:
                os.close(fd)
            self.to_parent, self._relays, self._lock = w, [], threading.Lock()
            return
        self._relays.append(r)
        threading.Thread(target=self._relay, args=(r,), daemon=True,
                         name="vm_engine-linux-output").start()

    def _relay(self, r: int) -> None:
        while True:
            select.select([r], [], [])
            with self._lock:
                if not self._collect_from(r):
                    self._relays.remove(r)
                    os.close(r)
                    return

    def _collect_from(self, r: int) -> bool:
        """Collects what is in pipe `r` now; False at its end (no writer left)."""
        os.set_blocking(r, False)
        while True:
            try:
                data = os.read(r, 65536)
            except BlockingIOError:
                return True
            if not data:
                return False
            self._collect(data)

    def settle(self) -> None:
        """Collects what children wrote and the relays have not yet: after a
        child is waited for, its output is all in. (The relay closes a pipe.)"""
        with self._lock:
            self._settled()

    def _settled(self) -> None:
        for r in self._relays:
            self._collect_from(r)

    def write(self, data):
        if self.to_parent is not None:
            view = memoryview(data)
            while view:
                view = view[os.write(self.to_parent, view):]
            return len(data)
        with self._lock:
            # what the children wrote before comes first, as on a pipe they all
            # share (an orphaned grandchild's line, which no wait settles, came
            # after its grandparent's next one when the relay was late)
            self._settled()
            return self._collect(data)

    def _collect(self, data) -> int:
        sink = self.sink
        if isinstance(sink, bytearray):
            sink += data
        elif isinstance(sink, io.TextIOBase):
            buf = getattr(sink, "buffer", None)
            if buf is not None:
                sink.flush()
                buf.write(data)
                buf.flush()
            else:
                sink.write(data.decode("utf-8", "replace"))
        else:
            sink.write(data)
        return len(data)


class ProcFile(GuestFile):
    """A read-only file with contents made up at open (/proc/self/maps)."""

    def __init__(self, data: bytes, path: str):
        super().__init__(O_RDONLY, path)
        self.data = data
        self.pos = 0

    def read(self, n):
        out = self.data[self.pos:self.pos + n]
        self.pos += len(out)
        return out

    def pread(self, n, offset):
        return self.data[offset:offset + n]

    def lseek(self, offset, whence):
        base = {0: 0, 1: self.pos, 2: len(self.data)}.get(whence)
        if base is None or base + offset < 0:
            raise Errno(E.EINVAL)
        self.pos = base + offset
        return self.pos

    def stat(self):
        return _synthetic_stat(S.S_IFREG | 0o444)


def make_stdio(target, fd: int, writing: bool) -> GuestFile:
    """The guest file for stdin (fd 0) / stdout (1) / stderr (2): None = the
    host's; an int = that host fd; bytes (stdin); a bytearray or an object with
    write() (stdout/stderr); a file object with a real fileno() = that fd."""
    if target is None:
        return HostFile(fd, owned=False)
    if isinstance(target, int) and not isinstance(target, bool):
        return HostFile(target, owned=False)
    if not writing and isinstance(target, (bytes, bytearray, memoryview, str)):
        return BytesInput(target.encode() if isinstance(target, str) else target)
    if writing and isinstance(target, bytearray):
        return BufferOutput(target)
    fileno = getattr(target, "fileno", None)
    if fileno is not None:
        try:
            hostfd = fileno()
        except (OSError, ValueError, io.UnsupportedOperation):
            hostfd = None
        if hostfd is not None and hostfd >= 0:
            if writing and hasattr(target, "flush"):
                target.flush()
            return HostFile(hostfd, owned=False)
    if writing and hasattr(target, "write"):
        return BufferOutput(target)
    if not writing and hasattr(target, "read"):
        return BytesInput(target)
    raise TypeError(f"cannot use {type(target).__name__} as guest "
                    f"{('stdin', 'stdout', 'stderr')[fd]}")


# -- structures ----------------------------------------------------------------------------
TIME_T_MAX = (1 << 63) - 1


def _time_parts(seconds: float, per: int) -> tuple[int, int]:
    """A time of non-negative `seconds` as a timespec's (per 10**9) or timeval's
    (10**6) two fields; a huge one (the guest's largest time_t, and now added
    to it) at most the largest, as Linux's saturating time arithmetic keeps it
    (struct.pack raised, out of range)."""
    sec, frac = divmod(max(0, round(seconds * per)), per)
    return (TIME_T_MAX, per - 1) if sec > TIME_T_MAX else (sec, frac)


#: Linux keeps a timer's times as ktime_t nanoseconds: at most KTIME_MAX
KTIME_MAX = (1 << 63) - 1
_KTIME_SEC_MAX = KTIME_MAX // 10**9


def _ktime(sec: int, nsec: int) -> int:
    """A valid timespec's time (a timeval's, its microseconds made nanoseconds)
    in nanoseconds, as Linux's ktime_set makes it: KTIME_MAX from
    KTIME_SEC_MAX seconds on."""
    return KTIME_MAX if sec >= _KTIME_SEC_MAX else sec * 10**9 + nsec


def _ktime_parts(ns: int, per: int) -> tuple[int, int]:
    """Nanoseconds as a timespec's (per 10**9) or timeval's (10**6) fields, as
    Linux's ktime_to_timespec64 (and put_itimerval, which drops what is less
    than a microsecond) makes them."""
    sec, nsec = divmod(ns, 10**9)
    return sec, nsec // (10**9 // per)


def pack_stat(st) -> bytes:
    """struct stat, riscv64 (asm-generic, 128 bytes)."""
    def ts(ns):
        return divmod(ns, 1_000_000_000)
    a, m, c = ts(st.st_atime_ns), ts(st.st_mtime_ns), ts(st.st_ctime_ns)
    return struct.pack("<QQIIIIQQqiiqqQqQqQII", st.st_dev & MASK64, st.st_ino & MASK64,
                       st.st_mode, st.st_nlink & 0xFFFFFFFF, st.st_uid, st.st_gid,
                       st.st_rdev & MASK64, 0, st.st_size, getattr(st, "st_blksize", 4096),
                       0, getattr(st, "st_blocks", 0), a[0], a[1], m[0], m[1], c[0], c[1], 0, 0)


def pack_statx(st) -> bytes:
    """struct statx (256 bytes), STATX_BASIC_STATS."""
    def ts(ns):
        s, n = divmod(ns, 1_000_000_000)
        return struct.pack("<qIi", s, n, 0)
    head = struct.pack("<IIQIIIHHQQQQ", STATX_BASIC_STATS, getattr(st, "st_blksize", 4096), 0,
                       st.st_nlink & 0xFFFFFFFF, st.st_uid, st.st_gid, st.st_mode & 0xFFFF, 0,
                       st.st_ino & MASK64, st.st_size, getattr(st, "st_blocks", 0), 0)
    times = ts(st.st_atime_ns) + bytes(16) + ts(st.st_ctime_ns) + ts(st.st_mtime_ns)
    devs = struct.pack("<IIIIQ", os.major(st.st_rdev), os.minor(st.st_rdev),
                       os.major(st.st_dev), os.minor(st.st_dev), 0)
    return (head + times + devs).ljust(STATX_SIZE, b"\0")


def pack_rusage(r) -> bytes:
    """struct rusage from a resource.struct_rusage."""
    def tv(t):
        sec = int(t)
        return [sec, int((t - sec) * 1e6)]
    return struct.pack("<18q", *tv(r.ru_utime), *tv(r.ru_stime), r.ru_maxrss, r.ru_ixrss,
                       r.ru_idrss, r.ru_isrss, r.ru_minflt, r.ru_majflt, r.ru_nswap,
                       r.ru_inblock, r.ru_oublock, r.ru_msgsnd, r.ru_msgrcv, r.ru_nsignals,
                       r.ru_nvcsw, r.ru_nivcsw)


def pack_dirent64(ino: int, off: int, dtype: int, name: bytes) -> bytes:
    reclen = (19 + len(name) + 1 + 7) & ~7
    return struct.pack("<QqHB", ino & MASK64, off, reclen, dtype) + name + bytes(reclen - 19 - len(name))


def _utsfield(s: str | bytes) -> bytes:
    b = s.encode() if isinstance(s, str) else s
    return b[:64].ljust(65, b"\0")


# -- strace formatting ----------------------------------------------------------------------
def _quote(data: bytes, limit: int = 32) -> str:
    out = []
    for b in data[:limit]:
        c = chr(b)
        if c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif c == "\r":
            out.append("\\r")
        elif c in "\"\\":
            out.append("\\" + c)
        elif 32 <= b < 127:
            out.append(c)
        else:
            out.append(f"\\{b:o}")
    return '"' + "".join(out) + '"' + ("..." if len(data) > limit else "")


def _flags(value: int, names, zero="0") -> str:
    parts = []
    for bit, name in names:
        if bit and value & bit == bit:
            parts.append(name)
            value &= ~bit
    if value:
        parts.append(hex(value))
    return "|".join(parts) or zero


_AT_NAMES = [(AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"), (AT_REMOVEDIR, "AT_REMOVEDIR"),
             (AT_SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW"), (AT_NO_AUTOMOUNT, "AT_NO_AUTOMOUNT"),
             (AT_EMPTY_PATH, "AT_EMPTY_PATH")]
_IOCTL_NAMES = {TCGETS: "TCGETS", TCSETS: "TCSETS", TCSETSW: "TCSETSW", TCSETSF: "TCSETSF",
                TIOCGPGRP: "TIOCGPGRP", TIOCGWINSZ: "TIOCGWINSZ", TIOCSWINSZ: "TIOCSWINSZ",
                FIONREAD: "FIONREAD", FIONBIO: "FIONBIO", FIONCLEX: "FIONCLEX", FIOCLEX: "FIOCLEX",
                FIOASYNC: "FIOASYNC"}
_FCNTL_NAMES = {F_DUPFD: "F_DUPFD", F_GETFD: "F_GETFD", F_SETFD: "F_SETFD", F_GETFL: "F_GETFL",
                F_SETFL: "F_SETFL", F_GETLK: "F_GETLK", F_SETLK: "F_SETLK", F_SETLKW: "F_SETLKW",
                F_SETOWN: "F_SETOWN", F_GETOWN: "F_GETOWN", F_DUPFD_CLOEXEC: "F_DUPFD_CLOEXEC",
                F_SETPIPE_SZ: "F_SETPIPE_SZ", F_GETPIPE_SZ: "F_GETPIPE_SZ",
                F_ADD_SEALS: "F_ADD_SEALS", F_GET_SEALS: "F_GET_SEALS"}
#: select's three sets (read, write, except) as poll events, and what makes each ready
_SELECT_EVENTS = (select.POLLIN, select.POLLOUT, select.POLLPRI)
_SELECT_READY = (select.POLLIN | select.POLLHUP | select.POLLERR, select.POLLOUT | select.POLLERR,
                 select.POLLPRI)
_SKIP = object()   # an argument strace leaves out (openat's mode without O_CREAT)

_PROT_NAMES = [(1, "PROT_READ"), (2, "PROT_WRITE"), (4, "PROT_EXEC"),
               (PROT_GROWSDOWN, "PROT_GROWSDOWN")]
_MAP_NAMES = [(MAP_SHARED_VALIDATE, "MAP_SHARED_VALIDATE"), (MAP_SHARED, "MAP_SHARED"),
              (MAP_PRIVATE, "MAP_PRIVATE"), (MAP_FIXED, "MAP_FIXED"),
              (MAP_ANONYMOUS, "MAP_ANONYMOUS"), (0x100, "MAP_GROWSDOWN"),
              (0x800, "MAP_DENYWRITE"), (0x4000, "MAP_NORESERVE"), (0x8000, "MAP_POPULATE"),
              (0x20000, "MAP_STACK"), (MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE")]


def _host_statfs(call: str, target) -> bytes:
    """The host's struct statfs for a path or descriptor: Linux's generic 64-bit
    layout (15 longs: type, bsize, blocks, bfree, bavail, files, ffree, fsid,
    namelen, frsize, flags, spare[4]), riscv64's as x86-64's and aarch64's."""
    buf = libc.buffer(120)
    libc.call(call, target, buf)
    return buf.raw


def _id(value: int, unchanged: bool = True) -> int:
    """A uid_t or gid_t argument as os.set*id takes it: (uid_t)-1 is -1 (leave it
    as it is) where `unchanged` allows it, else EINVAL."""
    value &= 0xFFFFFFFF
    if value == 0xFFFFFFFF:
        if not unchanged:
            raise Errno(E.EINVAL)
        return -1
    return value


NGROUPS_MAX = 65536


def handler(spec: str = "", ret: str = "d"):
    """Marks a Kernel method as the handler of the syscall named after it
    (sys_NAME). ``spec``: one letter per argument, for strace: d int, l long,
    u unsigned, x hex, p pointer, f fd, s path, b in-buffer (length: next arg),
    B out-buffer (length: the result), o octal, O open flags, P prot, M mmap
    flags, S signal, A AT_* flags, R rlimit resource, I ioctl request, C fcntl
    command, m a mode shown only when the previous argument has O_CREAT.
    ``ret``: d decimal, x hex."""
    def deco(fn):
        fn._syscall = (spec, ret)
        return fn
    return deco


def _futex_restarts(thread, sa_restart: bool) -> bool:
    """Whether the futex wait `thread` is in (if it is in one) is made again
    after a signal's handler: a priority-inheriting lock's always (Linux's
    ERESTARTNOINTR), a wait with a time limit never (ERESTART_RESTARTBLOCK),
    any other under SA_RESTART (ERESTARTSYS)."""
    if thread.context is None or \
            struct.unpack_from("<Q", thread.context, 17 * 8)[0] != NR["futex"]:   # (a7)
        return False
    if _pi_lock_of(thread) is not None:
        return True
    op, limit = struct.unpack_from("<Q", thread.context, 11 * 8)[0], \
        struct.unpack_from("<Q", thread.context, 13 * 8)[0]                    # (a1, a3)
    return sa_restart and not (op & FUTEX_CMD_MASK in (FUTEX_WAIT, FUTEX_WAIT_BITSET)
                               and limit != 0)


def _pi_lock_of(thread):
    """The address of the priority-inheriting lock `thread` waits for, or None."""
    if thread.waiting and thread.futex is not None and thread.futex[1] == _PI_WAIT:
        return thread.futex[0]
    return None


def _no_process(pid: int) -> bool:
    """Whether the host has no process `pid` (no process group -pid, if negative)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        pass
    return False


def _host_futex(host: int, cmd: int, val: int, timeout: float | None = None) -> int:
    """The host's futex call (shared, not private) at host address `host`: its
    result, or -errno (the GIL let go meanwhile)."""
    ts = None
    if timeout is not None:
        sec = int(timeout)
        ts = ctypes.byref(_Timespec(sec, int((timeout - sec) * 1e9)))
    try:
        return libc.call("syscall", ctypes.c_long(_SYS_FUTEX), ctypes.c_void_p(host),
                         ctypes.c_int(cmd), ctypes.c_uint(val & 0xFFFFFFFF), ts, None,
                         ctypes.c_int(0))
    except OSError as e:
        return -e.errno


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


_SYS_FUTEX = 202   # (x86-64's; elsewhere the JIT, and so host views, do not run)
IOPRIO_WHO_PROCESS = 1
_SYS_IOPRIO_SET, _SYS_IOPRIO_GET = {"x86_64": (251, 252), "aarch64": (30, 31)}.get(
    os.uname().machine, (-1, -1))   # (the host's; -1: ENOSYS)


def _thread_attribute(name: str, doc: str) -> property:
    """A Kernel property that is the running thread's own `name` (GuestThread's)."""
    return property(lambda self: getattr(self.threads.current, name),
                    lambda self, value: setattr(self.threads.current, name, value), doc=doc)


#: the calls of a mask's short change: blocking them all around a thread's clone
_MASK_DANCE = frozenset((NR["rt_sigprocmask"], NR["clone"], NR["clone3"]))


def _inherited_sched(sched: list | None) -> list | None:
    """A new thread's [policy, priority, flags] (GuestThread.sched), or a fork's
    child's, from its creator's, as Linux's sched_fork makes it for both: with
    SCHED_RESET_ON_FORK, the flag is not inherited, nor a real-time policy."""
    if sched is None:
        return None
    policy, priority, flags = sched
    if flags & SCHED_FLAG_RESET_ON_FORK:
        flags = 0
        if policy in (SCHED_FIFO, SCHED_RR):
            policy, priority = SCHED_OTHER, 0
    return [policy, priority, flags]


def _child_siginfo(got) -> bytes:
    """The siginfo_t of a child's end (os.waitid's): SIGCHLD's fields."""
    return struct.pack("<iii4xiIi", SIGCHLD, 0, got.si_code, got.si_pid, got.si_uid,
                       got.si_status).ljust(SIGINFO_SIZE, b"\0")


class Kernel:
    """The guest process's view of Linux: its files, memory map, signals,
    identity. ``syscall()`` serves the ecall the cpu just stopped at. The cpu
    (an engine, or the benchmark's Unicorn adapter) has reg_read/reg_write, pc,
    for the system call itself syscall_args() -> (a7, a0-a5) and
    syscall_return(a0), and for guest threads _context() -> bytes and
    _set_context(bytes) (all registers, pc and fcsr: linux/threads.py)."""

    def __init__(self, mmu, aspace, cpu, *, exe_path: str, argv=(), sysroot: str | None = None,
                 cwd: str | None = None, stdin=None, stdout=None, stderr=None):
        self.mmu = mmu
        self.aspace = aspace
        self.cpu = cpu
        self.exe_path = os.path.realpath(exe_path)
        self.argv = [a if isinstance(a, bytes) else os.fsencode(a) for a in argv]
        self.sysroot = os.path.abspath(sysroot) if sysroot else None
        #: the working directory: a host descriptor of it (paths relative to it are
        #: looked up from it, as Linux does: in it once deleted or renamed, `..`
        #: its physical parent), and its path (getcwd's, refreshed from the
        #: descriptor); None where the directory could not be opened: by name
        self.cwd = os.path.abspath(cwd or os.getcwd())
        self.cwd_fd = self._cwd_closer = None
        try:
            self._set_cwd(os.open(self.cwd, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC))
        except OSError:
            pass
        self.pid = os.getpid()
        self.ppid = os.getppid()
        self.umask = 0o022
        self.comm = os.fsencode(os.path.basename(exe_path))[:15]
        self.fds: dict[int, list] = {}  # guest fd -> [GuestFile, cloexec]
        for fd, target in enumerate((stdin, stdout, stderr)):
            self.install(make_stdio(target, fd, fd > 0), at=fd)
        self.sigactions: dict[int, tuple[int, int, int]] = {}
        self.pending = 0
        #: armed timers: which (setitimer's) or ("timer", id) (timer_create's) ->
        #: [deadline (time.monotonic_ns()), interval ns] (_timer_deadline)
        self.itimers = {}
        self.ptimers: dict[int, SimpleNamespace] = {}   # timer_create's, by id
        #: prctl's attributes of the process (sys_prctl), and its capabilities (_caps)
        self.attrs = {"pdeathsig": 0, "keepcaps": 0, "subreaper": 0, "thp_disable": 0,
                      "no_new_privs": 0, "timerslack": TIMER_SLACK_NS, "dumpable": 1,
                      "membarrier": 0}
        self.caps = None
        self.itimer_used = False  # (a run that stops and is not asked to: a timer's doing)
        self._itimer_wake = None  # cancels the thread that stops the cpu when one is due
        #: si_code (or, from rt_sigqueueinfo or a timer, the whole siginfo) of each pending
        #: signal; for a real-time signal, a list of them: its queue
        self.pending_code: dict[int, int | bytes] = {}
        #: () -> whether the run is asked to stop (Machine's): a wait ends for now then
        self.stop_requested = lambda: False
        self.threads = self._new_threads(cpu)
        #: the deadline a call made again keeps (GuestThread.restart_deadline),
        #: taken off its thread for the call it makes next (_call_deadline's), no other
        self._restart_deadline = None
        #: (host path, argv, envp, elf) -> the new program loaded, for execve: set by
        #: Machine (which knows how to make an engine); raises ElfError if it cannot be
        self.exec_loader = None
        self.forked = False   # a guest fork's child (this host process ends with it)
        #: signals from other host processes, when this process is the guest's own
        #: (a fork's child; Machine.own_host_signals): linux/host_signals.py
        self.host_signals = None
        self._held_dirty = 0   # signals whose mask changed since host_dispositions (_hold_blocked)
        self.parent_takes_signals = False   # (a fork's child: its parent's host_signals)
        #: where the host process is wholly the guest's (Machine.own_host_signals, a
        #: fork's child), the pid of the first such of the guest's processes: the
        #: processes descended from it are the guest's, which its signals reach
        self.family = None
        self.children = set()    # its forks' pids, until waited for
        self._chld_sent = set()  # those whose end was signalled (SIGCHLD)
        nofile = resource.getrlimit(resource.RLIMIT_NOFILE)
        stack = aspace.layout.STACK_SIZE
        self.rlimits = [[RLIM_INFINITY, RLIM_INFINITY] for _ in RLIMIT_NAMES]
        self.rlimits[3] = [stack, RLIM_INFINITY]
        self.rlimits[4] = [0, RLIM_INFINITY]
        self.rlimits[7] = [min(nofile[0], 1024), nofile[1] if nofile[1] >= 0 else RLIM_INFINITY]
        self.rlimits[8] = [8 << 20, 8 << 20]
        self.rlimits[13] = [0, 0]
        self.rlimits[14] = [0, 0]
        self.start_time = time.monotonic()
        self.strace = False
        self.strace_file = None
        self.syscall_count = 0
        self._table = {}
        for name in dir(type(self)):
            if name.startswith("sys_"):
                fn = getattr(self, name)
                spec, ret = fn._syscall
                nargs = fn.__code__.co_argcount - 1
                self._table[NR[name[4:]]] = (name[4:], fn, nargs, spec, ret)

    sigmask = _thread_attribute("sigmask", "The running thread's signal mask (each thread has "
                                "its own, as in Linux).")
    altstack = _thread_attribute("altstack", "The running thread's sigaltstack: (base, flags, "
                                 "size).")

    def host_dispositions(self, sigs=PASSED) -> None:
        """The host process's dispositions of `sigs` made the guest's, when the
        process is the guest's (linux/host_signals.py). One the guest leaves at
        its default action but every thread blocks is held for the guest, pending
        (the host would take the action at once)."""
        if self.host_signals is None:
            return
        blocked = ~0
        for thread in self.threads.all.values():
            blocked &= thread.sigmask
        for sig in sigs:
            handler = self.sigactions.get(sig, (SIG_DFL,))[0]
            self.host_signals.follow(sig, HELD if handler == SIG_DFL and
                                     blocked >> (sig - 1) & 1 else handler)

    def _mask_changed(self, old: int) -> None:
        """The signals the running thread's mask changed, for _hold_blocked."""
        if self.host_signals is not None:
            self._held_dirty |= old ^ self.sigmask

    def _hold_blocked(self) -> None:
        """host_dispositions of the signals masks changed since the last time.
        Made at the next system call but those of a mask's short change (glibc
        blocks them all around a thread's clone), which cost a system call per
        signal twice over else."""
        dirty, self._held_dirty = self._held_dirty, 0
        self.host_dispositions([sig for sig in PASSED if dirty >> (sig - 1) & 1])

    def pending_for(self, thread=None) -> int:
        """The signals pending for `thread` (default: the running one): its
        own and the process's."""
        return self.pending | (thread or self.threads.current).pending

    # -- the fd table ------------------------------------------------------------------
    def install(self, f: GuestFile, cloexec: bool = False, at: int | None = None,
                lowest: int = 0) -> int:
        if at is None:
            fd = lowest
            while fd in self.fds:
                fd += 1
            if fd >= self.rlimits[7][0]:
                raise Errno(E.EMFILE)
        else:
            fd = at
            self.close_fd(fd)
        f.refs += 1
        self.fds[fd] = [f, cloexec]
        return fd

    def file(self, fd: int) -> GuestFile:
        entry = self.fds.get(s32(fd))
        if entry is None:
            raise Errno(E.EBADF)
        return entry[0]

    def host_fd(self, fd: int) -> int:
        """The host descriptor behind guest fd (EBADF for one without: a pipe
        to a Python stream, an emulated /proc file)."""
        host = self.file(fd).host_fd
        if host is None:
            raise Errno(E.EBADF)
        return host

    def close_fd(self, fd: int) -> bool:
        entry = self.fds.pop(fd, None)
        if entry is None:
            return False
        f = entry[0]
        f.refs -= 1
        if f.refs == 0:
            f.release()
        return True

    def close_all(self) -> None:
        for thread in list(self.threads.all.values()):  # (mutexes shared with other processes)
            self._robust_exit(thread)
        self.aspace.write_back()   # (the process's end: its shared mappings' last changes)
        self.aspace.detach_all()
        for f, _ in self.fds.values():   # (what children that ended wrote)
            if isinstance(f, BufferOutput):
                f.settle()
        for fd in list(self.fds):
            self.close_fd(fd)
        if self._cwd_closer is not None:   # (paths are looked up by name from now on)
            self._cwd_closer()
            self.cwd_fd = self._cwd_closer = None
        self.itimers.clear()
        self._arm_itimers()

    # == interval timers (setitimer): signals at a time, by a thread that stops the cpu =====
    @handler("dpp")
    def sys_setitimer(self, which, new, old):
        which = s32(which)
        if which not in ITIMER_SIGNALS:
            raise Errno(E.EINVAL)
        isec, iusec, vsec, vusec = struct.unpack("<qqqq", self.read_mem(new, 32)) \
            if new else (0, 0, 0, 0)
        if not (0 <= iusec < 1_000_000 and 0 <= vusec < 1_000_000 and isec >= 0 and vsec >= 0):
            raise Errno(E.EINVAL)
        if old:
            self.write_mem(old, self._itimer_value(which))
        self.itimer_used = True
        if vsec or vusec:
            # (ITIMER_VIRTUAL and ITIMER_PROF count the guest's time as the wall clock
            # does: it runs all the time it is not in a system call; their expiry is
            # on the process's CPU time, which Linux does not bound)
            self.itimers[which] = [
                self._timer_deadline(_ktime(vsec, vusec * 1000),
                                     CLOCK_MONOTONIC if which == 0 else None),
                _ktime(isec, iusec * 1000)]
        else:
            self.itimers.pop(which, None)
        self._arm_itimers()
        return 0

    @handler("dp")
    def sys_getitimer(self, which, cur):
        which = s32(which)
        if which not in ITIMER_SIGNALS:
            raise Errno(E.EINVAL)
        self.write_mem(cur, self._itimer_value(which))
        return 0

    def _itimer_value(self, which: int) -> bytes:
        """struct itimerval (interval, value: timevals) of a timer."""
        t = self.itimers.get(which)
        if t is None:
            return bytes(32)
        left = t[0] - time.monotonic_ns()
        left = left if left > 0 else 1000   # (due, not yet served: 1 us, as Linux)
        return struct.pack("<qqqq", *_ktime_parts(t[1], 10**6), *_ktime_parts(left, 10**6))

    @staticmethod
    def _timer_deadline(ns: int, clock: int | None) -> int:
        """The time.monotonic_ns() when a timer set to go off in `ns` is due:
        its expiry on `clock` (that of the hrtimer Linux arms) is at most
        KTIME_MAX, as Linux's ktime_add_safe keeps it (what is read back then
        is KTIME_MAX less the clock's time); a CPU-time timer's (None) is not
        bounded."""
        now = time.monotonic_ns()
        if clock is not None:
            ns = min(ns, KTIME_MAX - time.clock_gettime_ns(clock))
        return now + ns

    def itimer_due(self) -> bool:
        now = time.monotonic_ns()
        return any(t[0] <= now for t in self.itimers.values())

    def expire_itimers(self) -> None:
        """Makes the signals of the timers that are due pending, and sets the
        periodic ones again (the run loop calls this between runs)."""
        now = time.monotonic_ns()
        for which, t in list(self.itimers.items()):
            if t[0] <= now:
                missed = 0
                if t[1] > 0:   # (periods missed meanwhile: one signal, as Linux)
                    periods = (now - t[0]) // t[1] + 1
                    t[0] += periods * t[1]
                    missed = periods - 1
                else:
                    del self.itimers[which]
                if isinstance(which, int):
                    self.raise_signal(ITIMER_SIGNALS[which], SI_KERNEL)
                else:
                    self._ptimer_fired(which[1], missed)
        self._arm_itimers()

    # == POSIX timers (timer_create): setitimer's, with a signal, value and thread of their own
    @handler("dpp")
    def sys_timer_create(self, clk, sevp, created):
        clk = s32(clk)
        if clk not in TIMER_CLOCKS:
            raise Errno(E.EINVAL)
        ident = next(k for k in range(len(self.ptimers) + 1) if k not in self.ptimers)
        timer = SimpleNamespace(clock=clk, notify=SIGEV_SIGNAL, signo=SIGALRM, value=ident,
                                tid=0, overrun=0)
        if sevp:
            timer.value, timer.signo, timer.notify, timer.tid = \
                struct.unpack("<Qiii", self.read_mem(sevp, 20))
            if timer.notify not in (SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD_ID) or \
                    (timer.notify != SIGEV_NONE and not 0 < timer.signo <= NSIG) or \
                    (timer.notify == SIGEV_THREAD_ID and timer.tid not in self.threads.all):
                raise Errno(E.EINVAL)   # (SIGEV_THREAD is the C library's: a SIGEV_THREAD_ID)
        self.write_mem(created, struct.pack("<i", ident))
        self.ptimers[ident] = timer
        return 0

    def _ptimer(self, ident: int) -> SimpleNamespace:
        timer = self.ptimers.get(s32(ident))
        if timer is None:
            raise Errno(E.EINVAL)
        return timer

    def _read_ktime(self, addr: int) -> int:
        """The timespec at guest `addr` in nanoseconds, at most KTIME_MAX
        (_ktime); EINVAL if it is not a valid one."""
        return _ktime(*self._timespec_fields(addr))

    @handler("dxpp")
    def sys_timer_settime(self, ident, flags, new, old):
        timer = self._ptimer(ident)
        interval, value = self._read_ktime(new), self._read_ktime(new + 16)
        if old:
            self.write_mem(old, self._ptimer_value(s32(ident)))
        key = ("timer", s32(ident))
        self.itimer_used = True
        self._drop_ptimer_signal(s32(ident))
        if value:   # (else disarmed)
            clock = _ALARM_CLOCK_OF.get(timer.clock, timer.clock)
            if flags & TIMER_ABSTIME:   # (a time on the timer's clock: from now on it)
                deadline = time.monotonic_ns() + max(0, value - time.clock_gettime_ns(clock))
            else:   # (Linux's hrtimer: a CPU-time clock's is none; a relative
                # CLOCK_REALTIME timer's is on CLOCK_MONOTONIC, common_timer_set)
                deadline = self._timer_deadline(value, None if clock in (
                    CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID) else
                    CLOCK_MONOTONIC if timer.clock == CLOCK_REALTIME else clock)
            self.itimers[key] = [deadline, interval]
        else:
            self.itimers.pop(key, None)
        timer.overrun = 0
        self._arm_itimers()
        return 0

    @handler("dp")
    def sys_timer_gettime(self, ident, cur):
        self._ptimer(ident)
        self.write_mem(cur, self._ptimer_value(s32(ident)))
        return 0

    def _ptimer_value(self, ident: int) -> bytes:
        """struct itimerspec (interval, value: timespecs) of a POSIX timer."""
        t = self.itimers.get(("timer", ident))
        if t is None:
            return bytes(32)
        left = max(t[0] - time.monotonic_ns(), 1)  # (due, not yet served: 1 ns)
        return struct.pack("<qqqq", *_ktime_parts(t[1], 10**9), *_ktime_parts(left, 10**9))

    @handler("d")
    def sys_timer_getoverrun(self, ident):
        return min(self._ptimer(ident).overrun, 0x7FFFFFFF)

    @handler("d")
    def sys_timer_delete(self, ident):
        self._ptimer(ident)
        self._drop_ptimer_signal(s32(ident))
        del self.ptimers[s32(ident)]
        if self.itimers.pop(("timer", s32(ident)), None) is not None:
            self._arm_itimers()
        return 0

    def _drop_ptimer_signal(self, ident: int) -> None:
        """The signal of POSIX timer `ident` that is pending still is dropped when
        the timer is set again or deleted, as Linux's (since 6.13) is: a
        sigwaitinfo after a periodic timer's end never takes a stale one."""
        timer = self.ptimers[ident]
        if timer.notify == SIGEV_NONE or not timer.signo:
            return
        sig, bit = timer.signo, 1 << (timer.signo - 1)

        def its(code) -> bool:   # (a siginfo of this timer's: si_code, si_timerid)
            return isinstance(code, bytes) and \
                struct.unpack_from("<iii4xi", code)[2:] == (SI_TIMER, ident)
        for holder in (self, *self.threads.all.values()):
            code = holder.pending_code.get(sig)
            if isinstance(code, list):   # (a real-time signal's queue)
                code = [c for c in code if not its(c)]
                if code:
                    holder.pending_code[sig] = code
                    continue
            elif not (holder.pending & bit and its(code)):
                continue
            holder.pending_code.pop(sig, None)
            holder.pending &= ~bit

    def _ptimer_fired(self, ident: int, missed: int) -> None:
        """A POSIX timer's time has come (and `missed` periods more): its
        signal, unless it is pending still (then the periods count as overruns)."""
        timer = self.ptimers[ident]
        if timer.notify == SIGEV_NONE:
            return
        thread = self.threads.all.get(timer.tid) if timer.notify == SIGEV_THREAD_ID else None
        holder = self if thread is None else thread
        if holder.pending & (1 << (timer.signo - 1)):
            timer.overrun += 1 + missed
            return
        timer.overrun = missed
        info = struct.pack("<iii4xiiQ", timer.signo, 0, SI_TIMER, ident, missed, timer.value)
        self.raise_signal(timer.signo, info.ljust(SIGINFO_SIZE, b"\0"), thread)

    def _arm_itimers(self) -> None:
        """The thread that asks the cpu to stop when the next timer is due (and
        again every 5 ms until the run loop serves it: a request made while a
        system call is served would be lost)."""
        if self._itimer_wake is not None:
            self._itimer_wake.set()
            self._itimer_wake = None
        if not self.itimers:
            return
        due, cancel, cpu = min(t[0] for t in self.itimers.values()), threading.Event(), self.cpu

        def wake():
            while time.monotonic_ns() < due:   # (in parts: a wait past TIMEOUT_MAX raises)
                if cancel.wait(min(max(0.0, (due - time.monotonic_ns()) / 1e9),
                                   threading.TIMEOUT_MAX)):
                    return
            while not cancel.is_set():
                cpu.request_stop()
                cancel.wait(0.005)

        threading.Thread(target=wake, daemon=True, name="vm_engine-linux-itimer").start()
        self._itimer_wake = cancel

    # -- guest memory ------------------------------------------------------------------
    def read_mem(self, addr: int, n: int) -> bytes:
        if n <= 0:
            return b""
        if not self.aspace.check_access(addr, n, PROT_READ):
            raise Errno(E.EFAULT)
        return self.mmu.mem_read(addr, n)

    def write_mem(self, addr: int, data: bytes) -> None:
        if not data:
            return
        if not self.aspace.check_access(addr, len(data), PROT_WRITE):
            raise Errno(E.EFAULT)
        self.mmu.mem_write(addr, data)

    def check_writable(self, addr: int, n: int) -> None:
        if n > 0 and not self.aspace.check_access(addr, n, PROT_WRITE):
            raise Errno(E.EFAULT)

    def read_cstr(self, addr: int, limit: int = PATH_MAX) -> bytes:
        out = bytearray()
        while True:
            chunk = self.read_mem(addr, PAGE_SIZE - (addr & PAGE_MASK))
            i = chunk.find(0)
            if i >= 0:
                out += chunk[:i]
                break
            out += chunk
            addr += len(chunk)
            if len(out) >= limit:
                raise Errno(E.ENAMETOOLONG)
        if len(out) >= limit:
            raise Errno(E.ENAMETOOLONG)
        return bytes(out)

    def read_u64(self, addr: int) -> int:
        return struct.unpack("<Q", self.read_mem(addr, 8))[0]

    def _timespec_fields(self, addr: int) -> tuple[int, int]:
        """(tv_sec, tv_nsec) of the timespec at guest `addr`; EINVAL if it is
        not a valid one."""
        sec, nsec = struct.unpack("<qq", self.read_mem(addr, 16))
        if sec < 0 or not 0 <= nsec < 1_000_000_000:
            raise Errno(E.EINVAL)
        return sec, nsec

    def read_timespec(self, addr: int) -> float:
        sec, nsec = self._timespec_fields(addr)
        return sec + nsec / 1e9

    # -- paths -------------------------------------------------------------------------
    def host_path(self, path: bytes, follow: bool = True) -> str:
        """An absolute guest path on the host: the sysroot's copy if it has one
        (a symbolic link there, unless not `follow`ed, followed there as in a
        chroot: elf.in_sysroot); one of the guest's descriptors (/dev/stdin,
        /proc/self/fd/N) the host's for it (ENOENT: none open)."""
        p = _ROOT_DOTS.sub("/", os.fsdecode(path))   # ("/.." is "/", not the sysroot's parent)
        if p == "/proc/self/exe" or p == f"/proc/{self.pid}/exe":
            return self.exe_path
        named = self._fd_path(p)
        if named is not None:
            f, rest = named
            if f.host_fd is not None:
                return f"/proc/self/fd/{f.host_fd}{rest}"
            return p   # (an engine's file, a Python stream: the host has no path for it)
        if self.sysroot and p != "/" and not p.startswith(("/proc/", "/dev/", "/sys/", "/tmp/")):
            cand = self.sysroot + p
            try:
                mode = os.lstat(cand).st_mode
            except OSError:
                return p
            if follow and S.S_ISLNK(mode):   # (Debian's alternatives: absolute links)
                return in_sysroot(p, self.sysroot) or cand
            return cand
        return p

    def _fd_path(self, p: str):
        """(the file, what follows) when absolute path p names one of this
        process's descriptors (/dev/stdin, /dev/fd/N, /proc/self/fd/N, ...),
        else None; ENOENT when that descriptor is not open, as Linux's."""
        fd = _STD_PATHS.get(p)
        rest = ""
        if fd is None:
            m = _FD_PATH.fullmatch(p)
            if m is None or (m.group(1) is not None and int(m.group(1)) != self.pid):
                return None
            fd, rest = int(m.group(2)), m.group(3) or ""
        entry = self.fds.get(fd) if fd < 1 << 31 else None
        if entry is None:
            raise Errno(E.ENOENT)
        return entry[0], rest

    def resolve(self, dirfd: int, path: bytes, follow: bool = True):
        """(host path, host dir fd or None) for a guest (dirfd, path) pair
        (callers handle AT_EMPTY_PATH's empty path themselves); `follow`: as
        the call follows a symbolic link at the end (host_path's)."""
        dirfd = s32(dirfd)
        if not path:
            raise Errno(E.ENOENT)
        if path.startswith(b"/"):
            return self.host_path(path, follow), None
        if dirfd == AT_FDCWD:
            if self.cwd_fd is not None:
                return os.fsdecode(path), self.cwd_fd
            return os.path.join(self.cwd, os.fsdecode(path)), None
        f = self.file(dirfd)
        if not f.is_dir or f.host_fd is None:
            raise Errno(E.ENOTDIR)
        return os.fsdecode(path), f.host_fd

    def cwd_path(self, path: bytes, follow: bool = True) -> str:
        """A guest path as one host path, for the calls that take no directory
        descriptor: a relative one joined to the working directory's path."""
        if path.startswith(b"/"):
            return self.host_path(path, follow)
        if not path:
            raise Errno(E.ENOENT)
        return os.path.join(self.getcwd(), os.fsdecode(path))

    def _set_cwd(self, fd: int) -> None:
        """Host directory descriptor fd (owned from now) becomes the working directory."""
        if self._cwd_closer is not None:
            self._cwd_closer()   # (the one before it closed)
        self.cwd_fd = fd
        self._cwd_closer = weakref.finalize(self, os.close, fd)
        self.getcwd()

    def getcwd(self) -> str:
        """The working directory's path (the host's: a directory in the sysroot
        is shown there, as its files' paths must lead there); ENOENT once it is
        deleted, as Linux's."""
        if self.cwd_fd is None:
            return self.cwd
        if os.fstat(self.cwd_fd).st_nlink == 0:
            raise Errno(E.ENOENT)
        self.cwd = os.readlink(f"/proc/self/fd/{self.cwd_fd}")
        return self.cwd

    def _display_path(self, host: str, dfd) -> str:
        if dfd is None:
            return host
        if dfd == self.cwd_fd:
            return os.path.join(self.cwd, host)
        for f, _ in self.fds.values():
            if f.host_fd == dfd and f.path:
                return os.path.join(f.path, host)
        return host

    def _with_umask(self, fn, *args, **kwargs):
        # the umask is the host process's: guests creating files at once take turns
        with _UMASK_LOCK:
            old = os.umask(self.umask)
            try:
                return fn(*args, **kwargs)
            finally:
                os.umask(old)

    # -- dispatch ----------------------------------------------------------------------
    def syscall(self) -> None:
        """Serves the ecall the cpu stopped at (a7 = number, a0-a5 = arguments),
        writes the result to a0, then delivers any signal that became pending.
        Raises ProcessExit when the process ends."""
        cpu = self.cpu
        nr, *args = cpu.syscall_args()
        self.syscall_count += 1
        me = self.threads.current
        me.restarting = False
        self._restart_deadline, me.restart_deadline = me.restart_deadline, None
        if self._held_dirty and nr not in _MASK_DANCE:
            self._hold_blocked()
        entry = self._table.get(nr)
        if entry is None:
            if self.strace:
                name = SYSCALL_NAMES.get(nr, f"syscall_{nr}")
                self.trace(f"{name}({', '.join(hex(a) for a in args)}) = -1 ENOSYS "
                            f"(not implemented by vm_engine)")
            cpu.syscall_return(-E.ENOSYS & MASK64)
        else:
            name, fn, nargs, spec, retfmt = entry
            shown = self._format_args(spec, args) if self.strace else None
            try:
                ret = fn(*args[:nargs])
            except Errno as e:
                ret = -e.code
            except GuestMemoryError:
                ret = -E.EFAULT
            except OSError as e:
                ret = -(e.errno or E.EIO)
            except (ProcessExit, ProcessExec):
                if self.strace:
                    self.trace(f"{name}({', '.join(a for a in shown if a is not _SKIP)}) = ?")
                raise
            if self.strace:
                self._trace_done(name, spec, args, shown, ret, retfmt)
            if ret is not _NO_RESULT:
                cpu.syscall_return(ret & MASK64)
        self._child_ended()
        pending = self.pending_for()
        if pending and pending & ~self.sigmask:
            self.deliver_signals()

    def trace(self, text: str) -> None:
        """Writes one strace line."""
        out = self.strace_file or sys.stderr
        if self.threads.several:  # (as strace -f shows them)
            text = f"[pid {self.threads.current.tid}] {text}"
        out.write(text + "\n")
        out.flush()

    def _format_args(self, spec: str, args) -> list[str]:
        out = []
        for i, kind in enumerate(spec):
            a = args[i]
            try:
                if kind == "d":
                    out.append(str(s32(a)))
                elif kind == "l":
                    out.append(str(s64(a)))
                elif kind == "u":
                    out.append(str(a))
                elif kind == "x":
                    out.append(hex(a))
                elif kind == "p":
                    out.append("NULL" if a == 0 else hex(a))
                elif kind == "f":
                    out.append("AT_FDCWD" if s32(a) == AT_FDCWD else str(s32(a)))
                elif kind == "s":
                    out.append("NULL" if a == 0 else _quote(self.read_cstr(a), 256))
                elif kind == "b":
                    out.append(_quote(self.read_mem(a, min(args[i + 1], 64))
                                      + (b"\0" * (args[i + 1] > 64))))
                elif kind == "B":
                    out.append(None)  # filled in after the call
                elif kind == "o":
                    out.append(f"0{a:o}")
                elif kind == "O":
                    acc = ("O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE")[a & 3]
                    rest = _flags(a & ~3, _OPEN_NAMES, "")
                    out.append(acc + ("|" + rest if rest else ""))
                elif kind == "P":
                    out.append(_flags(a, _PROT_NAMES, "PROT_NONE"))
                elif kind == "M":
                    out.append(_flags(a, _MAP_NAMES))
                elif kind == "S":
                    out.append(SIGNAL_NAMES.get(s32(a), str(s32(a))))
                elif kind == "A":
                    out.append(_flags(a, _AT_NAMES))
                elif kind == "R":
                    out.append(RLIMIT_NAMES[a] if a < len(RLIMIT_NAMES) else str(a))
                elif kind == "I":
                    out.append(_IOCTL_NAMES.get(a & 0xFFFFFFFF, hex(a)))
                elif kind == "C":
                    out.append(_FCNTL_NAMES.get(s32(a), str(s32(a))))
                elif kind == "m":
                    prev = args[i - 1]
                    out.append(f"0{a:o}" if prev & O_CREAT or prev & O_TMPFILE == O_TMPFILE
                               else _SKIP)
                else:
                    out.append(hex(a))
            except (Errno, GuestMemoryError):
                out.append(hex(a))
        return out

    def _trace_done(self, name, spec, args, shown, ret, retfmt) -> None:
        if ret is _NO_RESULT:   # (the call made again later, or a handler set the registers)
            shown = [hex(args[i]) if a is None else a for i, a in enumerate(shown) if a is not _SKIP]
            self.trace(f"{name}({', '.join(shown)}) = ?")
            return
        for i, kind in enumerate(spec):
            if kind == "B":
                if isinstance(ret, int) and ret > 0:
                    # what was written: no more than the buffer (a recv with
                    # MSG_TRUNC returns a datagram's whole length)
                    n = min(ret, args[i + 1]) if spec[i + 1:i + 2] == "u" else ret
                    try:
                        shown[i] = _quote(self.mmu.mem_read(args[i], min(n, 64))
                                          + (b"\0" * (n > 64)))
                    except GuestMemoryError:
                        shown[i] = hex(args[i])
                else:
                    shown[i] = hex(args[i])
        if -4096 < ret < 0:
            code = -ret
            r = f"-1 {E.errorcode.get(code, str(code))} ({os.strerror(code)})"
        elif retfmt == "x":
            r = hex(ret)
        else:
            r = str(ret)
        self.trace(f"{name}({', '.join(a for a in shown if a is not _SKIP)}) = {r}")

    # == files ==============================================================================
    @handler("fBu")
    def sys_read(self, fd, buf, count):
        f = self.file(fd)
        if not f.readable():
            raise Errno(E.EBADF)
        count = min(count, MAX_RW_COUNT)
        self.check_writable(buf, count)
        if self._blocks(f, select.POLLIN, fd):
            return _NO_RESULT
        data = f.read(count)
        self.write_mem(buf, data)
        return len(data)

    @handler("fbu")
    def sys_write(self, fd, buf, count):
        f = self.file(fd)
        if not f.writable():
            raise Errno(E.EBADF)
        data = self.read_mem(buf, min(count, MAX_RW_COUNT))
        return self._write(f, data, key=("write", fd, buf, count))

    def _write(self, f, data, offset=None, key=None):
        if offset is None and key is not None and _streams(f):
            if f._stream_kind == "pipe":   # (PIPE_BUF or less: fits once poll says room)
                def send_now(part):
                    return self._write_now(f, part if len(part) <= _PIPE_BUF
                                           else part[:_pipe_room(f.host_fd)])
            else:   # (a socket: a write as a send, SIGPIPE and all)
                def send_now(part):
                    return self._sent(0, lambda: _now(
                        lambda p, more: libc.call("send", f.host_fd, p, len(p), more), part))
            return self._stream_write(f, key, data, send_now)
        if offset is None and self._blocks(f, select.POLLOUT):
            return _NO_RESULT
        return self._write_now(f, data, offset)

    def _stream_write(self, f, key, data: bytes, send_now):
        """A blocking write to a pipe or a socket (_streams; key: the call's
        arguments): as much as send_now(rest) takes without waiting (0: no
        room), then, until all of it has gone, the thread waits for room (the
        other threads run meanwhile: the reader may be one of them) and sends
        on. A signal that comes once some has gone ends it with that count, as
        Linux's pipe_write and sk_stream_wait_memory do; before, EINTR or the
        call made again (SA_RESTART); a socket's SO_SNDTIMEO likewise (EAGAIN).
        What has gone is the thread's (stream_sent) while it waits: the call
        made again goes on from there. (The host's own blocking write would
        hold up every thread, and no signal would end it.)"""
        from .sockets import socket_timeout
        me = self.threads.current
        sent = me.stream_sent[1] if me.stream_sent and me.stream_sent[0] == key else 0
        me.stream_sent = None
        events = select.POLLOUT | select.POLLERR | select.POLLHUP
        timed = False   # (the deadline: taken when it first has to wait, as _blocks)
        while sent < len(data):
            if f.poll(events):
                n = send_now(data[sent:])
                sent += n
                if n:
                    continue
            if sent and self._signal_came(me.sigmask):
                return sent
            if not timed:
                deadline, keep = self._call_deadline(socket_timeout(f.host_fd, select.POLLOUT))
                timed = True
            if deadline is not None and time.monotonic() >= deadline:
                if sent:
                    return sent
                raise Errno(E.EAGAIN)
            if not self.threads.several:   # (it waits here, for room, a signal or a stop)
                try:
                    ended = self._wait_on_host([(f.host_fd, events)], deadline, keep)
                except Errno:   # (EINTR, EAGAIN: after some has gone, its count)
                    if sent:
                        return sent
                    raise
                if ended is None:
                    continue
                if sent and self._signal_came(me.sigmask):   # (not made again: its count)
                    self.cpu.pc += 4
                    return sent
                me.stream_sent = (key, sent)   # (a stop: made again, going on)
                return ended
            if self._signal_came(me.sigmask):   # (a signal for it ended its wait)
                return self._interrupt_call(restartable=deadline is None)
            me.stream_sent = (key, sent)
            self.threads.block_until(lambda: f.poll(events) or self._signal_came(me.sigmask, me),
                                     deadline, keep)
            return _NO_RESULT
        return sent

    def _write_now(self, f, data, offset=None) -> int:
        """Writes, and a pipe with no reader left raises SIGPIPE (and EPIPE)."""
        data = self._within_file_size_limit(f, data, offset)
        try:
            return f.write(data) if offset is None else f.pwrite(data, offset)
        except BrokenPipeError:
            self.raise_signal(SIGPIPE)
            raise

    def _within_file_size_limit(self, f, data, offset):
        """`data` as much of it as a regular file may take below the file size
        limit (RLIMIT_FSIZE, the guest's: kept, not the host process's); none:
        SIGXFSZ and EFBIG, as Linux."""
        limit = self.rlimits[RLIMIT_FSIZE][0]
        if limit == RLIM_INFINITY or not data or f.host_fd is None:
            return data
        st = os.fstat(f.host_fd)
        if not S.S_ISREG(st.st_mode):
            return data
        at = offset if offset is not None and not f.flags & O_APPEND else \
            st.st_size if f.flags & O_APPEND else os.lseek(f.host_fd, 0, os.SEEK_CUR)
        self._check_file_size(at + 1, limit)
        return data[:limit - at]

    def _check_file_size(self, size: int, limit: int | None = None) -> None:
        """A file may grow to `size` bytes under the file size limit; else
        SIGXFSZ and EFBIG."""
        if limit is None:
            limit = self.rlimits[RLIMIT_FSIZE][0]
        if limit != RLIM_INFINITY and size > limit:
            self.raise_signal(SIGXFSZ)
            raise Errno(E.EFBIG)

    def _offset_at(self, ptr):
        """The file offset at guest pointer ptr (a loff_t; None if ptr is NULL),
        which may not be negative."""
        if not ptr:
            return None
        offset = s64(self.read_u64(ptr))
        if offset < 0:
            raise Errno(E.EINVAL)
        return offset

    @handler("ffpu")
    def sys_sendfile(self, out_fd, in_fd, offp, count):
        """Copies up to `count` bytes from `in_fd` (at *offp, which moves on,
        if offp; else at its position) to `out_fd`: the host's sendfile when
        both are the host's, else through a buffer."""
        src, dst = self.file(in_fd), self.file(out_fd)
        if not src.readable() or not dst.writable():
            raise Errno(E.EBADF)
        offset = self._offset_at(offp)
        count = min(count, MAX_RW_COUNT)
        # what Linux reads from (splice_read): a file or a device; a socket only into
        # a pipe; not a pipe, an eventfd or a directory (a wait for ever on those here)
        mode = src.stat().st_mode
        if offset is not None and (S.S_ISFIFO(mode) or S.S_ISSOCK(mode) or not S.S_IFMT(mode)):
            raise Errno(E.ESPIPE)
        if not (S.S_ISREG(mode) or S.S_ISBLK(mode) or S.S_ISCHR(mode) or
                S.S_ISSOCK(mode) and self._is_pipe(dst)):
            raise Errno(E.EINVAL)
        if self._blocks(dst, select.POLLOUT) or self._blocks(src, select.POLLIN, in_fd):
            return _NO_RESULT
        if self.threads.several:   # (what a pipe takes without waiting: the others run)
            count = min(count, SENDFILE_CHUNK)
        if src.host_fd is not None and dst.host_fd is not None and \
                S.S_ISREG(os.fstat(src.host_fd).st_mode):
            n = os.sendfile(dst.host_fd, src.host_fd, offset, count)
        else:
            n = 0
            while n < count:
                want = min(SENDFILE_CHUNK, count - n)
                data = src.read(want) if offset is None else src.pread(want, offset + n)
                if not data:
                    break
                n += self._write_now(dst, data)
                if len(data) < want or not S.S_ISREG(mode):   # (a socket: what it has)
                    break
        if offp:
            self.write_mem(offp, struct.pack("<q", offset + n))
        return n

    # -- splice, tee, vmsplice: a pipe's data moved by the host, or through a buffer ------
    @staticmethod
    def _is_pipe(f) -> bool:
        return S.S_ISFIFO(f.stat().st_mode)   # (a Machine's stdin and stdout are pipes)

    def _pipe_waits(self, f, fd, events: int, flags: int) -> bool:
        """Before moving a pipe's data: True if the call waits for pipe `f`
        (made again when it is ready: _blocks); EAGAIN if it would and
        SPLICE_F_NONBLOCK says not to."""
        if flags & SPLICE_F_NONBLOCK:
            if not f.poll(events | select.POLLERR | select.POLLHUP):
                raise Errno(E.EAGAIN)
            return False
        return self._blocks(f, events, fd)

    @handler("fpfpux")
    def sys_splice(self, fd_in, off_in, fd_out, off_out, count, flags):
        """Moves up to `count` bytes from `fd_in` to `fd_out`, one of them a
        pipe; the other read or written at *off_in / *off_out (which moves on)
        if given, else at its position: the host's splice where both are the
        host's files, else through a buffer."""
        src, dst = self.file(fd_in), self.file(fd_out)
        if not src.readable() or not dst.writable():
            raise Errno(E.EBADF)
        if flags & ~SPLICE_F_ALL:
            raise Errno(E.EINVAL)
        in_pipe, out_pipe = self._is_pipe(src), self._is_pipe(dst)
        if not in_pipe and not out_pipe:
            raise Errno(E.EINVAL)
        if off_in and in_pipe or off_out and out_pipe:
            raise Errno(E.ESPIPE)
        if not out_pipe and dst.get_flags() & O_APPEND:
            raise Errno(E.EINVAL)
        offsets = [self._offset_at(off_in), self._offset_at(off_out)]
        count = min(count, MAX_RW_COUNT)
        if not count:
            return 0
        if in_pipe and self._pipe_waits(src, fd_in, select.POLLIN, flags) or \
                out_pipe and self._pipe_waits(dst, fd_out, select.POLLOUT, flags):
            return _NO_RESULT
        if src.host_fd is not None and dst.host_fd is not None:
            n = os.splice(src.host_fd, dst.host_fd, count, *offsets, flags=flags)
        else:
            data = src.read(count) if offsets[0] is None else src.pread(count, offsets[0])
            n = self._write_now(dst, data, offsets[1]) if data else 0
        for ptr, offset in zip((off_in, off_out), offsets):
            if ptr:
                self.write_mem(ptr, struct.pack("<q", offset + n))
        return n

    @handler("ffux")
    def sys_tee(self, fd_in, fd_out, count, flags):
        """Copies up to `count` bytes from pipe `fd_in` to pipe `fd_out`
        without taking them from the first: the host's tee (host pipes only)."""
        src, dst = self.file(fd_in), self.file(fd_out)
        if not src.readable() or not dst.writable():
            raise Errno(E.EBADF)
        if flags & ~SPLICE_F_ALL or not self._is_pipe(src) or not self._is_pipe(dst) or \
                src.host_fd is None or dst.host_fd is None:
            raise Errno(E.EINVAL)
        count = min(count, MAX_RW_COUNT)
        if not count:
            return 0
        if self._pipe_waits(src, fd_in, select.POLLIN, flags) or \
                self._pipe_waits(dst, fd_out, select.POLLOUT, flags):
            return _NO_RESULT
        return libc.call("tee", ctypes.c_int(src.host_fd), ctypes.c_int(dst.host_fd),
                         ctypes.c_size_t(count), ctypes.c_uint(flags))

    @handler("fpux")
    def sys_vmsplice(self, fd, iov, nr_segs, flags):
        """Guest memory into a pipe (its write end: as writev), or out of it
        (its read end: as readv)."""
        f = self.file(fd)
        if not self._is_pipe(f):
            raise Errno(E.EBADF)
        if flags & ~SPLICE_F_ALL:
            raise Errno(E.EINVAL)
        if flags & SPLICE_F_NONBLOCK:   # (EAGAIN unless ready; else they wait as they do)
            self._pipe_waits(f, fd, select.POLLOUT if f.writable() else select.POLLIN, flags)
        return self._writev(fd, iov, nr_segs, None) if f.writable() else \
            self._readv(fd, iov, nr_segs, None)

    # -- extended attributes: the host file's -------------------------------------------
    def _xattr_target(self, path, fd=None, follow=True):
        """What os.*xattr take for a guest path (resolved as the *at calls do)
        or descriptor: (path or host fd, follow_symlinks)."""
        if fd is not None:
            f = self.file(fd)
            if f.host_fd is None:
                raise Errno(E.EOPNOTSUPP)
            return f.host_fd, True
        host = self.cwd_path(self.read_cstr(path), follow)
        return host, follow

    def _xattr_get(self, target, name, value, size):
        where, follow = target
        data = os.getxattr(where, os.fsdecode(self.read_cstr(name)), follow_symlinks=follow)
        if size:
            if len(data) > size:
                raise Errno(E.ERANGE)
            self.write_mem(value, data)
        return len(data)

    def _xattr_set(self, target, name, value, size, flags):
        where, follow = target
        if flags & ~3:   # (XATTR_CREATE, XATTR_REPLACE)
            raise Errno(E.EINVAL)
        os.setxattr(where, os.fsdecode(self.read_cstr(name)), self.read_mem(value, size) if size
                    else b"", flags, follow_symlinks=follow)
        return 0

    def _xattr_list(self, target, out, size):
        where, follow = target
        data = b"".join(os.fsencode(n) + b"\0" for n in os.listxattr(where, follow_symlinks=follow))
        if size:
            if len(data) > size:
                raise Errno(E.ERANGE)
            self.write_mem(out, data)
        return len(data)

    def _xattr_remove(self, target, name):
        where, follow = target
        os.removexattr(where, os.fsdecode(self.read_cstr(name)), follow_symlinks=follow)
        return 0

    @handler("sspu")
    def sys_getxattr(self, path, name, value, size):
        return self._xattr_get(self._xattr_target(path), name, value, size)

    @handler("sspu")
    def sys_lgetxattr(self, path, name, value, size):
        return self._xattr_get(self._xattr_target(path, follow=False), name, value, size)

    @handler("fspu")
    def sys_fgetxattr(self, fd, name, value, size):
        return self._xattr_get(self._xattr_target(None, fd), name, value, size)

    @handler("sspux")
    def sys_setxattr(self, path, name, value, size, flags):
        return self._xattr_set(self._xattr_target(path), name, value, size, flags)

    @handler("sspux")
    def sys_lsetxattr(self, path, name, value, size, flags):
        return self._xattr_set(self._xattr_target(path, follow=False), name, value, size, flags)

    @handler("fspux")
    def sys_fsetxattr(self, fd, name, value, size, flags):
        return self._xattr_set(self._xattr_target(None, fd), name, value, size, flags)

    @handler("spu")
    def sys_listxattr(self, path, out, size):
        return self._xattr_list(self._xattr_target(path), out, size)

    @handler("spu")
    def sys_llistxattr(self, path, out, size):
        return self._xattr_list(self._xattr_target(path, follow=False), out, size)

    @handler("fpu")
    def sys_flistxattr(self, fd, out, size):
        return self._xattr_list(self._xattr_target(None, fd), out, size)

    @handler("ss")
    def sys_removexattr(self, path, name):
        return self._xattr_remove(self._xattr_target(path), name)

    @handler("ss")
    def sys_lremovexattr(self, path, name):
        return self._xattr_remove(self._xattr_target(path, follow=False), name)

    @handler("fs")
    def sys_fremovexattr(self, fd, name):
        return self._xattr_remove(self._xattr_target(None, fd), name)

    @handler("fpfpux")
    def sys_copy_file_range(self, fd_in, off_in, fd_out, off_out, count, flags):
        """The host's copy_file_range between two regular files (offsets at
        off_in/off_out, which move on, if given; else the files' positions)."""
        src, dst = self.file(fd_in), self.file(fd_out)
        if flags:
            raise Errno(E.EINVAL)
        if not src.readable() or not dst.writable() or dst.get_flags() & O_APPEND:
            raise Errno(E.EBADF)
        if src.host_fd is None or dst.host_fd is None:
            raise Errno(E.EINVAL)
        offsets = [self._offset_at(off_in), self._offset_at(off_out)]
        n = os.copy_file_range(src.host_fd, dst.host_fd, min(count, MAX_RW_COUNT), *offsets)
        for ptr, off in zip((off_in, off_out), offsets):
            if ptr:
                self.write_mem(ptr, struct.pack("<q", off + n))
        return n

    def _iovecs(self, iov, iovcnt):
        iovcnt = s32(iovcnt)
        if iovcnt < 0 or iovcnt > IOV_MAX:
            raise Errno(E.EINVAL)
        raw = self.read_mem(iov, 16 * iovcnt)
        vecs = [struct.unpack_from("<QQ", raw, 16 * i) for i in range(iovcnt)]
        if sum(n for _, n in vecs) > MASK64 >> 1:
            raise Errno(E.EINVAL)
        return vecs

    @handler("fpd")
    def sys_readv(self, fd, iov, iovcnt):
        return self._readv(fd, iov, iovcnt, None)

    @handler("fpd")
    def sys_writev(self, fd, iov, iovcnt):
        return self._writev(fd, iov, iovcnt, None)

    @handler("fpdl")
    def sys_preadv(self, fd, iov, iovcnt, offset):
        if s64(offset) < 0:
            raise Errno(E.EINVAL)
        return self._readv(fd, iov, iovcnt, s64(offset))

    @handler("fpdl")
    def sys_pwritev(self, fd, iov, iovcnt, offset):
        if s64(offset) < 0:
            raise Errno(E.EINVAL)
        return self._writev(fd, iov, iovcnt, s64(offset))

    @handler("fpdllx")
    def sys_preadv2(self, fd, iov, iovcnt, lo, hi, flags):
        """preadv with flags (hints here: RWF_HIPRI, RWF_NOWAIT's no-wait aside)
        and offset -1: the file's position."""
        if flags & ~RWF_KNOWN:
            raise Errno(E.EOPNOTSUPP)
        return self._readv(fd, iov, iovcnt, None if s64(lo) == -1 else self._offset(lo))

    @handler("fpdllx")
    def sys_pwritev2(self, fd, iov, iovcnt, lo, hi, flags):
        if flags & ~RWF_KNOWN:
            raise Errno(E.EOPNOTSUPP)
        return self._writev(fd, iov, iovcnt, None if s64(lo) == -1 else self._offset(lo))

    @staticmethod
    def _offset(offset: int) -> int:
        if s64(offset) < 0:
            raise Errno(E.EINVAL)
        return s64(offset)

    def _readv(self, fd, iov, iovcnt, offset):
        f = self.file(fd)
        if not f.readable():
            raise Errno(E.EBADF)
        vecs = self._iovecs(iov, iovcnt)
        for base, n in vecs:
            self.check_writable(base, n)
        total = min(sum(n for _, n in vecs), MAX_RW_COUNT)
        if offset is None and not total:   # (Linux's vfs_readv: 0 at once, no wait)
            return 0
        if offset is None and self._blocks(f, select.POLLIN, fd):
            return _NO_RESULT
        data = f.read(total) if offset is None else f.pread(total, offset)
        pos = 0
        for base, n in vecs:
            if pos >= len(data):
                break
            part = data[pos:pos + n]
            self.write_mem(base, part)
            pos += len(part)
        return len(data)

    def _writev(self, fd, iov, iovcnt, offset):
        f = self.file(fd)
        if not f.writable():
            raise Errno(E.EBADF)
        data = b"".join(self.read_mem(base, n) for base, n in self._iovecs(iov, iovcnt))
        if not data:
            return 0
        return self._write(f, data[:MAX_RW_COUNT], offset, key=("writev", fd, iov, iovcnt))

    @handler("fBul")
    def sys_pread64(self, fd, buf, count, offset):
        f = self.file(fd)
        if not f.readable():
            raise Errno(E.EBADF)
        if s64(offset) < 0:
            raise Errno(E.EINVAL)
        count = min(count, MAX_RW_COUNT)
        self.check_writable(buf, count)
        data = f.pread(count, s64(offset))
        self.write_mem(buf, data)
        return len(data)

    @handler("fbul")
    def sys_pwrite64(self, fd, buf, count, offset):
        f = self.file(fd)
        if not f.writable():
            raise Errno(E.EBADF)
        if s64(offset) < 0:
            raise Errno(E.EINVAL)
        return self._write(f, self.read_mem(buf, min(count, MAX_RW_COUNT)), s64(offset))

    def _made_up_file(self, path: bytes):
        """The file the guest sees at `path` if the engine makes it up (the
        guest's own /proc/self, its one hart), else None."""
        p = os.fsdecode(path)
        if p == "/proc/cpuinfo":
            return ProcFile(CPUINFO, p)
        if p in CPU_LISTS:   # (glibc's get_nprocs and get_nprocs_conf read these)
            return ProcFile(b"0\n", p)
        for prefix in ("/proc/self/", f"/proc/{self.pid}/"):
            if p.startswith(prefix):
                rest = p[len(prefix):]
                if rest == "maps":
                    return ProcFile(self.aspace.maps_text().encode(), p)
                if rest == "cmdline":
                    return ProcFile(b"".join(a + b"\0" for a in self.argv), p)
                if rest == "comm":
                    return ProcFile(self.comm + b"\n", p)
                if rest in ("stat", "status"):
                    return ProcFile(self._proc_status(rest), p)
        return None

    def _proc_status(self, name: str) -> bytes:
        """The host's /proc/self/stat or status with the guest's name and
        number of threads (the host process has threads of its own: the
        compiler's; Python's fork() warns of threads it counts there)."""
        with open(f"/proc/self/{name}", "rb") as fp:
            text = fp.read()
        threads = str(len(self.threads.all)).encode()
        if name == "stat":   # pid (comm) state ppid ...: num_threads is the 20th field
            fields = text[text.rindex(b")") + 2:].split(b" ")
            fields[17] = threads
            return b"%d (%s) " % (self.pid, self.comm) + b" ".join(fields)
        lines = text.split(b"\n")
        for k, line in enumerate(lines):
            if line.startswith(b"Name:"):
                lines[k] = b"Name:\t" + self.comm
            elif line.startswith(b"Threads:"):
                lines[k] = b"Threads:\t" + threads
        return b"\n".join(lines)

    @handler("fsOm")
    def sys_openat(self, dirfd, path, flags, mode):
        p = self.read_cstr(path)
        flags &= 0xFFFFFFFF
        if p.startswith(MADE_UP_DIRS):
            pf = self._made_up_file(p)
            if pf is not None:
                if flags & O_ACCMODE != O_RDONLY:
                    raise Errno(E.EACCES)
                return self.install(pf, bool(flags & O_CLOEXEC))
        # (an absolute path as host_path reads it: one of the process's descriptors?)
        sp = _ROOT_DOTS.sub("/", os.fsdecode(p)) if p.startswith(b"/") else None
        named = self._fd_path(sp) if sp is not None else None
        if named is not None and named[0].host_fd is None and not named[1]:
            return self.install(named[0], bool(flags & O_CLOEXEC))   # (as a dup of it)
        host, dfd = self.resolve(dirfd, p, not flags & O_NOFOLLOW)
        hflags = _host_flags(flags) | os.O_CLOEXEC
        if flags & O_CREAT or flags & O_TMPFILE == O_TMPFILE:
            hfd = self._with_umask(os.open, host, hflags, mode & 0o7777, dir_fd=dfd)
        else:
            hfd = os.open(host, hflags, dir_fd=dfd)
        own = sp is not None and _FD_DIR.fullmatch(sp)
        return self._install_opened(hfd, flags, os.path.normpath(self._display_path(host, dfd)),
                                    own_fds=bool(own) and own.group(1) in (None, str(self.pid)))

    def _install_opened(self, hfd: int, flags: int, shown: str, own_fds: bool = False) -> int:
        """The guest's descriptor for host file hfd, just opened with guest
        `flags` (a directory's file for a directory), shown as `shown`;
        `own_fds`: it is the directory of the process's descriptors."""
        try:
            is_dir = S.S_ISDIR(os.fstat(hfd).st_mode)
            if is_dir and not flags & O_PATH:
                f = FdDirFile(hfd, flags, shown, self.fds.keys) if own_fds else \
                    DirFile(hfd, flags, shown)
            else:
                f = HostFile(hfd, flags, shown)
            if is_dir and flags & O_PATH:
                f.is_dir = True
            return self.install(f, bool(flags & O_CLOEXEC))
        except BaseException:
            os.close(hfd)
            raise

    @handler("fsppA")
    def sys_name_to_handle_at(self, dirfd, path, handle, mount_id, flags):
        """A file's handle, the host file system's (which open_by_handle_at
        takes back), and its mount's id."""
        if flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH | AT_HANDLE_FID):
            raise Errno(E.EINVAL)
        p = self.read_cstr(path)
        if p or not flags & AT_EMPTY_PATH:
            host, dfd = self.resolve(dirfd, p, bool(flags & AT_SYMLINK_FOLLOW))
        elif s32(dirfd) == AT_FDCWD:
            host, dfd = ("", self.cwd_fd) if self.cwd_fd is not None else (self.cwd, None)
        else:
            host, dfd = "", self.file(dirfd).host_fd
            if dfd is None:   # (a file of the kernel's own: no file system's)
                raise Errno(E.EOPNOTSUPP)
        size = struct.unpack("<I", self.read_mem(handle, 4))[0]
        if size > MAX_HANDLE_SZ:
            raise Errno(E.EINVAL)
        self.check_writable(handle, 8 + size)
        self.check_writable(mount_id, 4)
        buf, mount = libc.buffer(struct.pack("<I", size) + bytes(4 + size)), ctypes.c_int(0)
        try:
            libc.call("name_to_handle_at", AT_FDCWD if dfd is None else dfd, os.fsencode(host),
                      buf, ctypes.byref(mount), flags)
        except OSError as e:
            if e.errno == E.EOVERFLOW:   # (the size it needs written back)
                self.write_mem(handle, buf.raw[:4])
            raise Errno(e.errno) from None
        self.write_mem(handle, buf.raw[:8 + size])
        self.write_mem(mount_id, struct.pack("<i", mount.value))
        return 0

    @handler("fpO")
    def sys_open_by_handle_at(self, mount_fd, handle, flags):
        """The file a handle of name_to_handle_at's names, opened by the host
        (which wants CAP_DAC_READ_SEARCH), on the mount an open file is on."""
        f = self.file(mount_fd) if s32(mount_fd) != AT_FDCWD else None
        mount = AT_FDCWD if f is None else f.host_fd
        if mount is None:
            raise Errno(E.EBADF)
        size = struct.unpack("<I", self.read_mem(handle, 4))[0]
        if size > MAX_HANDLE_SZ or size == 0:
            raise Errno(E.EINVAL)
        flags &= 0xFFFFFFFF
        try:
            hfd = libc.call("open_by_handle_at", mount,
                            libc.buffer(self.read_mem(handle, 8 + size)),
                            _host_flags(flags) | os.O_CLOEXEC)
        except OSError as e:
            raise Errno(e.errno) from None
        try:
            shown = os.readlink(f"/proc/self/fd/{hfd}")
        except OSError:
            shown = ""
        return self._install_opened(hfd, flags, shown)

    @handler("fspu")
    def sys_openat2(self, dirfd, path, how, size):
        """openat with a struct open_how (flags, mode, resolve), as strict as
        Linux's about them; opened by the host's openat2 (its RESOLVE_* rules)
        relative to the host directory that dirfd (or the working directory)
        is, an absolute path in the sysroot unless RESOLVE_BENEATH or
        RESOLVE_IN_ROOT makes it dirfd's."""
        if size < OPEN_HOW_SIZE:
            raise Errno(E.EINVAL)
        if size > PAGE_SIZE:
            raise Errno(E.E2BIG)
        raw = self.read_mem(how, size)
        if any(raw[OPEN_HOW_SIZE:]):
            raise Errno(E.E2BIG)
        flags, mode, resolve = struct.unpack_from("<QQQ", raw)
        if flags & ~_VALID_OPEN_FLAGS:   # (the bits openat ignores, openat2 refuses)
            raise Errno(E.EINVAL)
        p = self.read_cstr(path)
        rooted = resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)
        if p.startswith(MADE_UP_DIRS) and not rooted and self._made_up_file(p) is not None:
            return self.sys_openat(dirfd, path, flags, mode)   # (the guest's own /proc/self)
        own = None   # (the working directory's host descriptor, for the call)
        if p.startswith(b"/") and not rooted:
            hdir, base, target = AT_FDCWD, "/", os.fsencode(self.host_path(p, not flags & O_NOFOLLOW))
        elif s32(dirfd) == AT_FDCWD:
            hdir = own = os.dup(self.cwd_fd) if self.cwd_fd is not None else \
                os.open(self.cwd, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
            base, target = self.cwd, p
        else:
            f = self.file(dirfd)
            if not f.is_dir or f.host_fd is None:
                raise Errno(E.ENOTDIR)
            hdir, base, target = f.host_fd, f.path or "/", p
        host_how = libc.buffer(struct.pack("<QQQ", _host_flags(flags) | os.O_CLOEXEC, mode,
                                           resolve))
        try:
            hfd = self._with_umask(libc.call, "syscall", ctypes.c_long(_SYS_OPENAT2),
                                   ctypes.c_int(hdir), target, host_how,
                                   ctypes.c_size_t(OPEN_HOW_SIZE))
        finally:
            if own is not None:
                os.close(own)
        return self._install_opened(hfd, flags,
                                    os.path.normpath(os.path.join(base, os.fsdecode(target))))

    @handler("f")
    def sys_close(self, fd):
        if not self.close_fd(s32(fd)):
            raise Errno(E.EBADF)
        return 0

    @handler("uud")
    def sys_close_range(self, first, last, flags):
        first, last = first & 0xFFFFFFFF, last & 0xFFFFFFFF
        if first > last or flags & ~6:
            raise Errno(E.EINVAL)
        for fd in [fd for fd in self.fds if first <= fd <= last]:
            if flags & 4:   # CLOSE_RANGE_CLOEXEC
                self.fds[fd][1] = True
            else:
                self.close_fd(fd)
        return 0

    @handler("fld")
    def sys_lseek(self, fd, offset, whence):
        f = self.file(fd)
        whence = s32(whence)
        if whence not in (0, 1, 2, 3, 4):
            raise Errno(E.EINVAL)
        return f.lseek(s64(offset), whence)

    def _stat_path(self, dirfd, path_ptr, flags, allowed):
        if flags & ~allowed:
            raise Errno(E.EINVAL)
        p = self.read_cstr(path_ptr) if path_ptr else b""
        if not p and flags & AT_EMPTY_PATH:
            if s32(dirfd) == AT_FDCWD:
                return os.stat(self.cwd_fd if self.cwd_fd is not None else self.cwd)
            return self.file(dirfd).stat()
        host, dfd = self.resolve(dirfd, p, not flags & AT_SYMLINK_NOFOLLOW)
        return os.stat(host, dir_fd=dfd, follow_symlinks=not flags & AT_SYMLINK_NOFOLLOW)

    @handler("fp")
    def sys_fstat(self, fd, buf):
        st = self.file(fd).stat()
        self.write_mem(buf, pack_stat(st))
        return 0

    @handler("fspA")
    def sys_newfstatat(self, dirfd, path, buf, flags):
        st = self._stat_path(dirfd, path, flags,
                             AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT)
        self.write_mem(buf, pack_stat(st))
        return 0

    @handler("fsAxp")
    def sys_statx(self, dirfd, path, flags, mask, buf):
        flags &= 0xFFFFFFFF
        if flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE:
            raise Errno(E.EINVAL)
        st = self._stat_path(dirfd, path, flags, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW
                             | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE)
        self.write_mem(buf, pack_statx(st))
        return 0

    @handler("fsBu")
    def sys_readlinkat(self, dirfd, path, buf, size):
        p = self.read_cstr(path)
        if s32(size) <= 0:
            raise Errno(E.EINVAL)
        text = None
        sp = os.fsdecode(p)
        named = self._fd_path(sp) if sp not in _STD_PATHS else None   # (those: links
        if named is not None and not named[1]:                        # to /proc/self/fd/N)
            f = named[0]
            if f.path:
                text = f.path
            elif f.host_fd is not None:
                text = os.readlink(f"/proc/self/fd/{f.host_fd}")
            else:
                text = f"pipe:[{id(f) & 0xFFFFFF}]"
        for prefix in ("/proc/self/", f"/proc/{self.pid}/"):
            if sp.startswith(prefix):
                rest = sp[len(prefix):]
                if rest == "exe":
                    text = self.exe_path
                elif rest == "cwd":
                    text = self.getcwd()
        if text is None:
            host, dfd = (sp, None) if sp in _STD_PATHS else self.resolve(dirfd, p, False)
            text = os.readlink(host, dir_fd=dfd)
        data = os.fsencode(text)[:size]
        self.write_mem(buf, data)
        return len(data)

    @handler("fpu")
    def sys_getdents64(self, fd, buf, count):
        f = self.file(fd)
        if not isinstance(f, DirFile):
            raise Errno(E.ENOTDIR)
        entries = f.listing()
        out = bytearray()
        while f.pos < len(entries):
            ino, dtype, name = entries[f.pos]
            rec = pack_dirent64(ino, f.pos + 1, dtype, name)
            if len(out) + len(rec) > count:
                if not out:
                    raise Errno(E.EINVAL)
                break
            out += rec
            f.pos += 1
        self.write_mem(buf, bytes(out))
        return len(out)

    @handler("fIx")
    def sys_ioctl(self, fd, req, arg):
        f = self.file(fd)
        req &= 0xFFFFFFFF
        if req == FIOCLEX or req == FIONCLEX:
            self.fds[s32(fd)][1] = req == FIOCLEX
            return 0
        if req == FIONBIO or req == FIOASYNC:  # (any file's, as fcntl's F_SETFL)
            flag = O_NONBLOCK if req == FIONBIO else O_ASYNC
            on = struct.unpack("<i", self.read_mem(arg, 4))[0]
            f.set_flags((f.get_flags() & ~flag) | (flag if on else 0))
            return 0
        return f.ioctl(self, req, arg)

    @handler("fCx")
    def sys_fcntl(self, fd, cmd, arg):
        f = self.file(fd)
        fd, cmd = s32(fd), s32(cmd)
        if cmd in (F_DUPFD, F_DUPFD_CLOEXEC):
            if s32(arg) < 0 or s32(arg) >= self.rlimits[7][0]:
                raise Errno(E.EINVAL)
            return self.install(f, cmd == F_DUPFD_CLOEXEC, lowest=s32(arg))
        if cmd == F_GETFD:
            return FD_CLOEXEC if self.fds[fd][1] else 0
        if cmd == F_SETFD:
            self.fds[fd][1] = bool(arg & FD_CLOEXEC)
            return 0
        if cmd == F_GETFL:
            return f.get_flags()
        if cmd == F_SETFL:
            f.set_flags(arg & 0xFFFFFFFF)
            return 0
        if cmd in (F_GETLK, F_OFD_GETLK):
            raw = self.read_mem(arg, FLOCK_SIZE)
            if f.host_fd is None:   # (a file of the kernel's own: no one else locks it)
                raw = struct.pack("<h", F_UNLCK) + raw[2:]
            else:
                raw = fcntl.fcntl(f.host_fd, cmd, raw)
            self.write_mem(arg, raw)
            return 0
        if cmd in (F_SETLK, F_SETLKW, F_OFD_SETLK, F_OFD_SETLKW):
            raw = self.read_mem(arg, FLOCK_SIZE)
            now = F_OFD_SETLK if cmd in (F_OFD_SETLK, F_OFD_SETLKW) else F_SETLK
            return self._lock(f, lambda: fcntl.fcntl(f.host_fd, now, raw),
                              cmd in (F_SETLKW, F_OFD_SETLKW))
        if cmd in (F_GETOWN, F_SETOWN, F_SETSIG, F_GETSIG, F_NOTIFY):
            # signal-driven I/O (O_ASYNC) and a directory's changes (dnotify): the
            # host's, whose signals reach the guest's handlers (guest and host
            # pids are the same), where the host process is the guest's (vm-engine
            # run's, a fork's child: HostSignals); none on the kernel's own files,
            # none in a program that would have them go to others' process
            if f.host_fd is None or self.host_signals is None:
                if cmd in (F_GETOWN, F_SETOWN, F_GETSIG):
                    return 0
                raise Errno(E.EINVAL)
            if cmd == F_SETSIG and arg and arg not in PASSED:
                raise Errno(E.EINVAL)
            return fcntl.fcntl(f.host_fd, cmd, s32(arg) if cmd == F_SETOWN else arg & 0xFFFFFFFF)
        if cmd in (F_SETOWN_EX, F_GETOWN_EX):   # (glibc's F_GETOWN: the same, as a struct)
            if f.host_fd is None or self.host_signals is None:
                if cmd == F_GETOWN_EX:
                    self.write_mem(arg, bytes(8))
                return 0
            owner = fcntl.fcntl(f.host_fd, cmd, self.read_mem(arg, 8) if cmd == F_SETOWN_EX
                                else bytes(8))
            if cmd == F_GETOWN_EX:
                self.write_mem(arg, owner)
            return 0
        if cmd in (F_ADD_SEALS, F_GET_SEALS):   # (a memfd's: the host's)
            if f.host_fd is None:
                raise Errno(E.EINVAL)
            return fcntl.fcntl(f.host_fd, cmd, arg & 0xFFFFFFFF)
        if cmd in (F_GETPIPE_SZ, F_SETPIPE_SZ):   # (a host pipe's: the host's; else as
            if f.host_fd is not None:             # a new pipe's, 16 pages)
                try:
                    return fcntl.fcntl(f.host_fd, cmd, s32(arg) if cmd == F_SETPIPE_SZ else 0)
                except OSError as e:
                    raise Errno(e.errno) from None
            return 65536 if cmd == F_GETPIPE_SZ else max(s32(arg), PAGE_SIZE)
        raise Errno(E.EINVAL)

    @handler("f")
    def sys_dup(self, fd):
        return self.install(self.file(fd))

    @handler("ffx")
    def sys_dup3(self, oldfd, newfd, flags):
        f = self.file(oldfd)
        if flags & ~O_CLOEXEC or s32(oldfd) == s32(newfd):
            raise Errno(E.EINVAL)
        newfd = s32(newfd)
        if newfd < 0 or newfd >= self.rlimits[7][0]:
            raise Errno(E.EBADF)
        return self.install(f, bool(flags & O_CLOEXEC), at=newfd)

    @handler("px")
    def sys_pipe2(self, fds, flags):
        if flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT):
            raise Errno(E.EINVAL)
        self.check_writable(fds, 8)
        r, w = os.pipe2(_host_flags(flags & (O_NONBLOCK | O_DIRECT)) | os.O_CLOEXEC)
        pair = self._install_pair(HostFile(r, O_RDONLY | (flags & O_NONBLOCK)),
                                  HostFile(w, O_WRONLY | (flags & O_NONBLOCK)), flags)
        self.write_mem(fds, struct.pack("<ii", *pair))
        return 0

    def _install_new(self, f: GuestFile, flags: int) -> int:
        """Installs a file just made (released again if there is no room)."""
        try:
            return self.install(f, bool(flags & O_CLOEXEC))
        except Errno:
            f.release()
            raise

    def _install_pair(self, a: GuestFile, b: GuestFile, flags: int) -> tuple:
        """Installs two files just made (a pipe's ends, a socket pair): their
        fds; neither is left open if there is no room for both."""
        try:
            first = self._install_new(a, flags)
        except Errno:
            b.release()
            raise
        try:
            return first, self._install_new(b, flags)
        except Errno:
            self.close_fd(first)
            raise

    @handler("fl")
    def sys_ftruncate(self, fd, length):
        f = self.file(fd)
        if f.host_fd is None or not f.writable():
            raise Errno(E.EINVAL)
        if s64(length) < 0:
            raise Errno(E.EINVAL)
        st = os.fstat(f.host_fd)
        if S.S_ISREG(st.st_mode) and s64(length) > st.st_size:   # (growing it)
            self._check_file_size(s64(length))
        os.ftruncate(f.host_fd, s64(length))
        st = os.fstat(f.host_fd)
        self.aspace.file_shrunk((st.st_dev, st.st_ino), s64(length))
        return 0

    @handler("sl")
    def sys_truncate(self, path, length):
        host = self.cwd_path(self.read_cstr(path))
        if s64(length) < 0:
            raise Errno(E.EINVAL)
        if s64(length) > os.stat(host).st_size:   # (growing it)
            self._check_file_size(s64(length))
        os.truncate(host, s64(length))
        st = os.stat(host)
        self.aspace.file_shrunk((st.st_dev, st.st_ino), s64(length))
        return 0

    @handler("f")
    def sys_fsync(self, fd):
        f = self.file(fd)
        if f.host_fd is not None:
            os.fsync(f.host_fd)
        return 0

    @handler("f")
    def sys_fdatasync(self, fd):
        return self.sys_fsync(fd)

    @handler("fllx")
    def sys_sync_file_range(self, fd, offset, nbytes, flags):
        """The host's, on the host file (a Machine's stdin or stdout: a pipe's ESPIPE)."""
        f = self.file(fd)
        if f.host_fd is None:
            raise Errno(E.ESPIPE)
        return libc.call("sync_file_range", ctypes.c_int(f.host_fd), ctypes.c_int64(s64(offset)),
                         ctypes.c_int64(s64(nbytes)), ctypes.c_uint(flags & 0xFFFFFFFF))

    @handler("flu")
    def sys_readahead(self, fd, offset, count):
        """The host's, on the host file (a Machine's stdin or stdout: EINVAL)."""
        f = self.file(fd)
        if f.host_fd is None:
            raise Errno(E.EINVAL if f.readable() else E.EBADF)
        return libc.call("readahead", ctypes.c_int(f.host_fd), ctypes.c_int64(s64(offset)),
                         ctypes.c_size_t(count))

    @handler("f")
    def sys_syncfs(self, fd):
        """The host's, of the file system the file is on (any file: a pipe's too,
        where fsync is EINVAL)."""
        f = self.file(fd)
        if f.host_fd is not None:
            try:
                libc.call("syncfs", f.host_fd)
            except AttributeError:   # (a host C library without it: not Linux's)
                os.sync()
        return 0

    @handler("")
    def sys_sync(self):
        os.sync()
        return 0

    @handler("fx")
    def sys_flock(self, fd, op):
        f = self.file(fd)
        kind = op & ~LOCK_NB
        if kind not in (LOCK_SH, LOCK_EX, LOCK_UN):
            raise Errno(E.EINVAL)
        return self._lock(f, lambda: fcntl.flock(f.host_fd, kind | LOCK_NB),
                          not op & LOCK_NB)

    def _lock(self, f, attempt, wait: bool):
        """A file lock (flock's, fcntl's): the host's, on the file's host fd, so
        that other processes (a fork's, the host's) see it. attempt() takes
        it without waiting; `wait`: while another holds it, wait (other
        threads run meanwhile, the call made again; a signal ends the wait)."""
        if f.host_fd is None:   # (a file of the kernel's own: no one else locks it)
            return 0
        try:
            attempt()
            return 0
        except OSError as e:
            if not wait or e.errno not in (E.EAGAIN, E.EACCES):
                raise

        def taken() -> bool:   # (or failed otherwise: the call made again says how)
            try:
                attempt()
            except OSError as e:
                return e.errno not in (E.EAGAIN, E.EACCES)
            return True
        me = self.threads.current
        while True:
            if self._signal_came(me.sigmask):
                return self._interrupt_call()
            if self.stop_requested():
                return self._again()
            if self.threads.several:
                self.threads.block_until(lambda: taken() or self._signal_came(me.sigmask, me))
                return _NO_RESULT
            time.sleep(0.001)
            if taken():
                return 0

    @handler("fdll")
    def sys_fallocate(self, fd, mode, offset, length):
        f = self.file(fd)
        if s64(offset) < 0 or s64(length) <= 0:
            raise Errno(E.EINVAL)
        mode = s32(mode)
        if f.host_fd is None:
            raise Errno(E.ENODEV)
        if not mode & FALLOC_FL_KEEP_SIZE and \
                s64(offset) + s64(length) > os.fstat(f.host_fd).st_size:   # (growing it)
            self._check_file_size(s64(offset) + s64(length))
        if not mode:
            os.posix_fallocate(f.host_fd, offset, length)
            return 0
        # (keeping the size, punching holes, zeroing, collapsing or inserting
        # ranges: the host's, its file system's rules and errors)
        try:
            libc.call("fallocate", f.host_fd, mode, ctypes.c_int64(s64(offset)),
                      ctypes.c_int64(s64(length)))
        except OSError as e:
            raise Errno(e.errno) from None
        st = os.fstat(f.host_fd)
        self.aspace.file_shrunk((st.st_dev, st.st_ino), st.st_size)
        return 0

    @handler("flld")
    def sys_fadvise64(self, fd, offset, length, advice):
        self.file(fd)
        return 0

    @handler("pupxu")
    def sys_ppoll(self, fds, nfds, tmo, sigmask, sigsetsize):
        if nfds > self.rlimits[7][0]:
            raise Errno(E.EINVAL)
        raw = bytearray(self.read_mem(fds, 8 * nfds))
        polled = [struct.unpack_from("<ih", raw, 8 * i) for i in range(nfds)]
        temp = self._temp_mask(sigmask, sigsetsize)
        revents = self._poll_wait(polled, tmo, temp)
        if not isinstance(revents, list):
            return revents
        for i, rev in enumerate(revents):
            struct.pack_into("<H", raw, 8 * i + 6, rev & 0xFFFF)
        self.write_mem(fds, bytes(raw))
        return sum(map(bool, revents))

    @handler("dppppp")
    def sys_pselect6(self, nfds, rfds, wfds, efds, tmo, sigarg):
        nfds = s32(nfds)
        if not 0 <= nfds <= self.rlimits[7][0]:
            raise Errno(E.EINVAL)
        size = (nfds + 63) // 64 * 8
        sets = [int.from_bytes(self.read_mem(a, size), "little") if a and size else 0
                for a in (rfds, wfds, efds)]
        polled = []
        for fd in range(nfds):
            events = sum(flag for bits, flag in zip(sets, _SELECT_EVENTS) if bits >> fd & 1)
            if events:
                if fd not in self.fds:
                    raise Errno(E.EBADF)
                polled.append((fd, events))
        temp = None
        if sigarg:
            ss, ss_len = struct.unpack("<QQ", self.read_mem(sigarg, 16))
            temp = self._temp_mask(ss, ss_len)
        revents = self._poll_wait(polled, tmo, temp)
        if not isinstance(revents, list):
            return revents
        out = [0, 0, 0]
        for (fd, events), rev in zip(polled, revents):
            for k, ready in enumerate(_SELECT_READY):
                if events & _SELECT_EVENTS[k] and rev & ready:
                    out[k] |= 1 << fd
        for a, bits in zip((rfds, wfds, efds), out):
            if a and size:
                self.write_mem(a, bits.to_bytes(size, "little"))
        return sum(bin(bits).count("1") for bits in out)

    def _temp_mask(self, sigset: int, size: int):
        """The signal mask a call waits with (ppoll's, pselect6's), or None."""
        if not sigset:
            return None
        if size != 8:
            raise Errno(E.EINVAL)
        return struct.unpack("<Q", self.read_mem(sigset, 8))[0] & ~_UNBLOCKABLE

    def _wait_ready(self, polled, deadline: float | None, mask: int | None, on_wake=None):
        """Polls (fd, events) pairs until one is ready or time.monotonic()
        reaches `deadline` (None: no limit): their revents; None if a signal
        the wait's `mask` (default: the thread's) lets through came first (a
        child's end, a timer): EINTR. With other threads, one that would wait
        lets them run instead: _RESTART (its call is made again, on_wake()
        called first, when a file is ready, a signal has come or the time is
        up; on_wake keeps the time left for the call, as Linux does); so does
        a stop of the run (Machine.stop, a time limit): the call is made again
        when the run goes on."""
        mask = self.sigmask if mask is None else mask
        me = self.threads.current
        waits_on_host = any(fd in self.fds and self.fds[fd][0].host_fd is not None
                            for fd, _ in polled)
        while True:
            revents = self._revents(polled)
            now = time.monotonic()
            if any(revents) or (deadline is not None and now >= deadline):
                return revents
            if self._signal_came(mask):
                return None
            if self.stop_requested():   # (for now: made again when the run goes on)
                if on_wake is not None:
                    on_wake()
                self._again()
                return _RESTART
            if self.threads.several:
                self.threads.block_until(
                    lambda: any(self._revents(polled)) or self._signal_came(mask, me), deadline,
                    on_wake)
                return _RESTART
            # (a forked process, or one whose signals from others reach the guest,
            # waits for another process's signal as Linux would)
            if deadline is None and not waits_on_host and not self.children and \
                    not self.itimers and not self.forked and self.host_signals is None:
                raise LinuxError("deadlock: the guest waits for nothing that can happen "
                                 "(no file, no time limit, no child, no timer)")
            time.sleep(0.001 if deadline is None else min(0.001, max(0.0, deadline - now)))

    def _poll_wait(self, polled, tmo: int, temp: int | None):
        """ppoll's and pselect6's _wait_ready (until the time at guest timespec
        `tmo`, 0: no limit): the revents, or what the call returns now (it
        waits its turn, the time left written back to `tmo`, or a signal
        interrupted it)."""
        deadline = None if tmo == 0 else time.monotonic() + self.read_timespec(tmo)

        def time_left():
            left = deadline - time.monotonic()
            self.write_mem(tmo, struct.pack("<qq", *_time_parts(left, 10**9)))
        revents = self._wait_ready(polled, deadline, temp, time_left if tmo else None)
        if revents is _RESTART:
            return _NO_RESULT
        if revents is None:
            return self._interrupted(temp)
        return revents

    def _revents(self, polled) -> list:
        out = []
        for fd, events in polled:
            entry = self.fds.get(fd) if fd >= 0 else None
            out.append(0 if fd < 0 else select.POLLNVAL if entry is None else
                       entry[0].poll((events & 0xFFFF) | select.POLLERR | select.POLLHUP))
        return out

    def _signal_came(self, mask: int, thread=None) -> bool:
        """Whether a signal `mask` lets through is pending for `thread` (default:
        the running one), after looking for the ones a wait can bring: a
        child's end (SIGCHLD), a timer's."""
        self.look_for_signals()
        return bool(self.pending_for(thread) & ~mask)

    def _new_threads(self, cpu) -> Threads:
        """The threads of a new process (or program) whose one thread is on `cpu`."""
        return Threads(cpu, self.pid, self._signal_for_waiters, lambda: self.stop_requested())

    def _signal_for_waiters(self):
        """For threads that all wait: None if no signal can come (no timer, no
        child whose end a handler waits for, no other process's), else a thread
        that can take one that has come (False: none has)."""
        if not self.itimers and not self._sigchld_awaited() and self.host_signals is None:
            return None
        self.look_for_signals()
        return next((t for t in self.threads.all.values()
                     if self.pending_for(t) & ~t.sigmask), False)

    def _blocks(self, f, events: int, fd: int | None = None) -> bool:
        """With other threads: a read or write of `f` that would wait lets them
        run instead (the thread makes it again when `f` is ready): True then.
        A read of a file that waits in the kernel (guest fd `fd`) waits here."""
        if f.never_waits or f.nonblocking():
            return False
        if f.waits_in_kernel and events & select.POLLIN:   # (a write: its own error)
            ready = [] if f.poll(events) else self._wait_ready([(s32(fd), events)], None, None)
            if ready is None:
                raise Errno(E.EINTR)
            return ready is _RESTART
        if f.host_fd is None:
            return False
        events |= select.POLLERR | select.POLLHUP
        if f.poll(events):
            return False
        from .sockets import socket_timeout
        # a socket's SO_RCVTIMEO or SO_SNDTIMEO: the call fails with EAGAIN once it
        # has waited that long (the first try's deadline kept when it is made again)
        timeout = socket_timeout(f.host_fd, events)
        deadline, keep = self._call_deadline(timeout)
        if deadline is not None and time.monotonic() >= deadline:
            raise Errno(E.EAGAIN)
        if not self.threads.several:   # (it waits here, for the file, a signal or a stop)
            ended = self._wait_on_host([(f.host_fd, events)], deadline, keep)
            return False if ended is None else ended
        me = self.threads.current
        if self._signal_came(me.sigmask):   # (a signal for it ended its wait)
            return self._interrupt_call(restartable=deadline is None)
        self.threads.block_until(lambda: f.poll(events) or self._signal_came(me.sigmask, me),
                                 deadline, keep)
        return True

    def _wait_on_host(self, polled, deadline: float | None = None, keep=None):
        """The one thread's wait on host descriptors, (fd, events) pairs, in
        slices: None once one is ready; else what the waiting call returns, for
        a signal (_interrupt_call: EINTR whatever the handler asked where the
        call has a `deadline`, as signal(7) has it for a socket's time limit) or
        a stop of the run (_again; keep() keeps the deadline for the call made
        again). EAGAIN once time.monotonic() reaches `deadline`."""
        poller = select.poll()
        for fd, events in polled:
            poller.register(fd, events)
        while not poller.poll(WAIT_SLICE * 1000 if deadline is None else
                              max(0.0, min(WAIT_SLICE, deadline - time.monotonic())) * 1000):
            if self._signal_came(self.sigmask):
                return self._interrupt_call(restartable=deadline is None)
            if deadline is not None and time.monotonic() >= deadline:
                raise Errno(E.EAGAIN)
            if self.stop_requested():
                if keep is not None:
                    keep()
                return self._again()
        return None

    # -- event files: epoll, eventfd, timerfd, signalfd (linux/events.py) ------------------
    @handler("ux")
    def sys_eventfd2(self, initval, flags):
        from .events import EFD_SEMAPHORE, eventfd
        if flags & ~(O_CLOEXEC | O_NONBLOCK | EFD_SEMAPHORE):
            raise Errno(E.EINVAL)
        return self._install_new(eventfd(initval & 0xFFFFFFFF, flags), flags)

    @handler("x")
    def sys_inotify_init1(self, flags):
        """The host's inotify: its events (wd, mask, cookie, name) read as Linux
        writes them on riscv64 too; the watches are on host paths."""
        if flags & ~(O_CLOEXEC | O_NONBLOCK):
            raise Errno(E.EINVAL)
        hfd = libc.call("inotify_init1", _host_flags(flags & O_NONBLOCK) | os.O_CLOEXEC)
        return self._install_new(HostFile(hfd, O_RDONLY | (flags & O_NONBLOCK),
                                          "anon_inode:inotify"), flags)

    @handler("fsx")
    def sys_inotify_add_watch(self, fd, path, mask):
        f = self.file(fd)
        if f.host_fd is None:
            raise Errno(E.EINVAL)
        host = self.cwd_path(self.read_cstr(path))
        return libc.call("inotify_add_watch", f.host_fd, os.fsencode(host),
                         ctypes.c_uint32(mask & 0xFFFFFFFF))

    @handler("fd")
    def sys_inotify_rm_watch(self, fd, wd):
        f = self.file(fd)
        if f.host_fd is None:
            raise Errno(E.EINVAL)
        return libc.call("inotify_rm_watch", f.host_fd, s32(wd))

    @handler("x")
    def sys_epoll_create1(self, flags):
        from .events import EpollFile
        if flags & ~O_CLOEXEC:
            raise Errno(E.EINVAL)
        return self._install_new(EpollFile(), flags)

    @handler("fdfp")
    def sys_epoll_ctl(self, epfd, op, fd, event):
        from .events import EPOLL_CTL_DEL, EPOLL_EVENT, EpollFile
        ep, f = self.file(epfd), self.file(fd)
        if not isinstance(ep, EpollFile) or s32(fd) == s32(epfd):
            raise Errno(E.EINVAL)
        if f.host_fd is None and S.S_ISREG(f.stat().st_mode):
            raise Errno(E.EPERM)    # (as for any regular file: it is always ready)
        events, data = (0, 0) if s32(op) == EPOLL_CTL_DEL else \
            EPOLL_EVENT.unpack(self.read_mem(event, EPOLL_EVENT.size))
        ep.ctl(s32(op), s32(fd), f, events, data)
        return 0

    @handler("fpddpu")
    def sys_epoll_pwait(self, epfd, events, maxevents, timeout, sigmask, sigsetsize):
        timeout = s32(timeout)
        return self._epoll_wait(epfd, events, maxevents, None if timeout < 0 else timeout / 1e3,
                                sigmask, sigsetsize)

    @handler("fpdppu")
    def sys_epoll_pwait2(self, epfd, events, maxevents, tmo, sigmask, sigsetsize):
        return self._epoll_wait(epfd, events, maxevents,
                                self.read_timespec(tmo) if tmo else None, sigmask, sigsetsize)

    def _epoll_wait(self, epfd, events, maxevents, timeout, sigmask, sigsetsize):
        """epoll_pwait(2): up to `maxevents` ready members, waiting up to
        `timeout` seconds (None: no limit) under the mask at `sigmask`."""
        from .events import EP_MAX_EVENTS, EPOLL_EVENT, EpollFile
        ep = self.file(epfd)
        maxevents = s32(maxevents)
        if not isinstance(ep, EpollFile) or not 0 < maxevents <= EP_MAX_EVENTS:
            raise Errno(E.EINVAL)
        self.check_writable(events, maxevents * EPOLL_EVENT.size)
        temp = self._temp_mask(sigmask, sigsetsize)
        deadline, keep_deadline = self._call_deadline(timeout)
        polled = False
        while True:
            got = ep.collect(maxevents)
            if got or (deadline is not None and time.monotonic() >= deadline):
                break
            if polled:   # (the host's has events of members another process added:
                time.sleep(0.001)   # none of this one's, as none is ready; not a spin)
            ready = self._wait_ready([(s32(epfd), select.POLLIN)], deadline, temp,
                                     keep_deadline)
            polled = True
            if ready is _RESTART:
                return _NO_RESULT
            if ready is None:
                return self._interrupted(temp)
        self.write_mem(events, b"".join(EPOLL_EVENT.pack(ev, data) for ev, data in got))
        return len(got)

    @handler("dx")
    def sys_timerfd_create(self, clock, flags):
        from .events import TimerFile
        if flags & ~(O_CLOEXEC | O_NONBLOCK):
            raise Errno(E.EINVAL)
        return self._install_new(TimerFile(s32(clock), flags), flags)

    @handler("fxpp")
    def sys_timerfd_settime(self, fd, flags, new, old):
        from .events import TimerFile, timerfd_settime
        f = self.file(fd)
        if not isinstance(f, TimerFile):
            raise Errno(E.EINVAL)
        if old:
            self.check_writable(old, 32)
        before = timerfd_settime(f.host_fd, flags & 0xFFFFFFFF, self.read_mem(new, 32))
        if old:
            self.write_mem(old, before)
        return 0

    @handler("fp")
    def sys_timerfd_gettime(self, fd, cur):
        from .events import TimerFile, timerfd_gettime
        f = self.file(fd)
        if not isinstance(f, TimerFile):
            raise Errno(E.EINVAL)
        self.write_mem(cur, timerfd_gettime(f.host_fd))
        return 0

    @handler("dpux")
    def sys_signalfd4(self, fd, mask, sizemask, flags):
        from .events import SignalFile
        if flags & ~(O_CLOEXEC | O_NONBLOCK) or sizemask != 8:
            raise Errno(E.EINVAL)
        sigs = struct.unpack("<Q", self.read_mem(mask, 8))[0] & ~_UNBLOCKABLE
        if s32(fd) == -1:
            return self._install_new(SignalFile(self, sigs, flags), flags)
        f = self.file(fd)
        if not isinstance(f, SignalFile):
            raise Errno(E.EINVAL)
        f.mask = sigs
        return s32(fd)

    def look_for_signals(self) -> None:
        """Raises the signals a wait can bring: a child's end (SIGCHLD), a timer's,
        one another process sent."""
        if self.host_signals is not None:
            for sig, info in self.host_signals.take():
                self.raise_signal(sig, info)
        self._child_ended()
        if self.itimers and self.itimer_due():
            self.expire_itimers()

    def take_signal(self, mask: int):
        """Takes the lowest pending signal in `mask` (a signalfd's read), the
        running thread's own before the process's, as Linux does: (signal,
        si_code or siginfo), or None."""
        for holder in (self.threads.current, self):
            ready = holder.pending & mask
            if ready:
                sig = (ready & -ready).bit_length()
                code = holder.pending_code.pop(sig, SI_USER)
                if isinstance(code, list):   # (a real-time signal's queue)
                    code, rest = code[0], code[1:]
                    if rest:   # (still pending)
                        holder.pending_code[sig] = rest
                        return sig, code
                holder.pending &= ~(1 << (sig - 1))
                return sig, code
        return None

    def _interrupt_call(self, restartable: bool = True):
        """A blocking call that a signal for this thread ends before it waits:
        it is made again after the handler if the handler asked for that
        (SA_RESTART; its pc back at its ecall), else it fails with EINTR. Not
        `restartable` (Linux's ERESTART_RESTARTBLOCK: a futex wait with a time
        limit): EINTR whatever the handler asked."""
        ready = self.pending_for() & ~self.sigmask
        sig = (ready & -ready).bit_length()
        if restartable and self.sigactions.get(sig, (SIG_DFL, 0, 0))[1] & SA_RESTART:
            return self._again()
        raise Errno(E.EINTR)

    def _interrupted(self, temp: int | None):
        """A wait that a signal ended: -EINTR, its handler run with the wait's
        mask in force (the thread's own back when it returns)."""
        self.cpu.syscall_return(-E.EINTR & MASK64)
        if temp is not None:
            saved, self.sigmask = self.sigmask, temp
            if not self.deliver_signals(restore_mask=saved):
                self.sigmask = saved
            return _NO_RESULT
        return -E.EINTR

    # -- System V message queues and semaphores: the host's (linux/sysv_ipc.py) ------------
    def _ipc_wait(self, attempt, fails, deadline=None, keep=None):
        """A System V IPC call: attempt() makes it without waiting (its result,
        or None where it would wait), fails() then raises if the guest's call
        does not wait (its IPC_NOWAIT: EAGAIN, msgrcv's ENOMSG). Made again
        every IPC_POLL seconds, other threads running meanwhile, until it goes
        through, `deadline` (time.monotonic(); kept by keep() for the call made
        again) passes (EAGAIN), or a signal comes: EINTR, as these calls are
        never restarted after a handler (signal(7))."""
        me = self.threads.current
        while True:
            result = attempt()
            if result is not None:
                return result
            fails()
            if self._signal_came(me.sigmask):
                raise Errno(E.EINTR)
            if deadline is not None and time.monotonic() >= deadline:
                raise Errno(E.EAGAIN)
            if self.stop_requested():
                if keep is not None:
                    keep()
                return self._again()
            if self.threads.several:
                poll = time.monotonic() + IPC_POLL
                self.threads.block_until(lambda: self._signal_came(me.sigmask, me),
                                         poll if deadline is None else min(poll, deadline), keep)
                return _NO_RESULT
            time.sleep(IPC_POLL)

    @staticmethod
    def _unless(errno: int, call):
        """call()'s result, or None if it failed with `errno` (it would wait)."""
        try:
            return call()
        except OSError as e:
            if e.errno != errno:
                raise
            return None

    @staticmethod
    def _fail_if(condition: bool, errno: int):
        if condition:
            raise Errno(errno)

    @handler("xx")
    def sys_msgget(self, key, flags):
        return sysv_ipc.msgget(key, flags)

    @handler("dpux")
    def sys_msgsnd(self, msqid, msgp, msgsz, msgflg):
        """Sends the message at msgp (its long mtype, then msgsz bytes)."""
        if s64(msgsz) < 0 or msgsz > sysv_ipc.msgmax():
            raise Errno(E.EINVAL)
        message = libc.buffer(self.read_mem(msgp, 8 + msgsz))
        return self._ipc_wait(
            lambda: self._unless(E.EAGAIN, lambda: sysv_ipc.msgsnd(msqid, message, msgsz, msgflg)),
            lambda: self._fail_if(msgflg & sysv_ipc.IPC_NOWAIT, E.EAGAIN))

    @handler("dpulx")
    def sys_msgrcv(self, msqid, msgp, msgsz, msgtyp, msgflg):
        """Takes a message (of msgtyp's choosing) into msgp: its long mtype,
        then up to msgsz bytes; its text's length."""
        if s64(msgsz) < 0 or msgflg & sysv_ipc.MSG_COPY and not msgflg & sysv_ipc.IPC_NOWAIT:
            raise Errno(E.EINVAL)
        msgsz = min(msgsz, sysv_ipc.msgmax())   # (no message is longer)
        self.check_writable(msgp, 8)
        into = libc.buffer(8 + msgsz)

        def attempt():
            n = self._unless(E.ENOMSG, lambda: sysv_ipc.msgrcv(msqid, into, msgsz, msgtyp, msgflg))
            if n is not None:
                self.write_mem(msgp, into.raw[:8 + n])
            return n
        return self._ipc_wait(attempt, lambda: self._fail_if(msgflg & sysv_ipc.IPC_NOWAIT,
                                                             E.ENOMSG))

    @handler("ddp")
    def sys_msgctl(self, msqid, cmd, buf):
        """IPC_STAT, MSG_STAT(_ANY), IPC_INFO and MSG_INFO write buf; IPC_SET
        reads it (struct msqid64_ds, struct msginfo: the host's layouts)."""
        return self._ipc_ctl(msqid, cmd, buf, sysv_ipc.msgctl_size, sysv_ipc.msgctl)

    def _ipc_ctl(self, ident: int, cmd: int, buf: int, size_of, ctl):
        """msgctl's and shmctl's way: the host's ctl(ident, cmd[, buffer]), the
        buffer (size_of(cmd) bytes; none if 0) in the host's layout, which is the
        guest's: IPC_SET's read from buf, the others' results written there."""
        cmd = s32(cmd)
        size = size_of(cmd)
        if not size:
            return ctl(ident, cmd)
        host = libc.buffer(self.read_mem(buf, size) if cmd == sysv_ipc.IPC_SET else size)
        r = ctl(ident, cmd, host)
        if cmd != sysv_ipc.IPC_SET:
            self.write_mem(buf, host.raw)
        return r

    @handler("xdx")
    def sys_semget(self, key, nsems, flags):
        return sysv_ipc.semget(key, nsems, flags)

    @handler("dpu")
    def sys_semop(self, semid, sops, nsops):
        return self._semop(semid, sops, nsops, None)

    @handler("dpup")
    def sys_semtimedop(self, semid, sops, nsops, timeout):
        return self._semop(semid, sops, nsops, timeout)

    def _semop(self, semid, sops, nsops, timeout):
        """The ops at sops (struct sembuf: sem_num, sem_op, sem_flg), all or
        none; waiting, where one cannot go on and lacks IPC_NOWAIT, at most
        until *timeout (a relative timespec), then EAGAIN."""
        if not 0 < nsops <= sysv_ipc.SEMOPM_MAX:   # (the host's own limit: its E2BIG)
            raise Errno(E.EINVAL if not nsops else E.E2BIG)
        raw = self.read_mem(sops, sysv_ipc.SEMBUF.size * nsops)
        ops = [sysv_ipc.SEMBUF.unpack_from(raw, sysv_ipc.SEMBUF.size * i) for i in range(nsops)]
        deadline, keep = self._call_deadline(self.read_timespec(timeout) if timeout else None)

        def fails():   # (the op that cannot go on: its IPC_NOWAIT says)
            try:
                flags = sysv_ipc.would_wait_here(self._sem_values(semid), ops)
            except OSError:   # (the set is gone: the call made again says so)
                flags = None
            self._fail_if(flags is not None and flags & sysv_ipc.IPC_NOWAIT, E.EAGAIN)
        return self._ipc_wait(lambda: self._unless(E.EAGAIN, lambda: sysv_ipc.semop(semid, ops)),
                              fails, deadline, keep)

    @staticmethod
    def _sem_values(semid: int) -> list:
        n = sysv_ipc.nsems(semid)
        values = (ctypes.c_ushort * max(n, 1))()
        sysv_ipc.semctl(semid, 0, sysv_ipc.GETALL, values)
        return list(values)[:n]

    @handler("dddx")
    def sys_semctl(self, semid, semnum, cmd, arg):
        """arg is union semun: a struct semid64_ds (IPC_STAT, SEM_STAT(_ANY),
        IPC_SET: translated to the host's), a struct seminfo (IPC_INFO,
        SEM_INFO), the values (GETALL, SETALL: unsigned shorts, one a
        semaphore) or one value (SETVAL)."""
        cmd = s32(cmd)
        if cmd in (sysv_ipc.IPC_STAT, sysv_ipc.SEM_STAT, sysv_ipc.SEM_STAT_ANY):
            host = libc.buffer(sysv_ipc.HOST_SEMID_DS.size)
            r = sysv_ipc.semctl(semid, semnum, cmd, host)
            self.write_mem(arg, sysv_ipc.semid_ds_to_guest(host.raw))
            return r
        if cmd == sysv_ipc.IPC_SET:
            return sysv_ipc.semctl(semid, semnum, cmd, libc.buffer(
                sysv_ipc.semid_ds_to_host(self.read_mem(arg, sysv_ipc.SEMID_DS.size))))
        if cmd in (sysv_ipc.IPC_INFO, sysv_ipc.SEM_INFO):
            host = libc.buffer(sysv_ipc.SEMINFO_SIZE)
            r = sysv_ipc.semctl(semid, semnum, cmd, host)
            self.write_mem(arg, host.raw)
            return r
        if cmd == sysv_ipc.GETALL:
            values = self._sem_values(semid)
            self.write_mem(arg, struct.pack(f"<{len(values)}H", *values))
            return 0
        if cmd == sysv_ipc.SETALL:
            n = sysv_ipc.nsems(semid)
            values = (ctypes.c_ushort * max(n, 1))(*struct.unpack(f"<{n}H",
                                                                   self.read_mem(arg, 2 * n)))
            return sysv_ipc.semctl(semid, semnum, cmd, values)
        return sysv_ipc.semctl(semid, semnum, cmd, arg if cmd == sysv_ipc.SETVAL else None)

    # -- System V shared memory: the host's segments, attached in guest memory ------------
    @handler("xuo")
    def sys_shmget(self, key, size, flags):
        return sysv_ipc.shmget(key, size, flags)

    @handler("dpx", "x")
    def sys_shmat(self, shmid, addr, flags):
        """Segment shmid attached at addr, as Linux's do_shmat: an unaligned
        addr rounded down to SHMLBA (a page) with SHM_RND, else EINVAL; 0:
        where mmap would put it; over mappings only with SHM_REMAP. The host
        attaches it (and checks the caller may), then it is moved into guest
        memory (FlatMMU.mem_attach)."""
        shmid, flags = s32(shmid), s32(flags)
        lay = self.aspace.layout
        if shmid < 0:
            raise Errno(E.EINVAL)
        fixed = addr != 0
        if addr & PAGE_MASK:
            if not flags & sysv_ipc.SHM_RND:
                raise Errno(E.EINVAL)
            addr = page_down(addr)
            if not addr and flags & sysv_ipc.SHM_REMAP:
                raise Errno(E.EINVAL)
        elif not addr and flags & sysv_ipc.SHM_REMAP:
            raise Errno(E.EINVAL)
        if getattr(self.mmu, "mem_attach", None) is None:
            raise Errno(E.ENOSYS)   # (a user MMU: no host memory to attach it in)
        key, segsz = sysv_ipc.shm_key_size(shmid)   # (its EINVAL, EIDRM; EACCES if unreadable)
        size = page_up(segsz)
        if not fixed:
            addr = self.aspace.find_free(size)
            if addr is None:
                raise Errno(E.ENOMEM)
        elif not flags & sysv_ipc.SHM_REMAP and self.aspace._overlapping(addr, addr + size):
            raise Errno(E.EINVAL)
        elif addr + size > lay.size:
            raise Errno(E.ENOMEM)
        elif addr < lay.mmap_min:
            raise Errno(E.EPERM)
        readonly = bool(flags & sysv_ipc.SHM_RDONLY)
        prot = PROT_READ | (0 if readonly else PROT_WRITE) | \
            (PROT_EXEC if flags & sysv_ipc.SHM_EXEC else 0)
        host = sysv_ipc.shmat(shmid, flags & (sysv_ipc.SHM_RDONLY | sysv_ipc.SHM_EXEC))
        try:
            self.aspace.map(addr, size, prot, name=f"/SYSV{key & 0xFFFFFFFF:08x} (deleted)",
                            replace=True, shared=ShmAttachment(shmid, segsz, readonly))
            if self.mmu.mem_attach(addr, size, host, shmid, readonly):
                return addr
            refused = Errno(E.ENOSYS)   # (no host view: its pages cannot be the host's)
        except OSError as e:
            refused = Errno(e.errno or E.ENOMEM)
        sysv_ipc.shmdt(host)
        self.aspace.unmap(addr, size)
        raise refused

    @handler("p")
    def sys_shmdt(self, addr):
        """The attachment at addr detached (what munmap and mprotect left of it:
        AddressSpace.attachment_at)."""
        if addr & PAGE_MASK:
            raise Errno(E.EINVAL)
        ranges = self.aspace.attachment_at(addr)
        if not ranges:
            raise Errno(E.EINVAL)
        for start, end in ranges:
            self.aspace.unmap(start, end - start)
        return 0

    @handler("ddp")
    def sys_shmctl(self, shmid, cmd, buf):
        """IPC_STAT, SHM_STAT(_ANY), IPC_INFO and SHM_INFO write buf; IPC_SET
        reads it (struct shmid64_ds, shminfo64, shm_info: the host's layouts);
        IPC_RMID, SHM_LOCK and SHM_UNLOCK take none."""
        return self._ipc_ctl(shmid, cmd, buf, sysv_ipc.shmctl_size, sysv_ipc.shmctl)

    # -- POSIX message queues: the host's (in its /dev/mqueue), behind descriptors ----------
    @handler("sOop")
    def sys_mq_open(self, name, oflag, mode, attr):
        """A host message queue (shared with the host's processes, as under
        qemu-user) behind a guest descriptor; `name` as mq_open(3) passes it
        (its '/' taken off), attr a struct mq_attr (the host's layout)."""
        raw = self.read_cstr(name, NAME_MAX + 1)
        hattr = libc.buffer(self.read_mem(attr, MQ_ATTR_SIZE)) if attr and oflag & O_CREAT \
            else ctypes.c_void_p(0)
        host = self._with_umask(libc.call, "mq_open", b"/" + raw, ctypes.c_int(
            _host_flags(oflag & (O_ACCMODE | O_CREAT | O_EXCL | O_NONBLOCK)) | os.O_CLOEXEC),
            ctypes.c_uint(mode & 0o7777), hattr)
        return self._install_new(HostFile(host, oflag & (O_ACCMODE | O_NONBLOCK)), oflag)

    @handler("s")
    def sys_mq_unlink(self, name):
        return libc.call("mq_unlink", b"/" + self.read_cstr(name, NAME_MAX + 1))

    def _mq(self, mqdes):
        f = self.file(mqdes)
        if f.host_fd is None:
            raise Errno(E.EBADF)
        return f

    @staticmethod
    def _mq_msgsize(f) -> int:
        """The longest message queue `f` takes (its mq_msgsize)."""
        attr = libc.buffer(MQ_ATTR_SIZE)
        libc.call("mq_getattr", ctypes.c_int(f.host_fd), attr)
        return struct.unpack_from("<q", attr.raw, 16)[0]

    def _mq_wait(self, mqdes, events: int, until: float | None, call):
        """call() (a send or receive, made with a time limit already past, so
        it never waits in the host) made again when the queue is ready, at the
        most until the absolute CLOCK_REALTIME time `until` (None: no limit;
        then ETIMEDOUT); with other threads, one that would wait lets them
        run; a signal ends the wait (SA_RESTART: the call made again)."""
        while True:
            try:
                return call()
            except OSError as e:
                if e.errno != E.ETIMEDOUT:
                    raise
            deadline = None
            if until is not None:
                deadline = time.monotonic() + (until - time.time())
                if deadline <= time.monotonic():
                    raise Errno(E.ETIMEDOUT)
            ready = self._wait_ready([(s32(mqdes), events)], deadline, None)
            if ready is None:
                return self._interrupt_call()
            if ready is _RESTART:
                return _NO_RESULT

    def _mq_timeout(self, abs_timeout: int) -> float | None:
        """mq_timedsend's and mq_timedreceive's time limit (the CLOCK_REALTIME
        time at guest `abs_timeout`, 0: none), read before anything else is
        looked at, as Linux's prepare_timeout: EFAULT, or EINVAL for a negative
        tv_sec or a tv_nsec out of range, even where the call would not wait
        (or names no queue)."""
        return self.read_timespec(abs_timeout) if abs_timeout else None

    @handler("fbuup")
    def sys_mq_timedsend(self, mqdes, msg, length, prio, abs_timeout):
        until = self._mq_timeout(abs_timeout)
        f = self._mq(mqdes)
        if length > self._mq_msgsize(f):   # (Linux's EMSGSIZE, before it reads the message)
            raise Errno(E.EMSGSIZE)
        data = libc.buffer(self.read_mem(msg, length))
        return self._mq_wait(mqdes, select.POLLOUT, until, lambda: libc.call(
            "mq_timedsend", ctypes.c_int(f.host_fd), data, ctypes.c_size_t(length),
            ctypes.c_uint(prio & 0xFFFFFFFF), ctypes.byref(_Timespec(0, 0))))

    @handler("fpupp")
    def sys_mq_timedreceive(self, mqdes, msg, length, prio, abs_timeout):
        until = self._mq_timeout(abs_timeout)
        f = self._mq(mqdes)
        # (as long as the queue's messages can be, no longer: a length of 2**64-1
        # made a buffer of 2 GiB; a shorter one than they can be is the host's EMSGSIZE)
        into, got = libc.buffer(min(length, self._mq_msgsize(f))), ctypes.c_uint(0)
        self.check_writable(msg, len(into))   # (before a message is taken)

        def receive():
            n = libc.call("mq_timedreceive", ctypes.c_int(f.host_fd), into,
                          ctypes.c_size_t(len(into)), ctypes.byref(got),
                          ctypes.byref(_Timespec(0, 0)))
            self.write_mem(msg, into.raw[:n])
            if prio:
                self.write_mem(prio, struct.pack("<I", got.value))
            return n
        return self._mq_wait(mqdes, select.POLLIN, until, receive)

    @handler("fpp")
    def sys_mq_getsetattr(self, mqdes, new, old):
        """struct mq_attr: the host's layout (its mq_flags O_NONBLOCK the same)."""
        f = self._mq(mqdes)
        before = libc.buffer(MQ_ATTR_SIZE)
        if new:
            libc.call("mq_setattr", ctypes.c_int(f.host_fd),
                      libc.buffer(self.read_mem(new, MQ_ATTR_SIZE)), before)
        else:
            libc.call("mq_getattr", ctypes.c_int(f.host_fd), before)
        if old:
            self.write_mem(old, before.raw)
        return 0

    @handler("fp")
    def sys_mq_notify(self, mqdes, sevp):
        """The host's registration (a struct sigevent, the host's layout):
        SIGEV_NONE; SIGEV_THREAD as glibc makes it, a netlink socket (its
        descriptor the host's) and the 32-byte cookie the kernel sends there
        (copied from guest memory); SIGEV_SIGNAL where the process's host
        signals are the guest's (else the host process would take it)."""
        f = self._mq(mqdes)
        nr = _HOST_MQ_NOTIFY.get(os.uname().machine)
        if nr is None:
            raise Errno(E.ENOSYS)

        # (the system call itself: glibc's mq_notify would start SIGEV_THREAD's thread
        # in the host process, at the guest's function address)
        def notify(sigevent):
            return libc.call("syscall", ctypes.c_long(nr), ctypes.c_int(f.host_fd), sigevent)
        if not sevp:
            return notify(ctypes.c_void_p(0))
        raw = bytearray(self.read_mem(sevp, SIGEVENT_SIZE))
        value, signo, how = struct.unpack_from("<Qii", raw)
        cookie = None   # (alive until the call: raw holds its address)
        if how == SIGEV_THREAD:
            sock = self.file(signo)
            if sock.host_fd is None:
                raise Errno(E.EBADF)
            cookie = libc.buffer(self.read_mem(value, NOTIFY_COOKIE_LEN))
            struct.pack_into("<Qi", raw, 0, ctypes.addressof(cookie), sock.host_fd)
        elif how == SIGEV_SIGNAL and self.host_signals is None:
            raise Errno(E.ENOSYS)
        return notify(libc.buffer(bytes(raw)))

    # -- sockets: the host's (linux/sockets.py) -----------------------------------------
    def _socket(self, fd) -> GuestFile:
        f = self.file(fd)
        if f.host_fd is None:
            raise Errno(E.ENOTSOCK)
        return f

    def _sockaddr(self, addr: int, length: int) -> bytes:
        from .sockets import SOCKADDR_MAX, host_address
        if length > SOCKADDR_MAX:
            raise Errno(E.EINVAL)
        return host_address(self, self.read_mem(addr, length)) if addr else b""

    def _put_sockaddr(self, addr: int, lenp: int, raw: bytes) -> None:
        """Writes an address the host gave back to guest (addr, *lenp): as much
        as fits, and its whole length to *lenp."""
        if addr:
            room = struct.unpack("<i", self.read_mem(lenp, 4))[0]
            if room < 0:
                raise Errno(E.EINVAL)
            self.write_mem(addr, raw[:room])
            self.write_mem(lenp, struct.pack("<i", len(raw)))

    def _host_address_call(self, name: str, fd, addr: int, lenp: int, *extra) -> int:
        """A call that gives an address back (accept4, getsockname, getpeername):
        its result; the address written to the guest."""
        from .sockets import SOCKADDR_MAX
        buf, size = libc.buffer(SOCKADDR_MAX), libc.buffer(struct.pack("<i", SOCKADDR_MAX))
        ret = libc.call(name, self._socket(fd).host_fd, buf, size, *extra)
        self._put_sockaddr(addr, lenp, buf.raw[:struct.unpack("<i", size.raw)[0]])
        return ret

    @handler("ddd")
    def sys_socket(self, domain, kind, protocol):
        from .sockets import SOCK_CLOEXEC, SOCK_NONBLOCK, socket_file
        kind = s32(kind)
        host = libc.call("socket", s32(domain), (kind & ~SOCK_CLOEXEC) | os.O_CLOEXEC,
                         s32(protocol))
        return self._install_new(socket_file(host, kind & SOCK_NONBLOCK), kind)

    @handler("dddp")
    def sys_socketpair(self, domain, kind, protocol, sv):
        from .sockets import SOCK_CLOEXEC, SOCK_NONBLOCK, socket_file
        kind = s32(kind)
        self.check_writable(sv, 8)
        pair = libc.buffer(8)
        libc.call("socketpair", s32(domain), (kind & ~SOCK_CLOEXEC) | os.O_CLOEXEC,
                  s32(protocol), pair)
        a, b = (socket_file(h, kind & SOCK_NONBLOCK) for h in struct.unpack("<ii", pair.raw))
        self.write_mem(sv, struct.pack("<ii", *self._install_pair(a, b, kind)))
        return 0

    @handler("fpu")
    def sys_bind(self, fd, addr, length):
        raw = self._sockaddr(addr, length)
        return libc.call("bind", self._socket(fd).host_fd, raw, len(raw))

    @handler("fpu")
    def sys_connect(self, fd, addr, length):
        raw = self._sockaddr(addr, length)
        return libc.call("connect", self._socket(fd).host_fd, raw, len(raw))

    @handler("fd")
    def sys_listen(self, fd, backlog):
        return libc.call("listen", self._socket(fd).host_fd, s32(backlog))

    @handler("fpp")
    def sys_accept(self, fd, addr, lenp):
        return self.sys_accept4(fd, addr, lenp, 0)

    @handler("fppx")
    def sys_accept4(self, fd, addr, lenp, flags):
        from .sockets import SOCK_CLOEXEC, SOCK_NONBLOCK, socket_file
        if flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK):
            raise Errno(E.EINVAL)
        if self._blocks(self._socket(fd), select.POLLIN):
            return _NO_RESULT
        host = self._host_address_call("accept4", fd, addr, lenp,
                                       (flags & SOCK_NONBLOCK) | os.O_CLOEXEC)
        return self._install_new(socket_file(host, flags), flags)

    @handler("fpp")
    def sys_getsockname(self, fd, addr, lenp):
        return self._host_address_call("getsockname", fd, addr, lenp)

    @handler("fpp")
    def sys_getpeername(self, fd, addr, lenp):
        return self._host_address_call("getpeername", fd, addr, lenp)

    @handler("fbuxpu")
    def sys_sendto(self, fd, buf, length, flags, addr, addrlen):
        from .sockets import MSG_DONTWAIT
        f = self._socket(fd)
        data, raw = self.read_mem(buf, min(length, MAX_RW_COUNT)), self._sockaddr(addr, addrlen)

        def send(part: bytes, more: int = 0) -> int:
            return libc.call("sendto", f.host_fd, part, len(part), s32(flags) | more,
                             raw or None, len(raw))
        if not flags & MSG_DONTWAIT and _streams(f):
            return self._stream_write(f, ("sendto", fd, buf, length, flags, addr, addrlen), data,
                                      lambda part: self._sent(flags, lambda: _now(send, part)))
        if self._socket_waits(f, flags, select.POLLOUT):
            return _NO_RESULT
        return self._sent(flags, lambda: send(data))

    def _socket_waits(self, f, flags: int, events: int) -> bool:
        """_blocks for a socket call with these MSG_* flags (MSG_DONTWAIT: never waits)."""
        from .sockets import MSG_DONTWAIT
        return not flags & MSG_DONTWAIT and self._blocks(f, events)

    def _sent(self, flags: int, send):
        """send(): its result; a broken connection raises SIGPIPE, unless MSG_NOSIGNAL."""
        from .sockets import MSG_NOSIGNAL
        try:
            return send()
        except BrokenPipeError:
            if not flags & MSG_NOSIGNAL:
                self.raise_signal(SIGPIPE)
            raise

    @handler("fBuxpp")
    def sys_recvfrom(self, fd, buf, length, flags, addr, lenp):
        from .sockets import RECEIVE_MAX, SOCKADDR_MAX
        f = self._socket(fd)
        length = min(length, RECEIVE_MAX)
        self.check_writable(buf, length)
        if self._socket_waits(f, flags, select.POLLIN):
            return _NO_RESULT
        data, name = libc.buffer(length), libc.buffer(SOCKADDR_MAX)
        size = libc.buffer(struct.pack("<i", SOCKADDR_MAX))
        got = libc.call("recvfrom", f.host_fd, data, length, s32(flags), name, size)
        self.write_mem(buf, data.raw[:min(got, length)])
        self._put_sockaddr(addr, lenp, name.raw[:struct.unpack("<i", size.raw)[0]])
        return got

    @handler("fpx")
    def sys_sendmsg(self, fd, msg, flags):
        from .sockets import MSG_DONTWAIT, message_data, send_message
        f = self._socket(fd)
        data = message_data(self, msg) if not flags & MSG_DONTWAIT and _streams(f) else None
        if data is not None:   # (no control data: sent as it has room, _stream_write)
            return self._stream_write(f, ("sendmsg", fd, msg, flags), data, lambda part: self._sent(
                flags, lambda: _now(lambda p, more: send_message(self, f, msg, s32(flags) | more,
                                                                 p), part)))
        if self._socket_waits(f, flags, select.POLLOUT):
            return _NO_RESULT
        return self._sent(flags, lambda: send_message(self, f, msg, s32(flags)))

    @handler("fpx")
    def sys_recvmsg(self, fd, msg, flags):
        from .sockets import receive_message
        f = self._socket(fd)
        if self._socket_waits(f, flags, select.POLLIN):
            return _NO_RESULT
        return receive_message(self, f, msg, s32(flags))

    @handler("fpux")
    def sys_sendmmsg(self, fd, vec, vlen, flags):
        """sendmsg for each struct mmsghdr (msghdr + sent length) in turn."""
        from .sockets import send_message
        f = self._socket(fd)
        if self._socket_waits(f, flags, select.POLLOUT):
            return _NO_RESULT
        return self._each_mmsghdr(vec, vlen, lambda at, done: self._sent(
            flags, lambda: send_message(self, f, at, s32(flags))))

    def _each_mmsghdr(self, vec: int, vlen: int, one) -> int:
        """sendmmsg's and recvmmsg's loop: one(its msghdr's address, how many
        were done) for each struct mmsghdr (a msghdr and the length it moved);
        an error after the first ends it early (the count returned)."""
        from .sockets import MSGHDR
        done = 0
        for i in range(min(vlen, IOV_MAX)):
            at = vec + i * (MSGHDR.size + 8)
            try:
                n = one(at, done)
            except OSError:
                if done:
                    break
                raise
            self.write_mem(at + MSGHDR.size, struct.pack("<I", n))
            done += 1
        return done

    @handler("fpuxp")
    def sys_recvmmsg(self, fd, vec, vlen, flags, timeout):
        """recvmsg for each struct mmsghdr in turn: the first one waits (unless
        MSG_DONTWAIT), the others take only what has come."""
        from .sockets import MSG_DONTWAIT, receive_message
        f = self._socket(fd)
        if self._socket_waits(f, flags, select.POLLIN):
            return _NO_RESULT
        return self._each_mmsghdr(vec, vlen, lambda at, done: receive_message(
            self, f, at, s32(flags) | (MSG_DONTWAIT if done else 0)))

    @handler("fddpu")
    def sys_setsockopt(self, fd, level, name, value, length):
        raw = self.read_mem(value, length) if value else None
        return libc.call("setsockopt", self._socket(fd).host_fd, s32(level), s32(name),
                         raw, len(raw) if raw is not None else s32(length))

    @handler("fddpp")
    def sys_getsockopt(self, fd, level, name, value, lenp):
        room = struct.unpack("<i", self.read_mem(lenp, 4))[0]
        if room < 0:
            raise Errno(E.EINVAL)
        buf, size = libc.buffer(min(room, 4096)), libc.buffer(struct.pack("<i", min(room, 4096)))
        libc.call("getsockopt", self._socket(fd).host_fd, s32(level), s32(name), buf, size)
        n = struct.unpack("<i", size.raw)[0]
        self.write_mem(value, buf.raw[:n])
        self.write_mem(lenp, struct.pack("<i", n))
        return 0

    @handler("fd")
    def sys_shutdown(self, fd, how):
        return libc.call("shutdown", self._socket(fd).host_fd, s32(how))

    # -- directories and names ------------------------------------------------------
    @handler("Bu")
    def sys_getcwd(self, buf, size):
        data = os.fsencode(self.getcwd()) + b"\0"
        if size < len(data):
            raise Errno(E.ERANGE)
        self.write_mem(buf, data)
        return len(data)

    @handler("s")
    def sys_chdir(self, path):
        host, dfd = self.resolve(AT_FDCWD, self.read_cstr(path))
        fd = os.open(host, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=dfd)
        self._chdir(fd)
        return 0

    @handler("f")
    def sys_fchdir(self, fd):
        f = self.file(fd)
        if not f.is_dir or f.host_fd is None:
            raise Errno(E.ENOTDIR)
        self._chdir(os.open(f"/proc/self/fd/{f.host_fd}",
                            os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC))
        return 0

    def _chdir(self, fd: int) -> None:
        """The working directory becomes host directory descriptor fd's (which
        it owns), if the guest may search it."""
        if not os.access(f"/proc/self/fd/{fd}", os.X_OK):
            os.close(fd)
            raise Errno(E.EACCES)
        self._set_cwd(fd)

    @handler("fsA")
    def sys_unlinkat(self, dirfd, path, flags):
        if flags & ~AT_REMOVEDIR:
            raise Errno(E.EINVAL)
        host, dfd = self.resolve(dirfd, self.read_cstr(path), False)
        if flags & AT_REMOVEDIR:
            os.rmdir(host, dir_fd=dfd)
        else:
            os.unlink(host, dir_fd=dfd)
        return 0

    @handler("fsox")
    def sys_mknodat(self, dirfd, path, mode, dev):
        """FIFOs (and regular files); device nodes are not for a guest to make."""
        host, dfd = self.resolve(dirfd, self.read_cstr(path), False)
        kind = S.S_IFMT(mode)
        if kind == S.S_IFIFO:
            self._with_umask(os.mkfifo, host, mode & 0o7777, dir_fd=dfd)
        elif kind in (0, S.S_IFREG):
            fd = self._with_umask(os.open, host, os.O_CREAT | os.O_EXCL | os.O_WRONLY,
                                  mode & 0o7777, dir_fd=dfd)
            os.close(fd)
        else:
            raise Errno(E.EPERM)
        return 0

    @handler("fso")
    def sys_mkdirat(self, dirfd, path, mode):
        host, dfd = self.resolve(dirfd, self.read_cstr(path), False)
        self._with_umask(os.mkdir, host, mode & 0o7777, dir_fd=dfd)
        return 0

    @handler("fsfs")
    def sys_renameat(self, olddirfd, oldpath, newdirfd, newpath):
        return self.sys_renameat2(olddirfd, oldpath, newdirfd, newpath, 0)

    @handler("fsfsx")
    def sys_renameat2(self, olddirfd, oldpath, newdirfd, newpath, flags):
        src, sdfd = self.resolve(olddirfd, self.read_cstr(oldpath), False)
        dst, ddfd = self.resolve(newdirfd, self.read_cstr(newpath), False)
        if flags & ~1:   # only RENAME_NOREPLACE
            raise Errno(E.EINVAL)
        if flags & 1:
            try:
                os.stat(dst, dir_fd=ddfd, follow_symlinks=False)
            except FileNotFoundError:
                pass
            else:
                raise Errno(E.EEXIST)
        os.rename(src, dst, src_dir_fd=sdfd, dst_dir_fd=ddfd)
        return 0

    @handler("sfs")
    def sys_symlinkat(self, target, newdirfd, linkpath):
        t = os.fsdecode(self.read_cstr(target))
        host, dfd = self.resolve(newdirfd, self.read_cstr(linkpath), False)
        os.symlink(t, host, dir_fd=dfd)
        return 0

    @handler("fsfsx")
    def sys_linkat(self, olddirfd, oldpath, newdirfd, newpath, flags):
        src, sdfd = self.resolve(olddirfd, self.read_cstr(oldpath),
                                  bool(flags & AT_SYMLINK_FOLLOW))
        dst, ddfd = self.resolve(newdirfd, self.read_cstr(newpath), False)
        os.link(src, dst, src_dir_fd=sdfd, dst_dir_fd=ddfd,
                follow_symlinks=bool(flags & AT_SYMLINK_FOLLOW))
        return 0

    @handler("fso")
    def sys_faccessat(self, dirfd, path, mode):
        return self.sys_faccessat2(dirfd, path, mode, 0)

    @handler("fsoA")
    def sys_faccessat2(self, dirfd, path, mode, flags):
        if mode & ~7 or flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH):
            raise Errno(E.EINVAL)
        p = self.read_cstr(path)
        if not p and flags & AT_EMPTY_PATH:
            st = self._stat_path(dirfd, 0, AT_EMPTY_PATH, AT_EMPTY_PATH)
            return 0 if st else 0
        host, dfd = self.resolve(dirfd, p, not flags & AT_SYMLINK_NOFOLLOW)
        follow = not flags & AT_SYMLINK_NOFOLLOW
        os.stat(host, dir_fd=dfd, follow_symlinks=follow)  # ENOENT, ENOTDIR, ...
        if mode and not os.access(host, mode, dir_fd=dfd, effective_ids=bool(flags & AT_EACCESS),
                                  follow_symlinks=follow):
            raise Errno(E.EACCES)
        return 0

    @handler("fspA")
    def sys_utimensat(self, dirfd, path, times, flags):
        if flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH):
            raise Errno(E.EINVAL)
        now = time.time_ns()
        ns = [now, now]
        if times:
            spec = struct.unpack("<qqqq", self.read_mem(times, 32))
            for k in range(2):
                sec, nsec = spec[2 * k], spec[2 * k + 1]
                if nsec == UTIME_OMIT:
                    ns[k] = None
                elif nsec != UTIME_NOW:
                    if not 0 <= nsec < 1_000_000_000:
                        raise Errno(E.EINVAL)
                    ns[k] = sec * 1_000_000_000 + nsec
        p = self.read_cstr(path) if path else b""
        if not p and (not path or flags & AT_EMPTY_PATH):  # futimens: the file dirfd is
            target, dfd, follow = self.host_fd(dirfd), None, True
        else:
            (target, dfd), follow = self.resolve(dirfd, p, not flags & AT_SYMLINK_NOFOLLOW), \
                not flags & AT_SYMLINK_NOFOLLOW
        if ns[0] is None and ns[1] is None:
            return 0
        if None in ns:  # (one of them kept as it is)
            st = os.stat(target, dir_fd=dfd, follow_symlinks=follow)
            ns = [st.st_atime_ns if ns[0] is None else ns[0],
                  st.st_mtime_ns if ns[1] is None else ns[1]]
        os.utime(target, ns=tuple(ns), dir_fd=dfd, follow_symlinks=follow)
        return 0

    @handler("fdd")
    def sys_fchown(self, fd, uid, gid):
        os.chown(self.host_fd(fd), _id(uid), _id(gid))   # (uid_t: u32, -1 unchanged)
        return 0

    @handler("fsddA")
    def sys_fchownat(self, dirfd, path, uid, gid, flags):
        if flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH):
            raise Errno(E.EINVAL)
        p = self.read_cstr(path)
        if not p and flags & AT_EMPTY_PATH:
            return self.sys_fchown(dirfd, uid, gid)
        host, dfd = self.resolve(dirfd, p, not flags & AT_SYMLINK_NOFOLLOW)
        os.chown(host, _id(uid), _id(gid), dir_fd=dfd,
                 follow_symlinks=not flags & AT_SYMLINK_NOFOLLOW)
        return 0

    @handler("sp")
    def sys_statfs(self, path, buf):
        host = self.cwd_path(self.read_cstr(path))
        self.write_mem(buf, _host_statfs("statfs", os.fsencode(host)))
        return 0

    @handler("fp")
    def sys_fstatfs(self, fd, buf):
        self.write_mem(buf, _host_statfs("fstatfs", self.host_fd(fd)))
        return 0

    @handler("fo")
    def sys_fchmod(self, fd, mode):
        os.chmod(self.host_fd(fd), mode & 0o7777)
        return 0

    @handler("fso")
    def sys_fchmodat(self, dirfd, path, mode):
        return self.sys_fchmodat2(dirfd, path, mode, 0)

    @handler("fsoA")
    def sys_fchmodat2(self, dirfd, path, mode, flags):
        """fchmodat with flags: AT_SYMLINK_NOFOLLOW (a link's own mode cannot
        change on Linux: EOPNOTSUPP for one), AT_EMPTY_PATH."""
        if flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH):
            raise Errno(E.EINVAL)
        p = self.read_cstr(path)
        if not p and flags & AT_EMPTY_PATH:
            f = self.file(dirfd)
            if f.host_fd is None:
                raise Errno(E.EBADF)
            os.chmod(f.host_fd, mode & 0o7777)
            return 0
        host, dfd = self.resolve(dirfd, p, not flags & AT_SYMLINK_NOFOLLOW)
        if flags & AT_SYMLINK_NOFOLLOW and S.S_ISLNK(os.lstat(host, dir_fd=dfd).st_mode):
            raise Errno(E.EOPNOTSUPP)
        os.chmod(host, mode & 0o7777, dir_fd=dfd)
        return 0

    @handler("o")
    def sys_umask(self, mask):
        old = self.umask
        self.umask = mask & 0o777
        return old

    # == memory ===============================================================================
    @handler("p", "x")
    def sys_brk(self, addr):
        return self.aspace.set_brk(addr)

    @handler("pxPMfx", "x")
    def sys_mmap(self, addr, length, prot, flags, fd, offset):
        aspace = self.aspace
        lay = aspace.layout
        if length == 0 or offset & PAGE_MASK:
            raise Errno(E.EINVAL)
        size = page_up(length)
        if size > lay.size:
            raise Errno(E.ENOMEM)
        if prot & ~7:
            raise Errno(E.EINVAL)
        mtype = flags & MAP_TYPE
        if mtype not in (MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE):
            raise Errno(E.EINVAL)
        f = None
        if not flags & MAP_ANONYMOUS:
            f = self.file(fd)
            if f.host_fd is None or f.is_dir:
                raise Errno(E.ENODEV)
            if not f.readable() or (mtype != MAP_PRIVATE and prot & PROT_WRITE
                                    and not f.writable()):
                raise Errno(E.EACCES)
            if offset >> 12 > (MAX_LFS_FILESIZE - size) >> 12:   # (Linux's file_mmap_ok)
                raise Errno(E.EOVERFLOW)
        fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)
        if fixed:
            if addr & PAGE_MASK:
                raise Errno(E.EINVAL)
            if addr + size > lay.size:
                raise Errno(E.ENOMEM)
            if addr < lay.mmap_min:
                raise Errno(E.EPERM)
            if flags & MAP_FIXED_NOREPLACE and not flags & MAP_FIXED \
                    and not aspace.is_free(addr, size):
                raise Errno(E.EEXIST)
            start = addr
        else:
            hint = page_down(addr)
            if hint and hint >= lay.mmap_min and aspace.is_free(hint, size):
                start = hint
            else:
                start = aspace.find_free(size)
                if start is None:
                    raise Errno(E.ENOMEM)
        eff = prot | (PROT_READ if prot & PROT_WRITE else 0)
        name = (f.path or "") if f else ""
        # (a device's: /dev/zero's, anonymous shared memory as Linux makes of it)
        device = f is not None and S.S_ISCHR(os.fstat(f.host_fd).st_mode)
        if mtype != MAP_PRIVATE and (f is None or device or f.writable()) and \
                self._map_live(start, size, eff, None if device else f, offset, name,
                               bool(fixed)):
            return start
        data, shared, load = b"", None, False
        if f is not None:
            copied = mtype == MAP_PRIVATE or not f.writable()   # (else its changes go to the file)
            load = copied and hasattr(self.mmu, "mem_load")   # (read in the kernel: FlatMMU)
            if not load:
                data = os.pread(f.host_fd, length, offset)
                if not copied:
                    shared = SharedFile(f.host_fd, offset, data, size)
        aspace.map(start, size, eff, name=name, offset=offset, replace=bool(fixed),
                   shared=shared)
        if data:
            self.mmu.mem_write(start, data)
        elif load:
            try:
                self.mmu.mem_load(start, f.host_fd, offset, length)
            except OSError as e:
                aspace.unmap(start, size)
                raise Errno(e.errno or E.EIO) from None
        return start

    def _map_live(self, start: int, size: int, prot: int, f, offset: int, name: str,
                  replace: bool) -> bool:
        """A MAP_SHARED mapping the host maps itself (FlatMMU.mem_share): of file
        `f` (None: anonymous memory, a memfd of its own), so that what the guest
        writes is the file's at once, others' writes it sees, and a fork's child
        shares it with its parent (multiprocessing's shared values and
        semaphores). Only the pages the file holds are its (past its end the
        host would fault: zeros there, as before). False (nothing mapped) where
        the memory cannot (no host view)."""
        if not hasattr(self.mmu, "mem_share"):
            return False
        own = None
        if f is None:
            own = os.memfd_create("vm_engine shared", os.MFD_CLOEXEC)
            os.ftruncate(own, size)
        fd = own if f is None else f.host_fd
        try:
            st = os.fstat(fd)
            return self._map_host_file(start, size, prot, fd, offset, name, replace,
                                       LiveShare(None if f is None else (st.st_dev, st.st_ino)))
        finally:
            if own is not None:
                os.close(own)

    def _map_host_file(self, start: int, size: int, prot: int, fd: int, offset: int,
                       name: str, replace: bool, share: LiveShare) -> bool:
        """_map_live's mapping of host file `fd` from `offset` (what it holds of
        [start, start+size); zeros past its end); False where the memory cannot."""
        held = min(size, page_up(max(0, os.fstat(fd).st_size - offset)))
        self.aspace.map(start, size, prot, name=name, offset=offset, replace=replace,
                        shared=share)
        try:
            if held and not self.mmu.mem_share(start, held, fd, offset):
                self.aspace.unmap(start, size)
                return False
        except OSError as e:
            self.aspace.unmap(start, size)
            raise Errno(e.errno or E.ENOMEM)
        return True

    @handler("px")
    def sys_munmap(self, addr, length):
        if addr & PAGE_MASK or length == 0 or addr + length > self.aspace.layout.size:
            raise Errno(E.EINVAL)
        self.aspace.unmap(addr, page_up(length))
        return 0

    @handler("pxP")
    def sys_mprotect(self, addr, length, prot):
        if addr & PAGE_MASK or prot & ~(7 | PROT_GROWSDOWN | PROT_GROWSUP):
            raise Errno(E.EINVAL)
        size = page_up(length)
        if size == 0:
            return 0
        if prot & PROT_GROWSDOWN:
            v = self.aspace.find(addr)
            if v is None:
                raise Errno(E.ENOMEM)
            size += addr - v.start
            addr = v.start
        if not self.aspace.is_fully_mapped(addr, size):
            raise Errno(E.ENOMEM)
        prot &= 7
        if prot & PROT_WRITE and any(isinstance(self.aspace.vmas[i].shared, ShmAttachment)
                                     and self.aspace.vmas[i].shared.readonly
                                     for i in self.aspace._overlapping(addr, addr + size)):
            raise Errno(E.EACCES)   # (attached SHM_RDONLY: the host's pages are read-only)
        self.aspace.protect(addr, size, prot | (PROT_READ if prot & PROT_WRITE else 0))
        return 0

    @handler("pxxxp", "x")
    def sys_mremap(self, old, old_size, new_size, flags, new_addr):
        aspace = self.aspace
        if old & PAGE_MASK or flags & ~7 or new_size == 0:
            raise Errno(E.EINVAL)
        if flags & (MREMAP_FIXED | MREMAP_DONTUNMAP) and not flags & MREMAP_MAYMOVE:
            raise Errno(E.EINVAL)
        if flags & MREMAP_DONTUNMAP:
            raise Errno(E.EINVAL)
        old_size, new_size = page_up(old_size), page_up(new_size)
        if old_size == 0:
            raise Errno(E.EINVAL)
        v = aspace.find(old)
        if v is None or old + old_size > v.end:
            raise Errno(E.EFAULT)
        if isinstance(v.shared, ShmAttachment) and (new_size > old_size
                                                    or flags & MREMAP_FIXED):
            raise Errno(E.EINVAL)   # (moved, it would be a private copy: only made shorter)
        prot, name = v.prot, v.name
        # (a mapping the host maps itself stays the file's: mapped from it again)
        live = getattr(self.mmu, "shared_file", None)
        live = live(old) if live is not None and isinstance(v.shared, LiveShare) else None

        def place(at, size, skip, replace):
            """[at, at+size) mapped as what lies `skip` bytes past old: the file's
            pages again, or fresh memory"""
            if live is not None:
                self._map_host_file(at, size, prot, live[0], live[1] + skip, name, replace,
                                    LiveShare(v.shared.file))
            else:
                aspace.map(at, size, prot, name, replace=replace)

        def move(dest):
            data = None if live is not None else self.mmu.mem_read(old, min(old_size, new_size))
            place(dest, new_size, 0, True)
            if data:
                self.mmu.mem_write(dest, data)
            aspace.unmap(old, old_size)
            return dest

        try:
            return self._remap(old, old_size, new_size, flags, new_addr, move,
                               lambda at, size: place(at, size, at - old, False))
        finally:
            if live is not None:
                os.close(live[0])

    def _remap(self, old, old_size, new_size, flags, new_addr, move, extend) -> int:
        """mremap's choice: moved (move(dest)), made shorter, or longer where it
        is (extend(at, size) maps what it gains)."""
        aspace = self.aspace
        if flags & MREMAP_FIXED:
            if new_addr & PAGE_MASK or new_addr + new_size > aspace.layout.size:
                raise Errno(E.EINVAL)
            if new_addr < old + old_size and old < new_addr + new_size:
                raise Errno(E.EINVAL)
            return move(new_addr)
        if new_size <= old_size:
            if new_size < old_size:
                aspace.unmap(old + new_size, old_size - new_size)
            return old
        if aspace.is_free(old + old_size, new_size - old_size):
            extend(old + old_size, new_size - old_size)
            aspace._merge()
            return old
        if not flags & MREMAP_MAYMOVE:
            raise Errno(E.ENOMEM)
        dest = aspace.find_free(new_size)
        if dest is None:
            raise Errno(E.ENOMEM)
        return move(dest)

    @handler("pxd")
    def sys_madvise(self, addr, length, advice):
        if addr & PAGE_MASK:
            raise Errno(E.EINVAL)
        size = page_up(length)
        if advice == MADV_DONTNEED and size:
            if not self.aspace.is_fully_mapped(addr, size):
                raise Errno(E.ENOMEM)
            end = addr + size
            for i in self.aspace._overlapping(addr, end):   # drop the pages: zero-filled again
                v = self.aspace.vmas[i]
                if isinstance(v.shared, LiveShare):
                    continue   # (but the host's shared pages: Linux drops only its page tables)
                lo, hi = max(v.start, addr), min(v.end, end)
                self.mmu.mem_unmap(lo, hi - lo)
                self.mmu.mem_map(lo, hi - lo, v.prot)
        return 0

    @handler("pxd")
    def sys_msync(self, addr, length, flags):
        if addr & PAGE_MASK:
            raise Errno(E.EINVAL)
        self.aspace.write_back(addr, addr + page_up(length))
        return 0

    @handler("px")
    def sys_mlock(self, addr, length):
        return 0

    @handler("pxx")
    def sys_mlock2(self, addr, length, flags):
        if flags & ~1:   # (MLOCK_ONFAULT)
            raise Errno(E.EINVAL)
        return 0

    @handler("pxp")
    def sys_mincore(self, addr, length, vec):
        """Every page of a mapped range counts as resident (ENOMEM if one is
        not mapped: how libunwind and GCs ask whether an address is valid)."""
        if addr & PAGE_MASK:
            raise Errno(E.EINVAL)
        pages = page_up(length) // PAGE_SIZE
        if pages and not self.aspace.is_fully_mapped(addr, pages * PAGE_SIZE):
            raise Errno(E.ENOMEM)
        self.write_mem(vec, b"\1" * pages)
        return 0

    @handler("px")
    def sys_munlock(self, addr, length):
        return 0

    @handler("x")
    def sys_mlockall(self, flags):
        return 0

    @handler("")
    def sys_munlockall(self):
        return 0

    # == process ==============================================================================
    @handler("d")
    def sys_exit(self, status):
        """The thread ends; the process with its last thread."""
        threads = self.threads
        if threads.several:
            self._robust_exit(threads.current)
            self._pi_exit(threads.current)
            clear = threads.current.clear_tid
            if clear:  # (pthread_join waits for this)
                self._put_user(clear, bytes(4))
                threads.wake(clear, 1)
        if threads.exit_current():
            return _NO_RESULT
        raise ProcessExit(status & 0xFF)

    @handler("d")
    def sys_exit_group(self, status):
        raise ProcessExit(status & 0xFF)

    @handler("p")
    def sys_set_tid_address(self, tidptr):
        self.threads.current.clear_tid = tidptr
        return self.threads.current.tid

    @handler("pu")
    def sys_set_robust_list(self, head, length):
        if length != ROBUST_HEAD_SIZE:
            raise Errno(E.EINVAL)
        self.threads.current.robust_list = head
        return 0

    @handler("dpp")
    def sys_get_robust_list(self, pid, head_ptr, len_ptr):
        thread = self.threads.current if s32(pid) == 0 else self.threads.all.get(s32(pid))
        if thread is None:
            raise Errno(E.ESRCH)
        self.write_mem(head_ptr, struct.pack("<Q", thread.robust_list))
        self.write_mem(len_ptr, struct.pack("<Q", ROBUST_HEAD_SIZE))
        return 0

    def _robust_exit(self, thread) -> None:
        """As Linux's exit_robust_list when a thread ends: each robust mutex in
        its list (set_robust_list's; and the one it was taking or giving up,
        list_op_pending) that it still holds gets FUTEX_OWNER_DIED, and a
        waiter is woken, to take it with EOWNERDEAD (a priority-inheriting
        one's, entries with the low bit set, is its heir: _pi_hand_over)."""
        head = thread.robust_list
        if not head:
            return
        try:
            entry, offset, pending = struct.unpack("<QqQ", self.read_mem(head, ROBUST_HEAD_SIZE))
            for _ in range(ROBUST_LIST_LIMIT):
                if entry & ~1 == head:
                    break
                following = struct.unpack("<Q", self.read_mem(entry & ~1, 8))[0]
                if entry & ~1 != pending & ~1:
                    self._owner_died(((entry & ~1) + offset) & MASK64, thread.tid, entry & 1)
                entry = following
            if pending:
                self._owner_died(((pending & ~1) + offset) & MASK64, thread.tid, pending & 1,
                                 pending_op=True)
        except (GuestMemoryError, Errno):
            pass   # (a list the guest broke, or left in unmapped memory: as far as it goes)

    def _owner_died(self, uaddr: int, tid: int, pi: int, pending_op: bool = False) -> None:
        """Linux's handle_futex_death for the futex word at uaddr."""
        if uaddr & 3:
            return
        word = struct.unpack("<I", self.read_mem(uaddr, 4))[0]
        if pending_op and not pi and not word:  # (it was giving the mutex up)
            self._futex_wake(uaddr, 1)   # (as the kernel's, a shared futex's wake)
            return
        if word & FUTEX_TID_MASK != tid:
            return
        if pi and any(self._pi_waiters(uaddr)):
            self._pi_hand_over(uaddr, FUTEX_OWNER_DIED)
            return
        self.write_mem(uaddr, struct.pack("<I", (word & FUTEX_WAITERS) | FUTEX_OWNER_DIED))
        if not pi and word & FUTEX_WAITERS:
            self._futex_wake(uaddr, 1)

    def _pi_exit(self, thread) -> None:
        """As Linux's exit_pi_state_list when a thread ends: the priority-
        inheriting locks it holds that others wait for go to their heirs."""
        waited = {_pi_lock_of(t) for t in self.threads.all.values()} - {None}
        for uaddr in sorted(waited):
            try:
                word = struct.unpack("<I", self.read_mem(uaddr, 4))[0]
            except GuestMemoryError:
                continue   # (unmapped meanwhile: its waiters wait on)
            if word & FUTEX_TID_MASK == thread.tid:
                self._pi_hand_over(uaddr, 0)

    def _futex_wake(self, uaddr: int, count: int, op: int = 0,
                    bitset: int = 0xFFFFFFFF) -> int:
        """FUTEX_WAKE: up to `count` of this process's threads waiting on uaddr
        woken and, in memory the host shares (a futex not FUTEX_PRIVATE_FLAG's
        `op`), up to `count` waiters of other processes."""
        woken = self.threads.wake(uaddr, count, bitset)
        host = self._shared_futex(uaddr, op)
        if host is not None:
            woken += _host_futex(host, FUTEX_WAKE, count)
        return woken

    @handler("puxx")
    def sys_rseq(self, rseq, length, flags, sig):
        raise Errno(E.ENOSYS)

    @handler("")
    def sys_getpid(self):
        return self.pid

    @handler("")
    def sys_getppid(self):
        return self.ppid

    @handler("")
    def sys_gettid(self):
        return self.threads.current.tid

    @handler("")
    def sys_getuid(self):
        return os.getuid()

    @handler("")
    def sys_geteuid(self):
        return os.geteuid()

    @handler("")
    def sys_getgid(self):
        return os.getgid()

    @handler("")
    def sys_getegid(self):
        return os.getegid()

    @handler("ppp")
    def sys_getresuid(self, r, e, s):
        for p, v in zip((r, e, s), os.getresuid()):
            self.write_mem(p, struct.pack("<I", v))
        return 0

    @handler("ppp")
    def sys_getresgid(self, r, e, s):
        for p, v in zip((r, e, s), os.getresgid()):
            self.write_mem(p, struct.pack("<I", v))
        return 0

    # Credentials are the host process's too, as under qemu-user (which makes the
    # host's calls): a guest running as root that drops to a user drops the
    # process (run in the embedding process: that one) and the host's checks
    # follow. An id of -1 leaves that one as it is (setuid's and setgid's: EINVAL).
    @handler("u")
    def sys_setuid(self, uid):
        os.setuid(_id(uid, unchanged=False))
        return 0

    @handler("u")
    def sys_setgid(self, gid):
        os.setgid(_id(gid, unchanged=False))
        return 0

    @handler("uu")
    def sys_setreuid(self, ruid, euid):
        os.setreuid(_id(ruid), _id(euid))
        return 0

    @handler("uu")
    def sys_setregid(self, rgid, egid):
        os.setregid(_id(rgid), _id(egid))
        return 0

    @handler("uuu")
    def sys_setresuid(self, ruid, euid, suid):
        os.setresuid(_id(ruid), _id(euid), _id(suid))
        return 0

    @handler("uuu")
    def sys_setresgid(self, rgid, egid, sgid):
        os.setresgid(_id(rgid), _id(egid), _id(sgid))
        return 0

    @handler("u")
    def sys_setfsuid(self, uid):
        """The previous filesystem uid (a failed change only returns it)."""
        return libc.call("setfsuid", ctypes.c_uint(uid & 0xFFFFFFFF))

    @handler("u")
    def sys_setfsgid(self, gid):
        return libc.call("setfsgid", ctypes.c_uint(gid & 0xFFFFFFFF))

    @handler("dp")
    def sys_setgroups(self, size, lst):
        if not 0 <= s32(size) <= NGROUPS_MAX:
            raise Errno(E.EINVAL)
        os.setgroups(struct.unpack(f"<{s32(size)}I", self.read_mem(lst, 4 * s32(size))))
        return 0

    # Process groups and sessions are the host process's (a guest process is a
    # host process: fork forks it), as under qemu-user: a daemon's setsid, a
    # shell's job control. (A guest run in the embedding process changes that
    # one's.) Any process's are read; only this one's and its children's set,
    # as kill reaches no others.
    def _host_pid(self, pid: int) -> int:
        """Guest pid as the host knows it: one of this process's threads is it."""
        return 0 if pid in self.threads.all else pid

    def _is_self(self, pid) -> bool:
        """Whether pid (0: the caller) names this process or one of its threads
        (pthread_getaffinity_np, prlimit and the like take a thread's id)."""
        return self._host_pid(s32(pid)) in (0, self.pid)

    @handler("d")
    def sys_getpgid(self, pid):
        return os.getpgid(self._host_pid(s32(pid)))

    @handler("d")
    def sys_getsid(self, pid):
        return os.getsid(self._host_pid(s32(pid)))

    @handler("dd")
    def sys_setpgid(self, pid, pgid):
        if s32(pgid) < 0:
            raise Errno(E.EINVAL)
        if not self._is_self(pid) and s32(pid) not in self.children:
            raise Errno(E.ESRCH)
        os.setpgid(self._host_pid(s32(pid)), s32(pgid))
        return 0

    @handler("")
    def sys_setsid(self):
        os.setsid()
        return os.getpid()   # (the new session's id)

    @handler("dp")
    def sys_getgroups(self, size, lst):
        groups = os.getgroups()
        if s32(size) == 0:
            return len(groups)
        if s32(size) < len(groups):
            raise Errno(E.EINVAL)
        self.write_mem(lst, struct.pack(f"<{len(groups)}I", *groups))
        return len(groups)

    @handler("dxxxx")
    def sys_prctl(self, option, a2, a3, a4, a5):
        """The process attributes prctl(2) keeps: here, the guest's own (the
        parent-death signal is kept, not acted on; no seccomp filters)."""
        option, attrs = s32(option), self.attrs
        if option == 15:   # PR_SET_NAME
            self.comm = self.read_cstr(a2, 1 << 20)[:15]
            return 0
        if option == 16:   # PR_GET_NAME
            self.write_mem(a2, self.comm.ljust(16, b"\0"))
            return 0
        if option == 3:    # PR_GET_DUMPABLE
            return attrs["dumpable"]
        if option == 4:    # PR_SET_DUMPABLE: not, or as its user (2, as root: refused)
            if a2 > 1:
                raise Errno(E.EINVAL)
            attrs["dumpable"] = a2
            return 0
        if option == 1:    # PR_SET_PDEATHSIG
            if a2 > NSIG:
                raise Errno(E.EINVAL)
            attrs["pdeathsig"] = a2
            if self.host_signals is not None:   # (the process is the guest's: the host's
                                                # parent-death signal, which then reaches
                ulong = ctypes.c_ulong          # the guest as any other signal does)
                libc.call("prctl", ctypes.c_int(1), ulong(a2), ulong(0), ulong(0), ulong(0))
            return 0
        if option in (2, 37):   # PR_GET_PDEATHSIG, PR_GET_CHILD_SUBREAPER: an int at a2
            self.write_mem(a2, struct.pack("<i", attrs["pdeathsig" if option == 2 else "subreaper"]))
            return 0
        if option in (8, 36, 41):   # PR_SET_KEEPCAPS, _CHILD_SUBREAPER, _THP_DISABLE
            if option == 8 and a2 > 1 or option == 41 and (a3 or a4 or a5):
                raise Errno(E.EINVAL)
            attrs[{8: "keepcaps", 36: "subreaper", 41: "thp_disable"}[option]] = int(bool(a2))
            return 0
        if option in (7, 42):   # PR_GET_KEEPCAPS, PR_GET_THP_DISABLE
            if option == 42 and (a2 or a3 or a4 or a5):
                raise Errno(E.EINVAL)
            return attrs["keepcaps" if option == 7 else "thp_disable"]
        if option == 21:   # PR_GET_SECCOMP: none
            return 0
        if option == 23:   # PR_CAPBSET_READ
            if a2 > CAP_LAST_CAP:
                raise Errno(E.EINVAL)
            return self._caps()["bounding"] >> a2 & 1
        if option == 29:   # PR_SET_TIMERSLACK (0: back to the default)
            attrs["timerslack"] = a2 or TIMER_SLACK_NS
            return 0
        if option == 30:   # PR_GET_TIMERSLACK
            return attrs["timerslack"]
        if option == 38:   # PR_SET_NO_NEW_PRIVS: for good
            if a2 != 1 or a3 or a4 or a5:
                raise Errno(E.EINVAL)
            attrs["no_new_privs"] = 1
            return 0
        if option == 39:   # PR_GET_NO_NEW_PRIVS
            if a2 or a3 or a4 or a5:
                raise Errno(E.EINVAL)
            return attrs["no_new_privs"]
        if option == 40:   # PR_GET_TID_ADDRESS
            self.write_mem(a2, struct.pack("<Q", self.threads.current.clear_tid))
            return 0
        if option == 0x59616D61:   # PR_SET_PTRACER (Yama): no tracers here anyway
            return 0
        raise Errno(E.EINVAL)

    def _caps(self) -> dict:
        """The process's capability sets (bit masks): the host process's at
        first, then as capset changes them (the host's stay as they are)."""
        if self.caps is None:
            self.caps = _host_caps("/proc/self/status")
        return self.caps

    def _cap_header(self, hdr: int, data: int) -> int | None:
        """capget's and capset's header: the number of 32-bit words its data
        has, or None (an unknown version, the one wanted written back)."""
        version = struct.unpack("<I", self.read_mem(hdr, 4))[0]
        words = CAP_VERSIONS.get(version)
        if words is None:
            self.write_mem(hdr, struct.pack("<I", CAP_VERSION_3))
        return words

    @handler("pp")
    def sys_capget(self, hdr, data):
        words = self._cap_header(hdr, data)
        if words is None:
            if not data:   # (a question for the version: answered)
                return 0
            raise Errno(E.EINVAL)
        pid = struct.unpack("<i", self.read_mem(hdr + 4, 4))[0]
        if pid < 0:
            raise Errno(E.EINVAL)
        caps = None
        if pid and not self._is_self(pid) and pid not in self.children:
            caps = _host_caps(f"/proc/{pid}/status")   # (another's: as the host has them)
            if caps is None:
                raise Errno(E.ESRCH)
        if data:
            caps = caps or self._caps()
            self.write_mem(data, b"".join(
                struct.pack("<III", *(caps[k] >> (32 * w) & 0xFFFFFFFF
                                      for k in ("effective", "permitted", "inheritable")))
                for w in range(words)))
        return 0

    @handler("pp")
    def sys_capset(self, hdr, data):
        """Keeps or drops capabilities: a permitted one cannot come back, an
        effective one must be permitted (the host process's stay as they are)."""
        words = self._cap_header(hdr, data)
        if words is None:
            raise Errno(E.EINVAL)
        pid = struct.unpack("<i", self.read_mem(hdr + 4, 4))[0]
        if pid and not self._is_self(pid):
            raise Errno(E.EPERM)
        raw = self.read_mem(data, 12 * words)
        new = {"effective": 0, "permitted": 0, "inheritable": 0}
        for w in range(words):
            for k, value in zip(("effective", "permitted", "inheritable"),
                                struct.unpack_from("<III", raw, 12 * w)):
                new[k] |= value << (32 * w)
        caps = self._caps()
        if new["permitted"] & ~caps["permitted"] or new["effective"] & ~new["permitted"] or \
                new["inheritable"] & ~(caps["inheritable"] | caps["permitted"]):
            raise Errno(E.EPERM)
        caps.update(new)
        return 0

    @handler("x")
    def sys_personality(self, persona):
        """The process's persona (PER_LINUX and its flags; kept across fork and
        exec), the one before; 0xffffffff only asks. (The layout is never
        randomized: ADDR_NO_RANDOMIZE, setarch -R's, holds anyway.)"""
        old = self.attrs.get("persona", 0)
        if persona & 0xFFFFFFFF != 0xFFFFFFFF:
            self.attrs["persona"] = persona & 0xFFFFFFFF
        return old

    @handler("dRpp")
    def sys_prlimit64(self, pid, res, new, old):
        if not self._is_self(pid):
            raise Errno(E.ESRCH)
        if res >= len(self.rlimits):
            raise Errno(E.EINVAL)
        cur = self.rlimits[res]
        newval = None
        if new:
            newval = list(struct.unpack("<QQ", self.read_mem(new, 16)))
            if newval[0] > newval[1]:
                raise Errno(E.EINVAL)
            if newval[1] > cur[1] and os.geteuid() != 0:
                raise Errno(E.EPERM)
        if old:
            self.write_mem(old, struct.pack("<QQ", *cur))
        if newval is not None:
            self.rlimits[res] = newval
        return 0

    @handler("Rp")
    def sys_getrlimit(self, res, rlim):
        return self.sys_prlimit64(0, res, 0, rlim)

    @handler("Rp")
    def sys_setrlimit(self, res, rlim):
        return self.sys_prlimit64(0, res, rlim, 0)

    @handler("p")
    def sys_uname(self, buf):
        u = os.uname()
        self.write_mem(buf, b"".join(_utsfield(s) for s in (
            "Linux", u.nodename, u.release, u.version, "riscv64", "(none)")))
        return 0

    @handler("p")
    def sys_sysinfo(self, buf):
        try:
            pages, avail = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_AVPHYS_PAGES")
            pagesize = os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError):
            pages, avail, pagesize = 1 << 20, 1 << 19, 4096
        try:
            with open("/proc/uptime") as fp:
                uptime = int(float(fp.read().split()[0]))
        except (OSError, ValueError, IndexError):
            uptime = int(time.monotonic())
        try:
            loads = [int(x * 65536) for x in os.getloadavg()]
        except OSError:
            loads = [0, 0, 0]
        data = struct.pack("<q3QQQQQQQHH4xQQI4x", uptime, *loads, pages * pagesize,
                           avail * pagesize, 0, 0, 0, 0, 1, 0, 0, 0, 1)
        self.write_mem(buf, data)
        return 0

    @handler("dup")
    def sys_sched_getaffinity(self, pid, size, mask):
        if not self._is_self(pid):
            raise Errno(E.ESRCH)
        if size < 8 or size & 7:
            raise Errno(E.EINVAL)
        self.write_mem(mask, struct.pack("<Q", 1))
        return 8

    @handler("dup")
    def sys_sched_setaffinity(self, pid, size, mask):
        if not self._is_self(pid):
            raise Errno(E.ESRCH)
        self.read_mem(mask, min(size, 8))
        return 0

    @handler("ddd")
    def sys_setpriority(self, which, who, prio):
        """The niceness of this (host) process, its process group or user."""
        which = self._prio_which(which)
        os.setpriority(which, self._host_who(which, who), max(-20, min(19, s32(prio))))
        return 0

    @handler("dd")
    def sys_getpriority(self, which, who):
        # (the kernel's: 1 to 40, never negative)
        which = self._prio_which(which)
        return 20 - os.getpriority(which, self._host_who(which, who))

    def _host_who(self, which, who, process=os.PRIO_PROCESS) -> int:
        """A {get,set}priority or ioprio_{get,set} `who` as the host knows it:
        where `which` is `process` (PRIO_PROCESS; IOPRIO_WHO_PROCESS), a thread
        of this process's is the host process, not some other host pid."""
        return self._host_pid(s32(who)) if which == process else s32(who)

    @handler("ddx")
    def sys_ioprio_set(self, which, who, ioprio):
        """The I/O priority of this (host) process, its process group or user."""
        return libc.call("syscall", ctypes.c_long(_SYS_IOPRIO_SET), ctypes.c_int(s32(which)),
                         ctypes.c_int(self._host_who(which, who, IOPRIO_WHO_PROCESS)),
                         ctypes.c_int(s32(ioprio)))

    @handler("dd")
    def sys_ioprio_get(self, which, who):
        return libc.call("syscall", ctypes.c_long(_SYS_IOPRIO_GET), ctypes.c_int(s32(which)),
                         ctypes.c_int(self._host_who(which, who, IOPRIO_WHO_PROCESS)))

    @staticmethod
    def _prio_which(which) -> int:
        """PRIO_PROCESS, PRIO_PGRP or PRIO_USER (an int: EINVAL for any other)."""
        which = s32(which)
        if not 0 <= which <= 2:
            raise Errno(E.EINVAL)
        return which

    @handler("")
    def sys_sched_yield(self):
        if not self.threads.several:   # (the host's: another process, the guest's maybe,
            os.sched_yield()           # runs; one spinning on shared memory waits for it)
            return 0
        self.threads.yield_turn(0)
        return _NO_RESULT

    # -- scheduling policy: the guest's own (a host process made real-time could
    # take a whole core from the machine); Linux's rules and limits ----------------
    def _sched_of(self, pid) -> list:
        """[policy, priority, flags] of this process's thread `pid` (0: the caller)."""
        thread = self.threads.current if s32(pid) == 0 else self.threads.all.get(s32(pid))
        if s32(pid) < 0:
            raise Errno(E.EINVAL)
        if thread is None:
            raise Errno(E.ESRCH)
        if thread.sched is None:
            thread.sched = [SCHED_OTHER, 0, 0]
        return thread.sched

    def _set_sched(self, pid, policy: int, priority: int, flags: int = 0,
                   nice: int | None = None) -> int:
        """A thread's policy and priority set (its niceness is the host process's:
        setpriority's)."""
        sched = self._sched_of(pid)
        policy &= ~SCHED_RESET_ON_FORK
        if policy not in _SCHED_PRIORITIES:
            raise Errno(E.EINVAL)
        low, high = _SCHED_PRIORITIES[policy]
        if not low <= priority <= high:
            raise Errno(E.EINVAL)
        if policy in (SCHED_FIFO, SCHED_RR) and not self._caps()["effective"] >> 23 & 1:
            raise Errno(E.EPERM)   # (CAP_SYS_NICE: RLIMIT_RTPRIO is 0)
        if nice is not None:
            os.setpriority(os.PRIO_PROCESS, 0, max(-20, min(19, nice)))
        sched[:] = [policy, priority, flags]
        return 0

    def _sched_seen(self, pid) -> list:
        """[policy, priority, flags] of thread `pid` for a reading call: this
        process's thread's (the guest's own), or another process's as the host
        has it (ESRCH: none)."""
        if s32(pid) <= 0 or s32(pid) in self.threads.all or s32(pid) == self.pid:
            return self._sched_of(pid)
        try:
            policy = os.sched_getscheduler(s32(pid))
            return [policy & ~SCHED_RESET_ON_FORK, os.sched_getparam(s32(pid)).sched_priority,
                    SCHED_FLAG_RESET_ON_FORK if policy & SCHED_RESET_ON_FORK else 0]
        except OSError as e:
            raise Errno(e.errno) from None

    @handler("d")
    def sys_sched_getscheduler(self, pid):
        sched = self._sched_seen(pid)
        return sched[0] | (SCHED_RESET_ON_FORK if sched[2] & SCHED_FLAG_RESET_ON_FORK else 0)

    @handler("dp")
    def sys_sched_getparam(self, pid, param):
        if not param:
            raise Errno(E.EINVAL)
        self.write_mem(param, struct.pack("<i", self._sched_seen(pid)[1]))
        return 0

    @handler("ddp")
    def sys_sched_setscheduler(self, pid, policy, param):
        if not param or s32(policy) < 0:
            raise Errno(E.EINVAL)
        priority = struct.unpack("<i", self.read_mem(param, 4))[0]
        return self._set_sched(pid, s32(policy), priority,
                               SCHED_FLAG_RESET_ON_FORK if s32(policy) & SCHED_RESET_ON_FORK
                               else 0)

    @handler("dp")
    def sys_sched_setparam(self, pid, param):
        if not param:
            raise Errno(E.EINVAL)
        sched = self._sched_of(pid)
        return self._set_sched(pid, sched[0], struct.unpack("<i", self.read_mem(param, 4))[0],
                               sched[2])

    @handler("dpu")
    def sys_sched_getattr(self, pid, attr, size, flags=0):
        """struct sched_attr (its first version's 48 bytes, or the size asked, at least that)."""
        if not attr or size < SCHED_ATTR_SIZE or size > 4096:
            raise Errno(E.EINVAL)
        policy, priority, sflags = self._sched_seen(pid)
        nice = os.getpriority(os.PRIO_PROCESS, self._host_who(os.PRIO_PROCESS, pid))
        data = struct.pack("<IIQiIQQQ", SCHED_ATTR_SIZE, policy, sflags, nice, priority, 0, 0, 0)
        self.write_mem(attr, data)
        return 0

    @handler("dpu")
    def sys_sched_setattr(self, pid, attr, flags):
        if not attr or flags:
            raise Errno(E.EINVAL)
        size = struct.unpack("<I", self.read_mem(attr, 4))[0] or SCHED_ATTR_SIZE
        if size < SCHED_ATTR_SIZE:
            self.write_mem(attr, struct.pack("<I", SCHED_ATTR_SIZE))
            raise Errno(E.E2BIG)
        _, policy, sflags, nice, priority = struct.unpack("<IIQiI", self.read_mem(attr, 24))
        # (the reset-on-fork flag alone; no deadline class)
        if sflags & ~SCHED_FLAG_RESET_ON_FORK or policy == SCHED_DEADLINE:
            raise Errno(E.EINVAL)
        return self._set_sched(pid, policy, priority, sflags,
                               nice if policy in (SCHED_OTHER, SCHED_BATCH) else None)

    @handler("dp")
    def sys_sched_rr_get_interval(self, pid, tp):
        self._sched_seen(pid)
        self.write_mem(tp, struct.pack("<qq", 0, 100_000_000))   # (Linux's RR slice, 100 ms)
        return 0

    @handler("d")
    def sys_sched_get_priority_max(self, policy):
        if s32(policy) not in _SCHED_PRIORITIES:
            raise Errno(E.EINVAL)
        return _SCHED_PRIORITIES[s32(policy)][1]

    @handler("d")
    def sys_sched_get_priority_min(self, policy):
        if s32(policy) not in _SCHED_PRIORITIES:
            raise Errno(E.EINVAL)
        return _SCHED_PRIORITIES[s32(policy)][0]

    @handler("ppp")
    def sys_getcpu(self, cpu, node, cache):
        if cpu:
            self.write_mem(cpu, bytes(4))
        if node:
            self.write_mem(node, bytes(4))
        return 0

    @handler("dp")
    def sys_getrusage(self, who, ru):
        who = s32(who)
        if who not in (0, -1, 1):
            raise Errno(E.EINVAL)
        r = resource.getrusage(resource.RUSAGE_CHILDREN if who == -1 else resource.RUSAGE_SELF)
        self.write_mem(ru, pack_rusage(r))
        return 0

    @handler("p")
    def sys_times(self, buf):
        t = os.times()
        if buf:
            self.write_mem(buf, struct.pack("<4q", int(t.user * 100), int(t.system * 100),
                                            int(t.children_user * 100),
                                            int(t.children_system * 100)))
        return int(time.monotonic() * 100) & ((1 << 62) - 1)

    @handler("Bux")
    def sys_getrandom(self, buf, count, flags):
        if flags & ~7:
            raise Errno(E.EINVAL)
        count = min(count, 33554431)
        self.check_writable(buf, count)
        self.write_mem(buf, os.urandom(count))
        return count

    @handler("dpdp")
    def sys_wait4(self, pid, status, options, rusage):
        """Waits for a child (a guest fork's: a host process of its own)."""
        if options & ~(WNOHANG | WUNTRACED | WCONTINUED | WALL | WCLONE | WNOTHREAD):
            raise Errno(E.EINVAL)
        if self.threads.several and not options & WNOHANG and self.children:
            def ended():   # (a child of those it waits for ended: wait4 will not wait)
                who = s32(pid)
                kind, ident = (os.P_PID, who) if who > 0 else (os.P_ALL, 0) if who == -1 else \
                    (os.P_PGID, -who if who else os.getpgid(0))
                try:
                    return os.waitid(kind, ident, os.WEXITED | os.WNOHANG | os.WNOWAIT) \
                        is not None
                except ChildProcessError:
                    return True
            if not ended():   # (the other threads run meanwhile)
                self.threads.block_until(ended)
                return _NO_RESULT
        elif not options & (WNOHANG | WUNTRACED | WCONTINUED):   # (for an end only)
            waited = self._wait_for_child(s32(pid))
            if waited is not None:
                return waited
        try:
            got, code, usage = os.wait4(s32(pid), options & (WNOHANG | WUNTRACED | WCONTINUED))
        except ChildProcessError:
            raise Errno(E.ECHILD) from None
        if got and (os.WIFEXITED(code) or os.WIFSIGNALED(code)):
            self._reaped(got)
        if got and status:
            self.write_mem(status, struct.pack("<i", code))
        if got and rusage:
            self.write_mem(rusage, pack_rusage(usage))
        return got

    def _sigchld_awaited(self) -> bool:
        """Whether a child's end is to be signalled: there are children, and a
        handler for SIGCHLD."""
        return bool(self.children) and \
            self.sigactions.get(SIGCHLD, (SIG_DFL, 0, 0))[0] not in (SIG_DFL, SIG_IGN)

    # -- pidfds: the host's, of host processes (a fork's child is one) -----------------------
    @handler("dx")
    def sys_pidfd_open(self, pid, flags):
        if flags & ~O_NONBLOCK or s32(pid) <= 0:
            raise Errno(E.EINVAL)
        pid = self.pid if self._is_self(pid) else s32(pid)   # (a thread's id: its process)
        f = HostFile(os.pidfd_open(pid), O_RDWR | (flags & O_NONBLOCK), "anon_inode:[pidfd]")
        f.pid = pid
        return self._install_new(f, O_CLOEXEC)   # (always close-on-exec, as Linux's)

    def _pidfd(self, fd):
        f = self.file(fd)
        if getattr(f, "pid", None) is None:
            raise Errno(E.EBADF)
        return f

    @handler("fSpx")
    def sys_pidfd_send_signal(self, fd, sig, info, flags):
        """A signal to the process a pidfd names, or an open /proc/PID directory
        (as Linux takes too): this one's own (raised as kill's), or another's of
        the program's, sent by the host (a siginfo given is not passed on:
        kill's is); others are not reachable (EPERM, as kill)."""
        f = self.file(fd)
        pid = getattr(f, "pid", None)
        if pid is None and f.is_dir:
            named = re.fullmatch(r"/proc/(\d+|self)/?", f.path or "")
            if named:
                pid = self.pid if named.group(1) == "self" else int(named.group(1))
        if pid is None:
            raise Errno(E.EBADF)
        sig = self._check_sig(sig)
        if flags:
            raise Errno(E.EINVAL)
        if pid == self.pid:
            return self.sys_kill(self.pid, sig)
        if not self._reachable(pid):
            raise Errno(E.EPERM)
        signal.pidfd_send_signal(f.host_fd, sig)
        return 0

    def _wait_for_child(self, pid: int):
        """The one thread's wait for a child's end (`pid`, or -1: any),
        before the wait call takes it: None when one has ended (or the host's
        call is to wait itself: no child to watch); else what the call
        returns, for a signal (EINTR, or made again under SA_RESTART) or a
        stop of the run (made again when it goes on)."""
        watched = [pid] if pid > 0 else sorted(self.children)
        if not watched:
            return None
        fds = []
        try:
            for child in watched:
                fds.append(os.pidfd_open(child))
        except (OSError, AttributeError):   # (gone, or no pidfds: the host's call waits)
            return None
        finally:
            if len(fds) < len(watched):
                for fd in fds:
                    os.close(fd)
        try:
            return self._wait_on_host([(fd, select.POLLIN) for fd in fds])
        finally:
            for fd in fds:
                os.close(fd)

    def _reaped(self, pid: int) -> None:
        """A child waited for: its end no longer to signal, its output all in."""
        self.children.discard(pid)
        self._chld_sent.discard(pid)
        for f, _ in self.fds.values():
            if isinstance(f, BufferOutput):
                f.settle()

    def _child_ended(self) -> None:
        """SIGCHLD for a child that has ended and not been signalled for (its
        host process a zombie until waited for), if the guest handles it."""
        if not self._sigchld_awaited():
            return
        try:
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOWAIT | os.WNOHANG)
        except ChildProcessError:
            self.children.clear()
            return
        if info is not None and info.si_pid not in self._chld_sent:
            self._chld_sent.add(info.si_pid)
            self.raise_signal(SIGCHLD, _child_siginfo(info))

    @handler("ddpdp")
    def sys_waitid(self, idtype, ident, infop, options, rusage):
        """wait4's sibling: the child's end as a siginfo (SIGCHLD's fields)."""
        kinds = {P_ALL: os.P_ALL, P_PID: os.P_PID, P_PGID: os.P_PGID, P_PIDFD: os.P_PID}
        if idtype not in kinds or not options & (WEXITED | WSTOPPED | WCONTINUED) or \
                options & ~(WNOHANG | WEXITED | WSTOPPED | WCONTINUED | WNOWAIT | WALL | WCLONE
                            | WNOTHREAD):
            raise Errno(E.EINVAL)
        ident = 0 if idtype == P_ALL else self._pidfd(ident).pid if idtype == P_PIDFD \
            else s32(ident)
        if not options & (WNOHANG | WSTOPPED | WCONTINUED):   # (for an end only)
            waited = self._wait_for_child(ident if idtype in (P_PID, P_PIDFD) else -1)
            if waited is not None:
                return waited
        try:
            got = os.waitid(kinds[idtype], ident,
                            options & (WNOHANG | WEXITED | WSTOPPED | WCONTINUED | WNOWAIT))
        except ChildProcessError:
            raise Errno(E.ECHILD) from None
        if got is not None and not options & WNOWAIT and got.si_code in (CLD_EXITED, CLD_KILLED,
                                                                         CLD_DUMPED):
            self._reaped(got.si_pid)
        if infop:
            # (WNOHANG and nobody ready: all zero, as Linux leaves it)
            self.write_mem(infop, bytes(SIGINFO_SIZE) if got is None else _child_siginfo(got))
        if rusage:
            self.write_mem(rusage, pack_rusage(resource.getrusage(resource.RUSAGE_CHILDREN)))
        return 0

    @handler("xppxx")
    def sys_clone(self, flags, stack, ptid, tls, ctid):
        """A thread (CLONE_VM | CLONE_THREAD, as pthread_create makes them):
        it takes turns with the others on the cpu (linux/threads.py). A new
        process (fork): a fork of the host process, which runs the child and
        ends with it. vfork and posix_spawn's (CLONE_VM | CLONE_VFORK) are one
        whose child keeps its parent's memory, the parent waiting until the
        child has exec'd or ended (_core.share_next_fork): posix_spawn's child
        writes there why its exec failed."""
        if flags & CLONE_THREAD:
            return self._clone_thread(flags, stack, ptid, tls, ctid)
        if flags & CLONE_VM and not flags & CLONE_VFORK:
            raise Errno(E.ENOSYS)    # (a process sharing memory: not a fork, not a thread)
        return self._fork(flags, stack, ptid, tls, ctid)

    def _clone_thread(self, flags, stack, ptid, tls, ctid):
        if not flags & CLONE_VM:
            raise Errno(E.EINVAL)
        thread = self.threads.spawn(stack, tls if flags & CLONE_SETTLS else None)
        thread.sched = _inherited_sched(self.threads.current.sched)
        tid = struct.pack("<i", thread.tid)
        if flags & CLONE_PARENT_SETTID:
            self._put_user(ptid, tid)
        if flags & CLONE_CHILD_SETTID:
            self._put_user(ctid, tid)
        if flags & CLONE_CHILD_CLEARTID:
            thread.clear_tid = ctid
        return thread.tid

    def _fork(self, flags, stack, ptid, tls, ctid):
        for stream in (sys.stdout, sys.stderr):   # (or the child writes what is buffered again)
            try:
                stream.flush()
            except (AttributeError, OSError, ValueError):
                pass
        outputs = {id(f): f for f, _ in self.fds.values() if isinstance(f, BufferOutput)}
        pipes = [(f, f.fork_pipe()) for f in outputs.values()]
        if flags & CLONE_VM and isinstance(self.mmu, _core.FlatMMU):   # (CLONE_VFORK: a vfork)
            _core.share_next_fork(self.mmu)
        pid = os.fork()
        for f, ends in pipes:
            f.forked(ends, child=not pid)
        if pid:
            self.children.add(pid)
            if flags & CLONE_PARENT_SETTID:
                self._put_user(ptid, struct.pack("<i", pid))
            return pid
        # the child: a process of its own, with the forking thread alone, which a
        # SIGINT ends as it would a guest's (not as Python's KeyboardInterrupt)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        self.forked = True
        self.children, self._chld_sent = set(), set()
        self.ppid, self.pid = self.pid, os.getpid()
        mask, altstack = self.sigmask, self.altstack   # (the forking thread's: the
        sched = self.threads.current.sched                                  # child's one
        self.threads = self._new_threads(self.cpu)                           # thread has
        self.sigmask, self.altstack = mask, altstack                        # them)
        self.threads.current.sched = _inherited_sched(sched)
        self.pending, self.pending_code = 0, {}   # (none pending in a new process)
        self.itimers.clear()
        self.ptimers.clear()
        self.attrs["pdeathsig"] = 0   # (a child's own; the rest are inherited)
        # (the process is the guest's: signals from others go to its handlers)
        self.parent_takes_signals = self.host_signals is not None
        if self.family is None:   # (its own process: the first of a family)
            self.family = self.pid
        try:
            self.host_signals = self.host_signals.forked(self) if self.host_signals is not None \
                else HostSignals(self, own=True)
        except (ValueError, OSError):   # (not Python's main thread, or no pipe)
            self.host_signals = None
        self.host_dispositions()
        if hasattr(self.cpu, "hold_first"):   # (a process started, as a program exec'd)
            self.cpu.hold_first = True
        if stack:
            self.cpu.reg_write(2, stack)
        if flags & CLONE_SETTLS:
            self.cpu.reg_write(4, tls)
        if flags & CLONE_CHILD_SETTID:
            self._put_user(ctid, struct.pack("<i", self.pid))
        if flags & CLONE_CHILD_CLEARTID:
            self.threads.current.clear_tid = ctid
        return 0

    def _put_user(self, addr: int, data: bytes) -> None:
        """A write whose fault Linux ignores (clone's and exit's tid words: the
        thread is made, or ends, all the same)."""
        try:
            self.write_mem(addr, data)
        except (GuestMemoryError, Errno):
            pass

    @handler("spp")
    def sys_execve(self, path, argv, envp):
        name = self.read_cstr(path)
        args, env = self._read_strings(argv), self._read_strings(envp)
        return self._execve(self._exec_target(name, args), env)

    @handler("fsppA")
    def sys_execveat(self, dirfd, path, argv, envp, flags):
        """execve of `path` relative to directory `dirfd`, or with AT_EMPTY_PATH
        and an empty path of the file `dirfd` holds (glibc's fexecve); a
        symbolic link refused with AT_SYMLINK_NOFOLLOW."""
        if flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW):
            raise Errno(E.EINVAL)
        name = self.read_cstr(path)
        args, env = self._read_strings(argv), self._read_strings(envp)
        if not name and flags & AT_EMPTY_PATH:   # (a script's name for its interpreter:
            f = self.file(dirfd)                 # Linux's /dev/fd/N)
            if f.host_fd is None:
                raise Errno(E.EACCES)
            host, name = os.readlink(f"/proc/self/fd/{f.host_fd}"), b"/dev/fd/%d" % s32(dirfd)
        else:
            host, dfd = self.resolve(dirfd, name, not flags & AT_SYMLINK_NOFOLLOW)
            if dfd is not None:
                host = os.path.join(os.readlink(f"/proc/self/fd/{dfd}"), host)
            if flags & AT_SYMLINK_NOFOLLOW and os.path.islink(host):
                raise Errno(E.ELOOP)
        return self._execve(self._exec_target(name, args, host=host), env)

    def _execve(self, target, env):
        host, args, elf = target
        if self.exec_loader is None:
            raise Errno(E.ENOSYS)
        try:
            image = self.exec_loader(host, args, env, elf)
        except ElfError:   # (its dynamic loader missing or bad: the old program goes on)
            raise Errno(E.ENOEXEC) from None
        self.close_on_exec()
        raise ProcessExec(image)

    def _read_strings(self, addr: int) -> list:
        """A NULL-terminated array of C strings (argv, envp) from guest memory."""
        out = []
        while addr:
            ptr = struct.unpack("<Q", self.read_mem(addr, 8))[0]
            if not ptr:
                break
            if len(out) >= ARG_MAX_STRINGS:
                raise Errno(E.E2BIG)
            out.append(self.read_cstr(ptr, ARG_MAX_STRING))
            addr += 8
        return out

    def _exec_target(self, name: bytes, args: list, depth: int = 0, host: str | None = None):
        """(host path, argv, parsed ELF) of the program execve(name, args) runs
        (at `host`, if given: else where `name` resolves): a script's #!
        interpreter (with the script's path in its argv)."""
        if host is None:
            host = self.cwd_path(name)
        if not os.path.exists(host):
            raise Errno(E.ENOENT)
        if os.path.isdir(host) or not os.access(host, os.X_OK):
            raise Errno(E.EACCES)
        with open(host, "rb") as f:
            named = script_interpreter(f.read(BINPRM_BUF))
        if named is not None:
            if depth >= 4:
                raise Errno(E.ELOOP)
            interp, arg = named
            if not interp:
                raise Errno(E.ENOEXEC)
            return self._exec_target(interp, [interp] + ([arg] if arg else []) + [name] + args[1:],
                                     depth + 1)
        try:
            elf = read_elf(host)
        except ElfError:
            raise Errno(E.ENOEXEC) from None
        return host, args, elf

    def close_on_exec(self) -> None:
        for fd, (_, cloexec) in list(self.fds.items()):
            if cloexec:
                self.close_fd(fd)

    def exec_reset(self, mmu, aspace, cpu, exe_path: str, argv: list) -> None:
        """The kernel's side of a successful execve: the new program's memory and
        cpu; handled signals back to their default action, one thread. (A
        vfork's child lets its parent go on: it is done with its memory.)"""
        for thread in list(self.threads.all.values()):  # (their mutexes, in the old memory)
            self._robust_exit(thread)
        self.aspace.write_back()   # (the old program's shared mappings)
        self.aspace.detach_all()
        self.mmu, self.aspace, self.cpu = mmu, aspace, cpu
        _core.vfork_done()
        self.sigactions = {sig: act for sig, act in self.sigactions.items() if act[0] == SIG_IGN}
        self.host_dispositions()
        for ident in self.ptimers:   # (setitimer's go on; timer_create's do not)
            self.itimers.pop(("timer", ident), None)
        self.ptimers.clear()
        self.attrs["keepcaps"], self.attrs["dumpable"], self.attrs["membarrier"] = 0, 1, 0
        old = self.threads.current   # (execve keeps its mask and signals pending for it;
        self.threads = self._new_threads(cpu)                            # no altstack)
        self.sigmask, me = old.sigmask, self.threads.current
        me.pending, me.pending_code = old.pending, old.pending_code
        self.exe_path = os.path.realpath(exe_path)
        self.argv = list(argv)
        self.comm = os.fsencode(os.path.basename(exe_path))[:15]

    @handler("sx")
    def sys_memfd_create(self, name, flags):
        """The host's memfd, with the guest's flags (MFD_ALLOW_SEALING: F_ADD_SEALS
        works on it) but its own close-on-exec."""
        flags &= 0xFFFFFFFF
        known = MFD_ALL_FLAGS | ((0x3F << 26) if flags & MFD_HUGETLB else 0)   # (page size)
        if flags & ~known or flags & MFD_EXEC and flags & MFD_NOEXEC_SEAL:
            raise Errno(E.EINVAL)
        try:
            label = os.fsdecode(self.read_cstr(name, 250))
        except Errno as e:   # (249 bytes at most: Linux's EINVAL)
            raise Errno(E.EINVAL if e.code == E.ENAMETOOLONG else e.code) from None
        hfd = os.memfd_create(label, os.MFD_CLOEXEC | (flags & ~MFD_CLOEXEC))
        return self.install(HostFile(hfd, O_RDWR, f"/memfd:{label}"), bool(flags & MFD_CLOEXEC))

    # -- time ---------------------------------------------------------------------------
    def _clock(self, clk: int) -> int:
        clk = s32(clk)
        if clk < 0 or clk > 11 or clk == 10:   # 10 was CLOCK_SGI_CYCLE, never on Linux
            raise Errno(E.EINVAL)
        return clk

    def _cpu_clock(self, clk: int):
        """A cpu-time clock (clock_getcpuclockid, pthread_getcpuclockid: ~id << 3,
        4 for a thread's, then PROF 0, VIRT 1 or SCHED 2, all read alike): a
        guest thread (0: the caller) as the GuestThread, this process (0) as the
        host's clock of it, a child as the host's of that process."""
        who, thread = ~(clk >> 3), clk & 4
        if clk & 3 == 3 or (thread and who != 0 and who not in self.threads.all):
            raise Errno(E.EINVAL)   # (a thread of another process's: Linux's, for one gone)
        if thread:
            return self.threads.all.get(who, self.threads.current)
        if who == 0 or self._is_self(who):
            return time.CLOCK_PROCESS_CPUTIME_ID
        if not self._reachable(who):
            raise Errno(E.EINVAL)
        return clk

    def _clock_ns(self, clk) -> int:
        """clock_gettime's: a clock's time, in ns; a guest thread's cpu time is
        its own (Threads.cpu_ns), as is CLOCK_THREAD_CPUTIME_ID's."""
        clock = self._cpu_clock(s32(clk)) if s32(clk) < 0 else self._clock(clk)
        if clock == time.CLOCK_THREAD_CPUTIME_ID:
            clock = self.threads.current
        if isinstance(clock, GuestThread):
            return self.threads.cpu_ns(clock)
        try:
            return time.clock_gettime_ns(clock)
        except OSError as e:   # (a child's that has ended)
            raise Errno(e.errno) from None

    @handler("dp")
    def sys_clock_gettime(self, clk, tp):
        ns = self._clock_ns(clk)
        self.write_mem(tp, struct.pack("<qq", *divmod(ns, 1_000_000_000)))
        return 0

    @handler("dp")
    def sys_clock_getres(self, clk, tp):
        if s32(clk) < 0:
            self._cpu_clock(s32(clk))   # (one that exists: the host's cpu clocks' resolution)
            clk = time.CLOCK_PROCESS_CPUTIME_ID
        res = time.clock_getres(self._clock(clk))
        if tp:
            self.write_mem(tp, struct.pack("<qq", 0, max(1, round(res * 1e9))))
        return 0

    # -- the host's clock: read, never set. The guest is an unprivileged process
    # of the host's (as Linux would, EPERM), even when vm_engine runs as root ----
    @handler("p")
    def sys_adjtimex(self, buf):
        """The clock's discipline (ntp_gettime, adjtime(NULL, &old), chronyc):
        the host's, read; a change of it is refused."""
        return self._adjtime(None, buf)

    @handler("dp")
    def sys_clock_adjtime(self, clk, buf):
        return self._adjtime(self._clock(clk), buf)

    def _adjtime(self, clk, buf) -> int:
        timex = bytearray(self.read_mem(buf, TIMEX_SIZE))
        if struct.unpack_from("<I", timex)[0] not in (0, ADJ_OFFSET_SS_READ):
            raise Errno(E.EPERM)
        host = libc.buffer(bytes(timex))
        try:
            state = libc.call("adjtimex", host) if clk is None else \
                libc.call("clock_adjtime", clk, host)
        except OSError as e:
            raise Errno(e.errno) from None
        except AttributeError:   # (a host C library without them: not Linux's)
            raise Errno(E.ENOSYS) from None
        self.write_mem(buf, host.raw[:TIMEX_SIZE])
        return state

    @handler("bu")
    def sys_sethostname(self, name, length):
        """The host's name is never changed (EPERM, as for an unprivileged
        process, after Linux's checks)."""
        if length > 64:   # (__NEW_UTS_LEN)
            raise Errno(E.EINVAL)
        self.read_mem(name, length)
        raise Errno(E.EPERM)

    sys_setdomainname = sys_sethostname

    @handler("pp")
    def sys_settimeofday(self, tv, tz):
        if tv:
            sec, usec = struct.unpack("<qq", self.read_mem(tv, 16))
            if sec < 0 or not 0 <= usec < 1_000_000:
                raise Errno(E.EINVAL)
        if tz:
            self.read_mem(tz, 8)
        raise Errno(E.EPERM)

    @handler("dp")
    def sys_clock_settime(self, clk, tp):
        if self._clock(clk) != time.CLOCK_REALTIME:
            raise Errno(E.EINVAL)   # (the one clock Linux lets be set)
        self._timespec_fields(tp)
        raise Errno(E.EPERM)

    @handler("pp")
    def sys_gettimeofday(self, tv, tz):
        ns = time.time_ns()
        if tv:
            self.write_mem(tv, struct.pack("<qq", ns // 1_000_000_000, ns // 1000 % 1_000_000))
        if tz:
            self.write_mem(tz, bytes(8))
        return 0

    def _sleep(self, seconds: float, rem: int = 0):
        """nanosleep's wait: a signal ends it (EINTR, the time left at `rem`);
        a stop of the run (Machine.stop, a time limit) ends it for now: the
        call is made again when the run goes on, to the same end."""
        deadline, keep_deadline = self._call_deadline(seconds)
        if self.threads.several:  # (the others run meanwhile)
            self.threads.block(timeout=max(0.0, deadline - time.monotonic()))
            return _NO_RESULT
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return 0
            if self._signal_came(self.sigmask):
                if rem:
                    self.write_mem(rem, struct.pack("<qq", *_time_parts(left, 10**9)))
                return -E.EINTR
            if self.stop_requested():
                keep_deadline()
                return self._again()
            time.sleep(min(left, WAIT_SLICE))

    def _call_deadline(self, timeout: float | None):
        """A waiting call's deadline (None: none), and what keeps it for the
        call made again (after a stop, or its turn among threads): the first
        call's deadline stands, as Linux's restart keeps the time left."""
        me = self.threads.current
        deadline, self._restart_deadline = self._restart_deadline, None
        if deadline is None and timeout is not None:
            deadline = time.monotonic() + timeout

        def keep():
            me.restart_deadline = deadline
        return deadline, (keep if deadline is not None else None)

    def _again(self):
        """The current call is made again when the run goes on (a stop came)."""
        self.cpu.pc -= 4
        return _NO_RESULT

    @handler("pp")
    def sys_nanosleep(self, req, rem):
        return self._sleep(self.read_timespec(req), rem)

    @handler("dxpp")
    def sys_clock_nanosleep(self, clk, flags, req, rem):
        clk = self._clock(clk)
        t = self.read_timespec(req)
        if flags & TIMER_ABSTIME:
            t = max(0.0, t - time.clock_gettime(clk))
            rem = 0
        return self._sleep(t, rem)

    # -- futexes, hwprobe, icache ----------------------------------------------------------

    def _shared_futex(self, uaddr: int, op: int):
        """The host address of futex `uaddr` when it is a shared one (no
        FUTEX_PRIVATE_FLAG) in memory other processes share (a mapping the host
        maps itself, LiveShare): the host's futex there is what they wake; else None."""
        if op & FUTEX_PRIVATE_FLAG:
            return None
        v = self.aspace.find(uaddr)
        if v is None or not isinstance(v.shared, LiveShare):
            return None
        return self.mmu.host_address(uaddr)

    def _host_futex_wait(self, host: int, val: int, timeout: float | None):
        """The one thread's FUTEX_WAIT on the host's futex at `host`, in slices:
        a signal ends it (EINTR, or SA_RESTART's call again), a stop of the run
        ends it for now."""
        deadline, keep_deadline = self._call_deadline(timeout)
        while True:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise Errno(E.ETIMEDOUT)
            got = _host_futex(host, FUTEX_WAIT, val & 0xFFFFFFFF,
                              WAIT_SLICE if left is None else min(WAIT_SLICE, left))
            if got == 0:
                return 0
            if got == -E.EAGAIN:
                raise Errno(E.EAGAIN)
            if self._signal_came(self.sigmask):
                return self._interrupt_call(restartable=timeout is None)
            if self.stop_requested():
                if keep_deadline is not None:
                    keep_deadline()
                return self._again()

    @handler("pdupud")
    def sys_futex(self, uaddr, op, val, timeout, uaddr2, val3):
        cmd = op & FUTEX_CMD_MASK
        threads = self.threads
        if cmd in (FUTEX_WAIT, FUTEX_WAIT_BITSET):
            if uaddr & 3:
                raise Errno(E.EINVAL)
            bitset = val3 & 0xFFFFFFFF if cmd == FUTEX_WAIT_BITSET else 0xFFFFFFFF
            if not bitset:
                raise Errno(E.EINVAL)
            cur = struct.unpack("<I", self.read_mem(uaddr, 4))[0]
            if cur != val & 0xFFFFFFFF:
                raise Errno(E.EAGAIN)
            t = None
            if timeout:
                t = self.read_timespec(timeout)
                if cmd == FUTEX_WAIT_BITSET:   # absolute
                    clk = CLOCK_REALTIME if op & FUTEX_CLOCK_REALTIME else CLOCK_MONOTONIC
                    t = max(0.0, t - time.clock_gettime(clk))
            host = self._shared_futex(uaddr, op)
            if host is not None and threads.several:   # (another process may wake it:
                if t is not None and t <= WAIT_SLICE:   # a slice at a time, the others
                    threads.block((uaddr, bitset), t, -E.ETIMEDOUT)   # running, then
                else:                                   # a spurious wake, which futex
                    threads.block((uaddr, bitset), WAIT_SLICE, 0)   # callers allow)
                return _NO_RESULT
            if host is not None:   # (another process may wake it: the host's futex)
                return self._host_futex_wait(host, val, t)
            if threads.several:   # another thread may wake it: it waits, the others run
                deadline, _ = self._call_deadline(t)   # (a call made again: the first one's)
                threads.block((uaddr, bitset), None if deadline is None else
                              max(0.0, deadline - time.monotonic()), -E.ETIMEDOUT)
                return _NO_RESULT
            if t is None and not (self.children or self.itimers or self.forked or
                                  self.host_signals is not None):
                raise LinuxError(f"deadlock: the guest waits on futex {uaddr:#x} forever "
                                 f"(no other thread runs that could wake it)")
            # (the one thread: until its time, a signal (a timer's, a child's end) or a
            # stop of the run, as a sleep; it slept its whole time, deaf to both)
            deadline, keep_deadline = self._call_deadline(t)
            ready = self._wait_ready([], deadline, None, keep_deadline)
            if ready is None:   # (with a time limit: EINTR, as Linux's restart block
                return self._interrupt_call(restartable=t is None)   # after a handler)
            if ready is _RESTART:
                return _NO_RESULT
            raise Errno(E.ETIMEDOUT)
        if cmd in (FUTEX_WAKE, FUTEX_WAKE_BITSET):
            bitset = val3 & 0xFFFFFFFF if cmd == FUTEX_WAKE_BITSET else 0xFFFFFFFF
            if not bitset:
                raise Errno(E.EINVAL)
            return self._futex_wake(uaddr, s32(val) & 0x7FFFFFFF, op, bitset)
        if cmd in (FUTEX_REQUEUE, FUTEX_CMP_REQUEUE):
            if cmd == FUTEX_CMP_REQUEUE:
                cur = struct.unpack("<I", self.read_mem(uaddr, 4))[0]
                if cur != val3 & 0xFFFFFFFF:
                    raise Errno(E.EAGAIN)
            woken = threads.wake(uaddr, s32(val) & 0x7FFFFFFF)
            moved = threads.requeue(uaddr, uaddr2, timeout & 0x7FFFFFFF)  # (val2)
            return woken + moved if cmd == FUTEX_CMP_REQUEUE else woken
        if cmd in (FUTEX_LOCK_PI, FUTEX_LOCK_PI2, FUTEX_TRYLOCK_PI, FUTEX_UNLOCK_PI):
            return self._futex_pi(uaddr, cmd, op, timeout)
        if cmd == FUTEX_WAKE_OP:
            old = struct.unpack("<I", self.read_mem(uaddr2, 4))[0]
            wop, cmp, oparg, cmparg = (val3 >> 28) & 0xF, (val3 >> 24) & 0xF, \
                (val3 >> 12) & 0xFFF, val3 & 0xFFF
            if wop & 8:
                oparg = 1 << (oparg & 31)
            wop &= 7
            new = {0: oparg, 1: old + oparg, 2: old | oparg, 3: old & ~oparg,
                   4: old ^ oparg}.get(wop)
            if new is None or cmp > 5:
                raise Errno(E.ENOSYS)
            self.write_mem(uaddr2, struct.pack("<I", new & 0xFFFFFFFF))
            woken = threads.wake(uaddr, s32(val) & 0x7FFFFFFF)
            old = s32(old)
            if (old == cmparg, old != cmparg, old < cmparg, old <= cmparg, old > cmparg,
                    old >= cmparg)[cmp]:
                woken += threads.wake(uaddr2, timeout & 0x7FFFFFFF)  # (val2)
            return woken
        raise Errno(E.ENOSYS)

    def _futex_pi(self, uaddr: int, cmd: int, op: int, timeout: int):
        """The priority-inheriting lock at uaddr (its word: the owner's tid,
        FUTEX_WAITERS, FUTEX_OWNER_DIED), as Linux's futex_lock_pi and
        futex_unlock_pi for this process's threads (there is one priority:
        waiters take it in turn). A free word is taken (its OWNER_DIED kept);
        a held one is waited for, FUTEX_WAITERS set, until its owner gives it
        up (FUTEX_UNLOCK_PI) or ends; TRYLOCK_PI's EWOULDBLOCK instead."""
        if uaddr & 3:
            raise Errno(E.EINVAL)
        if self._shared_futex(uaddr, op) is not None:
            raise Errno(E.ENOSYS)   # (other processes' tids are not this one's threads')
        threads, tid = self.threads, self.threads.current.tid
        word = struct.unpack("<I", self.read_mem(uaddr, 4))[0]
        if cmd == FUTEX_UNLOCK_PI:
            if word & FUTEX_TID_MASK != tid:
                raise Errno(E.EPERM)
            self._pi_hand_over(uaddr, 0)
            return 0
        owner = word & FUTEX_TID_MASK
        if not owner:
            waiting = any(self._pi_waiters(uaddr))
            self.write_mem(uaddr, struct.pack("<I", word & FUTEX_OWNER_DIED | tid
                                              | (FUTEX_WAITERS if waiting else 0)))
            return 0
        if owner == tid:
            raise Errno(E.EDEADLK)
        if owner not in threads.all:
            raise Errno(E.ESRCH)
        if cmd == FUTEX_TRYLOCK_PI:
            raise Errno(E.EAGAIN)   # (EWOULDBLOCK)
        t = None
        if timeout:   # absolute: LOCK_PI's on CLOCK_REALTIME, LOCK_PI2's as its flag says
            clk = CLOCK_REALTIME if cmd == FUTEX_LOCK_PI or op & FUTEX_CLOCK_REALTIME \
                else CLOCK_MONOTONIC
            t = max(0.0, self.read_timespec(timeout) - time.clock_gettime(clk))
        self.write_mem(uaddr, struct.pack("<I", word | FUTEX_WAITERS))
        threads.block((uaddr, _PI_WAIT), t, -E.ETIMEDOUT)
        return _NO_RESULT

    def _pi_waiters(self, uaddr: int):
        """This process's threads waiting for the priority-inheriting lock at uaddr."""
        return (t for t in self.threads.all.values() if _pi_lock_of(t) == uaddr)

    def _pi_hand_over(self, uaddr: int, died: int) -> None:
        """The lock at uaddr given up (its owner's unlock, or its end: `died`,
        FUTEX_OWNER_DIED or 0): to its first waiter, who owns it when woken
        (FUTEX_WAITERS set, as Linux sets it), else free."""
        heir = next(self._pi_waiters(uaddr), None)
        word = 0 if heir is None else heir.tid | FUTEX_WAITERS | died
        self.write_mem(uaddr, struct.pack("<I", word))
        if heir is not None:
            self.threads.wake_one(heir)

    @handler("puupx")
    def sys_riscv_hwprobe(self, pairs, count, cpusetsize, cpus, flags):
        if flags:
            raise Errno(E.EINVAL)
        values = {HWPROBE_MVENDORID: 0, HWPROBE_MARCHID: 0, HWPROBE_MIMPID: 0,
                  HWPROBE_BASE_BEHAVIOR: HWPROBE_BASE_BEHAVIOR_IMA,
                  HWPROBE_IMA_EXT_0: HWPROBE_IMA_FD | HWPROBE_IMA_C,
                  HWPROBE_CPUPERF_0: 0}
        raw = bytearray(self.read_mem(pairs, 16 * count))
        for i in range(count):
            key = s64(struct.unpack_from("<Q", raw, 16 * i)[0])
            if key in values:
                struct.pack_into("<qQ", raw, 16 * i, key, values[key])
            else:
                struct.pack_into("<qQ", raw, 16 * i, -1, 0)
        self.write_mem(pairs, bytes(raw))
        return 0

    @handler("ppx")
    def sys_riscv_flush_icache(self, start, end, flags):
        if flags & ~1:
            raise Errno(E.EINVAL)
        self.mmu.fence_i()  # (on every hart: there is one cpu)
        return 0

    @handler("dx")
    def sys_membarrier(self, cmd, flags):
        """A memory barrier on every thread: the private kinds are the guest's
        own (its threads take turns on one host thread: a system call is a
        barrier among them), once registered; the global ones, which reach
        other processes sharing memory, the host's."""
        cmd = s32(cmd)
        if flags:
            raise Errno(E.EINVAL)
        if cmd == MEMBARRIER_CMD_QUERY:
            return MEMBARRIER_SUPPORTED
        if cmd not in _MEMBARRIER_CMDS or cmd & (cmd - 1):
            raise Errno(E.EINVAL)
        if cmd == MEMBARRIER_CMD_GET_REGISTRATIONS:
            return self.attrs["membarrier"]
        if cmd in (MEMBARRIER_CMD_GLOBAL, MEMBARRIER_CMD_GLOBAL_EXPEDITED,
                   MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED):
            try:
                libc.call("syscall", HOST_NR_MEMBARRIER, cmd, 0)
            except (OSError, AttributeError):
                pass   # (a host without them: this process's own barrier, a system call)
        if cmd in _MEMBARRIER_REGISTERS:
            self.attrs["membarrier"] |= cmd
        elif cmd in _MEMBARRIER_NEEDS and not self.attrs["membarrier"] & _MEMBARRIER_NEEDS[cmd]:
            raise Errno(E.EPERM)   # (a private expedited one, unregistered)
        return 0

    # == signals ==============================================================================
    @handler("Sppu")
    def sys_rt_sigaction(self, sig, act, oact, sigsetsize):
        sig = s32(sig)
        if sigsetsize != 8:
            raise Errno(E.EINVAL)
        if not 1 <= sig <= NSIG or (act and sig in (SIGKILL, SIGSTOP)):
            raise Errno(E.EINVAL)
        old = self.sigactions.get(sig, (SIG_DFL, 0, 0))
        new = struct.unpack("<QQQ", self.read_mem(act, 24)) if act else None
        if oact:
            self.write_mem(oact, struct.pack("<QQQ", *old))
        if new is not None:
            self.sigactions[sig] = (new[0], new[1], new[2] & ~_UNBLOCKABLE)
            self.host_dispositions((sig,))
            if new[0] == SIG_IGN or (new[0] == SIG_DFL and sig in _DEFAULT_IGNORE):
                for holder in (self, *self.threads.all.values()):   # (discarded)
                    holder.pending &= ~(1 << (sig - 1))
                    holder.pending_code.pop(sig, None)
        return 0

    @handler("dppu")
    def sys_rt_sigprocmask(self, how, nset, oset, sigsetsize):
        if sigsetsize != 8:
            raise Errno(E.EINVAL)
        old = self.sigmask
        if nset:
            how = s32(how)
            new = struct.unpack("<Q", self.read_mem(nset, 8))[0]
            if how == 0:
                mask = old | new
            elif how == 1:
                mask = old & ~new
            elif how == 2:
                mask = new
            else:
                raise Errno(E.EINVAL)
        if oset:
            self.write_mem(oset, struct.pack("<Q", old))
        if nset:
            self.sigmask = mask & ~_UNBLOCKABLE
            self._mask_changed(old)
        return 0

    @handler("pu")
    def sys_rt_sigpending(self, uset, sigsetsize):
        if sigsetsize > 8:
            raise Errno(E.EINVAL)
        self.write_mem(uset, struct.pack("<Q", self.pending_for() & self.sigmask)[:sigsetsize])
        return 0

    @handler("pppu")
    def sys_rt_sigtimedwait(self, uset, uinfo, tmo, sigsetsize):
        """sigwait(3), sigwaitinfo(2), sigtimedwait(2): takes a signal of the set
        pending for this thread or the process (waiting up to the time at
        `tmo`, else for good), without running its handler; its number, and
        its siginfo at `uinfo`. A signal outside the set that the thread does
        not block ends the wait first: EINTR, its handler run."""
        if sigsetsize != 8:
            raise Errno(E.EINVAL)
        wanted = struct.unpack("<Q", self.read_mem(uset, 8))[0] & ~_UNBLOCKABLE
        deadline, keep_deadline = self._call_deadline(self.read_timespec(tmo) if tmo else None)
        taken = self.take_signal(wanted)
        if taken is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise Errno(E.EAGAIN)
            ended = self._wait_ready([], deadline, self.sigmask & ~wanted, keep_deadline)
            if ended is _RESTART:
                return _NO_RESULT
            taken = self.take_signal(wanted)
            if taken is None:
                if ended is None:   # (another signal came)
                    return self._interrupted(None)
                raise Errno(E.EAGAIN)   # (the time is up)
        sig, code = taken
        if uinfo:
            self.write_mem(uinfo, self._siginfo(sig, code))
        return sig

    @handler("pu")
    def sys_rt_sigsuspend(self, uset, sigsetsize):
        if sigsetsize != 8:
            raise Errno(E.EINVAL)
        temp = struct.unpack("<Q", self.read_mem(uset, 8))[0] & ~_UNBLOCKABLE
        if not self.pending_for() & ~temp:   # (a child's end, a timer, another thread can bring one)
            if self._wait_ready([], None, temp) is _RESTART:
                return _NO_RESULT
        saved = self.sigmask
        self.sigmask = temp
        self.cpu.reg_write(10, -E.EINTR & MASK64)
        if not self.deliver_signals(restore_mask=saved):
            self.sigmask = saved
        return _NO_RESULT

    @handler("pp")
    def sys_sigaltstack(self, ss, oss):
        sp = self.cpu.reg_read(2)
        on = self._on_altstack(sp)
        if oss:
            base, flags, size = self.altstack
            cur = SS_DISABLE if flags & SS_DISABLE else (SS_ONSTACK if on else 0)
            self.write_mem(oss, struct.pack("<Qi4xQ", base, cur | (flags & SS_AUTODISARM), size))
        if ss:
            base, flags, size = struct.unpack("<Qi4xQ", self.read_mem(ss, 24))
            flags &= 0xFFFFFFFF
            if on:
                raise Errno(E.EPERM)
            mode = flags & ~SS_AUTODISARM
            if mode not in (0, SS_ONSTACK, SS_DISABLE):
                raise Errno(E.EINVAL)
            if mode == SS_DISABLE:
                self.altstack = (0, SS_DISABLE, 0)
            else:
                if size < MINSIGSTKSZ:
                    raise Errno(E.ENOMEM)
                self.altstack = (base, flags & SS_AUTODISARM, size)
        return 0

    def _siginfo(self, sig: int, code: int | bytes) -> bytes:
        """The siginfo_t of a signal taken: from its sender (rt_sigqueueinfo),
        or kill's and the kernel's (the sender's pid and uid)."""
        if isinstance(code, bytes):
            return code
        return struct.pack("<iii4xiI", sig, 0, code, self.pid,
                           os.getuid()).ljust(SIGINFO_SIZE, b"\0")

    def _on_altstack(self, sp: int) -> bool:
        base, flags, size = self.altstack
        return not flags & SS_DISABLE and base < sp <= base + size

    def _check_sig(self, sig: int) -> int:
        sig = s32(sig)
        if not 0 <= sig <= NSIG:
            raise Errno(E.EINVAL)
        return sig

    def _reachable(self, pid: int) -> bool:
        """Whether `pid` is another process of the guest's that signals reach: a
        child; the parent, when its host process is the guest's too; and, where
        this process is wholly the guest's (`family`), any process descended
        from the family's first (a sibling, a grandchild: the guest's too)."""
        if pid in self.children or (pid == self.ppid and self.parent_takes_signals):
            return True
        return self.family is not None and 0 < pid != self.pid and _descends(pid, self.family)

    def _group_kill(self, pgid: int, sig: int) -> int:
        """kill(0) and kill(-pgid) where this process is wholly the guest's: the
        group's other processes by the host's kill (under Linux they would get
        it: the guest's, or the caller's that share the group), this one as a
        kill of itself."""
        members = _group_members(pgid)
        if not members:
            raise Errno(E.ESRCH)
        for pid in members:
            if pid != self.pid:
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
        if self.pid in members and sig:
            self.raise_signal(sig, SI_USER)
        return 0

    @handler("dS")
    def sys_kill(self, pid, sig):
        sig = self._check_sig(sig)
        target = process_of(s32(pid))   # (another process's thread: its process)
        if self._reachable(target):
            os.kill(target, sig)   # (a host process: the guest's, whose handlers take it)
            return 0
        if self.family is not None and (s32(pid) == 0 or s32(pid) < -1):
            return self._group_kill(os.getpgid(0) if s32(pid) == 0 else -s32(pid), sig)
        if s32(pid) != -1 and not self._is_self(pid):   # (a thread's id: its process)
            # no other processes are reachable from the guest: as another user's
            # (EPERM); one that is not there (a child waited for) is ESRCH
            raise Errno(E.ESRCH if _no_process(target) else E.EPERM)
        if sig:
            self.raise_signal(sig, SI_USER)
        return 0

    @handler("dS")
    def sys_tkill(self, tid, sig):
        return self.sys_tgkill(self.pid, tid, sig)

    @handler("ddS")
    def sys_tgkill(self, tgid, tid, sig):
        sig = self._check_sig(sig)
        thread = self.threads.all.get(s32(tid))
        if s32(tgid) != self.pid or thread is None:
            raise Errno(E.ESRCH)
        if sig:
            self.raise_signal(sig, SI_TKILL, thread)
        return 0

    @handler("dSp")
    def sys_rt_sigqueueinfo(self, tgid, sig, uinfo):
        return self.sys_rt_tgsigqueueinfo(tgid, None, sig, uinfo)

    @handler("ddSp")
    def sys_rt_tgsigqueueinfo(self, tgid, tid, sig, uinfo):
        """sigqueue(3), pthread_sigqueue(3): a signal with the siginfo the caller
        made (its si_value reaches the handler), to the process or one thread."""
        sig = self._check_sig(sig)
        info = bytearray(self.read_mem(uinfo, SIGINFO_SIZE))
        code = struct.unpack_from("<i", info, 8)[0]
        thread = None if tid is None else self.threads.all.get(s32(tid))
        target = process_of(s32(tgid))   # (another process's thread: its process)
        reachable = tid is None and self._reachable(target)
        if not (self._is_self(tgid) or reachable) or (tid is not None and thread is None):
            raise Errno(E.ESRCH)
        if code >= 0 or code == SI_TKILL:   # (only the kernel sends those)
            raise Errno(E.EPERM)
        if reachable:   # (the host's sigqueue, with the value; the receiver's kernel
            try:        # gives it to the handler: linux/host_signals.py)
                libc.call("sigqueue", target, sig,
                          ctypes.c_uint64(struct.unpack_from("<Q", info, 24)[0]))
            except OSError as e:
                raise Errno(e.errno) from None
            return 0
        struct.pack_into("<i", info, 0, sig)
        if sig:
            self.raise_signal(sig, bytes(info), thread)
        return 0

    @handler("")
    def sys_rt_sigreturn(self):
        cpu = self.cpu
        frame = cpu.reg_read(2)
        try:
            uc = self.read_mem(frame + 128, 960)
        except Errno:
            raise ProcessExit(128 + SIGSEGV, SIGSEGV)
        mask = struct.unpack_from("<Q", uc, UC_SIGMASK)[0]
        gregs = struct.unpack_from("<32Q", uc, UC_MCONTEXT)
        fregs = struct.unpack_from("<32QI", uc, UC_MCONTEXT + 256)
        for i in range(1, 32):
            cpu.reg_write(i, gregs[i])
        for i in range(32):
            cpu.reg_write(f"f{i}", fregs[i])
        cpu.reg_write("fcsr", fregs[32])
        cpu.pc = gregs[0]
        old, self.sigmask = self.sigmask, mask & ~_UNBLOCKABLE
        self._mask_changed(old)
        return _NO_RESULT

    def raise_signal(self, sig: int, code: int | bytes = SI_USER, thread=None) -> None:
        """Makes ``sig`` pending for the process, or for one of its threads
        (tgkill's); syscall() delivers it on return. A thread that can take
        it and waits is woken, as Linux wakes one: the one it is for, or (for
        the process) another when the running one blocks it."""
        handler, flags, _ = self.sigactions.get(sig, (SIG_DFL, 0, 0))
        if handler == SIG_IGN or (handler == SIG_DFL and sig in _DEFAULT_IGNORE):
            if sig not in (SIGKILL, SIGSTOP):
                return
        bit = 1 << (sig - 1)
        holder = self if thread is None else thread
        if sig >= SIGRTMIN:   # (each one queued, with its siginfo)
            holder.pending_code.setdefault(sig, []).append(code)
        elif not holder.pending & bit:   # (else one is pending already: this one is lost)
            holder.pending_code[sig] = code
        holder.pending |= bit
        me = self.threads.current
        if thread is None and (me is None or me.sigmask & bit):
            thread = next((t for t in self.threads.all.values()
                           if t is not me and t.waiting and not t.sigmask & bit), None)
        if thread is not None and thread is not me and not thread.sigmask & bit:
            self.threads.interrupt(thread, restart=_futex_restarts(
                thread, bool(flags & SA_RESTART)))

    def take_fault(self, fault) -> bool:
        """A guest fault (an ExecutionError's) as Linux gives it to the thread
        that made it (force_sig_fault): to the handler the guest installed for
        its signal (fault_signal), with si_addr and si_code, the frame holding
        the registers as before the faulting instruction, so that returning
        runs it again (what a handler that mapped or unprotected the page
        wants: a GC's write barrier, libsigsegv, Go's and V8's). True: the run
        goes on in the handler. False when none takes it (the default action,
        ignored or blocked: Linux kills then): the process dies of it."""
        sig = fault_signal(fault.kind)
        handler, flags, mask = self.sigactions.get(sig, (SIG_DFL, 0, 0))
        if handler in (SIG_DFL, SIG_IGN) or self.sigmask >> (sig - 1) & 1:
            return False
        addr = fault.address if fault.address is not None else fault.pc
        if sig == SIGSEGV:   # (a page mapped, but not for this access: ACCERR)
            code = SEGV_ACCERR if self.aspace.find(addr) is not None else SEGV_MAPERR
        else:
            code, addr = (BUS_ADRALN, addr) if sig == SIGBUS else (ILL_ILLOPC, fault.pc)
        self.cpu.pc = fault.pc
        info = struct.pack("<iii4xQ", sig, 0, code, addr).ljust(SIGINFO_SIZE, b"\0")
        self._setup_frame(sig, handler, flags, mask, info)
        return True

    def deliver_signals(self, restore_mask: int | None = None) -> bool:
        """Acts on the lowest deliverable pending signal: a default action that
        terminates raises ProcessExit; a handler gets a signal frame (returns
        True then). Not for a thread about to make its call again (woken from
        a wait for a file or a signal): the call itself sees the signal and
        ends with EINTR, or is made again after the handler (SA_RESTART)."""
        if self.threads.current.restarting:
            return False
        while True:
            taken = self.take_signal(~self.sigmask)
            if taken is None:
                return False
            sig, code = taken
            handler, flags, mask = self.sigactions.get(sig, (SIG_DFL, 0, 0))
            if sig in (SIGKILL, SIGSTOP):
                handler = SIG_DFL
            if handler == SIG_IGN:
                continue
            if handler == SIG_DFL:
                if sig in _DEFAULT_IGNORE:
                    continue
                raise ProcessExit(128 + sig, sig)
            self._setup_frame(sig, handler, flags, mask, code, restore_mask)
            return True

    def _setup_frame(self, sig, handler, flags, mask, code, restore_mask=None):
        cpu = self.cpu
        if not self.aspace.vdso:  # (a memory that no program was loaded into)
            try:
                map_vdso(self.aspace)
            except ElfError:
                raise ProcessExit(128 + SIGSEGV, SIGSEGV) from None
        if self.strace:
            codes = {SI_USER: "SI_USER", SI_TKILL: "SI_TKILL", SI_QUEUE: "SI_QUEUE"}
            si_code = code if isinstance(code, int) else struct.unpack_from("<i", code, 8)[0]
            if sig in (SIGSEGV, SIGBUS, SIGILL) and si_code > 0:   # (a fault's: take_fault)
                name = {SIGSEGV: ("SEGV_MAPERR", "SEGV_ACCERR"), SIGBUS: ("BUS_ADRALN",),
                        SIGILL: ("ILL_ILLOPC",)}[sig][si_code - 1]
                sender = f"si_addr={struct.unpack_from('<Q', code, 16)[0]:#x}"
            else:
                name, sender = codes.get(si_code, si_code), f"si_pid={self.pid}, si_uid={os.getuid()}"
            self.trace(f"--- {SIGNAL_NAMES.get(sig, sig)} {{si_signo={SIGNAL_NAMES.get(sig, sig)}, "
                       f"si_code={name}, {sender}}} ---")
        regs = [cpu.reg_read(i) for i in range(32)]
        fregs = [cpu.reg_read(f"f{i}") for i in range(32)]
        sp = regs[2]
        base, ss_flags, size = self.altstack
        if flags & SA_ONSTACK and not ss_flags & SS_DISABLE and not self._on_altstack(sp):
            sp = base + size
            if ss_flags & SS_AUTODISARM:
                self.altstack = (0, SS_DISABLE, 0)
        frame = (sp - SIGFRAME_SIZE) & ~15
        info = self._siginfo(sig, code)
        uc = struct.pack("<QQQi4xQ", 0, 0, base, ss_flags, size)
        uc += struct.pack("<Q", self.sigmask if restore_mask is None else restore_mask)
        uc = uc.ljust(UC_MCONTEXT, b"\0")
        uc += struct.pack("<32Q", cpu.pc, *regs[1:])
        uc += struct.pack("<32QI", *fregs, cpu.reg_read("fcsr")).ljust(528, b"\0")
        try:
            self.write_mem(frame, info + uc)
        except Errno:   # no room for the frame: the kernel kills with SIGSEGV
            raise ProcessExit(128 + SIGSEGV, SIGSEGV)
        cpu.reg_write(1, self.aspace.vdso + vdso_image()[1])  # (__vdso_rt_sigreturn)
        cpu.reg_write(2, frame)
        cpu.reg_write(10, sig)
        cpu.reg_write(11, frame)
        cpu.reg_write(12, frame + 128)
        cpu.pc = handler
        old = self.sigmask
        self.sigmask = (old | mask | (0 if flags & SA_NODEFER else 1 << (sig - 1))) \
            & ~_UNBLOCKABLE
        if flags & SA_RESETHAND:
            self.sigactions[sig] = (SIG_DFL, 0, 0)
            self.host_dispositions((sig,))
        self._mask_changed(old)
