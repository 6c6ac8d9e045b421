/* A compute-bound program whose length is set on the command line, for the
   asyncio tests and bench/bench_async_scaling.py: `work N ROUNDS` runs ROUNDS
   rounds of N steps of hashing through a table (loads, stores, multiplies),
   printing a line after each round (a system call), then a floating-point sum.
   The exit status is derived from the final hash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t table[4096];

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    int rounds = argc > 2 ? atoi(argv[2]) : 10;
    uint64_t h = 1469598103934665603ull;
    double acc = 0;
    for (int r = 0; r < rounds; r++) {
        for (long i = 0; i < n; i++) {
            uint32_t k = (uint32_t)(h >> 20) & 4095;
            table[k] += (uint32_t)i ^ (uint32_t)h;
            h = (h ^ table[(k * 7) & 4095]) * 1099511628211ull;
        }
        acc += (double)(h & 0xffff) / (r + 1);
        printf("round %d: %016llx\n", r, (unsigned long long)h);
    }
    printf("done %.6f\n", acc);
    return (int)(h & 0x7f);
}
