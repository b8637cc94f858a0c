"""birdscan.realsounds.spans and NoiseBank(exclude=...): spans of call-free recordings that hold a
bird are read from a CSV, checked line by line, and never cut into negative windows."""

from __future__ import annotations

import numpy as np
import pytest

from birdscan.errors import DataError, ParameterError
from birdscan.realsounds import NoiseBank, RealSounds, pieces, read_spans


def _csv(path, *rows):
    path.write_text("file,start_s,end_s,what\n" + "".join(f"{r}\n" for r in rows))
    return path


def test_read_spans_keeps_the_rows_of_the_given_folders_sorted(noise_dir, tmp_path):
    csv = _csv(tmp_path / "birds.csv", "crickets/c1.wav,2.0,2.5,a late call", "crickets/c1.wav,0.5,1.0,",
               "rain/only.ogg,0.1,0.2,a chip", "elsewhere/x.wav,1,2,another project's folder")
    spans = read_spans(csv, [noise_dir / "crickets", noise_dir / "rain"])
    assert spans == {(noise_dir / "crickets" / "c1.wav").resolve(): [(0.5, 1.0), (2.0, 2.5)],
                     (noise_dir / "rain" / "only.ogg").resolve(): [(0.1, 0.2)]}
    assert read_spans(csv, [noise_dir / "rain"]) == {(noise_dir / "rain" / "only.ogg").resolve(): [(0.1, 0.2)]}
    with pytest.raises(ParameterError, match=r"names the folders \['crickets', 'elsewhere', 'rain'\], none of the "
                                             r"negatives folders \['frogs'\]; name rows <folder name>/<path in it>$"):
        read_spans(csv, [noise_dir / "frogs"])  # a list that applies to nothing is a mistake
    (tmp_path / "other" / "crickets").mkdir(parents=True)
    with pytest.raises(ParameterError, match=r"share the name 'crickets', which its rows cannot tell apart; rename one"):
        read_spans(csv, [noise_dir / "crickets", tmp_path / "other" / "crickets"])


def test_read_spans_counts_lines_as_the_file_does(noise_dir, tmp_path):
    csv = tmp_path / "birds.csv"
    csv.write_text("file,start_s,end_s\ncrickets/c1.wav,1,2\n\ncrickets/c1.wav,3,x\n")
    with pytest.raises(ParameterError, match=r"birds.csv, line 4: start_s='3', end_s='x' must be seconds"):
        read_spans(csv, [noise_dir / "crickets"])


@pytest.mark.parametrize("row, match", [
    ("crickets/c1.wav,one,2", r"line 2: start_s='one', end_s='2' must be seconds"),
    ("crickets/c1.wav,2,2", r"line 2: needs 0 <= start_s < end_s, got 2 and 2"),
    ("crickets/c1.wav,-1,2", r"line 2: needs 0 <= start_s < end_s"),
    ("crickets/c9.wav,1,2", r"line 2: 'crickets/c9.wav' is not a recording in .*crickets; name it <folder name>/"),
    ("crickets,1,2", r"line 2: 'crickets' is not a recording"),
])
def test_read_spans_names_the_csv_the_line_and_the_fix(noise_dir, tmp_path, row, match):
    csv = _csv(tmp_path / "birds.csv", row)
    with pytest.raises(ParameterError, match=rf"--not-noise .*birds.csv, {match}"):
        read_spans(csv, [noise_dir / "crickets"])


def test_read_spans_needs_the_columns(noise_dir, tmp_path):
    (tmp_path / "bad.csv").write_text("path,start,end\ncrickets/c1.wav,1,2\n")
    with pytest.raises(ParameterError, match=r"no column \['file', 'start_s', 'end_s'\]; the header must start"):
        read_spans(tmp_path / "bad.csv", [noise_dir / "crickets"])
    with pytest.raises(ParameterError, match="cannot read it as CSV"):
        read_spans(tmp_path / "missing.csv", [noise_dir / "crickets"])


def test_pieces_are_what_the_spans_leave():
    assert pieces(100, 10, [(2.0, 3.0)]) == [(0, 20), (30, 100)]
    assert pieces(100, 10, [(6.0, 7.0), (0.0, 1.0), (6.5, 8.0)]) == [(10, 60), (80, 100)]  # sorted, overlaps merged
    assert pieces(100, 10, [(9.5, 12.0)]) == [(0, 95)]  # past the end
    assert pieces(100, 10, []) == [(0, 100)]
    assert pieces(100, 10, [(0.0, 10.0)]) == []
    # the array is a part of the recording starting at sample 50: spans stay in recording seconds
    assert pieces(50, 10, [(2.0, 6.0), (8.0, 8.5)], offset=50) == [(10, 30), (35, 50)]
    assert pieces(20, 10, [(0.21, 0.29)]) == [(0, 2), (3, 20)]  # widened to whole samples


