"""birdscan.detect.audio: streaming decode equal to reading the whole file, channels, damaged and
undecodable files, partial decodes kept, compressed-length estimates. The header and short spans:
test_audiofile.py."""

import json
import time

import numpy as np
import pytest
import soundfile as sf
import soxr

from birdscan.detect import audio
from birdscan.detect.pipeline import scan
from birdscan.detect.windows import count_windows, frame, scan_blocks
from birdscan.errors import AudioError, ParameterError


KW = dict(device="cpu", workers=0)


def whole_file(path, sr=24000):
    x, fs = sf.read(str(path), dtype="float32", always_2d=True)
    x = x.mean(1)
    return x if fs == sr else soxr.resample(x, fs, sr).astype(np.float32)


@pytest.mark.parametrize("sr,subtype,ext,channels", [(24000, "PCM_16", "wav", 1), (44100, "PCM_24", "flac", 2),
                                                      (22050, "FLOAT", "wav", 1), (48000, "PCM_32", "wav", 3)])
def test_stream_equals_whole_file(make_audio, sr, subtype, ext, channels):
    p = make_audio(f"x.{ext}", sr=sr, dur=2.3, calls=[1.0], subtype=subtype, channels=channels)
    ref = whole_file(p)
    for block in (997, 4096, 1 << 18):
        got = np.concatenate(list(audio.stream(p, block=block)))
        assert abs(len(got) - len(ref)) <= 1
        n = min(len(got), len(ref))
        np.testing.assert_allclose(got[:n], ref[:n], atol=2e-5)


def test_streamed_windows_equal_whole_file_windows(make_audio):
    p = make_audio("x.flac", sr=44100, dur=7.7, calls=[3.0])
    ref = whole_file(p)
    W, H = 12000, 1200
    n = count_windows(len(ref), W, H)
    padded = np.zeros(W + (n - 1) * H, np.float32)
    padded[: len(ref)] = ref
    expect = frame(padded, n, W, H)
    got = []
    for blk in scan_blocks(audio.stream(p, block=3001), W, H, per_block=16):
        got.append(frame(blk.samples, blk.n_windows, W, H))
    got = np.concatenate(got)
    assert got.shape == expect.shape
    np.testing.assert_allclose(got, expect, atol=2e-5)


def test_channel_pick(make_audio, tmp_path):
    x = np.stack([np.zeros(24000), np.ones(24000) * 0.5], 1).astype(np.float32)
    p = tmp_path / "st.wav"
    sf.write(p, x, 24000, subtype="FLOAT")
    assert np.allclose(np.concatenate(list(audio.stream(p, channel=1))), 0.5)
    assert np.allclose(np.concatenate(list(audio.stream(p))), 0.25)
    with pytest.raises(AudioError, match=r"channel 3 asked for \(counting from 1\), but the file has 2 channel"):
        list(audio.stream(p, channel=2))


def test_channel_out_of_range_is_counted_from_one(tmp_path, write_tone_file):
    write_tone_file(tmp_path / "mono.wav", 24000, 1.0)
    res = scan([tmp_path], channel=5, **KW)
    assert "channel 5 asked for (counting from 1), but the file has 1 channel(s)" in res.files[0].error


def test_bad_files_name_the_file(tmp_path):
    bad = tmp_path / "text.wav"
    bad.write_text("hello")
    with pytest.raises(AudioError, match="text.wav: cannot read audio"):
        list(audio.stream(bad))
    with pytest.raises(ParameterError, match="block=0"):
        audio.stream(bad, block=0)


def test_fuzzed_headers_give_audio_or_audio_error(tmp_path, within, valid_audio_bytes, mutate_bytes):
    rng = np.random.default_rng(7)
    seeds = valid_audio_bytes
    outcomes = {"ok": 0, "AudioError": 0}
    deadline, n = time.monotonic() + 3.0, 0
    while time.monotonic() < deadline:
        name = list(seeds)[n % len(seeds)]
        p = tmp_path / f"case{n}.{name}"
        p.write_bytes(mutate_bytes(seeds[name], rng, 128 if name.endswith("flac") else 64))
        try:
            within(10, lambda: sum(len(b) for b in audio.stream(p, 24000)))
            outcomes["ok"] += 1
        except AudioError:
            outcomes["AudioError"] += 1
            p.unlink()
        n += 1
    assert n > 100 and outcomes["ok"] and outcomes["AudioError"]


def test_non_finite_samples_become_zero(tmp_path):
    x = np.zeros(5000, np.float32)
    x[10], x[20] = np.nan, np.inf
    p = tmp_path / "nan.wav"
    sf.write(p, x, 24000, subtype="FLOAT")
    y = np.concatenate(list(audio.stream(p)))
    assert np.isfinite(y).all()


def test_partial_flac_keeps_what_decoded(tmp_path, write_tone_file):
    p = write_tone_file(tmp_path / "long.flac", 24000, 20.0, [3.0, 15.0])
    b = p.read_bytes()
    p.write_bytes(b[: len(b) * 2 // 3])  # the recorder's battery died
    with pytest.raises(AudioError, match="decoding failed after"):
        sum(len(x) for x in audio.stream(p))  # without a report it is an error, as before
    rep = audio.DecodeReport()
    n = sum(len(x) for x in audio.stream(p, report=rep))
    assert rep.partial and "decoding failed after 13." in rep.partial and n == pytest.approx(rep.frames, abs=1)
    assert 13.0 < rep.frames / 24000 < 13.4
    res = scan([p], out=tmp_path / "o" / "detections.csv", **KW)
    f = res.files[0]
    assert f.status == "partial" and 13.0 < f.scanned_s < 13.4 and res.n_partial == 1 and res.n_errors == 0
    assert list(np.round(f.events.peak_s)) == [3.0]  # the call before the damage is found
    man = json.loads((tmp_path / "o" / "run.json").read_text())
    assert man["summary"]["partial"] == 1 and man["files"][0]["status"] == "partial"
    assert "decoding failed after" in man["files"][0]["error"]


def test_compressed_length_estimates_are_not_damage_but_a_cut_file_is(tmp_path):
    """An MP3's header length is an estimate: a file a fraction of a second short of it (the
    last few hundred bytes missing, or a variable bit rate) is whole; half a file is partial."""
    sr = 24_000
    t = np.arange(20 * sr) / sr
    x = (0.1 * np.sin(2 * np.pi * 3000 * t)).astype(np.float32)
    try:
        sf.write(tmp_path / "full.mp3", x, sr, format="MP3")
    except (sf.LibsndfileError, TypeError, ValueError):
        pytest.skip("this libsndfile cannot write MP3")
    data = (tmp_path / "full.mp3").read_bytes()
    (tmp_path / "short.mp3").write_bytes(data[:-300])
    (tmp_path / "half.mp3").write_bytes(data[: len(data) // 2])
    reports = {}
    for name in ("full", "short", "half"):
        reports[name] = audio.DecodeReport()
        got = sum(len(b) for b in audio.stream(tmp_path / f"{name}.mp3", sr, report=reports[name]))
        assert got > 0
    assert reports["full"].partial is None and reports["short"].partial is None
    assert reports["half"].partial and "half.mp3" not in reports["half"].partial  # the reason; the file is named by the caller
