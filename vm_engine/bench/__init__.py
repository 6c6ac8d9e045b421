"""The benchmark harness behind ``vm-engine bench``.

Bundled workloads (C sources with prebuilt static riscv64 ELFs, in
``programs/``) or any riscv64 ELF run under vm_engine's engines and, for
comparison, natively, under qemu-riscv64 and under Unicorn; every run's output
is checked against a reference run. From Python:

    >>> from vm_engine.bench import harness, runners, workloads
    >>> progs = workloads.resolve(["sieve 10000 1"], quick=True)
    >>> rs, unavailable = runners.make_runners(["interpreter"], [2], ["native"])
    >>> [res] = harness.run_benchmark(progs, rs, repeat=1)
    >>> res.measurements["interpreter"].ok
    True

Modules: ``workloads`` (what runs), ``runners`` (how: engines, native, qemu,
Unicorn), ``unicorn_linux`` (Linux programs under Unicorn, with vm_engine's
loader and system calls), ``harness`` (warm-up, repeats, checking),
``report`` (table, JSON, chart), ``cli`` (the command line).
"""
