/* GENERATED FILE, do not edit: written by `python -m vm_engine.isa.gen_c` from vm_engine/isa/table.py. */
#ifndef VM_INSN_TABLE_H
#define VM_INSN_TABLE_H

/* X(NAME, mnemonic) for every table entry, in opcode order. */
#define VM_OP_LIST(X) \
    X(LUI, "lui") \
    X(AUIPC, "auipc") \
    X(JAL, "jal") \
    X(JALR, "jalr") \
    X(BEQ, "beq") \
    X(BNE, "bne") \
    X(BLT, "blt") \
    X(BGE, "bge") \
    X(BLTU, "bltu") \
    X(BGEU, "bgeu") \
    X(LB, "lb") \
    X(LH, "lh") \
    X(LW, "lw") \
    X(LD, "ld") \
    X(LBU, "lbu") \
    X(LHU, "lhu") \
    X(LWU, "lwu") \
    X(SB, "sb") \
    X(SH, "sh") \
    X(SW, "sw") \
    X(SD, "sd") \
    X(ADDI, "addi") \
    X(SLTI, "slti") \
    X(SLTIU, "sltiu") \
    X(XORI, "xori") \
    X(ORI, "ori") \
    X(ANDI, "andi") \
    X(SLLI, "slli") \
    X(SRLI, "srli") \
    X(SRAI, "srai") \
    X(ADD, "add") \
    X(SUB, "sub") \
    X(SLL, "sll") \
    X(SLT, "slt") \
    X(SLTU, "sltu") \
    X(XOR, "xor") \
    X(SRL, "srl") \
    X(SRA, "sra") \
    X(OR, "or") \
    X(AND, "and") \
    X(ADDIW, "addiw") \
    X(SLLIW, "slliw") \
    X(SRLIW, "srliw") \
    X(SRAIW, "sraiw") \
    X(ADDW, "addw") \
    X(SUBW, "subw") \
    X(SLLW, "sllw") \
    X(SRLW, "srlw") \
    X(SRAW, "sraw") \
    X(FENCE, "fence") \
    X(ECALL, "ecall") \
    X(EBREAK, "ebreak") \
    X(FENCE_I, "fence.i") \
    X(MUL, "mul") \
    X(MULH, "mulh") \
    X(MULHSU, "mulhsu") \
    X(MULHU, "mulhu") \
    X(DIV, "div") \
    X(DIVU, "divu") \
    X(REM, "rem") \
    X(REMU, "remu") \
    X(MULW, "mulw") \
    X(DIVW, "divw") \
    X(DIVUW, "divuw") \
    X(REMW, "remw") \
    X(REMUW, "remuw") \
    X(CSRRW, "csrrw") \
    X(CSRRS, "csrrs") \
    X(CSRRC, "csrrc") \
    X(CSRRWI, "csrrwi") \
    X(CSRRSI, "csrrsi") \
    X(CSRRCI, "csrrci") \

