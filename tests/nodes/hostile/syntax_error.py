#!/usr/bin/env python3
"""Hostile: does not even compile; it dies before it can answer init."""
def serve(node)
    pass
