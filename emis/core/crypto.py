"""Encryption of children's ID numbers at rest, and the keyed hash that finds them.

An ID number (and a G/J 学籍号, which is a letter plus the ID number) is stored as an AES-256-GCM token
`<key id>$<base64url(nonce | ciphertext | tag)>`: a fresh random nonce each time, so equal numbers give
different tokens and a token says nothing about its number. Finding a person by number goes through a
second column holding HMAC-SHA256(hash key, number): exact matches, joins between tables and uniqueness
constraints use it; nothing can search a part of a number any more.

The keys live outside the database, in the environment (config/env.py → settings):

- `EMIS_DATA_KEYS`: `id:base64key,id:base64key,...`, 32-byte AES keys. The first encrypts new values;
  the others only decrypt, while `emis rotate_data_key` re-encrypts every row under the first.
- `EMIS_HASH_KEY`: base64, at least 32 bytes. Changing it needs `emis rotate_data_key` right away, which
  recomputes every hash from the decrypted numbers (until then a search by number finds nothing).

Backups hold only tokens and hashes; without the keys they give no ID number.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import contextvars
import functools
import hashlib
import hmac
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

SEPARATOR = "$"
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
NONCE_BYTES = 12
# HMAC-SHA256 truncated to 128 bits: no two of the tens of millions of numbers a province holds collide (odds
# about n²/2¹²⁹), and the unique indexes over the hash columns stay small. base64url rather than hex, also
# because a hex digest now and then holds a run of 18 digits that looks like an ID number to a scanner.
HASH_BYTES = 16
HASH_LENGTH = 22


class DecryptionError(Exception):
    """A stored token that no configured key opens (a missing old key, or a damaged value)."""


def _decode_key(text: str, what: str) -> bytes:
    text = text.strip().replace("-", "+").replace("_", "/")  # standard or URL-safe alphabet
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"{what} is not valid base64") from exc


@functools.cache
def _keys() -> tuple[str, dict[str, AESGCM]]:
    current, raw = _raw_keys()
    return current, {kid: AESGCM(key) for kid, key in raw.items()}


def derive_key(purpose: bytes, salt: bytes, kid: str | None = None) -> tuple[str, bytes]:
    """(key id, a 32-byte key for `purpose`) derived from a data key with HKDF-SHA256 (the current key unless
    `kid` names another): backups are encrypted with keys derived from the data key, never with it directly."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    current, raw = _raw_keys()
    kid = kid or current
    if kid not in raw:
        raise DecryptionError(f"no data key {kid!r} (EMIS_DATA_KEYS)")
    return kid, HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=purpose).derive(raw[kid])


@functools.cache
def _raw_keys() -> tuple[str, dict[str, bytes]]:
    spec = getattr(settings, "EMIS_DATA_KEYS", "") or ""
    items = [item.strip() for item in spec.split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured("EMIS_DATA_KEYS is not set: ID numbers cannot be encrypted or read")
    keys: dict[str, bytes] = {}
    for item in items:
        kid, sep, b64 = item.partition(":")
        if not sep or not KEY_ID.match(kid):
            raise ImproperlyConfigured("EMIS_DATA_KEYS entries are id:base64key (id: letters, digits, - or _)")
        key = _decode_key(b64, f"EMIS_DATA_KEYS key {kid}")
        if len(key) != 32:
            raise ImproperlyConfigured(f"EMIS_DATA_KEYS key {kid} must be 32 bytes (base64 of 32 random bytes)")
        if kid in keys:
            raise ImproperlyConfigured(f"EMIS_DATA_KEYS names key {kid} twice")
        keys[kid] = key
    return items[0].partition(":")[0], keys


@functools.cache
def _hash_key() -> bytes:
    key = _decode_key(getattr(settings, "EMIS_HASH_KEY", "") or "", "EMIS_HASH_KEY")
    if len(key) < 32:
        raise ImproperlyConfigured("EMIS_HASH_KEY must be set to at least 32 random bytes, base64")
    return key


@receiver(setting_changed)
def _forget_keys(setting, **kwargs):
    if setting in ("EMIS_DATA_KEYS", "EMIS_HASH_KEY"):
        _raw_keys.cache_clear()
        _keys.cache_clear()
        _hash_key.cache_clear()
        _hmac_states.cache_clear()


def check_keys() -> None:
    """Raise ImproperlyConfigured now rather than at the first ID number (used at start-up)."""
    _keys()
    _hash_key()


def check_configuration(app_configs=None, **kwargs):
    """System check (every manage.py command, the server): the keys are present and well formed."""
    from django.core.checks import Error

    try:
        check_keys()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), hint="See docs/security.md: ID numbers at rest.", id="emis.E001")]
    return []


def current_key_id() -> str:
    return _keys()[0]


def normalize(value: str) -> str:
    """The form a number is hashed in: 身份证号 end in X in either case, 学籍号 start with a letter."""
    return value.strip().upper()


def is_token(value) -> bool:
    return isinstance(value, str) and SEPARATOR in value


def token_key_id(token: str) -> str:
    return token.partition(SEPARATOR)[0]


def encrypt(value: str) -> str:
    kid, keys = _keys()
    nonce = os.urandom(NONCE_BYTES)
    sealed = keys[kid].encrypt(nonce, value.encode(), None)
    return kid + SEPARATOR + base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode()


