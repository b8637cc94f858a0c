"""birdscan: find bird flight calls in long field recordings.

Public API (imported lazily so ``birdscan --help`` starts fast)::

    birdscan.scan(inputs, out=...)                         # birdscan run
    birdscan.merge(detections, out=...)                    # birdscan merge
    birdscan.discover(inputs)                              # the recordings a run would scan
    birdscan.load_model(path)
    birdscan.evaluate(detections, references)              # birdscan evaluate
    birdscan.export_clips(detections, out)                 # birdscan clips
    birdscan.plot_activity / plot_trace / plot_pr          # birdscan plot
    birdscan.train.train(data, out, split=, real=, model=, fit=, runtime=)    # birdscan train; options:
        birdscan.train.SplitOptions, RealSoundsOptions, FitOptions, RuntimeOptions, and a
        birdscan.model.ModelConfig (default birdscan.train.DEFAULT_MODEL)
    birdscan.evaluate_clips(data, units, model)            # birdscan evaluate-clips
    birdscan.write_birdvox70k(out), birdscan.write_recording(out, duration)   # birdscan synth

Architecture
------------
Folders follow the data flow::

    cli/                       click commands and rich, one module per command group (scan, review,
                               training); may import anything, nothing imports it
    detect/                    the chain: discover -> audio (audiofile: the header and short spans read by
                               seeking; metadata: start times; decoder_output: what C decoders print,
                               kept off the terminal) -> windows -> infer ->
                               events -> outputs (writers, selections: Raven and Audacity tables),
                               composed in detect.run (one run) and started by detect.pipeline (scan);
                               journal (resume), retry, shard, merge
    train/                     options, setup, dataset, augment, loop, predict, metrics, log, resume
    synth/                     generated data: dsp, calls, profile, creatures, noises, negatives, ambience,
                               backgrounds, recording, compose
    review/                    runs, references (annotation readers), pairing, matching, frequency,
                               evaluate, activity, plot, clips
    model/  device.py          the model (config, frontend, network, checkpoint); device policy
    realsounds/                real noise recordings (noise) and reviewed clips (clips) as training data, shared by train and synth
    birdvox70k.py              the BirdVox-70k layout, rate and clip length (the default model's), shared by train and synth
    calltypes.py               call types (thrush/tseep, their boundary) and semitone errors, shared by detect, review, train, cli
    files.py  tables.py        atomic outputs; column lists, the run manifest, file-name conventions
    errors.py                  one exception tree

Allowed arrows (import direction), all pointing down this list and along the flow:
``cli -> detect, train, synth, review``; ``review -> detect`` (it reads the run's outputs and
audio); ``detect, train -> model, device``; ``train, synth -> realsounds``; ``model, train, synth -> birdvox70k``
and, for its rate and clip length as defaults, ``detect, realsounds -> birdvox70k``;
``cli, detect, review, train -> calltypes``; everything -> ``files, tables, errors``. Lower layers
never import higher ones, folders at the same level never import each other except along the
flow (``review -> detect``), and there are no circles. Only ``cli/`` imports click and rich; torch is imported only by the
modules that run the network.
"""

from __future__ import annotations

from ._lazy import lazy_names
from ._version import __version__

_NAMES = {
    "scan": "detect.pipeline",
    "merge": "detect.merge",
    "discover": "detect.discover",
    "load_model": "model",
    "evaluate": "review.evaluate",
    "export_clips": "review.clips",
    "plot_activity": "review.plot",
    "plot_trace": "review.plot",
    "plot_pr": "review.plot",
    "evaluate_clips": "train.predict",
    "write_birdvox70k": "synth.compose",
    "write_recording": "synth.recording",
}
_SUBPACKAGES = ("detect", "train", "synth", "review")
__all__ = ["__version__", *_NAMES, *_SUBPACKAGES]

_lazy = lazy_names(__name__, _NAMES)


def __getattr__(name: str):
    if name in _SUBPACKAGES:
        from importlib import import_module

        return import_module(f".{name}", __name__)
    return _lazy(name)
