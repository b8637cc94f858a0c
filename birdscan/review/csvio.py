"""Reading tables strictly: a file that is not the expected table fails with its name and the reason.

Shared by the readers of a run's outputs (:mod:`birdscan.review.runs`) and of reference
annotations (:mod:`birdscan.review.references`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import FormatError


def read_csv(path: Path, **kwargs) -> pd.DataFrame:
    """``pd.read_csv(path, **kwargs)``, failing with the file's name.

    Parameters
    ----------
    path : Path, the table
    **kwargs : passed to ``pandas.read_csv``

    Returns
    -------
    pd.DataFrame

    Raises
    ------
    FormatError
        naming ``path`` for an empty or unparsable file (or one that is not UTF-8)
    """
    try:
        return pd.read_csv(path, **kwargs)
    except pd.errors.EmptyDataError:
        raise FormatError(f"{path}: empty file, expected a header line") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as e:
        raise FormatError(f"{path}: cannot parse as a table ({e})") from e


def require_columns(df: pd.DataFrame, columns: list[str], path) -> None:
    """Raise :class:`FormatError` naming ``path`` (the table's name in messages) and the
    missing ones unless ``df`` has all ``columns``.

    Parameters
    ----------
    df : pandas.DataFrame, the table read
    columns : list of str, the columns it must have (it may have others)
    path : path or str, only used in the message

    Raises
    ------
    FormatError
        ``"<path>: missing column(s) [...]; found [...]"``
    """
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise FormatError(f"{path}: missing column(s) {missing}; found {list(df.columns)}")


def numeric_column(df: pd.DataFrame, column: str, path) -> np.ndarray:
    """A column as floats.

    Parameters
    ----------
    df : pd.DataFrame, the table read
    column : str, one of its columns
    path : path or str, the table's name in messages

    Returns
    -------
    np.ndarray [shape=(len(df),), float64], empty cells as NaN

    Raises
    ------
    FormatError
        naming ``path`` and the value, for any other cell that is not a number
    """
    values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(values) & df[column].notna().to_numpy()
    if bad.any():
        raise FormatError(f"{path}: column {column!r} has a non-number {df[column][bad].iloc[0]!r}")
    return values


def posix(path: str) -> str:
    """A file name as tables write it on any system.

    Parameters
    ----------
    path : str, a file name from a table

    Returns
    -------
    str, with ``\\`` read as ``/`` and surrounding blanks dropped
    """
    return path.replace("\\", "/").strip()

