# loop: a tight counted loop, 5 instructions per iteration.
#
#   for (c = N; c != 0; c--) { s += c; t += s; x ^= c; }
#   a0 = t ^ x
#
# Parameters (substituted by vm_engine.workloads): $N iterations (>= 1).
# Result: a0 = (sum of the running sums) xor (xor of 1..N), modulo 2**64.
start:
    li   t0, $N           # c: counter, N down to 1
    li   a0, 0            # s: running sum of counters
    li   a1, 0            # t: sum of running sums
    li   a2, 0            # x: xor of counters
loop:
    add  a0, a0, t0
    add  a1, a1, a0
    xor  a2, a2, t0
    addi t0, t0, -1
    bnez t0, loop
    xor  a0, a1, a2
    ebreak
