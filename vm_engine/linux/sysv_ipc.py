"""System V message queues, semaphores and shared memory: the host's (as
qemu-user has them), so guest processes (host processes: a fork's child is
one) and the host's own share them, ids and keys alike. A segment is attached
by the host, then moved into guest memory (FlatMMU.mem_attach).

riscv64's structures are the host's byte for byte (LP64, asm-generic: struct
shmid64_ds, shminfo64 and shm_info too), but for struct semid64_ds, whose
x86-64 form has an unused word after each of its two times. A call that would wait (msgsnd to a full queue, msgrcv of a message not
there, a semop that cannot go on) is made with IPC_NOWAIT and made again until
it goes through (Kernel._ipc_wait), so a waiting thread holds up no other."""
from __future__ import annotations

import ctypes
import os
import struct

from . import libc

IPC_NOWAIT = 0o4000
IPC_RMID, IPC_SET, IPC_STAT, IPC_INFO = 0, 1, 2, 3
GETALL, SETVAL, SETALL = 13, 16, 17   # (the other commands take no buffer: passed on)
SEM_STAT, SEM_INFO, SEM_STAT_ANY = 18, 19, 20
MSG_STAT, MSG_INFO, MSG_STAT_ANY = 11, 12, 13
MSG_COPY = 0o40000
SHM_LOCK, SHM_UNLOCK, SHM_STAT, SHM_INFO, SHM_STAT_ANY = 11, 12, 13, 14, 15
SHM_RDONLY, SHM_RND, SHM_REMAP, SHM_EXEC = 0o10000, 0o20000, 0o40000, 0o100000
SEMOPM_MAX = 1000                # ops one semop may make, at the most Linux allows
SEMBUF = struct.Struct("<Hhh")   # sem_num, sem_op, sem_flg
MSQID_DS_SIZE = 120              # struct msqid64_ds (the same everywhere)
MSGINFO_SIZE, SEMINFO_SIZE = 32, 40
#: struct shmid64_ds: ipc64_perm (its key first), shm_segsz, the three times,
#: shm_cpid, shm_lpid, shm_nattch (and two unused words)
SHMID_DS = struct.Struct("<i44sQqqqiiQQQ")
SHMINFO_SIZE, SHM_INFO_SIZE = 72, 48   # struct shminfo64 (IPC_INFO), struct shm_info
#: struct semid64_ds: ipc64_perm, sem_otime, sem_ctime, sem_nsems (and two unused words)
SEMID_DS = struct.Struct("<48sqqQQQ")
#: the host's: x86-64's has an unused word after each time
HOST_SEMID_DS = struct.Struct("<48sqQqQQQQ") if os.uname().machine == "x86_64" else SEMID_DS


def _int(value: int) -> ctypes.c_int:
    return ctypes.c_int(((value & 0xFFFFFFFF) ^ 0x80000000) - 0x80000000)


def msgmax() -> int:
    """The longest message the host takes (/proc/sys/kernel/msgmax)."""
    try:
        with open("/proc/sys/kernel/msgmax") as f:
            return int(f.read())
    except (OSError, ValueError):
        return 8192   # (Linux's default)


def msgget(key: int, flags: int) -> int:
    return libc.call("msgget", _int(key), _int(flags))


def semget(key: int, nsems: int, flags: int) -> int:
    return libc.call("semget", _int(key), _int(nsems), _int(flags))


def shmget(key: int, size: int, flags: int) -> int:
    return libc.call("shmget", _int(key), ctypes.c_size_t(size), _int(flags))


def shmat(shmid: int, flags: int) -> int:
    """The host's attachment of segment shmid (flags: SHM_RDONLY, SHM_EXEC),
    where the host chooses: its address."""
    return libc.call("shmat", _int(shmid), ctypes.c_void_p(0), _int(flags))


def shmdt(address: int) -> None:
    libc.call("shmdt", ctypes.c_void_p(address))


def shmctl(shmid: int, cmd: int, buf=None) -> int:
    return libc.call("shmctl", _int(shmid), _int(cmd), buf if buf is not None
                     else ctypes.c_void_p(0))


