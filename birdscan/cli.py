"""Command line: thin click wrappers over the library, rich progress, nothing else."""

from __future__ import annotations

import shutil
import sys
import time

import click

from .errors import BirdscanError


# Library keyword names that differ from the option that sets them, per command.
_ALIASES = {
    "clips": {"out_dir": "--out"},
    "plot": {"file": "--file"},
    "synth": {"out_dir": "OUT", "path": "OUT", "duration_s": "--duration", "sr": "--sample-rate", "folder": "--backgrounds"},
    "evaluate": {"detections": "DETECTIONS"},
    "train": {"model_options": "--freq-head/--bg-stats"},
}


EXIT_CODES = """Exit status: 0 every recording was scanned in full; 1 the outputs were written, but some
recordings failed or were only partly decodable (each named in run.json with its reason);
2 the run itself failed (bad option, unusable model, outputs not writable or locked by
another run) and nothing was written."""


class _RunFailed(click.ClickException):
    exit_code = 2  # the run itself failed: nothing written (1 means some recordings failed)


def _fail(e: BirdscanError) -> click.ClickException:
    """The library's error in the words of the command line: ``hop=0`` -> ``--hop 0``,
    ``overwrite=True (--overwrite)`` -> ``--overwrite``, Python callers keep keyword names.
    ``run`` and ``merge`` exit with status 2 (the run itself failed, nothing written; 1 is
    theirs for "some recordings failed"), the other commands with 1."""
    ctx = click.get_current_context(silent=True)
    kind = _RunFailed if ctx is not None and ctx.command.name in ("run", "merge") else click.ClickException
    return kind(in_cli_words(str(e), ctx))


def in_cli_words(text: str, ctx: click.Context | None) -> str:
    """Rewrite keyword arguments named in a library message as the options of ``ctx``'s command."""
    import re

    if ctx is None:
        return text
    names = {p.name: max(p.opts, key=len) for p in ctx.command.params if isinstance(p, click.Option) and p.name}
    names.update({p.name: p.human_readable_name for p in ctx.command.params if isinstance(p, click.Argument) and p.name})
    names.update(_ALIASES.get(ctx.command.name, {}))
    text = re.sub(r"\b\w+=True \((--[\w-]+)\)", r"\1", text)  # "pass overwrite=True (--overwrite)"
    text = re.sub(r"\b\w+=True / (--[\w-]+)", r"\1", text)
    text = re.sub(r"\b\w+=/(--[\w-]+)", r"\1", text)  # "give one with model=/--model"
    for kw, opt in sorted(names.items(), key=lambda kv: -len(kv[0])):
        if not opt.startswith("--"):
            text = re.sub(rf"(?<![\w./\\-]){kw}=", f"{opt} ", text)
            continue
        text = re.sub(rf"(?<![\w./\\-]){kw}:(?=\s)", f"{opt}:", text)  # "val_units: units [...] are not in the data"
        text = re.sub(rf"(?<![\w./\\-]){kw}=True\b", opt, text)
        text = re.sub(rf"(?<![\w./\\-]){kw}=(?=[\s:;,)]|$)", opt, text)
        text = re.sub(rf"(?<![\w./\\-]){kw}=", f"{opt} ", text)
    return text


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog="run and merge: " + EXIT_CODES.replace("\n", " "))
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
            tag = "[yellow]partial[/yellow]" if result.status == "partial" else "[red]error[/red]"
            self.err.print(f"{tag} {result.error}", highlight=False, markup=True, soft_wrap=True)
        if self.bar is not None:
            self.done += 1
            self.bar.update(self.task, files=f"{self.done}/{self.n_files} files")

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


