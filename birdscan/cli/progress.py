"""Progress reports: a rich bar or table on a terminal, plain lines in a log (scanning and training)."""

from __future__ import annotations

import time

import click


class RichProgress:
    """Progress over files and audio hours with x-real-time and ETA (rich), the hooks of
    :class:`birdscan.detect.run.NullProgress`; failed and partial recordings are printed as they finish.

    Parameters
    ----------
    quiet : bool, show no bar (failures are still printed)
    """

    def __init__(self, quiet: bool) -> None:
        from rich.console import Console

        self.quiet = quiet
        self.err = Console(stderr=True)
        self.bar = None
        self.t0 = time.perf_counter()

    def start(self, n_files: int, total_audio_s: float) -> None:
        """Show the bar (unless ``quiet``).

        Parameters
        ----------
        n_files : int, recordings to scan
        total_audio_s : float, seconds of audio they hold (the bar's total, shown in hours)
        """
        if self.quiet:
            return
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(),
            TextColumn("{task.completed:.2f}/{task.total:.2f} h"), TextColumn("{task.fields[files]}"),
            TextColumn("{task.fields[speed]}"), TimeRemainingColumn(), console=self.err, transient=True,
        )
        self.bar.start()
        self.n_files, self.done = n_files, 0
        self.audio = 0.0
        self.task = self.bar.add_task("scanning", total=max(total_audio_s / 3600, 1e-9), files=f"0/{n_files} files", speed="")

    def advance(self, audio_s: float) -> None:
        """Move the bar and update the speed (x real time since this object was made).

        Parameters
        ----------
        audio_s : float, seconds of audio scanned since the last call
        """
        if self.bar is None:
            return
        self.audio += audio_s
        wall = time.perf_counter() - self.t0
        self.bar.update(self.task, advance=audio_s / 3600, speed=f"{self.audio / wall:,.0f}x real time" if wall else "")

    def file_done(self, result) -> None:
        """Count a finished recording; print its error when it failed or is partial.

        Parameters
        ----------
        result : FileResult, the recording's result (``status``, ``error``)
        """
        if result.status != "ok":
            tag = "[yellow]partial[/yellow]" if result.status == "partial" else "[red]error[/red]"
            self.err.print(f"{tag} {result.error}", highlight=False, markup=True, soft_wrap=True)
        if self.bar is not None:
            self.done += 1
            self.bar.update(self.task, files=f"{self.done}/{self.n_files} files")

    def stop(self) -> None:
        """Remove the bar (it is transient)."""
        if self.bar is not None:
            self.bar.stop()


