"""Entry point: `python3 -m glomers test|challenge|explain ...`."""

import sys

try:
    from .main import main
except KeyboardInterrupt:      # Ctrl-C while the bench is still loading: nothing to stop
    sys.exit(130)

sys.exit(main())