enum vm_op {
    VM_OP_INVALID = 0,
    VM_OP_LUI = 1,
    VM_OP_AUIPC = 2,
    VM_OP_JAL = 3,
    VM_OP_JALR = 4,
    VM_OP_BEQ = 5,
    VM_OP_BNE = 6,
    VM_OP_BLT = 7,
    VM_OP_BGE = 8,
    VM_OP_BLTU = 9,
    VM_OP_BGEU = 10,
    VM_OP_LB = 11,
    VM_OP_LH = 12,
    VM_OP_LW = 13,
    VM_OP_LD = 14,
    VM_OP_LBU = 15,
    VM_OP_LHU = 16,
    VM_OP_LWU = 17,
    VM_OP_SB = 18,
    VM_OP_SH = 19,
    VM_OP_SW = 20,
    VM_OP_SD = 21,
    VM_OP_ADDI = 22,
    VM_OP_SLTI = 23,
    VM_OP_SLTIU = 24,
    VM_OP_XORI = 25,
    VM_OP_ORI = 26,
    VM_OP_ANDI = 27,
    VM_OP_SLLI = 28,
    VM_OP_SRLI = 29,
    VM_OP_SRAI = 30,
    VM_OP_ADD = 31,
    VM_OP_SUB = 32,
    VM_OP_SLL = 33,
    VM_OP_SLT = 34,
    VM_OP_SLTU = 35,
    VM_OP_XOR = 36,
    VM_OP_SRL = 37,
    VM_OP_SRA = 38,
    VM_OP_OR = 39,
    VM_OP_AND = 40,
    VM_OP_ADDIW = 41,
    VM_OP_SLLIW = 42,
    VM_OP_SRLIW = 43,
    VM_OP_SRAIW = 44,
    VM_OP_ADDW = 45,
    VM_OP_SUBW = 46,
    VM_OP_SLLW = 47,
    VM_OP_SRLW = 48,
    VM_OP_SRAW = 49,
    VM_OP_FENCE = 50,
    VM_OP_ECALL = 51,
    VM_OP_EBREAK = 52,
    VM_OP_FENCE_I = 53,
    VM_OP_MUL = 54,
    VM_OP_MULH = 55,
    VM_OP_MULHSU = 56,
    VM_OP_MULHU = 57,
    VM_OP_DIV = 58,
    VM_OP_DIVU = 59,
    VM_OP_REM = 60,
    VM_OP_REMU = 61,
    VM_OP_MULW = 62,
    VM_OP_DIVW = 63,
    VM_OP_DIVUW = 64,
    VM_OP_REMW = 65,
    VM_OP_REMUW = 66,
    VM_OP_CSRRW = 67,
    VM_OP_CSRRS = 68,
    VM_OP_CSRRC = 69,
    VM_OP_CSRRWI = 70,
    VM_OP_CSRRSI = 71,
    VM_OP_CSRRCI = 72,
    VM_OP_COUNT = 73
};

static const uint8_t vm_op_flags[VM_OP_COUNT] = {
    0, /* invalid */
    VM_OPF_XRD, /* lui */
    VM_OPF_XRD, /* auipc */
    VM_OPF_ENDS_BLOCK | VM_OPF_PCREL | VM_OPF_XRD, /* jal */
    VM_OPF_ENDS_BLOCK | VM_OPF_XRD, /* jalr */
    VM_OPF_ENDS_BLOCK | VM_OPF_PCREL, /* beq */
    VM_OPF_ENDS_BLOCK | VM_OPF_PCREL, /* bne */
    VM_OPF_ENDS_BLOCK | VM_OPF_PCREL, /* blt */
    VM_OPF_ENDS_BLOCK | VM_OPF_PCREL, /* bge */
    VM_OPF_ENDS_BLOCK | VM_OPF_PCREL, /* bltu */
    VM_OPF_ENDS_BLOCK | VM_OPF_PCREL, /* bgeu */
    VM_OPF_MEM | VM_OPF_XRD, /* lb */
    VM_OPF_MEM | VM_OPF_XRD, /* lh */
    VM_OPF_MEM | VM_OPF_XRD, /* lw */
    VM_OPF_MEM | VM_OPF_XRD, /* ld */
    VM_OPF_MEM | VM_OPF_XRD, /* lbu */
    VM_OPF_MEM | VM_OPF_XRD, /* lhu */
    VM_OPF_MEM | VM_OPF_XRD, /* lwu */
    VM_OPF_MEM, /* sb */
    VM_OPF_MEM, /* sh */
    VM_OPF_MEM, /* sw */
    VM_OPF_MEM, /* sd */
    VM_OPF_XRD, /* addi */
    VM_OPF_XRD, /* slti */
    VM_OPF_XRD, /* sltiu */
    VM_OPF_XRD, /* xori */
    VM_OPF_XRD, /* ori */
    VM_OPF_XRD, /* andi */
    VM_OPF_XRD, /* slli */
    VM_OPF_XRD, /* srli */
    VM_OPF_XRD, /* srai */
    VM_OPF_XRD, /* add */
    VM_OPF_XRD, /* sub */
    VM_OPF_XRD, /* sll */
    VM_OPF_XRD, /* slt */
    VM_OPF_XRD, /* sltu */
    VM_OPF_XRD, /* xor */
    VM_OPF_XRD, /* srl */
    VM_OPF_XRD, /* sra */
    VM_OPF_XRD, /* or */
    VM_OPF_XRD, /* and */
    VM_OPF_XRD, /* addiw */
    VM_OPF_XRD, /* slliw */
    VM_OPF_XRD, /* srliw */
    VM_OPF_XRD, /* sraiw */
    VM_OPF_XRD, /* addw */
    VM_OPF_XRD, /* subw */
    VM_OPF_XRD, /* sllw */
    VM_OPF_XRD, /* srlw */
    VM_OPF_XRD, /* sraw */
    0, /* fence */
    VM_OPF_ENDS_BLOCK, /* ecall */
    VM_OPF_ENDS_BLOCK, /* ebreak */
    VM_OPF_ENDS_BLOCK, /* fence.i */
    VM_OPF_XRD, /* mul */
    VM_OPF_XRD, /* mulh */
    VM_OPF_XRD, /* mulhsu */
    VM_OPF_XRD, /* mulhu */
    VM_OPF_XRD, /* div */
    VM_OPF_XRD, /* divu */
    VM_OPF_XRD, /* rem */
    VM_OPF_XRD, /* remu */
    VM_OPF_XRD, /* mulw */
    VM_OPF_XRD, /* divw */
    VM_OPF_XRD, /* divuw */
    VM_OPF_XRD, /* remw */
    VM_OPF_XRD, /* remuw */
    VM_OPF_XRD, /* csrrw */
    VM_OPF_XRD, /* csrrs */
    VM_OPF_XRD, /* csrrc */
    VM_OPF_XRD, /* csrrwi */
    VM_OPF_XRD, /* csrrsi */
    VM_OPF_XRD, /* csrrci */
};

