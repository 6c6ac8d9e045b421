/* Heavy malloc/calloc/realloc/free traffic, small and large (mmap'ed) blocks. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 88172645463325252ULL;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

#define SLOTS 512

int main(void)
{
    unsigned char *p[SLOTS] = {0};
    size_t size[SLOTS] = {0};
    uint64_t checksum = 0;
    size_t peak = 0, live = 0, big = 0;
    for (int round = 0; round < 20000; round++) {
        int i = next() % SLOTS;
        if (p[i]) {
            for (size_t k = 0; k < size[i]; k += 61)
                checksum = checksum * 31 + p[i][k];
            if (next() % 3 == 0) {
                size_t ns = size[i] * 2 + 1;
                unsigned char *q = realloc(p[i], ns);
                if (!q)
                    return 1;
                memset(q + size[i], (int)(ns & 0xff), ns - size[i]);
                live += ns - size[i];
                p[i] = q;
                size[i] = ns;
            } else {
                free(p[i]);
                live -= size[i];
                p[i] = NULL;
            }
        } else {
            size_t s;
            uint64_t r = next();
            if (r % 100 == 0) {
                s = 200000 + r % 300000;  /* above the mmap threshold */
                big++;
            } else {
                s = 1 + r % 2000;
            }
            p[i] = (r & 1) ? calloc(1, s) : malloc(s);
            if (!p[i])
                return 2;
            if (!(r & 1))
                memset(p[i], (int)(i & 0xff), s);
            else
                for (size_t k = 0; k < s; k++)
                    if (p[i][k])
                        return 3;
            size[i] = s;
            live += s;
        }
        if (live > peak)
            peak = live;
    }
    for (int i = 0; i < SLOTS; i++)
        free(p[i]);
    printf("checksum %016llx\n", (unsigned long long)checksum);
    printf("peak live bytes %zu, big blocks %zu\n", peak, big);
    char *s = strdup("a string copy");
    printf("%s\n", s);
    free(s);
    return 0;
}
