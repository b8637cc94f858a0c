"""birdscan.review.references: every annotation format (Raven, Raven combined, BirdVox CSV, Audacity
labels, plain CSV) read as the same calls."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from birdscan.review.evaluate import evaluate
from birdscan.review.references import read_reference


CENTRES = np.array([10.0, 20.5, 31.2, 45.0, 60.3])
HALF = 0.06  # half a call's duration, seconds
LOW, HIGH = 4000.0, 7000.0
FILE = "siteA/unit03.wav"  # the recording write_detections (conftest) names by default


def raven_line(*fields) -> str:
    return "\t".join(str(f) for f in fields) + "\n"


@pytest.fixture
def reference_files(tmp_path):
    """The calls of CENTRES for siteA/unit03.wav written in every supported format."""
    d = tmp_path / "refs"
    d.mkdir()
    single = raven_line("Selection", "View", "Channel", "Begin Time (s)", "End Time (s)", "Low Freq (Hz)", "High Freq (Hz)")
    for i, c in enumerate(CENTRES, 1):  # Raven lists a selection once per view
        single += raven_line(i, "Waveform 1", 1, c - HALF, c + HALF, LOW, HIGH)
        single += raven_line(i, "Spectrogram 1", 1, c - HALF, c + HALF, LOW, HIGH)
    (d / "unit03.Table.1.selections.txt").write_text(single)

    combined = raven_line("Selection", "View", "Begin Time (s)", "End Time (s)", "Low Freq (Hz)", "High Freq (Hz)",
                          "Begin Path", "File Offset (s)")
    first_len = 3600.0  # unit05 comes first in the concatenated sequence
    combined += raven_line(1, "Spectrogram 1", 5.0 - HALF, 5.0 + HALF, LOW, HIGH, r"D:\rec\siteA\unit05.wav", 5.0 - HALF)
    for i, c in enumerate(CENTRES, 2):
        combined += raven_line(i, "Spectrogram 1", first_len + c - HALF, first_len + c + HALF, LOW, HIGH,
                               r"D:\rec\siteA\unit03.wav", c - HALF)
    (d / "combined.selections.txt").write_text(combined)

    bv = "Time (s),Freq (Hz)\n" + "".join(f"{c},{(LOW + HIGH) / 2}\n" for c in CENTRES)
    (d / "BirdVox-full-night_csv-annotations_unit03.csv").write_text(bv)

    aud = "".join(f"{c - HALF:.6f}\t{c + HALF:.6f}\tcall\n\\\t{LOW}\t{HIGH}\n" for c in CENTRES)
    (d / "unit03.txt").write_text(aud)

    pd.DataFrame({"file": FILE, "start_s": CENTRES - HALF, "end_s": CENTRES + HALF,
                  "low_freq_hz": LOW, "high_freq_hz": HIGH}).to_csv(d / "plain.csv", index=False)
    return {
        "raven": d / "unit03.Table.1.selections.txt",
        "raven_combined": d / "combined.selections.txt",
        "birdvox": d / "BirdVox-full-night_csv-annotations_unit03.csv",
        "audacity": d / "unit03.txt",
        "plain": d / "plain.csv",
    }


@pytest.mark.parametrize("fmt", ["raven", "raven_combined", "birdvox", "audacity", "plain"])
def test_every_reference_format_gives_the_same_calls(tmp_path, reference_files, fmt, write_detections):
    ref = read_reference(reference_files[fmt])
    ref = ref[ref["file"].str.contains("unit03")]
    np.testing.assert_allclose(np.sort(ref["centre_s"]), CENTRES)
    if fmt != "birdvox":  # BirdVox annotations are points with a centre frequency
        np.testing.assert_allclose(ref["end_s"] - ref["start_s"], 2 * HALF)
        assert (ref["low_freq_hz"] == LOW).all() and (ref["high_freq_hz"] == HIGH).all()
    det = write_detections(tmp_path / "detections.csv", {"peak_s": np.r_[CENTRES, 5.0]},
                           file=[FILE] * len(CENTRES) + ["siteA/unit05.wav"])
    r = evaluate(det, [reference_files[fmt]])
    row = r.per_file.set_index("file").loc[FILE]
    assert (row["status"], row["tp"], row["fp"], row["fn"]) == ("ok", 5, 0, 0)


def test_raven_combined_uses_file_offset(reference_files):
    ref = read_reference(reference_files["raven_combined"])
    assert sorted(ref["file"].unique()) == ["D:/rec/siteA/unit03.wav", "D:/rec/siteA/unit05.wav"]
    np.testing.assert_allclose(ref.loc[ref["file"].str.endswith("unit05.wav"), "centre_s"], [5.0])
