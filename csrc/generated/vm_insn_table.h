/* GENERATED FILE, do not edit: written by `python -m vm_engine.isa.gen_c` from vm_engine/isa/table.py. */
#ifndef VM_INSN_TABLE_H
#define VM_INSN_TABLE_H

/* X(NAME, mnemonic) for every executable entry, in opcode order. */
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
    X(LR_W, "lr.w") \
    X(SC_W, "sc.w") \
    X(AMOSWAP_W, "amoswap.w") \
    X(AMOADD_W, "amoadd.w") \
    X(AMOXOR_W, "amoxor.w") \
    X(AMOAND_W, "amoand.w") \
    X(AMOOR_W, "amoor.w") \
    X(AMOMIN_W, "amomin.w") \
    X(AMOMAX_W, "amomax.w") \
    X(AMOMINU_W, "amominu.w") \
    X(AMOMAXU_W, "amomaxu.w") \
    X(LR_D, "lr.d") \
    X(SC_D, "sc.d") \
    X(AMOSWAP_D, "amoswap.d") \
    X(AMOADD_D, "amoadd.d") \
    X(AMOXOR_D, "amoxor.d") \
    X(AMOAND_D, "amoand.d") \
    X(AMOOR_D, "amoor.d") \
    X(AMOMIN_D, "amomin.d") \
    X(AMOMAX_D, "amomax.d") \
    X(AMOMINU_D, "amominu.d") \
    X(AMOMAXU_D, "amomaxu.d") \
    X(FLW, "flw") \
    X(FSW, "fsw") \
    X(FMADD_S, "fmadd.s") \
    X(FMSUB_S, "fmsub.s") \
    X(FNMSUB_S, "fnmsub.s") \
    X(FNMADD_S, "fnmadd.s") \
    X(FADD_S, "fadd.s") \
    X(FSUB_S, "fsub.s") \
    X(FMUL_S, "fmul.s") \
    X(FDIV_S, "fdiv.s") \
    X(FSQRT_S, "fsqrt.s") \
    X(FSGNJ_S, "fsgnj.s") \
    X(FSGNJN_S, "fsgnjn.s") \
    X(FSGNJX_S, "fsgnjx.s") \
    X(FMIN_S, "fmin.s") \
    X(FMAX_S, "fmax.s") \
    X(FEQ_S, "feq.s") \
    X(FLT_S, "flt.s") \
    X(FLE_S, "fle.s") \
    X(FCLASS_S, "fclass.s") \
    X(FCVT_W_S, "fcvt.w.s") \
    X(FCVT_S_W, "fcvt.s.w") \
    X(FCVT_WU_S, "fcvt.wu.s") \
    X(FCVT_S_WU, "fcvt.s.wu") \
    X(FCVT_L_S, "fcvt.l.s") \
    X(FCVT_S_L, "fcvt.s.l") \
    X(FCVT_LU_S, "fcvt.lu.s") \
    X(FCVT_S_LU, "fcvt.s.lu") \
    X(FLD, "fld") \
    X(FSD, "fsd") \
    X(FMADD_D, "fmadd.d") \
    X(FMSUB_D, "fmsub.d") \
    X(FNMSUB_D, "fnmsub.d") \
    X(FNMADD_D, "fnmadd.d") \
    X(FADD_D, "fadd.d") \
    X(FSUB_D, "fsub.d") \
    X(FMUL_D, "fmul.d") \
    X(FDIV_D, "fdiv.d") \
    X(FSQRT_D, "fsqrt.d") \
    X(FSGNJ_D, "fsgnj.d") \
    X(FSGNJN_D, "fsgnjn.d") \
    X(FSGNJX_D, "fsgnjx.d") \
    X(FMIN_D, "fmin.d") \
    X(FMAX_D, "fmax.d") \
    X(FEQ_D, "feq.d") \
    X(FLT_D, "flt.d") \
    X(FLE_D, "fle.d") \
    X(FCLASS_D, "fclass.d") \
    X(FCVT_W_D, "fcvt.w.d") \
    X(FCVT_D_W, "fcvt.d.w") \
    X(FCVT_WU_D, "fcvt.wu.d") \
    X(FCVT_D_WU, "fcvt.d.wu") \
    X(FCVT_L_D, "fcvt.l.d") \
    X(FCVT_D_L, "fcvt.d.l") \
    X(FCVT_LU_D, "fcvt.lu.d") \
    X(FCVT_D_LU, "fcvt.d.lu") \
    X(FMV_X_W, "fmv.x.w") \
    X(FMV_W_X, "fmv.w.x") \
    X(FMV_X_D, "fmv.x.d") \
    X(FMV_D_X, "fmv.d.x") \
    X(FCVT_S_D, "fcvt.s.d") \
    X(FCVT_D_S, "fcvt.d.s") \

/* X(NAME, mnemonic) for the floating-point computation entries (class fp). */
#define VM_FP_OP_LIST(X) \
    X(FMADD_S, "fmadd.s") \
    X(FMSUB_S, "fmsub.s") \
    X(FNMSUB_S, "fnmsub.s") \
    X(FNMADD_S, "fnmadd.s") \
    X(FADD_S, "fadd.s") \
    X(FSUB_S, "fsub.s") \
    X(FMUL_S, "fmul.s") \
    X(FDIV_S, "fdiv.s") \
    X(FSQRT_S, "fsqrt.s") \
    X(FSGNJ_S, "fsgnj.s") \
    X(FSGNJN_S, "fsgnjn.s") \
    X(FSGNJX_S, "fsgnjx.s") \
    X(FMIN_S, "fmin.s") \
    X(FMAX_S, "fmax.s") \
    X(FEQ_S, "feq.s") \
    X(FLT_S, "flt.s") \
    X(FLE_S, "fle.s") \
    X(FCLASS_S, "fclass.s") \
    X(FCVT_W_S, "fcvt.w.s") \
    X(FCVT_S_W, "fcvt.s.w") \
    X(FCVT_WU_S, "fcvt.wu.s") \
    X(FCVT_S_WU, "fcvt.s.wu") \
    X(FCVT_L_S, "fcvt.l.s") \
    X(FCVT_S_L, "fcvt.s.l") \
    X(FCVT_LU_S, "fcvt.lu.s") \
    X(FCVT_S_LU, "fcvt.s.lu") \
    X(FMADD_D, "fmadd.d") \
    X(FMSUB_D, "fmsub.d") \
    X(FNMSUB_D, "fnmsub.d") \
    X(FNMADD_D, "fnmadd.d") \
    X(FADD_D, "fadd.d") \
    X(FSUB_D, "fsub.d") \
    X(FMUL_D, "fmul.d") \
    X(FDIV_D, "fdiv.d") \
    X(FSQRT_D, "fsqrt.d") \
    X(FSGNJ_D, "fsgnj.d") \
    X(FSGNJN_D, "fsgnjn.d") \
    X(FSGNJX_D, "fsgnjx.d") \
    X(FMIN_D, "fmin.d") \
    X(FMAX_D, "fmax.d") \
    X(FEQ_D, "feq.d") \
    X(FLT_D, "flt.d") \
    X(FLE_D, "fle.d") \
    X(FCLASS_D, "fclass.d") \
    X(FCVT_W_D, "fcvt.w.d") \
    X(FCVT_D_W, "fcvt.d.w") \
    X(FCVT_WU_D, "fcvt.wu.d") \
    X(FCVT_D_WU, "fcvt.d.wu") \
    X(FCVT_L_D, "fcvt.l.d") \
    X(FCVT_D_L, "fcvt.d.l") \
    X(FCVT_LU_D, "fcvt.lu.d") \
    X(FCVT_D_LU, "fcvt.d.lu") \
    X(FMV_X_W, "fmv.x.w") \
    X(FMV_W_X, "fmv.w.x") \
    X(FMV_X_D, "fmv.x.d") \
    X(FMV_D_X, "fmv.d.x") \
    X(FCVT_S_D, "fcvt.s.d") \
    X(FCVT_D_S, "fcvt.d.s") \

