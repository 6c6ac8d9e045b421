/* setjmp/longjmp: across frames, nested, with values, and sigsetjmp. */
#include <setjmp.h>
#include <stdio.h>

static jmp_buf outer, inner;
static int depth_reached;

static void recurse(int depth)
{
    volatile char pad[64];
    pad[0] = (char)depth;
    if (depth == 10) {
        depth_reached = depth + pad[0] - depth;
        longjmp(outer, depth);
    }
    recurse(depth + 1);
}

static int inner_work(int n)
{
    if (setjmp(inner) == 0) {
        if (n % 2)
            longjmp(inner, n);
        return n * 10;
    }
    return -n;
}

int main(void)
{
    volatile int count = 0;
    int r = setjmp(outer);
    count++;
    if (r == 0) {
        printf("first pass\n");
        recurse(0);
        printf("not reached\n");
    }
    printf("longjmp returned %d after depth %d, count %d\n", r, depth_reached, count);
    for (int i = 0; i < 5; i++)
        printf("inner(%d) = %d\n", i, inner_work(i));
    sigjmp_buf sj;
    volatile int again = 0;
    if (sigsetjmp(sj, 1) == 0) {
        again = 1;
        siglongjmp(sj, 0);  /* 0 becomes 1 */
    }
    printf("sigsetjmp came back, again=%d\n", again);
    return 0;
}
