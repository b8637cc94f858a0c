"""Clip-level detection metrics (scikit-learn for the ranking ones): ranking, threshold and
loss; and the per-epoch log of a training run (JSON lines, curves).

Scores may be logits or probabilities: ranking metrics only use their order. Undefined
values (ROC-AUC with one class present, a precision target no threshold reaches) are
``None``, so they survive JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from ..errors import ParameterError
from ..files import atomic_open, atomic_path


def _check(labels: Any, scores: Any) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels, dtype=np.float64).reshape(-1)
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    if y.shape != s.shape:
        raise ParameterError(f"labels ({y.size}) and scores ({s.size}) differ in length")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ParameterError("labels must be 0 or 1")
    if not np.isfinite(s).all():
        raise ParameterError("scores must be finite")
    return y, s


def sigmoid(z: Any) -> np.ndarray:
    """Logistic function, overflow-free, in float64.

    Parameters
    ----------
    z : array-like, any shape, logits

    Returns
    -------
    np.ndarray [shape=z.shape, float64], ``1 / (1 + exp(-z))`` in [0, 1]
    """
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def log_loss(labels: Any, logits: Any) -> float:
    """Mean binary cross-entropy of ``logits`` (as ``BCEWithLogitsLoss``), in nats.

    Not ``sklearn.metrics.log_loss``: it takes probabilities, and ``sigmoid`` of a confident
    logit rounds to 0 or 1 (then clipped), so it would not report the loss training minimised.

    Parameters
    ----------
    labels : array-like [shape=(n,)], 0 or 1
    logits : array-like [shape=(n,)], finite

    Returns
    -------
    float, nats (NaN for no clips)

    Raises
    ------
    ParameterError
        for lengths that differ, labels other than 0/1 or non-finite logits
    """
    y, z = _check(labels, logits)
    return float(np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))))


def roc_auc(labels: Any, scores: Any) -> float | None:
    """Area under the ROC curve (``sklearn.metrics.roc_auc_score``): P(score of a positive >
    score of a negative), ties count 1/2; ``None`` when only one class is present.

    Parameters
    ----------
    labels : array-like [shape=(n,)], 0 or 1
    scores : array-like [shape=(n,)], finite; logits or probabilities (only their order counts)

    Returns
    -------
    float in [0, 1], or None

    Raises
    ------
    ParameterError
        when the lengths differ, a label is not 0 or 1, or a score is not finite

    Examples
    --------
    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    from sklearn.metrics import roc_auc_score

    y, s = _check(labels, scores)
    if y.sum() in (0, y.size):
        return None
    return float(roc_auc_score(y, s))


def average_precision(labels: Any, scores: Any) -> float | None:
    """Area under the precision-recall curve as a step sum, ``sum_k (R_k - R_{k-1}) P_k``
    (``sklearn.metrics.average_precision_score``); ``None`` without positives.

    Parameters
    ----------
    labels : array-like [shape=(n,)], 0 or 1
    scores : array-like [shape=(n,)], finite; logits or probabilities (only their order counts)

    Returns
    -------
    float in [0, 1], or None

    Raises
    ------
    ParameterError
        when the lengths differ, a label is not 0 or 1, or a score is not finite

    Examples
    --------
    >>> average_precision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.8333333333333333
    """
    from sklearn.metrics import average_precision_score

    y, s = _check(labels, scores)
    if y.sum() == 0:
        return None
    return float(average_precision_score(y, s))


def threshold_at_precision(labels: Any, scores: Any, target: float = 0.9) -> tuple[float | None, float]:
    """The lowest score threshold whose precision is at least ``target`` (so the highest recall),
    read off ``sklearn.metrics.precision_recall_curve``.

    Parameters
    ----------
    labels : array-like [shape=(n,)], 0 or 1
    scores : array-like [shape=(n,)], finite; logits or probabilities (the threshold is on the same scale)
    target : float in (0, 1], the precision to reach

    Returns
    -------
    (threshold, recall) : calling ``score >= threshold`` positive; ``(None, 0.0)`` when no
    threshold reaches ``target`` (or there are no positives). Among thresholds with the same
    best recall, the highest.

    Examples
    --------
    >>> threshold_at_precision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], target=0.6)
    (0.35, 1.0)
    """
    from sklearn.metrics import precision_recall_curve

    if not 0.0 < target <= 1.0:
        raise ParameterError(f"precision target={target} must be in (0, 1]")
    y, s = _check(labels, scores)
    if y.sum() == 0:
        return None, 0.0
    precision, recall, thresholds = precision_recall_curve(y, s)  # thresholds increasing
    precision, recall = precision[:-1], recall[:-1]  # the last point (P=1, R=0) has no threshold
    ok = np.flatnonzero(precision >= target)
    if ok.size == 0 or recall[ok].max() == 0:
        return None, 0.0
    best = ok[recall[ok] == recall[ok].max()].max()
    return float(thresholds[best]), float(recall[best])


