"""birdscan.detect.windows: streamed audio cut into blocks that cover every window once."""

import numpy as np
import pytest

from birdscan.errors import ParameterError
from birdscan.detect.windows import count_windows, scan_blocks


@pytest.mark.parametrize("n", [1, 11999, 12000, 12001, 13200, 13201, 50_000])
@pytest.mark.parametrize("per_block,chunk", [(1, 7000), (4, 5000), (16, 100_000)])
def test_blocks_cover_every_window_once(n, per_block, chunk):
    x = np.arange(n, dtype=np.float32) + 1
    chunks = [x[i : i + chunk] for i in range(0, n, chunk)]
    blocks = list(scan_blocks(chunks, 12000, 1200, per_block))
    firsts = [b.first for b in blocks]
    total = count_windows(n, 12000, 1200)
    assert sum(b.n_windows for b in blocks) == total
    assert firsts == sorted(firsts) and blocks[-1].last and not any(b.last for b in blocks[:-1])
    for b in blocks:
        start = b.first * 1200
        seg = x[start : start + len(b.samples)]
        np.testing.assert_array_equal(b.samples[: len(seg)], seg)
        assert not b.samples[len(seg):].any()  # zero padding past the end


def test_short_file_gets_one_window():
    assert count_windows(5, 12000, 1200) == 1
    assert count_windows(0, 12000, 1200) == 0
    assert count_windows(12001, 12000, 1200) == 2
    assert list(scan_blocks([], 12000, 1200, 4)) == []


def test_bad_arguments():
    with pytest.raises(ParameterError, match="hop=0"):
        scan_blocks([], 12000, 0, 4)
