# sort: fill an array of 64-bit words with xorshift64 values, insertion-sort it
# (unsigned, ascending), then hash it in order with 64-bit FNV-1a over words.
#
#   x = SEED
#   for i in 0 .. N-1: x ^= x << 13; x ^= x >> 7; x ^= x << 17; a[i] = x
#   insertion sort a[0..N-1] (unsigned compare)
#   h = 0xcbf29ce484222325
#   for i in 0 .. N-1: h = (h ^ a[i]) * 0x100000001b3
#   a0 = h                (all arithmetic modulo 2**64)
#
# Parameters: $DATA address of the 8*N-byte array, $N (>= 1), $SEED (!= 0).
start:
    li   s0, $DATA        # a
    li   s1, $N           # N
    slli s2, s1, 3
    add  s2, s0, s2       # &a[N]
    li   t0, $SEED        # x
    mv   t1, s0           # p = &a[0]
fill:
    slli t2, t0, 13
    xor  t0, t0, t2
    srli t2, t0, 7
    xor  t0, t0, t2
    slli t2, t0, 17
    xor  t0, t0, t2
    sd   t0, 0(t1)
    addi t1, t1, 8
    bltu t1, s2, fill

    addi t1, s0, 8        # q = &a[1]
outer:
    bgeu t1, s2, sorted
    ld   t4, 0(t1)        # key = *q
    mv   t5, t1           # hole = q
inner:
    beq  t5, s0, insert   # hole at a[0]
    ld   t6, -8(t5)
    bgeu t4, t6, insert   # key >= hole[-1]: the key goes here
    sd   t6, 0(t5)        # shift hole[-1] up
    addi t5, t5, -8
    j    inner
insert:
    sd   t4, 0(t5)
    addi t1, t1, 8
    j    outer

sorted:
    li   a0, 0xcbf29ce484222325
    li   t2, 0x100000001b3
    mv   t1, s0
hash:
    ld   t4, 0(t1)
    xor  a0, a0, t4
    mul  a0, a0, t2
    addi t1, t1, 8
    bltu t1, s2, hash
    ebreak