/* X(NAME, mnemonic) for the M entries computed out of line (csrc/vm_m_ops.h). */
#define VM_M_OP_LIST(X) \
    X(MULH, "mulh") \
    X(MULHSU, "mulhsu") \
    X(MULHU, "mulhu") \
    X(DIV, "div") \
    X(DIVU, "divu") \
    X(REM, "rem") \
    X(REMU, "remu") \
    X(DIVW, "divw") \
    X(DIVUW, "divuw") \
    X(REMW, "remw") \
    X(REMUW, "remuw") \

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
    VM_OP_LR_W = 73,
    VM_OP_SC_W = 74,
    VM_OP_AMOSWAP_W = 75,
    VM_OP_AMOADD_W = 76,
    VM_OP_AMOXOR_W = 77,
    VM_OP_AMOAND_W = 78,
    VM_OP_AMOOR_W = 79,
    VM_OP_AMOMIN_W = 80,
    VM_OP_AMOMAX_W = 81,
    VM_OP_AMOMINU_W = 82,
    VM_OP_AMOMAXU_W = 83,
    VM_OP_LR_D = 84,
    VM_OP_SC_D = 85,
    VM_OP_AMOSWAP_D = 86,
    VM_OP_AMOADD_D = 87,
    VM_OP_AMOXOR_D = 88,
    VM_OP_AMOAND_D = 89,
    VM_OP_AMOOR_D = 90,
    VM_OP_AMOMIN_D = 91,
    VM_OP_AMOMAX_D = 92,
    VM_OP_AMOMINU_D = 93,
    VM_OP_AMOMAXU_D = 94,
    VM_OP_FLW = 95,
    VM_OP_FSW = 96,
    VM_OP_FMADD_S = 97,
    VM_OP_FMSUB_S = 98,
    VM_OP_FNMSUB_S = 99,
    VM_OP_FNMADD_S = 100,
    VM_OP_FADD_S = 101,
    VM_OP_FSUB_S = 102,
    VM_OP_FMUL_S = 103,
    VM_OP_FDIV_S = 104,
    VM_OP_FSQRT_S = 105,
    VM_OP_FSGNJ_S = 106,
    VM_OP_FSGNJN_S = 107,
    VM_OP_FSGNJX_S = 108,
    VM_OP_FMIN_S = 109,
    VM_OP_FMAX_S = 110,
    VM_OP_FEQ_S = 111,
    VM_OP_FLT_S = 112,
    VM_OP_FLE_S = 113,
    VM_OP_FCLASS_S = 114,
    VM_OP_FCVT_W_S = 115,
    VM_OP_FCVT_S_W = 116,
    VM_OP_FCVT_WU_S = 117,
    VM_OP_FCVT_S_WU = 118,
    VM_OP_FCVT_L_S = 119,
    VM_OP_FCVT_S_L = 120,
    VM_OP_FCVT_LU_S = 121,
    VM_OP_FCVT_S_LU = 122,
    VM_OP_FLD = 123,
    VM_OP_FSD = 124,
    VM_OP_FMADD_D = 125,
    VM_OP_FMSUB_D = 126,
    VM_OP_FNMSUB_D = 127,
    VM_OP_FNMADD_D = 128,
    VM_OP_FADD_D = 129,
    VM_OP_FSUB_D = 130,
    VM_OP_FMUL_D = 131,
    VM_OP_FDIV_D = 132,
    VM_OP_FSQRT_D = 133,
    VM_OP_FSGNJ_D = 134,
    VM_OP_FSGNJN_D = 135,
    VM_OP_FSGNJX_D = 136,
    VM_OP_FMIN_D = 137,
    VM_OP_FMAX_D = 138,
    VM_OP_FEQ_D = 139,
    VM_OP_FLT_D = 140,
    VM_OP_FLE_D = 141,
    VM_OP_FCLASS_D = 142,
    VM_OP_FCVT_W_D = 143,
    VM_OP_FCVT_D_W = 144,
    VM_OP_FCVT_WU_D = 145,
    VM_OP_FCVT_D_WU = 146,
    VM_OP_FCVT_L_D = 147,
    VM_OP_FCVT_D_L = 148,
    VM_OP_FCVT_LU_D = 149,
    VM_OP_FCVT_D_LU = 150,
    VM_OP_FMV_X_W = 151,
    VM_OP_FMV_W_X = 152,
    VM_OP_FMV_X_D = 153,
    VM_OP_FMV_D_X = 154,
    VM_OP_FCVT_S_D = 155,
    VM_OP_FCVT_D_S = 156,
    VM_OP_COUNT = 157
};

