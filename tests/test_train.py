"""Training and clip evaluation: metrics against hand-computed values, augmentation, a tiny
run on a separable toy task, its files, resume and agreement of evaluate_clips."""

from __future__ import annotations

import io
import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from birdscan import birdvox70k as data

from birdscan.train import metrics
from birdscan.train.augment import Augment, resample
from birdscan.errors import DataError, ModelError, OutputError, ParameterError
from birdscan.model import Detector, ModelConfig, read_checkpoint
from birdscan.train.log import LineReporter
from birdscan.train.loop import output_paths, train
from birdscan.train.resume import read_resume
from birdscan.train.options import DEFAULT_MODEL, FitOptions, RealSoundsOptions, SplitOptions
from birdscan.train.predict import evaluate_clips


FIT = FitOptions(epochs=3, batch_size=16, seed=1)
TINY = dict(fit=FIT, model=replace(DEFAULT_MODEL, channels=(4, 8, 8)), progress=False)

# ----------------------------------------------------------------- metrics by hand

Y = [0, 0, 1, 1, 0, 1]
S = [0.1, 0.4, 0.35, 0.8, 0.8, 0.9]


def test_roc_auc_by_hand_with_ties():
    # positives 0.35, 0.8, 0.9 against negatives 0.1, 0.4, 0.8: 1+0+0, 1+1+0.5, 1+1+1 = 6.5 of 9 pairs
    assert metrics.roc_auc(Y, S) == pytest.approx(6.5 / 9)
    assert metrics.roc_auc([0, 1], [0.3, 0.3]) == 0.5
    assert metrics.roc_auc([1, 1], [0.1, 0.2]) is None


def test_average_precision_by_hand():
    # thresholds 0.9: P 1/1 R 1/3; 0.8: P 2/3 R 2/3; 0.4: P 2/4; 0.35: P 3/5 R 1; 0.1: P 3/6
    assert metrics.average_precision(Y, S) == pytest.approx(1 / 3 * 1 + 1 / 3 * 2 / 3 + 1 / 3 * 3 / 5)
    assert metrics.average_precision([0, 0], [0.1, 0.2]) is None
    assert metrics.average_precision([1, 0, 1], [3.0, 2.0, 1.0]) == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)


def test_threshold_at_precision_by_hand():
    assert metrics.threshold_at_precision(Y, S, 0.9) == (0.9, pytest.approx(1 / 3))
    assert metrics.threshold_at_precision(Y, S, 0.6) == (0.35, 1.0)  # lowest threshold reaching P >= 0.6
    assert metrics.threshold_at_precision([0, 1], [0.9, 0.1], 0.9) == (None, 0.0)
    with pytest.raises(ParameterError, match="precision target=0 must be in"):
        metrics.threshold_at_precision(Y, S, 0)


