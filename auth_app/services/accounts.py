"""Writes of socrates_auth: users, the audit log, logout, deprecated-endpoint call counts.

Audit: every JWT login and logout is recorded by the views through ``login_record`` and
``logout``. Session logins and logouts (admin, browsable API) and *every* failed login (JWT
included: simplejwt calls ``authenticate()``) come through Django's auth signals, which
AuthAppConfig.ready() connects to the ``on_*`` receivers below: Django's own login views
expose no other hook, and one failed attempt is thus recorded exactly once.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connections, transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from auth_app.audit import AuditAction
from auth_app.models import AuditLog, DeprecatedEndpointCall, UserLlmDefault, username_lookup
from auth_app.selectors.accounts import username_case_duplicates
from auth_app.tokens import revoke_access_token
from socrates.db import AUTH_DB
from socrates.errors import PermissionDenied, ValidationFailed

User = get_user_model()

# Audit actions.

USER_AGENT_MAX = 1000


def _request_meta(request) -> tuple[str | None, str]:
    if request is None:
        return None, ""
    meta = getattr(request, "META", {})
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a proxy rewrites it.
    ip = meta.get("REMOTE_ADDR") or None
    return ip, meta.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX]


def audit_log(
    *,
    action: str,
    user=None,
    request=None,
    resource_type: str = "",
    resource_id: str = "",
    details: dict | None = None,
) -> AuditLog:
    """Append one row to audit_logs (ip and user agent taken from ``request``)."""
    ip, user_agent = _request_meta(request)
    return AuditLog.objects.using(AUTH_DB).create(
        user=user if user is not None and getattr(user, "pk", None) else None,
        action=action,
        resource_type=resource_type,
        resource_id=str(resource_id) if resource_id else "",
        ip=ip,
        user_agent=user_agent,
        details=details or {},
    )


def user_register(*, username: str, email: str, password: str, request=None) -> User:
    """Create a user after checking uniqueness (username and email case-insensitively: "ADA"
    is taken once "ada" exists) and the password."""
    errors: dict[str, list[str]] = {}
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["A user with that username already exists."]
    if User.objects.filter(email__iexact=email).exists():
        errors["email"] = ["A user with that email already exists."]
    try:
        validate_password(password, user=User(username=username, email=email))
    except DjangoValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        first = next(iter(errors))
        raise ValidationFailed(f"{first}: {errors[first][0]}", details=errors)
    try:
        with transaction.atomic(using=AUTH_DB):
            user = User.objects.create_user(username=username, email=email, password=password)
            audit_log(
                action=AuditAction.REGISTER,
                user=user,
                request=request,
                resource_type="user",
                resource_id=user.pk,
            )
    except IntegrityError:
        # Another request registered the same name between the check and the insert.
        raise ValidationFailed(
            "username: A user with that username or email already exists.",
            details={"username": ["A user with that username or email already exists."]},
        ) from None
    return user


def login_record(*, user, request, method: str = "jwt") -> None:
    """Record a successful login and stamp ``last_login``."""
    with transaction.atomic(using=AUTH_DB):
        user.last_login = timezone.now()
        user.save(update_fields=["last_login"])
        audit_log(
            action=AuditAction.LOGIN,
            user=user,
            request=request,
            resource_type="user",
            resource_id=user.pk,
            details={"method": method},
        )


def login_failed_record(*, username: str, request, method: str) -> None:
    """Record a failed login attempt (the user, when the name exists, is linked)."""
    user = username_lookup(User.objects.all(), username).first() if username else None
    audit_log(
        action=AuditAction.LOGIN_FAILED,
        user=user,
        request=request,
        resource_type="user",
        resource_id=user.pk if user else "",
        details={"method": method, "username": (username or "")[:150]},
    )


def logout(*, user, refresh: str, request, access=None) -> None:
    """Blacklist the user's refresh token, revoke the access token used (if any), record it."""
    try:
        token = RefreshToken(refresh)
    except TokenError as exc:
        raise ValidationFailed(
            f"refresh: {exc}", details={"refresh": [str(exc)]}, code="token_not_valid"
        ) from None
    if str(token.get("user_id")) != str(user.pk):
        raise PermissionDenied(
            "refresh: this refresh token belongs to another user.",
            details={"refresh": ["This refresh token belongs to another user."]},
        )
    with transaction.atomic(using=AUTH_DB):
        token.blacklist()
        if access is not None:
            revoke_access_token(access)
        audit_log(
            action=AuditAction.LOGOUT,
            user=user,
            request=request,
            resource_type="user",
            resource_id=user.pk,
            details={"method": "jwt", "jti": token.get("jti")},
        )