/* compressed entries: decode-only, each expands to a VM_OP_ */
enum vm_c_op {
    VM_C_INVALID = 0,
    VM_C_ADDI4SPN = 1,
    VM_C_FLD = 2,
    VM_C_LW = 3,
    VM_C_LD = 4,
    VM_C_FSD = 5,
    VM_C_SW = 6,
    VM_C_SD = 7,
    VM_C_NOP = 8,
    VM_C_ADDI = 9,
    VM_C_ADDIW = 10,
    VM_C_LI = 11,
    VM_C_ADDI16SP = 12,
    VM_C_LUI = 13,
    VM_C_SRLI = 14,
    VM_C_SRAI = 15,
    VM_C_ANDI = 16,
    VM_C_SUB = 17,
    VM_C_XOR = 18,
    VM_C_OR = 19,
    VM_C_AND = 20,
    VM_C_SUBW = 21,
    VM_C_ADDW = 22,
    VM_C_J = 23,
    VM_C_BEQZ = 24,
    VM_C_BNEZ = 25,
    VM_C_SLLI = 26,
    VM_C_FLDSP = 27,
    VM_C_LWSP = 28,
    VM_C_LDSP = 29,
    VM_C_JR = 30,
    VM_C_MV = 31,
    VM_C_EBREAK = 32,
    VM_C_JALR = 33,
    VM_C_ADD = 34,
    VM_C_FSDSP = 35,
    VM_C_SWSP = 36,
    VM_C_SDSP = 37,
    VM_C_COUNT = 38
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
    VM_OPF_MEM | VM_OPF_XRD, /* lr.w */
    VM_OPF_MEM | VM_OPF_XRD, /* sc.w */
    VM_OPF_MEM | VM_OPF_XRD, /* amoswap.w */
    VM_OPF_MEM | VM_OPF_XRD, /* amoadd.w */
    VM_OPF_MEM | VM_OPF_XRD, /* amoxor.w */
    VM_OPF_MEM | VM_OPF_XRD, /* amoand.w */
    VM_OPF_MEM | VM_OPF_XRD, /* amoor.w */
    VM_OPF_MEM | VM_OPF_XRD, /* amomin.w */
    VM_OPF_MEM | VM_OPF_XRD, /* amomax.w */
    VM_OPF_MEM | VM_OPF_XRD, /* amominu.w */
    VM_OPF_MEM | VM_OPF_XRD, /* amomaxu.w */
    VM_OPF_MEM | VM_OPF_XRD, /* lr.d */
    VM_OPF_MEM | VM_OPF_XRD, /* sc.d */
    VM_OPF_MEM | VM_OPF_XRD, /* amoswap.d */
    VM_OPF_MEM | VM_OPF_XRD, /* amoadd.d */
    VM_OPF_MEM | VM_OPF_XRD, /* amoxor.d */
    VM_OPF_MEM | VM_OPF_XRD, /* amoand.d */
    VM_OPF_MEM | VM_OPF_XRD, /* amoor.d */
    VM_OPF_MEM | VM_OPF_XRD, /* amomin.d */
    VM_OPF_MEM | VM_OPF_XRD, /* amomax.d */
    VM_OPF_MEM | VM_OPF_XRD, /* amominu.d */
    VM_OPF_MEM | VM_OPF_XRD, /* amomaxu.d */
    VM_OPF_MEM, /* flw */
    VM_OPF_MEM, /* fsw */
    0, /* fmadd.s */
    0, /* fmsub.s */
    0, /* fnmsub.s */
    0, /* fnmadd.s */
    0, /* fadd.s */
    0, /* fsub.s */
    0, /* fmul.s */
    0, /* fdiv.s */
    0, /* fsqrt.s */
    0, /* fsgnj.s */
    0, /* fsgnjn.s */
    0, /* fsgnjx.s */
    0, /* fmin.s */
    0, /* fmax.s */
    VM_OPF_XRD, /* feq.s */
    VM_OPF_XRD, /* flt.s */
    VM_OPF_XRD, /* fle.s */
    VM_OPF_XRD, /* fclass.s */
    VM_OPF_XRD, /* fcvt.w.s */
    0, /* fcvt.s.w */
    VM_OPF_XRD, /* fcvt.wu.s */
    0, /* fcvt.s.wu */
    VM_OPF_XRD, /* fcvt.l.s */
    0, /* fcvt.s.l */
    VM_OPF_XRD, /* fcvt.lu.s */
    0, /* fcvt.s.lu */
    VM_OPF_MEM, /* fld */
    VM_OPF_MEM, /* fsd */
    0, /* fmadd.d */
    0, /* fmsub.d */
    0, /* fnmsub.d */
    0, /* fnmadd.d */
    0, /* fadd.d */
    0, /* fsub.d */
    0, /* fmul.d */
    0, /* fdiv.d */
    0, /* fsqrt.d */
    0, /* fsgnj.d */
    0, /* fsgnjn.d */
    0, /* fsgnjx.d */
    0, /* fmin.d */
    0, /* fmax.d */
    VM_OPF_XRD, /* feq.d */
    VM_OPF_XRD, /* flt.d */
    VM_OPF_XRD, /* fle.d */
    VM_OPF_XRD, /* fclass.d */
    VM_OPF_XRD, /* fcvt.w.d */
    0, /* fcvt.d.w */
    VM_OPF_XRD, /* fcvt.wu.d */
    0, /* fcvt.d.wu */
    VM_OPF_XRD, /* fcvt.l.d */
    0, /* fcvt.d.l */
    VM_OPF_XRD, /* fcvt.lu.d */
    0, /* fcvt.d.lu */
    VM_OPF_XRD, /* fmv.x.w */
    0, /* fmv.w.x */
    VM_OPF_XRD, /* fmv.x.d */
    0, /* fmv.d.x */
    0, /* fcvt.s.d */
    0, /* fcvt.d.s */
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
    "lr.w",
    "sc.w",
    "amoswap.w",
    "amoadd.w",
    "amoxor.w",
    "amoand.w",
    "amoor.w",
    "amomin.w",
    "amomax.w",
    "amominu.w",
    "amomaxu.w",
    "lr.d",
    "sc.d",
    "amoswap.d",
    "amoadd.d",
    "amoxor.d",
    "amoand.d",
    "amoor.d",
    "amomin.d",
    "amomax.d",
    "amominu.d",
    "amomaxu.d",
    "flw",
    "fsw",
    "fmadd.s",
    "fmsub.s",
    "fnmsub.s",
    "fnmadd.s",
    "fadd.s",
    "fsub.s",
    "fmul.s",
    "fdiv.s",
    "fsqrt.s",
    "fsgnj.s",
    "fsgnjn.s",
    "fsgnjx.s",
    "fmin.s",
    "fmax.s",
    "feq.s",
    "flt.s",
    "fle.s",
    "fclass.s",
    "fcvt.w.s",
    "fcvt.s.w",
    "fcvt.wu.s",
    "fcvt.s.wu",
    "fcvt.l.s",
    "fcvt.s.l",
    "fcvt.lu.s",
    "fcvt.s.lu",
    "fld",
    "fsd",
    "fmadd.d",
    "fmsub.d",
    "fnmsub.d",
    "fnmadd.d",
    "fadd.d",
    "fsub.d",
    "fmul.d",
    "fdiv.d",
    "fsqrt.d",
    "fsgnj.d",
    "fsgnjn.d",
    "fsgnjx.d",
    "fmin.d",
    "fmax.d",
    "feq.d",
    "flt.d",
    "fle.d",
    "fclass.d",
    "fcvt.w.d",
    "fcvt.d.w",
    "fcvt.wu.d",
    "fcvt.d.wu",
    "fcvt.l.d",
    "fcvt.d.l",
    "fcvt.lu.d",
    "fcvt.d.lu",
    "fmv.x.w",
    "fmv.w.x",
    "fmv.x.d",
    "fmv.d.x",
    "fcvt.s.d",
    "fcvt.d.s",
};

