"""Offline test bench for Maelstrom nodes: `python3 -m glomers`.

Reproduces `maelstrom test` (network, partitions, services, clients, checkers) with the
standard library only, and explains every failure with the ops, nodes and times involved.
"""
