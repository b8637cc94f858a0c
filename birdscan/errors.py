"""One exception tree for birdscan: the CLI catches :class:`BirdscanError` once."""

from __future__ import annotations


class BirdscanError(Exception):
    """Base class of every error birdscan raises on purpose."""


class ParameterError(BirdscanError, ValueError):
    """An option or argument has a bad value (names the option and the value)."""


class AudioError(BirdscanError):
    """A recording cannot be read or decoded (names the file and the reason)."""


class ModelError(BirdscanError):
    """A model file is missing, malformed or incompatible with this birdscan."""


class DataError(BirdscanError):
    """A training data file does not follow the BirdVox-70k layout."""


class FormatError(BirdscanError):
    """An annotation, detections, windows or run.json file is not in the expected format."""


class OutputError(BirdscanError):
    """An output cannot be written, or would overwrite something it should not."""


class ReferenceMismatch(ParameterError):
    """With ``strict=True`` (``birdscan evaluate --strict``): the references and recordings given
    do not pair up one to one (a reference matches no recording, a recording has none, or two
    name one recording). Also importable from :mod:`birdscan.review.evaluate`."""
