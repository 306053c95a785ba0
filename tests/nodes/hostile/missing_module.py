#!/usr/bin/env python3
"""Hostile: imports a module that does not exist; it dies before it can answer init."""
import maelstrom_node_that_does_not_exist  # noqa: F401