def test_binary_metrics_by_hand():
    logits = [-2.0, 0.5, -0.1, 3.0, 1.0, 0.0]  # p >= 0.5 -> [0, 1, 0, 1, 1, 1]
    m = metrics.binary_metrics(Y, logits)
    # positives (2, 3, 5) predicted 0, 1, 1: tp 2, fn 1; negatives (0, 1, 4) predicted 0, 1, 1: tn 1, fp 2
    assert (m["clips"], m["positives"]) == (6, 3)
    assert m["accuracy"] == pytest.approx(3 / 6)
    assert m["balanced_accuracy"] == pytest.approx((2 / 3 + 1 / 3) / 2)
    assert (m["precision"], m["recall"]) == (pytest.approx(0.5), pytest.approx(2 / 3))
    assert m["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    bce = [math.log1p(math.exp(-z)) if y else math.log1p(math.exp(z)) for y, z in zip(Y, logits)]
    assert m["loss"] == pytest.approx(np.mean(bce))
    # order: 3.0(1) 1.0(0) 0.5(0) 0.0(1) -0.1(1) -2(0): AP = 1/3*1 + 1/3*2/4 + 1/3*3/5
    assert m["auprc"] == pytest.approx(1 / 3 + 1 / 6 + 1 / 5)
    assert m["roc_auc"] == pytest.approx(metrics.roc_auc(Y, logits))
    assert m["threshold_p90"] == pytest.approx(1 / (1 + math.exp(-3.0)))
    assert m["recall_p90"] == pytest.approx(1 / 3)
    json.dumps(m)  # plain types only


def test_metrics_reject_bad_input():
    with pytest.raises(ParameterError, match="differ in length"):
        metrics.roc_auc([0, 1], [0.5])
    with pytest.raises(ParameterError, match="labels must be 0 or 1"):
        metrics.binary_metrics([0, 2], [0.1, 0.2])
    with pytest.raises(ParameterError, match="finite"):
        metrics.binary_metrics([0, 1], [0.1, float("nan")])


# ----------------------------------------------------------------- augmentation


def _tone(freq: float, n: int = 12000, sr: int = 24000) -> torch.Tensor:
    return torch.sin(2 * math.pi * freq * torch.arange(n) / sr)


def _peak_hz(x: torch.Tensor) -> float:
    return float(torch.fft.rfft(x).abs().argmax()) * 24000 / x.shape[-1]


def test_resample_keeps_length_and_centre_and_scales_pitch():
    x = torch.stack([_tone(3000.0)] * 3)
    y = resample(x, torch.tensor([1.0, 1.04, 0.96]))
    assert y.shape == x.shape
    torch.testing.assert_close(y[0], x[0], rtol=0, atol=1e-4)  # factor 1 is the identity
    assert [_peak_hz(r) for r in y] == [3000.0, 3120.0, 2880.0]
    click = torch.zeros(1, 12000)
    click[0, 6000] = 1.0
    moved = resample(click, torch.tensor([1.05]), torch.tensor([100.0]))
    assert int(moved.abs().argmax()) == 6100  # scaling keeps the centre; the shift moves it 100 samples later


def test_augment_is_seeded_keeps_shape_and_only_mixes_negatives():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(8, 12000) * 0.1
    y = torch.tensor([0, 1] * 4, dtype=torch.float32)
    aug = Augment()
    a = aug(x, y, torch.Generator().manual_seed(5))
    b = aug(x, y, torch.Generator().manual_seed(5))
    assert a.shape == x.shape and torch.equal(a, b) and not torch.equal(a, x)
    # mixing only: every clip gains a scaled negative clip (maybe time-reversed)
    only_mix = Augment(pitch=0, polarity=False, mix_prob=1.0, bandstop_prob=0, noise_prob=0, lowpass_prob=0, gain_db=0)
    calls = torch.stack([_tone(3000.0)] * 2)
    noise = torch.randn(2, 12000, generator=g)
    batch = torch.cat([calls, noise])
    out = only_mix(batch, torch.tensor([1.0, 1.0, 0.0, 0.0]), g)
    added = out[:2] - calls
    negatives = torch.cat([noise, noise.flip(1)])
    for d in added:
        corr = [float(torch.nn.functional.cosine_similarity(d, n, dim=0)) for n in negatives]
        assert max(corr) > 0.999
    assert torch.equal(only_mix(calls, torch.ones(2), g), calls)  # no negatives: nothing to mix


def test_bandstop_removes_a_band_and_gain_scales():
    x = torch.stack([_tone(f) for f in (2000.0, 5000.0)]).sum(0, keepdim=True)
    stop = Augment(pitch=0, polarity=False, mix_prob=0, noise_prob=0, lowpass_prob=0, gain_db=0, bandstop_prob=1.0,
                   bandstop_hz=(400.0, 400.0), band=(4800.0, 5200.0))
    spec = torch.fft.rfft(stop(x, torch.zeros(1), torch.Generator().manual_seed(0))).abs()[0]
    assert spec[2000 // 2] > 5000 and spec[5000 // 2] < 1e-2
    gain = Augment(pitch=0, polarity=False, mix_prob=0, noise_prob=0, bandstop_prob=0, lowpass_prob=0, gain_db=12.0)
    ratio = gain(torch.ones(64, 12000), torch.zeros(64), torch.Generator().manual_seed(0))[:, 0]
    assert 10 ** (-12 / 20) - 1e-6 <= float(ratio.min()) < float(ratio.max()) <= 10 ** (12 / 20) + 1e-6


def test_augment_options_are_checked():
    with pytest.raises(ParameterError, match=r"mix_prob=2 must be a probability"):
        Augment(mix_prob=2)
    with pytest.raises(ParameterError, match=r"noise_db=\(-5, -30\) must be a \(low, high\) range"):
        Augment(noise_db=(-5, -30))


# ----------------------------------------------------------------- training


@pytest.fixture(scope="module")
def toy(tmp_path_factory, write_toy_units) -> Path:
    folder = tmp_path_factory.mktemp("bv")
    write_toy_units(folder, units=("unit01", "unit02", "unit03"), clips=96)
    return folder


@pytest.fixture(scope="module")
def run(toy, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "tiny.pt"
    return train(toy, out, **TINY)


def test_tiny_training_learns_and_writes_its_files(run, toy):
    assert run.epochs_run == 3 and [r["epoch"] for r in run.history] == [1, 2, 3]
    assert run.history[-1]["val_accuracy"] >= 0.9  # chance is 0.5
    assert run.best_metrics["auprc"] >= 0.95
    for path in (run.best, run.last, run.resume, run.metrics, run.curves):
        assert path.is_file(), path
    assert run.curves.read_bytes()[:4] == b"\x89PNG"
    rows = [json.loads(line) for line in run.metrics.read_text().splitlines()]
    assert rows == json.loads(json.dumps(run.history))
    assert {"epoch", "lr", "train_loss", "val_loss", "val_accuracy", "val_balanced_accuracy", "val_roc_auc",
            "val_auprc", "val_f1", "val_threshold_p90", "epoch_s", "train_clips_per_s", "best"} <= set(rows[0])
    assert run.clips_per_s > 0 and run.epoch_s > 0
    assert run.counts == {"train": {"unit01": {"clips": 96, "positives": 48}, "unit02": {"clips": 96, "positives": 48}},
                          "val": {"unit03": {"clips": 96, "positives": 48}}, "test": {}}


def test_checkpoints_hold_plain_provenance(run, toy):
    ckpt = read_checkpoint(run.best)  # torch.load(weights_only=True)
    info = ckpt["train"]
    assert info["epoch"] == run.best_epoch == info["best_epoch"]
    best_row = run.history[run.best_epoch - 1]
    assert best_row["best"] and info["metrics"]["auprc"] == best_row["val_auprc"]
    assert info["data"]["units"] == {"train": ["unit01", "unit02"], "val": ["unit03"], "test": []}
    assert info["data"]["dir"] == str(toy.resolve())
    assert info["arguments"]["model"]["channels"] == [4, 8, 8] and info["arguments"]["fit"]["batch_size"] == 16
    assert info["seed"] == 1 and isinstance(info["command"], str)
    assert ckpt["config"]["channels"] == [4, 8, 8]
    assert read_checkpoint(run.last)["train"]["epoch"] == 3
    # the best checkpoint recommends the threshold that reached 90% precision on validation
    t = info["metrics"]["threshold_p90"]
    assert t is not None  # the toy task is learnt (AUPRC >= 0.95)
    assert ckpt["detect"] == {"threshold": round(t, 4), "note": "reaches 90% precision on the validation units"}


def test_real_noise_validates_on_whole_unseen_recordings_and_sets_the_threshold(toy, tmp_path):
    """With ``negatives``, validation windows come from recordings training never hears; the
    recommended threshold is at least the one their loudest windows reach."""
    import soundfile as sf

    sr = 24_000
    t = np.arange(2 * sr) / sr
    folder = tmp_path / "noise" / "crickets"
    folder.mkdir(parents=True)
    for i in range(7):  # chirping crickets at 3 kHz (inside the toy calls' band) and 5 kHz
        f = 3000 if i % 2 else 5000
        x = 0.3 * np.sin(2 * np.pi * f * t) * ((t * 15 + 0.1 * i) % 1 < 0.3)
        sf.write(str(folder / f"c{i}.wav"), x.astype(np.float32), sr)
    res = train(toy, tmp_path / "n.pt", **TINY, real=RealSoundsOptions(negatives=[tmp_path / "noise"], negative_windows=40))
    ckpt = read_checkpoint(res.best)
    neg = ckpt["train"]["data"]["negatives"]
    assert len(neg["heldout"]) == 2 and len(neg["validation"]) == 1 and len(neg["train"]) == 4
    assert not set(neg["validation"]) & set(neg["train"])
    m = res.best_metrics
    assert m["noise_windows"] == 200  # max(200, negative_windows // 2)
    assert ckpt["detect"]["threshold"] >= round(max(m["threshold_noise"], m["threshold_p90"] or 0), 4) - 1e-4
    assert res.detect == ckpt["detect"]


def test_evaluate_clips_agrees_with_the_logged_best_epoch(run, toy):
    got = evaluate_clips(toy, "unit03", run.best, batch_size=16, device="cpu")
    logged = run.history[run.best_epoch - 1]
    assert got["units"] == ["unit03"] and got["clips"] == 96
    for key in ("loss", "accuracy", "balanced_accuracy", "roc_auc", "auprc", "f1", "threshold_p90", "recall_p90"):
        assert got[key] == pytest.approx(logged[f"val_{key}"], abs=1e-6), key
    model = Detector(ModelConfig(channels=(4, 8, 8)))  # an object works too
    assert evaluate_clips(toy, ["unit03"], model, batch_size=64)["clips"] == 96


class _Stop(Exception):
    pass


def test_resume_continues_the_run_exactly(run, toy, tmp_path, capfd):
    out = tmp_path / "resumed.pt"

    def stop_after_2(row):
        if row["epoch"] == 2:
            raise _Stop

    with pytest.raises(_Stop):
        train(toy, out, **{**TINY, "progress": stop_after_2})
    assert capfd.readouterr() == ("", "")  # the library prints nothing unless asked
    paths = output_paths(out)
    assert [json.loads(line)["epoch"] for line in paths.metrics.read_text().splitlines()] == [1, 2]
    with pytest.raises(ParameterError, match=r"resume: epochs=1 is fewer than the 2 epochs the run has done"):
        train(toy, out, resume=paths.last, **{**TINY, "fit": replace(FIT, epochs=1)})
    with pytest.raises(ParameterError, match=r"resume: options differ .* lr: run 0.003, now 0.001"):
        train(toy, out, resume=paths.last, **{**TINY, "fit": replace(FIT, lr=1e-3)})

    lines = io.StringIO()
    resumed = train(toy, out, resume=paths.last, **{**TINY, "progress": LineReporter(lines)})
    assert [r["epoch"] for r in resumed.history] == [1, 2, 3]
    assert [json.loads(line)["epoch"] for line in paths.metrics.read_text().splitlines()] == [1, 2, 3]
    text = lines.getvalue().splitlines()
    assert "AUPRC" in text[2] and "epochs 3..3" in text[0] and text[3].split()[0] == "3"  # only the resumed epoch
    # the same weights as the uninterrupted run: shuffling, augmentation and dropout are per-epoch seeded
    a, b = read_checkpoint(run.last)["state_dict"], read_checkpoint(paths.last)["state_dict"]
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=1e-4, atol=1e-5, msg=k)
    assert resumed.history[-1]["val_auprc"] == pytest.approx(run.history[-1]["val_auprc"], abs=1e-4)


def test_a_moving_average_is_what_training_validates_saves_and_resumes(run, toy, tmp_path):
    fit = replace(FIT, ema=0.9)
    whole = train(toy, tmp_path / "whole.pt", **{**TINY, "fit": fit})
    state = read_resume(whole.resume)
    assert state["average"]["updates"] == 3 * 12  # 192 training clips in steps of 16, 3 epochs
    saved = read_checkpoint(whole.last)["state_dict"]
    raw, averaged = state["model"], state["average"]["model"]
    for k in saved:
        assert torch.equal(saved[k], averaged[k]), k
    assert any(not torch.equal(raw[k], averaged[k]) for k in raw if raw[k].is_floating_point())
    # the logged validation scores the averaged weights
    best = evaluate_clips(toy, ["unit03"], whole.best, device="cpu")
    assert best["auprc"] == pytest.approx(whole.best_metrics["auprc"], abs=1e-4)
    assert read_checkpoint(whole.best)["train"]["arguments"]["fit"]["ema"] == 0.9

    def stop_after_2(row):
        if row["epoch"] == 2:
            raise _Stop

    out = tmp_path / "resumed.pt"
    with pytest.raises(_Stop):
        train(toy, out, **{**TINY, "fit": fit, "progress": stop_after_2})
    with pytest.raises(ParameterError, match=r"resume: options differ .* ema: run 0.9, now 0.0"):
        train(toy, out, resume=out, **TINY)
    with pytest.raises(ParameterError, match=r"resume: options differ .* ema: run 0.0, now 0.9"):
        train(toy, tmp_path / "other.pt", resume=run.resume, **{**TINY, "fit": fit})
    resumed = train(toy, out, resume=out, **{**TINY, "fit": fit})
    assert [r["epoch"] for r in resumed.history] == [1, 2, 3]
    again = read_checkpoint(resumed.last)["state_dict"]
    for k in saved:
        torch.testing.assert_close(again[k], saved[k], rtol=1e-4, atol=1e-5, msg=k)


def test_early_stopping_after_patience_epochs_without_a_better_epoch(tmp_path, monkeypatch, write_toy_units):
    from birdscan.train import predict

    small = tmp_path / "bv"
    write_toy_units(small, units=("unit01", "unit02"), clips=32)
    epochs = iter(range(1, 100))

    def worse_each_epoch(labels, logits):  # validation AUPRC 0.9, 0.8, 0.7, ...: never better
        return {**metrics.binary_metrics(labels, logits), "auprc": 1.0 - 0.1 * next(epochs)}

    monkeypatch.setattr(predict, "binary_metrics", worse_each_epoch)
    result = train(small, tmp_path / "m.pt", **{**TINY, "fit": replace(FIT, epochs=6, patience=2)})
    assert [r["best"] for r in result.history] == [True, False, False]  # two epochs without a better one
    assert result.stopped_early and result.epochs_run == 3 and result.best_epoch == 1


def test_train_checks_options_before_work(toy, tmp_path, run):
    with pytest.raises(ParameterError, match="must be a .pt file name"):
        train(toy, tmp_path / "model.bin", **TINY)
    with pytest.raises(OutputError, match="exists; pass overwrite=True"):
        train(toy, run.best, **TINY)
    with pytest.raises(ParameterError, match=r"val_units: units \['unit09'\] are not in the data"):
        train(toy, tmp_path / "m.pt", split=SplitOptions(val_units="unit09"), **TINY)
    with pytest.raises(ParameterError, match=r"time_shift=6000 must be in \[0, 6000\) samples"):
        train(toy, tmp_path / "m.pt", time_shift=6000, **TINY)
    with pytest.raises(ParameterError, match=r"fit must be a birdscan.train.FitOptions, not dict"):
        train(toy, tmp_path / "m.pt", **{**TINY, "fit": {"epochs": 3}})
    with pytest.raises(ParameterError, match="resume: .* does not exist"):
        train(toy, tmp_path / "m.pt", resume=tmp_path / "nothing.resume.pt", **TINY)
    assert not list(tmp_path.iterdir())


def test_validation_units_need_both_labels(tmp_path, write_toy_units):
    write_toy_units(tmp_path, units=("unit01",), clips=40)
    negatives = {data.clip_name("unit02", 12_000 * (i + 1), 0, 0): np.zeros(12_000, np.float32) for i in range(4)}
    data.write_unit(tmp_path / data.unit_file_name("unit02"), negatives)
    with pytest.raises(DataError, match=r"validation units \['unit02'\] hold clips of one label only"):
        train(tmp_path, tmp_path / "m.pt", **TINY)



def test_batch_larger_than_the_training_set_is_reduced_with_a_note(toy, tmp_path):
    import io

    from birdscan.train.log import LineReporter

    text = io.StringIO()
    result = train(toy, tmp_path / "m.pt", **{**TINY, "fit": replace(FIT, epochs=1, batch_size=1000),
                                               "progress": LineReporter(text)})
    assert "note: batch_size=1000 is more than the 192 training clips; using batch_size=192" in text.getvalue()
    assert result.epochs_run == 1 and result.clips_per_s > 0


def test_resume_can_extend_the_epochs_of_a_finished_run(run, toy, tmp_path):
    longer = train(toy, tmp_path / "longer.pt", resume=run.resume, **{**TINY, "fit": replace(FIT, epochs=4)})
    assert [r["epoch"] for r in longer.history] == [1, 2, 3, 4] and longer.epochs_run == 4
    a, b = read_checkpoint(run.last)["state_dict"], read_checkpoint(longer.last)["state_dict"]
    assert any(not torch.equal(a[k], b[k]) for k in a)  # epoch 4 trained
    assert [r["val_auprc"] for r in longer.history[:3]] == [r["val_auprc"] for r in run.history]


def test_a_0_1_0_script_with_the_old_keywords_trains_the_same_model_and_is_told_what_to_change(run, toy, tmp_path):
    with pytest.warns(DeprecationWarning, match=r"epochs=, batch_size=, seed= -> fit=FitOptions\(\.\.\.\)") as caught:
        old = train(toy, tmp_path / "old.pt", epochs=3, batch_size=16, seed=1, channels="4,8,8", progress=False)
    assert caught[0].filename == __file__  # the warning points at the caller's line
    new, ref = read_checkpoint(old.best), read_checkpoint(run.best)
    assert new["config"] == ref["config"]
    assert all(torch.equal(new["state_dict"][k], v) for k, v in ref["state_dict"].items())
    assert new["train"]["arguments"]["fit"] == ref["train"]["arguments"]["fit"]


def test_fine_tuning_starts_from_the_init_weights_and_keeps_its_network(run, toy, tmp_path):
    """``init``: the run trains the init checkpoint's network from its weights; one step at a
    vanishing learning rate leaves them where they were, and the checkpoint names its init."""
    from birdscan.model import file_sha256, load_model

    base = load_model(run.best)
    res = train(toy, tmp_path / "ft.pt", init=run.best, fit=replace(FIT, epochs=1, lr=1e-12), progress=False)
    tuned = load_model(res.best)
    assert tuned.config == base.config  # model left at its default: the init's network (channels 4, 8, 8)
    for (name, a), b in zip(base.named_parameters(), tuned.parameters()):  # not the norms' running statistics
        torch.testing.assert_close(a, b, atol=1e-6, rtol=0, msg=name)
    ckpt = read_checkpoint(res.best)
    assert ckpt["train"]["init"] == {"path": str(Path(run.best).resolve()), "sha256": file_sha256(run.best)}
    assert ckpt["train"]["arguments"]["model"] == base.config.to_dict()
    # from random weights, the same one step lands elsewhere: the init was used
    scratch = load_model(train(toy, tmp_path / "s.pt", fit=replace(FIT, epochs=1, lr=1e-12),
                               model=base.config, progress=False).best)
    assert not torch.allclose(next(scratch.parameters()), next(base.parameters()), atol=1e-3)
    with pytest.raises(ParameterError, match=r"^init='.*tiny.pt' is another network than model: channels=\[4, 8\] "
                                             r"\(init has \[4, 8, 8\]\); leave the model options out"):
        train(toy, tmp_path / "x.pt", init=run.best, model=replace(DEFAULT_MODEL, channels=(4, 8)), progress=False)
    with pytest.raises(ModelError, match="not a birdscan model file"):
        bad = tmp_path / "bad.pt"
        bad.write_bytes(b"not a checkpoint")
        train(toy, tmp_path / "y.pt", init=bad, progress=False)


def test_train_keeps_the_not_noise_spans_out_and_records_them(toy, tmp_path):
    import soundfile as sf

    sr = 24_000
    folder = tmp_path / "noise" / "crickets"
    folder.mkdir(parents=True)
    t = np.arange(2 * sr) / sr
    for i in range(4):
        sf.write(str(folder / f"c{i}.wav"), (0.3 * np.sin(2 * np.pi * 5000 * t)).astype(np.float32), sr)
    csv = tmp_path / "birds.csv"
    csv.write_text("file,start_s,end_s\n" + "".join(f"noise/crickets/c{i}.wav,0.5,1.0\n" for i in range(4)))
    res = train(toy, tmp_path / "nn.pt", **{**TINY, "fit": replace(FIT, epochs=1)},
                real=RealSoundsOptions(negatives=[tmp_path / "noise"], negative_windows=20, not_noise=csv))
    ckpt = read_checkpoint(res.best)
    spans = {f"noise/crickets/c{i}.wav": [[0.5, 1.0]] for i in range(4)}
    assert ckpt["train"]["data"]["negatives"]["not_noise"] == {"file": str(csv.resolve()), "spans": spans}
    assert ckpt["train"]["arguments"]["real"]["not_noise"] == str(csv)
    assert read_resume(res.resume)["run"]["not_noise"] == spans


def test_command_line_fine_tunes_with_init(run, toy, tmp_path):
    from click.testing import CliRunner

    from birdscan.cli import main
    from birdscan.model import file_sha256

    out = tmp_path / "ft.pt"
    r = CliRunner().invoke(main, ["train", "--data", str(toy), "--out", str(out), "--init", str(run.best), "--epochs", "1",
                                  "--batch-size", "16", "-q"])
    assert r.exit_code == 0, r.output
    ckpt = read_checkpoint(out)
    assert ckpt["train"]["init"]["sha256"] == file_sha256(run.best) and ckpt["config"]["channels"] == [4, 8, 8]
    r = CliRunner().invoke(main, ["train", "--data", str(toy), "--out", str(tmp_path / "x.pt"), "--init",
                                  str(tmp_path / "none.pt"), "-q"])
    assert r.exit_code == 1 and r.output.startswith("Error: --init '") and "none.pt" in r.output


def test_command_line_sets_the_lowest_band_and_init_keeps_its_own(run, toy, tmp_path):
    from click.testing import CliRunner

    from birdscan.cli import main
    from birdscan.model import model_from_checkpoint

    out = tmp_path / "low.pt"
    r = CliRunner().invoke(main, ["train", "--data", str(toy), "--out", str(out), "--channels", "4,8", "--fmin", "500",
                                  "--epochs", "1", "--batch-size", "16", "-q"])
    assert r.exit_code == 0, r.output
    ckpt = read_checkpoint(out)
    assert ckpt["config"]["fmin"] == 500.0
    mel = model_from_checkpoint(ckpt, out).frontend.mel  # the lowest band starts at 500 Hz
    freqs = torch.fft.rfftfreq(ckpt["config"]["n_fft"], 1 / ckpt["config"]["sample_rate"])
    assert 450 <= freqs[mel[:, 0] > 0].min() <= 600
    r = CliRunner().invoke(main, ["train", "--data", str(toy), "--out", str(tmp_path / "x.pt"), "--init", str(run.best),
                                  "--fmin", "500", "-q"])
    assert r.exit_code == 1 and "--fmin 500.0 (init has 1000.0)" in r.output, r.output
