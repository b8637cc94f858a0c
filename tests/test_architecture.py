"""The house: imports follow the arrows in the package docstring, and nothing else."""

from __future__ import annotations

import ast
from pathlib import Path

import birdscan

ROOT = Path(birdscan.__file__).parent

# part -> the parts it may import (besides itself). Subpackages are one part each.
ALLOWED = {
    "__main__": {"cli"},
    "cli": {"detect", "train", "synth", "review", "model", "device", "birdvox70k", "realsounds", "files", "tables", "errors",
            "_version"},
    "__init__": {"_lazy", "_version"},
    "review": {"_lazy", "detect", "files", "tables", "errors", "_version"},
    "detect": {"_lazy", "model", "device", "files", "tables", "errors", "_version"},
    "train": {"_lazy", "model", "device", "birdvox70k", "realsounds", "files", "tables", "errors"},
    "synth": {"_lazy", "birdvox70k", "realsounds", "files", "tables", "errors"},
    "realsounds": {"tables", "errors"},
    "model": {"birdvox70k", "files", "errors", "_version"},
    "device": {"errors"},
    "birdvox70k": {"files", "errors"},
    "files": {"errors"},
    "tables": set(),
    "errors": set(),
    "_lazy": set(),
    "_version": set(),
}


def _part(module: str) -> str:
    """``birdscan.detect.audio`` -> ``detect``; ``birdscan`` -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path) -> list[tuple[str, str]]:
    """(importing module, imported birdscan module or external top-level name) of one file."""
    rel = path.relative_to(ROOT.parent).with_suffix("")
    module = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
    package = module if rel.name == "__init__" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                names = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
            else:
                names = [node.module]
            out += [(module, n) for n in names]
        elif isinstance(node, ast.Import):
            out += [(module, a.name) for a in node.names]
    return out


def _all_imports() -> list[tuple[str, str]]:
    return [pair for path in sorted(ROOT.rglob("*.py")) for pair in _imports(path)]


def test_imports_follow_the_allowed_arrows():
    pairs = _all_imports()
    assert ("birdscan.detect.infer", "birdscan.model") in pairs  # the reader sees relative imports
    assert ("birdscan.review.clips", "birdscan.detect.audio") in pairs
    bad = set()
    for src, dst in pairs:
        if not dst.startswith("birdscan"):
            continue
        a, b = _part(src), _part(dst)
        if a != b and b not in ALLOWED[a]:
            bad.add(f"{src} -> {dst}")
    assert not bad, sorted(bad)


def test_only_the_cli_imports_click_and_rich():
    users = {src for src, dst in _all_imports() if dst.split(".")[0] in ("click", "rich")}
    assert users and all(u == "birdscan.cli" or u.startswith("birdscan.cli.") for u in users), users


def test_no_module_imports_the_package_init():
    # everything public comes from the module that defines it; __init__ only hands names on
    assert not [src for src, dst in _all_imports() if dst == "birdscan" and src != "birdscan"]
