"""The default model shipped in models/: metadata and a detection at the right time."""

import numpy as np
import pytest
import soundfile as sf

from birdscan import __version__
from birdscan.detect.pipeline import scan
from birdscan.model import ModelConfig, default_model_path, file_sha256, read_checkpoint
from birdscan.realsounds import LEVEL_DB
from birdscan.synth.compose import synth_background, synth_call


def test_checkpoint_metadata():
    path = default_model_path()
    ck = read_checkpoint(path)
    cfg = ModelConfig.from_dict(ck["config"])
    assert (cfg.sample_rate, cfg.window, cfg.hop) == (24000, 12000, 1200)
    assert ck["birdscan_version"] == __version__
    train = ck["train"]
    assert train["command"].startswith("birdscan train")
    assert train["metrics"]["auprc"] > 0.9
    assert path.stat().st_size < 5_000_000
    assert len(file_sha256(path)) == 64


@pytest.mark.parametrize("kind,sr", [("thrush", 24000), ("high", 44100), ("thrush", 16000)])
def test_detects_a_generated_call_at_the_right_time(tmp_path, kind, sr):
    rng = np.random.default_rng(7)
    x = synth_background(rng, 8 * sr, sr)
    call, info = synth_call(rng, sr, kind=kind)
    centre = 5.3
    a = int(centre * sr) - len(call) // 2
    x[a : a + len(call)] += call * 8 * np.sqrt(np.mean(x**2)) / np.sqrt(np.mean(call**2))
    sf.write(tmp_path / "night.wav", x / np.abs(x).max() * 0.5, sr)
    res = scan([tmp_path / "night.wav"], device="cpu")
    det = res.detections
    hits = det[(det.peak_s - centre).abs() <= 0.25]
    assert len(hits) == 1, det
    assert len(det) - len(hits) <= 1
    # the frequency head: the call's type, and its centre frequency within 3 semitones
    assert hits.call_type.iloc[0] == ("tseep" if kind == "high" else "thrush")
    assert abs(12 * np.log2(hits.freq_hz.iloc[0] / info["centre_freq_hz"])) <= 3


def test_checkpoint_records_its_real_training_sounds_and_threshold():
    ck = read_checkpoint(default_model_path())
    cfg = ModelConfig.from_dict(ck["config"])
    assert cfg.freq_head and cfg.bg_stats
    neg = ck["train"]["data"]["negatives"]
    parts = [set(neg[k]) for k in ("train", "validation", "heldout")]
    assert all(parts) and not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])
    assert not any("xeno-canto-nc" in name for name in neg["train"] + neg["validation"])  # non-commercial: test only
    # its real-noise windows were at the levels of real recordings, not louder than the calls
    assert neg["level_db"] == list(LEVEL_DB)
    # the threshold is the one training chose on the real-noise validation recordings (never a hand-set value)
    t = ck["detect"]["threshold"]
    assert 0.5 <= t < 1 and "real-noise validation windows" in ck["detect"]["note"]
    assert t == round(max(ck["train"]["metrics"]["threshold_noise"], ck["train"]["metrics"]["threshold_p90"]), 4)


