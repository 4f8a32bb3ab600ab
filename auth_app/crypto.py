"""Authenticated encryption of secrets at rest (LLM API keys), with key rotation.

Keys come from settings.API_KEY_ENCRYPTION_KEYS: Fernet keys (AES-128-CBC + HMAC-SHA256),
newest first. The newest encrypts; every configured key decrypts, so a new key can be put in
front while old ciphertexts stay readable until `manage.py rotate_api_keys` re-encrypts them.

With no key configured, one key is derived from SECRET_KEY so a local checkout works; it stays
a decrypt-only fallback once keys are configured, so rows written locally can be rotated onto
the configured key. Production must set API_KEY_ENCRYPTION_KEYS: a derived key changes (and
its ciphertexts become unreadable) whenever SECRET_KEY does.
"""

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Fixed HKDF context: changing it would make every locally encrypted key unreadable.
_DERIVATION_INFO = b"socrates api_keys encryption v1"


class DecryptionFailed(Exception):
    """The ciphertext was not produced by any configured key, or was tampered with."""


def generate_key() -> str:
    """Return a new random Fernet key (for API_KEY_ENCRYPTION_KEYS)."""
    return Fernet.generate_key().decode("ascii")


def derived_local_key(secret_key: str) -> str:
    """Derive the local fallback Fernet key from SECRET_KEY (HKDF-SHA256)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_DERIVATION_INFO).derive(
        secret_key.encode("utf-8")
    )
    return base64.urlsafe_b64encode(raw).decode("ascii")


def configured_keys() -> list[str]:
    """Return the keys from settings, newest first (empty when none is configured)."""
    keys = getattr(settings, "API_KEY_ENCRYPTION_KEYS", None) or []
    if isinstance(keys, str):
        keys = [item.strip() for item in keys.split(",")]
    return [key.strip() for key in keys if key and key.strip()]


def _fernet(key: str, position: int) -> Fernet:
    try:
        return Fernet(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        # Never echo the key itself: name its position only.
        raise ImproperlyConfigured(
            f"API_KEY_ENCRYPTION_KEYS entry {position + 1} is not a valid Fernet key "
            "(32 url-safe base64-encoded bytes; make one with "
            "`python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'`)"
        ) from exc


@lru_cache(maxsize=8)
def _multi_fernet(keys: tuple[str, ...], secret_key: str) -> tuple[MultiFernet, Fernet]:
    fernets = [_fernet(key, position) for position, key in enumerate(keys)]
    # The derived key decrypts rows written before keys were configured; it never encrypts
    # when a configured key exists, because MultiFernet encrypts with the first key.
    fernets.append(Fernet(derived_local_key(secret_key).encode("ascii")))
    return MultiFernet(fernets), fernets[0]


def _current() -> tuple[MultiFernet, Fernet]:
    return _multi_fernet(tuple(configured_keys()), settings.SECRET_KEY)


def encrypt(plaintext: str) -> str:
    """Encrypt a secret under the newest key; return the Fernet token as text."""
    return _current()[0].encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """Decrypt a token written under any configured key (or the local derived key)."""
    try:
        return _current()[0].decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise DecryptionFailed(
            "the stored secret cannot be decrypted with any configured key"
        ) from exc


def is_under_newest_key(token: str) -> bool:
    """Say whether the newest key alone decrypts this token."""
    try:
        _current()[1].decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeError):
        return False
    return True


def rotate(token: str) -> str:
    """Re-encrypt a token under the newest key (raise DecryptionFailed if no key reads it)."""
    try:
        return _current()[0].rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError) as exc:
        raise DecryptionFailed(
            "the stored secret cannot be decrypted with any configured key"
        ) from exc
