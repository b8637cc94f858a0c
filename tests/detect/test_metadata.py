"""Recording start times from GUANO, AudioMoth comments, BWF bext and file names, in that order."""

import struct
from datetime import datetime, timedelta, timezone

import numpy as np
import soundfile as sf

from birdscan.detect.metadata import recording_start


def wav_with_chunks(path, chunks: dict[bytes, bytes]):
    """A short WAV with extra RIFF chunks after the audio, as recorders append them."""
    sf.write(path, np.zeros(2400, np.int16), 24000, subtype="PCM_16")
    data = bytearray(path.read_bytes())
    for cid, body in chunks.items():
        data += cid + struct.pack("<I", len(body)) + body + (b"\0" if len(body) % 2 else b"")
    data[4:8] = struct.pack("<I", len(data) - 8)
    path.write_bytes(bytes(data))
    return path


def bext(date: str, time: str) -> bytes:
    return b"\0" * 256 + b"\0" * 32 + b"\0" * 32 + date.encode() + time.encode() + b"\0" * 264


def info_comment(text: str) -> bytes:
    body = text.encode() + b"\0"
    return b"INFO" + b"ICMT" + struct.pack("<I", len(body)) + body + (b"\0" if len(body) % 2 else b"")


def test_each_source_and_which_wins(tmp_path):
    guano = b"GUANO|Version: 1.0\nMake: Wildlife Acoustics, Inc.\nTimestamp: 2024-05-01T21:30:00-04:00\n"
    moth = info_comment("Recorded at 21:00:00 01/05/2024 (UTC+1) by AudioMoth 24F319055FDF2F5B at medium gain.")
    name = "REC_20240501_200000.wav"
    p = wav_with_chunks(tmp_path / name, {b"guan": guano, b"LIST": moth, b"bext": bext("2024-05-01", "19:00:00")})
    assert recording_start(p) == (datetime(2024, 5, 1, 21, 30, tzinfo=timezone(-timedelta(hours=4))), "guano")
    (tmp_path / "b").mkdir()
    p = wav_with_chunks(tmp_path / "b" / name, {b"LIST": moth, b"bext": bext("2024-05-01", "19:00:00")})
    assert recording_start(p) == (datetime(2024, 5, 1, 21, 0, tzinfo=timezone(timedelta(hours=1))), "audiomoth")
    p = wav_with_chunks(tmp_path / "c.wav", {b"bext": bext("2024:05:01", "19-00-00")})
    assert recording_start(p) == (datetime(2024, 5, 1, 19, 0), "bext")
    p = wav_with_chunks(tmp_path / name, {})
    assert recording_start(p) == (datetime(2024, 5, 1, 20, 0), "name")
    assert recording_start(wav_with_chunks(tmp_path / "plain.wav", {})) == (None, None)
    utc = info_comment("Recorded at 03:04:05 24/03/2019 (UTC) by AudioMoth 0FE081F80FE081F0")
    assert recording_start(wav_with_chunks(tmp_path / "u.wav", {b"LIST": utc}))[0] == datetime(2019, 3, 24, 3, 4, 5, tzinfo=timezone.utc)


def test_broken_metadata_falls_back(tmp_path):
    p = wav_with_chunks(tmp_path / "x_20240501_200000.wav", {b"guan": b"Timestamp: yesterday\n", b"bext": b"short"})
    assert recording_start(p) == (datetime(2024, 5, 1, 20, 0), "name")
    (tmp_path / "not.wav").write_bytes(b"RIFF")
    assert recording_start(tmp_path / "not.wav") == (None, None)
    assert recording_start(tmp_path / "missing_20240501_200000.flac") == (datetime(2024, 5, 1, 20, 0), "name")


def test_scan_writes_the_metadata_start(tmp_path, write_tone_file):
    import pandas as pd

    from birdscan.detect.pipeline import scan

    (tmp_path / "in").mkdir()
    p = write_tone_file(tmp_path / "in" / "moth.wav", 24000, 3.0, [1.5])
    data = bytearray(p.read_bytes())
    body = info_comment("Recorded at 22:15:00 02/05/2024 (UTC+2) by AudioMoth 1")
    data += b"LIST" + struct.pack("<I", len(body)) + body
    data[4:8] = struct.pack("<I", len(data) - 8)
    p.write_bytes(bytes(data))
    res = scan([tmp_path / "in"], out=tmp_path / "o" / "detections.csv", device="cpu")
    assert res.files[0].recording_start == datetime(2024, 5, 2, 22, 15, tzinfo=timezone(timedelta(hours=2)))
    det = pd.read_csv(tmp_path / "o" / "detections.csv")
    assert len(det) and det["start_time"].str.startswith("2024-05-02T22:15:01").all() and det["start_time"].str.endswith("+02:00").all()