class _RichTrainProgress:
    """Training progress (a :class:`birdscan.train.log.Reporter`): on a terminal, a live table of
    epochs (best in green) above a bar of the epoch's steps; elsewhere (a log file), plain lines."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)
        self.live = None

    def start(self, **info) -> None:
        from .train.log import COLUMNS, start_lines

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
        if self.live is not None:
            self.bar.update(self.task, completed=step)

    def epoch(self, row) -> None:
        from .train.log import cells

        if self.live is None:
            self.console.print(" ".join(f"{c:>6}" for c in cells(row)) + (" *" if row.get("best") else ""), highlight=False)
            return
        self.table.add_row(*cells(row), style="bold green" if row.get("best") else None)
        self.bar.update(self.task, completed=0, description=f"epoch {row['epoch'] + 1}")

    def close(self) -> None:
        if self.live is not None:
            self.bar.remove_task(self.task)
            self.live.stop()
            self.live = None

    def note(self, text: str) -> None:
        self.console.print(f"note: {text}", highlight=False)


class _PlainProgress:
    """Progress as plain lines for logs (stderr not a terminal, e.g. a SLURM job): one line
    every ``every`` of the audio or ``seconds`` of wall time, whichever comes first."""

    def __init__(self, quiet: bool, every: float = 0.05, seconds: float = 60.0) -> None:
        self.quiet, self.every, self.seconds = quiet, every, seconds
        self.t0 = self.last_t = time.perf_counter()
        self.n_files = self.done = 0
        self.total = self.audio = self.last_audio = 0.0

    def start(self, n_files: int, total_audio_s: float) -> None:
        self.n_files, self.total = n_files, total_audio_s
        self._say(f"birdscan: scanning {n_files} file(s), {total_audio_s / 3600:.2f} h of audio")

    def advance(self, audio_s: float) -> None:
        self.audio += audio_s
        now = time.perf_counter()
        if (self.total and self.audio - self.last_audio >= self.every * self.total) or now - self.last_t >= self.seconds:
            self._line(now)

    def file_done(self, result) -> None:
        self.done += 1
        if result.status != "ok":
            click.echo(f"birdscan: {'partial' if result.status == 'partial' else 'error'} {result.error}", err=True)

    def stop(self) -> None:
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


def _summary(result, quiet: bool) -> None:
    """The run's totals (a table on a terminal, a line in a log) and the files written."""
    s = result.manifest["summary"]
    if quiet:
        return
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.table import Table

        t = Table(title="birdscan run", show_header=True)
        for col in ("files", "audio h", "events", "errors", "wall s", "x real time"):
            t.add_column(col, justify="right")
        t.add_row(str(s["files"]), f"{s['audio_s'] / 3600:.2f}", str(s["events"]), str(s["errors"]),
                  f"{s['wall_s']:.1f}", f"{s['x_realtime'] or 0:,.0f}")
        Console(stderr=True).print(t)
    else:
        click.echo(f"birdscan: done: {s['files']} files, {s['audio_s'] / 3600:.2f} h audio, {s['events']} events, "
                   f"{s['errors']} errors in {s['wall_s']:.1f} s ({s['x_realtime'] or 0:,.0f}x real time)", err=True)
    written = _written(result.manifest)
    if written:
        click.echo("birdscan: wrote " + ", ".join(written), err=True)


def _written(manifest) -> list[str]:
    from .tables import manifest_path

    out = manifest.get("outputs") or {}
    names = []
    if out.get("detections"):
        names += [out["detections"], str(manifest_path(out["detections"]))]
    names += [out[k] for k in ("windows",) if out.get(k)]
    names += [f"{out[k]}/ ({what})" for k, what in (("raven", "Raven tables"), ("audacity", "Audacity labels")) if out.get(k)]
    return names


def _shard_option(ctx, param, value):
    from .detect.shard import parse_shard

    try:
        return None if value is None else parse_shard(value)
    except BirdscanError as e:
        raise click.BadParameter(str(e), ctx=ctx, param=param)


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Detections CSV (one row per event); run.json goes next to it.")
@click.option("--windows", type=click.Path(dir_okay=False), help="Per-window probabilities, .csv or .csv.gz.")
@click.option("--raven", type=click.Path(file_okay=False), help="Folder for Raven Pro selection tables.")
@click.option("--audacity", type=click.Path(file_okay=False), help="Folder for Audacity label tracks (<file>.txt per recording).")
@click.option("--model", type=click.Path(dir_okay=False), help="Model checkpoint (default: the shipped model).")
@click.option("--hop", type=float, help="Seconds between window starts [default: the model's hop, 0.05 s for the shipped model].")
@click.option("--threshold", type=float, help="Probability that opens an event, in [0, 1] [default: the model's recommended threshold, 0.5 if none].")
@click.option("--threshold-off", type=float, help="Probability under which an event closes (default: --threshold).")
@click.option("--min-gap", default=0.1, show_default=True, type=float, help="Merge events closer than this many seconds.")
@click.option("--min-duration", default=0.0, show_default=True, type=float, help="Drop events shorter than this many seconds.")
@click.option("--split-dip", default=0.3, show_default=True, type=float, help="Split an event where the probability dips this much between two peaks (1 = never).")
@click.option("--channel", type=int, help="Channel to scan, 1 = first (default: mix all to mono).")
@click.option("--type-boundary", default=5000.0, show_default=True, type=float,
              help="Hz: detections below it are thrush-type calls, above it tseep calls (models with a frequency head).")
