/* qsort and bsearch with comparison callbacks over ints, strings and structs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct person { const char *name; int age; double score; };

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}
static int cmp_int_desc(const void *a, const void *b) { return cmp_int(b, a); }
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}
static int cmp_person(const void *a, const void *b)
{
    const struct person *p = a, *q = b;
    if (p->age != q->age)
        return p->age - q->age;
    if (p->score != q->score)
        return p->score < q->score ? 1 : -1;
    return strcmp(p->name, q->name);
}

int main(void)
{
    enum { N = 5000 };
    static int v[N];
    unsigned x = 12345;
    for (int i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        v[i] = (int)(x >> 8) % 100000 - 50000;
    }
    qsort(v, N, sizeof v[0], cmp_int);
    int sorted = 1;
    long long sum = 0;
    for (int i = 0; i < N; i++) {
        sum += (long long)v[i] * (i + 1);
        if (i && v[i - 1] > v[i])
            sorted = 0;
    }
    printf("ints sorted=%d min=%d max=%d weighted=%lld\n", sorted, v[0], v[N - 1], sum);
    int key = v[1234];
    int *hit = bsearch(&key, v, N, sizeof v[0], cmp_int);
    printf("bsearch %d found=%d\n", key, hit != NULL && *hit == key);
    qsort(v, N, sizeof v[0], cmp_int_desc);
    printf("desc first=%d last=%d\n", v[0], v[N - 1]);

    const char *words[] = {"pear", "apple", "fig", "banana", "cherry", "kiwi", "date",
                           "elderberry", "grape", "apricot"};
    size_t nw = sizeof words / sizeof words[0];
    qsort(words, nw, sizeof words[0], cmp_str);
    for (size_t i = 0; i < nw; i++)
        printf("%s%s", words[i], i + 1 < nw ? " " : "\n");

    struct person people[] = {{"ann", 30, 1.5}, {"bob", 25, 2.0}, {"cid", 30, 2.5},
                              {"dan", 25, 2.0}, {"eve", 41, 0.5}, {"fay", 30, 1.5}};
    size_t np = sizeof people / sizeof people[0];
    qsort(people, np, sizeof people[0], cmp_person);
    for (size_t i = 0; i < np; i++)
        printf("%s %d %.1f\n", people[i].name, people[i].age, people[i].score);
    return 0;
}
