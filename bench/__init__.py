"""Performance measurements (`make bench`): figures with medians, never timed tests."""
