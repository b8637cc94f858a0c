"""birdscan.birdvox70k's rate and clip length are the defaults wherever a default means them."""

from __future__ import annotations

import ast
import dataclasses
import inspect
from pathlib import Path

import birdscan
from birdscan.birdvox70k import CLIP_SAMPLES, SAMPLE_RATE

ROOT = Path(birdscan.__file__).parent


def test_defaults_are_birdvox_rate_and_clip_length():
    from birdscan.detect import audio
    from birdscan.realsounds import NoiseBank, RealSounds, read_labelled
    from birdscan.synth.ambience import synth_background
    from birdscan.synth.backgrounds import RealBackgrounds
    from birdscan.synth.calls import synth_call
    from birdscan.synth.recording import write_recording

    def default(f, name):
        return inspect.signature(f).parameters[name].default

    for f, name in ((audio.stream, "sample_rate"), (RealSounds, "sr"), (read_labelled, "sr"), (synth_call, "sr"),
                    (RealBackgrounds, "sr"), (synth_background, "sr"), (write_recording, "sr")):
        assert default(f, name) == SAMPLE_RATE, f.__qualname__
    for f, name in ((RealSounds, "window"), (read_labelled, "window"), (NoiseBank.windows, "size")):
        assert default(f, name) == CLIP_SAMPLES, f.__qualname__
    assert {f.name: f.default for f in dataclasses.fields(NoiseBank)}["sr"] == SAMPLE_RATE


def test_no_module_spells_them_out_as_a_default():
    """Defaults that are 24,000 or 12,000 take them from birdscan.birdvox70k (the command line's
    ``synth --sample-rate`` aside: an option, not a default of the library)."""
    bad = []
    for path in sorted(ROOT.rglob("*.py")):
        if path.name == "birdvox70k.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            values = []
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                values = node.args.defaults + [d for d in node.args.kw_defaults if d is not None]
            elif isinstance(node, ast.ClassDef):
                values = [s.value for s in node.body if isinstance(s, ast.AnnAssign) and s.value is not None]
            bad += [f"{path.relative_to(ROOT)}:{v.lineno}" for v in values
                    if isinstance(v, ast.Constant) and v.value in (24_000, 12_000) and not isinstance(v.value, bool)]
    assert not bad, bad
