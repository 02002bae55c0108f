"""A built wheel carries the default model and the label sets: installed (not editable) and run from
another directory, ``nlp.load("default")`` and ``nlp tag`` work."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv

import pytest

from conftest import ROOT, SAMPLES


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory):
    root = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(root / "dist"), str(ROOT)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    wheel = next((root / "dist").glob("*.whl"))
    # The dependencies come from this interpreter's site-packages; the package itself only from the wheel.
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(root / "env")
    python = root / "env" / "bin" / "python"
    # --ignore-installed: install into the venv even when the base interpreter already has this version
    # (an editable checkout), which pip would otherwise count as "already satisfied".
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                                "--ignore-installed", "-q",
                                str(wheel)], capture_output=True, text=True)
    if installed.returncode != 0 and "no such option: --python" in installed.stderr:
        pytest.skip("pip too old for --python")
    assert installed.returncode == 0, installed.stderr
    work = root / "elsewhere"
    work.mkdir()
    return python, work


def _run(python, work, *args):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # only the installed wheel may provide nlp
    return subprocess.run([str(python), *args], cwd=work, capture_output=True, text=True, env=env)


def test_wheel_contains_the_default_model_and_label_sets(wheel_env):
    python, work = wheel_env
    code = ("import nlp, nlp.io.resources as r, sys; "
            "assert 'site-packages' in nlp.__file__, nlp.__file__; "
            "t = nlp.load('default'); print(t.model.kind, len(t.labels), r.find_bundled('models', 'default'))")
    result = _run(python, work, "-c", code)
    assert result.returncode == 0, result.stderr
    kind, n_labels, where = result.stdout.split()
    assert (kind, n_labels) == ("linear", "13") and "_bundled" in where


def test_installed_nlp_tag_runs_from_another_directory(wheel_env):
    python, work = wheel_env
    sample = next(SAMPLES.glob("*.txt"))
    shutil.copy(sample, work / sample.name)
    result = _run(python, work, "-m", "nlp", "tag", sample.name, "--model", "default", "--out", "tags.jsonl",
                  "--no-progress")
    assert result.returncode == 0, result.stderr
    rows = (work / "tags.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(rows) > 10 and '"themes"' in rows[0]
