"""``python -m vm_engine``: the vm-engine command line (see vm_engine.cli)."""
from .cli import console_main

console_main()
