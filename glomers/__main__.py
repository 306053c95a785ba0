"""Entry point: `python3 -m glomers test|challenge|explain ...`."""

import atexit
import os
import sys

try:
    from .main import main
except KeyboardInterrupt:      # Ctrl-C while the bench is still loading: nothing to stop
    sys.exit(130)


def _exit(status):
    """End the process with `status`, without the interpreter's teardown: by now every file
    the bench wrote is closed and its children reaped, and what is left is freeing a run's
    objects one by one (about 0.1 s after a 3e run), which no one needs. The console is
    flushed and the exit handlers run first; if the console cannot be flushed (its reader
    went away) the interpreter's own exit deals with it, as it always did."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(status)
    if type(status) is not int or not 0 <= status <= 255:
        sys.exit(status)
    atexit._run_exitfuncs()
    os._exit(status)


_exit(main())
