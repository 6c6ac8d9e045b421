"""What the host CPU offers the code generator (x86.py), and the code store's
fingerprint of it, read without importing the generator (iced-x86)."""


def _host_flags() -> frozenset:
    """The CPU's feature flags as /proc/cpuinfo lists them (CPUID's, where the
    kernel also saves the registers they need)."""
    try:
        with open("/proc/cpuinfo") as f:
            return frozenset(next((line.split(":", 1)[1].split() for line in f
                                   if line.startswith("flags")), ()))
    except OSError:
        return frozenset()


HOST_FLAGS = _host_flags()
