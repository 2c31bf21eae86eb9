"""Benchmarks of torgtui with their own runner: ``python -m bench [startup] [options]``."""
