"""birdscan.synth.compose: BirdVox-70k-layout unit files (layout, determinism, workers, the share of
positives and of tseep calls) and the clips in them (call energy at the centre of positives, hard
negatives at the centre of negatives)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from birdscan import birdvox70k as data
from birdscan.errors import ParameterError
from birdscan.synth.compose import UnitProfile, make_clip, synth_background, write_birdvox70k


NAME = re.compile(r"^(unit\d{2})_(\d{9})_(\d{5})_([01])$")


SR = data.SAMPLE_RATE


@pytest.fixture(scope="module")
def two_units(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("synth70k")
    return write_birdvox70k(out, clips_per_unit=40, units=("unit01", "unit07"), seed=3)


def test_birdvox70k_layout(two_units: list[Path], read_unit) -> None:
    assert [p.name for p in two_units] == ["BirdVox-70k_unit01.hdf5", "BirdVox-70k_unit07.hdf5"]
    for path, unit in zip(two_units, ("unit01", "unit07")):
        clips = read_unit(path)
        assert len(clips) == 40
        centres, labels = [], []
        for name, wave in clips.items():
            m = NAME.match(name)
            assert m, name
            assert m.group(1) == unit
            assert wave.dtype == np.float32 and wave.shape == (data.CLIP_SAMPLES,)
            assert np.all(np.isfinite(wave)) and 0.002 < np.abs(wave).max() <= 1.0
            freq, label = int(m.group(3)), int(m.group(4))
            assert (freq > 0) == (label == 1)
            if label:
                assert 1900 <= freq <= 4200 or 5000 <= freq <= 10500, name
            centres.append(int(m.group(2)))
            labels.append(label)
        assert sum(labels) == 20
        centres = sorted(centres)
        assert len(set(centres)) == 40
        assert data.CLIP_SAMPLES <= centres[0] and centres[-1] <= 10 * 3600 * SR - data.CLIP_SAMPLES


def test_birdvox70k_positive_fraction(tmp_path: Path, read_unit) -> None:
    (path,) = write_birdvox70k(tmp_path, clips_per_unit=12, units=("unit03",), positive_fraction=0.25)
    assert sum(name.endswith("_1") for name in read_unit(path)) == 3


def test_birdvox70k_deterministic_by_seed_and_unit(tmp_path: Path, two_units: list[Path], read_unit) -> None:
    again = write_birdvox70k(tmp_path / "again", clips_per_unit=40, units=("unit07",), seed=3)
    first, second = read_unit(two_units[1]), read_unit(again[0])
    assert list(first) == list(second)
    assert all(first[k].tobytes() == second[k].tobytes() for k in first)
    other = read_unit(write_birdvox70k(tmp_path / "other", clips_per_unit=40, units=("unit07",), seed=4)[0])
    assert list(other) != list(first)


def test_birdvox70k_workers_do_not_change_data(tmp_path: Path, read_unit) -> None:
    one = write_birdvox70k(tmp_path / "one", clips_per_unit=6, units=("unit02", "unit05"), seed=1)
    two = write_birdvox70k(tmp_path / "two", clips_per_unit=6, units=("unit02", "unit05"), seed=1, workers=2)
    for a, b in zip(one, two):
        first, second = read_unit(a), read_unit(b)
        assert list(first) == list(second)
        assert all(np.array_equal(first[k], second[k]) for k in first)


def test_positive_clips_have_call_energy_at_centre(band_energy) -> None:
    rng = np.random.default_rng(0)
    wins = []
    for i in range(60):
        clip, freq = make_clip(rng, 1, UnitProfile.draw(i))
        lo, hi = freq - 400, freq + 400
        centre = band_energy(clip[6000 - 1200 : 6000 + 1200], SR, lo, hi)
        edges = max(band_energy(clip[:2400], SR, lo, hi), band_energy(clip[-2400:], SR, lo, hi))
        wins.append(centre > edges)
    assert np.mean(wins) >= 0.8


def test_negative_clips_have_hard_negatives_at_centre(band_energy) -> None:
    """Over a quiet bed, many negatives carry 1.5-10 kHz energy at the centre; bare backgrounds do not."""
    quiet = UnitProfile(
        insects=(), click_rate=1e-3, rain_prob=0, wind_prob=0, traffic_prob=0, airplane_prob=0,
        handling_rate=0, transient_rate=0, tonal_rate=0, hum_prob=0,
    )

    def centre_louder(x: np.ndarray) -> bool:
        x = x - x.mean()
        edges = max(band_energy(x[:2400], SR, 1500, 10000), band_energy(x[-2400:], SR, 1500, 10000))
        return band_energy(x[6000 - 1200 : 6000 + 1200], SR, 1500, 10000) > 1.2 * edges

    rng = np.random.default_rng(1)
    negatives = [make_clip(rng, 0, quiet) for _ in range(60)]
    assert all(freq == 0 for _, freq in negatives)
    assert np.mean([centre_louder(clip) for clip, _ in negatives]) >= 0.2
    assert np.mean([centre_louder(synth_background(rng, 12000, profile=quiet)) for _ in range(60)]) <= 0.05


def test_tseep_fraction_sets_the_share_of_high_calls(tmp_path: Path, read_unit) -> None:
    def high_share(paths: list[Path]) -> float:
        freqs = [int(NAME.match(n).group(3)) for n in read_unit(paths[0]) if n.endswith("_1")]
        return float(np.mean([f >= 5000 for f in freqs]))

    many = write_birdvox70k(tmp_path / "a", clips_per_unit=100, units=("unit01",), seed=4, positive_fraction=1.0,
                            tseep_fraction=0.5)
    none = write_birdvox70k(tmp_path / "b", clips_per_unit=30, units=("unit01",), seed=4, positive_fraction=1.0,
                            tseep_fraction=0.0)
    assert 0.33 < high_share(many) < 0.67 and high_share(none) == 0.0
    with pytest.raises(ParameterError, match="tseep_fraction=2"):
        write_birdvox70k(tmp_path / "c", tseep_fraction=2)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"clips_per_unit": 0}, r"clips_per_unit=0"),
        ({"units": ("unit1",)}, r"units: 'unit1'"),
        ({"units": ()}, r"units=\(\)"),
        ({"units": ("unit01", "unit01")}, r"units=.* twice"),
        ({"seed": -1}, r"seed=-1"),
        ({"positive_fraction": 1.5}, r"positive_fraction=1.5"),
        ({"backgrounds": "/no/such/folder"}, r"backgrounds='/no/such/folder'"),
        ({"workers": 0}, r"workers=0"),
    ],
)
def test_write_birdvox70k_bad_arguments(tmp_path: Path, kwargs: dict, match: str) -> None:
    out = tmp_path / "out"
    with pytest.raises(ParameterError, match=match):
        write_birdvox70k(out, **kwargs)
    assert not out.exists()  # checked before any work


def test_make_clip_bad_arguments() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ParameterError, match=r"label=2"):
        make_clip(rng, 2, UnitProfile())
    with pytest.raises(ParameterError, match=r"profile=None"):
        make_clip(rng, 1, None)  # type: ignore[arg-type]


def test_not_noise_spans_reach_the_noise_windows(tmp_path, read_unit) -> None:
    """``not_noise`` spans are taken out of the ``negatives`` recordings before any clip is cut:
    a folder whose one recording is all bird has no noise left to give."""
    import soundfile as sf

    from birdscan.errors import DataError

    rain = tmp_path / "noise" / "rain"
    rain.mkdir(parents=True)
    sf.write(str(rain / "only.wav"), 0.1 * np.random.default_rng(0).standard_normal(48_000).astype(np.float32), 24_000)
    csv = tmp_path / "birds.csv"
    csv.write_text("file,start_s,end_s\nrain/only.wav,0.0,1.9\n")
    with pytest.raises(DataError, match="no usable noise recordings"):
        write_birdvox70k(tmp_path / "a", clips_per_unit=4, units=("unit01",), negatives=[rain], not_noise=csv)
    csv.write_text("file,start_s,end_s\nrain/only.wav,0.5,1.0\n")
    (path,) = write_birdvox70k(tmp_path / "b", clips_per_unit=4, units=("unit01",), negatives=[rain], not_noise=csv)
    assert len(read_unit(path)) == 4
    with pytest.raises(ParameterError, match="^not_noise='.*birds.csv' lists spans of negatives recordings; give "
                                             r"the negatives folders too \(--negatives\)$"):
        write_birdvox70k(tmp_path / "c", clips_per_unit=4, units=("unit01",), not_noise=csv)
