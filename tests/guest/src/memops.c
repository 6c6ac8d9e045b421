/* memset, memcpy, memmove and strlen over buffers of many lengths and
 * alignments, and loops GCC leaves as loops: what the JIT's level 3 runs as
 * vector moves and scans.
 * Prints a checksum of the buffers after every step. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N (1 << 14)

static uint64_t fnv(const unsigned char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* (noinline, no builtin: GCC would turn these into calls of memset/memcpy) */
__attribute__((noinline, optimize("no-tree-loop-distribute-patterns")))
static void fill64(uint64_t *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = v;
}

__attribute__((noinline, optimize("no-tree-loop-distribute-patterns")))
static void copy32(uint32_t *d, const uint32_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = s[i];
}

__attribute__((noinline, optimize("no-tree-loop-distribute-patterns")))
static size_t length(const char *s)
{
    const char *p = s;
    while (*p)
        p++;
    return (size_t)(p - s);
}

int main(void)
{
    unsigned char *a = malloc(N + 64), *b = malloc(N + 64);
    uint64_t h = 0;
    for (size_t i = 0; i < N + 64; i++)
        a[i] = (unsigned char)(i * 131 + 7);
    for (int r = 0; r < 48; r++) {
        size_t off = r % 17, len = (size_t)(r * 997) % N;
        memset(b, r, N + 64);
        memcpy(b + off, a + (r % 13), len);
        h = h * 31 + fnv(b, N + 64);
        memmove(b + 3, b, len / 2);
        memmove(b, b + 5, len / 3);
        h = h * 31 + fnv(b, N + 64);
        fill64((uint64_t *)b + (r % 3), 0x0101010101010101ull * (unsigned)r, (len / 8) & ~7u);
        copy32((uint32_t *)a + 8, (const uint32_t *)b + (r % 5), len / 4 - 8 > 0 ? len / 8 : 0);
        h = h * 31 + fnv(a, N + 64) + fnv(b, N + 64);
        b[len + 40] = 0;
        memset(b, 'x', len + 40);
        h = h * 31 + length((const char *)b + (r % 7)) + strlen((const char *)b + (r % 11));
        printf("%2d %016llx\n", r, (unsigned long long)h);
    }
    free(a);
    free(b);
    return 0;
}
