import gzip

import numpy as np
import pandas as pd
import pytest

from birdscan import tables
from birdscan.detect import writers
from birdscan.errors import OutputError, ParameterError

EVENTS = pd.DataFrame({"start_s": [1.0, 5.5], "end_s": [1.3, 5.9], "peak_s": [1.15, 5.7], "max_prob": [0.9, 0.8],
                       "mean_prob": [0.7, 0.6], "low_freq_hz": [2500.0, 6000.0], "high_freq_hz": [3200.0, 12000.0]})


def test_gz_and_windows_writer(tmp_path):
    w = writers.WindowsWriter(tmp_path / "w.csv.gz")
    w.add("a,b.wav", np.array([0, 0.05]), np.array([0.5, 0.55]), np.array([0.1, 0.95]))
    assert not (tmp_path / "w.csv.gz").exists()  # not complete yet
    w.close()
    df = pd.read_csv(tmp_path / "w.csv.gz")
    assert list(df.columns) == ["file", "start_s", "end_s", "prob"] and df.file.tolist() == ["a,b.wav"] * 2
    with gzip.open(tmp_path / "w.csv.gz", "rt") as f:
        assert f.readline() == "file,start_s,end_s,prob\n"


def test_raven_tables(tmp_path):
    p = writers.write_raven(writers.raven_path(tmp_path, "sub/x.wav"), EVENTS, nyquist=11025)
    assert p == tmp_path / "sub" / "x.wav.selections.txt"
    t = pd.read_csv(p, sep="\t")
    assert list(t.columns[:7]) == tables.RAVEN_COLUMNS
    assert t["High Freq (Hz)"].max() <= 11025 and t.Selection.tolist() == [1, 2]
    c = writers.write_raven_combined(tmp_path / "all.txt", [("/a.wav", 10.0, 12000, EVENTS), ("/b.wav", 20.0, 8000, EVENTS)])
    t = pd.read_csv(c, sep="\t")
    assert t["Begin Time (s)"].tolist() == pytest.approx([1.0, 5.5, 11.0, 15.5])
    assert t["File Offset (s)"].tolist() == pytest.approx([1.0, 5.5, 1.0, 5.5])
    assert t["Begin Path"].tolist() == ["/a.wav", "/a.wav", "/b.wav", "/b.wav"]
    assert t["High Freq (Hz)"].iloc[3] == 8000 and t.Selection.tolist() == [1, 2, 3, 4]
    empty = writers.write_raven_combined(tmp_path / "none.txt", [])
    assert "Begin Path" in pd.read_csv(empty, sep="\t").columns


def test_checks(tmp_path):
    (tmp_path / "d.csv").write_text("x")
    with pytest.raises(OutputError, match="d.csv exists; pass overwrite=True"):
        writers.check_targets([tmp_path / "d.csv"], overwrite=False)
    writers.check_targets([tmp_path / "d.csv"], overwrite=True)
    with pytest.raises(ParameterError, match="must end in .csv or .csv.gz"):
        writers.check_windows_path(tmp_path / "w.txt")
