"""Public names of a package that are imported on first use, so ``birdscan --help`` starts fast."""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable, Mapping


def lazy_names(package: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``names[attr]`` (a submodule) on first access.

    Parameters
    ----------
    package : the package's ``__name__``
    names : public name -> submodule (relative to ``package``) that defines it. A public
        name must not also be a submodule's name: importing that submodule would replace
        the package attribute with the module.

    Returns
    -------
    A function to assign to the package's ``__getattr__`` (PEP 562).
    """

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(f".{module}", package), name)

    return __getattr__
