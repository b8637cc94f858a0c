"""Training progress displays: a live rich table of epochs, plain lines in logs, or a callback."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from .loop import TrainResult


class Reporter:
    """Shows training progress; this base class shows nothing."""

    def start(self, **info: Any) -> None:
        pass

    def batch(self, step: int, steps: int) -> None:
        pass

    def epoch(self, row: dict[str, Any]) -> None:
        pass

    def close(self) -> None:
        pass

    def finish(self, result: TrainResult) -> None:
        pass


class _CallbackReporter(Reporter):
    def __init__(self, callback: Callable[[dict[str, Any]], None]) -> None:
        self.callback = callback

    def epoch(self, row: dict[str, Any]) -> None:
        self.callback(row)


_COLUMNS = (("epoch", "ep", "{}"), ("train_loss", "loss", "{:.3f}"), ("val_loss", "vloss", "{:.3f}"),
            ("val_accuracy", "acc", "{:.3f}"), ("val_balanced_accuracy", "bacc", "{:.3f}"),
            ("val_roc_auc", "AUC", "{:.3f}"), ("val_auprc", "AUPRC", "{:.3f}"), ("val_f1", "F1", "{:.3f}"),
            ("val_threshold_p90", "t@P90", "{:.3f}"), ("train_clips_per_s", "clip/s", "{:.0f}"), ("epoch_s", "s", "{:.1f}"))


class _RichReporter(Reporter):
    """On a terminal, a live table of epochs (best in green) above a bar of the epoch's
    steps; elsewhere (a log file), one plain line per epoch as it ends."""

    def __init__(self, console: Any = None) -> None:
        from rich.console import Console

        self.console = console or Console(stderr=True)
        self.live: Any = None

    def start(self, **info: Any) -> None:
        clips = info["clips"]
        self.console.print(f"training on {info['device']}: {clips['train']} clips ({info['steps']} steps) per epoch, "
                           f"epochs {info['first']}..{info['epochs']}; validating on {clips['val']} clips", highlight=False)
        self.console.print("t@P90: the threshold reaching 90% precision on validation; *: best epoch", highlight=False)
        if not self.console.is_terminal:
            self.console.print(" ".join(f"{title:>6}" for _, title, _ in _COLUMNS), highlight=False)
            return
        from rich import box
        from rich.console import Group
        from rich.live import Live
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
        from rich.table import Column, Table

        columns = [Column(title, justify="right", no_wrap=True, min_width=6) for _, title, _ in _COLUMNS]
        self.table = Table(*columns, box=box.SIMPLE_HEAD, padding=(0, 1))
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                            console=self.console)
        self.task = self.bar.add_task(f"epoch {info['first']}", total=info["steps"])
        self.live = Live(Group(self.table, self.bar), console=self.console, refresh_per_second=4)
        self.live.start()

    def batch(self, step: int, steps: int) -> None:
        if self.live is not None:
            self.bar.update(self.task, completed=step)

    def epoch(self, row: dict[str, Any]) -> None:
        cells = ["-" if row.get(key) is None else fmt.format(row[key]) for key, _, fmt in _COLUMNS]
        if self.live is None:
            self.console.print(" ".join(f"{c:>6}" for c in cells) + (" *" if row.get("best") else ""), highlight=False)
            return
        self.table.add_row(*cells, style="bold green" if row.get("best") else None)
        self.bar.update(self.task, completed=0, description=f"epoch {row['epoch'] + 1}")

    def close(self) -> None:
        if self.live is not None:
            self.bar.remove_task(self.task)
            self.live.stop()
            self.live = None

    def finish(self, result: TrainResult) -> None:
        self.console.print(f"best epoch {result.best_epoch}: AUPRC {result.best_metrics.get('auprc', float('nan')):.4f}; "
                           f"{result.clips_per_s:.0f} clips/s, {result.epoch_s:.1f} s per epoch; wrote {result.best}")


def reporter(progress: bool | Callable[[dict[str, Any]], None], console: Any) -> Reporter:
    if callable(progress):
        return _CallbackReporter(progress)
    return _RichReporter(console) if progress else Reporter()