def deprecated_call_record(
    *, endpoint: str, user_id: uuid.UUID | None, at: dt.datetime | None = None
) -> None:
    """Count one call of a deprecated endpoint (one row per endpoint, user and day)."""
    at = at or timezone.now()
    table = DeprecatedEndpointCall._meta.db_table
    with transaction.atomic(using=AUTH_DB), connections[AUTH_DB].cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (endpoint, user_id, day, calls, first_called_at, last_called_at)
            VALUES (%s, %s, %s, 1, %s, %s)
            ON CONFLICT ON CONSTRAINT deprecated_calls_endpoint_user_day_unique
            DO UPDATE SET calls = {table}.calls + 1, last_called_at = EXCLUDED.last_called_at
            """,
            [endpoint, user_id, timezone.localdate(at, dt.UTC), at, at],
        )


# --- Receivers of django.contrib.auth signals (connected in AuthAppConfig.ready) -----------


def _method_of(request) -> str:
    path = getattr(request, "path", "") or ""
    return "jwt" if "/auth/token/" in path else "session"


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    audit_log(
        action=AuditAction.LOGIN,
        user=user,
        request=request,
        resource_type="user",
        resource_id=user.pk,
        details={"method": "session"},
    )


def on_user_logged_out(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    audit_log(
        action=AuditAction.LOGOUT,
        user=user,
        request=request,
        resource_type="user",
        resource_id=user.pk,
        details={"method": "session"},
    )


def on_user_login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = credentials.get("username") or credentials.get(User.USERNAME_FIELD) or ""
    login_failed_record(username=str(username), request=request, method=_method_of(request))


def username_duplicates_resolve(*, dry_run: bool = False, actor=None) -> list[tuple[str, str]]:
    """Rename every username that differs only in case from an older one; return the renames.

    In each group the oldest account (``date_joined``, then id) keeps its name; each other one
    becomes ``<name>-2``, ``<name>-3``, ... (the first free name, case-insensitively), is
    audited, and keeps everything else (password, email, data). ``dry_run`` writes nothing.
    Safe to run again: a second run finds nothing to rename.
    """
    renames = []
    for group in username_case_duplicates():
        for user in group[1:]:
            number = 2
            while User.objects.filter(username__iexact=f"{user.username}-{number}").exists() or (
                f"{user.username}-{number}".casefold() in {new.casefold() for _, new in renames}
            ):
                number += 1
            new_name = f"{user.username}-{number}"
            renames.append((user.username, new_name))
            if dry_run:
                continue
            with transaction.atomic(using=AUTH_DB):
                User.objects.filter(pk=user.pk).update(username=new_name)
                audit_log(
                    action=AuditAction.USERNAME_RENAMED,
                    user=actor,
                    resource_type="user",
                    resource_id=user.pk,
                    details={"from": user.username, "to": new_name, "kept": group[0].username},
                )
    return renames


def user_llm_default_write(*, user, provider: str | None, model: str | None) -> None:
    """Store (or with provider None, clear) the user's default LLM: phase 3's own table.

    The caller validates the pair against the provider registry (specs_app.llm.services).
    """
    with transaction.atomic(using=AUTH_DB):
        if provider is None:
            UserLlmDefault.objects.filter(user=user).delete()
        else:
            UserLlmDefault.objects.update_or_create(
                user=user, defaults={"provider": provider, "model": model}
            )
        user.updated_at = timezone.now()
        User.objects.filter(pk=user.pk).update(updated_at=user.updated_at)
    # The row cached on the instance (user.llm_default) is stale now.
    user._state.fields_cache.pop("llm_default", None)