@click.option("--windows-freq", is_flag=True, help="Add each window's call-frequency estimate (freq_hz) to --windows.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N.")
@click.option("--batch-size", type=int, help="Windows per model batch (default 1024 on CPU, 16384 on GPU).")
@click.option("--workers", type=int, help="Recordings decoded ahead in background threads [default: half the CPU cores, 1-8].")
@click.option("--ext", help="Comma-separated extensions to scan [default: wav,flac,ogg,opus,mp3,aif,aiff,aifc,w64,rf64].")
@click.option("--recursive/--no-recursive", default=True, show_default=True, help="Walk subfolders.")
@click.option("--overwrite", is_flag=True, help="Replace existing outputs.")
@click.option("--shard", callback=_shard_option, metavar="K/N",
              help="Scan only share K of N (K from 1, e.g. $SLURM_ARRAY_TASK_ID/8); join the shares with `birdscan merge`.")
@click.option("--resume", is_flag=True, help="Skip the recordings an interrupted run with the same --out and options finished.")
@click.option("--retry-failed", is_flag=True,
              help="On a finished run with the same --out, inputs and options: scan again only the recordings that failed.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")
def run(inputs, quiet, **options) -> None:
    """Scan recordings (files or folders) for flight calls.

    \b
    Example:
      birdscan run recordings/ --out out/detections.csv --windows out/windows.csv.gz --raven out/raven

    \b
    Exit status:
      0  every recording was scanned in full (or --resume found the run finished already)
      1  outputs written, but some recordings failed or were partial (see run.json)
      2  the run itself failed and nothing was written (bad option, model, unwritable or
         locked outputs)
    """
    from .detect.pipeline import scan

    progress = _RichProgress(quiet) if sys.stderr.isatty() else _PlainProgress(quiet)
    try:
        result = scan(inputs, progress=progress, **options)
    except BirdscanError as e:
        raise _fail(e)
    except KeyboardInterrupt:
        progress.stop()
        hint = (" the recordings finished so far are kept: run the same command with --resume to go on"
                if options.get("out") else " (with --out, a run can be resumed)")
        click.echo(f"\nbirdscan: interrupted;{hint}", err=True)
        sys.exit(130)
    finally:
        progress.stop()
    retried = result.manifest.get("retried")
    if retried and not quiet:
        click.echo(f"birdscan: scanned again the {len(retried['files'])} recording(s) that had failed", err=True)
    if result.nothing_to_do:
        s = result.manifest["summary"]
        click.echo(f"birdscan: nothing to do: {options['out']} holds a finished run of these recordings with these options "
                   f"and model ({s['files']} files, {s['errors']} failed)", err=True)
        return
    _summary(result, quiet)
    if result.n_resumed and not quiet:
        click.echo(f"birdscan: resumed {result.n_resumed} of {len(result.files)} file(s) from the journal", err=True)
    if result.n_errors or result.n_partial:
        from .tables import manifest_path

        where = manifest_path(options["out"]) if options["out"] else "the result"
        if result.n_errors:
            click.echo(f"birdscan: {result.n_errors} of {len(result.files)} file(s) failed; reasons in {where}", err=True)
        if result.n_partial:
            click.echo(f"birdscan: {result.n_partial} of {len(result.files)} file(s) were damaged and only partly scanned; "
                       f"details in {where}", err=True)
        sys.exit(1)


