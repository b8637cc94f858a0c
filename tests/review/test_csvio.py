"""birdscan.review.csvio: tables read strictly, every failure naming the file and the reason."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from birdscan.errors import FormatError
from birdscan.review.csvio import numeric_column, posix, read_csv, require_columns


def test_read_csv_reads_a_table_and_passes_its_options(tmp_path):
    (tmp_path / "t.csv").write_text("file,start_s\n007.wav,1.5\n")
    df = read_csv(tmp_path / "t.csv", dtype={"file": str})
    assert df.to_dict("list") == {"file": ["007.wav"], "start_s": [1.5]}


def test_read_csv_names_the_file_of_an_empty_or_unparsable_table(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(FormatError, match=r"empty\.csv: empty file, expected a header line$"):
        read_csv(tmp_path / "empty.csv")
    (tmp_path / "ragged.csv").write_text("a,b\n1,2\n3,4,5,6\n")
    with pytest.raises(FormatError, match=r"ragged\.csv: cannot parse as a table \(.*Expected 2 fields in line 3, saw 4"):
        read_csv(tmp_path / "ragged.csv")
    (tmp_path / "latin1.csv").write_bytes(b"file\ncaf\xe9.wav\n")
    with pytest.raises(FormatError, match=r"latin1\.csv: cannot parse as a table \(.*codec can't decode"):
        read_csv(tmp_path / "latin1.csv")


def test_require_columns_lists_the_missing_and_the_found():
    df = pd.DataFrame({"file": ["a.wav"], "x": [1]})
    require_columns(df, ["file"], "t.csv")  # others may be there too
    with pytest.raises(FormatError, match=re.escape("t.csv: missing column(s) ['start_s', 'end_s']; found ['file', 'x']")):
        require_columns(df, ["file", "start_s", "end_s"], "t.csv")


def test_numeric_column_keeps_empty_cells_as_nan_and_refuses_words():
    values = numeric_column(pd.DataFrame({"a": [1.5, None, "2"]}), "a", "t.csv")
    assert values.dtype == float and values[0] == 1.5 and math.isnan(values[1]) and values[2] == 2.0
    with pytest.raises(FormatError, match=re.escape("t.csv: column 'a' has a non-number 'soon'")):
        numeric_column(pd.DataFrame({"a": [1.0, "soon", "later"]}), "a", "t.csv")


def test_posix_reads_backslashes_as_slashes_and_drops_blanks():
    assert posix(" D:\\rec\\unit03\\a.wav\t") == "D:/rec/unit03/a.wav"
    assert posix("unit03/a.wav") == "unit03/a.wav"
