"""A discrete-event simulator of a site's day that drives the live routing rule and wait estimate.

Pure Python, no I/O in the loop, seeded and reproducible. See docs/routing.md.
"""
