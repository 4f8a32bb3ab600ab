"""A scripted Socratic session through the v2 API, from an empty project to readiness.

Every answer is at the default confidence 0.8. The bank's targets are goals 3, requirements 4,
tech_stack 4, scalability 2, security 3, performance 2, testing 2, monitoring 2,
data_retention 2, disaster_recovery 2 (total 26); the first seven are required.
"""

import pytest

from auth_app.models import AuditLog
from specs_app.models import Specification

pytestmark = pytest.mark.django_db(databases=["default", "specs"])

# (template asked, answer, specifications it makes current as {"category.key": value}).
ROUND_ONE = [
    (
        "goals.problem",
        "Small clinics lose track of appointments and patients miss visits.",
        {
            "goals.problem_statement": (
                "Small clinics lose track of appointments and patients miss visits."
            )
        },
    ),
    (
        "requirements.core_features",
        "Online booking, reminders by text message and a calendar for the staff.",
        {
            "requirements.core_features": (
                "Online booking, reminders by text message and a calendar for the staff."
            )
        },
    ),
    ("tech_stack.language", "Python 3.12", {"tech_stack.language": "python 3.12"}),
    (
        "scalability.load",
        "About 2,000 users at launch and 20k users in two years.",
        {"scalability.expected_load": "2000 users"},
    ),
    (
        "security.authentication",
        "Staff sign in with passwords and two-factor codes; patients use one-time links.",
        {
            "security.authentication": (
                "Staff sign in with passwords and two-factor codes; patients use one-time links."
            )
        },
    ),
    (
        "performance.latency",
        "Pages must respond within 300 ms at the 95th percentile.",
        {"performance.response_time": "300 ms"},
    ),
    (
        "testing.strategy",
        "Unit and integration tests with pytest on every change.",
        {
            "testing.framework": "pytest",
            "testing.strategy": "Unit and integration tests on every change.",
        },
    ),
    (
        "monitoring.metrics",
        "Error rates and booking counts on a dashboard.",
        {"monitoring.health_metrics": "Error rates and booking counts on a dashboard."},
    ),
    (
        "data_retention.period",
        "Medical records are kept for 10 years.",
        {"data_retention.retention_period": "10 years"},
    ),
    (
        "disaster_recovery.rto",
        "We can be down at most 4 hours.",
        {"disaster_recovery.rto": "4 hours"},
    ),
]

ROUND_TWO = [
    # requirements 1/4 and tech_stack 1/4 tie at the bottom: bank order picks requirements.
    (
        "requirements.workflows",
        "A patient picks a slot, confirms by email and gets a reminder the day before.",
        {
            "requirements.main_workflow": (
                "A patient picks a slot, confirms by email and gets a reminder the day before."
            )
        },
    ),
    ("tech_stack.framework", "Django 5.2", {"tech_stack.framework": "django 5.2"}),
    # goals 1/3 and security 1/3 now lowest.
    (
        "goals.users",
        "Patients, receptionists and doctors.",
        {"goals.target_users": "Patients, receptionists and doctors."},
    ),
    (
        "security.sensitive_data",
        "Names, phone numbers and appointment notes, which are health data.",
        {
            "security.sensitive_data": (
                "Names, phone numbers and appointment notes, which are health data."
            )
        },
    ),
    # Seven categories at 1/2: bank order.
    (
        "requirements.integrations",
        "The clinics' existing calendar system and an SMS gateway.",
        {
            "requirements.integrations": (
                "The clinics' existing calendar system and an SMS gateway."
            )
        },
    ),
    ("tech_stack.database", "PostgreSQL 13", {"tech_stack.database": "postgresql 13"}),
]

AFTER_THE_CONFLICT = [
    ("performance.throughput", "About 50 rps at peak.", {"performance.throughput": "50 rps"}),
    (
        "monitoring.alerting",
        "The on-call developer gets a text message within 15 minutes.",
        {"monitoring.alerting": ("The on-call developer gets a text message within 15 minutes.")},
    ),
    (
        "data_retention.deletion",
        "Patients ask at the front desk and staff delete their data by hand.",
        {
            "data_retention.deletion_policy": (
                "Patients ask at the front desk and staff delete their data by hand."
            )
        },
    ),
    (
        "disaster_recovery.rpo",
        "Losing more than one hour of bookings is unacceptable.",
        {"disaster_recovery.rpo": "Losing more than one hour of bookings is unacceptable."},
    ),
    (
        "goals.success",
        "Fewer than 5% missed appointments within a year.",
        {"goals.success_criteria": "Fewer than 5% missed appointments within a year."},
    ),
    (
        "security.threats",
        "Someone reading other patients' appointments.",
        {"security.threat_model": "Someone reading other patients' appointments."},
    ),
    (
        "requirements.data",
        "Clinics, doctors, patients and appointments; each appointment links a patient to a "
        "doctor.",
        {
            "requirements.data_model": (
                "Clinics, doctors, patients and appointments; each appointment links a patient "
                "to a doctor."
            )
        },
    ),
    ("tech_stack.frontend", "React 18", {"tech_stack.frontend_framework": "react 18"}),
]


