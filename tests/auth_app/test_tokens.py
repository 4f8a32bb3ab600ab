"""Access tokens are short-lived and stop working at logout; refresh tokens rotate."""

import jwt
import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.helpers import BOTH, PASSWORD, assert_error

pytestmark = pytest.mark.django_db(databases=BOTH)


def tokens(username="ada"):
    response = APIClient().post(
        "/api/v2/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def bearer(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def test_an_access_token_lives_five_minutes_by_default():
    UserFactory(username="ada")
    claims = jwt.decode(tokens()["access"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 300


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_the_access_token_used_to_log_out_stops_working_at_once(version):
    UserFactory(username="ada")
    pair = tokens()
    client = bearer(pair["access"])
    assert client.get(f"/api/{version}/auth/me/").status_code == 200

    assert (
        client.post(
            f"/api/{version}/auth/logout/", {"refresh": pair["refresh"]}, format="json"
        ).status_code
        == 204
    )

    error = assert_error(client.get(f"/api/{version}/auth/me/"), 401, "authentication_failed")
    assert "revoked at logout" in error["message"]
    assert error["details"]["code"] == "token_not_valid"


def test_refresh_rotates_and_the_old_refresh_token_is_refused():
    UserFactory(username="ada")
    pair = tokens()
    refresh = APIClient().post(
        "/api/v2/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json"
    )
    assert refresh.status_code == 200
    assert refresh.json()["refresh"] != pair["refresh"]

    again = APIClient().post(
        "/api/v2/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json"
    )
    error = assert_error(again, 401, "authentication_failed")
    assert error["message"] == "Token is blacklisted"