class RichTrainProgress:
    """Training progress (a :class:`birdscan.train.log.Reporter`): on a terminal, a live table of
    epochs (best in green) above a bar of the epoch's steps; elsewhere (a log file), plain lines."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)
        self.live = None

    def start(self, **info) -> None:
        """Print the run's header; on a terminal start the live table and the step bar.

        Parameters
        ----------
        **info : as for :meth:`birdscan.train.log.Reporter.start`
        """
        from ..train.log import COLUMNS, start_lines

        for line in start_lines(info):
            self.console.print(line, highlight=False)
        if not self.console.is_terminal:
            self.console.print(" ".join(f"{title:>6}" for _, title, _ in COLUMNS), highlight=False)
            return
        from rich import box
        from rich.console import Group
        from rich.live import Live
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
        from rich.table import Column, Table

        columns = [Column(title, justify="right", no_wrap=True, min_width=6) for _, title, _ in COLUMNS]
        self.table = Table(*columns, box=box.SIMPLE_HEAD, padding=(0, 1))
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                            console=self.console)
        self.task = self.bar.add_task(f"epoch {info['first']}", total=info["steps"])
        self.live = Live(Group(self.table, self.bar), console=self.console, refresh_per_second=4)
        self.live.start()

    def batch(self, step: int, steps: int) -> None:
        """Move the step bar (on a terminal).

        Parameters
        ----------
        step : int, training steps done in the current epoch
        steps : int, steps per epoch (the bar's total, set by :meth:`start`)
        """
        if self.live is not None:
            self.bar.update(self.task, completed=step)

    def epoch(self, row) -> None:
        """Add the epoch's row to the table (bold green when best) or print it as a line (``*`` when best).

        Parameters
        ----------
        row : dict, the epoch's metrics (keys of :data:`birdscan.train.log.COLUMNS`, ``best``: bool)
        """
        from ..train.log import cells

        if self.live is None:
            self.console.print(" ".join(f"{c:>6}" for c in cells(row)) + (" *" if row.get("best") else ""), highlight=False)
            return
        self.table.add_row(*cells(row), style="bold green" if row.get("best") else None)
        self.bar.update(self.task, completed=0, description=f"epoch {row['epoch'] + 1}")

    def close(self) -> None:
        """Stop the live display (the table stays on screen); also after an error."""
        if self.live is not None:
            self.bar.remove_task(self.task)
            self.live.stop()
            self.live = None

    def note(self, text: str) -> None:
        """Print ``note: <text>``.

        Parameters
        ----------
        text : str, something the user should know (e.g. an option adjusted to the data)
        """
        self.console.print(f"note: {text}", highlight=False)


class PlainProgress:
    """Progress as plain lines for logs (stderr not a terminal, e.g. a SLURM job): one line
    every ``every`` of the audio or ``seconds`` of wall time, whichever comes first.

    Parameters
    ----------
    quiet : bool, print no progress lines (failures are still printed)
    every : float, fraction of the total audio between lines (0.05: every 5%)
    seconds : float, seconds of wall time after which a line is printed anyway
    """

    def __init__(self, quiet: bool, every: float = 0.05, seconds: float = 60.0) -> None:
        self.quiet, self.every, self.seconds = quiet, every, seconds
        self.t0 = self.last_t = time.perf_counter()
        self.n_files = self.done = 0
        self.total = self.audio = self.last_audio = 0.0

    def start(self, n_files: int, total_audio_s: float) -> None:
        """Print what will be scanned.

        Parameters
        ----------
        n_files : int, recordings to scan
        total_audio_s : float, seconds of audio they hold
        """
        self.n_files, self.total = n_files, total_audio_s
        self._say(f"birdscan: scanning {n_files} file(s), {total_audio_s / 3600:.2f} h of audio")

    def advance(self, audio_s: float) -> None:
        """Count scanned audio; print a progress line (files, hours, speed, ETA) when one is due.

        Parameters
        ----------
        audio_s : float, seconds of audio scanned since the last call
        """
        self.audio += audio_s
        now = time.perf_counter()
        if (self.total and self.audio - self.last_audio >= self.every * self.total) or now - self.last_t >= self.seconds:
            self._line(now)

    def file_done(self, result) -> None:
        """Count a finished recording; print its error when it failed or is partial.

        Parameters
        ----------
        result : FileResult, the recording's result (``status``, ``error``)
        """
        self.done += 1
        if result.status != "ok":
            click.echo(f"birdscan: {'partial' if result.status == 'partial' else 'error'} {result.error}", err=True)

    def stop(self) -> None:
        """Nothing to clean up."""
        pass

    def _line(self, now: float) -> None:
        self.last_t, self.last_audio = now, self.audio
        wall = now - self.t0
        speed = self.audio / wall if wall > 0 else 0.0
        eta = (self.total - self.audio) / speed if speed > 0 else float("nan")
        self._say(f"birdscan: {self.done}/{self.n_files} files done, {self.audio / 3600:.2f}/{self.total / 3600:.2f} h audio "
                  f"({self.audio / self.total:.0%}), {speed:,.0f}x real time, ETA {_duration(eta)}" if self.total else
                  f"birdscan: {self.done}/{self.n_files} files")

    def _say(self, text: str) -> None:
        if not self.quiet:
            click.echo(text, err=True)


def _duration(seconds: float) -> str:
    if seconds != seconds:
        return "?"
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s" if m else f"{s}s"
