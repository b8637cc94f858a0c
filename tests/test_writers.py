import gzip

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
