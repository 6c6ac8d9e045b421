"""Linux user mode: run riscv64 Linux programs (static or dynamically linked
ELF files) on the engine, their system calls served by the host, like
qemu-riscv64.

    from vm_engine.linux import Machine
    out = bytearray()
    m = Machine.load_elf("hello", argv=["hello"], stdout=out)
    result = m.run()
    result.status, result.exit_code, bytes(out)
"""
from .elf import ElfError, read_elf, read_stack
from .machine import Machine
from .syscalls import SYSCALL_NAMES, Kernel, LinuxError

__all__ = ["ElfError", "Kernel", "LinuxError", "Machine", "SYSCALL_NAMES", "read_elf",
           "read_stack"]
