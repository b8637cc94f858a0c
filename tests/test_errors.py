"""birdscan.errors: one exception tree, so callers (the command line) catch BirdscanError once."""

from __future__ import annotations

import pytest

from birdscan import errors
from birdscan.errors import (AudioError, BirdscanError, DataError, FormatError, ModelError, OutputError,
                             ParameterError, ReferenceMismatch)

KINDS = (ParameterError, AudioError, ModelError, DataError, FormatError, OutputError)


def test_every_error_birdscan_raises_is_a_birdscan_error():
    defined = {v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, Exception)}
    assert defined == {BirdscanError, *KINDS, ReferenceMismatch}
    assert all(issubclass(k, BirdscanError) and k.__doc__ for k in KINDS)
    assert BirdscanError.__bases__ == (Exception,)


def test_a_parameter_error_is_also_a_value_error():
    assert issubclass(ParameterError, ValueError)
    assert not any(issubclass(k, ValueError) for k in KINDS if k is not ParameterError)
    with pytest.raises(ValueError, match=r"^hop=0 must be positive$"):  # code catching ValueError keeps working
        raise ParameterError("hop=0 must be positive")


@pytest.mark.parametrize("kind", KINDS)
def test_caught_as_birdscan_error_with_its_message(kind):
    with pytest.raises(BirdscanError) as e:
        raise kind("a.wav: the reason")
    assert type(e.value) is kind and str(e.value) == "a.wav: the reason"


def test_reference_mismatch_lives_in_the_tree():
    from birdscan.review import evaluate

    assert issubclass(ReferenceMismatch, ParameterError)  # the references given do not pair up
    assert evaluate.ReferenceMismatch is ReferenceMismatch  # still importable where it was
    assert "ReferenceMismatch" in evaluate.__all__
