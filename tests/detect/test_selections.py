"""birdscan.detect.selections: Raven and Audacity tables, read back strictly, with and without a
frequency head; Begin Path safe in a spreadsheet and tables never outside their folder."""

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from birdscan.detect import selections
from birdscan.detect.pipeline import scan
from birdscan.errors import OutputError, ParameterError
from birdscan.review.references import read_reference

BAND = (1000.0, 11000.0)
EVENTS = pd.DataFrame({"start_s": [1.0, 5.5], "end_s": [1.3, 5.9], "peak_s": [1.15, 5.7], "max_prob": [0.9, 0.8],
                       "mean_prob": [0.7, 0.6], "low_freq_hz": [2500.0, 6000.0], "high_freq_hz": [3200.0, 12000.0]})
WITH_HEAD = EVENTS.assign(freq_hz=[3000.0, 8000.0], call_type=["thrush", "tseep"])
EMPTY_HEAD = EVENTS.assign(freq_hz=[np.nan, np.nan], call_type=["", ""])
NO_EVENTS = EVENTS.iloc[:0]


def test_per_recording_table_without_a_frequency_head(tmp_path, read_raven_strict):
    p = selections.write_raven(selections.raven_path(tmp_path, "sub/x.wav"), EVENTS, nyquist=11025, band=BAND,
                               begin_path="/rec/sub/x.wav")
    assert p == tmp_path / "sub" / "x.wav.selections.txt"
    rows = read_raven_strict(p)
    assert [r["Channel"] for r in rows] == [1, 1]
    assert [r["Begin Path"] for r in rows] == ["/rec/sub/x.wav"] * 2
    assert [r["File Offset (s)"] for r in rows] == [1.0, 5.5] == [r["Begin Time (s)"] for r in rows]
    assert [(r["Low Freq (Hz)"], r["High Freq (Hz)"]) for r in rows] == [(2500.0, 3200.0), (6000.0, 11000.0)]
    assert [r["Call Type"] for r in rows] == ["", ""] and rows[0]["Call Freq (Hz)"] is None
    assert read_raven_strict(selections.write_raven(tmp_path / "e.txt", EMPTY_HEAD, nyquist=11025, band=BAND)) == \
        read_raven_strict(selections.write_raven(tmp_path / "n.txt", EVENTS, nyquist=11025, band=BAND))


def test_band_around_the_estimate_within_model_band_and_nyquist(tmp_path, read_raven_strict):
    rows = read_raven_strict(selections.write_raven(tmp_path / "t.txt", WITH_HEAD, nyquist=8000, band=BAND, channel=2))
    assert [r["Call Type"] for r in rows] == ["thrush", "tseep"] and [r["Channel"] for r in rows] == [2, 2]
    width = 2 ** (selections.BAND_SEMITONES / 12)
    assert rows[0]["Low Freq (Hz)"] == pytest.approx(3000 / width, abs=0.05)
    assert rows[0]["High Freq (Hz)"] == pytest.approx(3000 * width, abs=0.05)
    assert rows[1]["High Freq (Hz)"] == 8000.0  # Nyquist of a 16 kHz file, under the model's 11 kHz
    low, high = selections.event_bands(WITH_HEAD.assign(freq_hz=[900.0, 20000.0]), 24000, BAND)
    assert low[0] == 1000.0 and high[1] == 11000.0 and (low <= high).all()


def test_combined_table_has_one_time_base_and_integer_channels(tmp_path, read_raven_strict):
    parts = [("/a.wav", 10.0, 12000, WITH_HEAD), ("/quiet.wav", 7.0, 12000, NO_EVENTS), ("/b.wav", 20.0, 8000, EVENTS)]
    rows = read_raven_strict(selections.write_raven_combined(tmp_path / "all.txt", parts, band=BAND, channel=1))
    assert [r["Begin Time (s)"] for r in rows] == pytest.approx([1.0, 5.5, 18.0, 22.5])
    assert [r["Peak Time (s)"] for r in rows] == pytest.approx([1.15, 5.7, 18.15, 22.7])
    assert [r["File Offset (s)"] for r in rows] == pytest.approx([1.0, 5.5, 1.0, 5.5])
    assert [r["Begin Path"] for r in rows] == ["/a.wav", "/a.wav", "/b.wav", "/b.wav"]
    assert [r["Channel"] for r in rows] == [1] * 4 and [r["Selection"] for r in rows] == [1, 2, 3, 4]
    assert rows[3]["High Freq (Hz)"] == 8000
    assert read_raven_strict(selections.write_raven_combined(tmp_path / "none.txt", [], band=BAND)) == []


def test_names_with_tabs_and_line_breaks_keep_the_table_valid(tmp_path, read_raven_strict):
    name = "night\t1\nb.wav"
    rows = read_raven_strict(selections.write_raven(tmp_path / "t.txt", EVENTS, nyquist=12000, band=BAND, begin_path=name))
    assert rows[0]["Begin Path"] == "night\\t1\\nb.wav"
    rows = read_raven_strict(selections.write_raven_combined(tmp_path / "c.txt", [(name, 9.0, 12000, EVENTS)] * 2, band=BAND))
    assert len(rows) == 4 and rows[2]["Begin Time (s)"] == pytest.approx(10.0)
    assert selections.escape_name("caf\udce9.wav") == "caf\\xe9.wav"


def test_audacity_label_track(tmp_path, read_audacity_strict):
    p = selections.write_audacity(selections.audacity_path(tmp_path, "u/x.flac"), WITH_HEAD, nyquist=12000, band=BAND)
    assert p == tmp_path / "u" / "x.flac.txt"
    labels = read_audacity_strict(p)
    assert [lab["kind"] for lab in labels] == ["thrush", "tseep"] and labels[0]["start"] == 1.0
    assert labels[0]["low"] < 3000 < labels[0]["high"]
    assert [lab["kind"] for lab in read_audacity_strict(selections.write_audacity(tmp_path / "n.txt", EMPTY_HEAD, nyquist=12000, band=BAND))] == ["call", "call"]
    assert read_audacity_strict(selections.write_audacity(tmp_path / "0.txt", NO_EVENTS, nyquist=12000, band=BAND)) == []
    ref = read_reference(p)  # evaluate reads it back, band included
    assert ref["start_s"].tolist() == [1.0, 5.5] and ref["low_freq_hz"].iloc[0] == labels[0]["low"]


def test_raven_tables_refuse_the_combined_name(tmp_path):
    with pytest.raises(ParameterError, match="would write its Raven table over"):
        selections.raven_tables(tmp_path, ["birdscan_combined"])


KW = dict(device="cpu", workers=0)


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


def test_raven_paths_never_leave_their_folder(tmp_path):
    with pytest.raises(OutputError, match="not a plain relative name"):
        selections.raven_path(tmp_path / "raven", "../../../x.flac")
    (tmp_path / "raven").mkdir()
    os.symlink(tmp_path, tmp_path / "raven" / "up")
    with pytest.raises(OutputError, match="outside"):
        selections.raven_path(tmp_path / "raven", "up/x.flac")
