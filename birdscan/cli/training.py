"""Model commands: ``train``, ``evaluate-clips`` and ``synth`` (generated training data)."""

from __future__ import annotations

import sys

import click

from .common import fail, main
from .progress import RichTrainProgress
from ..errors import BirdscanError


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
@click.option("--fmin", type=float, metavar="HZ",
              help="Lowest frequency the model hears (the spectrogram's lowest band edge; default 1000). Lower "
                   "shows it the low fundamentals of owls and frogs under their harmonics in the call bands.")
@click.option("--augment/--no-augment", default=True, show_default=True)
@click.option("--time-shift", default=0, show_default=True, type=int, help="Move each clip by up to this many samples either way (BirdVox-70k clips are centred on the call; the shipped model used 600, half the 50 ms hop, so that a call between two window centres scores like a centred one).")
@click.option("--loud-beds", default=0.0, show_default=True, type=float,
              help="Share of clips (0-1) laid over a negative of the batch set by the call's band: 0-20 dB under the "
                   "clip in the octave around the call, however loud elsewhere (a cricket at 4.5 kHz over a 3 kHz call), "
                   "as on real insect nights.")
@click.option("--num-workers", default=0, show_default=True, type=int, help="DataLoader worker processes.")
@click.option("--cache", is_flag=True, help="Load all clips into RAM once (float16).")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--device", default="auto", show_default=True)
@click.option("--amp/--no-amp", default=True, show_default=True,
              help="Mixed precision on CUDA (bfloat16 where supported); the spectrogram stays in float32.")
@click.option("--resume", type=click.Path(dir_okay=False), metavar="FILE",
              help="Continue an interrupted run: give its checkpoint (the --out .pt or .last.pt) or the <out>.resume.pt "
                   "train keeps next to it (optimiser, schedule and history after each epoch); the other options must be the same.")
@click.option("--init", type=click.Path(dir_okay=False), metavar="MODEL",
              help="Start from this model's weights (fine-tuning, e.g. models/birdscan-default.pt) instead of random "
                   "ones; its network is trained, so leave --arch, --frontend, --channels, --fmin, --freq-head and "
                   "--bg-stats out.")
@click.option("--patience", default=8, show_default=True, type=int, help="Stop after this many epochs without a better validation AUPRC (0: never stop early).")
@click.option("--extra", multiple=True, type=click.Path(file_okay=False),
              help="Folder of reviewed clips: call/ and not_call/ (or 1/ and 0/) subfolders, or a CSV file,label[,freq_hz]. "
                   "Trains as unit extra-<folder name> (name it in --val-units to validate on it). Repeatable.")
@click.option("--negatives", multiple=True, type=click.Path(file_okay=False),
              help="Folder of call-free recordings (insects, frogs, rain, machinery): varied negative windows and beds "
                   "under calls; a fixed part of each folder is held out. Repeatable.")
@click.option("--negative-windows", default=6000, show_default=True, type=int, help="Varied negative windows cut from --negatives.")
@click.option("--heldout", default=0.25, show_default=True, type=float, help="Fraction of each --negatives folder never trained on.")
@click.option("--not-noise", type=click.Path(dir_okay=False), metavar="CSV",
              help="Spans of the --negatives recordings that hold a bird (file,start_s,end_s; file as "
                   "<folder name>/<path in it>): no negative window is cut across them.")
@click.option("--freq-head/--no-freq-head", default=True, show_default=True, help="Also learn each call's centre frequency.")
@click.option("--freq-weight", default=1.0, show_default=True, type=float,
              help="Weight of the frequency head's loss against the detection loss (0: not trained).")
@click.option("--ema", default=0.0, show_default=True, type=float,
              help="Validate and save a moving average of the weights with this per-step decay (e.g. 0.998; 0: none).")
@click.option("--bg-stats/--no-bg-stats", default=False, show_default=True,
              help="Give the network per-band background statistics of each window (steady choruses).")
