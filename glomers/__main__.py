"""Entry point: `python3 -m glomers test|challenge|explain ...`."""

import sys

from .main import main

sys.exit(main())
