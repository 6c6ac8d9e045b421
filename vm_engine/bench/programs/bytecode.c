/* Interpreter-style dispatch: a stack-machine bytecode interpreter (a switch in a
 * loop, the shape of most language VMs) running a program that counts the primes
 * up to N by trial division and sums the Collatz sequence lengths of 2..N.
 * usage: bytecode [N] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum op { PUSH, LOAD, STORE, ADD, MUL, MOD, LT, EQ, AND, SHR, JMP, JZ, JNZ, HALT };

struct insn { uint8_t op; int32_t arg; };

static int64_t run(const struct insn *code, int64_t *vars)
{
    int64_t stack[64];
    int sp = 0;
    const struct insn *pc = code;
    for (;;) {
        const struct insn *i = pc++;
        switch (i->op) {
        case PUSH:  stack[sp++] = i->arg; break;
        case LOAD:  stack[sp++] = vars[i->arg]; break;
        case STORE: vars[i->arg] = stack[--sp]; break;
        case ADD:   sp--; stack[sp - 1] += stack[sp]; break;
        case MUL:   sp--; stack[sp - 1] *= stack[sp]; break;
        case MOD:   sp--; stack[sp - 1] %= stack[sp]; break;
        case LT:    sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case EQ:    sp--; stack[sp - 1] = stack[sp - 1] == stack[sp]; break;
        case AND:   sp--; stack[sp - 1] &= stack[sp]; break;
        case SHR:   sp--; stack[sp - 1] >>= stack[sp]; break;
        case JMP:   pc = code + i->arg; break;
        case JZ:    if (stack[--sp] == 0) pc = code + i->arg; break;
        case JNZ:   if (stack[--sp] != 0) pc = code + i->arg; break;
        case HALT:  return sp ? stack[sp - 1] : 0;
        default:    fprintf(stderr, "bad opcode %d\n", i->op); exit(2);
        }
    }
}

/* a tiny assembler: emit() appends, labels are resolved by fixups */
static struct insn code[256];
static int ncode;
static int label_at[32], fixup_insn[64], fixup_label[64], nfixups;

static void emit(enum op op, int32_t arg) { code[ncode].op = op; code[ncode++].arg = arg; }
static void emit_jump(enum op op, int label)
{
    fixup_insn[nfixups] = ncode;
    fixup_label[nfixups++] = label;
    emit(op, -1);
}
static void mark(int label) { label_at[label] = ncode; }
static void link(void)
{
    for (int k = 0; k < nfixups; k++)
        code[fixup_insn[k]].arg = label_at[fixup_label[k]];
}

enum var { N, I, D, PRIMES, X, STEPS, ISPRIME, NVARS };
enum label { OUTER, DONE, INNER, NOT_PRIME, INNER_END, COLLATZ, ODD, NEXT_X, COLLATZ_END };

int main(int argc, char **argv)
{
    int64_t vars[NVARS] = {0};
    vars[N] = argc > 1 ? atol(argv[1]) : 300000;

    /* for (i = 2; i <= n; i++) {
     *     isprime = 1;
     *     for (d = 2; d * d <= i; d++) if (i % d == 0) { isprime = 0; break; }
     *     primes += isprime;
     *     for (x = i; x != 1; steps++) x = x & 1 ? 3 * x + 1 : x >> 1;
     * } */
    emit(PUSH, 2); emit(STORE, I);
    mark(OUTER);
    emit(LOAD, N); emit(LOAD, I); emit(LT, 0); emit_jump(JNZ, DONE);
    emit(PUSH, 1); emit(STORE, ISPRIME); emit(PUSH, 2); emit(STORE, D);
    mark(INNER);
    emit(LOAD, I); emit(LOAD, D); emit(LOAD, D); emit(MUL, 0); emit(LT, 0);
    emit_jump(JNZ, INNER_END);
    emit(LOAD, I); emit(LOAD, D); emit(MOD, 0); emit_jump(JZ, NOT_PRIME);
    emit(LOAD, D); emit(PUSH, 1); emit(ADD, 0); emit(STORE, D); emit_jump(JMP, INNER);
    mark(NOT_PRIME);
    emit(PUSH, 0); emit(STORE, ISPRIME);
    mark(INNER_END);
    emit(LOAD, PRIMES); emit(LOAD, ISPRIME); emit(ADD, 0); emit(STORE, PRIMES);
    emit(LOAD, I); emit(STORE, X);
    mark(COLLATZ);
    emit(LOAD, X); emit(PUSH, 1); emit(EQ, 0); emit_jump(JNZ, COLLATZ_END);
    emit(LOAD, X); emit(PUSH, 1); emit(AND, 0); emit_jump(JNZ, ODD);
    emit(LOAD, X); emit(PUSH, 1); emit(SHR, 0); emit_jump(JMP, NEXT_X);
    mark(ODD);
    emit(LOAD, X); emit(PUSH, 3); emit(MUL, 0); emit(PUSH, 1); emit(ADD, 0);
    mark(NEXT_X);
    emit(STORE, X); emit(LOAD, STEPS); emit(PUSH, 1); emit(ADD, 0); emit(STORE, STEPS);
    emit_jump(JMP, COLLATZ);
    mark(COLLATZ_END);
    emit(LOAD, I); emit(PUSH, 1); emit(ADD, 0); emit(STORE, I); emit_jump(JMP, OUTER);
    mark(DONE);
    emit(LOAD, PRIMES); emit(HALT, 0);
    link();

    int64_t result = run(code, vars);
    printf("%d bytecodes; primes <= %lld: %lld; collatz steps: %lld\n", ncode,
           (long long)vars[N], (long long)result, (long long)vars[STEPS]);
    return 0;
}
