"""How training reports its progress: a small protocol the caller fills in.

:func:`birdscan.train.loop.train` calls ``start`` once, ``batch`` after every step, ``epoch``
with each epoch's row of metrics and ``close`` at the end (also after an error). The library
shows nothing itself beyond plain lines (:class:`LineReporter`); the command line passes a
rich live table built from :data:`COLUMNS`.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, TextIO

COLUMNS = (("epoch", "ep", "{}"), ("train_loss", "loss", "{:.3f}"), ("val_loss", "vloss", "{:.3f}"),
           ("val_accuracy", "acc", "{:.3f}"), ("val_balanced_accuracy", "bacc", "{:.3f}"),
           ("val_roc_auc", "AUC", "{:.3f}"), ("val_auprc", "AUPRC", "{:.3f}"), ("val_f1", "F1", "{:.3f}"),
           ("val_threshold_p90", "t@P90", "{:.3f}"), ("val_threshold_noise", "t@noise", "{:.3f}"),
           ("val_freq_median_semitones", "f err", "{:.2f}"), ("val_type_accuracy", "type", "{:.3f}"),
           ("train_clips_per_s", "clip/s", "{:.0f}"), ("epoch_s", "s", "{:.1f}"))
"""The epoch table: (key of the epoch row, column title, format)."""

LEGEND = ("t@P90: the threshold reaching 90% precision on validation; t@noise: the one real-noise validation "
          "windows stay under (with --negatives); f err: median frequency error of validation calls, semitones; "
          "type: thrush/tseep accuracy; *: best epoch")


class Reporter:
    """Receives training progress; this base class ignores it."""

    def start(self, **info: Any) -> None:
        """Before the first epoch.

        Parameters
        ----------
        **info : keywords ``device`` (str), ``clips`` (dict, part -> number of clips), ``first`` and
            ``epochs`` (int, the first and last epoch numbers, 1-based), ``steps`` (int, per epoch)
        """

    def batch(self, step: int, steps: int) -> None:
        """After a training step.

        Parameters
        ----------
        step : int, steps done in the current epoch (1 to ``steps``)
        steps : int, steps per epoch
        """

    def epoch(self, row: dict[str, Any]) -> None:
        """After an epoch.

        Parameters
        ----------
        row : dict, the epoch's metrics (keys of :data:`COLUMNS`) and ``best`` (bool, the best epoch so far)
        """

    def close(self) -> None:
        """After the last epoch, or when training stops with an error."""

    def note(self, text: str) -> None:
        """Before training: something the user should know.

        Parameters
        ----------
        text : str, the note (e.g. an option adjusted to the data)
        """


def cells(row: dict[str, Any]) -> list[str]:
    """An epoch row formatted as the :data:`COLUMNS`.

    Parameters
    ----------
    row : dict, an epoch's metrics, keyed as :data:`COLUMNS`

    Returns
    -------
    list of str, one cell per column; ``-`` where a value is missing or None
    """
    return ["-" if row.get(key) is None else fmt.format(row[key]) for key, _, fmt in COLUMNS]


def start_lines(info: dict[str, Any]) -> list[str]:
    """What is printed before the first epoch.

    Parameters
    ----------
    info : dict, the keywords of :meth:`Reporter.start`

    Returns
    -------
    list of str, a summary line (device, clips, steps, epochs) and the :data:`LEGEND`
    """
    clips = info["clips"]
    return [f"training on {info['device']}: {clips['train']} clips ({info['steps']} steps) per epoch, "
            f"epochs {info['first']}..{info['epochs']}; validating on {clips['val']} clips", LEGEND]


class LineReporter(Reporter):
    """Plain lines on ``stream`` (default: stderr): a header, then one line per epoch as it ends.

    Parameters
    ----------
    stream : text file or None, where to print; None: ``sys.stderr`` at the time of printing
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def _print(self, text: str) -> None:
        print(text, file=self.stream or sys.stderr, flush=True)

    def start(self, **info: Any) -> None:
        """Print the run's header and the column titles.

        Parameters
        ----------
        **info : as for :meth:`Reporter.start`
        """
        for line in start_lines(info):
            self._print(line)
        self._print(" ".join(f"{title:>6}" for _, title, _ in COLUMNS))

    def epoch(self, row: dict[str, Any]) -> None:
        """Print one line for the epoch (``*`` marks a best epoch).

        Parameters
        ----------
        row : dict, as for :meth:`Reporter.epoch`
        """
        self._print(" ".join(f"{c:>6}" for c in cells(row)) + (" *" if row.get("best") else ""))

    def note(self, text: str) -> None:
        """Print ``note: <text>``.

        Parameters
        ----------
        text : str, as for :meth:`Reporter.note`
        """
        self._print(f"note: {text}")


class _CallbackReporter(Reporter):
    def __init__(self, callback: Callable[[dict[str, Any]], None]) -> None:
        self.callback = callback

    def epoch(self, row: dict[str, Any]) -> None:
        self.callback(row)


def reporter(progress: Any) -> Reporter:
    """The reporter for ``train(progress=...)``.

    Parameters
    ----------
    progress : an object with the :class:`Reporter` methods (used as it is), a callable (receives
        each epoch's row), True (prints lines, :class:`LineReporter`) or False/None (reports nothing)

    Returns
    -------
    Reporter (or ``progress`` itself when it has the methods)
    """
    if all(hasattr(progress, m) for m in ("start", "batch", "epoch", "close", "note")):
        return progress
    if callable(progress):
        return _CallbackReporter(progress)
    return LineReporter() if progress else Reporter()
