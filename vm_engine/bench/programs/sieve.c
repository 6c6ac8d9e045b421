/* Sieve of Eratosthenes, repeated: integer loads/stores and branches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2000000;
    int reps = argc > 2 ? atoi(argv[2]) : 10;
    char *composite = malloc(n + 1);
    long count = 0;
    for (int r = 0; r < reps; r++) {
        memset(composite, 0, n + 1);
        count = 0;
        for (long i = 2; i <= n; i++) {
            if (composite[i])
                continue;
            count++;
            for (long j = i * i; j <= n; j += i)
                composite[j] = 1;
        }
    }
    printf("primes below %d: %ld\n", n, count);
    free(composite);
    return 0;
}
