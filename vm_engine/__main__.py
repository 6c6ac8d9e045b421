"""``python -m vm_engine``: the vm-engine command line (see vm_engine.cli)."""
import sys

from .cli import main

sys.exit(main())
