"""Checkers: pure functions from a history (a list of op dicts) to a result map."""
