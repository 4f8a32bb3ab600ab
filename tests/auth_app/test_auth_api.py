"""Auth endpoints (the same in v1 and v2), their audit trail and their throttle."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from auth_app.models import AuditLog
from tests.factories import UserFactory
from tests.helpers import BOTH, PASSWORD, assert_error, error_of

STRONG = "a-Long-unusual-passphrase-42"
VERSIONS = ["v1", "v2"]


def register(version, **body):
    return APIClient().post(f"/api/{version}/auth/register/", body, format="json")


def token(client, version, username, password):
    return client.post(
        f"/api/{version}/auth/token/", {"username": username, "password": password}, format="json"
    )


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize("version", VERSIONS)
def test_register_creates_the_user_and_audits_it(version):
    response = register(version, username="ann", email="Ann@Example.com", password=STRONG)

    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "ann" and "password" not in body
    assert ("default_llm_provider" in body) is (version == "v2")
    row = AuditLog.objects.get(action="auth.register")
    assert str(row.user_id) == body["id"] and row.ip == "127.0.0.1"


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"email": "a@example.com", "password": STRONG}, "username", "required"),
        ({"username": "ann", "password": STRONG}, "email", "required"),
        ({"username": "ann", "email": "a@example.com"}, "password", "required"),
        ({"username": "ann", "email": "not-an-email", "password": STRONG}, "email", "valid"),
        ({"username": "a" * 151, "email": "a@example.com", "password": STRONG}, "username", "150"),
        ({"username": "bad name!", "email": "a@example.com", "password": STRONG}, "username", ""),
        ({"username": "ann", "email": "a@example.com", "password": "password"}, "password", ""),
        ({"username": "ann", "email": "a@example.com", "password": "x" * 129}, "password", "128"),
        ({"username": ["ann"], "email": "a@example.com", "password": STRONG}, "username", ""),
    ],
)
def test_register_rejects_bad_input_naming_the_field(body, field, message):
    response = register("v1", **body)

    assert response.status_code == 400
    error = error_of(response)
    assert error["message"].startswith(f"{field}:")
    assert message in error["message"]
    assert field in error["details"]


@pytest.mark.django_db(databases=BOTH)
def test_register_refuses_a_taken_username_and_an_email_in_another_case():
    UserFactory(username="ann", email="ann@example.com")

    same_name = register("v1", username="ann", email="other@example.com", password=STRONG)
    same_email = register("v2", username="bob", email="ANN@example.COM", password=STRONG)

    assert error_of(same_name)["details"] == {
        "username": ["A user with that username already exists."]
    }
    assert error_of(same_email)["message"] == "email: A user with that email already exists."


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize("version", VERSIONS)
def test_token_login_is_audited_with_ip_and_stamps_last_login(version):
    user = UserFactory(username="ann")
    client = APIClient(REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="old-client/1.0")

    response = token(client, version, "ann", PASSWORD)

    assert response.status_code == 200
    row = AuditLog.objects.get(action="auth.login")
    assert (row.user_id, row.ip, row.user_agent) == (user.pk, "10.1.2.3", "old-client/1.0")
    assert row.details == {"method": "jwt"}
    user.refresh_from_db()
    assert user.last_login is not None


@pytest.mark.django_db(databases=BOTH)
def test_failed_login_is_a_401_and_is_audited_once():
    user = UserFactory(username="ann")

    wrong = token(APIClient(), "v1", "ann", "wrong-password")
    unknown = token(APIClient(), "v2", "nobody", "whatever")

    for response in (wrong, unknown):
        assert_error(response, 401, "authentication_failed")
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    rows = list(AuditLog.objects.filter(action="auth.login_failed").order_by("id"))
    assert [(r.user_id, r.details["username"]) for r in rows] == [
        (user.pk, "ann"),
        (None, "nobody"),
    ]
    assert {r.details["method"] for r in rows} == {"jwt"}


@pytest.mark.django_db(databases=BOTH)
def test_token_requires_both_fields():
    response = APIClient().post("/api/v1/auth/token/", {"username": "ann"}, format="json")

    assert response.status_code == 400
    assert error_of(response)["message"] == "password: This field is required."


@pytest.mark.django_db(databases=BOTH)
def test_logout_blacklists_the_refresh_token_and_is_audited():
    user = UserFactory(username="ann")
    pair = token(APIClient(), "v2", "ann", PASSWORD).json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")

    assert_error(client.post("/api/v2/auth/refresh/", {}), 404)
    out = client.post("/api/v2/auth/logout/", {"refresh": pair["refresh"]}, format="json")
    again = APIClient().post(
        "/api/v2/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json"
    )

    assert out.status_code == 204
    error = assert_error(again, 401, "authentication_failed")
    assert "blacklisted" in error["message"]
    assert AuditLog.objects.filter(action="auth.logout", user=user).count() == 1


@pytest.mark.django_db(databases=BOTH)
def test_logout_refuses_another_users_token_and_garbage():
    UserFactory(username="ann")
    UserFactory(username="bob")
    ann = token(APIClient(), "v1", "ann", PASSWORD).json()
    bob = token(APIClient(), "v1", "bob", PASSWORD).json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {ann['access']}")

    foreign = client.post("/api/v1/auth/logout/", {"refresh": bob["refresh"]}, format="json")
    garbage = client.post("/api/v1/auth/logout/", {"refresh": "not.a.token"}, format="json")
    missing = client.post("/api/v1/auth/logout/", {}, format="json")

    assert_error(foreign, 403)
    assert "another user" in error_of(foreign)["message"]
    assert garbage.status_code == 400 and error_of(garbage)["message"].startswith("refresh:")
    assert error_of(missing)["message"] == "refresh: This field is required."


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize("version", VERSIONS)
def test_me_needs_authentication(version):
    response = APIClient().get(f"/api/{version}/auth/me/")

    assert_error(response, 401, "not_authenticated")


@pytest.mark.django_db(databases=BOTH)
def test_an_access_token_that_is_not_a_token_is_a_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer nonsense")

    response = client.get("/api/v1/projects/")

    assert_error(response, 401, "authentication_failed")


@pytest.mark.django_db(databases=BOTH)
def test_session_login_serves_the_api_and_session_login_logout_are_audited():
    UserFactory(username="ann")
    browser = Client()

    login = browser.post("/api-auth/login/", {"username": "ann", "password": PASSWORD})
    listed = browser.get("/api/v1/projects/", HTTP_ACCEPT="application/json")
    browsable = browser.get("/api/v2/projects/", HTTP_ACCEPT="text/html")
    browser.post("/api-auth/logout/")

    assert login.status_code == 302
    assert listed.status_code == 200 and listed.json() == []
    assert browsable.status_code == 200 and b"<html" in browsable.content.lower()
    actions = list(AuditLog.objects.order_by("id").values_list("action", "details"))
    assert actions == [
        ("auth.login", {"method": "session"}),
        ("auth.logout", {"method": "session"}),
    ]


@pytest.mark.django_db(databases=BOTH)
def test_failed_session_login_is_audited():
    Client().post("/api-auth/login/", {"username": "ann", "password": "nope"})

    row = AuditLog.objects.get()
    assert row.action == "auth.login_failed"
    assert row.details == {"method": "session", "username": "ann"}


@pytest.mark.django_db(databases=BOTH)
def test_auth_endpoints_are_throttled(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth": "3/minute"},
    }
    client = APIClient()

    statuses = [token(client, "v1", "ann", "wrong").status_code for _ in range(4)]
    other_version = token(client, "v2", "ann", "wrong")

    assert statuses == [401, 401, 401, 429]
    assert other_version.status_code == 429
    error = error_of(other_version)
    assert error["code"] == "throttled"
    assert int(other_version["Retry-After"]) > 0


@pytest.mark.django_db(databases=BOTH)
def test_throttle_ignores_a_forged_forwarded_for_header(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth": "2/minute"},
    }
    statuses = [
        token(APIClient(HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"), "v1", "ann", "x").status_code
        for n in range(3)
    ]

    assert statuses == [401, 401, 429]


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize(
    ("body", "status", "start"),
    [
        ({}, 400, "refresh: This field is required."),
        ({"refresh": ""}, 400, "refresh: This field may not be blank."),
        ({"refresh": "x" * 4097}, 400, "refresh: Ensure this field has no more than 4096"),
        ({"refresh": ["a"]}, 400, "refresh: Not a valid string."),
        ({"refresh": "not.a.jwt"}, 401, "Token is invalid"),
    ],
)
def test_refresh_rejects_bad_input(body, status, start):
    response = APIClient().post("/api/v1/auth/token/refresh/", body, format="json")

    assert response.status_code == status
    assert error_of(response)["message"].startswith(start)
