"""birdscan: find bird flight calls in long field recordings."""

from __future__ import annotations

__version__ = "0.1.0"
