"""scripts/check_compat.py reads pytest's output to find the old tests that failed; a captured
log line ("ERROR    django.request:...") once passed for a node id and crashed its re-run."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "check_compat.py"


def load_script():
    spec = importlib.util.spec_from_file_location("check_compat", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_failed_tests_takes_node_ids_and_not_captured_log_lines():
    output = "\n".join(
        [
            "ERROR    django.request:log.py:293 Internal Server Error: /admin/",
            "FAILED tests/a/test_x.py::test_y[case] - AssertionError: boom",
            "ERROR tests/b/test_z.py::test_w - RuntimeError",
            "ERROR tests/c/test_collect.py",
            "1 failed, 1805 passed in 155.67s",
        ]
    )
    assert load_script().failed_tests(output) == {
        "tests/a/test_x.py::test_y[case]",
        "tests/b/test_z.py::test_w",
        "tests/c/test_collect.py",
    }
