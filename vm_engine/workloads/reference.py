"""Pure-Python models of the bundled workloads: the values a correct run leaves
in a0, computed without the emulator (closed forms where a loop would be slow)."""
from __future__ import annotations

MASK64 = (1 << 64) - 1

SORT_SEED = 0x9E3779B97F4A7C15
FNV64_OFFSET = 0xCBF29CE484222325
FNV64_PRIME = 0x100000001B3


def xor_1_to_n(n: int) -> int:
    """1 ^ 2 ^ ... ^ n."""
    return (n, 1, n + 1, 0)[n % 4]


def loop_expected(n: int) -> int:
    """loop.S in closed form. After k iterations the running sum is
    s_k = k*n - k*(k-1)/2, so t = sum(s_k, k=1..n) = n*n*(n+1)/2 - (n+1)*n*(n-1)/6."""
    if n < 1:
        raise ValueError("loop needs n >= 1")
    t = n * n * (n + 1) // 2 - (n + 1) * n * (n - 1) // 6
    return (t ^ xor_1_to_n(n)) & MASK64


def loop_bruteforce(n: int) -> int:
    """loop.S step by step (slow; for checking the closed form on small n)."""
    s = t = x = 0
    for c in range(n, 0, -1):
        s = (s + c) & MASK64
        t = (t + s) & MASK64
        x ^= c
    return t ^ x


def sieve_expected(n: int) -> int:
    """The number of primes below n."""
    if n < 2:
        raise ValueError("sieve needs n >= 2")
    flags = bytearray(n)  # 0: not crossed out
    i = 2
    while i * i < n:
        if not flags[i]:
            flags[i * i::i] = b"\x01" * len(range(i * i, n, i))
        i += 1
    return n - 2 - sum(flags[2:])


def xorshift64(seed: int, n: int) -> list[int]:
    """n successive states of Marsaglia's xorshift64 (13, 7, 17) after seed."""
    x, out = seed & MASK64, []
    for _ in range(n):
        x ^= (x << 13) & MASK64
        x ^= x >> 7
        x ^= (x << 17) & MASK64
        out.append(x)
    return out


def fnv1a64_words(words) -> int:
    """FNV-1a over 64-bit words (one xor and multiply per word, not per byte)."""
    h = FNV64_OFFSET
    for w in words:
        h = ((h ^ w) * FNV64_PRIME) & MASK64
    return h


def sort_expected(n: int, seed: int = SORT_SEED) -> int:
    """sort.S: the hash of the sorted xorshift array."""
    if n < 1:
        raise ValueError("sort needs n >= 1")
    return fnv1a64_words(sorted(xorshift64(seed, n)))
