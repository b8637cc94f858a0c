"""The birdscan version, recorded in every output and checkpoint."""

__version__ = "0.1.0"
