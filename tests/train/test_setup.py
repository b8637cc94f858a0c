"""birdscan.train.setup: train()'s augmentation options turned into an Augment, and clip sets split by
unit (the option groups themselves: tests/train/test_options.py)."""

from __future__ import annotations

import pytest

from birdscan.errors import ParameterError
from birdscan.model import ModelConfig
from birdscan.train.augment import Augment
from birdscan.train.setup import augmentation, datasets


def test_augmentation_from_train_options():
    cfg = ModelConfig(channels=(4, 8, 8), fmin=1500.0)
    assert augmentation(True, 0, cfg) == Augment(band=(1500.0, 11000.0), sample_rate=24000)
    assert augmentation(True, 120, cfg).time_shift == 120 and augmentation(False, 0, cfg) is None
    given = Augment(pitch=0.01)
    assert augmentation(given, 0, cfg) is given
    with pytest.raises(ParameterError, match=r"^time_shift=6000 must be in \[0, 6000\) samples$"):
        augmentation(True, 6000, cfg)
    for augment in (False, given):
        with pytest.raises(ParameterError, match=r"^time_shift=100 needs augment=True \(or set it on the Augment given\)$"):
            augmentation(augment, 100, cfg)
    assert augmentation(True, 0, cfg, loud_beds=0.5).bed_prob == 0.5 and augmentation(True, 0, cfg).bed_prob == 0.0
    with pytest.raises(ParameterError, match=r"^loud_beds=1.5 must be a share of the clips, in \[0, 1\]$"):
        augmentation(True, 0, cfg, loud_beds=1.5)
    with pytest.raises(ParameterError, match=r"^loud_beds=0.5 needs augment=True \(or set bed_prob on the Augment given\)$"):
        augmentation(given, 0, cfg, loud_beds=0.5)


def test_datasets_split_by_unit_and_cache_only_train_and_validation(tmp_path, write_toy_units):
    write_toy_units(tmp_path, units=("unit01", "unit02", "unit03"), clips=8)
    sets = datasets(tmp_path, "unit01", "unit03", 24000, cache=True)
    assert {part: sorted(set(ds.units)) for part, ds in sets.items()} == {"train": ["unit02"], "val": ["unit01"], "test": ["unit03"]}
    assert [len(sets[p]) for p in ("train", "val", "test")] == [8, 8, 8]
    assert sets["train"].waves is not None and sets["val"].waves is not None and sets["test"].waves is None
    default = datasets(tmp_path, None, None, 24000, cache=False)
    assert sorted(set(default["val"].units)) == ["unit03"] and len(default["test"]) == 0  # the last unit validates
    with pytest.raises(ParameterError, match=r"val_units: \['extra-site'\] are not among the added units \[\]"):
        datasets(tmp_path, "extra-site", None, 24000, cache=False)
