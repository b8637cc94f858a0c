"""birdscan.detect.decoder_output: what C decoders print is captured per call, kept off the terminal
and named in the recording's entry of run.json."""

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf


def test_decoder_output_is_captured_and_python_stderr_still_reaches_the_terminal(tmp_path):
    # A process of its own, so that sys.stderr writes to fd 2 as in a terminal (pytest replaces it).
    import subprocess
    import sys

    code = (
        "import os, sys, threading\n"
        "from birdscan.detect.decoder_output import DECODER\n"
        "said = []\n"
        "with DECODER.call(said):\n"
        "    os.write(2, b'Note: Illegal Audio-MPEG-Header\\n')\n"
        "    t = threading.Thread(target=lambda: print('birdscan: progress', file=sys.stderr))\n"
        "    t.start(); t.join()\n"
        "print('birdscan: after', file=sys.stderr)\n"
        "print(repr(said))\n"
    )
    # -W default shows ResourceWarnings: the temporary file and the stand-in close at exit
    r = subprocess.run([sys.executable, "-W", "default", "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines() == ["birdscan: progress", "birdscan: after"]
    assert r.stdout.strip() == repr(["Note: Illegal Audio-MPEG-Header\n"])


def test_close_leaves_nothing_open_and_a_later_call_opens_again():
    from birdscan.detect.decoder_output import DecoderOutput

    out = DecoderOutput()
    with out.call([]):
        pass
    sink = out._sink
    out.close()
    assert sink is None or sink.closed  # (no sink when this process has no fd 2)
    said: list[str] = []
    with out.call(said):
        pass
    assert said == []
    out.close()


def test_decoder_note_names_the_file_once_per_line():
    from birdscan.detect.decoder_output import decoder_note

    said = ["[src/libmpg123/parse.c:wetwork():1349] error: Giving up resync\nNote: Trying to resync...\n",
            "Note: Trying to resync...\n"]
    assert decoder_note(Path("a.mp3"), said) == "a.mp3: the decoder said: error: Giving up resync / Note: Trying to resync..."
    assert decoder_note(Path("a.mp3"), ["\n"]) is None


@pytest.mark.skipif("MP3" not in sf.available_formats(), reason="this libsndfile cannot write MP3 (needs 1.1 or newer)")
def test_a_damaged_mp3s_decoder_messages_go_to_its_entry_not_the_terminal(tmp_path, write_tone_file):
    import subprocess
    import sys

    x, sr = sf.read(write_tone_file(tmp_path / "tone.wav", 24000, 20.0, [3.0, 15.0]), dtype="float32")
    rec = tmp_path / "rec"
    rec.mkdir()
    sf.write(rec / "bad.mp3", x, sr, format="MP3")
    sf.write(rec / "good.mp3", x, sr, format="MP3")
    b = bytearray((rec / "bad.mp3").read_bytes())
    b[len(b) // 2 : len(b) // 2 + 4000] = np.random.default_rng(0).bytes(4000)  # valid start, garbage deep inside
    (rec / "bad.mp3").write_bytes(bytes(b))
    r = subprocess.run([sys.executable, "-m", "birdscan", "run", str(rec), "--out", str(tmp_path / "o/detections.csv"),
                        "--device", "cpu", "--workers", "2"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert lines and all(line.startswith("birdscan: ") for line in lines), r.stderr  # no decoder chatter
    assert "birdscan: 1 of 2 file(s) were damaged and only partly scanned" in r.stderr  # birdscan's own still there
    files = {f["file"]: f for f in json.loads((tmp_path / "o/run.json").read_text())["files"]}
    assert files["good.mp3"]["status"] == "ok" and files["good.mp3"]["warnings"] == []
    bad = files["bad.mp3"]
    assert bad["status"] == "partial" and bad["error"].startswith(f"{rec / 'bad.mp3'}: ")
    said = [w for w in bad["warnings"] if "the decoder said" in w]
    assert len(said) == 1 and said[0].startswith(f"{rec / 'bad.mp3'}: the decoder said: ") and "resync" in said[0]
