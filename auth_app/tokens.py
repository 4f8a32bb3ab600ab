"""JWT access tokens that stop working at logout, not when they expire.

An access token is short-lived (SIMPLE_JWT, 5 minutes by default); the one a client logs out
with is also revoked at once: its id is kept in the shared cache until it would have expired,
and authentication refuses it (401 ``token_not_valid``) on every worker.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken


def _key(jti: str) -> str:
    return f"revoked-access-token:{jti}"


def revoke_access_token(token) -> None:
    """Refuse ``token`` (a validated access token) from now until it expires."""
    remaining = int(token.get("exp", 0) - time.time()) + 1
    if remaining > 0 and token.get("jti"):
        cache.set(_key(token["jti"]), True, timeout=remaining)


class RevocableJWTAuthentication(JWTAuthentication):
    def get_validated_token(self, raw_token):
        token = super().get_validated_token(raw_token)
        if token.get("jti") and cache.get(_key(token["jti"])):
            raise InvalidToken("This access token was revoked at logout; sign in again.")
        return token


class RevocableJWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme of RevocableJWTAuthentication: simplejwt's own (jwtAuth)."""

    target_class = "auth_app.tokens.RevocableJWTAuthentication"
