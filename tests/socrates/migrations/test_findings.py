"""Gate findings and the justified ignores that let one through."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from socrates.migration_checks.findings import Finding, split_ignored
from socrates.migration_checks.phase_dump import dump_path

DROP = Finding("app_x.0002_drop", "DROP_COLUMN", "drops column t.c", "safety")
INDEX = Finding("app_x.0003_index", "CREATE_INDEX", "builds index i", "linter")


def test_findings_fail_unless_an_ignore_names_migration_and_code(settings):
    settings.MIGRATION_GATE_IGNORES = {
        "app_x.0003_index": {"CREATE_INDEX": "table t holds ten rows by construction"},
        "app_x.0002_drop": {"NOT_NULL": "another problem of the same migration"},
    }

    failures, ignored = split_ignored([DROP, INDEX])

    assert failures == [DROP]
    assert ignored == [(INDEX, "table t holds ten rows by construction")]


def test_an_ignore_without_a_reason_is_refused(settings):
    settings.MIGRATION_GATE_IGNORES = {"app_x.0003_index": {"CREATE_INDEX": ""}}

    with pytest.raises(ImproperlyConfigured, match="must say why"):
        split_ignored([INDEX])


def test_finding_line_names_migration_problem_source_and_code():
    assert DROP.line() == "app_x.0002_drop: drops column t.c [safety DROP_COLUMN]"


@pytest.mark.parametrize(
    ("requested", "written"),
    [("backup", "backup.json"), ("backup.json", "backup.json"), ("a.b", "a.b.json")],
)
def test_dump_goes_where_loaddata_finds_it(tmp_path, requested, written):
    assert dump_path(tmp_path / requested) == tmp_path / written


def test_dump_must_be_json(tmp_path):
    with pytest.raises(ValueError, match="the dump is JSON"):
        dump_path(tmp_path / "backup.xml")
