"""The hard-negative loop a user runs: scan call-free audio, export what fired with
``birdscan clips --sample top``, file the clips under ``not_call/``, train again with
``--extra``: the new model fires less on that kind of noise (a recording it has not seen)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import birdscan
from birdscan import birdvox70k as bv
from birdscan.review.clips import export_clips
from birdscan.errors import ParameterError
from birdscan.train.augment import Augment
from birdscan.train.loop import train
from birdscan.train.options import DEFAULT_MODEL, FitOptions, RealSoundsOptions, RuntimeOptions, SplitOptions
from birdscan.train.predict import evaluate_clips

SR = 24_000
# The toy sounds (chirps, 2.8-3.2 kHz pips) hold nothing a low-pass at 7 kHz or more would
# touch: without it the augmentation draws what it drew before the low-pass existed.
TINY = dict(fit=FitOptions(epochs=10, batch_size=32, seed=1), model=replace(DEFAULT_MODEL, channels=(4, 8, 8)),
            runtime=RuntimeOptions(device="cpu"), progress=False, augment=Augment(lowpass_prob=0.0))
ONE_EPOCH = {**TINY, "fit": replace(TINY["fit"], epochs=1)}


def _chirp(rng: np.random.Generator) -> np.ndarray:
    dur = rng.uniform(0.08, 0.2)
    t = np.arange(int(dur * SR)) / SR
    f0, f1 = rng.uniform(3000, 3600), rng.uniform(2200, 2800)
    return (np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t**2 / (2 * dur))) * np.hanning(t.size)).astype(np.float32)


def _clip(rng: np.random.Generator, label: int) -> np.ndarray:
    x = (rng.standard_normal(12_000) * 0.02).astype(np.float32)
    if label:
        c = _chirp(rng) * rng.uniform(0.2, 0.5)
        a = 6000 - c.size // 2
        x[a: a + c.size] += c
    return x


def _pips(path: Path, seed: int, seconds: float = 30.0) -> Path:
    """A generated noise the base model mistakes for calls: 120 ms flat tone bursts at
    2.8-3.2 kHz, about 2.5 a second (a beeping machine, a tonal insect)."""
    rng = np.random.default_rng(seed)
    x = 0.02 * rng.standard_normal(int(seconds * SR))
    n = int(0.12 * SR)
    burst = 0.3 * np.sin(2 * np.pi * rng.uniform(2800, 3200) * np.arange(n) / SR) * np.hanning(n)
    for start in np.arange(0.3, seconds - 0.3, 1 / rng.uniform(2.2, 2.8)):
        a = int(start * SR)
        x[a: a + n] += burst
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), x.astype(np.float32), SR)
    return path


@pytest.fixture(scope="module")
def toy(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("mining")
    for u, unit in enumerate(["unit01", "unit02"]):
        rng = np.random.default_rng(u)
        clips = {bv.clip_name(unit, 50_000 + 20_000 * i, 3000 * (i % 2), i % 2): _clip(rng, i % 2) for i in range(160)}
        bv.write_unit(root / "bv" / bv.unit_file_name(unit), clips)
    return root


def test_mining_false_alarms_as_not_call_clips_lowers_false_alarms(toy):
    base = toy / "base.pt"
    train(toy / "bv", base, **TINY)
    site = _pips(toy / "site" / "night1.wav", seed=1)
    later = _pips(toy / "later" / "night2.wav", seed=2)
    scan = dict(threshold=0.5, device="cpu", workers=0)
    birdscan.scan([site.parent], out=toy / "review" / "detections.csv", model=base, **scan)
    before = len(birdscan.scan([later.parent], model=base, **scan).detections)
    assert before >= 10, "the base model should fire on the pips (else the test shows nothing)"

    exported = export_clips(toy / "review" / "detections.csv", toy / "review" / "clips", sample="top", max_clips=60)
    assert (exported.status == "ok").all()
    not_call = toy / "labelled" / "not_call"
    not_call.mkdir(parents=True)
    for clip in (toy / "review" / "clips").glob("*.wav"):  # a listener heard no call in any of them
        clip.rename(not_call / clip.name)

    mined = toy / "mined.pt"
    result = train(toy / "bv", mined, real=RealSoundsOptions(extra=[toy / "labelled"]), **TINY)
    assert "extra-labelled" in result.counts["train"]
    after = len(birdscan.scan([later.parent], model=mined, **scan).detections)
    assert after <= before // 3, (before, after)
    assert evaluate_clips(toy / "bv", "unit02", mined, device="cpu")["auprc"] >= 0.95  # calls are still found


def test_reviewed_clips_can_be_the_validation_unit(toy, tmp_path):
    labelled = tmp_path / "site-b"
    rng = np.random.default_rng(5)
    for label, folder in ((1, "call"), (0, "not_call")):
        (labelled / folder).mkdir(parents=True)
        for i in range(4):
            sf.write(str(labelled / folder / f"c{i}.wav"), _clip(rng, label), SR)
    result = train(toy / "bv", tmp_path / "v.pt", real=RealSoundsOptions(extra=[labelled]),
                   split=SplitOptions(val_units="extra-site-b"), **ONE_EPOCH)
    assert result.counts["val"] == {"extra-site-b": {"clips": 8, "positives": 4}}
    assert set(result.counts["train"]) == {"unit01", "unit02"}  # every BirdVox unit trains
    # test units are checked against the data here too, before any training
    with pytest.raises(ParameterError, match=r"test_units: units \['unit09'\] are not in the data"):
        train(toy / "bv", tmp_path / "w.pt", real=RealSoundsOptions(extra=[labelled]),
              split=SplitOptions(val_units="extra-site-b", test_units="unit09"), **ONE_EPOCH)
