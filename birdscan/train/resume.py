"""Continuing an interrupted training run: the resume state file and what must match.

Training writes ``<out stem>.resume.pt`` after every epoch (model, optimiser, schedule and
scaler states, history, best epoch and the run's settings); a run continued from it must
share the settings in :data:`RUN_KEYS`, so that it ends with the weights the uninterrupted
run would have.
"""

from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path
from typing import Any

from ..errors import ParameterError
from ..model import read_checkpoint, torch_load
from .augment import Augment

RESUME_FORMAT = 1


@dataclass(frozen=True)
class RunSpec:
    """The settings that define a training run: a resumed run must share every one of them.

    ``split``: {part: units}; ``clips``: {part: number of clips}; ``config``: the model
    config as plain types; ``augment``: the augmentation settings, None for none;
    ``noise_level_db``: the level range of the real-noise windows, None without ``negatives``
    (and in runs begun before the windows had one: those cannot be continued with negatives);
    ``not_noise``: the spans kept out of the noise windows (``{recording: [[start_s, end_s],
    ...]}``), None without ``not_noise``; ``init``: the sha256 of the checkpoint the run started
    from, None from random weights.
    """

    split: dict[str, list[str]]
    clips: dict[str, int]
    epochs: int
    batch_size: int
    lr: float
    weight_decay: float
    config: dict[str, Any]
    augment: dict[str, Any] | None
    seed: int
    freq_weight: float = 1.0
    ema: float = 0.0
    noise_level_db: list[float] | None = None
    not_noise: dict[str, list[list[float]]] | None = None
    init: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain types, as the resume state stores them.

        Returns
        -------
        dict field -> value (``dataclasses.asdict``)
        """
        return asdict(self)


RUN_KEYS = tuple(f.name for f in fields(RunSpec))
_DEFAULTS = {f.name: f.default for f in fields(RunSpec) if f.default is not MISSING}  # keys older runs lack


def read_resume(path: str | Path) -> dict[str, Any]:
    """The resume state of a training run.

    Parameters
    ----------
    path : str or Path, the run's ``.resume.pt``, or one of its checkpoints (which names the
        resume file next to it)

    Returns
    -------
    dict, the state training saved (``format``, ``run``, ``epoch``, the model, optimiser,
    schedule and scaler states, history, best epoch)

    Raises
    ------
    ParameterError
        when the checkpoint was not written by training, the resume file is missing, or it is
        not a resume file of this format
    """
    path = Path(path)
    if not path.name.endswith(".resume.pt"):
        name = read_checkpoint(path).get("train", {}).get("resume")
        if not name:
            raise ParameterError(f"resume={str(path)!r}: this checkpoint was not written by birdscan train")
        path = path.with_name(name)
    if not path.is_file():
        raise ParameterError(f"resume: {path} does not exist (train writes it next to the checkpoints)")
    state = torch_load(path, lambda why: ParameterError(f"resume: {path} is not a birdscan resume file: {why}"))
    if not isinstance(state, dict) or state.get("format") != RESUME_FORMAT:
        raise ParameterError(f"resume: {path} is not a birdscan resume file (format {RESUME_FORMAT})")
    return state


def check_resume(state: dict[str, Any], run: RunSpec) -> None:
    """:class:`ParameterError` listing the run-defining settings (``RUN_KEYS``) in which
    ``run`` differs from the resumed ``state``; ``epochs`` may grow (extending the run), not
    fall below the epochs done or the run's total.

    Parameters
    ----------
    state : dict, from :func:`read_resume`: ``run`` (the saved :meth:`RunSpec.to_dict`) and
        ``epoch`` (the epochs done)
    run : RunSpec, the settings of the run continuing it

    Raises
    ------
    ParameterError
        when ``run.epochs`` is below the epochs done, or when any setting differs (compared as
        plain types), each listed as ``"<key>: run <saved>, now <new>"`` (``"augment.<name>: ..."``
        for a setting inside a dict, ``'absent'`` where one side lacks it)
    """
    now = run.to_dict()
    saved = {k: state["run"].get(k, _DEFAULTS.get(k)) for k in RUN_KEYS}
    if run.epochs < state["epoch"]:
        raise ParameterError(f"resume: epochs={run.epochs} is fewer than the {state['epoch']} epochs the run has done "
                             "(epochs= can extend a run, not shorten it)")
    keys = [k for k in RUN_KEYS if k != "epochs" or run.epochs < (saved["epochs"] or 0)]
    diff = []
    for k in keys:
        was, new = plain(saved[k]), plain(now[k])
        if isinstance(was, dict) and isinstance(new, dict):  # name the settings inside (augment)
            diff += [f"{k}.{sub}: run {was.get(sub, 'absent')!r}, now {new.get(sub, 'absent')!r}"
                     for sub in sorted(set(was) | set(new)) if was.get(sub, "absent") != new.get(sub, "absent")]
        elif was != new:
            diff.append(f"{k}: run {saved[k]!r}, now {now[k]!r}")
    if diff:
        raise ParameterError("resume: options differ from the run being continued (pass the same ones): " + "; ".join(diff))


def plain(value: Any) -> Any:
    """JSON-able, checkpoint-safe copy: paths and other objects become str, tuples lists.

    Parameters
    ----------
    value : any; dicts, lists and tuples are copied recursively

    Returns
    -------
    None, bool, int, float, str, list or dict (keys as str); an :class:`Augment` as its
    :meth:`Augment.to_dict`
    """
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Augment):
        return value.to_dict()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