def binary_metrics(labels: Any, logits: Any, threshold: float = 0.5, precision_target: float = 0.9) -> dict[str, Any]:
    """All clip metrics from labels and logits.

    Parameters
    ----------
    labels : array [shape=(n,)] of 0/1
    logits : array [shape=(n,)] of model logits (probability = sigmoid(logit))
    threshold : float, probability at or above which a clip is called positive
    precision_target : float, for ``threshold_p90`` / ``recall_p90`` (named after the target)

    Returns
    -------
    dict with ``clips``, ``positives``, ``loss`` (BCE), ``accuracy``, ``balanced_accuracy``,
    ``precision``, ``recall``, ``f1`` (at ``threshold``), ``roc_auc``, ``auprc`` (average
    precision), ``threshold_pNN`` (a probability) and ``recall_pNN``.
    """
    y, z = _check(labels, logits)
    if y.size == 0:
        raise ParameterError("no clips to compute metrics on")
    p = sigmoid(z)
    pred = p >= threshold
    pos = y == 1
    tp, fp = int(np.sum(pred & pos)), int(np.sum(pred & ~pos))
    fn, tn = int(np.sum(~pred & pos)), int(np.sum(~pred & ~pos))
    tpr = tp / (tp + fn) if tp + fn else None
    tnr = tn / (tn + fp) if tn + fp else None
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tpr or 0.0
    tag = f"p{round(precision_target * 100)}"
    # rank logits, not probabilities: float sigmoid saturates and would create ties
    t_logit, rec_at = threshold_at_precision(y, z, precision_target)
    return {
        "clips": int(y.size),
        "positives": int(pos.sum()),
        "loss": log_loss(y, z),
        "accuracy": (tp + tn) / y.size,
        "balanced_accuracy": (tpr + tnr) / 2 if tpr is not None and tnr is not None else None,
        "precision": prec,
        "recall": rec,
        "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0,
        "roc_auc": roc_auc(y, z),
        "auprc": average_precision(y, z),
        f"threshold_{tag}": float(sigmoid(t_logit)) if t_logit is not None else None,
        f"recall_{tag}": rec_at,
    }


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """Write rows to a JSON-lines file (atomically: a temporary name, then renamed).

    Parameters
    ----------
    path : Path, the file, replaced
    rows : iterable of dict, JSON-serialisable; one line of ``json.dumps(row)`` each
    """
    with atomic_open(path) as f:
        f.write("".join(json.dumps(r) + "\n" for r in rows))


def append_jsonl(path: Path, row: dict[str, Any]) -> None:
    """Append one row to a JSON-lines file.

    Parameters
    ----------
    path : Path, the file; created when missing, appended to in place (not atomically)
    row : dict, JSON-serialisable; written as one line of ``json.dumps(row)``
    """
    with open(path, "a") as f:
        f.write(json.dumps(row) + "\n")


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a JSON-lines file, e.g. the ``.metrics.jsonl`` that training writes.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    list of dict, one per non-blank line, in order
    """
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def plot_curves(history: list[dict[str, Any]], path: str | Path) -> Path | None:
    """Plot loss, ranking metrics, threshold metrics and learning rate per epoch to a PNG.

    Returns the path, or None when there is no history or matplotlib is not installed.

    Parameters
    ----------
    history : list of dict, one per epoch: ``epoch`` and any of the plotted metrics
        (``train_loss``, ``val_loss``, ``val_auprc``, ``val_roc_auc``, ``val_accuracy``,
        ``val_balanced_accuracy``, ``val_f1``, ``lr``, ``val_freq_median_semitones``,
        ``val_type_accuracy``, ``val_threshold_noise``, ``val_noise_above_0.5``; missing or None
        values leave gaps); the last epoch with a true ``best`` gets a dotted line
    path : str or Path, the PNG (1000 x 1000 pixels, six panels), written atomically

    Returns
    -------
    Path or None
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        return None
    if not history:
        return None
    path = Path(path)
    epochs = [r["epoch"] for r in history]
    fig = Figure(figsize=(10, 10), layout="constrained")
    FigureCanvasAgg(fig)
    panels = [("loss", ["train_loss", "val_loss"]), ("ranking", ["val_auprc", "val_roc_auc"]),
              ("at threshold 0.5", ["val_accuracy", "val_balanced_accuracy", "val_f1"]), ("learning rate", ["lr"]),
              ("call frequency", ["val_freq_median_semitones", "val_type_accuracy"]),
              ("real-noise validation", ["val_threshold_noise", "val_noise_above_0.5"])]
    for ax, (title, keys) in zip(fig.subplots(3, 2).ravel(), panels):
        for k in keys:
            ax.plot(epochs, [np.nan if r.get(k) is None else r[k] for r in history], marker="o", ms=3, label=k)
        best = [r["epoch"] for r in history if r.get("best")]
        if best:
            ax.axvline(best[-1], color="0.6", ls=":", lw=1)
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize=8)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    return path
