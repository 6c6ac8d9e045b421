# Declarations Cython adds to x86.py when it compiles it (setup.py): the
# assembler every emitter goes through, a region's state and its segments as
# extension types (their attributes struct fields: each attribute a region
# sets must be here), and the functions called for every guest instruction as
# C functions (blk a struct; those holding a closure cannot be). x86.py stays
# plain Python (run as it is unbuilt).
cdef class _Asm:
    cdef public list hot, cold, branches, rip_users
    cdef public dict _pending, _same
    cdef public Py_ssize_t _next_ip, keep
    cpdef label(self)
    cpdef bind(self, label, cold=*)
    cpdef here(self, cold=*)
    cpdef emit(self, insn, cold=*, label=*)


cdef class _Block:
    cdef public _Asm a
    cdef public object ir, mem_ops, chain, epilogue, std_epilogue, std, alloc, clean, falloc
    cdef public object fwritten, segs, seg, data, marks, binds, fflags_table, thunk_label
    cdef public object access_thunk_label, links, countdown, first_turn, block_slot, fold
    cdef public object vectorize, pause, viewed, consts, ranges, reached, nan_pending, inner
    cdef public object carried, unit_end, unit_starts, loop_heads, straight_loops, hosts, local
    cdef public Py_ssize_t slots
    cpdef unit_rest(self, i, seg=*)
    cpdef unit_charge(self, seg)
    cpdef _rest(self, i, seg, twice)
    cpdef refund(self, cold=*)
    cpdef src(self, i, bits=*)
    cpdef write_rd(self, rd, src=*)
    cpdef spill(self, alloc=*)
    cpdef reload(self)
    cpdef fsrc(self, i)
    cpdef loop_top(self, target)
    cpdef seg_label(self, target)
    cpdef jump_label(self, target)
    cpdef leaves(self, target)
    cpdef goto(self, target, following=*)
    cpdef exit(self, target, cold=*, linked=*)
    cpdef leave_early(self, done, pc, raw=*, label=*)


cdef class _Local:
    cdef public object region, hosts, ops, events, clean, home, alloc, dirty, fresh
    cdef public Py_ssize_t start, end, n
    cpdef reset(self)
    cpdef read_after(self, r, p)
    cpdef prepare(self, p)
    cpdef written(self, p)
    cpdef to_region(self, cold=*)
    cpdef from_region(self)
    cpdef plan(self)


cdef class _Seg:
    cdef public object pc, ir, first, body, charged, short, entry, top, last, hammock, twice
    cdef public object end_pc, targets, expect
    cdef public Py_ssize_t k, skip


cpdef _emit_folded(_Block blk, name, e, i, insn_pc)
cpdef _known_after(_Block blk, name, e, value)
cpdef _fold(_Block blk, name, e)
cpdef _fast_access(_Block blk, e, size, need, access)
cpdef _call_access(_Block blk, e, i, insn_pc, size, kind, value=*)
cpdef _load(_Block blk, dst, i)
cpdef _store(_Block blk, rd, host)
cpdef _dest(_Block blk, rd, avoid=*)
cpdef _set_const(_Block blk, rd, value, scratch=*)
cpdef _emit_insns(_Block blk, _Seg seg, following)
cpdef _moves(to, frm, clean=*)
cpdef _carry(_Block blk, pc, consts, ranges)
cpdef _move(_Block blk, rd, rs)
cpdef _exact_range(_Block blk, name, rs1, rs2, imm=*)
cpdef _within(span, bounds)
cpdef _nan_check(_Block blk, x=*, y=*)
cpdef _scaled_add(_Block blk, seg, j)
cpdef _zero_extension(_Block blk, seg, j)
cpdef _emit_zero_extension(_Block blk, second, rs)
cpdef _op(code, dst, operand)
cpdef _give_back(n, m)
cpdef _charge(n, m)
cpdef _mark(_Block blk, slow)
cpdef _compilable(name, e)
