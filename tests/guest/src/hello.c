/* The smallest libc program: static (hello) and dynamically linked (hello-dyn). */
#include <stdio.h>

int main(void)
{
    printf("Hello, world!\n");
    puts("from a riscv64 guest");
    return 0;
}
