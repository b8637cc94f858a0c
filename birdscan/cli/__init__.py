"""Command line: thin click wrappers over the library, rich progress, nothing else.

One module per command group, each command a few lines over one library call:
``scan`` (run, merge), ``review`` (evaluate, plot, clips), ``training`` (train,
evaluate-clips, synth); ``common`` holds the ``birdscan`` group and the error mapping
every command shares, ``progress`` the progress reports. Only this package imports
click and rich.
"""

from __future__ import annotations

from .common import EXIT_CODES, in_cli_words, main
from .review import clips, evaluate, plot
from .scan import merge, run
from .training import evaluate_clips, synth, train

__all__ = ["main", "in_cli_words", "EXIT_CODES", "run", "merge", "evaluate", "plot", "clips", "train", "evaluate_clips",
           "synth"]
