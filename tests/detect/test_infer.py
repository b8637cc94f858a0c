"""birdscan.detect.infer: the scanner batches blocks of several recordings without changing any
block's result."""

import numpy as np

from birdscan.model import default_model_path


def test_block_results_do_not_depend_on_batch_neighbours():
    import torch

    from birdscan.detect.infer import Scanner
    from birdscan.model import load_model
    from birdscan.detect.windows import ScanBlock

    net = load_model(default_model_path(), "cpu", inference=True)
    scanner = Scanner(net, torch.device("cpu"), 1200, batch_size=256, per_block=64)
    rng = np.random.default_rng(0)
    span = 12000 + 63 * 1200
    blocks = [ScanBlock(0, 64, rng.standard_normal(span).astype(np.float32), True) for _ in range(6)]
    alone = scanner.submit("a", blocks[0]) + scanner.flush()
    crowd = []
    for i in (3, 4, 0, 5, 1):
        crowd += scanner.submit(i, blocks[i])
    crowd += scanner.flush()
    mine = [p for k, _, p in crowd if k == 0]
    assert np.array_equal(alone[0][2], mine[0])