static const char *const vm_op_names[VM_OP_COUNT] = {
    "invalid",
    "lui",
    "auipc",
    "jal",
    "jalr",
    "beq",
    "bne",
    "blt",
    "bge",
    "bltu",
    "bgeu",
    "lb",
    "lh",
    "lw",
    "ld",
    "lbu",
    "lhu",
    "lwu",
    "sb",
    "sh",
    "sw",
    "sd",
    "addi",
    "slti",
    "sltiu",
    "xori",
    "ori",
    "andi",
    "slli",
    "srli",
    "srai",
    "add",
    "sub",
    "sll",
    "slt",
    "sltu",
    "xor",
    "srl",
    "sra",
    "or",
    "and",
    "addiw",
    "slliw",
    "srliw",
    "sraiw",
    "addw",
    "subw",
    "sllw",
    "srlw",
    "sraw",
    "fence",
    "ecall",
    "ebreak",
    "fence.i",
    "mul",
    "mulh",
    "mulhsu",
    "mulhu",
    "div",
    "divu",
    "rem",
    "remu",
    "mulw",
    "divw",
    "divuw",
    "remw",
    "remuw",
    "csrrw",
    "csrrs",
    "csrrc",
    "csrrwi",
    "csrrsi",
    "csrrci",
};

/* The table entry matching a 32-bit word, or VM_OP_INVALID. */
static inline int vm_decode_op32(uint32_t w)
{
    switch (w & 0x7f) {
    case 0x03:
        if ((w & 0x0000707fu) == 0x00000003u) return VM_OP_LB;
        if ((w & 0x0000707fu) == 0x00001003u) return VM_OP_LH;
        if ((w & 0x0000707fu) == 0x00002003u) return VM_OP_LW;
        if ((w & 0x0000707fu) == 0x00003003u) return VM_OP_LD;
        if ((w & 0x0000707fu) == 0x00004003u) return VM_OP_LBU;
        if ((w & 0x0000707fu) == 0x00005003u) return VM_OP_LHU;
        if ((w & 0x0000707fu) == 0x00006003u) return VM_OP_LWU;
        return VM_OP_INVALID;
    case 0x0f:
        if ((w & 0x0000707fu) == 0x0000000fu) return VM_OP_FENCE;
        if ((w & 0x0000707fu) == 0x0000100fu) return VM_OP_FENCE_I;
        return VM_OP_INVALID;
    case 0x13:
        if ((w & 0x0000707fu) == 0x00000013u) return VM_OP_ADDI;
        if ((w & 0x0000707fu) == 0x00002013u) return VM_OP_SLTI;
        if ((w & 0x0000707fu) == 0x00003013u) return VM_OP_SLTIU;
        if ((w & 0x0000707fu) == 0x00004013u) return VM_OP_XORI;
        if ((w & 0x0000707fu) == 0x00006013u) return VM_OP_ORI;
        if ((w & 0x0000707fu) == 0x00007013u) return VM_OP_ANDI;
        if ((w & 0xfc00707fu) == 0x00001013u) return VM_OP_SLLI;
        if ((w & 0xfc00707fu) == 0x00005013u) return VM_OP_SRLI;
        if ((w & 0xfc00707fu) == 0x40005013u) return VM_OP_SRAI;
        return VM_OP_INVALID;
    case 0x17:
        if ((w & 0x0000007fu) == 0x00000017u) return VM_OP_AUIPC;
        return VM_OP_INVALID;
    case 0x1b:
        if ((w & 0x0000707fu) == 0x0000001bu) return VM_OP_ADDIW;
        if ((w & 0xfe00707fu) == 0x0000101bu) return VM_OP_SLLIW;
        if ((w & 0xfe00707fu) == 0x0000501bu) return VM_OP_SRLIW;
        if ((w & 0xfe00707fu) == 0x4000501bu) return VM_OP_SRAIW;
        return VM_OP_INVALID;
    case 0x23:
        if ((w & 0x0000707fu) == 0x00000023u) return VM_OP_SB;
        if ((w & 0x0000707fu) == 0x00001023u) return VM_OP_SH;
        if ((w & 0x0000707fu) == 0x00002023u) return VM_OP_SW;
        if ((w & 0x0000707fu) == 0x00003023u) return VM_OP_SD;
        return VM_OP_INVALID;
    case 0x33:
        if ((w & 0xfe00707fu) == 0x00000033u) return VM_OP_ADD;
        if ((w & 0xfe00707fu) == 0x40000033u) return VM_OP_SUB;
        if ((w & 0xfe00707fu) == 0x00001033u) return VM_OP_SLL;
        if ((w & 0xfe00707fu) == 0x00002033u) return VM_OP_SLT;
        if ((w & 0xfe00707fu) == 0x00003033u) return VM_OP_SLTU;
        if ((w & 0xfe00707fu) == 0x00004033u) return VM_OP_XOR;
        if ((w & 0xfe00707fu) == 0x00005033u) return VM_OP_SRL;
        if ((w & 0xfe00707fu) == 0x40005033u) return VM_OP_SRA;
        if ((w & 0xfe00707fu) == 0x00006033u) return VM_OP_OR;
        if ((w & 0xfe00707fu) == 0x00007033u) return VM_OP_AND;
        if ((w & 0xfe00707fu) == 0x02000033u) return VM_OP_MUL;
        if ((w & 0xfe00707fu) == 0x02001033u) return VM_OP_MULH;
        if ((w & 0xfe00707fu) == 0x02002033u) return VM_OP_MULHSU;
        if ((w & 0xfe00707fu) == 0x02003033u) return VM_OP_MULHU;
        if ((w & 0xfe00707fu) == 0x02004033u) return VM_OP_DIV;
        if ((w & 0xfe00707fu) == 0x02005033u) return VM_OP_DIVU;
        if ((w & 0xfe00707fu) == 0x02006033u) return VM_OP_REM;
        if ((w & 0xfe00707fu) == 0x02007033u) return VM_OP_REMU;
        return VM_OP_INVALID;
    case 0x37:
        if ((w & 0x0000007fu) == 0x00000037u) return VM_OP_LUI;
        return VM_OP_INVALID;
    case 0x3b:
        if ((w & 0xfe00707fu) == 0x0000003bu) return VM_OP_ADDW;
        if ((w & 0xfe00707fu) == 0x4000003bu) return VM_OP_SUBW;
        if ((w & 0xfe00707fu) == 0x0000103bu) return VM_OP_SLLW;
        if ((w & 0xfe00707fu) == 0x0000503bu) return VM_OP_SRLW;
        if ((w & 0xfe00707fu) == 0x4000503bu) return VM_OP_SRAW;
        if ((w & 0xfe00707fu) == 0x0200003bu) return VM_OP_MULW;
        if ((w & 0xfe00707fu) == 0x0200403bu) return VM_OP_DIVW;
        if ((w & 0xfe00707fu) == 0x0200503bu) return VM_OP_DIVUW;
        if ((w & 0xfe00707fu) == 0x0200603bu) return VM_OP_REMW;
        if ((w & 0xfe00707fu) == 0x0200703bu) return VM_OP_REMUW;
        return VM_OP_INVALID;
    case 0x63:
        if ((w & 0x0000707fu) == 0x00000063u) return VM_OP_BEQ;
        if ((w & 0x0000707fu) == 0x00001063u) return VM_OP_BNE;
        if ((w & 0x0000707fu) == 0x00004063u) return VM_OP_BLT;
        if ((w & 0x0000707fu) == 0x00005063u) return VM_OP_BGE;
        if ((w & 0x0000707fu) == 0x00006063u) return VM_OP_BLTU;
        if ((w & 0x0000707fu) == 0x00007063u) return VM_OP_BGEU;
        return VM_OP_INVALID;
    case 0x67:
        if ((w & 0x0000707fu) == 0x00000067u) return VM_OP_JALR;
        return VM_OP_INVALID;
    case 0x6f:
        if ((w & 0x0000007fu) == 0x0000006fu) return VM_OP_JAL;
        return VM_OP_INVALID;
    case 0x73:
        if ((w & 0xffffffffu) == 0x00000073u) return VM_OP_ECALL;
        if ((w & 0xffffffffu) == 0x00100073u) return VM_OP_EBREAK;
        if ((w & 0x0000707fu) == 0x00001073u) return VM_OP_CSRRW;
        if ((w & 0x0000707fu) == 0x00002073u) return VM_OP_CSRRS;
        if ((w & 0x0000707fu) == 0x00003073u) return VM_OP_CSRRC;
        if ((w & 0x0000707fu) == 0x00005073u) return VM_OP_CSRRWI;
        if ((w & 0x0000707fu) == 0x00006073u) return VM_OP_CSRRSI;
        if ((w & 0x0000707fu) == 0x00007073u) return VM_OP_CSRRCI;
        return VM_OP_INVALID;
    default:
        return VM_OP_INVALID;
    }
}

