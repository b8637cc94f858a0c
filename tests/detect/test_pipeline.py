"""birdscan.detect.pipeline: ``scan()``, end to end with the shipped model on generated recordings
(so these tests also exercise discover, audio, windows, infer, events and the writers): every file
a result, calls at known times, the outputs on one time base, options checked before any work,
outputs that are never overwritten or written by two runs at once, and a finished run resumed."""

import json
import os
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from click.testing import CliRunner

from birdscan.cli import main
from birdscan.detect.pipeline import scan
from birdscan.detect.selections import RAVEN_TABLE_COLUMNS as RAVEN_COLUMNS
from birdscan.detect.windows import count_windows
from birdscan.errors import ModelError, OutputError, ParameterError
from birdscan.model import default_model_path


CALLS = [1.5, 4.2, 7.9]


@pytest.fixture(scope="module")
def tree(tmp_path_factory, write_tone_file):
    root = tmp_path_factory.mktemp("rec")
    (root / "unitA").mkdir()
    (root / "unitB" / "deep").mkdir(parents=True)
    write_tone_file(root / "unitA" / "20230401_213000.wav", 24000, 10.0, CALLS)
    write_tone_file(root / "unitA" / "b.FLAC", 44100, 10.0, CALLS, channels=2, subtype="PCM_24")
    write_tone_file(root / "unitB" / "deep" / "c.wav", 16000, 10.0, CALLS, subtype="FLOAT")
    write_tone_file(root / "unitB" / "short.wav", 48000, 0.3, [])
    x, _ = sf.read(root / "unitA" / "20230401_213000.wav")
    sf.write(root / "unitB" / "m.mp3", x, 24000, format="MP3")
    (root / "unitB" / "corrupt.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt garbage")
    (root / "unitB" / "empty.flac").write_bytes(b"")
    return root


