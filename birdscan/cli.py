"""Command line: thin click wrappers over the library, rich progress, nothing else."""

from __future__ import annotations

import sys
import time

import click

from .errors import BirdscanError


def _fail(e: BirdscanError) -> click.ClickException:
    return click.ClickException(str(e))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="birdscan")
def main() -> None:
    """birdscan: find bird flight calls in long field recordings."""


class _RichProgress:
    """Progress over files and audio hours with x-real-time and ETA (rich)."""

    def __init__(self, quiet: bool) -> None:
        from rich.console import Console

        self.quiet = quiet
        self.err = Console(stderr=True)
        self.bar = None
        self.t0 = time.perf_counter()

    def start(self, n_files: int, total_audio_s: float) -> None:
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
        if self.bar is None:
            return
        self.audio += audio_s
        wall = time.perf_counter() - self.t0
        self.bar.update(self.task, advance=audio_s / 3600, speed=f"{self.audio / wall:,.0f}x real time" if wall else "")

    def file_done(self, result) -> None:
        if result.status != "ok":
            self.err.print(f"[red]error[/red] {result.error}", highlight=False, markup=True, soft_wrap=True)
        if self.bar is not None:
            self.done += 1
            self.bar.update(self.task, files=f"{self.done}/{self.n_files} files")

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _summary(result, quiet: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    s = result.manifest["summary"]
    if quiet:
        return
    t = Table(title="birdscan run", show_header=True)
    for col in ("files", "audio h", "events", "errors", "wall s", "x real time"):
        t.add_column(col, justify="right")
    t.add_row(str(s["files"]), f"{s['audio_s'] / 3600:.2f}", str(s["events"]), str(s["errors"]),
              f"{s['wall_s']:.1f}", f"{s['x_realtime'] or 0:,.0f}")
    Console(stderr=True).print(t)


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Detections CSV (one row per event); run.json goes next to it.")
@click.option("--windows", type=click.Path(dir_okay=False), help="Per-window probabilities, .csv or .csv.gz.")
@click.option("--raven", type=click.Path(file_okay=False), help="Folder for Raven Pro selection tables.")
@click.option("--model", type=click.Path(dir_okay=False), help="Model checkpoint (default: the shipped model).")
@click.option("--hop", default=0.05, show_default=True, type=float, help="Seconds between window starts.")
@click.option("--threshold", default=0.5, show_default=True, type=float, help="Probability that opens an event, in [0, 1].")
@click.option("--threshold-off", type=float, help="Probability under which an event closes (default: --threshold).")
@click.option("--min-gap", default=0.1, show_default=True, type=float, help="Merge events closer than this many seconds.")
@click.option("--min-duration", default=0.0, show_default=True, type=float, help="Drop events shorter than this many seconds.")
@click.option("--split-dip", default=0.3, show_default=True, type=float, help="Split an event where the probability dips this much between two peaks (1 = never).")
@click.option("--channel", type=int, help="Channel to scan, 1 = first (default: mix all to mono).")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N.")
@click.option("--batch-size", type=int, help="Windows per model batch (default 1024 on CPU, 16384 on GPU).")
@click.option("--workers", default=1, show_default=True, type=int, help="Recordings decoded ahead in background threads.")
@click.option("--ext", help="Comma-separated extensions to scan [default: wav,flac,ogg,mp3,aif,aiff].")
@click.option("--recursive/--no-recursive", default=True, show_default=True, help="Walk subfolders.")
@click.option("--overwrite", is_flag=True, help="Replace existing outputs.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")
def run(inputs, quiet, **options) -> None:
    """Scan recordings (files or folders) for flight calls."""
    from .detect import scan

    progress = _RichProgress(quiet)
    try:
        result = scan(inputs, progress=progress, **options)
    except BirdscanError as e:
        raise _fail(e)
    finally:
        progress.stop()
    _summary(result, quiet)
    if result.n_errors:
        from .writers import manifest_path

        click.echo(f"birdscan: {result.n_errors} of {len(result.files)} file(s) failed; reasons in {manifest_path(options['out'])}", err=True)
        sys.exit(1)
