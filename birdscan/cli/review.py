"""Review commands: ``evaluate`` against references, ``plot``, and listening ``clips``."""

from __future__ import annotations

import shutil
import sys

import click

from .common import fail, in_cli_words, main
from ..calltypes import CALL_TYPES, TYPE_BOUNDARY_HZ
from ..errors import BirdscanError, ParameterError


@main.command()
@click.argument("detections", type=click.Path(dir_okay=False))
@click.option("--reference", "-r", multiple=True, required=True, type=click.Path(),
              help="Reference annotations (Raven, BirdVox-full-night CSV, Audacity, plain CSV; files or folders). Repeatable. "
                   "A table with its header and no rows means: annotated, no calls.")
@click.option("--windows", type=click.Path(dir_okay=False), help="Windows CSV of the same run: adds the PR curve, AUPRC and best threshold.")
@click.option("--tolerance", default=0.25, show_default=True, type=float, help="Seconds between a detection's peak and a call centre.")
@click.option("--manifest", type=click.Path(dir_okay=False), help="The run's run.json (default: next to DETECTIONS).")
@click.option("--type-boundary", default=TYPE_BOUNDARY_HZ, show_default=True, type=float, help="Hz: thrush-type calls below, tseep calls above.")
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
    from ..review.evaluate import evaluate as run_evaluate
    from ..review.plot import plot_pr

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
        raise fail(e)
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
    from ..review.plot import plot_activity, plot_trace

    try:
        if windows:
            audio_path = _audio_path(detections, windows, file_, audio_root)
            plot_trace(windows, audio_path, out, file=file_, start=start, end=end, detections=detections)
        else:
            plot_activity(detections, out, interval=interval, by=by)
    except BirdscanError as e:
        raise fail(e)
    click.echo(f"wrote {out}")


def _audio_path(detections, windows, file_, audio_root):
    from ..review.runs import audio_locator, pick_recording, read_windows

    if file_ is None:
        win = read_windows(windows)
        try:
            file_ = pick_recording(win)
        except ParameterError as e:
            raise click.UsageError(in_cli_words(str(e), click.get_current_context()))
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
@click.option("--type", "call_type", type=click.Choice(CALL_TYPES), help="Only detections of this call type (models with a frequency head).")
@click.option("--per-type", is_flag=True, help="--max-clips and --sample apply to each call type on its own.")
@click.option("--overwrite", is_flag=True, help="Write into a folder that is not empty (clips of the same name are replaced).")
def clips(detections, out, audio_root, pad, max_clips, sample, seed, call_type, per_type, overwrite) -> None:
    """Export one short WAV per detection, named to sort by file and time, for listening.

    \b
    Example (the clips to sort into labelled/call/ and labelled/not_call/ for train --extra):
      birdscan clips out/detections.csv --out review/clips --sample top --max-clips 500
    """
    from ..review.clips import export_clips

    try:
        table = export_clips(detections, out, audio_root=audio_root, pad=pad, max_clips=max_clips, sample=sample, seed=seed,
                             call_type=call_type, per_type=per_type, overwrite=overwrite)
    except BirdscanError as e:
        raise fail(e)
    bad = int((table["status"] != "ok").sum()) if len(table) else 0
    click.echo(f"wrote {len(table) - bad} clips to {out}" + (f"; {bad} failed" if bad else ""))
    if bad:
        sys.exit(1)
