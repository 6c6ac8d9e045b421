/* The IR: one decoded guest instruction per vm_ir, blocks are arrays of it.
 * vm_engine/ir.py mirrors this struct as a numpy dtype (a test checks offsets). */
#ifndef VM_IR_H
#define VM_IR_H
#include <stdint.h>

typedef struct vm_ir {
    int64_t  imm;     /* immediate, sign-extended; branch/jal/auipc: absolute guest address */
    uint32_t raw;     /* the original instruction word (16-bit ones zero-extended) */
    uint16_t pc_off;  /* byte offset of this instruction from the block start */
    uint16_t op;      /* VM_OP_* from the instruction table */
    uint8_t  rd;      /* 32 = integer write discarded (rd was x0) */
    uint8_t  rs1;
    uint8_t  rs2;
    uint8_t  rs3;
    uint8_t  rm;      /* rounding mode, aq/rl bits, fence fm */
    uint8_t  len;     /* 2 or 4 bytes */
    uint16_t aux;     /* CSR number, fence successor set */
} vm_ir;

/* op flags, from the table's instruction classes */
#define VM_OPF_ENDS_BLOCK 1u
#define VM_OPF_MEM        2u
#define VM_OPF_PCREL      4u
#define VM_OPF_XRD        8u

/* a fence's predecessor and successor sets (imm, aux: i o r w) and its fm (rm) */
#define VM_FENCE_R   2u
#define VM_FENCE_W   1u
#define VM_FENCE_TSO 8u /* fence.tso: every order but a store's before later loads */

/* Whether a fence orders a store before later loads: the one order an x86-64
 * host does not keep by itself (TSO). */
static inline int vm_fence_orders_store_load(int64_t pred, uint16_t succ, uint8_t fm)
{
    return (pred & VM_FENCE_W) && (succ & VM_FENCE_R) && fm != VM_FENCE_TSO;
}

#define VM_REG_SINK 32 /* x[32] receives writes to x0 */

static inline int64_t vm_sext(uint64_t v, int bits)
{
    uint64_t m = 1ull << (bits - 1);
    v &= (bits == 64) ? ~0ull : ((1ull << bits) - 1);
    return (int64_t)((v ^ m) - m);
}

/* bytes of the instruction whose word (or first halfword) is w: 2 for a compressed one */
static inline int vm_insn_len(uint32_t w)
{
    return (w & 3) == 3 ? 4 : 2;
}

#include "generated/vm_insn_table.h"

/* Decode one instruction word found at guest `pc` into `ir`. Returns its length
 * (2 or 4); an undecodable word gives op VM_OP_INVALID. */
int vm_decode(uint32_t word, uint64_t pc, vm_ir *ir);

#endif
