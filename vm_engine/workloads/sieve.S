# sieve: sieve of Eratosthenes over a byte array in guest memory.
#
# flags[i] == 0 means "not yet crossed out" (the array starts zero-filled).
#   count = 0
#   for i in 2 .. N-1:
#       if flags[i] == 0:
#           count += 1
#           for j in i*i, i*i+i, ... < N: flags[j] = 1
#   a0 = count            (the number of primes below N)
#
# Parameters: $DATA address of the N-byte array, $N (>= 2).
start:
    li   s0, $DATA        # flags
    li   s1, $N           # N
    add  s3, s0, s1       # &flags[N]
    li   s2, 1            # the byte stored to cross out
    li   a0, 0            # count
    li   t0, 2            # i
outer:
    bgeu t0, s1, done
    add  t1, s0, t0
    lbu  t2, 0(t1)
    bnez t2, next
    addi a0, a0, 1        # i is prime
    mul  t3, t0, t0       # j = i*i
    bgeu t3, s1, next
    add  t4, s0, t3       # &flags[j]
cross:
    sb   s2, 0(t4)
    add  t4, t4, t0
    bltu t4, s3, cross
next:
    addi t0, t0, 1
    j    outer
done:
    ebreak
