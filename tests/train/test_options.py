"""The option groups of ``train()`` (birdscan.train.options): each refuses a bad value when it
is made, naming the field; the command line builds the same run from its flags as the Python
call from the groups; a ModelConfig given is the one the checkpoint and resume state record."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from birdscan.cli import main
from birdscan.errors import ModelError, ParameterError
from birdscan.model import ModelConfig, read_checkpoint
from birdscan.train import DEFAULT_MODEL, FitOptions, RealSoundsOptions, RuntimeOptions, SplitOptions, parse_channels
from birdscan.train.loop import output_paths, train
from birdscan.train.resume import RunSpec, read_resume


@pytest.mark.parametrize("kwargs, match", [
    ({"epochs": 0, "lr": -1}, r"^epochs=0 must be >= 1; lr=-1 must be > 0$"),
    ({"batch_size": 1}, r"^batch_size=1 must be >= 2$"),
    ({"weight_decay": -0.5}, r"^weight_decay=-0.5 must be >= 0$"),
    ({"patience": -1}, r"^patience=-1 must be >= 0 \(0: no early stopping\)$"),
    ({"seed": -3}, r"^seed=-3 must be >= 0$"),
    ({"freq_weight": -1.0}, r"^freq_weight=-1.0 must be >= 0 \(0: the frequency head is not trained\)$"),
    ({"ema": 1.0}, r"^ema=1.0 must be >= 0 and < 1 \(0: no moving average\)$"),
    ({"ema": -0.1}, r"^ema=-0.1 must be >= 0 and < 1 \(0: no moving average\)$"),
    ({"epochs": 2.5, "seed": True}, r"^epochs=2.5 must be an integer; seed=True must be an integer$"),
    ({"lr": "0.1"}, r"^lr='0.1' must be a number$"),
])
def test_fit_options_refuse_bad_values_naming_them(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        FitOptions(**kwargs)


def test_real_sounds_and_runtime_options_refuse_bad_values():
    with pytest.raises(ParameterError, match=r"^negative_windows=-1 must be an integer >= 0$"):
        RealSoundsOptions(negative_windows=-1)
    with pytest.raises(ParameterError, match=r"^heldout=1.0 must be in \[0, 1\) \(a fraction of each negatives folder\)$"):
        RealSoundsOptions(heldout=1.0)
    with pytest.raises(ParameterError, match=r"^not_noise='b.csv' lists spans of negatives recordings; give "
                                             r"the negatives folders too \(--negatives\)$"):
        RealSoundsOptions(not_noise="b.csv")
    with pytest.raises(ParameterError, match=r"^num_workers=-1 must be >= 0$"):
        RuntimeOptions(num_workers=-1)
    with pytest.raises(ParameterError, match=r"^num_workers=1.5 must be an integer$"):
        RuntimeOptions(num_workers=1.5)


def test_split_options_read_unit_names_and_refuse_others():
    split = SplitOptions(val_units="unit07, 10", test_units=3)
    assert split == SplitOptions(val_units=["unit07", "unit10"], test_units=("unit03",))
    assert split.to_dict() == {"val_units": ["unit07", "unit10"], "test_units": ["unit03"]}
    assert SplitOptions() == SplitOptions(None, None) and SplitOptions(val_units="extra-site").val_units == ("extra-site",)
    with pytest.raises(ParameterError, match=r"^val_units: unit='u3x' is not a unit name"):
        SplitOptions(val_units="unit01,u3x")
    with pytest.raises(ParameterError, match=r"^test_units: unit='x' is not a unit name"):
        SplitOptions(test_units="x")


def test_options_are_frozen_and_keep_folders_as_paths():
    real = RealSoundsOptions(extra="review/labelled", negatives=["a", Path("b")])
    assert real.extra == (Path("review/labelled"),) and real.negatives == (Path("a"), Path("b"))
    assert real.to_dict() == {"extra": ["review/labelled"], "negatives": ["a", "b"], "negative_windows": 6000,
                              "heldout": 0.25}
    # not_noise is recorded only when given, so runs saved before it existed still resume
    spans = RealSoundsOptions(negatives="a", not_noise="birds.csv")
    assert spans.not_noise == Path("birds.csv") and spans.to_dict()["not_noise"] == "birds.csv"
    for options in (FitOptions(), SplitOptions(), real, RuntimeOptions()):
        with pytest.raises(dataclasses.FrozenInstanceError):
            options.seed = 2  # type: ignore[misc]


def test_parse_channels():
    assert parse_channels("16,32,48") == (16, 32, 48) == parse_channels([16, 32, 48])
    assert parse_channels(" 4, 8,") == (4, 8)  # as the command line always read --channels
    with pytest.raises(ParameterError, match=r"^channels='4,x' must be integers like '16,32,48'$"):
        parse_channels("4,x")
    for bad in ("", "4,0", ()):
        with pytest.raises(ParameterError, match=r"must be positive integers like '16,32,48'$"):
            parse_channels(bad)


def test_default_model_is_the_one_train_always_built():
    # train(arch="birdscan") added the frequency head to ModelConfig's defaults
    assert DEFAULT_MODEL == ModelConfig(arch="birdscan", frontend="pcen", freq_head=True)


def _cli(*args) -> tuple[int, str]:
    r = CliRunner().invoke(main, ["train", *map(str, args)])
    return r.exit_code, r.output


def test_command_line_refuses_bad_options_in_its_own_words_before_any_file(tmp_path):
    base = ("--data", tmp_path / "none", "--out", tmp_path / "m.pt", "-q")
    assert _cli(*base, "--epochs", 0, "--lr", -1) == (1, "Error: --epochs 0 must be >= 1; --lr -1.0 must be > 0\n")
    assert _cli(*base, "--channels", "4,x") == (1, "Error: --channels '4,x' must be integers like '16,32,48'\n")
    assert _cli(*base, "--heldout", 1) == (1, "Error: --heldout 1.0 must be in [0, 1) (a fraction of each negatives "
                                             "folder)\n")
    assert _cli(*base, "--num-workers", -2) == (1, "Error: --num-workers -2 must be >= 0\n")
    assert _cli(*base, "--not-noise", "b.csv") == (1, "Error: --not-noise 'b.csv' lists spans of negatives recordings; "
                                                      "give the negatives folders too (--negatives)\n")
    code, out = _cli(*base, "--val-units", "u3x")
    assert code == 1 and out.startswith("Error: --val-units: unit='u3x' is not a unit name")
    code, out = _cli(*base, "--channels", "4,4,4,4")  # a stride of 16 frames does not divide the hop's 8
    assert code == 1 and "bad model config" in out
    assert not list(tmp_path.iterdir())


def test_bad_groups_are_refused_by_train(tmp_path):
    with pytest.raises(ModelError, match="bad model config"):
        ModelConfig(channels=(4, 4, 4, 4))
    with pytest.raises(ParameterError, match=r"^model must be a birdscan.model.ModelConfig, not dict$"):
        train(tmp_path, tmp_path / "m.pt", model=DEFAULT_MODEL.to_dict())
    assert not list(tmp_path.iterdir())


@pytest.fixture(scope="module")
def toy(tmp_path_factory, write_toy_units) -> Path:
    folder = tmp_path_factory.mktemp("bv")
    write_toy_units(folder, units=("unit01", "unit02", "unit03"), clips=48)
    return folder


def test_command_line_and_python_build_the_same_run(toy, tmp_path):
    """Every flag lands in its group: the same run spec, model, recorded arguments and weights."""
    cli_out, py_out = tmp_path / "cli" / "m.pt", tmp_path / "py" / "m.pt"
    code, text = _cli("--data", toy, "--out", cli_out, "--val-units", "2", "--test-units", "unit03", "--epochs", 1,
                      "--batch-size", 16, "--lr", 0.002, "--weight-decay", 0.02, "--arch", "baseline", "--frontend",
                      "logmel", "--channels", "4,8", "--no-freq-head", "--bg-stats", "--time-shift", 50, "--seed", 4,
                      "--patience", 3, "--device", "cpu", "--negative-windows", 10, "--heldout", 0.5, "-q")
    assert code == 0, text
    model = ModelConfig(arch="baseline", frontend="logmel", channels=(4, 8), freq_head=False, bg_stats=True)
    train(toy, py_out, split=SplitOptions(val_units="unit02", test_units="unit03"), model=model,
          fit=FitOptions(epochs=1, batch_size=16, lr=0.002, weight_decay=0.02, patience=3, seed=4), time_shift=50,
          real=RealSoundsOptions(negative_windows=10, heldout=0.5), runtime=RuntimeOptions(device="cpu"), progress=False)

    runs = [read_resume(output_paths(p).resume)["run"] for p in (cli_out, py_out)]
    assert runs[0] == runs[1]
    spec = RunSpec(**runs[1])
    assert spec.config == model.to_dict() and spec.split == {"train": ["unit01"], "val": ["unit02"], "test": ["unit03"]}
    assert (spec.epochs, spec.batch_size, spec.lr, spec.weight_decay, spec.seed) == (1, 16, 0.002, 0.02, 4)
    assert spec.augment["time_shift"] == 50 and spec.augment["band"] == [model.fmin, model.fmax]

    cli_ckpt, py_ckpt = read_checkpoint(cli_out), read_checkpoint(py_out)
    assert cli_ckpt["config"] == py_ckpt["config"] == model.to_dict()  # the ModelConfig given is the one saved
    cli_args, py_args = cli_ckpt["train"]["arguments"], py_ckpt["train"]["arguments"]
    assert cli_ckpt["train"]["command"].startswith("birdscan ")
    for args in (cli_args, py_args):
        args.pop("out")
        args.pop("command")
    assert cli_args == py_args
    assert py_args["fit"] == FitOptions(epochs=1, batch_size=16, lr=0.002, weight_decay=0.02, patience=3, seed=4).to_dict()
    assert py_args["model"] == model.to_dict() and py_args["runtime"]["device"] == "cpu"
    for k, v in py_ckpt["state_dict"].items():
        torch.testing.assert_close(cli_ckpt["state_dict"][k], v, rtol=0, atol=0, msg=k)
