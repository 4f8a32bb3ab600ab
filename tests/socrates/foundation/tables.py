"""Where each table of DESIGN.md lives: (phase, alias, app) by table name.

A new table must be added here with its database: the router and schema tests fail until it is.
Tables that belong to no product phase (API bookkeeping) have phase None.
"""

AUTH, SPECS = "default", "specs"

TABLES = {
    # phase 0
    "users": (0, AUTH, "auth_app"),
    "audit_logs": (0, AUTH, "auth_app"),
    "token_blacklist_outstandingtoken": (0, AUTH, "token_blacklist"),
    "token_blacklist_blacklistedtoken": (0, AUTH, "token_blacklist"),
    "projects": (0, SPECS, "specs_app"),
    "sessions": (0, SPECS, "specs_app"),
    "questions": (0, SPECS, "specs_app"),
    "specifications": (0, SPECS, "specs_app"),
    "conversation_history": (0, SPECS, "specs_app"),
    "conflicts": (0, SPECS, "specs_app"),
    "quality_metrics": (0, SPECS, "specs_app"),
    # phase 1
    "user_rules": (1, AUTH, "auth_app"),
    # phase 2
    "test_results": (2, SPECS, "specs_app"),
    # phase 3
    "api_keys": (3, AUTH, "auth_app"),
    # API versioning: counts of calls to deprecated endpoints (auth_app 0005, after 0003: so
    # its schema arrives with phase 3)
    "deprecated_endpoint_calls": (3, AUTH, "auth_app"),
    "user_llm_defaults": (3, AUTH, "auth_app"),
    "llm_usage_tracking": (3, SPECS, "specs_app"),
    # phase 4
    "generated_projects": (4, SPECS, "specs_app"),
    "generated_files": (4, SPECS, "specs_app"),
    "project_llm_choices": (4, SPECS, "specs_app"),
    "question_templates": (4, SPECS, "specs_app"),
    # phase 5
    "user_behavior_patterns": (5, SPECS, "knowledge_app"),
    "question_effectiveness": (5, SPECS, "knowledge_app"),
    "knowledge_base_documents": (5, SPECS, "knowledge_app"),
    "knowledge_passages": (5, SPECS, "knowledge_app"),
    # phase 6
    "teams": (6, AUTH, "teams_app"),
    "team_members": (6, AUTH, "teams_app"),
    "team_invitations": (6, AUTH, "teams_app"),
    "project_shares": (6, SPECS, "teams_app"),
}

PROJECT_APPS = ("auth_app", "specs_app", "knowledge_app", "teams_app")


def public_tables(alias: str) -> set[str]:
    from django.db import connections

    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
        return {row[0] for row in cursor.fetchall()}
