/* Floating point for the F and D extensions on the host's IEEE hardware.
 *
 * Arithmetic (add, sub, mul, div, sqrt, fma, conversions between formats and
 * from integers) runs on the host FPU in the guest's rounding mode; its
 * exception flags accumulate in the host status register and are folded into
 * fcsr.fflags lazily (vm_fp_fold: at CSR access and when the run loop exits).
 * Everything the host does differently from RISC-V (NaN results, min/max,
 * comparisons, classification, float-to-integer conversion with saturation)
 * is done here on bit patterns, setting fflags directly and never touching
 * the host flags.
 *
 * RMM (round to nearest, ties to max magnitude) has no host mode: the host
 * rounds to nearest-even, and rmm_d/rmm_s turn a tie the other way, finding
 * ties exactly from the operation redone in 64-bit-mantissa long double with
 * round-to-odd (which leaves enough bits to round once more without error). */
#ifndef VM_FPU_H
#define VM_FPU_H
#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "vm_cpu.h"

#define FFLAG_NX 0x01u
#define FFLAG_UF 0x02u
#define FFLAG_OF 0x04u
#define FFLAG_DZ 0x08u
#define FFLAG_NV 0x10u

#define CANON_NAN_D 0x7ff8000000000000ull
#define CANON_NAN_S 0x7fc00000u
#define BOX_S 0xffffffff00000000ull

static const int vm_host_rm[5] = {FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD,
                                  FE_TONEAREST /* RMM: ties fixed by rmm_d/rmm_s */};

#if defined(__x86_64__)
#include <immintrin.h>
/* x86-64: the arithmetic is SSE, so the flags are MXCSR's; reading and clearing
 * them directly costs a few cycles where feclearexcept reloads the whole x87
 * environment. (The long double of the RMM fix-ups moves its x87 flags over:
 * x87_flags_to_sse.) DE (a denormal operand) has no RISC-V counterpart. */
static inline void vm_fp_fold(vm_cpu *cpu)
{
    unsigned mxcsr = _mm_getcsr();
    unsigned e = mxcsr & 0x3du;
    if (e) {
        cpu->fcsr |= ((e & 0x01u) ? FFLAG_NV : 0) | ((e & 0x04u) ? FFLAG_DZ : 0)
                     | ((e & 0x08u) ? FFLAG_OF : 0) | ((e & 0x10u) ? FFLAG_UF : 0)
                     | ((e & 0x20u) ? FFLAG_NX : 0);
        _mm_setcsr(mxcsr & ~0x3fu);
    }
}

/* x87 status flags (same bit order as MXCSR's) added to MXCSR, then cleared */
static inline void x87_flags_to_sse(void)
{
    unsigned short sw;
    __asm__ volatile("fnstsw %0" : "=am"(sw));
    if (sw & 0x3fu) {
        _mm_setcsr(_mm_getcsr() | (sw & 0x3fu));
        __asm__ volatile("fnclex");
    }
}
#else
static inline void vm_fp_fold(vm_cpu *cpu)
{
    int e = fetestexcept(FE_ALL_EXCEPT);
    if (e) {
        cpu->fcsr |= ((e & FE_INVALID) ? FFLAG_NV : 0) | ((e & FE_DIVBYZERO) ? FFLAG_DZ : 0)
                     | ((e & FE_OVERFLOW) ? FFLAG_OF : 0) | ((e & FE_UNDERFLOW) ? FFLAG_UF : 0)
                     | ((e & FE_INEXACT) ? FFLAG_NX : 0);
        feclearexcept(FE_ALL_EXCEPT);
    }
}

static inline void x87_flags_to_sse(void) {}
#endif

