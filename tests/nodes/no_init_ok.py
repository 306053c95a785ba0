#!/usr/bin/env python3
"""Broken on purpose: never answers init (raw protocol)."""
import sys

for line in sys.stdin:
    print("got", line.strip()[:80], file=sys.stderr, flush=True)
