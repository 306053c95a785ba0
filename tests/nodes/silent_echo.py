#!/usr/bin/env python3
"""Broken on purpose: takes every echo request and never answers, so each one times out."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import run


def serve(node):
    @node.handler
    def echo(msg):
        return None


if __name__ == "__main__":
    run(serve)
