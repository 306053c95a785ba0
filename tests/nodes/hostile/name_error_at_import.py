#!/usr/bin/env python3
"""Hostile (virtual time): a NameError at import."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
from maelstrom_node import run

HANDLERS = [echo_handler]  # noqa: F821 - the point: a name that does not exist


def serve(node):
    pass


if __name__ == "__main__":
    run(serve)
