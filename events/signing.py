"""Webhook secrets (Standard Webhooks "whsec_" + base64) and signatures (the standardwebhooks package).

The secret is stored encrypted with a key derived from SECRET_KEY: the receiver verifies with the same
secret, so unlike client secrets and tokens it cannot be stored hashed.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime

from cryptography.fernet import Fernet
from django.conf import settings
from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"


def _fernet() -> Fernet:
    key = hashlib.sha256(b"idadmin webhook secrets\0" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def encrypt(secret: str) -> bytes:
    return _fernet().encrypt(secret.encode())


def decrypt(stored: bytes) -> str:
    return _fernet().decrypt(bytes(stored)).decode()


def signed_headers(secret: str, message_id: str, sent_at: datetime, body: str) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, sent_at, body),
    }
