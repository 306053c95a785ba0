#!/usr/bin/env python3
"""Hostile (virtual time): serve() calls sys.exit(0), so the node never starts."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
from maelstrom_node import run


def serve(node):
    sys.exit(0)


if __name__ == "__main__":
    run(serve)
