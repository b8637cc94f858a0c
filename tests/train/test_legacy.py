"""birdscan.train.legacy: train()'s keywords from before its option groups still work, with a warning."""

from __future__ import annotations

import warnings

import pytest

from birdscan.errors import ParameterError
from birdscan.model import ModelConfig
from birdscan.train.legacy import LEGACY_GROUPS, fold_legacy
from birdscan.train.options import DEFAULT_MODEL, FitOptions, RealSoundsOptions, RuntimeOptions, SplitOptions

GIVEN = {"split": SplitOptions(), "real": RealSoundsOptions(), "model": DEFAULT_MODEL, "fit": FitOptions(),
         "runtime": RuntimeOptions()}


def _fold(legacy, groups=GIVEN):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fold_legacy(legacy, groups)
    assert [w.category for w in caught] == [DeprecationWarning]
    return out, str(caught[0].message)


def test_each_old_keyword_lands_in_its_group_and_the_warning_names_the_new_spelling():
    out, msg = _fold({"val_units": "unit07", "epochs": 4, "lr": 1e-3, "seed": 2, "negatives": ["noise"],
                      "negative_windows": 50, "device": "cpu", "cache": True})
    assert out["split"] == SplitOptions(val_units="unit07")
    assert out["fit"] == FitOptions(epochs=4, lr=1e-3, seed=2)
    assert out["real"] == RealSoundsOptions(negatives=["noise"], negative_windows=50)
    assert out["runtime"] == RuntimeOptions(device="cpu", cache=True)
    assert out["model"] is DEFAULT_MODEL
    for hint in ("val_units= -> split=SplitOptions(...)", "epochs=, lr=, seed= -> fit=FitOptions(...)",
                 "negatives=, negative_windows= -> real=RealSoundsOptions(...)",
                 "device=, cache= -> runtime=RuntimeOptions(...)"):
        assert hint in msg


def test_old_keywords_change_only_their_fields_of_a_group_given_too():
    out, _ = _fold({"epochs": 5}, {**GIVEN, "fit": FitOptions(seed=3, patience=1)})
    assert out["fit"] == FitOptions(epochs=5, seed=3, patience=1)


def test_old_model_keywords_build_the_model_as_0_1_0_did():
    out, msg = _fold({"channels": "4,8", "model_options": {"bg_stats": True, "hidden": 32}})
    assert out["model"] == ModelConfig(channels=(4, 8), bg_stats=True, hidden=32, freq_head=True)
    assert "channels=, model_options= -> model=ModelConfig(...)" in msg
    out, _ = _fold({"model_options": {"freq_head": False}})
    assert out["model"] == ModelConfig(freq_head=False)


def test_console_is_accepted_and_said_to_be_unused():
    out, msg = _fold({"console": object()})
    assert out == GIVEN and "console= (no longer used" in msg


@pytest.mark.parametrize("legacy,groups,error,match", [
    ({"epoch": 3}, GIVEN, TypeError, r"unexpected keyword argument 'epoch'"),
    ({"epochs": 0}, GIVEN, ParameterError, r"epochs=0 must be >= 1"),
    ({"channels": "4,x"}, GIVEN, ParameterError, r"channels='4,x' must be integers"),
    ({"model_options": {"layers": 3}}, GIVEN, ParameterError, r"model_options: .*layers"),
    ({"channels": "4,8"}, {**GIVEN, "model": ModelConfig(hidden=8)}, ParameterError, r"either as model=.*not both"),
])
def test_bad_old_keywords_are_refused_naming_them(legacy, groups, error, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error, match=match):
            fold_legacy(legacy, groups)


def test_every_keyword_of_the_old_signature_is_known():
    # train()'s keywords in birdscan 0.1.0 and until the option groups, except those it still takes
    old = {"val_units", "test_units", "epochs", "batch_size", "lr", "weight_decay", "arch", "frontend", "channels",
           "model_options", "num_workers", "cache", "seed", "device", "amp", "patience", "extra", "negatives",
           "negative_windows", "heldout", "freq_weight", "console"}
    assert old == set(LEGACY_GROUPS)