def shmctl_size(cmd: int) -> int:
    """Bytes of shmctl's buffer for `cmd`: a struct shmid64_ds, shminfo64,
    shm_info, or none."""
    if cmd in (IPC_STAT, SHM_STAT, SHM_STAT_ANY, IPC_SET):
        return SHMID_DS.size
    return {IPC_INFO: SHMINFO_SIZE, SHM_INFO: SHM_INFO_SIZE}.get(cmd, 0)


def shm_key_size(shmid: int) -> tuple[int, int]:
    """Segment shmid's key and size in bytes (IPC_STAT's)."""
    buf = libc.buffer(SHMID_DS.size)
    shmctl(shmid, IPC_STAT, buf)
    fields = SHMID_DS.unpack(buf.raw)
    return fields[0], fields[2]


def msgsnd(msqid: int, message: ctypes.Array, size: int, flags: int) -> int:
    """The host's msgsnd (message: mtype then the text), without waiting."""
    return libc.call("msgsnd", _int(msqid), message, ctypes.c_size_t(size),
                     _int(flags | IPC_NOWAIT))


def msgrcv(msqid: int, into: ctypes.Array, size: int, msgtyp: int, flags: int) -> int:
    """The host's msgrcv into `into` (mtype then the text), without waiting:
    the text's length."""
    return libc.call("msgrcv", _int(msqid), into, ctypes.c_size_t(size),
                     ctypes.c_long(((msgtyp & (2**64 - 1)) ^ 2**63) - 2**63),
                     _int(flags | IPC_NOWAIT))


def semop(semid: int, ops: list) -> int:
    """The host's semop of (sem_num, sem_op, sem_flg) ops, without waiting."""
    raw = b"".join(SEMBUF.pack(n, op, flg | IPC_NOWAIT) for n, op, flg in ops)
    return libc.call("semop", _int(semid), libc.buffer(raw), ctypes.c_size_t(len(ops)))


def would_wait_here(values: list, ops: list):
    """The flags of the first of `ops` that cannot go on, the semaphores being
    `values` (the others before it done), or None if all can."""
    values = list(values)
    for n, op, flg in ops:
        if n >= len(values):
            return None   # (the host's call says EFBIG)
        if op < 0 and values[n] + op < 0 or op == 0 and values[n] != 0:
            return flg
        values[n] += op
    return None


def semctl(semid: int, semnum: int, cmd: int, arg=None) -> int:
    """The host's semctl, its fourth argument a buffer, an int or none."""
    if arg is None:
        arg = ctypes.c_void_p(0)
    elif isinstance(arg, int):
        arg = _int(arg)
    return libc.call("semctl", _int(semid), _int(semnum), _int(cmd), arg)


def msgctl(msqid: int, cmd: int, buf=None) -> int:
    return libc.call("msgctl", _int(msqid), _int(cmd), buf if buf is not None
                     else ctypes.c_void_p(0))


def msgctl_size(cmd: int) -> int:
    """Bytes of msgctl's buffer for `cmd`: a struct msqid64_ds, a struct
    msginfo, or none."""
    if cmd in (IPC_STAT, MSG_STAT, MSG_STAT_ANY, IPC_SET):
        return MSQID_DS_SIZE
    return MSGINFO_SIZE if cmd in (IPC_INFO, MSG_INFO) else 0


def semid_ds_to_guest(raw: bytes) -> bytes:
    fields = HOST_SEMID_DS.unpack(raw)
    if HOST_SEMID_DS is not SEMID_DS:   # (x86-64: perm, otime, -, ctime, -, nsems, -, -)
        fields = (fields[0], fields[1], fields[3], fields[5], 0, 0)
    return SEMID_DS.pack(*fields)


def semid_ds_to_host(raw: bytes) -> bytes:
    fields = SEMID_DS.unpack(raw)
    if HOST_SEMID_DS is not SEMID_DS:
        perm, otime, ctime, nsems, _, _ = fields
        fields = (perm, otime, 0, ctime, 0, nsems, 0, 0)
    return HOST_SEMID_DS.pack(*fields)


def nsems(semid: int) -> int:
    """How many semaphores set `semid` has (IPC_STAT's)."""
    buf = libc.buffer(HOST_SEMID_DS.size)
    semctl(semid, 0, IPC_STAT, buf)
    return SEMID_DS.unpack(semid_ds_to_guest(buf.raw))[3]
