"""Damaged and odd recordings, outputs safe to open, model and data files past sane bounds."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import torch

from birdscan import birdvox70k as data, files
from birdscan.detect import audio, selections
from birdscan.detect.discover import discover
from birdscan.detect.merge import merge
from birdscan.detect.pipeline import scan
from birdscan.errors import AudioError, DataError, ModelError, OutputError, ParameterError
from birdscan.model import Detector, ModelConfig, read_checkpoint, save_checkpoint
from birdscan.review.clips import export_clips
from birdscan.review.references import read_detections, read_windows


KW = dict(device="cpu", workers=0)


def test_random_bytes_are_not_decodable_audio_and_stay_quiet(tmp_path, capfd):
    p = tmp_path / "noise.mp3"
    p.write_bytes(np.random.default_rng(1).bytes(5000))
    with pytest.raises(AudioError, match=r"noise\.mp3: not decodable audio"):
        audio.info(p)
    assert "mpg123" not in capfd.readouterr().err  # no decoder chatter in the terminal


@pytest.mark.skipif("MP3" not in sf.available_formats(), reason="this libsndfile cannot write MP3 (needs 1.1 or newer)")
def test_a_damaged_mp3s_decoder_messages_go_to_its_entry_not_the_terminal(tmp_path, write_tone_file):
    import subprocess
    import sys

    x, sr = sf.read(write_tone_file(tmp_path / "tone.wav", 24000, 20.0, [3.0, 15.0]), dtype="float32")
    rec = tmp_path / "rec"
    rec.mkdir()
    sf.write(rec / "bad.mp3", x, sr, format="MP3")
    sf.write(rec / "good.mp3", x, sr, format="MP3")
    b = bytearray((rec / "bad.mp3").read_bytes())
    b[len(b) // 2 : len(b) // 2 + 4000] = np.random.default_rng(0).bytes(4000)  # valid start, garbage deep inside
    (rec / "bad.mp3").write_bytes(bytes(b))
    r = subprocess.run([sys.executable, "-m", "birdscan", "run", str(rec), "--out", str(tmp_path / "o/detections.csv"),
                        "--device", "cpu", "--workers", "2"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert lines and all(line.startswith("birdscan: ") for line in lines), r.stderr  # no decoder chatter
    assert "birdscan: 1 of 2 file(s) were damaged and only partly scanned" in r.stderr  # birdscan's own still there
    files = {f["file"]: f for f in json.loads((tmp_path / "o/run.json").read_text())["files"]}
    assert files["good.mp3"]["status"] == "ok" and files["good.mp3"]["warnings"] == []
    bad = files["bad.mp3"]
    assert bad["status"] == "partial" and bad["error"].startswith(f"{rec / 'bad.mp3'}: ")
    said = [w for w in bad["warnings"] if "the decoder said" in w]
    assert len(said) == 1 and said[0].startswith(f"{rec / 'bad.mp3'}: the decoder said: ") and "resync" in said[0]


def test_partial_flac_keeps_what_decoded(tmp_path, write_tone_file):
    p = write_tone_file(tmp_path / "long.flac", 24000, 20.0, [3.0, 15.0])
    b = p.read_bytes()
    p.write_bytes(b[: len(b) * 2 // 3])  # the recorder's battery died
    with pytest.raises(AudioError, match="decoding failed after"):
        sum(len(x) for x in audio.stream(p))  # without a report it is an error, as before
    rep = audio.DecodeReport()
    n = sum(len(x) for x in audio.stream(p, report=rep))
    assert rep.partial and "decoding failed after 13." in rep.partial and n == pytest.approx(rep.frames, abs=1)
    assert 13.0 < rep.frames / 24000 < 13.4
    res = scan([p], out=tmp_path / "o" / "detections.csv", **KW)
    f = res.files[0]
    assert f.status == "partial" and 13.0 < f.scanned_s < 13.4 and res.n_partial == 1 and res.n_errors == 0
    assert list(np.round(f.events.peak_s)) == [3.0]  # the call before the damage is found
    man = json.loads((tmp_path / "o" / "run.json").read_text())
    assert man["summary"]["partial"] == 1 and man["files"][0]["status"] == "partial"
    assert "decoding failed after" in man["files"][0]["error"]


def test_silence_nan_and_low_rates_are_warned(tmp_path, write_tone_file):
    sf.write(tmp_path / "silent.wav", np.zeros(24000, np.float32), 24000)
    sf.write(tmp_path / "allnan.wav", np.full(24000, np.nan, np.float32), 24000, subtype="FLOAT")
    write_tone_file(tmp_path / "low.wav", 4000, 2.0)
    res = scan([tmp_path], **KW)
    warn = {f.rec.rel: " ".join(f.warnings) for f in res.files}
    assert "digital silence" in warn["silent.wav"]
    assert "every sample is NaN or infinite" in warn["allnan.wav"]
    assert "sampled at 4000 Hz" in warn["low.wav"]
    assert all(f.status == "ok" for f in res.files) and res.manifest["summary"]["warnings"] == 3


def test_channel_out_of_range_is_counted_from_one(tmp_path, write_tone_file):
    write_tone_file(tmp_path / "mono.wav", 24000, 1.0)
    res = scan([tmp_path], channel=5, **KW)
    assert "channel 5 asked for (counting from 1), but the file has 1 channel(s)" in res.files[0].error


def test_unreadable_folder_and_named_file_are_per_file_errors(tmp_path, monkeypatch, write_tone_file):
    write_tone_file((tmp_path / "rec").mkdir() or tmp_path / "rec" / "a.wav", 24000, 1.0)
    write_tone_file((tmp_path / "rec" / "locked").mkdir() or tmp_path / "rec" / "locked" / "b.wav", 24000, 1.0)
    named = write_tone_file(tmp_path / "named.wav", 24000, 1.0)
    locked = str(tmp_path / "rec" / "locked")
    scandir, stat = os.scandir, os.stat

    def refuse_dir(path="."):
        if not isinstance(path, int) and os.fspath(path) == locked:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), locked)
        return scandir(path)

    def refuse_file(path, *a, **kw):  # root reads anything: refuse the way the OS would for others
        if not isinstance(path, int) and os.fspath(path) == str(named):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(named))
        return stat(path, *a, **kw)

    monkeypatch.setattr(os, "scandir", refuse_dir)
    monkeypatch.setattr(os, "stat", refuse_file)
    assert [r.rel for r in discover([tmp_path / "rec", named])] == ["a.wav", "locked/", "named.wav"]
    res = scan([tmp_path / "rec", named], out=tmp_path / "o" / "detections.csv", **KW)
    monkeypatch.undo()
    got = {f.rec.rel: (f.status, f.error) for f in res.files}
    assert got["a.wav"] == ("ok", None)
    assert got["locked/"][0] == "error" and "cannot list this folder (Permission denied)" in got["locked/"][1]
    assert got["named.wav"][0] == "error" and "Permission denied" in got["named.wav"][1]
    man = json.loads((tmp_path / "o" / "run.json").read_text())
    assert {f["file"]: f["status"] for f in man["files"]} == {"a.wav": "ok", "locked/": "error", "named.wav": "error"}
    with pytest.raises(ParameterError, match="does not exist"):
        discover([tmp_path / "typo.wav"])


def test_hostile_names_are_safe_in_every_output(tmp_path, write_tone_file):
    rec = tmp_path / "rec"
    rec.mkdir()
    long = "x" * 240 + ".wav"
    names = ["=HYPERLINK(1).wav", "+1.wav", "@a.wav", "'q.wav", long]
    for n in names:
        write_tone_file(rec / n, 24000, 2.0, [1.0])
    out = tmp_path / "out"
    res = scan([rec], out=out / "detections.csv", windows=out / "windows.csv", raven=out / "raven", **KW)
    assert res.n_errors == 0
    det_text = (out / "detections.csv").read_text()
    first = {line.split(",")[0] for line in det_text.splitlines()[1:]}
    assert not any(c.startswith(("=", "+", "-", "@")) for c in first)
    assert "'=HYPERLINK(1).wav" in first and "''q.wav" in first
    assert set(read_detections(out / "detections.csv").file) == set(names)  # read back exactly
    assert set(read_windows(out / "windows.csv").file) == set(names)
    man = json.loads((out / "run.json").read_text())
    assert sorted(f["file"] for f in man["files"]) == sorted(names)  # run.json keeps the exact names
    tables = sorted(p.name for p in (out / "raven").iterdir())
    assert len(tables) == len(names) + 1 and all(len(t.encode()) <= files.MAX_NAME_BYTES for t in tables)
    assert any(t.startswith("x" * 100) and "~" in t for t in tables)
    clips = export_clips(out / "detections.csv", tmp_path / "clips")
    assert (clips["status"] == "ok").all() and len(list((tmp_path / "clips").iterdir())) == len(clips)


def test_raven_begin_path_is_no_formula_and_still_the_file(tmp_path, monkeypatch, write_tone_file):
    from birdscan.tables import FORMULA_STARTS

    monkeypatch.chdir(tmp_path)
    (tmp_path / "-night").mkdir()
    (tmp_path / "abs").mkdir()
    recs = [write_tone_file(tmp_path / n, 24000, 2.0, [1.0]) for n in ("=HYPERLINK(1).wav", "-night/a.wav", "abs/=b.wav")]
    res = scan(["=HYPERLINK(1).wav", "-night", str(tmp_path / "abs" / "=b.wav")], raven="raven", **KW)
    assert res.n_errors == 0 and all(f.n_events for f in res.files)
    tables = sorted((tmp_path / "raven").iterdir())
    assert len(tables) == 4
    cells = set()
    for table in tables:
        rows = (tmp_path / "raven" / table).read_text().splitlines()
        col = rows[0].split("\t").index("Begin Path")
        cells |= {row.split("\t")[col] for row in rows[1:]}
    assert cells == {"./=HYPERLINK(1).wav", "./-night/a.wav", str(tmp_path / "abs" / "=b.wav")}
    assert not any(c.startswith(FORMULA_STARTS + ("'",)) for c in cells)  # safe in a spreadsheet
    assert {Path(c).resolve() for c in cells} == {r.resolve() for r in recs}  # and Raven finds the files


def test_outputs_never_leave_their_folder(tmp_path, write_tone_file):
    with pytest.raises(OutputError, match="not a plain relative name"):
        selections.raven_path(tmp_path / "raven", "../../../x.flac")
    (tmp_path / "raven").mkdir()
    os.symlink(tmp_path, tmp_path / "raven" / "up")
    with pytest.raises(OutputError, match="outside"):
        selections.raven_path(tmp_path / "raven", "up/x.flac")
    rec = tmp_path / "rec"
    for i in range(2):
        write_tone_file((rec.mkdir(exist_ok=True) or rec) / f"r{i}.wav", 24000, 2.0, [1.0])
    shards = [scan([rec], out=tmp_path / f"s{k}/detections.csv", raven=tmp_path / f"s{k}/raven", shard=(k, 2), **KW)
              for k in (1, 2)]
    assert all(r.n_errors == 0 for r in shards)
    man = json.loads((tmp_path / "s1/run.json").read_text())
    old = man["files"][0]["file"]
    man["files"][0]["file"] = "../../../evil.wav"  # an edited shard manifest (and its table)
    (tmp_path / "s1/run.json").write_text(json.dumps(man))
    det = tmp_path / "s1/detections.csv"
    det.write_text(det.read_text().replace(old, "../../../evil.wav"))
    with pytest.raises(OutputError, match="not a plain relative name"):
        merge([tmp_path / "s1/detections.csv", tmp_path / "s2/detections.csv"], out=tmp_path / "m/detections.csv",
              raven=tmp_path / "m/raven")
    assert not (tmp_path / "evil.wav.selections.txt").exists() and not (tmp_path / "m/run.json").exists()


def test_shard_count_is_bounded(tmp_path, write_tone_file):
    write_tone_file(tmp_path / "a.wav", 24000, 1.0)
    with pytest.raises(ParameterError, match="more than birdscan splits a run into"):
        scan([tmp_path], shard="1/100000000000", **KW)
    with pytest.raises(ParameterError, match=r"only 1 recording\(s\) found, so N must be at most 1"):
        scan([tmp_path], shard="1/2", **KW)


def test_checkpoints_past_sane_bounds_or_with_nan_weights_are_refused(tmp_path, write_tone_file):
    with pytest.raises(ModelError, match=r"channels=\[4096, 4096\]: each must be within 1..512"):
        ModelConfig(channels=(4096, 4096))
    p = save_checkpoint(tmp_path / "m.pt", Detector(ModelConfig()))
    ckpt = read_checkpoint(p)
    ckpt["config"]["hidden"] = 10**9  # would ask for gigabytes
    torch.save(ckpt, tmp_path / "huge.pt")
    write_tone_file(tmp_path / "a.wav", 24000, 1.0)
    with pytest.raises(ModelError, match=r"hidden=1000000000 is outside 1..2048"):
        scan([tmp_path / "a.wav"], model=tmp_path / "huge.pt", **KW)
    ckpt = read_checkpoint(p)
    for v in ckpt["state_dict"].values():
        if v.is_floating_point():
            v.fill_(float("nan"))
    torch.save(ckpt, tmp_path / "nan.pt")
    with pytest.raises(ModelError, match=r"nan\.pt: the weights hold NaN or infinite values"):
        scan([tmp_path / "a.wav"], model=tmp_path / "nan.pt", **KW)


def test_non_finite_scores_fail_that_file_and_the_run_goes_on(tmp_path, write_tone_file):
    from click.testing import CliRunner

    from birdscan.cli import main

    rec = tmp_path / "rec"
    rec.mkdir()
    write_tone_file(rec / "a.wav", 24000, 3.0, [1.5])
    huge = np.random.default_rng(0).standard_normal(48000).astype(np.float32) * np.float32(1e30)
    sf.write(rec / "b_huge.wav", huge, 24000, subtype="FLOAT")  # finite samples, but too large to compute with
    write_tone_file(rec / "c.wav", 24000, 3.0, [1.5])
    r = CliRunner().invoke(main, ["run", str(rec), "--out", str(tmp_path / "o/detections.csv"), "--device", "cpu", "-q"])
    assert r.exit_code == 1, r.output
    files = {f["file"]: f for f in json.loads((tmp_path / "o/run.json").read_text())["files"]}
    assert files["a.wav"]["status"] == files["c.wav"]["status"] == "ok"
    assert files["b_huge.wav"]["status"] == "error"
    assert files["b_huge.wav"]["error"].startswith(f"{rec / 'b_huge.wav'}: the model (")
    assert "returned non-finite scores for 31 of 31 windows" in files["b_huge.wav"]["error"]
    assert set(pd.read_csv(tmp_path / "o/detections.csv")["file"]) == {"a.wav", "c.wav"}


def test_non_finite_frequency_estimates_fail_the_file_too(tmp_path, monkeypatch, write_tone_file):
    from birdscan.detect.infer import Scanner

    write_tone_file(tmp_path / "a.wav", 24000, 1.0)
    sf.write(tmp_path / "b_loud.wav", np.full(24000, 0.95, np.float32), 24000)
    real = Scanner._probs

    def probs(self, x, n):
        out = real(self, x, n)
        assert out.ndim == 3  # the shipped model has a frequency head
        out[np.abs(x).max(axis=1) > 0.9, :, 1] = np.nan  # frequency estimates of b_loud.wav only
        return out

    monkeypatch.setattr(Scanner, "_probs", probs)
    res = scan([tmp_path], **KW)
    assert [f.status for f in res.files] == ["ok", "error"]
    assert res.files[1].error.startswith(f"{tmp_path / 'b_loud.wav'}: the model") and "non-finite scores" in res.files[1].error


def test_hdf5_links_and_huge_samples_name_file_and_clip(tmp_path):
    import h5py

    from birdscan.train.dataset import ClipDataset

    name = data.clip_name("unit01", 50_000, 0, 0)
    path = data.write_unit(tmp_path / data.unit_file_name("unit01"), {name: np.zeros(12000, np.float32)})
    with h5py.File(path, "a") as f:
        f[data.GROUP][data.clip_name("unit01", 70_000, 0, 0)] = h5py.SoftLink("/nowhere")
    with pytest.raises(DataError, match=r"unit01\.hdf5: clip 'unit01_.*' is a soft or external link"):
        data.index_units([path])
    huge = data.write_unit(tmp_path / "BirdVox-70k_unit02.hdf5", {data.clip_name("unit02", 50_000, 0, 0): np.full(12000, 1e30, np.float32)})
    ds = ClipDataset(data.index_units([huge]))
    with pytest.raises(DataError, match=r"unit02\.hdf5: clip 'unit02_.*' holds samples up to 1e\+30"):
        ds.read(0)
