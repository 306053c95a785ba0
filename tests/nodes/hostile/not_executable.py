#!/usr/bin/env python3
"""Hostile: a good script without the run bit."""
