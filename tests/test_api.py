"""The public API by name: every documented name resolves, in a fresh interpreter and after use."""

from __future__ import annotations

import inspect
import subprocess
import sys
import types

import pytest

import birdscan

FUNCTIONS = ("scan", "merge", "discover", "load_model", "evaluate", "export_clips", "plot_activity",
             "plot_trace", "plot_pr", "evaluate_clips", "write_birdvox70k", "write_recording")


@pytest.mark.parametrize("name", FUNCTIONS)
def test_public_function_names(name):
    assert name in birdscan.__all__
    assert inspect.isfunction(getattr(birdscan, name))


@pytest.mark.parametrize("name", ["detect", "train", "synth", "review"])
def test_subpackages_are_modules(name):
    assert isinstance(getattr(birdscan, name), types.ModuleType)


def test_subpackage_public_names():
    from birdscan.detect import scan
    from birdscan.review import export_clips, plot_trace
    from birdscan.synth import write_birdvox70k, write_recording
    from birdscan.train import evaluate_clips, train

    assert scan is birdscan.scan and export_clips is birdscan.export_clips and plot_trace is birdscan.plot_trace
    assert write_birdvox70k is birdscan.write_birdvox70k and write_recording is birdscan.write_recording
    assert evaluate_clips is birdscan.evaluate_clips and inspect.isfunction(train)


def test_train_option_groups_are_public():
    import dataclasses

    import birdscan.train
    from birdscan.model import ModelConfig

    for name in ("SplitOptions", "RealSoundsOptions", "FitOptions", "RuntimeOptions"):
        assert name in birdscan.train.__all__ and dataclasses.is_dataclass(getattr(birdscan.train, name)), name
    assert isinstance(birdscan.train.DEFAULT_MODEL, ModelConfig) and inspect.isfunction(birdscan.train.parse_channels)
    assert list(inspect.signature(birdscan.train.train).parameters)[:2] == ["data", "out"]


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        birdscan.nope  # noqa: B018


def _fresh(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_names_stay_functions_after_the_submodules_are_imported(tmp_path):
    # importing a submodule sets it as an attribute of its package: a public name must never be one
    code = (
        "import inspect, birdscan\n"
        "assert inspect.isfunction(birdscan.discover)\n"
        "import birdscan.detect.pipeline, birdscan.detect.discover, birdscan.detect.merge, birdscan.review.evaluate\n"
        "import birdscan.train.loop, birdscan.synth.compose, birdscan.review.clips\n"
        f"bad = [n for n in {FUNCTIONS!r} if not inspect.isfunction(getattr(birdscan, n))]\n"
        "print(bad)\n"
    )
    assert _fresh(code) == "[]"


def test_help_does_not_import_torch():
    code = (
        "import sys\n"
        "from birdscan.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "try:\n    main(['run', '--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('torch', 'rich', 'pandas', 'matplotlib', 'h5py') if m in sys.modules))\n"
    )
    assert _fresh(code).splitlines()[-1] == "[]"


def test_names_moved_by_module_splits_stay_importable_where_they_were():
    from birdscan.calltypes import TYPE_BOUNDARY_HZ
    from birdscan.detect import audio, audiofile
    from birdscan.review import frequency
    from birdscan.synth import negatives, noises

    for name in ("read_segment", "read_segments", "seconds_to_samples", "RATE_RANGE", "info", "AudioInfo"):
        assert getattr(audio, name) is getattr(audiofile, name), name
    for name in ("thunder", "wind", "traffic", "airplane"):
        assert getattr(negatives, name) is getattr(noises, name), name
    assert frequency.TYPE_BOUNDARY_HZ is TYPE_BOUNDARY_HZ
