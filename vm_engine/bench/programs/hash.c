/* Hashing: CRC-32 (bitwise), FNV-1a and a multiply-xorshift mixer over a generated
 * buffer, then an open-addressing hash table (insert, lookup): shifts, xors,
 * multiplies, data-dependent loads.  usage: hash [BYTES] [KEYS] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33; x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 4000000;
    long keys = argc > 2 ? atol(argv[2]) : 1000000;
    uint8_t *buf = malloc(n > 0 ? n : 1);
    for (long i = 0; i < n; i++)
        buf[i] = (uint8_t)((uint32_t)i * 2654435761u >> 24);

    uint32_t crc = 0xffffffffu;
    for (long i = 0; i < n; i++) {
        crc ^= buf[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
    uint64_t fnv = 0xcbf29ce484222325ull;
    for (long i = 0; i < n; i++)
        fnv = (fnv ^ buf[i]) * 0x100000001b3ull;
    uint64_t mixed = 0;
    for (long i = 0; i + 8 <= n; i += 8) {
        uint64_t w = 0;
        for (int k = 7; k >= 0; k--)
            w = w << 8 | buf[i + k];
        mixed = mix64(mixed ^ w);
    }
    printf("crc32 %08x fnv1a %016llx mix %016llx\n", ~crc, (unsigned long long)fnv,
           (unsigned long long)mixed);

    /* open addressing, linear probing, power-of-two table at most half full */
    size_t cap = 16;
    while (cap < (size_t)keys * 2)
        cap <<= 1;
    uint64_t *table = calloc(cap, sizeof *table);
    long inserted = 0, found = 0, probes = 0;
    for (long i = 0; i < keys; i++) {
        uint64_t key = mix64((uint64_t)i * 7 + 1) | 1;   /* 0 marks an empty slot */
        size_t h = key & (cap - 1);
        while (table[h] != 0 && table[h] != key) {
            h = (h + 1) & (cap - 1);
            probes++;
        }
        if (table[h] == 0) {
            table[h] = key;
            inserted++;
        }
    }
    for (long i = 0; i < 2 * keys; i++) {     /* half of these are present */
        uint64_t key = mix64((uint64_t)i * 7 + 1) | 1;
        size_t h = key & (cap - 1);
        while (table[h] != 0) {
            if (table[h] == key) {
                found++;
                break;
            }
            h = (h + 1) & (cap - 1);
            probes++;
        }
    }
    printf("table %zu slots: inserted %ld found %ld probes %ld\n", cap, inserted, found, probes);
    free(table);
    free(buf);
    return 0;
}