/* The entry matching a 32-bit word, or VM_OP_INVALID. */
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
    case 0x07:
        if ((w & 0x0000707fu) == 0x00002007u) return VM_OP_FLW;
        if ((w & 0x0000707fu) == 0x00003007u) return VM_OP_FLD;
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
    case 0x27:
        if ((w & 0x0000707fu) == 0x00002027u) return VM_OP_FSW;
        if ((w & 0x0000707fu) == 0x00003027u) return VM_OP_FSD;
        return VM_OP_INVALID;
    case 0x2f:
        if ((w & 0xf9f0707fu) == 0x1000202fu) return VM_OP_LR_W;
        if ((w & 0xf800707fu) == 0x1800202fu) return VM_OP_SC_W;
        if ((w & 0xf800707fu) == 0x0800202fu) return VM_OP_AMOSWAP_W;
        if ((w & 0xf800707fu) == 0x0000202fu) return VM_OP_AMOADD_W;
        if ((w & 0xf800707fu) == 0x2000202fu) return VM_OP_AMOXOR_W;
        if ((w & 0xf800707fu) == 0x6000202fu) return VM_OP_AMOAND_W;
        if ((w & 0xf800707fu) == 0x4000202fu) return VM_OP_AMOOR_W;
        if ((w & 0xf800707fu) == 0x8000202fu) return VM_OP_AMOMIN_W;
        if ((w & 0xf800707fu) == 0xa000202fu) return VM_OP_AMOMAX_W;
        if ((w & 0xf800707fu) == 0xc000202fu) return VM_OP_AMOMINU_W;
        if ((w & 0xf800707fu) == 0xe000202fu) return VM_OP_AMOMAXU_W;
        if ((w & 0xf9f0707fu) == 0x1000302fu) return VM_OP_LR_D;
        if ((w & 0xf800707fu) == 0x1800302fu) return VM_OP_SC_D;
        if ((w & 0xf800707fu) == 0x0800302fu) return VM_OP_AMOSWAP_D;
        if ((w & 0xf800707fu) == 0x0000302fu) return VM_OP_AMOADD_D;
        if ((w & 0xf800707fu) == 0x2000302fu) return VM_OP_AMOXOR_D;
        if ((w & 0xf800707fu) == 0x6000302fu) return VM_OP_AMOAND_D;
        if ((w & 0xf800707fu) == 0x4000302fu) return VM_OP_AMOOR_D;
        if ((w & 0xf800707fu) == 0x8000302fu) return VM_OP_AMOMIN_D;
        if ((w & 0xf800707fu) == 0xa000302fu) return VM_OP_AMOMAX_D;
        if ((w & 0xf800707fu) == 0xc000302fu) return VM_OP_AMOMINU_D;
        if ((w & 0xf800707fu) == 0xe000302fu) return VM_OP_AMOMAXU_D;
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
    case 0x43:
        if ((w & 0x0600007fu) == 0x00000043u) return VM_OP_FMADD_S;
        if ((w & 0x0600007fu) == 0x02000043u) return VM_OP_FMADD_D;
        return VM_OP_INVALID;
    case 0x47:
        if ((w & 0x0600007fu) == 0x00000047u) return VM_OP_FMSUB_S;
        if ((w & 0x0600007fu) == 0x02000047u) return VM_OP_FMSUB_D;
        return VM_OP_INVALID;
    case 0x4b:
        if ((w & 0x0600007fu) == 0x0000004bu) return VM_OP_FNMSUB_S;
        if ((w & 0x0600007fu) == 0x0200004bu) return VM_OP_FNMSUB_D;
        return VM_OP_INVALID;
    case 0x4f:
        if ((w & 0x0600007fu) == 0x0000004fu) return VM_OP_FNMADD_S;
        if ((w & 0x0600007fu) == 0x0200004fu) return VM_OP_FNMADD_D;
        return VM_OP_INVALID;
    case 0x53:
        if ((w & 0xfe00007fu) == 0x00000053u) return VM_OP_FADD_S;
        if ((w & 0xfe00007fu) == 0x08000053u) return VM_OP_FSUB_S;
        if ((w & 0xfe00007fu) == 0x10000053u) return VM_OP_FMUL_S;
        if ((w & 0xfe00007fu) == 0x18000053u) return VM_OP_FDIV_S;
        if ((w & 0xfff0007fu) == 0x58000053u) return VM_OP_FSQRT_S;
        if ((w & 0xfe00707fu) == 0x20000053u) return VM_OP_FSGNJ_S;
        if ((w & 0xfe00707fu) == 0x20001053u) return VM_OP_FSGNJN_S;
        if ((w & 0xfe00707fu) == 0x20002053u) return VM_OP_FSGNJX_S;
        if ((w & 0xfe00707fu) == 0x28000053u) return VM_OP_FMIN_S;
        if ((w & 0xfe00707fu) == 0x28001053u) return VM_OP_FMAX_S;
        if ((w & 0xfe00707fu) == 0xa0002053u) return VM_OP_FEQ_S;
        if ((w & 0xfe00707fu) == 0xa0001053u) return VM_OP_FLT_S;
        if ((w & 0xfe00707fu) == 0xa0000053u) return VM_OP_FLE_S;
        if ((w & 0xfff0707fu) == 0xe0001053u) return VM_OP_FCLASS_S;
        if ((w & 0xfff0007fu) == 0xc0000053u) return VM_OP_FCVT_W_S;
        if ((w & 0xfff0007fu) == 0xd0000053u) return VM_OP_FCVT_S_W;
        if ((w & 0xfff0007fu) == 0xc0100053u) return VM_OP_FCVT_WU_S;
        if ((w & 0xfff0007fu) == 0xd0100053u) return VM_OP_FCVT_S_WU;
        if ((w & 0xfff0007fu) == 0xc0200053u) return VM_OP_FCVT_L_S;
        if ((w & 0xfff0007fu) == 0xd0200053u) return VM_OP_FCVT_S_L;
        if ((w & 0xfff0007fu) == 0xc0300053u) return VM_OP_FCVT_LU_S;
        if ((w & 0xfff0007fu) == 0xd0300053u) return VM_OP_FCVT_S_LU;
        if ((w & 0xfe00007fu) == 0x02000053u) return VM_OP_FADD_D;
        if ((w & 0xfe00007fu) == 0x0a000053u) return VM_OP_FSUB_D;
        if ((w & 0xfe00007fu) == 0x12000053u) return VM_OP_FMUL_D;
        if ((w & 0xfe00007fu) == 0x1a000053u) return VM_OP_FDIV_D;
        if ((w & 0xfff0007fu) == 0x5a000053u) return VM_OP_FSQRT_D;
        if ((w & 0xfe00707fu) == 0x22000053u) return VM_OP_FSGNJ_D;
        if ((w & 0xfe00707fu) == 0x22001053u) return VM_OP_FSGNJN_D;
        if ((w & 0xfe00707fu) == 0x22002053u) return VM_OP_FSGNJX_D;
        if ((w & 0xfe00707fu) == 0x2a000053u) return VM_OP_FMIN_D;
        if ((w & 0xfe00707fu) == 0x2a001053u) return VM_OP_FMAX_D;
        if ((w & 0xfe00707fu) == 0xa2002053u) return VM_OP_FEQ_D;
        if ((w & 0xfe00707fu) == 0xa2001053u) return VM_OP_FLT_D;
        if ((w & 0xfe00707fu) == 0xa2000053u) return VM_OP_FLE_D;
        if ((w & 0xfff0707fu) == 0xe2001053u) return VM_OP_FCLASS_D;
        if ((w & 0xfff0007fu) == 0xc2000053u) return VM_OP_FCVT_W_D;
        if ((w & 0xfff0007fu) == 0xd2000053u) return VM_OP_FCVT_D_W;
        if ((w & 0xfff0007fu) == 0xc2100053u) return VM_OP_FCVT_WU_D;
        if ((w & 0xfff0007fu) == 0xd2100053u) return VM_OP_FCVT_D_WU;
        if ((w & 0xfff0007fu) == 0xc2200053u) return VM_OP_FCVT_L_D;
        if ((w & 0xfff0007fu) == 0xd2200053u) return VM_OP_FCVT_D_L;
        if ((w & 0xfff0007fu) == 0xc2300053u) return VM_OP_FCVT_LU_D;
        if ((w & 0xfff0007fu) == 0xd2300053u) return VM_OP_FCVT_D_LU;
        if ((w & 0xfff0707fu) == 0xe0000053u) return VM_OP_FMV_X_W;
        if ((w & 0xfff0707fu) == 0xf0000053u) return VM_OP_FMV_W_X;
        if ((w & 0xfff0707fu) == 0xe2000053u) return VM_OP_FMV_X_D;
        if ((w & 0xfff0707fu) == 0xf2000053u) return VM_OP_FMV_D_X;
        if ((w & 0xfff0007fu) == 0x40100053u) return VM_OP_FCVT_S_D;
        if ((w & 0xfff0007fu) == 0x42000053u) return VM_OP_FCVT_D_S;
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

