"""The package's layering (pyproject.toml [tool.importlinter]) holds and its import graph has no cycle."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

grimp = pytest.importorskip("grimp", reason="import-linter not installed (pip install -e '.[test]')")


def test_layers_contract_is_kept():
    lint = shutil.which("lint-imports") or pytest.skip("lint-imports not on PATH")
    result = subprocess.run([lint, "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_import_graph_has_no_cycle():
    graph = grimp.build_graph("nlp")
    imports = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    state: dict[str, int] = {}
    cycles = []

    def visit(module, path):
        state[module] = 1
        for dep in imports[module]:
            if state.get(dep) == 1:
                cycles.append(path[path.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, path + [dep])
        state[module] = 2

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
    for module in sorted(imports):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_scripts_and_tools_import_the_installed_package():
    files = [p for folder in ("bench", "corpora", "tests", "nlp") for p in (ROOT / folder).rglob("*.py")]
    files += [ROOT / "train.py", ROOT / "evaluate.py"]
    offenders = [str(p.relative_to(ROOT)) for p in files
                 if p.name != "test_architecture.py" and "sys.path" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_every_module_imports():
    import importlib
    import pkgutil

    import nlp

    torch_free = [m.name for m in pkgutil.walk_packages(nlp.__path__, "nlp.") if m.name != "nlp.__main__"]
    for name in torch_free:
        importlib.import_module(name)  # transformer modules import torch lazily, so this needs no extra


def test_no_bench_script_shadows_an_installed_module():
    # `python bench/x.py` puts bench/ first on sys.path: a bench/tokenizers.py would hide Hugging Face's
    # tokenizers from every bench script that imports transformers.
    import importlib.util

    shadowing = [p.name for p in (ROOT / "bench").glob("*.py") if importlib.util.find_spec(p.stem) is not None]
    assert shadowing == []
