#!/usr/bin/env python3
"""Hostile: says why on stderr and exits with status 3 before reading anything."""
import sys

print("exit3_before_init: giving up before init", file=sys.stderr)
sys.exit(3)
