/* A CoreMark-style mixed workload (written for vm_engine, not EEMBC's code): per
 * iteration, linked-list work (find, reverse, merge sort), 16-bit matrix
 * arithmetic (multiply, add constant, bit extraction), and a state machine that
 * scans a text of numbers; every result is folded into a CRC-16.
 * usage: coremark [ITERATIONS] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint16_t crc16(uint16_t crc, uint32_t data, int bits)
{
    for (int i = 0; i < bits; i++) {
        int x = (int)((data >> i) ^ crc) & 1;
        crc >>= 1;
        if (x)
            crc ^= 0xa001;
    }
    return crc;
}

/* -- lists ------------------------------------------------------------------------ */
struct item { struct item *next; int16_t key, data; };

static struct item *list_reverse(struct item *l)
{
    struct item *out = NULL;
    while (l) {
        struct item *next = l->next;
        l->next = out;
        out = l;
        l = next;
    }
    return out;
}

static int by_data(const struct item *a, const struct item *b) { return a->data - b->data; }
static int by_key(const struct item *a, const struct item *b) { return a->key - b->key; }

/* bottom-up merge sort of a singly linked list */
static struct item *list_sort(struct item *l, int (*cmp)(const struct item *, const struct item *))
{
    for (int width = 1;; width *= 2) {
        struct item *p = l, *tail = NULL;
        int merges = 0;
        l = NULL;
        while (p) {
            merges++;
            struct item *q = p;
            int psize = 0, qsize = width;
            while (psize < width && q) {
                psize++;
                q = q->next;
            }
            while (psize > 0 || (qsize > 0 && q)) {
                struct item *e;
                if (psize == 0) { e = q; q = q->next; qsize--; }
                else if (qsize == 0 || !q || cmp(p, q) <= 0) { e = p; p = p->next; psize--; }
                else { e = q; q = q->next; qsize--; }
                if (tail) tail->next = e; else l = e;
                tail = e;
            }
            p = q;
        }
        tail->next = NULL;
        if (merges <= 1)
            return l;
    }
}

static uint16_t bench_list(struct item *items, int n, int16_t seed, uint16_t crc)
{
    struct item *l = NULL;
    for (int i = n - 1; i >= 0; i--) {
        items[i].key = (int16_t)i;
        items[i].data = (int16_t)((i * 7919 + seed) & 0x7fff);
        items[i].next = l;
        l = &items[i];
    }
    int found = 0, missed = 0;
    for (int k = 0; k < 8; k++) {              /* find by data */
        int16_t want = (int16_t)(((k + seed) * 7919) & 0x7fff);
        struct item *p = l;
        while (p && p->data != want)
            p = p->next;
        if (p) { found++; crc = crc16(crc, (uint16_t)p->key, 16); }
        else missed++;
        l = list_reverse(l);
    }
    l = list_sort(l, by_data);
    for (struct item *p = l; p; p = p->next)
        crc = crc16(crc, (uint16_t)p->data, 16);
    l = list_sort(l, by_key);
    crc = crc16(crc, (uint16_t)l->key, 16);
    return crc16(crc, (uint32_t)(found * 256 + missed), 16);
}

/* -- matrices --------------------------------------------------------------------- */
static uint16_t bench_matrix(int16_t *a, int16_t *b, int32_t *c, int n, int16_t val,
                             uint16_t crc)
{
    for (int i = 0; i < n * n; i++) {           /* add a constant */
        a[i] = (int16_t)(a[i] + val);
        b[i] = (int16_t)(b[i] ^ val);
    }
    for (int i = 0; i < n; i++)                 /* multiply */
        for (int j = 0; j < n; j++) {
            int32_t s = 0;
            for (int k = 0; k < n; k++)
                s += (int32_t)a[i * n + k] * (int32_t)b[k * n + j];
            c[i * n + j] = s;
        }
    int32_t acc = 0;
    for (int i = 0; i < n * n; i++) {           /* bit extraction */
        int32_t bits = (c[i] >> 2) & 0xf;
        acc += bits > 7 ? bits * 3 : -bits;
    }
    for (int i = 0; i < n * n; i++)             /* undo the constant */
        a[i] = (int16_t)(a[i] - val);
    return crc16(crc, (uint32_t)acc, 32);
}

/* -- state machine ---------------------------------------------------------------- */
enum state { START, INT, FRAC, EXP_SIGN, EXP, INVALID, NSTATES };

static uint16_t bench_state(char *text, int len, uint32_t seed, uint16_t crc)
{
    int counts[NSTATES] = {0};
    enum state s = START;
    for (int i = 0; i < len; i++) {
        char ch = text[i];
        if (ch == ',') {
            counts[s]++;
            s = START;
            continue;
        }
        int digit = ch >= '0' && ch <= '9';
        switch (s) {
        case START:    s = digit || ch == '-' || ch == '+' ? INT : ch == '.' ? FRAC : INVALID; break;
        case INT:      s = digit ? INT : ch == '.' ? FRAC : ch == 'e' || ch == 'E' ? EXP_SIGN : INVALID; break;
        case FRAC:     s = digit ? FRAC : ch == 'e' || ch == 'E' ? EXP_SIGN : INVALID; break;
        case EXP_SIGN: s = digit || ch == '-' || ch == '+' ? EXP : INVALID; break;
        case EXP:      s = digit ? EXP : INVALID; break;
        default:       break;
        }
    }
    counts[s]++;
    for (int i = 0; i < len; i += 7)            /* corrupt some characters for the next pass */
        if (((uint32_t)i * 2654435761u ^ seed) % 13 == 0)
            text[i] = text[i] == ',' ? '1' : (char)(text[i] ^ 1);
    for (int k = 0; k < NSTATES; k++)
        crc = crc16(crc, (uint32_t)counts[k], 16);
    return crc;
}

int main(int argc, char **argv)
{
    long iterations = argc > 1 ? atol(argv[1]) : 2000;
    enum { ITEMS = 200, N = 24, TEXT = 1024 };
    struct item *items = malloc(ITEMS * sizeof *items);
    int16_t *a = malloc(N * N * sizeof *a), *b = malloc(N * N * sizeof *b);
    int32_t *c = malloc(N * N * sizeof *c);
    for (int i = 0; i < N * N; i++) {
        a[i] = (int16_t)((i * 37) % 251 - 125);
        b[i] = (int16_t)((i * 91) % 211 - 100);
    }
    static const char *numbers[] = {"5012", "1234", "-874", "+122", "35.54", ".1234",
                                    "-110.7", "+0.64", "5.500e+3", "-.123e-2", "-87e+832",
                                    "+0.6e-12", "T0.3e-1F", "-T.T++Tq", "1T3.4e4z", "34.0e-T^"};
    char *text = malloc(TEXT + 1);
    int len = 0;
    for (int k = 0; len + 12 < TEXT; k++) {
        const char *w = numbers[(k * 5 + 3) % 16];
        memcpy(text + len, w, strlen(w));
        len += (int)strlen(w);
        text[len++] = ',';
    }
    text[len] = 0;

    uint16_t crc = 0;
    for (long it = 0; it < iterations; it++) {
        crc = bench_list(items, ITEMS, (int16_t)(it & 0xff), crc);
        crc = bench_matrix(a, b, c, N, (int16_t)(it | 0xf00), crc);
        crc = bench_state(text, len, (uint32_t)it, crc);
    }
    printf("iterations %ld crc %04x\n", iterations, crc);
    free(text); free(c); free(b); free(a); free(items);
    return 0;
}
