"""birdscan._lazy: a package's public names imported on first use (PEP 562 ``__getattr__``)."""

from __future__ import annotations

import sys
import types

import pytest

from birdscan._lazy import lazy_names


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A package of our own, ``lazyprobe``, whose submodule ``sub`` defines ``answer`` and counts its imports."""
    (tmp_path / "lazyprobe").mkdir()
    (tmp_path / "lazyprobe" / "__init__.py").write_text("")
    (tmp_path / "lazyprobe" / "sub.py").write_text("import builtins\nbuiltins.lazyprobe_imports += 1\nanswer = 42\n")
    monkeypatch.setattr("builtins.lazyprobe_imports", 0, raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "lazyprobe"
    for name in ("lazyprobe.sub", "lazyprobe"):
        sys.modules.pop(name, None)


def test_a_name_is_imported_from_its_submodule_on_first_access(package):
    import builtins

    getattr_ = lazy_names(package, {"answer": "sub"})
    assert f"{package}.sub" not in sys.modules and builtins.lazyprobe_imports == 0  # nothing imported yet
    assert getattr_("answer") == 42 and getattr_("answer") == 42
    assert f"{package}.sub" in sys.modules and builtins.lazyprobe_imports == 1  # imported once


def test_an_unknown_name_is_an_attribute_error_naming_the_package():
    getattr_ = lazy_names("birdscan.detect", {"parse_shard": "shard"})
    with pytest.raises(AttributeError, match=r"^module 'birdscan.detect' has no attribute 'shard'$"):
        getattr_("shard")  # a submodule is not a public name


def test_as_a_module_getattr():
    pkg = types.ModuleType("birdscan_lazy_probe")
    pkg.__getattr__ = lazy_names("birdscan", {"clip_name": "review.clips"})
    from birdscan.review.clips import clip_name

    assert pkg.clip_name is clip_name and hasattr(pkg, "clip_name") and not hasattr(pkg, "nope")
