"""``python -m dlcheck run script.py [args ...]``: the same as the ``dlcheck`` command."""

import sys

from dlcheck.cli import main

if __name__ == "__main__":
    sys.exit(main())
