"""Local secrets for a checkout: generated once, kept in SOCRATES_DATA_DIR, mode 600.

`make run` and `make test` export SECRET_KEY and API_KEY_ENCRYPTION_KEYS from here when the
environment does not set them, and settings uses the same key with DEBUG on. Nothing here is
ever used where the environment sets them, and with DEBUG off settings refuses to start without
them (socrates/settings.py). Standard library only: the Makefile runs it before the venv exists.

    python3 socrates/local_secrets.py secret-key|encryption-key   # print (create if missing)
"""

from __future__ import annotations

import base64
import os
import secrets
import sys
from pathlib import Path

FILES = {"secret-key": "secret-key", "encryption-key": "api-key-encryption-key"}


def _new(kind: str) -> str:
    if kind == "encryption-key":
        return base64.urlsafe_b64encode(os.urandom(32)).decode()  # a Fernet key
    return secrets.token_urlsafe(50)


def local_secret(data_dir: Path, kind: str) -> str:
    """Return the checkout's local secret of ``kind``, creating it (mode 600) on first use."""
    path = Path(data_dir) / FILES[kind]
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(_new(kind) + "\n")
    return path.read_text().strip()


def default_data_dir() -> Path:
    return Path(
        os.environ.get("SOCRATES_DATA_DIR") or Path(__file__).resolve().parent.parent / ".data"
    )


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in FILES:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(FILES)}")
    print(local_secret(default_data_dir(), sys.argv[1]))