class Session:
    """The owner's client in one session, with the calls the script makes."""

    def __init__(self, client):
        self.client = client
        self.project = client.post(
            "/api/v2/projects/", {"name": "Clinic bookings"}, format="json"
        ).json()
        self.session = client.post(
            f"/api/v2/projects/{self.project['id']}/sessions/", {}, format="json"
        ).json()

    def ask(self, expected_template):
        response = self.client.post(f"/api/v2/sessions/{self.session['id']}/next-question/")
        assert response.status_code == 201, response.content
        question = response.json()
        assert question["template_id"] == expected_template
        return question

    def answer(self, question, text):
        return self.client.post(
            f"/api/v2/sessions/{self.session['id']}/answers/",
            {"question_id": question["id"], "answer": text},
            format="json",
        )

    def step(self, template_id, text, expected):
        question = self.ask(template_id)
        response = self.answer(question, text)
        assert response.status_code == 201, (template_id, response.content)
        body = response.json()
        made = {f"{s['category']}.{s['key']}": s["value"] for s in body["specifications"]}
        assert made == expected, template_id
        return body

    def readiness(self):
        return self.client.post(f"/api/v2/projects/{self.project['id']}/readiness/").json()

    def resolve(self, conflict, action, **extra):
        response = self.client.post(
            f"/api/v2/conflicts/{conflict['id']}/resolve/",
            {"action": action, **extra},
            format="json",
        )
        assert response.status_code == 200, response.content
        return response.json()

    def contradiction(self, template_id, text):
        response = self.answer(self.ask(template_id), text)
        assert response.status_code == 409, response.content
        return response.json()["error"]

    def current(self, key):
        category, key = key.split(".")
        return Specification.objects.get(
            project_id=self.project["id"], category=category, key=key, is_current=True
        )


