/* qsort with a callback over pseudo-random keys, then a checksum: libc-heavy. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 300000;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    uint64_t *v = malloc(n * sizeof *v);
    uint64_t s = 88172645463325252ull, sum = 0;
    for (int r = 0; r < reps; r++) {
        for (int i = 0; i < n; i++) {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            v[i] = s;
        }
        qsort(v, n, sizeof *v, cmp);
        for (int i = 0; i < n; i++)
            sum = sum * 31 + (v[i] >> 32);
    }
    printf("checksum %llu\n", (unsigned long long)sum);
    free(v);
    return 0;
}
