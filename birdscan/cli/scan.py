"""Scanning commands: ``run`` (also ``--resume``, ``--retry-failed``, ``--shard``) and ``merge``."""

from __future__ import annotations

import sys

import click

from .common import fail, main
from .progress import PlainProgress, RichProgress
from ..calltypes import TYPE_BOUNDARY_HZ
from ..errors import BirdscanError


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
    from ..tables import manifest_path

    out = manifest.get("outputs") or {}
    names = []
    if out.get("detections"):
        names += [out["detections"], str(manifest_path(out["detections"]))]
    names += [out[k] for k in ("windows",) if out.get(k)]
    names += [f"{out[k]}/ ({what})" for k, what in (("raven", "Raven tables"), ("audacity", "Audacity labels")) if out.get(k)]
    return names


def _shard_option(ctx, param, value):
    from ..detect.shard import parse_shard

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
@click.option("--type-boundary", default=TYPE_BOUNDARY_HZ, show_default=True, type=float,
              help="Hz: detections below it are thrush-type calls, above it tseep calls (models with a frequency head).")
@click.option("--windows-freq", is_flag=True, help="Add each window's call-frequency estimate (freq_hz) to --windows.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N.")
@click.option("--batch-size", type=int, help="Windows per model batch (default 512 on CPU, 16384 on GPU).")
@click.option("--workers", type=int, help="Recordings decoded ahead in background threads [default: half the CPU cores, 1-8].")
@click.option("--ext", help="Comma-separated extensions to scan [default: wav,flac,ogg,opus,mp3,aif,aiff,aifc,w64,rf64].")
@click.option("--recursive/--no-recursive", default=True, show_default=True, help="Walk subfolders.")
@click.option("--overwrite", is_flag=True, help="Replace existing outputs.")
@click.option("--shard", callback=_shard_option, metavar="K/N",
              help="Scan only share K of N (K from 1, e.g. $SLURM_ARRAY_TASK_ID/8); join the shares with `birdscan merge`.")
@click.option("--resume", is_flag=True, help="Skip the recordings an interrupted run with the same --out and options finished.")
@click.option("--retry-failed", is_flag=True,
              help="On a finished run with the same --out, inputs and options: scan again only the recordings that failed "
                   "or were partial (a partial one's results are replaced, or kept if the new scan fails).")
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
    from ..detect.pipeline import scan

    progress = RichProgress(quiet) if sys.stderr.isatty() else PlainProgress(quiet)
    try:
        result = scan(inputs, progress=progress, **options)
    except BirdscanError as e:
        raise fail(e)
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
        click.echo(f"birdscan: scanned again the {len(retried['files'])} recording(s) that had failed or were partial", err=True)
    if result.nothing_to_do:
        s = result.manifest["summary"]
        click.echo(f"birdscan: nothing to do: {options['out']} holds a finished run of these recordings with these options "
                   f"and model ({s['files']} files, {s['errors']} failed)", err=True)
        return
    _summary(result, quiet)
    if result.n_resumed and not quiet:
        click.echo(f"birdscan: resumed {result.n_resumed} of {len(result.files)} file(s) from the journal", err=True)
    if result.n_errors or result.n_partial:
        from ..tables import manifest_path

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
    from ..detect.merge import merge as run_merge

    try:
        man = run_merge(detections, out=out, windows=windows, raven=raven, audacity=audacity, overwrite=overwrite)
    except BirdscanError as e:
        raise fail(e)
    s = man["summary"]
    partial = s.get("partial", 0)
    click.echo(f"merged {len(man['merged_from'])} shard(s): {s['files']} files, {s['events']} events, {s['errors']} errors"
               + (f", {partial} partial" if partial else "") + f"; wrote {out}")
    if s["errors"] or partial:
        sys.exit(1)
