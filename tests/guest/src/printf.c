/* printf of integers and floating point, and strtod/snprintf round trips. */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    volatile int zero = 0;
    printf("int: %d %i %d %d\n", 0, -1, INT_MAX, INT_MIN);
    printf("unsigned: %u %o %x %X %#x\n", 4000000000u, 0755, 0xdeadbeef, 0xcafe, 255);
    printf("long: %ld %ld %lu\n", LONG_MAX, LONG_MIN, ULONG_MAX);
    printf("int64: %" PRId64 " %" PRIx64 "\n", (int64_t)-1234567890123456789LL,
           (uint64_t)0x0123456789abcdefULL);
    printf("width: [%8d] [%-8d] [%08d] [%+d] [% d]\n", 42, 42, 42, 42, 42);
    printf("char/str: %c %s [%10s] [%-10s] [%.3s]\n", 'x', "abc", "right", "left", "truncate");
    printf("ptr null: %p\n", (void *)0);
    printf("double: %f %.2f %e %g %g %g\n", 3.14159265358979, 2.5, 12345.6789, 0.0001,
           1e20, 100.0);
    printf("more: %.10f %.0f %.15g %a\n", 1.0 / 3.0, 2.5, 0.1, 1.0);
    printf("float: %f %.9g\n", (double)1.1f, (double)(1.0f / 3.0f));
    printf("special: %f %f %f\n", 1.0 / (zero + 0.0), -1.0 / (zero + 0.0),
           (zero + 0.0) / (zero + 0.0) * 0.0 == 0.0 ? 0.0 : 0.0 / (zero + 0.0));
    printf("tiny/huge: %g %g %g\n", 5e-324, 1.7976931348623157e308, 2.2250738585072014e-308);
    long double ld = 1.0L / 3.0L;
    printf("long double: %.30Lf\n", ld);
    double sum = 0;
    for (int i = 1; i <= 1000; i++)
        sum += 1.0 / ((double)i * i);
    printf("sum 1/i^2: %.15f\n", sum);
    char buf[64];
    const char *inputs[] = {"3.5", "-0.125", "1e-5", "123456789.987654321", "0x1p-3", "inf"};
    for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
        double d = strtod(inputs[i], NULL);
        snprintf(buf, sizeof buf, "%.17g", d);
        printf("strtod(%s) = %s (round trip %s)\n", inputs[i], buf,
               strtod(buf, NULL) == d ? "ok" : "BAD");
    }
    printf("strtol: %ld %ld %lu\n", strtol("-12345", NULL, 10), strtol("ff", NULL, 16),
           strtoul("777", NULL, 8));
    int n = snprintf(buf, 8, "%s", "overflowing");
    printf("snprintf: %d [%s]\n", n, buf);
    return 0;
}
