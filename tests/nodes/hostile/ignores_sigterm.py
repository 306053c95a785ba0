#!/usr/bin/env python3
"""Hostile: a correct echo node that ignores SIGTERM and SIGINT and, at end of input, does
not exit either: only SIGKILL stops it."""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from echo_with_pid import serve

if __name__ == "__main__":
    import pids
    from maelstrom_node import run
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pids.record(label="ignores_sigterm")
    run(serve)
    while True:
        time.sleep(60)