@main.command()
@click.argument("detections", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Merged detections CSV; run.json goes next to it.")
@click.option("--windows", type=click.Path(dir_okay=False), help="Merged per-window probabilities, .csv or .csv.gz.")
@click.option("--raven", type=click.Path(file_okay=False), help="Folder for the merged Raven Pro selection tables.")
@click.option("--audacity", type=click.Path(file_okay=False), help="Folder for the merged Audacity label tracks.")
@click.option("--overwrite", is_flag=True, help="Replace existing outputs.")
def merge(detections, out, windows, raven, audacity, overwrite) -> None:
    """Join the outputs of `birdscan run --shard K/N` jobs (give every shard's detections CSV).

    \b
    Example:
      birdscan merge out/shard*/detections.csv --out all/detections.csv --windows all/windows.csv.gz

    \b
    Exit status: 0 every recording of every shard was scanned in full; 1 merged, but some
    recordings failed or were partial; 2 the merge failed and nothing was written.
    """
    from .detect.merge import merge as run_merge

    try:
        man = run_merge(detections, out=out, windows=windows, raven=raven, audacity=audacity, overwrite=overwrite)
    except BirdscanError as e:
        raise _fail(e)
    s = man["summary"]
    partial = s.get("partial", 0)
    click.echo(f"merged {len(man['merged_from'])} shard(s): {s['files']} files, {s['events']} events, {s['errors']} errors"
               + (f", {partial} partial" if partial else "") + f"; wrote {out}")
    if s["errors"] or partial:
        sys.exit(1)


@main.command()
@click.argument("detections", type=click.Path(dir_okay=False))
@click.option("--reference", "-r", multiple=True, required=True, type=click.Path(),
              help="Reference annotations (Raven, BirdVox-full-night CSV, Audacity, plain CSV; files or folders). Repeatable. "
                   "A table with its header and no rows means: annotated, no calls.")
@click.option("--windows", type=click.Path(dir_okay=False), help="Windows CSV of the same run: adds the PR curve, AUPRC and best threshold.")
@click.option("--tolerance", default=0.25, show_default=True, type=float, help="Seconds between a detection's peak and a call centre.")
@click.option("--manifest", type=click.Path(dir_okay=False), help="The run's run.json (default: next to DETECTIONS).")
@click.option("--type-boundary", default=5000.0, show_default=True, type=float, help="Hz: thrush-type calls below, tseep calls above.")
@click.option("--strict", is_flag=True, help="Fail when a reference matches no recording, a recording has no reference, "
                                             "or two references name one recording (default: warn).")
@click.option("--pr-plot", type=click.Path(dir_okay=False), help="Write the precision-recall curve to this PNG (needs --windows).")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Write the full result as JSON here ('-' for stdout).")
def evaluate(detections, reference, windows, tolerance, manifest, type_boundary, strict, pr_plot, json_out) -> None:
    """Score detections against reference annotations (one-to-one matching within a tolerance).

    \b
    Example:
      birdscan evaluate out/detections.csv -r annotations/ --windows out/windows.csv.gz --pr-plot pr.png
    """
    from .review.evaluate import evaluate as run_evaluate
    from .review.plot import plot_pr

    if pr_plot and not windows:
        raise click.UsageError("--pr-plot needs --windows")
    try:
        result = run_evaluate(detections, list(reference), windows=windows, tolerance=tolerance, manifest=manifest,
                              type_boundary=type_boundary, strict=strict)
        if pr_plot:
            plot_pr(result, pr_plot)
        if json_out and json_out != "-":
            result.to_json(json_out)
    except BirdscanError as e:
        raise _fail(e)
    for w in result.warnings or []:
        click.echo(f"warning: {w}", err=True)
    if json_out == "-":
        click.echo(result.to_json())
        return
    click.echo(_evaluate_table(result, tolerance, max(shutil.get_terminal_size((80, 24)).columns, 60)))
    o = result.overall
    if o.get("n_freq") or o.get("n_type"):
        click.echo(f"frequency of {o['n_freq']} matched calls: median error {o['freq_error_st']:.2f} semitones; "
                  f"call type right for {o['type_accuracy']:.1%} of {o['n_type']} (boundary {type_boundary:g} Hz)")
    if result.pr is not None:
        click.echo(f"AUPRC {o.get('auprc', float('nan')):.3f}; best F1 {o.get('best_f1', float('nan')):.3f} at threshold {o.get('best_threshold', float('nan')):.3f}")
    for path in (json_out, pr_plot):
        if path and path != "-":
            click.echo(f"wrote {path}")


_EVALUATE_COLUMNS = {  # result column: (header, format); short headers so the table fits 80 columns
    "file": ("file", str), "status": ("status", str), "n_reference": ("ref", str), "n_detections": ("det", str),
    "tp": ("tp", str), "fp": ("fp", str), "fn": ("fn", str), "precision": ("prec", "{:.3f}"), "recall": ("recall", "{:.3f}"),
    "f1": ("F1", "{:.3f}"), "false_alarms_per_hour": ("FA/h", "{:.1f}"), "freq_error_st": ("st err", "{:.2f}"),
    "type_accuracy": ("type", "{:.0%}"),
}


_STATUS_SHORT = {"reference_only": "not run", "detections_only": "no ref", "run_error": "error"}
_DROP_FIRST = ("type_accuracy", "freq_error_st", "false_alarms_per_hour", "n_detections", "n_reference", "status")


def _evaluate_table(result, tolerance, width: int = 80) -> str:
    """The per-file summary as plain text at most ``width`` columns wide: numbers are never
    cut, file names wrap, and columns are dropped (frequency first) when even that does not fit."""
    import textwrap

    import pandas as pd

    per = result.per_file
    cols = [c for c in _EVALUATE_COLUMNS if c in per.columns]
    if not per["n_freq"].any() and not per["n_type"].any():
        cols = [c for c in cols if c not in ("freq_error_st", "type_accuracy")]

    def fmt(c, v):
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            return "-"
        if c == "status":
            return _STATUS_SHORT.get(v, v)
        f = _EVALUATE_COLUMNS[c][1]
        return str(v) if f is str else f.format(v)

    o = result.overall
    rows = [[fmt(c, v) for c, v in zip(cols, row)] for row in per[cols].itertuples(index=False)]
    rows.append(["overall", "", *(fmt(c, o.get(c)) for c in cols[2:])])
    cells = {c: [r[i] for r in rows] for i, c in enumerate(cols)}
    need = {c: max(len(_EVALUATE_COLUMNS[c][0]), *map(len, cells[c])) for c in cols}
    cols = [c for c in cols if c in ("file", "status") or any(v != "-" for v in cells[c])]  # nothing to show
    drop = [c for c in _DROP_FIRST if c in cols]
    while sum(need[c] + 2 for c in cols if c != "file") + 12 > width and drop:
        cols.remove(drop.pop(0))
    file_w = max(12, min(need["file"], width - sum(need[c] + 2 for c in cols if c != "file")))
    need["file"] = file_w
    lines = [f"birdscan evaluate (tolerance {tolerance:g} s)"]

    def line(values):
        parts = [v.ljust(need[c]) if c in ("file", "status") else v.rjust(need[c]) for c, v in zip(cols, values)]
        return "  ".join(parts).rstrip()

    lines.append(line([_EVALUATE_COLUMNS[c][0] for c in cols]))
    lines.append("-" * min(width, sum(need[c] for c in cols) + 2 * (len(cols) - 1)))
    for i in range(len(rows)):
        name = textwrap.wrap(cells["file"][i], file_w, break_long_words=True, break_on_hyphens=False) or [""]
        lines.append(line([name[0], *(cells[c][i] for c in cols[1:])]))
        lines += [line([part] + [""] * (len(cols) - 1)) for part in name[1:]]
    notes = "ref/det: reference calls/detections; FA/h: false alarms per hour; not run: a reference for no recording " \
            "of the run; no ref: a recording with no reference, not scored"
    if "type_accuracy" in cols:
        notes += "; st err: median frequency error of matched calls, semitones; type: call type right"
    lines += textwrap.wrap(notes, width)
    return "\n".join(lines)


@main.command()
@click.argument("detections", type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="PNG to write.")
@click.option("--interval", default="10min", show_default=True, help="Bin width for calls per interval (seconds or e.g. 10min).")
@click.option("--by", type=click.Choice(["folder", "file"]), default="folder", show_default=True, help="One panel per recorder (top folder; a flat folder of recordings is one) or per file.")
@click.option("--windows", type=click.Path(dir_okay=False), help="Instead draw the probability trace over a spectrogram (with --file, --start, --end).")
@click.option("--file", "file_", help="Recording (as in the 'file' column) for the trace.")
@click.option("--start", default=0.0, show_default=True, type=float, help="Trace start, seconds.")
@click.option("--end", default=60.0, show_default=True, type=float, help="Trace end, seconds.")
@click.option("--audio-root", type=click.Path(file_okay=False), help="Where the recordings are (default: from run.json).")
def plot(detections, out, interval, by, windows, file_, start, end, audio_root) -> None:
    """Plot calls per interval over the night, or a probability trace over a spectrogram.

    \b
    Examples:
      birdscan plot out/detections.csv --out activity.png
      birdscan plot out/detections.csv --windows out/windows.csv.gz --file a.flac --start 120 --end 180 --out trace.png
    """
    from .review.plot import plot_activity, plot_trace

    try:
        if windows:
            audio_path = _audio_path(detections, windows, file_, audio_root)
            plot_trace(windows, audio_path, out, file=file_, start=start, end=end, detections=detections)
        else:
            plot_activity(detections, out, interval=interval, by=by)
    except BirdscanError as e:
        raise _fail(e)
    click.echo(f"wrote {out}")


def _audio_path(detections, windows, file_, audio_root):
    from .review.references import audio_locator, read_windows

    if file_ is None:
        files = read_windows(windows)["file"].unique()
        if len(files) != 1:
            raise click.UsageError(f"--windows holds {len(files)} recordings: pick one with --file")
        file_ = files[0]
    path = audio_locator(detections, audio_root or None)(file_)
    if path is None:
        raise click.UsageError(f"cannot locate the audio of {file_!r}: pass --audio-root")
    return path


@main.command()
@click.argument("detections", type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder for the WAV clips.")
@click.option("--audio-root", type=click.Path(file_okay=False), help="Where the recordings are (default: from run.json).")
@click.option("--pad", default=0.25, show_default=True, type=float, help="Seconds of context on each side.")
@click.option("--max-clips", type=int, help="At most this many clips.")
@click.option("--sample", type=click.Choice(["top", "random", "stratified"]), default="top", show_default=True,
              help="Which detections when --max-clips cuts: top scores, random, or equal numbers per score decile.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--type", "call_type", type=click.Choice(["thrush", "tseep"]), help="Only detections of this call type (models with a frequency head).")
@click.option("--per-type", is_flag=True, help="--max-clips and --sample apply to each call type on its own.")
@click.option("--overwrite", is_flag=True, help="Write into a folder that is not empty (clips of the same name are replaced).")
def clips(detections, out, audio_root, pad, max_clips, sample, seed, call_type, per_type, overwrite) -> None:
    """Export one short WAV per detection, named to sort by file and time, for listening.

    \b
    Example (the clips to sort into labelled/call/ and labelled/not_call/ for train --extra):
      birdscan clips out/detections.csv --out review/clips --sample top --max-clips 500
    """
    from .review.clips import export_clips

    try:
        table = export_clips(detections, out, audio_root=audio_root, pad=pad, max_clips=max_clips, sample=sample, seed=seed,
                             call_type=call_type, per_type=per_type, overwrite=overwrite)
    except BirdscanError as e:
        raise _fail(e)
    bad = int((table["status"] != "ok").sum()) if len(table) else 0
    click.echo(f"wrote {len(table) - bad} clips to {out}" + (f"; {bad} failed" if bad else ""))
    if bad:
        sys.exit(1)


def _ints(text):
    return None if text is None else [int(t) for t in str(text).split(",") if t.strip()]


@main.command()
@click.option("--data", required=True, type=click.Path(file_okay=False), help="Folder with BirdVox-70k_unitNN.hdf5 files.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Best checkpoint (.pt); .last.pt, .metrics.jsonl, .curves.png go next to it.")
@click.option("--val-units", help="Comma-separated validation units (default: the last unit found).")
@click.option("--test-units", help="Comma-separated held-out test units (default: none).")
@click.option("--epochs", default=30, show_default=True, type=int,
              help="Total epochs (one-cycle schedule); with --resume, more than the run had extends it.")
@click.option("--batch-size", default=256, show_default=True, type=int)
@click.option("--lr", default=3e-3, show_default=True, type=float)
@click.option("--weight-decay", default=1e-2, show_default=True, type=float)
@click.option("--arch", type=click.Choice(["birdscan", "baseline"]), default="birdscan", show_default=True,
              help="birdscan (default) or the plain small conv+pool baseline.")
@click.option("--frontend", type=click.Choice(["pcen", "logmel"]), default="pcen", show_default=True)
@click.option("--channels", help="Conv channels per block, e.g. 16,32,48.")
@click.option("--augment/--no-augment", default=True, show_default=True)
@click.option("--time-shift", default=0, show_default=True, type=int, help="Max random time shift in samples (calls are centred: keep 0).")
@click.option("--num-workers", default=0, show_default=True, type=int, help="DataLoader worker processes.")
@click.option("--cache", is_flag=True, help="Load all clips into RAM once (float16).")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--device", default="auto", show_default=True)
@click.option("--resume", type=click.Path(dir_okay=False), metavar="FILE",
              help="Continue an interrupted run: give its checkpoint (the --out .pt or .last.pt) or the <out>.resume.pt "
                   "train keeps next to it (optimiser, schedule and history after each epoch); the other options must be the same.")
@click.option("--patience", default=8, show_default=True, type=int, help="Stop after this many epochs without a better validation AUPRC.")
@click.option("--extra", multiple=True, type=click.Path(file_okay=False),
              help="Folder of reviewed clips: call/ and not_call/ (or 1/ and 0/) subfolders, or a CSV file,label[,freq_hz]. "
                   "Trains as unit extra-<folder name> (name it in --val-units to validate on it). Repeatable.")
@click.option("--negatives", multiple=True, type=click.Path(file_okay=False),
              help="Folder of call-free recordings (insects, frogs, rain, machinery): varied negative windows and beds "
                   "under calls; a fixed part of each folder is held out. Repeatable.")
@click.option("--negative-windows", default=6000, show_default=True, type=int, help="Varied negative windows cut from --negatives.")
@click.option("--heldout", default=0.25, show_default=True, type=float, help="Fraction of each --negatives folder never trained on.")
@click.option("--freq-head/--no-freq-head", default=True, show_default=True, help="Also learn each call's centre frequency.")
@click.option("--bg-stats/--no-bg-stats", default=False, show_default=True,
              help="Give the network per-band background statistics of each window (steady choruses).")
@click.option("--overwrite", is_flag=True, help="Replace existing outputs.")
@click.option("--quiet", "-q", is_flag=True)
def train(quiet, channels, freq_head, bg_stats, **options) -> None:
    """Train a detector on BirdVox-70k HDF5 files (split by recording unit).

    \b
    Example:
      birdscan train --data BirdVox-70k/ --out models/site.pt \\
          --extra review/labelled --negatives site_noise/ --cache
    """
    from .train.loop import train as run_train

    options["model_options"] = {"freq_head": freq_head, "bg_stats": bg_stats}
    try:
        result = run_train(channels=_ints(channels), progress=False if quiet else _RichTrainProgress(), command=" ".join(["birdscan", *sys.argv[1:]]), **options)
    except BirdscanError as e:
        raise _fail(e)
    m = result.best_metrics
    speed = (f"{result.clips_per_s:,.0f} clips/s, {result.epoch_s:.1f} s/epoch on {result.device}" if result.epochs_run and
             result.clips_per_s == result.clips_per_s else "no epoch left to run (the resumed run had finished)")
    freq = (f", call frequency error {m['freq_median_semitones']:.2f} semitones, type accuracy {m['type_accuracy']:.3f}"
            if "freq_median_semitones" in m else "")
    click.echo(f"best epoch {result.best_epoch}: val accuracy {m.get('accuracy', float('nan')):.3f}, "
               f"AUPRC {m.get('auprc', float('nan')):.3f}{freq}; {speed}; wrote {result.best}")


@main.command("evaluate-clips")
@click.option("--data", required=True, type=click.Path(file_okay=False), help="Folder with BirdVox-70k_unitNN.hdf5 files.")
@click.option("--units", help="Comma-separated units (default: all).")
@click.option("--model", type=click.Path(dir_okay=False), help="Checkpoint (default: the shipped model).")
@click.option("--device", default="auto", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def evaluate_clips(data, units, model, device, as_json) -> None:
    """Clip-level metrics of a model on BirdVox-70k units (as training logs them).

    \b
    Example:
      birdscan evaluate-clips --data BirdVox-70k/ --units unit10 --model models/site.pt
    """
    import json

    from .model import default_model_path
    from .train.predict import evaluate_clips as run

    try:
        m = run(data, units.split(",") if units else None, model or default_model_path(), device=device)
    except BirdscanError as e:
        raise _fail(e)
    if as_json:
        click.echo(json.dumps(m, indent=2, default=str))
        return
    for k, v in m.items():
        click.echo(f"{k:>20s}  {v:.4f}" if isinstance(v, float) else f"{k:>20s}  {v}")


@main.command()
@click.argument("out", type=click.Path())
@click.option("--kind", type=click.Choice(["birdvox70k", "recording"]), default="birdvox70k", show_default=True,
              help="A BirdVox-70k-layout folder, or one long recording with a .truth.csv next to it.")
@click.option("--clips-per-unit", default=1000, show_default=True, type=int)
@click.option("--units", help="Comma-separated units (default: the six BirdVox-70k units).")
@click.option("--duration", default=600.0, show_default=True, type=float, help="Recording length, seconds.")
@click.option("--sample-rate", default=24000, show_default=True, type=int, help="Recording sample rate, Hz.")
@click.option("--calls-per-minute", default=20.0, show_default=True, type=float)
@click.option("--channels", default=1, show_default=True, type=int)
@click.option("--backgrounds", type=click.Path(file_okay=False), help="Folder of real night recordings to mix in as backgrounds.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="Processes writing units in parallel (same data).")
@click.option("--overwrite", is_flag=True, help="Write into a folder that is not empty, or replace a recording.")
@click.option("--negatives", multiple=True, type=click.Path(file_okay=False),
              help="Folder of real call-free recordings (insects, frogs, rain): varied windows as negatives and as beds "
                   "under calls (birdvox70k kind; a fixed quarter of each folder is held out). Repeatable.")
@click.option("--tseep-fraction", default=1 / 8, show_default="0.125, as in real nights", type=float,
              help="Share of generated calls that are short high (tseep) calls; raise it to train a model that finds "
                   "them better (birdvox70k kind).")
def synth(out, kind, clips_per_unit, units, duration, sample_rate, calls_per_minute, channels, backgrounds, seed, workers,
          overwrite, negatives, tseep_fraction) -> None:
    """Generate training data in the BirdVox-70k layout, or a long recording with ground truth.

    \b
    Examples:
      birdscan synth synth70k/ --clips-per-unit 3000 --backgrounds night_ambience/ --negatives site_noise/
      birdscan synth night.flac --kind recording --duration 600
    """
    from . import birdvox70k as data
    from .synth.compose import write_birdvox70k, write_recording

    try:
        if kind == "birdvox70k":
            paths = write_birdvox70k(out, clips_per_unit=clips_per_unit, units=units.split(",") if units else data.UNITS,
                                     seed=seed, backgrounds=backgrounds, workers=workers, overwrite=overwrite,
                                     negatives=negatives, tseep_fraction=tseep_fraction)
            click.echo(f"wrote {len(paths)} unit files to {out}")
        else:
            truth = write_recording(out, duration, sr=sample_rate, calls_per_minute=calls_per_minute, seed=seed,
                                    backgrounds=backgrounds, channels=channels, overwrite=overwrite)
            click.echo(f"wrote {out} with {len(truth)} calls (truth next to it)")
    except BirdscanError as e:
        raise _fail(e)
