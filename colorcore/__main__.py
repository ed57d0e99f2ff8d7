"""``python -m colorcore``: the same as the ``colorcore`` command."""

import sys

from colorcore.cli import main

sys.exit(main())
