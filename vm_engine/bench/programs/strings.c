/* String and libc heavy: snprintf/strtol round trips, strlen, strcpy/strcat,
 * strstr, strchr, memcpy/memmove/memcmp, qsort with strcmp over generated words.
 * usage: strings [N] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t fnv(const char *s, uint64_t h)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 200000;
    static const char *syllables[] = {"ka", "zu", "mi", "ro", "te", "shi", "na", "po",
                                      "lu", "ve", "qua", "xo", "den", "far", "gil", "hum"};
    enum { WORDS = 1024 };
    char **words = malloc(WORDS * sizeof *words);
    uint64_t seed = 12345, h = 0xcbf29ce484222325ull;
    long parsed = 0, found = 0, chars = 0;
    char line[512], num[64];

    for (long i = 0; i < n; i++) {
        /* a formatted record, parsed back */
        int len = snprintf(line, sizeof line, "rec %ld: %08lx|%-6ld|%+.3e;", i,
                           (unsigned long)(i * 2654435761ul), i % 1000003, (double)i * 0.5);
        char *bar = strchr(line, '|');
        parsed += strtol(bar + 1, NULL, 10);
        parsed += (long)strtoul(line + 4 + strcspn(line + 4, " ") + 1, NULL, 16) & 0xff;
        /* a word built from syllables */
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        char word[64] = "";
        for (int k = 0, m = 2 + (int)(seed >> 61); k < m; k++)
            strcat(word, syllables[(seed >> (4 * k + 8)) & 15]);
        if (strstr(word, "shina") || strstr(line, "99|"))
            found++;
        /* copy and shift bytes around */
        memmove(line + 1, line, (size_t)len + 1);
        line[0] = '>';
        snprintf(num, sizeof num, "%ld", i);
        if (memcmp(line + 5, num, strlen(num)) == 0)
            found++;
        chars += (long)strlen(line) + (long)strlen(word);
        h = fnv(word, fnv(line, h));
        if (i % (n / WORDS + 1) == 0 || i < WORDS) {
            long slot = i % WORDS;
            if (i >= WORDS)
                free(words[slot]);
            words[slot] = strdup(word);
        }
    }
    long nwords = n < WORDS ? n : WORDS;
    qsort(words, nwords, sizeof *words, cmp_str);
    uint64_t hw = 0;
    for (long k = 0; k < nwords; k++) {
        hw = fnv(words[k], hw * 31);
        free(words[k]);
    }
    free(words);
    printf("records %ld parsed %ld found %ld chars %ld hash %016llx words %016llx\n", n, parsed,
           found, chars, (unsigned long long)h, (unsigned long long)hw);
    return 0;
}
