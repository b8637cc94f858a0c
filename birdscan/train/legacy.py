"""The keywords :func:`~birdscan.train.loop.train` took before its option groups, still accepted.

Scripts written for birdscan 0.1.0 call ``train(data, out, epochs=12, seed=0, negatives=[...],
model_options={...})``. Those keywords now live in groups (:mod:`birdscan.train.options`);
:func:`fold_legacy` puts each one into its group and warns once (``DeprecationWarning``)
naming the new spelling, so that such a script trains the same model and says what to change.
"""

from __future__ import annotations

import warnings
from dataclasses import fields, replace
from typing import Any

from ..errors import ParameterError
from ..model import ModelConfig
from .options import DEFAULT_MODEL, FitOptions, RealSoundsOptions, RuntimeOptions, SplitOptions, parse_channels

__all__ = ["LEGACY_GROUPS", "fold_legacy"]

LEGACY_GROUPS: dict[str, str] = {
    **{f.name: "split" for f in fields(SplitOptions)},
    **{f.name: "real" for f in fields(RealSoundsOptions) if f.name != "not_noise"},  # not_noise came after them too
    **{f.name: "fit" for f in fields(FitOptions) if f.name != "ema"},  # ema came after the option groups
    **{f.name: "runtime" for f in fields(RuntimeOptions)},
    "arch": "model", "frontend": "model", "channels": "model", "model_options": "model",
    "console": "progress",
}
"""Each old keyword of ``train()`` and the argument that holds it now (``model``: a
:class:`~birdscan.model.ModelConfig`; ``progress``: ``console`` is no longer used)."""

_CLASSES = {"split": SplitOptions, "real": RealSoundsOptions, "fit": FitOptions, "runtime": RuntimeOptions}


def fold_legacy(legacy: dict[str, Any], groups: dict[str, Any]) -> dict[str, Any]:
    """The option groups with the old keywords ``legacy`` folded in, after one ``DeprecationWarning``.

    Parameters
    ----------
    legacy : dict, old keywords of ``train()`` (:data:`LEGACY_GROUPS`) and their values
    groups : dict with the groups as given: ``split``, ``real``, ``model``, ``fit``, ``runtime``

    Returns
    -------
    dict, ``groups`` with each old keyword set in its group (``dataclasses.replace``, so the
    group checks it); ``arch``, ``frontend``, ``channels`` and ``model_options`` build the
    ``model`` as 0.1.0 did (the frequency head on for the ``birdscan`` arch)

    Raises
    ------
    TypeError
        for a keyword ``train()`` never took, as Python says it for any function
    ParameterError
        for a bad value (naming the keyword), or old model keywords together with ``model=``

    Example
    -------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     fold_legacy({"epochs": 12, "seed": 1}, {"fit": FitOptions()})["fit"]
    FitOptions(epochs=12, batch_size=256, lr=0.003, weight_decay=0.01, patience=8, seed=1, freq_weight=1.0)
    """
    unknown = sorted(set(legacy) - set(LEGACY_GROUPS))
    if unknown:
        raise TypeError(f"train() got an unexpected keyword argument {unknown[0]!r}")
    groups = dict(groups)
    by_group: dict[str, dict[str, Any]] = {}
    for key, value in legacy.items():
        by_group.setdefault(LEGACY_GROUPS[key], {})[key] = value
    hints = []
    for name, values in by_group.items():
        if name == "progress":
            hints.append("console= (no longer used: pass progress=, e.g. a birdscan.train.log.Reporter)")
            continue
        if name == "model":
            groups["model"] = _model(values, groups.get("model", DEFAULT_MODEL))
            hints.append(f"{', '.join(f'{k}=' for k in values)} -> model=ModelConfig(...)")
            continue
        kind = _CLASSES[name]
        groups[name] = replace(groups.get(name, kind()), **values)
        hints.append(f"{', '.join(f'{k}=' for k in values)} -> {name}={kind.__name__}(...)")
    warnings.warn("train(): these keywords are deprecated and will be removed; they are used this time: "
                  + "; ".join(hints) + " (birdscan.train.options)", DeprecationWarning, stacklevel=3)
    return groups


def _model(values: dict[str, Any], given: ModelConfig) -> ModelConfig:
    """The ModelConfig of ``arch=, frontend=, channels=, model_options=``, as 0.1.0 built it."""
    if given != DEFAULT_MODEL:
        raise ParameterError(f"give the model either as model=ModelConfig(...) or with the old keywords "
                             f"{', '.join(sorted(values))}, not both")
    options = dict(values.get("model_options") or {})
    options["arch"] = values.get("arch", "birdscan")
    options["frontend"] = values.get("frontend", "pcen")
    options.setdefault("freq_head", options["arch"] == "birdscan")
    if values.get("channels") is not None:
        options["channels"] = parse_channels(values["channels"])
    try:
        return ModelConfig(**options)
    except TypeError as e:
        raise ParameterError(f"model_options: {e}") from e
