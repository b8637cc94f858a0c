"""birdscan.evaluate and birdscan.annotations on generated tables."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from birdscan.review.references import match_reference_files, read_reference
from birdscan.errors import FormatError, ParameterError
from birdscan.review.evaluate import evaluate, match_events, run_peaks

CENTRES = np.array([10.0, 20.5, 31.2, 45.0, 60.3])
HALF = 0.06  # half a call's duration, seconds
LOW, HIGH = 4000.0, 7000.0
FILE = "siteA/unit03.wav"


def write_detections(path, rows: dict[str, np.ndarray] | None = None, file: str | list[str] = FILE):
    """A detections CSV like ``birdscan run`` writes, with a peak at each time given."""
    peaks = np.asarray([] if rows is None else rows["peak_s"], dtype=float)
    df = pd.DataFrame({
        "file": file if isinstance(file, list) else [file] * len(peaks),
        "start_s": peaks - 0.1, "end_s": peaks + 0.1, "peak_s": peaks,
        "max_prob": np.linspace(0.99, 0.6, len(peaks)), "mean_prob": 0.5,
        "low_freq_hz": LOW, "high_freq_hz": HIGH, "start_time": "",
    })
    df.to_csv(path, index=False)
    return path


def write_plain(path, centres=CENTRES, file=FILE):
    pd.DataFrame({"file": file, "start_s": centres - HALF, "end_s": centres + HALF,
                  "low_freq_hz": LOW, "high_freq_hz": HIGH}).to_csv(path, index=False)
    return path


def write_manifest(path, files: dict[str, float]):
    doc = {"inputs": ["/data"], "files": [
        {"file": f, "path": f"/data/{f}", "status": "ok", "duration_s": d} for f, d in files.items()]}
    path.write_text(json.dumps(doc))
    return path


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

    write_plain(d / "plain.csv")
    return {
        "raven": d / "unit03.Table.1.selections.txt",
        "raven_combined": d / "combined.selections.txt",
        "birdvox": d / "BirdVox-full-night_csv-annotations_unit03.csv",
        "audacity": d / "unit03.txt",
        "plain": d / "plain.csv",
    }


def test_perfect_detector_scores_one(tmp_path):
    det = write_detections(tmp_path / "detections.csv", {"peak_s": CENTRES})
    r = evaluate(det, [write_plain(tmp_path / "ref.csv")])
    assert (r.overall["precision"], r.overall["recall"], r.overall["f1"]) == (1.0, 1.0, 1.0)
    assert r.overall["tp"] == len(CENTRES) and r.overall["fp"] == r.overall["fn"] == 0
    assert r.per_file.set_index("file").loc[FILE, "status"] == "ok"


def test_shift_beyond_tolerance_loses_exactly_those_calls(tmp_path):
    shift = np.where(np.isin(np.arange(len(CENTRES)), [0, 2]), 0.3, -0.2)  # tolerance 0.25
    det = write_detections(tmp_path / "detections.csv", {"peak_s": CENTRES + shift})
    r = evaluate(det, write_plain(tmp_path / "ref.csv"), tolerance=0.25)
    assert (r.overall["tp"], r.overall["fp"], r.overall["fn"]) == (3, 2, 2)
    missed = r.matches.loc[r.matches["outcome"] == "fn", "centre_s"].sort_values()
    np.testing.assert_allclose(missed, CENTRES[[0, 2]])
    assert evaluate(det, write_plain(tmp_path / "ref.csv"), tolerance=0.35).overall["recall"] == 1.0


def test_empty_detections_give_recall_zero(tmp_path):
    det = write_detections(tmp_path / "detections.csv")
    assert len(pd.read_csv(det)) == 0
    r = evaluate(det, write_plain(tmp_path / "ref.csv"))
    assert r.overall["recall"] == 0.0 and math.isnan(r.overall["precision"]) and r.overall["fn"] == len(CENTRES)
    assert r.per_file["status"].tolist() == ["reference_only"]  # no run.json: nothing says it was scanned
    write_manifest(tmp_path / "run.json", {FILE: 3600.0})
    r = evaluate(det, write_plain(tmp_path / "ref.csv"))
    assert r.per_file["status"].tolist() == ["ok"] and r.overall["recall"] == 0.0
    assert r.overall["false_alarms_per_hour"] == 0.0


def test_matching_is_one_to_one(tmp_path):
    det = write_detections(tmp_path / "detections.csv", {"peak_s": [20.4, 20.6]})
    r = evaluate(det, write_plain(tmp_path / "ref.csv", centres=np.array([20.5])))
    assert (r.overall["tp"], r.overall["fp"], r.overall["fn"]) == (1, 1, 0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 40), max_size=12), st.lists(st.integers(0, 40), max_size=12), st.integers(0, 6))
def test_match_events_is_a_maximum_matching(ref, det, tol):
    ri, di = match_events(np.array(ref, float), np.array(det, float), float(tol))
    assert len(set(ri)) == len(ri) and len(set(di)) == len(di)
    assert all(abs(ref[i] - det[j]) <= tol for i, j in zip(ri, di))
    assert len(ri) == _brute_force_matching(ref, det, tol)


def _brute_force_matching(ref, det, tol) -> int:
    """Size of a maximum bipartite matching by augmenting paths."""
    owner: dict[int, int] = {}

    def augment(i, seen):
        for j, d in enumerate(det):
            if abs(ref[i] - d) <= tol and j not in seen:
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    return sum(augment(i, set()) for i in range(len(ref)))


@pytest.mark.parametrize("fmt", ["raven", "raven_combined", "birdvox", "audacity", "plain"])
def test_every_reference_format_gives_the_same_calls(tmp_path, reference_files, fmt):
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


def test_files_on_one_side_are_reported(tmp_path):
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


def test_false_alarms_per_hour_from_run_json(tmp_path):
    det = write_detections(tmp_path / "detections.csv", {"peak_s": np.r_[CENTRES, 100.0, 200.0]})
    write_manifest(tmp_path / "run.json", {FILE: 1800.0, "siteA/other.wav": 1800.0})
    r = evaluate(det, write_plain(tmp_path / "ref.csv"))
    assert r.overall["false_alarms_per_hour"] == pytest.approx(4.0)  # 2 FP in the half hour scored
    assert r.per_file.set_index("file").loc["siteA/other.wav", "status"] == "detections_only"


def test_windows_give_perfect_pr_curve(tmp_path):
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


def test_run_peaks_one_per_run():
    p = np.array([0.1, 0.6, 0.9, 0.9, 0.2, 0.7, 0.1, 0.8])
    assert run_peaks(p, 0.5).tolist() == [2, 5, 7]
    assert run_peaks(p, 0.95).tolist() == []


def test_ambiguous_reference_needs_file_map(tmp_path):
    det = write_detections(tmp_path / "detections.csv", {"peak_s": [10.0, 10.0]},
                           file=["unit03/night1.wav", "unit05/night1.wav"])
    (tmp_path / "night1.txt").write_text("9.9\t10.1\tcall\n")
    with pytest.raises(ParameterError, match=r"reference 'night1' matches 2 recordings .*pass file_map"):
        evaluate(det, tmp_path / "night1.txt")
    r = evaluate(det, tmp_path / "night1.txt", file_map={"night1": "unit05/night1.wav"})
    assert r.per_file.set_index("file")["status"].to_dict() == {"unit03/night1.wav": "detections_only",
                                                                 "unit05/night1.wav": "ok"}


def test_match_reference_files_rules():
    files = ["siteA/unit03.wav", "siteA/BirdVox-full-night_flac-audio_unit10.flac", "siteB/night10.wav"]
    got = match_reference_files(["siteA/unit03.wav", r"E:\x\siteA\unit03.wav", "UNIT03", "unit10", "night1"], files)
    assert got == {"siteA/unit03.wav": "siteA/unit03.wav", r"E:\x\siteA\unit03.wav": "siteA/unit03.wav",
                   "UNIT03": "siteA/unit03.wav", "unit10": "siteA/BirdVox-full-night_flac-audio_unit10.flac",
                   "night1": None}


def test_bad_inputs_are_named(tmp_path):
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


def test_result_to_json(tmp_path):
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


RAVEN_HEADER = raven_line("Selection", "View", "Channel", "Begin Time (s)", "End Time (s)", "Low Freq (Hz)", "High Freq (Hz)")


@pytest.fixture
def night(tmp_path):
    """A run of four recordings and a reference folder, counted by hand:

    a.wav  calls 10, 20, 30 (Raven) + 40 (a second file, plain CSV); detections 10.1, 20.1, 50, 60
           -> tp 2 (10, 20), fp 2 (50, 60), fn 2 (30, 40); two references for one recording
    b.wav  a Raven table with its header and no rows; detections 5, 6, 7 -> fp 3
    c.wav  no reference; detections 1, 2 -> not scored
    d.wav  in the references (Audacity, calls 3 and 4) but not in the run -> fn 2
    """
    (tmp_path / "out").mkdir()
    det = write_detections(tmp_path / "out" / "detections.csv",
                           {"peak_s": [10.1, 20.1, 50.0, 60.0, 5.0, 6.0, 7.0, 1.0, 2.0]},
                           file=["a.wav"] * 4 + ["b.wav"] * 3 + ["c.wav"] * 2)
    write_manifest(tmp_path / "out" / "run.json", {"a.wav": 1800.0, "b.wav": 1800.0, "c.wav": 1800.0})
    refs = tmp_path / "refs"
    refs.mkdir()
    (refs / "a.wav.selections.txt").write_text(RAVEN_HEADER + "".join(
        raven_line(i, "Spectrogram 1", 1, c - HALF, c + HALF, LOW, HIGH) for i, c in enumerate([10, 20, 30], 1)))
    (refs / "b.wav.selections.txt").write_text(RAVEN_HEADER)
    (refs / "d.txt").write_text("3.0\t3.1\tcall\n4.0\t4.1\tcall\n")
    pd.DataFrame({"file": ["a.wav"], "start_s": [39.95], "end_s": [40.05]}).to_csv(refs / "extra.csv", index=False)
    return det, refs


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


def test_empty_reference_file_and_audio_given_as_reference(tmp_path):
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


def _freq_detections(path, freq_hz=None, call_type=None):
    det = pd.read_csv(write_detections(path, {"peak_s": CENTRES}))
    if freq_hz is not None:
        det["freq_hz"] = freq_hz
    if call_type is not None:
        det["call_type"] = call_type
    det.to_csv(path, index=False)
    return path


def test_frequency_error_and_type_accuracy(tmp_path):
    truth = np.array([3000.0, 3000.0, 7000.0, 7000.0, 4800.0])
    bv = "Time (s),Freq (Hz)\n" + "".join(f"{c},{f}\n" for c, f in zip(CENTRES, truth))
    (tmp_path / "BirdVox-full-night_csv-annotations_unit03.csv").write_text(bv)
    ref = tmp_path / "BirdVox-full-night_csv-annotations_unit03.csv"
    semis = np.array([0.0, 1.0, -2.0, 0.5, 1.0])  # the last crosses 5 kHz: wrong type
    det = _freq_detections(tmp_path / "det.csv", freq_hz=truth * 2 ** (semis / 12))
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
def test_detections_without_a_frequency_head(tmp_path, columns):
    (tmp_path / "BirdVox-full-night_csv-annotations_unit03.csv").write_text(
        "Time (s),Freq (Hz)\n" + "".join(f"{c},3000\n" for c in CENTRES))
    det = write_detections(tmp_path / "det.csv", {"peak_s": CENTRES}) if columns == "absent" else \
        _freq_detections(tmp_path / "det.csv", freq_hz=np.nan, call_type="")
    r = evaluate(det, tmp_path / "BirdVox-full-night_csv-annotations_unit03.csv")
    assert r.overall["f1"] == 1.0 and r.overall["n_freq"] == 0 and math.isnan(r.overall["freq_error_st"])
    assert math.isnan(r.overall["type_accuracy"]) and json.loads(r.to_json())["overall"]["freq_error_st"] is None
    typed = _freq_detections(tmp_path / "typed.csv", call_type=["thrush", "thrush", "tseep", "thrush", "thrush"])
    r = evaluate(typed, tmp_path / "BirdVox-full-night_csv-annotations_unit03.csv")
    assert r.overall["type_accuracy"] == pytest.approx(4 / 5) and r.overall["n_freq"] == 0


def test_cli_summary_fits_80_columns_and_warns(night, tmp_path):
    from click.testing import CliRunner

    from birdscan.cli import main

    det, refs = night
    long = refs / ("a_very_long_recording_name_from_a_recorder_in_the_jura_" * 2 + "x.txt")
    long.write_text("1\t2\tcall\n")
    r = CliRunner().invoke(main, ["evaluate", str(det), "-r", str(refs), "--json", str(tmp_path / "e.json")],
                                           env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output + r.stderr
    lines = r.stdout.splitlines()
    assert max(map(len, lines)) <= 80, "\n".join(lines)
    overall = next(line for line in lines if line.strip().startswith("overall"))
    assert overall.split()[1:8] == ["7", "7", "2", "5", "5", "0.286", "0.286"]  # ref det tp fp fn prec recall
    assert "warning: 2 reference(s) match no recording of the run" in r.stderr
    assert json.loads((tmp_path / "e.json").read_text())["warnings"][0].startswith("2 reference(s)")
    r = CliRunner().invoke(main, ["evaluate", str(det), "-r", str(refs), "--strict"])
    assert r.exit_code == 1 and "(strict)" in r.stderr and "Traceback" not in r.stderr


def test_many_duplicated_references_make_one_warning(tmp_path):
    det = write_detections(tmp_path / "detections.csv", {"peak_s": [1.0, 1.0]}, file=["a.wav", "b.wav"])
    for name in ("one.csv", "two.csv"):
        pd.DataFrame({"file": ["a.wav", "b.wav"], "start_s": [0.95, 0.95], "end_s": [1.05, 1.05]}).to_csv(tmp_path / name, index=False)
    r = evaluate(det, [tmp_path / "one.csv", tmp_path / "two.csv"])
    assert len(r.warnings) == 1 and r.warnings[0].startswith("2 recordings are annotated by more than one reference file")
    assert (r.overall["tp"], r.overall["fn"]) == (2, 2)


def test_cli_summary_shows_frequency_columns_within_80(tmp_path):
    from click.testing import CliRunner

    from birdscan.cli import main

    truth = np.array([3000.0, 3000.0, 7000.0, 7000.0, 4800.0])
    ref = tmp_path / "BirdVox-full-night_csv-annotations_unit03.csv"
    ref.write_text("Time (s),Freq (Hz)\n" + "".join(f"{c},{f}\n" for c, f in zip(CENTRES, truth)))
    det = _freq_detections(tmp_path / "det.csv", freq_hz=truth * 2 ** (np.array([0.0, 1.0, -2.0, 0.5, 1.0]) / 12))
    r = CliRunner().invoke(main, ["evaluate", str(det), "-r", str(ref), "--type-boundary", "5000"], env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    table = r.stdout.split("\nref/det")[0].splitlines()
    assert max(map(len, table)) <= 80 and table[1].split()[-2:] == ["err", "type"]
    assert next(line for line in table if line.startswith("overall")).split()[-2:] == ["1.00", "80%"]
    assert "median error 1.00 semitones" in r.stdout