def _night_with(tmp_path, name: str, sound: np.ndarray, sr: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    bed = synth_background(rng, sound.size, sr)
    y = bed + sound * 6 * np.sqrt(np.mean(bed**2)) / np.sqrt(np.mean(sound**2))
    sf.write(tmp_path / f"{name}.wav", (y / np.abs(y).max() * 0.5).astype(np.float32), sr)


@pytest.mark.parametrize("freq", [2000.0, 3000.0, 4500.0])
def test_quiet_on_an_unsynchronised_pulsing_chorus_in_the_call_band(tmp_path, freq):
    """Six insects at about the same pitch, each pulsing at its own rate (the 0.1.0 model fired
    80-140 times a minute on this at 2 kHz)."""
    sr = 24000
    rng = np.random.default_rng(int(freq))
    t = np.arange(60 * sr) / sr
    chorus = sum(np.sin(2 * np.pi * freq * rng.uniform(0.97, 1.03) * t) * ((t * rng.uniform(20, 30) + rng.random()) % 1 < 0.5)
                 for _ in range(6))
    _night_with(tmp_path, "chorus", chorus, sr, int(freq))
    res = scan([tmp_path], device="cpu")
    assert len(res.detections) <= 2, res.detections  # per minute


TONES_HZ = (2500.0, 2800.0, 3000.0, 3100.0)


@pytest.fixture(scope="module")
def tone_folder(tmp_path_factory):
    """One minute of a pure steady tone at each of TONES_HZ, in the thrush band."""
    sr = 24000
    t = np.arange(60 * sr) / sr
    folder = tmp_path_factory.mktemp("tones")
    for freq in TONES_HZ:
        _night_with(folder, f"tone{int(freq)}", np.sin(2 * np.pi * freq * t), sr, 3)
    return folder


def _rates(folder, threshold=None):
    det = scan([folder], device="cpu", threshold=threshold).detections
    return {freq: int((det.file == f"tone{int(freq)}.wav").sum()) for freq in TONES_HZ}


@pytest.fixture(scope="module")
def tone_rates(tone_folder):
    """Events a minute on each tone at the model's threshold."""
    return _rates(tone_folder)


def test_steady_tones_in_the_thrush_band_no_longer_flicker_all_minute(tone_rates):
    # the previous default model fired 70-130 times a minute on 2.5, 2.8 and 3.1 kHz tones
    assert max(tone_rates.values()) <= 40, tone_rates


def test_quiet_on_steady_tones_in_the_thrush_band(tone_rates):
    # G, an earlier default (model card), fired up to 31 times a minute on the 3.1 kHz tone
    assert max(tone_rates.values()) <= 2, tone_rates


def test_a_call_between_two_window_centres_scores_like_a_centred_one():
    """Windows are scored every 50 ms, so a call lies up to 25 ms from the nearest window centre,
    and where is chance. The shipped model was trained with clips shifted by up to 25 ms: of the
    generated calls its centred window detects, most are still detected by windows 50 ms off
    on both sides (with this test's calls: S, the previous default, 84%; R, this recipe with
    seed 0, 68%; this one 92.5%; a model trained on centred clips only, M, gave 38% with the
    generator before)."""
    import torch

    from birdscan.model import load_model

    ck = read_checkpoint(default_model_path())
    assert ck["train"]["arguments"]["time_shift"] == 600  # samples: half the hop
    model = load_model(default_model_path()).eval()
    sr, t = 24000, ck["detect"]["threshold"]
    rng = np.random.default_rng(11)
    offsets_ms = (0, -50, 50)
    windows = []
    for i in range(40):
        x = synth_background(rng, 2 * sr, sr).astype(np.float32)
        call, info = synth_call(rng, sr, kind="high" if i % 4 == 0 else "thrush")
        a = sr - int(info["duration_s"] * sr) // 2  # the call's centre at 1 s
        x[a : a + len(call)] += call * 3 * np.sqrt(np.mean(x**2)) / np.sqrt(np.mean(call**2))
        windows += [x[sr - 6000 + ms * 24 :][:12000] for ms in offsets_ms]
    with torch.inference_mode():
        p = torch.sigmoid(model.forward_all(torch.from_numpy(np.stack(windows)))[0]).numpy().reshape(40, 3)
    centred = p[:, 0] >= t
    assert centred.mean() >= 0.9
    off_both = (p[:, 1:].min(1) >= t) & centred
    assert off_both.sum() >= 0.6 * centred.sum(), p


def test_steady_tones_stay_quiet_at_the_lower_threshold_the_card_offers(tone_folder):
    # M, an earlier default, scored these tones 0.85-0.94 (median window) and fired up to
    # 131 times a minute at 0.95; trained with whole-window tones (synth.tones) it fires at most once
    assert max(_rates(tone_folder, 0.95).values()) <= 2


def test_checkpoint_records_the_whole_window_tones_it_trained_on():
    data = read_checkpoint(default_model_path())["train"]["data"]
    tones = data["clips"]["train"]["extra-tones"]
    assert tones["clips"] == 4000 and 0.25 < tones["positives"] / tones["clips"] < 0.4  # a third with a call over the tone


def test_checkpoint_left_out_exactly_the_spans_models_not_noise_csv_lists():
    """A span added to models/not_noise.csv (a bird found in the noise) needs a rebuild: the
    shipped model's noise windows, its validation windows and so its threshold must have left
    out the same spans that quality.py counts apart."""
    import csv
    from pathlib import Path

    listed: dict[str, list[list[float]]] = {}
    with open(Path(default_model_path()).parent / "not_noise.csv", newline="") as f:
        for row in csv.DictReader(f):
            listed.setdefault(row["file"], []).append([float(row["start_s"]), float(row["end_s"])])
    recorded = read_checkpoint(default_model_path())["train"]["data"]["negatives"]["not_noise"]
    assert Path(recorded["file"]).name == "not_noise.csv"
    assert recorded["spans"] == {name: sorted(spans) for name, spans in listed.items()}


def test_the_rebuild_recipe_makes_this_checkpoint():
    """models/make_default.sh's last training command is the one the shipped checkpoint records,
    paths aside, so the recipe rebuilds this model and not another seed or schedule of it."""
    import shlex
    from collections import Counter
    from pathlib import Path

    def settings(command: str) -> tuple[set, Counter]:
        # after "birdscan train"; a shell array ("${NEGATIVES[@]}": --negatives and paths) is left out
        words = [w for w in shlex.split(command)[2:] if not (w.startswith("${") and w.endswith("[@]}"))]
        pairs = set()
        for i, w in enumerate(words):
            if not w.startswith("--"):
                continue
            value = words[i + 1] if i + 1 < len(words) and not words[i + 1].startswith("--") else None
            if value is None or not ("/" in value or "$" in value):  # a path differs from machine to machine
                pairs.add((w, value))
        return pairs, Counter(w for w in words if w.startswith("--"))

    script = (Path(default_model_path()).parent / "make_default.sh").read_text().replace("\\\n", " ")
    recipe = [line for line in script.splitlines() if line.startswith("birdscan train ")][-1]
    train = read_checkpoint(default_model_path())["train"]
    (mine, my_counts), (theirs, their_counts) = settings(recipe), settings(train["command"])
    assert mine == theirs  # --seed, --epochs, --time-shift, --negative-windows, --cache, --bg-stats ...
    assert my_counts["--extra"] == their_counts["--extra"]
    # flags given a path (--not-noise CSV) too; --negatives hides in the recipe's shell array
    assert set(my_counts) - {"--negatives"} == set(their_counts) - {"--negatives"}
    assert ("--seed", str(train["arguments"]["fit"]["seed"])) in mine


def test_readme_and_model_card_quote_the_shipped_threshold_and_band():
    """The numbers users read are the checkpoint's own: a retrained default must update them."""
    import re
    from pathlib import Path

    ck = read_checkpoint(default_model_path())
    cfg = ModelConfig.from_dict(ck["config"])
    root = Path(__file__).resolve().parents[1]  # the source tree, wherever the package is installed
    readme = (root / "README.md").read_text()
    card = (root / "models" / "MODEL_CARD.md").read_text()
    t = f"{ck['detect']['threshold']:g}"
    assert f"stored in the checkpoint: {t} for the shipped model" in readme
    assert re.search(rf"\*\*Recommended threshold\*\*: {re.escape(t)}\b", card)
    band = f"{cfg.fmin / 1000:g}-{cfg.fmax / 1000:g} kHz for the shipped model"
    assert readme.count(band) == 2, band
