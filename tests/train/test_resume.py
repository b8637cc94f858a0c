"""birdscan.train.resume: the resume state file found and checked, and a continued run refused when a
setting that defines it differs."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from birdscan.errors import ParameterError
from birdscan.model import Detector, ModelConfig, save_checkpoint
from birdscan.train.augment import Augment
from birdscan.train.resume import RESUME_FORMAT, RUN_KEYS, RunSpec, check_resume, plain, read_resume


def spec(**kw) -> RunSpec:
    base = dict(split={"train": ["unit01"], "val": ["unit02"], "test": []}, clips={"train": 40, "val": 40}, epochs=10,
                batch_size=16, lr=3e-3, weight_decay=1e-2, config=ModelConfig(channels=(4, 8, 8)).to_dict(),
                augment=Augment().to_dict(), seed=1)
    return RunSpec(**{**base, **kw})


def test_plain_makes_json_able_copies():
    value = {1: (Path("/a"), None), "aug": Augment(pitch=0.01), "n": [True, 2, 0.5, "x"]}
    assert plain(value) == {"1": ["/a", None], "aug": Augment(pitch=0.01).to_dict(), "n": [True, 2, 0.5, "x"]}


def test_run_keys_are_the_run_spec_fields():
    assert RUN_KEYS == ("split", "clips", "epochs", "batch_size", "lr", "weight_decay", "config", "augment", "seed",
                        "freq_weight", "ema", "noise_level_db", "not_noise", "init")
    assert spec().to_dict()["split"] == {"train": ["unit01"], "val": ["unit02"], "test": []}


def test_check_resume_lists_what_differs():
    state = {"run": spec().to_dict(), "epoch": 3}
    check_resume(state, spec())
    check_resume(state, spec(epochs=12))  # extending the run
    check_resume(state, spec(config={**spec().config, "channels": (4, 8, 8)}))  # compared as plain types
    with pytest.raises(ParameterError, match=r"^resume: epochs=2 is fewer than the 3 epochs the run has done "
                                             r"\(epochs= can extend a run, not shorten it\)$"):
        check_resume(state, spec(epochs=2))
    with pytest.raises(ParameterError) as e:
        check_resume(state, spec(epochs=4, lr=1e-3, seed=2))
    assert str(e.value) == ("resume: options differ from the run being continued (pass the same ones): "
                            "epochs: run 10, now 4; lr: run 0.003, now 0.001; seed: run 1, now 2")


def test_a_run_saved_before_a_setting_existed_takes_its_default():
    old = {k: v for k, v in spec().to_dict().items() if k not in ("freq_weight", "ema")}
    check_resume({"run": old, "epoch": 1}, spec())  # freq_weight 1.0 and no average, as such runs trained
    with pytest.raises(ParameterError, match=r"^resume: options differ .*: ema: run 0.0, now 0.998$"):
        check_resume({"run": old, "epoch": 1}, spec(ema=0.998))


def test_the_spans_kept_out_of_the_noise_and_the_init_define_the_run():
    # a run saved before either existed trained on every window, from random weights
    old = {k: v for k, v in spec().to_dict().items() if k not in ("not_noise", "init")}
    check_resume({"run": old, "epoch": 1}, spec())
    spans = {"crickets/a.wav": [[1.0, 1.5]]}
    with pytest.raises(ParameterError, match=r"not_noise: run None, now \{'crickets/a.wav': \[\[1.0, 1.5\]\]\}$"):
        check_resume({"run": old, "epoch": 1}, spec(not_noise=spans))
    with pytest.raises(ParameterError, match=r"not_noise.crickets/a.wav: run \[\[1.0, 1.5\]\], now \[\[1.0, 2.0\]\]$"):
        check_resume({"run": spec(not_noise=spans).to_dict(), "epoch": 1}, spec(not_noise={"crickets/a.wav": [[1.0, 2.0]]}))
    with pytest.raises(ParameterError, match=r"init: run 'ab12', now None$"):
        check_resume({"run": spec(init="ab12").to_dict(), "epoch": 1}, spec())


def test_a_run_from_before_a_training_change_is_refused_naming_the_change():
    # runs begun before the low-pass augmentation and the levelled noise windows trained differently
    old = spec().to_dict()
    old["augment"] = {k: v for k, v in old["augment"].items() if not k.startswith("lowpass")}
    del old["noise_level_db"]
    check_resume({"run": old, "epoch": 1}, spec(augment=old["augment"]))  # as it was: no negatives, no low-pass
    with pytest.raises(ParameterError) as e:
        check_resume({"run": old, "epoch": 1}, spec(noise_level_db=[-65.0, -20.0]))
    assert str(e.value) == ("resume: options differ from the run being continued (pass the same ones): "
                            "augment.lowpass_hz: run 'absent', now [7000.0, 10500.0]; "
                            "augment.lowpass_prob: run 'absent', now 0.15; "
                            "noise_level_db: run None, now [-65.0, -20.0]")


def test_read_resume_from_the_state_file_or_a_checkpoint(tmp_path):
    state = {"format": RESUME_FORMAT, "epoch": 2, "run": spec().to_dict()}
    torch.save(state, tmp_path / "m.resume.pt")
    assert read_resume(tmp_path / "m.resume.pt")["epoch"] == 2
    save_checkpoint(tmp_path / "m.pt", Detector(ModelConfig(channels=(4, 8, 8))), train={"resume": "m.resume.pt"})
    assert read_resume(tmp_path / "m.pt")["run"] == spec().to_dict()  # the state file named in the checkpoint
    save_checkpoint(tmp_path / "other.pt", Detector(ModelConfig(channels=(4, 8, 8))), train={"epochs": 1})
    with pytest.raises(ParameterError, match=r"resume='.*other\.pt': this checkpoint was not written by birdscan train"):
        read_resume(tmp_path / "other.pt")
    with pytest.raises(ParameterError, match=r"resume: .*none\.resume\.pt does not exist \(train writes it next to the checkpoints\)"):
        read_resume(tmp_path / "none.resume.pt")
    torch.save({"format": 2}, tmp_path / "new.resume.pt")
    with pytest.raises(ParameterError, match=r"resume: .*new\.resume\.pt is not a birdscan resume file \(format 1\)"):
        read_resume(tmp_path / "new.resume.pt")
    (tmp_path / "junk.resume.pt").write_bytes(b"not a torch file")
    with pytest.raises(ParameterError, match=r"resume: .*junk\.resume\.pt is not a birdscan resume file: "):
        read_resume(tmp_path / "junk.resume.pt")