/* The compressed entry matching a 16-bit word, or VM_C_INVALID. */
static inline int vm_decode_op16(uint32_t w)
{
    switch (w & 0x3) {
    case 0x00:
        if ((w & 0x0000e003u) == 0x00000000u && ((int64_t)(((uint64_t)((w >> 11) & 0x3u) << 4) | ((uint64_t)((w >> 7) & 0xfu) << 6) | ((uint64_t)((w >> 6) & 0x1u) << 2) | ((uint64_t)((w >> 5) & 0x1u) << 3))) != 0) return VM_C_ADDI4SPN;
        if ((w & 0x0000e003u) == 0x00002000u) return VM_C_FLD;
        if ((w & 0x0000e003u) == 0x00004000u) return VM_C_LW;
        if ((w & 0x0000e003u) == 0x00006000u) return VM_C_LD;
        if ((w & 0x0000e003u) == 0x0000a000u) return VM_C_FSD;
        if ((w & 0x0000e003u) == 0x0000c000u) return VM_C_SW;
        if ((w & 0x0000e003u) == 0x0000e000u) return VM_C_SD;
        return VM_C_INVALID;
    case 0x01:
        if ((w & 0x0000ffffu) == 0x00000001u) return VM_C_NOP;
        if ((w & 0x0000e003u) == 0x00000001u) return VM_C_ADDI;
        if ((w & 0x0000e003u) == 0x00002001u && (((w >> 7) & 0x1fu)) != 0) return VM_C_ADDIW;
        if ((w & 0x0000e003u) == 0x00004001u) return VM_C_LI;
        if ((w & 0x0000ef83u) == 0x00006101u && (vm_sext(((uint64_t)((w >> 12) & 0x1u) << 9) | ((uint64_t)((w >> 6) & 0x1u) << 4) | ((uint64_t)((w >> 5) & 0x1u) << 6) | ((uint64_t)((w >> 3) & 0x3u) << 7) | ((uint64_t)((w >> 2) & 0x1u) << 5), 10)) != 0) return VM_C_ADDI16SP;
        if ((w & 0x0000e003u) == 0x00006001u && (vm_sext(((uint64_t)((w >> 12) & 0x1u) << 17) | ((uint64_t)((w >> 2) & 0x1fu) << 12), 18)) != 0) return VM_C_LUI;
        if ((w & 0x0000ec03u) == 0x00008001u) return VM_C_SRLI;
        if ((w & 0x0000ec03u) == 0x00008401u) return VM_C_SRAI;
        if ((w & 0x0000ec03u) == 0x00008801u) return VM_C_ANDI;
        if ((w & 0x0000fc63u) == 0x00008c01u) return VM_C_SUB;
        if ((w & 0x0000fc63u) == 0x00008c21u) return VM_C_XOR;
        if ((w & 0x0000fc63u) == 0x00008c41u) return VM_C_OR;
        if ((w & 0x0000fc63u) == 0x00008c61u) return VM_C_AND;
        if ((w & 0x0000fc63u) == 0x00009c01u) return VM_C_SUBW;
        if ((w & 0x0000fc63u) == 0x00009c21u) return VM_C_ADDW;
        if ((w & 0x0000e003u) == 0x0000a001u) return VM_C_J;
        if ((w & 0x0000e003u) == 0x0000c001u) return VM_C_BEQZ;
        if ((w & 0x0000e003u) == 0x0000e001u) return VM_C_BNEZ;
        return VM_C_INVALID;
    case 0x02:
        if ((w & 0x0000e003u) == 0x00000002u) return VM_C_SLLI;
        if ((w & 0x0000e003u) == 0x00002002u) return VM_C_FLDSP;
        if ((w & 0x0000e003u) == 0x00004002u && (((w >> 7) & 0x1fu)) != 0) return VM_C_LWSP;
        if ((w & 0x0000e003u) == 0x00006002u && (((w >> 7) & 0x1fu)) != 0) return VM_C_LDSP;
        if ((w & 0x0000f07fu) == 0x00008002u && (((w >> 7) & 0x1fu)) != 0) return VM_C_JR;
        if ((w & 0x0000f003u) == 0x00008002u && (((w >> 2) & 0x1fu)) != 0) return VM_C_MV;
        if ((w & 0x0000ffffu) == 0x00009002u) return VM_C_EBREAK;
        if ((w & 0x0000f07fu) == 0x00009002u && (((w >> 7) & 0x1fu)) != 0) return VM_C_JALR;
        if ((w & 0x0000f003u) == 0x00009002u && (((w >> 2) & 0x1fu)) != 0) return VM_C_ADD;
        if ((w & 0x0000e003u) == 0x0000a002u) return VM_C_FSDSP;
        if ((w & 0x0000e003u) == 0x0000c002u) return VM_C_SWSP;
        if ((w & 0x0000e003u) == 0x0000e002u) return VM_C_SDSP;
        return VM_C_INVALID;
    default:
        return VM_C_INVALID;
    }
}

