"""Entry point: `python3 -m simulator test|challenge|explain ...`."""

import sys

from .main import main

sys.exit(main())