def test_no_window_crosses_an_excluded_span(noise_dir, tone, write, tmp_path):
    # a cricket at 4 kHz with a bird at 2.5 kHz in the middle: the bird never reaches a window
    x = tone(4000, 6.0, pulse_hz=20)
    x[int(2.6 * 24000): int(3.0 * 24000)] += tone(2500, 0.4, seed=1)
    rec = write(noise_dir / "bird" / "cricket.wav", x)
    csv = _csv(tmp_path / "birds.csv", "bird/cricket.wav,2.5,3.1,a call")
    exclude = read_spans(csv, [noise_dir / "bird"])

    def bird_share(w: np.ndarray) -> float:
        spec = np.abs(np.fft.rfft(w)) ** 2
        f = np.fft.rfftfreq(w.size, 1 / 24000)
        return float(spec[(f > 2300) & (f < 2700)].sum() / spec.sum())

    rng = np.random.default_rng(0)
    plain = NoiseBank([rec]).windows(400, rng, variants=None)
    assert max(bird_share(w) for w in plain) > 0.1  # without the span, windows hold the bird
    clean = NoiseBank([rec], exclude=exclude)
    assert [p.size for p in clean.audio] == [60_000, 69_600]  # 0-2.5 s and 3.1-6 s
    assert max(bird_share(w) for w in clean.windows(400, rng, variants=None)) < 1e-3
    # a validation part starting inside the recording: spans stay in the recording's seconds
    end = NoiseBank([rec], part=(0.5, 1.0), exclude=exclude)
    assert [p.size for p in end.audio] == [69_600]
    # a piece too short for a window (0.35 s between two spans) is left out, not looped
    gap = NoiseBank([rec], exclude={rec.resolve(): [(1.0, 2.0), (2.35, 3.1)]})
    assert [p.size for p in gap.audio] == [24_000, 69_600]
    with pytest.raises(DataError, match="no usable noise recordings"):
        NoiseBank([rec], exclude={rec.resolve(): [(0.0, 5.6)]})  # 0.4 s left: under a window


def test_no_spans_leave_the_windows_as_they_were(noise_dir):
    files = sorted((noise_dir / "crickets").glob("*.wav")) + [noise_dir / "rain" / "only.ogg"]
    a = NoiseBank(files).windows(30, np.random.default_rng(4))
    b = NoiseBank(files, exclude={}).windows(30, np.random.default_rng(4))
    np.testing.assert_array_equal(a, b)
    # a file cut into pieces weighs as the whole would, times the share of it kept: cutting a
    # recording in two must not make it drawn more often than its neighbours (all 3 s long here)
    bank = NoiseBank(files, exclude={files[0].resolve(): [(1.0, 1.5)]})
    assert [p.name for p in bank.used[:3]] == ["c0.wav", "c0.wav", "c1.wav"]
    assert np.isclose((bank.weights[0] + bank.weights[1]) / bank.weights[2], 2.5 / 3.0)
    assert np.isclose(bank.weights[-1], NoiseBank(files).weights[-1])  # the rain folder keeps its share


def test_real_sounds_record_the_spans_and_need_negatives(noise_dir, tmp_path):
    csv = _csv(tmp_path / "birds.csv", "crickets/c1.wav,1.0,1.5,a call")
    sounds = RealSounds(negatives=[noise_dir / "crickets"], negative_windows=10, not_noise=csv)
    meta = sounds.metadata()["negatives"]["not_noise"]
    assert meta == {"file": str(csv.resolve()), "spans": {"crickets/c1.wav": [[1.0, 1.5]]}}
    assert len(sounds.arrays()[0].waves) == 10
    assert "not_noise" not in RealSounds(negatives=[noise_dir / "crickets"]).metadata()["negatives"]
    with pytest.raises(ParameterError, match=r"not_noise=.*lists spans of negatives recordings; give the negatives "
                                             r"folders too \(--negatives\)$"):
        RealSounds(not_noise=csv)


def test_real_sounds_give_the_spans_to_the_training_and_validation_windows(noise_dir, tmp_path, monkeypatch):
    import birdscan.realsounds as rs

    given = []

    class Recording(NoiseBank):
        def __post_init__(self) -> None:
            given.append((self.part, dict(self.exclude)))
            super().__post_init__()

    monkeypatch.setattr(rs, "NoiseBank", Recording)
    csv = _csv(tmp_path / "birds.csv", "crickets/c1.wav,1.0,1.5,a call")
    rs.RealSounds(negatives=[noise_dir / "crickets"], negative_windows=10, not_noise=csv).arrays()
    spans = {(noise_dir / "crickets" / "c1.wav").resolve(): [(1.0, 1.5)]}
    assert len(given) == 2 and all(exclude == spans for _, exclude in given)  # training and validation banks