/* ---- bit views ------------------------------------------------------------ */
static inline uint64_t d2u(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static inline double u2d(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }
static inline uint32_t f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float u2f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

/* a single in a 64-bit register must be NaN-boxed, else it reads as the canonical NaN */
static inline uint32_t unbox_s(uint64_t v) { return (v >> 32) == 0xffffffffu ? (uint32_t)v : CANON_NAN_S; }
static inline uint64_t box_s(uint32_t u) { return BOX_S | u; }

static inline int isnan_d(uint64_t u) { return (u & 0x7fffffffffffffffull) > 0x7ff0000000000000ull; }
static inline int isnan_s(uint32_t u) { return (u & 0x7fffffffu) > 0x7f800000u; }
static inline int issnan_d(uint64_t u) { return isnan_d(u) && !(u & 0x0008000000000000ull); }
static inline int issnan_s(uint32_t u) { return isnan_s(u) && !(u & 0x00400000u); }

/* arithmetic results: any NaN becomes the canonical one */
static inline uint64_t canon_d(double d) { uint64_t u = d2u(d); return isnan_d(u) ? CANON_NAN_D : u; }
static inline uint64_t canon_s(float f) { uint32_t u = f2u(f); return box_s(isnan_s(u) ? CANON_NAN_S : u); }

/* inf * 0 in an FMA is invalid even when the addend is a quiet NaN */
static inline void fma_inf_zero_d(vm_cpu *cpu, uint64_t a, uint64_t b)
{
    uint64_t ma = a & 0x7fffffffffffffffull, mb = b & 0x7fffffffffffffffull;
    if ((ma == 0x7ff0000000000000ull && mb == 0) || (mb == 0x7ff0000000000000ull && ma == 0))
        cpu->fcsr |= FFLAG_NV;
}
static inline void fma_inf_zero_s(vm_cpu *cpu, uint32_t a, uint32_t b)
{
    uint32_t ma = a & 0x7fffffffu, mb = b & 0x7fffffffu;
    if ((ma == 0x7f800000u && mb == 0) || (mb == 0x7f800000u && ma == 0))
        cpu->fcsr |= FFLAG_NV;
}

/* ---- comparisons on bits (no host flags) ----------------------------------- */
/* a < b for non-NaN values, with -0 == +0 */
static inline int lt_bits(uint64_t a, uint64_t b, uint64_t sign)
{
    uint64_t mag = (sign - 1) | sign; /* the value's bits */
    int sa = (a & sign) != 0, sb = (b & sign) != 0;
    if (((a | b) & ~sign & mag) == 0)
        return 0; /* both zero */
    if (sa != sb)
        return sa;
    return sa ? a > b : a < b;
}
static inline int eq_bits(uint64_t a, uint64_t b, uint64_t sign)
{
    return a == b || ((a | b) & ~sign & ((sign - 1) | sign)) == 0;
}

/* fmin/fmax: NaNs lose unless both are; -0 < +0; signalling NaN sets NV */
static inline uint64_t minmax_bits(vm_cpu *cpu, uint64_t a, uint64_t b, int is_max, int dbl)
{
    uint64_t sign = dbl ? 0x8000000000000000ull : 0x80000000ull;
    int na = dbl ? isnan_d(a) : isnan_s((uint32_t)a), nb = dbl ? isnan_d(b) : isnan_s((uint32_t)b);
    if ((dbl ? issnan_d(a) : issnan_s((uint32_t)a)) || (dbl ? issnan_d(b) : issnan_s((uint32_t)b)))
        cpu->fcsr |= FFLAG_NV;
    if (na && nb)
        return dbl ? CANON_NAN_D : CANON_NAN_S;
    if (na)
        return b;
    if (nb)
        return a;
    if (eq_bits(a, b, sign)) /* equal, or +0 and -0: min prefers -0, max +0 */
        return is_max ? ((a & sign) ? b : a) : ((a & sign) ? a : b);
    return lt_bits(a, b, sign) != is_max ? a : b;
}

/* feq (quiet: NV only for signalling NaN), flt/fle (signalling: NV for any NaN) */
static inline uint64_t cmp_bits(vm_cpu *cpu, uint64_t a, uint64_t b, int kind /*0 le 1 lt 2 eq*/, int dbl)
{
    uint64_t sign = dbl ? 0x8000000000000000ull : 0x80000000ull;
    int na = dbl ? isnan_d(a) : isnan_s((uint32_t)a), nb = dbl ? isnan_d(b) : isnan_s((uint32_t)b);
    if (na || nb) {
        if (kind != 2 || (dbl ? issnan_d(a) || issnan_d(b) : issnan_s((uint32_t)a) || issnan_s((uint32_t)b)))
            cpu->fcsr |= FFLAG_NV;
        return 0;
    }
    if (kind == 2)
        return eq_bits(a, b, sign);
    return kind == 1 ? lt_bits(a, b, sign) : (lt_bits(a, b, sign) || eq_bits(a, b, sign));
}

/* fclass: one-hot class of the value */
static inline uint64_t class_bits(uint64_t u, int dbl)
{
    int s = dbl ? (int)(u >> 63) : (int)((u >> 31) & 1);
    uint64_t e = dbl ? (u >> 52) & 0x7ff : (u >> 23) & 0xff;
    uint64_t emax = dbl ? 0x7ff : 0xff;
    uint64_t m = dbl ? u & 0xfffffffffffffull : u & 0x7fffffull;
    uint64_t qbit = dbl ? 1ull << 51 : 1ull << 22;
    if (e == emax) {
        if (m == 0)
            return s ? 1u << 0 : 1u << 7;
        return (m & qbit) ? 1u << 9 : 1u << 8;
    }
    if (e == 0)
        return m == 0 ? (s ? 1u << 3 : 1u << 4) : (s ? 1u << 2 : 1u << 5);
    return s ? 1u << 1 : 1u << 6;
}

/* ---- RMM ------------------------------------------------------------------ */
enum vm_rmm_kind { RMM_ADD, RMM_SUB, RMM_MUL, RMM_DIV, RMM_SQRT, RMM_FMA, RMM_CVT };

/* op(a, b, c) in long double, rounded toward zero and then made round-to-odd
 * (lowest bit set when inexact). The guest's flags and rounding mode are left
 * as they were. */
static inline long double rmm_exact_odd(int kind, long double a, long double b, long double c)
{
    fenv_t env;
    feholdexcept(&env);
    fesetround(FE_TOWARDZERO);
    long double r;
    switch (kind) {
    case RMM_ADD: r = a + b; break;
    case RMM_SUB: r = a - b; break;
    case RMM_MUL: r = a * b; break;
    case RMM_DIV: r = a / b; break;
    case RMM_SQRT: r = sqrtl(a); break;
    case RMM_FMA: r = fmal(a, b, c); break;
    default: r = a; break; /* conversions: the operand itself is exact */
    }
    int inexact = fetestexcept(FE_INEXACT);
    fesetenv(&env);
    if (inexact && isfinite(r)) {
        union { long double v; struct { uint64_t mant; uint16_t sexp; } b; } u = {r};
        u.b.mant |= 1;
        r = u.v;
    }
    return r;
}

/* Whether x (exact or round-to-odd) lies exactly halfway between two values of
 * a format with p-bit significands and minimum normal exponent emin; if so,
 * *away is the one of larger magnitude. */
static inline int rmm_tie(long double x, int p, int emin, long double *away)
{
    if (x == 0 || !isfinite(x))
        return 0;
    int e = ilogbl(x);
    int ulp_exp = (e < emin ? emin : e) - (p - 1);
    long double q = scalbnl(x, -ulp_exp); /* exact: a power-of-two scaling */
    long double t = truncl(q);
    if (fabsl(q - t) != 0.5L)
        return 0;
    *away = scalbnl(t + (q < 0 ? -1.0L : 1.0L), ulp_exp);
    return 1;
}

/* The RMM result, from the host's nearest-even one and the operation's operands. */
__attribute__((noinline, cold)) static double rmm_d(double r_ne, int kind, long double a, long double b,
                                                   long double c)
{
    long double away;
    if (!isfinite(r_ne) || !rmm_tie(rmm_exact_odd(kind, a, b, c), 53, -1022, &away))
        return r_ne;
    double r = (double)away; /* representable (or the same overflow as nearest-even) */
    x87_flags_to_sse();
    return r;
}

__attribute__((noinline, cold)) static float rmm_s(float r_ne, int kind, long double a, long double b,
                                                  long double c)
{
    long double away;
    if (!isfinite(r_ne) || !rmm_tie(rmm_exact_odd(kind, a, b, c), 24, -126, &away))
        return r_ne;
    float r = (float)away;
    x87_flags_to_sse();
    return r;
}

/* ---- float to integer, in integer arithmetic (exact flags, every mode) ------ */
/* Rounds the double with bits u to an integer by rm; returns the magnitude as
 * an unsigned integer and sets *big when it is at least 2^64. */
static inline uint64_t round_mag(uint64_t u, int rm, int *inexact, int *big)
{
    int neg = (int)(u >> 63);
    int e = (int)((u >> 52) & 0x7ff) - 1023;
    uint64_t mant = (u & 0xfffffffffffffull) | (e > -1023 ? 1ull << 52 : 0);
    uint64_t ip, rem, half;
    int shift;
    *big = 0;
    *inexact = 0;
    if (e >= 64) {
        *big = 1;
        return 0;
    }
    if (e >= 52)
        return mant << (e - 52); /* integral */
    if (e < -1) { /* |x| < 0.5 */
        ip = 0;
        rem = mant ? 1 : 0;
        half = 2; /* rem < half */
    } else {
        shift = 52 - e; /* 1..53 */
        ip = shift >= 64 ? 0 : mant >> shift;
        rem = mant & ((1ull << shift) - 1);
        half = 1ull << (shift - 1);
    }
    if (rem == 0)
        return ip;
    *inexact = 1;
    int up;
    switch (rm) {
    case 0: up = rem > half || (rem == half && (ip & 1)); break; /* RNE */
    case 1: up = 0; break;                                        /* RTZ */
    case 2: up = neg; break;                                      /* RDN */
    case 3: up = !neg; break;                                     /* RUP */
    default: up = rem >= half; break;                             /* RMM */
    }
    return ip + (uint64_t)up;
}

/* fcvt.{w,wu,l,lu}.{s,d}: saturating, NaN gives the largest value, NV on overflow */
static inline uint64_t fp_to_int(vm_cpu *cpu, uint64_t u, int rm, int bits, int is_unsigned)
{
    if (isnan_d(u)) {
        cpu->fcsr |= FFLAG_NV;
        return is_unsigned ? ~0ull : (bits == 32 ? 0x7fffffffull : 0x7fffffffffffffffull);
    }
    int inexact, big, neg = (int)(u >> 63);
    uint64_t mag = round_mag(u, rm, &inexact, &big);
    uint64_t limit_pos = is_unsigned ? (bits == 32 ? 0xffffffffull : ~0ull)
                                     : (bits == 32 ? 0x7fffffffull : 0x7fffffffffffffffull);
    uint64_t limit_neg = is_unsigned ? 0 : (bits == 32 ? 0x80000000ull : 0x8000000000000000ull);
    if (big || (!neg && mag > limit_pos) || (neg && mag > limit_neg)) {
        cpu->fcsr |= FFLAG_NV;
        uint64_t v = neg ? (is_unsigned ? 0 : (uint64_t)-(int64_t)limit_neg) : limit_pos;
        return bits == 32 ? (uint64_t)(int64_t)(int32_t)v : v;
    }
    if (inexact)
        cpu->fcsr |= FFLAG_NX;
    uint64_t v = neg ? (uint64_t)-(int64_t)mag : mag;
    return bits == 32 ? (uint64_t)(int64_t)(int32_t)v : v;
}

#endif