/* Operand fields of entry `op` from word `w`, as the table places them. */
static inline void vm_decode_fields(int op, uint32_t w, vm_ir *ir)
{
    switch (op) {
    case VM_OP_LUI:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 12) & 0xfffffu) << 12), 32);
        break;
    case VM_OP_AUIPC:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 12) & 0xfffffu) << 12), 32);
        break;
    case VM_OP_JAL:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 31) & 0x1u) << 20) | ((uint64_t)((w >> 12) & 0xffu) << 12) | ((uint64_t)((w >> 20) & 0x1u) << 11) | ((uint64_t)((w >> 21) & 0x3ffu) << 1), 21);
        break;
    case VM_OP_JALR:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        break;
    case VM_OP_BEQ:
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 31) & 0x1u) << 12) | ((uint64_t)((w >> 7) & 0x1u) << 11) | ((uint64_t)((w >> 25) & 0x3fu) << 5) | ((uint64_t)((w >> 8) & 0xfu) << 1), 13);
        break;
    case VM_OP_BNE:
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 31) & 0x1u) << 12) | ((uint64_t)((w >> 7) & 0x1u) << 11) | ((uint64_t)((w >> 25) & 0x3fu) << 5) | ((uint64_t)((w >> 8) & 0xfu) << 1), 13);
        break;
    case VM_OP_BLT:
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 31) & 0x1u) << 12) | ((uint64_t)((w >> 7) & 0x1u) << 11) | ((uint64_t)((w >> 25) & 0x3fu) << 5) | ((uint64_t)((w >> 8) & 0xfu) << 1), 13);
        break;
    case VM_OP_BGE:
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 31) & 0x1u) << 12) | ((uint64_t)((w >> 7) & 0x1u) << 11) | ((uint64_t)((w >> 25) & 0x3fu) << 5) | ((uint64_t)((w >> 8) & 0xfu) << 1), 13);
        break;
    case VM_OP_BLTU:
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 31) & 0x1u) << 12) | ((uint64_t)((w >> 7) & 0x1u) << 11) | ((uint64_t)((w >> 25) & 0x3fu) << 5) | ((uint64_t)((w >> 8) & 0xfu) << 1), 13);
        break;
    case VM_OP_BGEU:
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 31) & 0x1u) << 12) | ((uint64_t)((w >> 7) & 0x1u) << 11) | ((uint64_t)((w >> 25) & 0x3fu) << 5) | ((uint64_t)((w >> 8) & 0xfu) << 1), 13);
        break;
    case VM_OP_LB:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        break;
    case VM_OP_LH:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        break;
    case VM_OP_LW:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        break;
    case VM_OP_LD:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        break;
    case VM_OP_LBU:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        break;
    case VM_OP_LHU:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        break;
    case VM_OP_LWU:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        break;
    case VM_OP_SB:
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 25) & 0x7fu) << 5) | ((uint64_t)((w >> 7) & 0x1fu) << 0), 12);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        break;
    case VM_OP_SH:
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 25) & 0x7fu) << 5) | ((uint64_t)((w >> 7) & 0x1fu) << 0), 12);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        break;
    case VM_OP_SW:
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 25) & 0x7fu) << 5) | ((uint64_t)((w >> 7) & 0x1fu) << 0), 12);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        break;
    case VM_OP_SD:
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 25) & 0x7fu) << 5) | ((uint64_t)((w >> 7) & 0x1fu) << 0), 12);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        break;
    case VM_OP_ADDI:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12);
        break;
    case VM_OP_SLTI:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12);
        break;
    case VM_OP_SLTIU:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12);
        break;
    case VM_OP_XORI:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12);
        break;
    case VM_OP_ORI:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12);
        break;
    case VM_OP_ANDI:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12);
        break;
    case VM_OP_SLLI:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->imm = (int64_t)(((uint64_t)((w >> 20) & 0x3fu) << 0));
        break;
    case VM_OP_SRLI:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->imm = (int64_t)(((uint64_t)((w >> 20) & 0x3fu) << 0));
        break;
    case VM_OP_SRAI:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->imm = (int64_t)(((uint64_t)((w >> 20) & 0x3fu) << 0));
        break;
    case VM_OP_ADD:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_SUB:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_SLL:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_SLT:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_SLTU:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_XOR:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_SRL:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_SRA:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_OR:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_AND:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_ADDIW:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->imm = vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12);
        break;
    case VM_OP_SLLIW:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->imm = (int64_t)(((uint64_t)((w >> 20) & 0x1fu) << 0));
        break;
    case VM_OP_SRLIW:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->imm = (int64_t)(((uint64_t)((w >> 20) & 0x1fu) << 0));
        break;
    case VM_OP_SRAIW:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->imm = (int64_t)(((uint64_t)((w >> 20) & 0x1fu) << 0));
        break;
    case VM_OP_ADDW:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_SUBW:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_SLLW:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_SRLW:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_SRAW:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_FENCE:
        ir->imm = (int64_t)(((uint64_t)((w >> 24) & 0xfu) << 0));
        ir->aux = (uint16_t)(int64_t)(((uint64_t)((w >> 20) & 0xfu) << 0));
        ir->rm = (uint8_t)(int64_t)(((uint64_t)((w >> 28) & 0xfu) << 0));
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        break;
    case VM_OP_ECALL:
        break;
    case VM_OP_EBREAK:
        break;
    case VM_OP_FENCE_I:
        ir->imm = vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        break;
    case VM_OP_MUL:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_MULH:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_MULHSU:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_MULHU:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_DIV:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_DIVU:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_REM:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_REMU:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_MULW:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_DIVW:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_DIVUW:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_REMW:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_REMUW:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        ir->rs2 = (uint8_t)((w >> 20) & 0x1fu);
        break;
    case VM_OP_CSRRW:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->aux = (uint16_t)(int64_t)(((uint64_t)((w >> 20) & 0xfffu) << 0));
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        break;
    case VM_OP_CSRRS:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->aux = (uint16_t)(int64_t)(((uint64_t)((w >> 20) & 0xfffu) << 0));
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        break;
    case VM_OP_CSRRC:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->aux = (uint16_t)(int64_t)(((uint64_t)((w >> 20) & 0xfffu) << 0));
        ir->rs1 = (uint8_t)((w >> 15) & 0x1fu);
        break;
    case VM_OP_CSRRWI:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->aux = (uint16_t)(int64_t)(((uint64_t)((w >> 20) & 0xfffu) << 0));
        ir->imm = (int64_t)(((uint64_t)((w >> 15) & 0x1fu) << 0));
        break;
    case VM_OP_CSRRSI:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->aux = (uint16_t)(int64_t)(((uint64_t)((w >> 20) & 0xfffu) << 0));
        ir->imm = (int64_t)(((uint64_t)((w >> 15) & 0x1fu) << 0));
        break;
    case VM_OP_CSRRCI:
        ir->rd = (uint8_t)((w >> 7) & 0x1fu);
        ir->aux = (uint16_t)(int64_t)(((uint64_t)((w >> 20) & 0xfffu) << 0));
        ir->imm = (int64_t)(((uint64_t)((w >> 15) & 0x1fu) << 0));
        break;
    default:
        break;
    }
}

#endif