/* Operand fields of entry `op` from word `w`, as the table places them. */
static inline void vm_decode_fields(int op, uint32_t w, vm_ir *ir)
{
    switch (op) {
    case VM_OP_LUI:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 12) & 0xfffffu) << 12), 32));
        break;
    case VM_OP_AUIPC:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 12) & 0xfffffu) << 12), 32));
        break;
    case VM_OP_JAL:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 31) & 0x1u) << 20) | ((uint64_t)((w >> 12) & 0xffu) << 12) | ((uint64_t)((w >> 20) & 0x1u) << 11) | ((uint64_t)((w >> 21) & 0x3ffu) << 1), 21));
        break;
    case VM_OP_JALR:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_BEQ:
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 31) & 0x1u) << 12) | ((uint64_t)((w >> 7) & 0x1u) << 11) | ((uint64_t)((w >> 25) & 0x3fu) << 5) | ((uint64_t)((w >> 8) & 0xfu) << 1), 13));
        break;
    case VM_OP_BNE:
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 31) & 0x1u) << 12) | ((uint64_t)((w >> 7) & 0x1u) << 11) | ((uint64_t)((w >> 25) & 0x3fu) << 5) | ((uint64_t)((w >> 8) & 0xfu) << 1), 13));
        break;
    case VM_OP_BLT:
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 31) & 0x1u) << 12) | ((uint64_t)((w >> 7) & 0x1u) << 11) | ((uint64_t)((w >> 25) & 0x3fu) << 5) | ((uint64_t)((w >> 8) & 0xfu) << 1), 13));
        break;
    case VM_OP_BGE:
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 31) & 0x1u) << 12) | ((uint64_t)((w >> 7) & 0x1u) << 11) | ((uint64_t)((w >> 25) & 0x3fu) << 5) | ((uint64_t)((w >> 8) & 0xfu) << 1), 13));
        break;
    case VM_OP_BLTU:
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 31) & 0x1u) << 12) | ((uint64_t)((w >> 7) & 0x1u) << 11) | ((uint64_t)((w >> 25) & 0x3fu) << 5) | ((uint64_t)((w >> 8) & 0xfu) << 1), 13));
        break;
    case VM_OP_BGEU:
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 31) & 0x1u) << 12) | ((uint64_t)((w >> 7) & 0x1u) << 11) | ((uint64_t)((w >> 25) & 0x3fu) << 5) | ((uint64_t)((w >> 8) & 0xfu) << 1), 13));
        break;
    case VM_OP_LB:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_LH:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_LW:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_LD:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_LBU:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_LHU:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_LWU:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_SB:
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 25) & 0x7fu) << 5) | ((uint64_t)((w >> 7) & 0x1fu) << 0), 12));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_SH:
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 25) & 0x7fu) << 5) | ((uint64_t)((w >> 7) & 0x1fu) << 0), 12));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_SW:
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 25) & 0x7fu) << 5) | ((uint64_t)((w >> 7) & 0x1fu) << 0), 12));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_SD:
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 25) & 0x7fu) << 5) | ((uint64_t)((w >> 7) & 0x1fu) << 0), 12));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_ADDI:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12));
        break;
    case VM_OP_SLTI:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12));
        break;
    case VM_OP_SLTIU:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12));
        break;
    case VM_OP_XORI:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12));
        break;
    case VM_OP_ORI:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12));
        break;
    case VM_OP_ANDI:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12));
        break;
    case VM_OP_SLLI:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->imm = ((int64_t)(((uint64_t)((w >> 20) & 0x3fu) << 0)));
        break;
    case VM_OP_SRLI:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->imm = ((int64_t)(((uint64_t)((w >> 20) & 0x3fu) << 0)));
        break;
    case VM_OP_SRAI:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->imm = ((int64_t)(((uint64_t)((w >> 20) & 0x3fu) << 0)));
        break;
    case VM_OP_ADD:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_SUB:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_SLL:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_SLT:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_SLTU:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_XOR:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_SRL:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_SRA:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_OR:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_AND:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_ADDIW:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12));
        break;
    case VM_OP_SLLIW:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->imm = ((int64_t)(((uint64_t)((w >> 20) & 0x1fu) << 0)));
        break;
    case VM_OP_SRLIW:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->imm = ((int64_t)(((uint64_t)((w >> 20) & 0x1fu) << 0)));
        break;
    case VM_OP_SRAIW:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->imm = ((int64_t)(((uint64_t)((w >> 20) & 0x1fu) << 0)));
        break;
    case VM_OP_ADDW:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_SUBW:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_SLLW:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_SRLW:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_SRAW:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_FENCE:
        ir->imm = ((int64_t)(((uint64_t)((w >> 24) & 0xfu) << 0)));
        ir->aux = (uint16_t)((int64_t)(((uint64_t)((w >> 20) & 0xfu) << 0)));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 28) & 0xfu) << 0)));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        break;
    case VM_OP_ECALL:
        break;
    case VM_OP_EBREAK:
        break;
    case VM_OP_FENCE_I:
        ir->imm = (vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        break;
    case VM_OP_MUL:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_MULH:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_MULHSU:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_MULHU:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_DIV:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_DIVU:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_REM:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_REMU:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_MULW:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_DIVW:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_DIVUW:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_REMW:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_REMUW:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_CSRRW:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->aux = (uint16_t)((int64_t)(((uint64_t)((w >> 20) & 0xfffu) << 0)));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_CSRRS:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->aux = (uint16_t)((int64_t)(((uint64_t)((w >> 20) & 0xfffu) << 0)));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_CSRRC:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->aux = (uint16_t)((int64_t)(((uint64_t)((w >> 20) & 0xfffu) << 0)));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_CSRRWI:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->aux = (uint16_t)((int64_t)(((uint64_t)((w >> 20) & 0xfffu) << 0)));
        ir->imm = ((int64_t)(((uint64_t)((w >> 15) & 0x1fu) << 0)));
        break;
    case VM_OP_CSRRSI:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->aux = (uint16_t)((int64_t)(((uint64_t)((w >> 20) & 0xfffu) << 0)));
        ir->imm = ((int64_t)(((uint64_t)((w >> 15) & 0x1fu) << 0)));
        break;
    case VM_OP_CSRRCI:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->aux = (uint16_t)((int64_t)(((uint64_t)((w >> 20) & 0xfffu) << 0)));
        ir->imm = ((int64_t)(((uint64_t)((w >> 15) & 0x1fu) << 0)));
        break;
    case VM_OP_LR_W:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 25) & 0x3u) << 0)));
        break;
    case VM_OP_SC_W:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 25) & 0x3u) << 0)));
        break;
    case VM_OP_AMOSWAP_W:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 25) & 0x3u) << 0)));
        break;
    case VM_OP_AMOADD_W:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 25) & 0x3u) << 0)));
        break;
    case VM_OP_AMOXOR_W:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 25) & 0x3u) << 0)));
        break;
    case VM_OP_AMOAND_W:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 25) & 0x3u) << 0)));
        break;
    case VM_OP_AMOOR_W:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 25) & 0x3u) << 0)));
        break;
    case VM_OP_AMOMIN_W:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 25) & 0x3u) << 0)));
        break;
    case VM_OP_AMOMAX_W:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 25) & 0x3u) << 0)));
        break;
    case VM_OP_AMOMINU_W:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 25) & 0x3u) << 0)));
        break;
    case VM_OP_AMOMAXU_W:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 25) & 0x3u) << 0)));
        break;
    case VM_OP_LR_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 25) & 0x3u) << 0)));
        break;
    case VM_OP_SC_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 25) & 0x3u) << 0)));
        break;
    case VM_OP_AMOSWAP_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 25) & 0x3u) << 0)));
        break;
    case VM_OP_AMOADD_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 25) & 0x3u) << 0)));
        break;
    case VM_OP_AMOXOR_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 25) & 0x3u) << 0)));
        break;
    case VM_OP_AMOAND_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 25) & 0x3u) << 0)));
        break;
    case VM_OP_AMOOR_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 25) & 0x3u) << 0)));
        break;
    case VM_OP_AMOMIN_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 25) & 0x3u) << 0)));
        break;
    case VM_OP_AMOMAX_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 25) & 0x3u) << 0)));
        break;
    case VM_OP_AMOMINU_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 25) & 0x3u) << 0)));
        break;
    case VM_OP_AMOMAXU_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 25) & 0x3u) << 0)));
        break;
    case VM_OP_FLW:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_FSW:
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 25) & 0x7fu) << 5) | ((uint64_t)((w >> 7) & 0x1fu) << 0), 12));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_FMADD_S:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs3 = (uint8_t)(((w >> 27) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FMSUB_S:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs3 = (uint8_t)(((w >> 27) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FNMSUB_S:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs3 = (uint8_t)(((w >> 27) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FNMADD_S:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs3 = (uint8_t)(((w >> 27) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FADD_S:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FSUB_S:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FMUL_S:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FDIV_S:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FSQRT_S:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FSGNJ_S:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_FSGNJN_S:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_FSGNJX_S:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_FMIN_S:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_FMAX_S:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_FEQ_S:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_FLT_S:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_FLE_S:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_FCLASS_S:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_FCVT_W_S:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FCVT_S_W:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FCVT_WU_S:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FCVT_S_WU:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FCVT_L_S:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FCVT_S_L:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FCVT_LU_S:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FCVT_S_LU:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FLD:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 20) & 0xfffu) << 0), 12));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_FSD:
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 25) & 0x7fu) << 5) | ((uint64_t)((w >> 7) & 0x1fu) << 0), 12));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_FMADD_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs3 = (uint8_t)(((w >> 27) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FMSUB_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs3 = (uint8_t)(((w >> 27) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FNMSUB_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs3 = (uint8_t)(((w >> 27) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FNMADD_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rs3 = (uint8_t)(((w >> 27) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FADD_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FSUB_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FMUL_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FDIV_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FSQRT_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FSGNJ_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_FSGNJN_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_FSGNJX_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_FMIN_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_FMAX_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_FEQ_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_FLT_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_FLE_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 20) & 0x1fu));
        break;
    case VM_OP_FCLASS_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_FCVT_W_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FCVT_D_W:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FCVT_WU_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FCVT_D_WU:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FCVT_L_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FCVT_D_L:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FCVT_LU_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FCVT_D_LU:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FMV_X_W:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_FMV_W_X:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_FMV_X_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_FMV_D_X:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        break;
    case VM_OP_FCVT_S_D:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    case VM_OP_FCVT_D_S:
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 15) & 0x1fu));
        ir->rm = (uint8_t)((int64_t)(((uint64_t)((w >> 12) & 0x7u) << 0)));
        break;
    default:
        break;
    }
}

