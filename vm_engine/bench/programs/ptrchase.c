/* Pointer chasing: a singly linked list threaded through memory in random order
 * (each step a dependent, cache-unfriendly load), then an unbalanced binary search
 * tree built from random keys, searched and walked.  usage: ptrchase [NODES] [LAPS] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct node { struct node *next; uint64_t value; };
struct tree { struct tree *left, *right; uint64_t key; long count; };

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_random(void)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return rng;
}

/* inserts key (counting duplicates); returns 1 if ``fresh`` was linked in */
static int insert(struct tree **root, uint64_t key, struct tree *fresh)
{
    struct tree **link = root;
    while (*link) {
        if (key == (*link)->key) {
            (*link)->count++;
            return 0;
        }
        link = key < (*link)->key ? &(*link)->left : &(*link)->right;
    }
    fresh->left = fresh->right = NULL;
    fresh->key = key;
    fresh->count = 1;
    *link = fresh;
    return 1;
}

static long depth_sum(const struct tree *t, long depth, long *max_depth)
{
    if (!t)
        return 0;
    if (depth > *max_depth)
        *max_depth = depth;
    return depth + depth_sum(t->left, depth + 1, max_depth)
                 + depth_sum(t->right, depth + 1, max_depth);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 200000;
    long laps = argc > 2 ? atol(argv[2]) : 20;
    if (n < 1)
        n = 1;

    /* the list: nodes in one array, linked in a random permutation */
    struct node *nodes = malloc(n * sizeof *nodes);
    long *order = malloc(n * sizeof *order);
    for (long i = 0; i < n; i++) {
        order[i] = i;
        nodes[i].value = next_random() >> 40;
    }
    for (long i = n - 1; i > 0; i--) {
        long j = (long)(next_random() % (uint64_t)(i + 1));
        long t = order[i]; order[i] = order[j]; order[j] = t;
    }
    for (long i = 0; i < n; i++)
        nodes[order[i]].next = &nodes[order[(i + 1) % n]];
    uint64_t sum = 0;
    struct node *p = &nodes[order[0]];
    for (long lap = 0; lap < laps; lap++)
        for (long i = 0; i < n; i++) {
            sum += p->value ^ (uint64_t)lap;
            p = p->next;
        }
    printf("list: %ld nodes, %ld laps, sum %llu\n", n, laps, (unsigned long long)sum);

    /* the tree: keys with duplicates, then lookups of present and absent keys */
    struct tree *pool = malloc(n * sizeof *pool), *root = NULL;
    long used = 0;
    for (long i = 0; i < n; i++) {
        uint64_t key = next_random() % (uint64_t)(4 * n);
        used += insert(&root, key, &pool[used]);
    }
    long hits = 0;
    uint64_t weight = 0;
    for (long i = 0; i < 2 * n; i++) {
        uint64_t key = (uint64_t)i * 2;
        const struct tree *t = root;
        while (t && t->key != key)
            t = key < t->key ? t->left : t->right;
        if (t) {
            hits++;
            weight += (uint64_t)t->count;
        }
    }
    long max_depth = 0;
    long total_depth = depth_sum(root, 0, &max_depth);
    printf("tree: %ld distinct keys, %ld hits (weight %llu), depth max %ld total %ld\n", used,
           hits, (unsigned long long)weight, max_depth, total_depth);
    free(pool);
    free(order);
    free(nodes);
    return 0;
}
