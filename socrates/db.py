"""The two database aliases, spelled once.

``default`` is socrates_auth (users, audit, rules, API keys, teams, Django's contrib apps) and
``specs`` is socrates_specs (projects and everything under them, the knowledge base, project
shares). The router (socrates.routers) decides which model lives where; code that opens a
transaction or names a database uses these constants.
"""

AUTH_DB = "default"
SPECS_DB = "specs"
BOTH_DBS = (AUTH_DB, SPECS_DB)
