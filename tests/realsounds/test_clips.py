"""birdscan.realsounds.clips: reviewed clips (call/ and not_call/ folders, 1/ and 0/, or a label table)
read as centred windows, and malformed folders named."""

from __future__ import annotations

import numpy as np
import pytest

from birdscan.errors import DataError
from birdscan.realsounds.clips import read_labelled

SR = 24_000


def test_read_labelled_call_and_not_call_any_rate_channels_length(tmp_path, tone, write, dominant_hz):
    d = tmp_path / "labelled"
    write(d / "call" / "long.wav", np.concatenate([np.zeros(SR), tone(3000, 0.2), np.zeros(SR)]), channels=2)
    write(d / "call" / "short.flac", tone(2800, 0.2, sr=44_100), sr=44_100)
    write(d / "not_call" / "chorus.wav", tone(4500, 1.3))  # 2 whole windows + a 0.3 s tail
    clips = read_labelled(d)
    assert clips.waves.shape == (5, 12_000) and clips.waves.dtype == np.float32
    assert clips.labels.tolist() == [1, 1, 0, 0, 0]
    long_call = clips.waves[0]
    assert np.abs(long_call[5000:7000]).max() > 0.2  # the centre window holds the call
    short = clips.waves[1]
    assert np.all(short[:3500] == 0) and np.all(short[-3500:] == 0)  # centred (4,800 samples) and padded
    assert round(dominant_hz(short), -2) == 2800
    assert np.all(clips.waves[4][7300:] == 0) and np.abs(clips.waves[4][:7000]).max() > 0.2  # padded tail
    assert clips.sources[0].endswith("long.wav")


def test_read_labelled_accepts_1_and_0_folders_and_a_csv(tmp_path, tone, write):
    d = tmp_path / "numbers"
    write(d / "1" / "a.wav", tone(3000, 0.5))
    write(d / "0" / "b.wav", tone(5000, 0.5))
    assert read_labelled(d).labels.tolist() == [1, 0]
    t = tmp_path / "table"
    write(t / "clips" / "x.wav", tone(3000, 0.5))
    write(t / "clips" / "y.wav", tone(7000, 0.5))
    (t / "labels.csv").write_text("file,label,freq_hz\nclips/x.wav,call,3000\nclips/y.wav,not_call,\n")
    clips = read_labelled(t)
    assert clips.labels.tolist() == [1, 0] and clips.freq_hz.tolist() == [3000.0, 0.0]


@pytest.mark.parametrize("layout, match", [
    ({}, "no clips found; put them in call/ and not_call/"),
    ({"labels.csv": "name,kind\n"}, r"labels.csv: a label table needs the columns file,label"),
    ({"labels.csv": "file,label\nmissing.wav,call\n"}, r"labels.csv, line 2: clip 'missing.wav' does not exist"),
    ({"labels.csv": "file,label\nc.wav,maybe\n", "c.wav": "audio"}, r"labels.csv, line 2: label 'maybe' is not one of"),
    ({"call/broken.wav": b"RIFF not really"}, r"broken.wav: not a readable audio clip"),
])
def test_malformed_label_folders_name_the_file(tmp_path, layout, match, tone, write):
    d = tmp_path / "bad"
    d.mkdir()
    for name, content in layout.items():
        p = d / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if content == "audio":
            write(p, tone(3000, 0.5))
        elif isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content)
    with pytest.raises(DataError, match=match):
        read_labelled(d)