@click.option("--overwrite", is_flag=True, help="Replace existing outputs.")
@click.option("--quiet", "-q", is_flag=True)
def train(data, out, val_units, test_units, epochs, batch_size, lr, weight_decay, arch, frontend, channels, fmin, augment,
          time_shift, loud_beds, num_workers, cache, seed, device, amp, resume, init, patience, extra, negatives, negative_windows, heldout,
          not_noise, freq_head, freq_weight, ema, bg_stats, overwrite, quiet) -> None:
    """Train a detector on BirdVox-70k HDF5 files (split by recording unit).

    \b
    Example:
      birdscan train --data BirdVox-70k/ --out models/site.pt \\
          --extra review/labelled --negatives site_noise/ --cache
    """
    from ..model import ModelConfig
    from ..train.loop import train as run_train
    from ..train.options import (DEFAULT_MODEL, FitOptions, RealSoundsOptions, RuntimeOptions, SplitOptions,
                                 parse_channels)

    try:  # each group checks its flags as it is made; fail() names them as typed
        model = ModelConfig(arch=arch, frontend=frontend, freq_head=freq_head, bg_stats=bg_stats,
                            channels=DEFAULT_MODEL.channels if channels is None else parse_channels(channels),
                            fmin=DEFAULT_MODEL.fmin if fmin is None else fmin)
        fit = FitOptions(epochs=epochs, batch_size=batch_size, lr=lr, weight_decay=weight_decay, patience=patience,
                         seed=seed, freq_weight=freq_weight, ema=ema)
        runtime = RuntimeOptions(device=device, amp=amp, num_workers=num_workers, cache=cache)
        real = RealSoundsOptions(extra=extra, negatives=negatives, negative_windows=negative_windows, heldout=heldout,
                                 not_noise=not_noise)
        split = SplitOptions(val_units=val_units, test_units=test_units)
        result = run_train(data, out, split=split, real=real, model=model, augment=augment, time_shift=time_shift,
                           loud_beds=loud_beds, fit=fit, runtime=runtime, resume=resume, init=init, overwrite=overwrite,
                           progress=False if quiet else RichTrainProgress(), command=" ".join(["birdscan", *sys.argv[1:]]))
    except BirdscanError as e:
        raise fail(e)
    m = result.best_metrics
    speed = (f"{result.clips_per_s:,.0f} clips/s, {result.epoch_s:.1f} s/epoch on {result.device}" if result.epochs_run and
             result.clips_per_s == result.clips_per_s else "no epoch left to run (the resumed run had finished)")
    freq = (f", call frequency error {m['freq_median_semitones']:.2f} semitones, type accuracy {m['type_accuracy']:.3f}"
            if "freq_median_semitones" in m else "")
    click.echo(f"best epoch {result.best_epoch}: val accuracy {m.get('accuracy', float('nan')):.3f}, "
               f"AUPRC {m.get('auprc', float('nan')):.3f}{freq}; {speed}; wrote {result.best}")
    if result.detect is not None:
        click.echo(f"recommended threshold {result.detect['threshold']}: {result.detect['note']}")


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

    from ..model import default_model_path
    from ..train.predict import evaluate_clips as run

    try:
        m = run(data, units.split(",") if units else None, model or default_model_path(), device=device)
    except BirdscanError as e:
        raise fail(e)
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
@click.option("--not-noise", type=click.Path(dir_okay=False), metavar="CSV",
              help="Spans of the --negatives recordings that hold a bird (as for train): never cut into clips.")
@click.option("--tseep-fraction", default=1 / 8, show_default="0.125, as in real nights", type=float,
              help="Share of generated calls that are short high (tseep) calls; raise it to train a model that finds "
                   "them better (birdvox70k kind).")
def synth(out, kind, clips_per_unit, units, duration, sample_rate, calls_per_minute, channels, backgrounds, seed, workers,
          overwrite, negatives, not_noise, tseep_fraction) -> None:
    """Generate training data in the BirdVox-70k layout, or a long recording with ground truth.

    \b
    Examples:
      birdscan synth synth70k/ --clips-per-unit 3000 --backgrounds night_ambience/ --negatives site_noise/
      birdscan synth night.flac --kind recording --duration 600
    """
    from .. import birdvox70k as data
    from ..synth.compose import write_birdvox70k
    from ..synth.recording import write_recording

    try:
        if kind == "birdvox70k":
            paths = write_birdvox70k(out, clips_per_unit=clips_per_unit, units=units.split(",") if units else data.UNITS,
                                     seed=seed, backgrounds=backgrounds, workers=workers, overwrite=overwrite,
                                     negatives=negatives, not_noise=not_noise, tseep_fraction=tseep_fraction)
            click.echo(f"wrote {len(paths)} unit files to {out}")
        else:
            truth = write_recording(out, duration, sr=sample_rate, calls_per_minute=calls_per_minute, seed=seed,
                                    backgrounds=backgrounds, channels=channels, overwrite=overwrite)
            click.echo(f"wrote {out} with {len(truth)} calls (truth next to it)")
    except BirdscanError as e:
        raise fail(e)
