"""birdscan.review.evaluate on generated tables: scores against hand counts, matching tolerance, files
on one side only, false alarms per hour, the PR curve from windows, frequency and call-type scores,
mismatched references warned or (strict) refused."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from birdscan.errors import FormatError, ParameterError
from birdscan.review.evaluate import evaluate
from birdscan.review.references import read_reference


CENTRES = np.array([10.0, 20.5, 31.2, 45.0, 60.3])
HALF = 0.06  # half a call's duration, seconds
LOW, HIGH = 4000.0, 7000.0
FILE = "siteA/unit03.wav"  # the recording write_detections (conftest) names by default


def write_plain(path, centres=CENTRES, file=FILE):
    pd.DataFrame({"file": file, "start_s": centres - HALF, "end_s": centres + HALF,
                  "low_freq_hz": LOW, "high_freq_hz": HIGH}).to_csv(path, index=False)
    return path


def raven_line(*fields) -> str:
    return "\t".join(str(f) for f in fields) + "\n"


RAVEN_HEADER = raven_line("Selection", "View", "Channel", "Begin Time (s)", "End Time (s)", "Low Freq (Hz)", "High Freq (Hz)")


def test_perfect_detector_scores_one(tmp_path, write_detections):
    det = write_detections(tmp_path / "detections.csv", {"peak_s": CENTRES})
    r = evaluate(det, [write_plain(tmp_path / "ref.csv")])
    assert (r.overall["precision"], r.overall["recall"], r.overall["f1"]) == (1.0, 1.0, 1.0)
    assert r.overall["tp"] == len(CENTRES) and r.overall["fp"] == r.overall["fn"] == 0
    assert r.per_file.set_index("file").loc[FILE, "status"] == "ok"


def test_shift_beyond_tolerance_loses_exactly_those_calls(tmp_path, write_detections):
    shift = np.where(np.isin(np.arange(len(CENTRES)), [0, 2]), 0.3, -0.2)  # tolerance 0.25
    det = write_detections(tmp_path / "detections.csv", {"peak_s": CENTRES + shift})
    r = evaluate(det, write_plain(tmp_path / "ref.csv"), tolerance=0.25)
    assert (r.overall["tp"], r.overall["fp"], r.overall["fn"]) == (3, 2, 2)
    missed = r.matches.loc[r.matches["outcome"] == "fn", "centre_s"].sort_values()
    np.testing.assert_allclose(missed, CENTRES[[0, 2]])
    assert evaluate(det, write_plain(tmp_path / "ref.csv"), tolerance=0.35).overall["recall"] == 1.0


def test_empty_detections_give_recall_zero(tmp_path, write_detections, write_run_manifest):
    det = write_detections(tmp_path / "detections.csv")
    assert len(pd.read_csv(det)) == 0
    r = evaluate(det, write_plain(tmp_path / "ref.csv"))
    assert r.overall["recall"] == 0.0 and math.isnan(r.overall["precision"]) and r.overall["fn"] == len(CENTRES)
    assert r.per_file["status"].tolist() == ["reference_only"]  # no run.json: nothing says it was scanned
    write_run_manifest(tmp_path / "run.json", {FILE: 3600.0})
    r = evaluate(det, write_plain(tmp_path / "ref.csv"))
    assert r.per_file["status"].tolist() == ["ok"] and r.overall["recall"] == 0.0
    assert r.overall["false_alarms_per_hour"] == 0.0


def test_matching_is_one_to_one(tmp_path, write_detections):
    det = write_detections(tmp_path / "detections.csv", {"peak_s": [20.4, 20.6]})
    r = evaluate(det, write_plain(tmp_path / "ref.csv", centres=np.array([20.5])))
    assert (r.overall["tp"], r.overall["fp"], r.overall["fn"]) == (1, 1, 0)


def test_files_on_one_side_are_reported(tmp_path, write_detections):
    det = write_detections(tmp_path / "detections.csv", {"peak_s": [10.0, 11.0, 12.0]},
                           file=[FILE, "siteA/unit07.wav", "siteA/unit07.wav"])
    pd.DataFrame({"file": [FILE, "siteB/unit09.wav"], "start_s": [9.9, 30.0], "end_s": [10.1, 30.2]}).to_csv(
        tmp_path / "ref.csv", index=False)
    r = evaluate(det, tmp_path / "ref.csv")
    status = r.per_file.set_index("file")["status"].to_dict()
    assert status == {FILE: "ok", "siteA/unit07.wav": "detections_only", "siteB/unit09.wav": "reference_only"}
    # unit07 has no reference: left out; unit09 was never scanned: its call is a miss
    assert (r.overall["tp"], r.overall["fp"], r.overall["fn"]) == (1, 0, 1)
    assert r.overall["files_detections_only"] == 1 and r.overall["files_reference_only"] == 1


def test_false_alarms_per_hour_from_run_json(tmp_path, write_detections, write_run_manifest):
    det = write_detections(tmp_path / "detections.csv", {"peak_s": np.r_[CENTRES, 100.0, 200.0]})
    write_run_manifest(tmp_path / "run.json", {FILE: 1800.0, "siteA/other.wav": 1800.0})
    r = evaluate(det, write_plain(tmp_path / "ref.csv"))
    assert r.overall["false_alarms_per_hour"] == pytest.approx(4.0)  # 2 FP in the half hour scored
    assert r.per_file.set_index("file").loc["siteA/other.wav", "status"] == "detections_only"


def test_windows_give_perfect_pr_curve(tmp_path, write_detections):
    hop, n = 0.05, 2400  # 2 minutes of 500 ms windows
    start = np.arange(n) * hop
    centre = start + 0.25
    rng = np.random.default_rng(0)
    prob = rng.uniform(0, 0.3, n)
    for k, c in enumerate(CENTRES):  # a bump per call, peaking at the call's window
        near = np.abs(centre - c) < 0.2
        prob[near] = 0.99 - 0.1 * k / len(CENTRES) - np.abs(centre[near] - c)
    windows = pd.DataFrame({"file": FILE, "start_s": start, "end_s": start + 0.5, "prob": prob})
    windows.to_csv(tmp_path / "windows.csv.gz", index=False)
    det = write_detections(tmp_path / "detections.csv", {"peak_s": CENTRES})
    r = evaluate(det, write_plain(tmp_path / "ref.csv"), windows=tmp_path / "windows.csv.gz")
    assert r.pr.auprc == pytest.approx(1.0)
    assert r.pr.best_f1 == 1.0 and 0.3 < r.pr.best_threshold <= 0.91
    assert r.overall["hours"] == pytest.approx((start[-1] + 0.5) / 3600)
    assert np.all(np.diff(r.pr.thresholds) > 0)


def test_ambiguous_reference_needs_file_map(tmp_path, write_detections):
    det = write_detections(tmp_path / "detections.csv", {"peak_s": [10.0, 10.0]},
                           file=["unit03/night1.wav", "unit05/night1.wav"])
    (tmp_path / "night1.txt").write_text("9.9\t10.1\tcall\n")
    with pytest.raises(ParameterError, match=r"reference 'night1' matches 2 recordings .*pass file_map"):
        evaluate(det, tmp_path / "night1.txt")
    r = evaluate(det, tmp_path / "night1.txt", file_map={"night1": "unit05/night1.wav"})
    assert r.per_file.set_index("file")["status"].to_dict() == {"unit03/night1.wav": "detections_only",
                                                                 "unit05/night1.wav": "ok"}


def test_bad_inputs_are_named(tmp_path, write_detections):
    det = write_detections(tmp_path / "detections.csv", {"peak_s": CENTRES})
    ref = write_plain(tmp_path / "ref.csv")
    with pytest.raises(ParameterError, match=r"tolerance=0 must be a positive number of seconds"):
        evaluate(det, ref, tolerance=0)
    with pytest.raises(ParameterError, match=r"reference='.*nope.csv': no such file or folder"):
        evaluate(det, [tmp_path / "nope.csv"])
    with pytest.raises(ParameterError, match=r"thresholds=1 must be"):
        evaluate(det, ref, thresholds=1)
    (tmp_path / "odd.csv").write_text("a,b\n1,2\n")
    with pytest.raises(FormatError, match=r"odd.csv: unknown reference format"):
        evaluate(det, tmp_path / "odd.csv")
    (tmp_path / "multi.txt").write_text(raven_line("Begin Time (s)", "End Time (s)", "Begin File")
                                        + raven_line(1, 2, "a.wav") + raven_line(3, 4, "b.wav"))
    with pytest.raises(FormatError, match=r"multi.txt: selections from several files .* no 'File Offset \(s\)'"):
        read_reference(tmp_path / "multi.txt")


def test_result_to_json(tmp_path, write_detections):
    det = write_detections(tmp_path / "detections.csv")
    r = evaluate(det, write_plain(tmp_path / "ref.csv"))
    doc = json.loads(r.to_json(tmp_path / "eval.json"))
    assert doc == json.loads((tmp_path / "eval.json").read_text())
    assert doc["overall"]["precision"] is None and doc["overall"]["recall"] == 0.0
    assert doc["per_file"][0]["file"] == FILE and doc["pr_curve"] is None
    assert not list(tmp_path.glob(".*part*"))


def test_reads_the_tables_birdscan_run_writes(tmp_path):
    from birdscan.detect import selections, writers

    files = ["unit03/night1.wav", "unit05/night1.wav"]
    events = pd.DataFrame({"start_s": CENTRES - HALF, "end_s": CENTRES + HALF, "peak_s": CENTRES,
                           "max_prob": 0.9, "mean_prob": 0.8, "low_freq_hz": LOW, "high_freq_hz": HIGH})
    det = pd.concat([events.assign(file=f) for f in files], ignore_index=True)
    writers.write_detections(tmp_path / "out" / "detections.csv", det)
    writers.write_manifest(tmp_path / "out" / "run.json", {"files": [
        {"file": f, "path": f"/rec/{f}", "status": "ok", "duration_s": 600.0} for f in files]})
    raven = tmp_path / "raven"
    for f in files:  # same file name in two folders: told apart by the path inside the folder
        selections.write_raven(selections.raven_path(raven, f), events, nyquist=12000, band=(1000, 11000), begin_path=f"/rec/{f}")
    selections.write_raven_combined(tmp_path / "combined.txt", [(f"/rec/{f}", 600.0, 12000, events) for f in files], band=(1000, 11000))
    for reference in (raven, tmp_path / "combined.txt"):
        r = evaluate(tmp_path / "out" / "detections.csv", reference)
        assert r.per_file["status"].tolist() == ["ok", "ok"] and r.overall["f1"] == 1.0
        assert r.overall["hours"] == pytest.approx(1200 / 3600)


def test_empty_duplicate_and_unmatched_references_against_a_hand_count(night):
    det, refs = night
    r = evaluate(det, refs)
    per = r.per_file.set_index("file")
    assert per["status"].to_dict() == {"a.wav": "ok", "b.wav": "ok", "c.wav": "detections_only", "d": "reference_only"}
    assert per.loc["b.wav", ["n_reference", "tp", "fp", "fn"]].tolist() == [0, 0, 3, 0]  # annotated, no calls
    assert per.loc["a.wav", ["n_reference", "tp", "fp", "fn"]].tolist() == [4, 2, 2, 2]
    assert (r.overall["tp"], r.overall["fp"], r.overall["fn"]) == (2, 5, 4)
    assert r.overall["precision"] == pytest.approx(2 / 7) and r.overall["recall"] == pytest.approx(2 / 6)
    assert r.overall["false_alarms_per_hour"] == pytest.approx(5 / 1.0)  # a and b: one hour
    assert len(r.warnings) == 3
    assert "1 reference(s) match no recording of the run" in r.warnings[0] and "d" in r.warnings[0]
    assert r.warnings[1] == "1 recording(s) have no reference and are not scored: c.wav"
    assert r.warnings[2].startswith("a.wav is annotated by 2 reference files")
    assert json.loads(r.to_json())["warnings"] == r.warnings


def test_strict_makes_mismatches_errors(night):
    from birdscan.review.evaluate import ReferenceMismatch

    det, refs = night
    with pytest.raises(ReferenceMismatch, match=r"match no recording.*\(strict\)"):
        evaluate(det, refs, strict=True)
    evaluate(det, refs / "b.wav.selections.txt", manifest=None, strict=False)


def test_empty_reference_file_and_audio_given_as_reference(tmp_path, write_detections):
    det = write_detections(tmp_path / "detections.csv", {"peak_s": [1.0]}, file=["x.wav"])
    (tmp_path / "x.wav.txt").write_text("")  # Audacity writes an empty track for no labels
    r = evaluate(det, tmp_path / "x.wav.txt")
    assert r.per_file["status"].tolist() == ["ok"] and r.overall["fp"] == 1  # annotated, no calls
    (tmp_path / "x.csv").write_text("")
    with pytest.raises(FormatError, match="empty file"):
        evaluate(det, tmp_path / "x.csv")
    (tmp_path / "a.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00")
    with pytest.raises(FormatError, match=r"a.wav: is a binary \(audio\?\) file, not a reference table"):
        evaluate(det, tmp_path / "a.wav")


def test_frequency_error_and_type_accuracy(tmp_path, write_detections):
    truth = np.array([3000.0, 3000.0, 7000.0, 7000.0, 4800.0])
    bv = "Time (s),Freq (Hz)\n" + "".join(f"{c},{f}\n" for c, f in zip(CENTRES, truth))
    (tmp_path / "BirdVox-full-night_csv-annotations_unit03.csv").write_text(bv)
    ref = tmp_path / "BirdVox-full-night_csv-annotations_unit03.csv"
    semis = np.array([0.0, 1.0, -2.0, 0.5, 1.0])  # the last crosses 5 kHz: wrong type
    det = write_detections(tmp_path / "det.csv", {"peak_s": CENTRES, "freq_hz": truth * 2 ** (semis / 12)})
    r = evaluate(det, ref)
    assert r.overall["n_freq"] == 5 and r.overall["freq_error_st"] == pytest.approx(1.0)
    assert r.overall["type_accuracy"] == pytest.approx(4 / 5)
    assert r.per_file.iloc[0]["freq_error_st"] == pytest.approx(1.0)
    assert evaluate(det, ref, type_boundary=6000).overall["type_accuracy"] == 1.0
    # Raven Low/High Freq: the band's log centre is the call's frequency
    raven = RAVEN_HEADER + "".join(raven_line(i, "Spectrogram 1", 1, c - HALF, c + HALF, f / 1.25, f * 1.25)
                                   for i, (c, f) in enumerate(zip(CENTRES, truth), 1))
    (tmp_path / "unit03.selections.txt").write_text(raven)
    assert evaluate(det, tmp_path / "unit03.selections.txt").overall["freq_error_st"] == pytest.approx(1.0)


@pytest.mark.parametrize("columns", ["absent", "empty"])
def test_detections_without_a_frequency_head(tmp_path, columns, write_detections):
    (tmp_path / "BirdVox-full-night_csv-annotations_unit03.csv").write_text(
        "Time (s),Freq (Hz)\n" + "".join(f"{c},3000\n" for c in CENTRES))
    det = write_detections(tmp_path / "det.csv", {"peak_s": CENTRES}) if columns == "absent" else \
        write_detections(tmp_path / "det.csv", {"peak_s": CENTRES, "freq_hz": np.nan, "call_type": ""})
    r = evaluate(det, tmp_path / "BirdVox-full-night_csv-annotations_unit03.csv")
    assert r.overall["f1"] == 1.0 and r.overall["n_freq"] == 0 and math.isnan(r.overall["freq_error_st"])
    assert math.isnan(r.overall["type_accuracy"]) and json.loads(r.to_json())["overall"]["freq_error_st"] is None
    typed = write_detections(tmp_path / "typed.csv", {"peak_s": CENTRES, "call_type": ["thrush", "thrush", "tseep", "thrush", "thrush"]})
    r = evaluate(typed, tmp_path / "BirdVox-full-night_csv-annotations_unit03.csv")
    assert r.overall["type_accuracy"] == pytest.approx(4 / 5) and r.overall["n_freq"] == 0


def test_many_duplicated_references_make_one_warning(tmp_path, write_detections):
    det = write_detections(tmp_path / "detections.csv", {"peak_s": [1.0, 1.0]}, file=["a.wav", "b.wav"])
    for name in ("one.csv", "two.csv"):
        pd.DataFrame({"file": ["a.wav", "b.wav"], "start_s": [0.95, 0.95], "end_s": [1.05, 1.05]}).to_csv(tmp_path / name, index=False)
    r = evaluate(det, [tmp_path / "one.csv", tmp_path / "two.csv"])
    assert len(r.warnings) == 1 and r.warnings[0].startswith("2 recordings are annotated by more than one reference file")
    assert (r.overall["tp"], r.overall["fn"]) == (2, 2)
