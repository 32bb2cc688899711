"""`pip install .` installs every package of the source tree: the README's
first command runs the installed `hic`, not the checkout, so a subpackage
missing from pyproject.toml breaks it while every in-tree test still passes."""

import os
import subprocess
import sys
import tomllib

from setuptools import find_packages

from conftest import EXAMPLES, ROOT


def source_packages() -> set[str]:
    return {".".join(path.parent.relative_to(ROOT).parts)
            for path in ROOT.glob("*/**/__init__.py")
            if path.parent.relative_to(ROOT).parts[0] not in {"tests", "bench", "build"}}


def test_pyproject_installs_every_source_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    find = config["tool"]["setuptools"]["packages"]["find"]
    installed = set(find_packages(str(ROOT), include=find["include"]))
    assert source_packages() - installed == set()


def test_hic_runs_outside_the_source_tree(tmp_path):
    """From another directory, `python -m hic` imports the installed packages
    (the checkout is not on the path): every engine and every stage."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    example = str(EXAMPLES / "binary_trees.hi")
    for args in (["check", example], ["compile", example, "--dump", "all"],
                 *(["run", example, "--engine", engine] for engine in ("hilang", "lolang", "native"))):
        result = subprocess.run([sys.executable, "-m", "hic", *args], cwd=tmp_path, env=env,
                                capture_output=True, timeout=300)
        assert result.returncode == 0, (args, result.stderr.decode())
