/* Self-modifying code: writes RISC-V instructions into an executable page,
 * calls them, rewrites them, flushes the instruction cache
 * (__builtin___clear_cache: the riscv_flush_icache syscall), calls again; and
 * the same with a fence.i. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

typedef long (*fn_t)(long);

static uint32_t addi(int rd, int rs1, int imm)
{
    return ((uint32_t)(imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13;
}
#define RET 0x00008067u   /* jalr x0, 0(ra) */

static void emit_add(uint32_t *code, int k)
{
    code[0] = addi(10, 10, k);  /* a0 += k */
    code[1] = RET;
}

int main(void)
{
    uint32_t *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    fn_t f = (fn_t)(uintptr_t)code;
    long total = 0;
    for (int k = 1; k <= 5; k++) {
        emit_add(code, k * 100);
        __builtin___clear_cache((char *)code, (char *)(code + 2));
        long r = f(k);
        printf("add %d: f(%d) = %ld\n", k * 100, k, r);
        total += r;
    }
    for (int k = 1; k <= 3; k++) {
        emit_add(code, -k);
        __asm__ volatile("fence.i" ::: "memory");
        printf("sub %d: f(1000) = %ld\n", k, f(1000));
    }
    /* a loop that patches its own callee many times */
    long acc = 0;
    for (int i = 0; i < 200; i++) {
        emit_add(code, i);
        __builtin___clear_cache((char *)code, (char *)(code + 2));
        acc += f(0);
    }
    printf("total %ld acc %ld\n", total, acc);
    /* W^X: make it read-only + exec, it still runs */
    mprotect(code, 4096, PROT_READ | PROT_EXEC);
    printf("after mprotect: %ld\n", f(1));
    munmap(code, 4096);
    return 0;
}
