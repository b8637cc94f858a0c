"""Per-recording results and the manifest entries they become."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from birdscan.detect.discover import Recording
from birdscan.detect.results import FileResult


def test_a_manifest_entry_gives_back_the_result_it_was_made_from():
    res = FileResult(Recording(Path("/rec/unitA/a.wav"), "unitA/a.wav", Path("/rec")), index=3, status="partial",
                     error="/rec/unitA/a.wav: decoding failed", sample_rate=24000, channels=2, duration_s=12.5,
                     n_windows=241, n_events=2, scanned_s=9.1, warnings=["/rec/unitA/a.wav: the decoder said: x"],
                     seconds=0.25, recording_start=datetime(2023, 4, 1, 21, 30))
    entry = res.manifest()
    back = FileResult.from_manifest(entry)
    assert back.manifest() == entry and back.rec.rel == "unitA/a.wav" and back.index == 3
    assert not back.resumed and back.probs is None and back.events is None
    del entry["recording_start"], entry["seconds"]  # manifests of older runs may lack them
    assert FileResult.from_manifest(entry).recording_start is None
