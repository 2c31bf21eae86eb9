"""torgtui: a keyboard-driven terminal register and marketing back-office."""

__version__ = "0.1.0"
