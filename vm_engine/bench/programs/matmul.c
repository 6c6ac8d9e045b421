/* Dense matrix multiply in double precision: FP multiply-add and strided loads. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 200;
    double *a = malloc(sizeof(double) * n * n), *b = malloc(sizeof(double) * n * n);
    double *c = calloc((size_t)n * n, sizeof(double));
    for (int i = 0; i < n * n; i++) {
        a[i] = (double)(i % 17) * 0.25 - 1.0;
        b[i] = (double)(i % 13) * 0.5 + 0.125;
    }
    for (int i = 0; i < n; i++)
        for (int k = 0; k < n; k++) {
            double aik = a[i * n + k];
            for (int j = 0; j < n; j++)
                c[i * n + j] += aik * b[k * n + j];
        }
    double trace = 0;
    for (int i = 0; i < n; i++)
        trace += c[i * n + i];
    printf("trace %.6f\n", trace);
    return 0;
}
