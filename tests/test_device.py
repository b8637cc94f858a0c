"""Device policy: device names, AMP dtype, and global torch settings put back after the work."""

from __future__ import annotations

import pytest
import torch

from birdscan.device import amp_dtype, resolve_device, torch_settings, usable_cores
from birdscan.errors import ParameterError


def test_resolve_device_names():
    assert resolve_device("cpu") == torch.device("cpu") and resolve_device(torch.device("cpu")).type == "cpu"
    assert resolve_device("auto").type in ("cpu", "cuda")
    with pytest.raises(ParameterError, match="device='tpu' must be one of auto, cpu, cuda, cuda:N, mps"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ParameterError, match="device='cuda:1' asked for, but no CUDA GPU"):
            resolve_device("cuda:1")


def test_amp_only_on_cuda():
    assert amp_dtype(torch.device("cpu")) is None


def test_torch_settings_are_restored():
    threads, bench = torch.get_num_threads(), torch.backends.cudnn.benchmark
    torch.set_num_threads(1)
    try:
        with torch_settings(torch.device("cpu"), all_cores=True):
            assert torch.get_num_threads() == usable_cores()
            assert torch.backends.cudnn.benchmark is False
        assert torch.get_num_threads() == 1
        with pytest.raises(KeyError):
            with torch_settings(torch.device("cpu"), all_cores=True):
                raise KeyError
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)
        torch.backends.cudnn.benchmark = bench


def test_scan_leaves_global_torch_settings_as_they_were(tmp_path, make_audio):
    from birdscan import scan

    make_audio("a.wav", dur=2.0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        scan([tmp_path / "a.wav"], device="cpu")
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)
