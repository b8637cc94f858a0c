"""birdscan.detect.audiofile: the header (empty and undecodable files named), short spans read by
seeking, channels counted from one."""

import numpy as np
import pytest
import soundfile as sf

from birdscan.detect import audiofile
from birdscan.errors import AudioError


def test_an_empty_file_has_no_audio(tmp_path):
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0, np.float32), 24000)
    with pytest.raises(AudioError, match="empty.wav: no audio"):
        audiofile.info(empty)


def test_random_bytes_are_not_decodable_audio_and_stay_quiet(tmp_path, capfd):
    p = tmp_path / "noise.mp3"
    p.write_bytes(np.random.default_rng(1).bytes(5000))
    with pytest.raises(AudioError, match=r"noise\.mp3: not decodable audio"):
        audiofile.info(p)
    assert "mpg123" not in capfd.readouterr().err  # no decoder chatter in the terminal


def test_read_segment(make_audio):
    p = make_audio("s.wav", sr=48000, dur=2.0)
    x, sr = audiofile.read_segment(p, 0.5, 0.75)
    assert sr == 48000 and x.shape == (12000, 1)
    y, sr2 = audiofile.read_segment(p, 0.5, 0.75, sample_rate=24000)
    assert sr2 == 24000 and abs(len(y) - 6000) <= 1


def test_read_segments_clips_spans_to_the_file_and_picks_channels(tmp_path):
    x = np.stack([np.arange(24000) / 24000, -np.ones(24000)], 1).astype(np.float32)
    x[100, 0] = np.nan
    p = tmp_path / "two.wav"
    sf.write(p, x, 24000, subtype="FLOAT")
    spans = [(0.5, 0.6), (-1.0, 0.01), (0.99, 5.0), (0.7, 0.2)]
    got = list(audiofile.read_segments(p, spans))
    assert [a.shape for a, _ in got] == [(2400, 2), (240, 2), (240, 2), (0, 2)] and {sr for _, sr in got} == {24000}
    np.testing.assert_array_equal(got[0][0], x[12000:14400])
    assert got[1][0][100, 0] == 0  # NaN read as 0
    (left, _), (mix, _) = (next(audiofile.read_segments(p, [(0.5, 0.6)], 24000, ch)) for ch in (0, None))
    np.testing.assert_array_equal(left, x[12000:14400, 0])
    np.testing.assert_allclose(mix, x[12000:14400].mean(1), atol=1e-7)
    with pytest.raises(AudioError, match=r"two\.wav: channel 3 asked for \(counting from 1\), but the file has 2 channel"):
        audiofile.read_segment(p, 0.0, 0.1, sample_rate=24000, channel=2)
