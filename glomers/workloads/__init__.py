"""Workloads: one module each, with its generator, its client mapping and its checker."""