def seal_many(values: list) -> list:
    """seal() over a column of values, with the key looked up and the nonces drawn once (the bulk writers)."""
    kid, keys = _keys()
    encrypt_with, prefix = keys[kid].encrypt, kid + SEPARATOR
    nonces = os.urandom(NONCE_BYTES * len(values))
    b2a, urlsafe = binascii.b2a_base64, _URLSAFE
    out = []
    for i, value in enumerate(values):
        if value is None or value == "" or (isinstance(value, str) and SEPARATOR in value and _written_token(value)):
            out.append(value)
            continue
        nonce = nonces[i * NONCE_BYTES : (i + 1) * NONCE_BYTES]
        sealed = b2a(nonce + encrypt_with(nonce, str(value).encode(), None), newline=False)
        out.append(prefix + sealed.translate(urlsafe).rstrip(b"=").decode())
    return out


def decrypt(token: str) -> str:
    kid, sep, body = token.partition(SEPARATOR)
    key = _keys()[1].get(kid)
    if not sep or key is None:
        raise DecryptionError(f"no data key {kid!r} for a stored ID number (EMIS_DATA_KEYS)")
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return key.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode()
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise DecryptionError(f"a stored ID number does not open with data key {kid!r}") from exc


def _written_token(value) -> bool:
    """A value about to be written that is already one of our tokens (rollback, rotation): kept as it is. Anything
    else with a "$" in it (a value that escaped validation) is plain text to encrypt, never stored as given."""
    if not is_token(value):
        return False
    try:
        decrypt(value)
    except DecryptionError:
        return False
    return True


def _plain_for_writing(value: str) -> str:
    return decrypt(value) if _written_token(value) else value


def reveal_many(values) -> list:
    """reveal() over a column of values, with the keys read once and the base64 decoded in C (the importers open
    a chunk's stored ID numbers to compare them with the file's). The same values and errors as reveal()."""
    keys = _keys()[1]
    a2b, from_urlsafe = binascii.a2b_base64, _FROM_URLSAFE
    out = []
    for value in values:
        if not (isinstance(value, str) and SEPARATOR in value):
            out.append(value)
            continue
        kid, _sep, body = value.partition(SEPARATOR)
        key = keys.get(kid)
        if key is None:
            raise DecryptionError(f"no data key {kid!r} for a stored ID number (EMIS_DATA_KEYS)")
        try:
            # bytes.translate with a 256-byte table: str.translate looks each character up in a dict, a third of
            # this loop's time.
            raw = a2b((body + "=" * (-len(body) % 4)).encode("ascii").translate(from_urlsafe))
            out.append(key.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode())
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise DecryptionError(f"a stored ID number does not open with data key {kid!r}") from exc
    return out


def seal(value):
    """Token for a stored value: None and "" stay as they are, a token is kept (already sealed)."""
    if value is None or value == "" or _written_token(value):
        return value
    return encrypt(str(value))


def reveal(value):
    """Plain value of a token; anything else (None, "", a value written before encryption) as it is."""
    return decrypt(value) if is_token(value) else value


def blind_index(value):
    """HMAC-SHA256 of the normalised value (128 bits, base64url); None for no value (NULLs stay out of uniqueness)."""
    if value is None or value == "":
        return None
    value = _plain_for_writing(value)
    return _b64(hmac.digest(_hash_key(), normalize(value).encode(), "sha256")[:HASH_BYTES])


def blind_indexes(values) -> list:
    """blind_index over many values, with the key read once (the importers hash a whole file). Inside
    `blind_indexes_remembered`, a value hashed once is not hashed again."""
    memo = _remembered.get()
    if memo is None:
        return _blind_indexes(values)
    values = list(values)
    new = [v for v in dict.fromkeys(values) if v not in memo]
    if new:
        memo.update(zip(new, _blind_indexes(new), strict=True))
    return [memo[v] for v in values]


def _blind_indexes(values) -> list:
    # The same HMAC as blind_index's hmac.digest, from the key's padded states hashed once: hmac.digest starts from
    # the key for every value, which is half the cost of hashing an import's two million numbers.
    inner, outer = _hmac_states()
    inner_copy, outer_copy, size, b2a = inner.copy, outer.copy, HASH_BYTES, binascii.b2a_base64
    out = []
    for v in values:
        if v is None or v == "":
            out.append(None)
            continue
        if SEPARATOR in v:
            v = _plain_for_writing(v)
        digest = inner_copy()
        digest.update(v.strip().upper().encode())
        mac = outer_copy()
        mac.update(digest.digest())
        out.append(b2a(mac.digest()[:size], newline=False).translate(_URLSAFE).rstrip(b"=").decode())
    return out


@functools.cache
def _hmac_states():
    """SHA-256 with the hash key's inner and outer pads already fed (RFC 2104), to be copied for each value."""
    key = _hash_key()
    if len(key) > _SHA256_BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_SHA256_BLOCK, b"\0")
    return hashlib.sha256(key.translate(_INNER_PAD)), hashlib.sha256(key.translate(_OUTER_PAD))


_SHA256_BLOCK = 64
_INNER_PAD = bytes(byte ^ 0x36 for byte in range(256))
_OUTER_PAD = bytes(byte ^ 0x5C for byte in range(256))


_remembered: contextvars.ContextVar[dict | None] = contextvars.ContextVar("blind_indexes_remembered", default=None)


@contextlib.contextmanager
def blind_indexes_remembered():
    """blind_indexes remembers each value's hash while inside: an import hashes a chunk's ID numbers and 学籍号
    to look their students up, then again to write them (400,000 HMACs for 100,000 pupils, half of them repeats).
    The import engine enters it per chunk, so the memory it holds is one chunk's."""
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def generate_key() -> str:
    """A new random 32-byte key, base64 (for EMIS_DATA_KEYS or EMIS_HASH_KEY)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()
