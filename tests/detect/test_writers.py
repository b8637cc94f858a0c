"""birdscan.detect.writers: the detections and windows tables, whole or absent, and their targets checked."""

import gzip
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from birdscan.detect import writers
from birdscan.errors import OutputError, ParameterError


def test_gz_and_windows_writer(tmp_path):
    w = writers.WindowsWriter(tmp_path / "w.csv.gz")
    w.add("a,b.wav", np.array([0, 0.05]), np.array([0.5, 0.55]), np.array([0.1, 0.95]))
    assert not (tmp_path / "w.csv.gz").exists()  # not complete yet
    w.close()
    df = pd.read_csv(tmp_path / "w.csv.gz")
    assert list(df.columns) == ["file", "start_s", "end_s", "prob"] and df.file.tolist() == ["a,b.wav"] * 2
    with gzip.open(tmp_path / "w.csv.gz", "rt") as f:
        assert f.readline() == "file,start_s,end_s,prob\n"


def test_checks(tmp_path):
    (tmp_path / "d.csv").write_text("x")
    with pytest.raises(OutputError, match="d.csv exists; pass overwrite=True"):
        writers.check_targets([tmp_path / "d.csv"], overwrite=False)
    writers.check_targets([tmp_path / "d.csv"], overwrite=True)
    with pytest.raises(ParameterError, match="must end in .csv or .csv.gz"):
        writers.check_windows_path(tmp_path / "w.txt")


def test_file_size_limit_while_streaming_windows_is_a_clean_error(tmp_path, write_tone_file):
    rec = tmp_path / "rec"
    rec.mkdir()
    write_tone_file(rec / "long.wav", 24000, 60.0)
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))  # ulimit -f: the windows CSV outgrows it

    p = subprocess.run([sys.executable, "-m", "birdscan", "run", str(rec), "--out", "o/detections.csv", "--windows", "o/windows.csv",
                        "--device", "cpu", "-q"], cwd=tmp_path, capture_output=True, text=True, preexec_fn=limit, timeout=120)
    assert p.returncode == 2, p.stderr
    assert "cannot write o/windows.csv: File too large" in p.stderr and "Traceback" not in p.stderr
    assert not (tmp_path / "o" / "run.json").exists() and not list((tmp_path / "o").glob(".*.part"))


@pytest.mark.parametrize("name", ["night.wav", "a,b.wav", 'say "hi".wav', "two\nlines.wav", "'=1+2.wav", ""])
def test_csv_rows_are_the_bytes_pandas_writes(name):
    rng = np.random.default_rng(0)
    n = 500
    start = np.arange(n) * 0.05
    prob = rng.random(n).astype(np.float32)
    prob[[3, 7]] = [np.nan, 1.0]
    freq = np.round(rng.random(n) * 9000, 1)
    freq[[0, 9]] = [np.nan, -0.0]
    columns = {"start_s": start, "end_s": start + 0.5, "prob": prob, "freq_hz": freq}
    expected = pd.DataFrame({"file": name, **columns}).to_csv(header=False, index=False, float_format=writers.FLOAT_FORMAT,
                                                              lineterminator="\n")
    assert writers.csv_rows(name, list(columns.values())) == expected
    assert writers.csv_rows(name, [np.zeros(0)]) == ""


def test_windows_table_with_frequencies_reads_back(tmp_path):
    w = writers.WindowsWriter(tmp_path / "w.csv", freq=True)
    w.add("a.wav", np.array([0, 0.05]), np.array([0.5, 0.55]), np.array([0.12345, 0.9]), np.array([2812.34, 7000.0]))
    w.add("b.wav", np.array([0.0]), np.array([0.5]), np.array([0.5]))  # a model without a frequency head
    w.close()
    assert (tmp_path / "w.csv").read_text() == ("file,start_s,end_s,prob,freq_hz\n"
                                                "a.wav,0.0000,0.5000,0.1235,2812.3000\n"
                                                "a.wav,0.0500,0.5500,0.9000,7000.0000\n"
                                                "b.wav,0.0000,0.5000,0.5000,\n")


def test_windows_written_in_pieces_are_the_whole_table(tmp_path, monkeypatch):
    monkeypatch.setattr(writers, "ROWS_PER_WRITE", 3)
    w = writers.WindowsWriter(tmp_path / "w.csv")
    start = np.arange(7) * 0.05
    w.add("a.wav", start, start + 0.5, np.linspace(0, 1, 7))
    w.close()
    expected = pd.DataFrame({"file": "a.wav", "start_s": start, "end_s": start + 0.5, "prob": np.linspace(0, 1, 7)})
    assert (tmp_path / "w.csv").read_text() == expected.to_csv(index=False, float_format="%.4f", lineterminator="\n")
