"""birdscan.errors: one exception tree, every error birdscan raises on purpose in it."""

from __future__ import annotations

import birdscan.errors as errors


def test_reference_mismatch_lives_in_the_tree():
    from birdscan.review import evaluate

    assert issubclass(errors.ReferenceMismatch, errors.ParameterError)
    assert issubclass(errors.ReferenceMismatch, errors.BirdscanError)
    assert evaluate.ReferenceMismatch is errors.ReferenceMismatch  # still importable where it was
    assert "ReferenceMismatch" in evaluate.__all__


def test_every_error_is_a_birdscan_error():
    classes = [v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, Exception)]
    assert len(classes) >= 8 and all(issubclass(c, errors.BirdscanError) for c in classes)
    assert all(c.__module__ == "birdscan.errors" for c in classes)