def test_a_scripted_session_from_an_empty_project_to_readiness(client, owner):
    flow = Session(client)
    assert (
        client.put("/api/v2/me/rules/", {"rules": {"no_mongodb": True}}, format="json").status_code
        == 200
    )

    # Round one: every category is empty, so the bank order visits each category once.
    for template_id, text, expected in ROUND_ONE:
        body = flow.step(template_id, text, expected)
    # 11 specifications at 0.8: maturity 100 * 8.8 / 26.
    assert body["maturity_score"] == 33.85
    readiness = flow.readiness()
    # coverage (1/3 + 1/4 + 1/4 + 1/2 + 1/3 + 1/2 + 2/2) / 7 = 0.4524
    assert (readiness["coverage"], readiness["average_confidence"], readiness["maturity"]) == (
        0.4524,
        0.8,
        33.85,
    )
    assert readiness["score"] == 0.5303  # (0.4524 + 0.8 + 0.3385) / 3
    assert readiness["ready"] is False

    # Round two follows the lowest coverage; PostgreSQL 13 under Django 5.2 fails the matrix.
    for template_id, text, expected in ROUND_TWO:
        body = flow.step(template_id, text, expected)
    assert body["compatibility_status"] == "failed"
    failed = client.get(
        f"/api/v2/projects/{flow.project['id']}/test-results/?test_status=failed"
    ).json()["results"]
    [problem] = failed[0]["results"]["incompatibilities"]
    assert problem["rule"] == "django-5.2-postgresql"
    assert problem["spec_ids"] == [
        str(flow.current("tech_stack.framework").pk),
        str(flow.current("tech_stack.database").pk),
    ]

    # A contradicting answer: MongoDB as a second primary database, which a rule forbids too.
    error = flow.contradiction(
        "scalability.data_growth", "MongoDB will hold about 50 GB of data after two years."
    )
    assert error["code"] == "specification_conflict"
    details = error["details"]
    assert [(s["key"], s["value"]) for s in details["specifications"]] == [("data_volume", "50 GB")]
    [mongodb] = details["pending"]
    assert (mongodb["value"], mongodb["is_current"]) == ("mongodb", False)
    postgres = flow.current("tech_stack.database")
    exclusive, rule = details["conflicts"]
    assert (exclusive["severity"], exclusive["spec_ids"]) == (
        "high",
        [str(postgres.pk), mongodb["id"]],
    )
    assert (rule["severity"], rule["spec_ids"]) == ("high", [mongodb["id"]])
    assert rule["description"].startswith("Rule no_mongodb:")
    # The conflicts block readiness and the gate until resolved.
    assert [c["conflict_id"] for c in flow.readiness()["blocking_conflicts"]] == [
        exclusive["id"],
        rule["id"],
    ]
    gate = client.post(f"/api/v2/projects/{flow.project['id']}/advance-phase/", {}, format="json")
    assert gate.status_code == 409
    # keep_old drops the newcomer; ignore leaves everything as it is.
    assert flow.resolve(exclusive, "keep_old")["status"] == "resolved"
    assert flow.readiness()["blocking_conflicts"] == [
        {
            "conflict_id": rule["id"],
            "conflict_type": "technology",
            "severity": "high",
            "description": rule["description"],
            "spec_ids": [mongodb["id"]],
        }
    ]
    assert flow.resolve(rule, "ignore")["status"] == "ignored"
    assert flow.readiness()["blocking_conflicts"] == []
    assert flow.current("tech_stack.database").value == "postgresql 13"
    assert Specification.objects.get(pk=mongodb["id"]).is_current is False

    for template_id, text, expected in AFTER_THE_CONFLICT:
        body = flow.step(template_id, text, expected)
    # Every category is at its target: 21 specifications, 20.8 confidence points of 26.
    assert body["coverage"] == 1.0
    assert body["maturity_score"] == 80.0

    # With every category covered the bank order decides: goals again. Vue 3 contradicts
    # React 18; replace makes the newcomer current and supersedes the old one.
    error = flow.contradiction(
        "goals.scope", "No mobile application; we use Vue 3 for the web pages only."
    )
    [conflict] = error["details"]["conflicts"]
    react = flow.current("tech_stack.frontend_framework")
    assert react.value == "react 18"
    flow.resolve(conflict, "replace")
    vue = flow.current("tech_stack.frontend_framework")
    assert vue.value == "vue 3"
    react.refresh_from_db()
    assert (react.is_current, react.superseded_by_id) == (False, vue.pk)

    # MySQL contradicts PostgreSQL; merge stores the merged value as the new current version,
    # and that tech-stack write re-runs the matrix, which passes with PostgreSQL 16.
    error = flow.contradiction(
        "goals.timeline", "Launch in March; the clinics' IT team wants MySQL 8.0."
    )
    [conflict] = error["details"]["conflicts"]
    resolved = flow.resolve(conflict, "merge", merged_value="postgresql 16")
    assert resolved["status"] == "resolved"
    assert resolved["resolved_by_user"] == str(owner.pk)
    assert resolved["resolution"] == "merge"
    assert flow.current("tech_stack.database").value == "postgresql 16"
    latest = client.get(f"/api/v2/projects/{flow.project['id']}/test-results/").json()["results"]
    assert (latest[0]["test_status"], latest[0]["results"]["trigger"]) == (
        "passed",
        "specification_write",
    )
    # Newest first. keep_old (MongoDB) and replace (Vue) changed the current stack without a
    # new write, so each re-ran the matrix ("conflict_resolved"); PostgreSQL 13 still failed.
    assert [(r["test_status"], r["results"]["trigger"]) for r in latest] == [
        ("passed", "specification_write"),
        ("failed", "conflict_resolved"),
        ("failed", "answer"),
        ("failed", "conflict_resolved"),
        ("failed", "answer"),
        ("passed", "answer"),
        ("passed", "answer"),
    ]

    # Ready: coverage 1, confidence 0.8, maturity 100 * 21.4 / 26: 5 goals at 0.8 count for
    # the goals target 3 only, the 23 other specifications for 23 * 0.8 = 18.4.
    readiness = flow.readiness()
    assert (readiness["coverage"], readiness["average_confidence"], readiness["maturity"]) == (
        1.0,
        0.8,
        82.31,
    )
    assert readiness["score"] == 0.8744  # (1 + 0.8 + 0.8231) / 3
    assert (readiness["ready"], readiness["missing"], readiness["blocking_conflicts"]) == (
        True,
        [],
        [],
    )
    # And the gate lets the project into analysis.
    gate = client.post(f"/api/v2/projects/{flow.project['id']}/advance-phase/", {}, format="json")
    assert gate.status_code == 200, gate.content
    assert gate.json()["project"]["current_phase"] == "analysis"
    verdicts = AuditLog.objects.filter(action="project.phase_gate").order_by("timestamp", "id")
    assert [a.details["passed"] for a in verdicts] == [False, True]
