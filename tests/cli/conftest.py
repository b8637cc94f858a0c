"""Fixtures of the command-line tests."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from birdscan.cli import main


def _invoke(*args, code: int = 0) -> str:
    r = CliRunner().invoke(main, [str(a) for a in args])
    assert r.exit_code == code, r.output
    return r.output


@pytest.fixture(scope="session")
def invoke():
    """``invoke(*args, code=0) -> output``: ``birdscan *args`` through click's CliRunner (arguments
    passed as ``str``), asserting its exit status."""
    return _invoke
