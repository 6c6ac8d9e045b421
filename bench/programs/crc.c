/* CRC-32 (bitwise) over a generated buffer: shifts, xors, tight loops. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 4000000;
    uint8_t *buf = malloc(n);
    for (int i = 0; i < n; i++)
        buf[i] = (uint8_t)(i * 2654435761u >> 24);
    uint32_t crc = 0xffffffffu;
    for (int i = 0; i < n; i++) {
        crc ^= buf[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
    printf("crc32 %08x\n", ~crc);
    return 0;
}