/* Expands compressed entry `c` of word `w` into the IR of its base instruction. */
static inline void vm_decode_compressed(int c, uint32_t w, vm_ir *ir)
{
    switch (c) {
    case VM_C_ADDI4SPN:
        ir->op = VM_OP_ADDI;
        ir->rd = (uint8_t)(((w >> 2) & 0x7u) + 8);
        ir->rs1 = (uint8_t)(2);
        ir->imm = ((int64_t)(((uint64_t)((w >> 11) & 0x3u) << 4) | ((uint64_t)((w >> 7) & 0xfu) << 6) | ((uint64_t)((w >> 6) & 0x1u) << 2) | ((uint64_t)((w >> 5) & 0x1u) << 3)));
        break;
    case VM_C_FLD:
        ir->op = VM_OP_FLD;
        ir->rd = (uint8_t)(((w >> 2) & 0x7u) + 8);
        ir->rs1 = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->imm = ((int64_t)(((uint64_t)((w >> 10) & 0x7u) << 3) | ((uint64_t)((w >> 5) & 0x3u) << 6)));
        break;
    case VM_C_LW:
        ir->op = VM_OP_LW;
        ir->rd = (uint8_t)(((w >> 2) & 0x7u) + 8);
        ir->rs1 = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->imm = ((int64_t)(((uint64_t)((w >> 10) & 0x7u) << 3) | ((uint64_t)((w >> 6) & 0x1u) << 2) | ((uint64_t)((w >> 5) & 0x1u) << 6)));
        break;
    case VM_C_LD:
        ir->op = VM_OP_LD;
        ir->rd = (uint8_t)(((w >> 2) & 0x7u) + 8);
        ir->rs1 = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->imm = ((int64_t)(((uint64_t)((w >> 10) & 0x7u) << 3) | ((uint64_t)((w >> 5) & 0x3u) << 6)));
        break;
    case VM_C_FSD:
        ir->op = VM_OP_FSD;
        ir->rs2 = (uint8_t)(((w >> 2) & 0x7u) + 8);
        ir->rs1 = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->imm = ((int64_t)(((uint64_t)((w >> 10) & 0x7u) << 3) | ((uint64_t)((w >> 5) & 0x3u) << 6)));
        break;
    case VM_C_SW:
        ir->op = VM_OP_SW;
        ir->rs2 = (uint8_t)(((w >> 2) & 0x7u) + 8);
        ir->rs1 = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->imm = ((int64_t)(((uint64_t)((w >> 10) & 0x7u) << 3) | ((uint64_t)((w >> 6) & 0x1u) << 2) | ((uint64_t)((w >> 5) & 0x1u) << 6)));
        break;
    case VM_C_SD:
        ir->op = VM_OP_SD;
        ir->rs2 = (uint8_t)(((w >> 2) & 0x7u) + 8);
        ir->rs1 = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->imm = ((int64_t)(((uint64_t)((w >> 10) & 0x7u) << 3) | ((uint64_t)((w >> 5) & 0x3u) << 6)));
        break;
    case VM_C_NOP:
        ir->op = VM_OP_ADDI;
        ir->rd = (uint8_t)(0);
        ir->rs1 = (uint8_t)(0);
        ir->imm = (0);
        break;
    case VM_C_ADDI:
        ir->op = VM_OP_ADDI;
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 7) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 12) & 0x1u) << 5) | ((uint64_t)((w >> 2) & 0x1fu) << 0), 6));
        break;
    case VM_C_ADDIW:
        ir->op = VM_OP_ADDIW;
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 7) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 12) & 0x1u) << 5) | ((uint64_t)((w >> 2) & 0x1fu) << 0), 6));
        break;
    case VM_C_LI:
        ir->op = VM_OP_ADDI;
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(0);
        ir->imm = (vm_sext(((uint64_t)((w >> 12) & 0x1u) << 5) | ((uint64_t)((w >> 2) & 0x1fu) << 0), 6));
        break;
    case VM_C_ADDI16SP:
        ir->op = VM_OP_ADDI;
        ir->rd = (uint8_t)(2);
        ir->rs1 = (uint8_t)(2);
        ir->imm = (vm_sext(((uint64_t)((w >> 12) & 0x1u) << 9) | ((uint64_t)((w >> 6) & 0x1u) << 4) | ((uint64_t)((w >> 5) & 0x1u) << 6) | ((uint64_t)((w >> 3) & 0x3u) << 7) | ((uint64_t)((w >> 2) & 0x1u) << 5), 10));
        break;
    case VM_C_LUI:
        ir->op = VM_OP_LUI;
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->imm = (vm_sext(((uint64_t)((w >> 12) & 0x1u) << 17) | ((uint64_t)((w >> 2) & 0x1fu) << 12), 18));
        break;
    case VM_C_SRLI:
        ir->op = VM_OP_SRLI;
        ir->rd = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->rs1 = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->imm = ((int64_t)(((uint64_t)((w >> 12) & 0x1u) << 5) | ((uint64_t)((w >> 2) & 0x1fu) << 0)));
        break;
    case VM_C_SRAI:
        ir->op = VM_OP_SRAI;
        ir->rd = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->rs1 = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->imm = ((int64_t)(((uint64_t)((w >> 12) & 0x1u) << 5) | ((uint64_t)((w >> 2) & 0x1fu) << 0)));
        break;
    case VM_C_ANDI:
        ir->op = VM_OP_ANDI;
        ir->rd = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->rs1 = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->imm = (vm_sext(((uint64_t)((w >> 12) & 0x1u) << 5) | ((uint64_t)((w >> 2) & 0x1fu) << 0), 6));
        break;
    case VM_C_SUB:
        ir->op = VM_OP_SUB;
        ir->rd = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->rs1 = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->rs2 = (uint8_t)(((w >> 2) & 0x7u) + 8);
        break;
    case VM_C_XOR:
        ir->op = VM_OP_XOR;
        ir->rd = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->rs1 = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->rs2 = (uint8_t)(((w >> 2) & 0x7u) + 8);
        break;
    case VM_C_OR:
        ir->op = VM_OP_OR;
        ir->rd = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->rs1 = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->rs2 = (uint8_t)(((w >> 2) & 0x7u) + 8);
        break;
    case VM_C_AND:
        ir->op = VM_OP_AND;
        ir->rd = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->rs1 = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->rs2 = (uint8_t)(((w >> 2) & 0x7u) + 8);
        break;
    case VM_C_SUBW:
        ir->op = VM_OP_SUBW;
        ir->rd = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->rs1 = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->rs2 = (uint8_t)(((w >> 2) & 0x7u) + 8);
        break;
    case VM_C_ADDW:
        ir->op = VM_OP_ADDW;
        ir->rd = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->rs1 = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->rs2 = (uint8_t)(((w >> 2) & 0x7u) + 8);
        break;
    case VM_C_J:
        ir->op = VM_OP_JAL;
        ir->rd = (uint8_t)(0);
        ir->imm = (vm_sext(((uint64_t)((w >> 12) & 0x1u) << 11) | ((uint64_t)((w >> 11) & 0x1u) << 4) | ((uint64_t)((w >> 9) & 0x3u) << 8) | ((uint64_t)((w >> 8) & 0x1u) << 10) | ((uint64_t)((w >> 7) & 0x1u) << 6) | ((uint64_t)((w >> 6) & 0x1u) << 7) | ((uint64_t)((w >> 3) & 0x7u) << 1) | ((uint64_t)((w >> 2) & 0x1u) << 5), 12));
        break;
    case VM_C_BEQZ:
        ir->op = VM_OP_BEQ;
        ir->rs1 = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->rs2 = (uint8_t)(0);
        ir->imm = (vm_sext(((uint64_t)((w >> 12) & 0x1u) << 8) | ((uint64_t)((w >> 10) & 0x3u) << 3) | ((uint64_t)((w >> 5) & 0x3u) << 6) | ((uint64_t)((w >> 3) & 0x3u) << 1) | ((uint64_t)((w >> 2) & 0x1u) << 5), 9));
        break;
    case VM_C_BNEZ:
        ir->op = VM_OP_BNE;
        ir->rs1 = (uint8_t)(((w >> 7) & 0x7u) + 8);
        ir->rs2 = (uint8_t)(0);
        ir->imm = (vm_sext(((uint64_t)((w >> 12) & 0x1u) << 8) | ((uint64_t)((w >> 10) & 0x3u) << 3) | ((uint64_t)((w >> 5) & 0x3u) << 6) | ((uint64_t)((w >> 3) & 0x3u) << 1) | ((uint64_t)((w >> 2) & 0x1u) << 5), 9));
        break;
    case VM_C_SLLI:
        ir->op = VM_OP_SLLI;
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 7) & 0x1fu));
        ir->imm = ((int64_t)(((uint64_t)((w >> 12) & 0x1u) << 5) | ((uint64_t)((w >> 2) & 0x1fu) << 0)));
        break;
    case VM_C_FLDSP:
        ir->op = VM_OP_FLD;
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(2);
        ir->imm = ((int64_t)(((uint64_t)((w >> 12) & 0x1u) << 5) | ((uint64_t)((w >> 5) & 0x3u) << 3) | ((uint64_t)((w >> 2) & 0x7u) << 6)));
        break;
    case VM_C_LWSP:
        ir->op = VM_OP_LW;
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(2);
        ir->imm = ((int64_t)(((uint64_t)((w >> 12) & 0x1u) << 5) | ((uint64_t)((w >> 4) & 0x7u) << 2) | ((uint64_t)((w >> 2) & 0x3u) << 6)));
        break;
    case VM_C_LDSP:
        ir->op = VM_OP_LD;
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(2);
        ir->imm = ((int64_t)(((uint64_t)((w >> 12) & 0x1u) << 5) | ((uint64_t)((w >> 5) & 0x3u) << 3) | ((uint64_t)((w >> 2) & 0x7u) << 6)));
        break;
    case VM_C_JR:
        ir->op = VM_OP_JALR;
        ir->rd = (uint8_t)(0);
        ir->rs1 = (uint8_t)(((w >> 7) & 0x1fu));
        ir->imm = (0);
        break;
    case VM_C_MV:
        ir->op = VM_OP_ADD;
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(0);
        ir->rs2 = (uint8_t)(((w >> 2) & 0x1fu));
        break;
    case VM_C_EBREAK:
        ir->op = VM_OP_EBREAK;
        break;
    case VM_C_JALR:
        ir->op = VM_OP_JALR;
        ir->rd = (uint8_t)(1);
        ir->rs1 = (uint8_t)(((w >> 7) & 0x1fu));
        ir->imm = (0);
        break;
    case VM_C_ADD:
        ir->op = VM_OP_ADD;
        ir->rd = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs1 = (uint8_t)(((w >> 7) & 0x1fu));
        ir->rs2 = (uint8_t)(((w >> 2) & 0x1fu));
        break;
    case VM_C_FSDSP:
        ir->op = VM_OP_FSD;
        ir->rs2 = (uint8_t)(((w >> 2) & 0x1fu));
        ir->rs1 = (uint8_t)(2);
        ir->imm = ((int64_t)(((uint64_t)((w >> 10) & 0x7u) << 3) | ((uint64_t)((w >> 7) & 0x7u) << 6)));
        break;
    case VM_C_SWSP:
        ir->op = VM_OP_SW;
        ir->rs2 = (uint8_t)(((w >> 2) & 0x1fu));
        ir->rs1 = (uint8_t)(2);
        ir->imm = ((int64_t)(((uint64_t)((w >> 9) & 0xfu) << 2) | ((uint64_t)((w >> 7) & 0x3u) << 6)));
        break;
    case VM_C_SDSP:
        ir->op = VM_OP_SD;
        ir->rs2 = (uint8_t)(((w >> 2) & 0x1fu));
        ir->rs1 = (uint8_t)(2);
        ir->imm = ((int64_t)(((uint64_t)((w >> 10) & 0x7u) << 3) | ((uint64_t)((w >> 7) & 0x7u) << 6)));
        break;
    default:
        break;
    }
}

#endif
