"""The house: imports follow the arrows in the package docstring, with no cycles, and every module
has its tests at the mirrored path under tests/."""

from __future__ import annotations

import ast
from pathlib import Path

import birdscan

ROOT = Path(birdscan.__file__).parent

# part -> the parts it may import (besides itself). Subpackages are one part each.
ALLOWED = {
    "__main__": {"cli"},
    "cli": {"detect", "train", "synth", "review", "model", "device", "birdvox70k", "realsounds", "calltypes", "files",
            "tables", "errors", "_version"},
    "__init__": {"_lazy", "_version"},
    "review": {"_lazy", "detect", "calltypes", "files", "tables", "errors", "_version"},
    "detect": {"_lazy", "model", "device", "birdvox70k", "calltypes", "files", "tables", "errors", "_version"},
    "train": {"_lazy", "model", "device", "birdvox70k", "realsounds", "calltypes", "files", "tables", "errors"},
    "synth": {"_lazy", "birdvox70k", "realsounds", "files", "tables", "errors"},
    "realsounds": {"birdvox70k", "tables", "errors"},
    "model": {"birdvox70k", "files", "errors", "_version"},
    "device": {"errors"},
    "birdvox70k": {"files", "errors"},
    "calltypes": set(),
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
    assert ("birdscan.review.clips", "birdscan.detect.audiofile") in pairs
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


def _subpackage_imports_named(doc: str) -> set[str]:
    """The birdscan modules a subpackage docstring's "Imports ...; never ..." statement names."""
    import re

    said = re.search(r"\b[Ii]mports?\s+(:mod:.*?)(?:\bnever\b|\n\n|\Z)", doc, re.S)  # "imports :mod:`...`, ..."
    return set(re.findall(r"birdscan\.(\w+)", said.group(1))) if said else set()


def test_each_subpackage_docstring_names_what_it_imports():
    import importlib

    actual: dict[str, set[str]] = {}
    for src, dst in _all_imports():
        if dst.startswith("birdscan") and _part(src) != _part(dst) and not _part(dst).startswith("_"):
            actual.setdefault(_part(src), set()).add(_part(dst))
    for sub in ("detect", "train", "synth", "review", "realsounds"):
        doc = importlib.import_module(f"birdscan.{sub}").__doc__
        assert _subpackage_imports_named(doc) == actual[sub], sub


def _defined_names(path: Path) -> set[str]:
    """Module-level assignments, functions and classes of one file."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


# a shared job -> the one module that does it ("Written twice" in the architecture review)
ONE_HOME = {
    "TYPE_BOUNDARY_HZ": "calltypes.py",
    "CALL_TYPES": "calltypes.py",
    "call_type": "calltypes.py",
    "semitones": "calltypes.py",
    "sigmoid": "train/metrics.py",
    "TRUTH_COLUMNS": "tables.py",
    "REFERENCE_COLUMNS": "tables.py",
    "ReferenceMismatch": "errors.py",
    "SAMPLE_RATE": "birdvox70k.py",
    "CLIP_SAMPLES": "birdvox70k.py",
    "audio_files": "realsounds/noise.py",
    "pick_recording": "review/runs.py",
}


def test_each_shared_job_is_defined_once():
    homes: dict[str, list[str]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for name in _defined_names(path) & set(ONE_HOME):
            homes.setdefault(name, []).append(rel)
    assert homes == {name: [home] for name, home in ONE_HOME.items()}


def test_no_module_imports_another_modules_private_names():
    bad = []
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                bad += [f"{path.relative_to(ROOT)}: {a.name}" for a in node.names
                        if a.name.startswith("_") and not a.name.startswith("__")]
    assert not bad, bad


# ------------------------------------------------------------------- no import cycles

def _module_names() -> set[str]:
    names = set()
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        names.add(".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts))
    return names


def _import_graph() -> dict[str, set[str]]:
    """birdscan module -> the birdscan modules it imports, at module level or inside functions
    (``from package import submodule`` is an edge to the submodule, ``from package import name``
    one to the package)."""
    modules = _module_names()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        module = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        package = module if rel.name == "__init__" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                    source = f"{base}.{node.module}" if node.module else base
                else:
                    source = node.module
                targets = [f"{source}.{a.name}" if f"{source}.{a.name}" in modules else source for a in node.names]
            else:
                continue
            graph[module] |= {t for t in targets if t in modules and t != module}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_cycle_finder_finds_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"d"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({**graph, "c": {"d"}}) == []


def test_the_import_graph_has_no_cycles():
    graph = _import_graph()
    assert "birdscan.detect.audio" in graph["birdscan.detect.run"]  # relative imports resolved
    assert "birdscan.detect.selections" in graph["birdscan.detect.outputs"]  # "from . import selections"
    assert "birdscan.model" in graph["birdscan.detect.infer"]  # a package's name from its __init__
    assert "birdscan.train.loop" in graph["birdscan.cli.training"]  # imports inside functions count too
    cycles = _cycles(graph)
    assert not cycles, "modules importing each other, directly or round a circle:\n" + "\n".join(", ".join(c) for c in cycles)


# ------------------------------------------------------------------- tests mirror the package

TESTS = Path(__file__).parent

# Modules tested outside their mirrored test file, for now: {module: test files that cover it}.
NOT_MIRRORED = {
    # tests/test_train.py and tests/test_mining.py are being reworked with the train options; until
    # they are split into tests/train/, they are the tests of the training loop
    "train/loop.py": ("test_train.py", "test_mining.py"),
}


def _mirrored_test(path: Path) -> Path | None:
    """Where the tests of a module under birdscan/ live: ``tests/<subpackage>/test_<module>.py``
    (a leading ``_`` dropped), ``tests/<subpackage>/test_<subpackage>.py`` for a package
    ``__init__`` that defines functions or classes; None for ``__main__``, ``_version`` and
    the other ``__init__`` files (names handed on, data packages)."""
    rel = path.relative_to(ROOT)
    if rel.name in ("__main__.py", "_version.py"):
        return None
    if rel.name == "__init__.py":
        defines = any(isinstance(n, (ast.FunctionDef, ast.ClassDef)) for n in ast.parse(path.read_text()).body)
        return TESTS / rel.parent / f"test_{rel.parent.name}.py" if defines and rel.parent.parts else None
    return TESTS / rel.parent / f"test_{rel.stem.lstrip('_')}.py"


def _has_tests(path: Path) -> bool:
    return path.is_file() and any(isinstance(n, ast.FunctionDef) and n.name.startswith("test_")
                                  for n in ast.parse(path.read_text()).body)


def test_every_module_has_its_test_file():
    assert _mirrored_test(ROOT / "detect" / "audio.py") == TESTS / "detect" / "test_audio.py"
    assert _mirrored_test(ROOT / "_lazy.py") == TESTS / "test_lazy.py"
    assert _mirrored_test(ROOT / "realsounds" / "__init__.py") == TESTS / "realsounds" / "test_realsounds.py"
    assert _mirrored_test(ROOT / "detect" / "__init__.py") is None
    missing = []
    for path in sorted(ROOT.rglob("*.py")):
        module = path.relative_to(ROOT).as_posix()
        expected = _mirrored_test(path)
        if expected is None or _has_tests(expected):
            continue
        if module in NOT_MIRRORED and all(_has_tests(TESTS / f) for f in NOT_MIRRORED[module]):
            continue
        missing.append(f"birdscan/{module}: no tests in {expected.relative_to(TESTS.parent)}")
    assert not missing, "\n".join(missing)


def test_test_files_share_helpers_as_fixtures_not_imports():
    # a helper a test file needs from elsewhere is a fixture in a conftest.py, never an import
    bad = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else \
                ["." * node.level + (node.module or "")] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                top = name.split(".")[0]
                if name.startswith(".") or top in ("tests", "helpers", "conftest") or top.startswith("test_"):
                    bad.append(f"{path.relative_to(TESTS.parent)}: imports {name}")
    assert not bad, bad
