"""The declared layers (pyproject.toml [tool.importlinter]) hold, and a broken one is caught.

`make lint` runs lint-imports on the tree; these tests run it too, and prove it bites by
breaking the contract on purpose in a copy of the packages.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# Each test runs lint-imports in a subprocess.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("socrates", "auth_app", "specs_app", "knowledge_app", "teams_app")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )


@pytest.fixture
def tree_copy(tmp_path):
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_every_import_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_inside_a_function_breaks_the_layers_naming_it(tree_copy):
    # The engine asking teams_app directly, as it did before the access policy moved down.
    module = tree_copy / "specs_app" / "services" / "conversation.py"
    module.write_text(
        module.read_text() + "\n\ndef _peek():\n    from teams_app import selectors\n\n"
        "    return selectors\n"
    )

    result = lint_imports(tree_copy)

    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert "specs_app is not allowed to import teams_app" in result.stdout
    assert "specs_app.services.conversation -> teams_app.selectors" in result.stdout


def test_a_shared_piece_importing_an_app_breaks_the_layers(tree_copy):
    module = tree_copy / "socrates" / "errors.py"
    module.write_text(module.read_text() + "\n\ndef _peek():\n    import auth_app.models\n")

    result = lint_imports(tree_copy)

    assert result.returncode != 0
    assert "socrates.errors -> auth_app.models" in result.stdout


def test_a_cycle_inside_an_app_is_refused(tree_copy):
    # specs_app.engine already imports specs_app.services; the reverse closes a cycle.
    module = tree_copy / "specs_app" / "services" / "sessions.py"
    module.write_text(
        module.read_text() + "\n\ndef _peek():\n    from specs_app.engine import gates\n\n"
        "    return gates\n"
    )

    result = lint_imports(tree_copy)

    assert result.returncode != 0
    assert "No import cycle" in result.stdout and "BROKEN" in result.stdout
