"""birdscan.detect.shard: runs split into K/N shards by duration, whatever the listing order, and
the shard spec checked."""

from __future__ import annotations

import json
import random

import pytest
from click.testing import CliRunner

from birdscan.cli import main
from birdscan.detect.pipeline import scan
from birdscan.detect.shard import assign, parse_shard
from birdscan.errors import ParameterError


KW = dict(device="cpu", workers=0)


def test_shards_split_all_recordings_by_duration(sharded):
    root, whole, runs = sharded
    got = sorted(f.index for r in runs for f in r.files)
    assert got == list(range(len(whole.files)))
    loads = [sum(f.duration_s or 0 for f in r.files) for r in runs]
    assert max(loads) - min(loads) <= 6.0  # greedy: within the longest recording
    man = json.loads((root / "s2/run.json").read_text())
    assert man["shard"]["k"] == 2 and man["shard"]["n"] == 3 and man["shard"]["recordings"] == len(whole.files)


def test_shard_spec_is_validated():
    assert parse_shard("3/8") == (3, 8) and parse_shard((1, 1)) == (1, 1)
    for bad in ("3/2", "0/4", "1", "a/b", "-1/2"):
        with pytest.raises(ParameterError, match="must be K/N with 1 <= K <= N"):
            parse_shard(bad)
    r = CliRunner().invoke(main, ["run", "x", "--out", "d.csv", "--shard", "3/2"])
    assert r.exit_code == 2 and "--shard" in r.output and "shard='3/2' must be K/N" in r.output


def test_shard_assignment_ignores_listing_order():
    names = [f"n{i:03d}.wav" for i in range(200)]
    rng = random.Random(0)
    durations = [rng.choice([60.0, 600.0, 3600.0, 0.0]) for _ in names]
    owner = dict(zip(names, assign(names, durations, 7)))
    order = list(range(200))
    rng.shuffle(order)
    assert dict(zip([names[i] for i in order], assign([names[i] for i in order], [durations[i] for i in order], 7))) == owner
    loads = [sum(d for n, d in zip(names, durations) if owner[n] == k) for k in range(1, 8)]
    assert max(loads) - min(loads) <= 3600.0
    assert assign(["b", "a", "c"], [1.0, 1.0, 1.0], 2) == [2, 1, 1]  # equal lengths: by name


def test_shard_count_is_bounded(tmp_path, write_tone_file):
    write_tone_file(tmp_path / "a.wav", 24000, 1.0)
    with pytest.raises(ParameterError, match="more than birdscan splits a run into"):
        scan([tmp_path], shard="1/100000000000", **KW)
    with pytest.raises(ParameterError, match=r"only 1 recording\(s\) found, so N must be at most 1"):
        scan([tmp_path], shard="1/2", **KW)
