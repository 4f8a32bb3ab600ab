"""What auth_app needs from the layers above it, registered by them in AppConfig.ready().

Deleting a user reaches both databases (projects, documents, shares, teams), which only the
project root may import: socrates.apps registers socrates.deletion.user_delete here, and the
admin calls it through ``user_deleter()``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

_user_deleter: Callable[..., dict] | None = None


def register_user_deleter(deleter: Callable[..., dict]) -> None:
    """Install ``deleter(user_id=..., actor=...)``, the one way a user is deleted."""
    global _user_deleter
    _user_deleter = deleter


def user_deleter() -> Callable[..., dict]:
    if _user_deleter is None:
        # Deleting only the auth row would leave the user's ids behind in socrates_specs.
        raise ImproperlyConfigured("No user deleter is registered (is 'socrates' installed?)")
    return _user_deleter