@pytest.fixture(scope="module")
def result(tree, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    res = scan([tree], out=out / "detections.csv", windows=out / "windows.csv.gz", raven=out / "raven", device="cpu")
    return res, out


def test_every_file_has_a_result_and_bad_files_are_reported(result):
    res, out = result
    status = {f.rec.rel: f.status for f in res.files}
    assert status == {"unitA/20230401_213000.wav": "ok", "unitA/b.FLAC": "ok", "unitB/corrupt.wav": "error",
                      "unitB/deep/c.wav": "ok", "unitB/empty.flac": "error", "unitB/m.mp3": "ok", "unitB/short.wav": "ok"}
    man = json.loads((out / "run.json").read_text())
    errors = {f["file"]: f["error"] for f in man["files"] if f["status"] == "error"}
    assert "corrupt.wav" in errors["unitB/corrupt.wav"] and "empty.flac" in errors["unitB/empty.flac"]
    assert man["summary"]["errors"] == 2 and res.n_errors == 2
    assert len(man["model"]["sha256"]) == 64 and man["options"]["hop_s"] == 0.05 and man["birdscan_version"]


def test_calls_found_at_known_times(result):
    res, out = result
    det = pd.read_csv(out / "detections.csv")
    assert list(det.columns[:8]) == ["file", "start_s", "end_s", "peak_s", "max_prob", "mean_prob", "low_freq_hz", "high_freq_hz"]
    for f in ["unitA/20230401_213000.wav", "unitA/b.FLAC", "unitB/deep/c.wav", "unitB/m.mp3"]:
        peaks = det.loc[det.file == f, "peak_s"].to_numpy()
        assert len(peaks) == len(CALLS), f
        assert np.abs(np.sort(peaks) - CALLS).max() <= 0.25, f
        band = det.loc[det.file == f, ["low_freq_hz", "high_freq_hz"]].to_numpy()
        assert (band[:, 0] < 3000).all() and (band[:, 1] > 2700).all() and (band[:, 1] < 5000).all()
    stamped = det[det.file == "unitA/20230401_213000.wav"]
    assert stamped.start_time.str.startswith("2023-04-01T21:30:0").all()


def test_windows_cover_each_file(result):
    res, out = result
    win = pd.read_csv(out / "windows.csv.gz")
    for f in res.files:
        if f.status == "ok":
            n = count_windows(round(f.duration_s * 24000), 12000, 1200)
            rows = win[win.file == f.rec.rel]
            assert len(rows) == n == f.n_windows
            assert rows.start_s.iloc[0] == 0 and rows.end_s.max() <= f.duration_s + 1e-3
    assert len(win[win.file == "unitB/short.wav"]) == 1


def test_outputs_read_strictly_on_one_time_base(result, read_detections_strict, read_windows_strict):
    import gzip

    res, out = result
    rows = read_detections_strict(out / "detections.csv")
    ok = {f.rec.rel: f for f in res.files if f.status == "ok"}
    assert {r["file"] for r in rows} <= set(ok) and len(rows) == len(res.detections)
    for r in rows:  # seconds from the recording's own start, inside the recording
        assert r["end_s"] <= ok[r["file"]].duration_s + 1e-3
        if r["start_time"]:
            expected = ok[r["file"]].recording_start + timedelta(seconds=r["start_s"])
            assert abs((r["start_time"] - expected).total_seconds()) < 0.002
    with gzip.open(out / "windows.csv.gz", "rt", encoding="utf-8", newline="") as f:
        windows = read_windows_strict(f.read().splitlines())
    assert len(windows) == sum(f.n_windows for f in ok.values())


def test_raven_tables(result, read_raven_strict):
    res, out = result
    t = pd.read_csv(out / "raven" / "unitA" / "b.FLAC.selections.txt", sep="\t")
    assert list(t.columns) == RAVEN_COLUMNS and len(t) == len(CALLS)
    with open(out / "raven" / "unitB" / "deep" / "c.wav.selections.txt") as f:
        assert f.readline().rstrip("\n").split("\t") == RAVEN_COLUMNS
    for f in res.files:
        if f.status == "ok":  # Channel an integer, peaks inside their selections, also for files without events
            rows = read_raven_strict(out / "raven" / f"{f.rec.rel}.selections.txt")
            assert {r["Begin Path"] for r in rows} <= {str(f.rec.path)}
    assert {r["Channel"] for r in read_raven_strict(out / "raven" / "birdscan_combined.selections.txt")} == {1}
    c = pd.read_csv(out / "raven" / "birdscan_combined.selections.txt", sep="\t")
    assert (c["High Freq (Hz)"][c["Begin Path"].str.endswith("c.wav")] <= 8000).all()
    ok = [f for f in res.files if f.status == "ok"]
    offsets = np.cumsum([0] + [f.duration_s for f in ok])
    for f, off in zip(ok, offsets):
        rows = c[c["Begin Path"] == str(f.rec.path)]
        np.testing.assert_allclose(rows["Begin Time (s)"] - rows["File Offset (s)"], off, atol=1e-3)


def test_dense_equals_window_by_window_across_blocks_and_files(tmp_path, write_tone_file):
    # 40 s files: several 512-window blocks at 25 ms hop, split over batches of any size
    for i, sr in enumerate((24000, 22050)):
        write_tone_file(tmp_path / f"f{i}.wav", sr, 40.0, [3.0, 25.7, 39.8], seed=i)
    dense = scan([tmp_path], hop=0.05, batch_size=600, device="cpu", workers=0)
    fine = scan([tmp_path], hop=0.025, batch_size=1500, device="cpu", workers=2)
    for a, b in zip(dense.files, fine.files):
        np.testing.assert_allclose(a.probs, b.probs[::2][: len(a.probs)], atol=2e-4)


def test_outputs_not_overwritten(tmp_path, make_audio):
    make_audio("in/a.wav", dur=1.0)
    (tmp_path / "d.csv").write_text("keep")
    with pytest.raises(OutputError, match="exists; pass overwrite=True"):
        scan([tmp_path / "in"], out=tmp_path / "d.csv")
    assert (tmp_path / "d.csv").read_text() == "keep"
    scan([tmp_path / "in"], out=tmp_path / "d.csv", overwrite=True, device="cpu")
    assert (tmp_path / "d.run.json").exists()


@pytest.mark.parametrize("kw,err,msg", [({"hop": -0.05}, ParameterError, "hop=-0.05"),
                                        ({"threshold": 1.5}, ParameterError, "threshold=1.5"),
                                        ({"threshold_off": 1.5}, ParameterError, "threshold_off=1.5"),
                                        ({"device": "tpu"}, ParameterError, "device='tpu'"),
                                        ({"batch_size": 0}, ParameterError, "batch_size=0"),
                                        ({"channel": 0}, ParameterError, "channel=0"),
                                        ({"windows": "w.txt"}, ParameterError, "must end in .csv or .csv.gz"),
                                        ({"model": "nope.pt"}, ModelError, "nope.pt does not exist")])
def test_bad_options_fail_before_work(tmp_path, monkeypatch, kw, err, msg, write_tone_file):
    import birdscan.model

    def no_reading(path):
        raise AssertionError(f"the model {path} was read before the options were checked")

    monkeypatch.setattr(birdscan.model, "read_checkpoint", no_reading)
    audio = write_tone_file(tmp_path / "a.wav", 24000, 1.0)
    with pytest.raises(err, match=msg):
        scan([audio], out=tmp_path / "o" / "d.csv", **kw)
    assert not (tmp_path / "o").exists()


def test_two_inputs_writing_the_same_output_fail_before_work(tmp_path, write_tone_file):
    for unit in ("a", "b"):
        write_tone_file((tmp_path / unit).mkdir() or tmp_path / unit / "night.wav", 24000, 1.0)
    with pytest.raises(ParameterError, match="would both be named 'night.wav' in the outputs"):
        scan([tmp_path / "a", tmp_path / "b"], out=tmp_path / "d.csv")
    assert not (tmp_path / "d.csv").exists()


def test_recording_named_like_the_combined_raven_table_is_refused(tmp_path, write_tone_file):
    write_tone_file(tmp_path / "x.wav", 24000, 1.0).rename(tmp_path / "birdscan_combined")  # explicit files: any name
    with pytest.raises(ParameterError, match="would write its Raven table over"):
        scan([tmp_path / "birdscan_combined"], raven=tmp_path / "raven")


def test_default_hop_is_the_models(tmp_path, write_tone_file):
    import torch

    from birdscan.model import read_checkpoint

    ckpt = read_checkpoint(default_model_path())
    ckpt["config"]["hop"] = 2400  # 100 ms: still a multiple of the trunk's stride
    torch.save(ckpt, tmp_path / "m.pt")
    write_tone_file(tmp_path / "a.wav", 24000, 3.0)
    res = scan([tmp_path / "a.wav"], model=tmp_path / "m.pt", device="cpu", workers=0)
    assert res.manifest["options"]["hop_s"] == 0.1 and res.files[0].n_windows == count_windows(72000, 12000, 2400)
    res = scan([tmp_path / "a.wav"], model=tmp_path / "m.pt", hop=0.05, device="cpu", workers=0)
    assert res.manifest["options"]["hop_s"] == 0.05 and res.files[0].n_windows == count_windows(72000, 12000, 1200)


def test_windows_freq_adds_the_frequency_estimate_to_the_windows_table(tmp_path, write_tone_file):
    rec = write_tone_file(tmp_path / "a.wav", 24000, 3.0, [1.5])
    plain = scan([rec], windows=tmp_path / "plain.csv", device="cpu", workers=0)
    freq = scan([rec], windows=tmp_path / "freq.csv", windows_freq=True, device="cpu", workers=0)
    a, b = pd.read_csv(tmp_path / "plain.csv"), pd.read_csv(tmp_path / "freq.csv")
    assert "freq_hz" not in a.columns and list(b.columns) == list(a.columns) + ["freq_hz"]
    assert len(b) == freq.files[0].n_windows == plain.files[0].n_windows
    np.testing.assert_allclose(b["freq_hz"], np.round(freq.files[0].freq, 1))
    assert b["freq_hz"].between(500, 20000).all()


def test_resume_of_a_finished_run_exits_0_or_says_what_differs(tmp_path, write_tone_file, make_corpus, outputs_of):
    rec = make_corpus(tmp_path / "rec", [2.0, 3.0])
    args = ["run", str(rec), "--out", str(tmp_path / "o/detections.csv"), "--device", "cpu", "-q"]
    assert CliRunner().invoke(main, args).exit_code == 1  # the broken file
    before = outputs_of(tmp_path / "o")
    r = CliRunner().invoke(main, [*args, "--resume"])
    assert r.exit_code == 0 and "nothing to do" in r.output, r.output
    r = CliRunner().invoke(main, [*args, "--resume", "--min-gap", "0.3"])
    assert r.exit_code == 2 and "differs from this one in options (min_gap_s: 0.1 then, 0.3 now)" in r.output
    write_tone_file(rec / "unitA" / "new.wav", 24000, 1.0)
    r = CliRunner().invoke(main, [*args, "--resume"])
    assert r.exit_code == 2 and "differs from this one in recordings" in r.output
    assert outputs_of(tmp_path / "o") == before


def test_a_second_run_on_the_same_outputs_is_refused(tmp_path, make_corpus):
    from birdscan.files import OutputLock

    rec = make_corpus(tmp_path / "rec", [2.0])
    out = tmp_path / "o" / "detections.csv"
    with OutputLock(out):  # stands for a run in another process
        with pytest.raises(OutputError, match=rf"detections.csv is being written by another birdscan run \(pid {os.getpid()} on "):
            scan([rec], out=out, device="cpu")
        r = CliRunner().invoke(main, ["merge", str(out), "--out", str(out)])
        assert r.exit_code == 2
    assert scan([rec], out=out, device="cpu").n_errors == 1  # released: the next run goes ahead
    assert not (out.parent / ".detections.csv.lock").exists()


def test_a_scan_does_not_import_scipy(tmp_path):
    # every scan pays for its imports: SciPy's FFT took a quarter to half a second of a
    # one-hour scan just for the event bands, which NumPy's FFT gives bit for bit
    import subprocess
    import sys
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "examples" / "night_example.flac"
    code = ("import sys, birdscan\n"
            f"res = birdscan.scan([{str(example)!r}], out={str(tmp_path / 'det.csv')!r}, device='cpu')\n"
            "assert len(res.detections) > 0, 'no events: the bands were not measured'\n"
            "print(sorted(m for m in sys.modules if m == 'scipy' or m.startswith('scipy.')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
