#!/usr/bin/env python3
"""Hostile (virtual time): serve() raises ValueError."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
from maelstrom_node import run


def serve(node):
    raise ValueError("serve refuses to start")


if __name__ == "__main__":
    run(serve)
