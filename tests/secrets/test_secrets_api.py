"""tenantdb.secrets: envelope encryption, keyed hashes and key rings, without a database.

Every failure is a TenantdbError whose text, repr, hint and JSON details carry neither the plaintext nor key
material."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from tenantdb.errors import TenantdbError
from tenantdb.secrets import (
    KeyPurpose,
    KeyRing,
    Sealed,
    SecretKeyInvalid,
    SecretKeyMissing,
    SecretTampered,
    UnknownSecretKey,
    decrypt,
    encrypt,
    generate_key,
    keyed_hash,
    keyed_hashes,
    load_keyring,
    parse_keys,
    rewrap,
    verify,
)

PLAINTEXT = "pm_1QSecretPaymentMethodToken"
KEY_A = bytes(range(32))
KEY_B = bytes(range(32, 64))
MAC_KEY = bytes(range(64, 96))


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def ring(*entries: str) -> KeyRing:
    return parse_keys("\n".join(entries), source="test")


ONE = ring(f"enc:a:{b64(KEY_A)}", f"mac:m1:{b64(MAC_KEY)}")
ROTATED = ring(f"enc:a:{b64(KEY_A)}", f"enc:b:{b64(KEY_B)}:current", f"mac:m1:{b64(MAC_KEY)}")


def assert_no_leak(error: BaseException, *secrets: str | bytes) -> None:
    texts = [str(error), repr(error), str(getattr(error, "hint", "")), json.dumps(getattr(error, "details", dict)())]
    forbidden = [s if isinstance(s, str) else b64(s) for s in (PLAINTEXT, KEY_A, KEY_B, MAC_KEY, *secrets)]
    for text in texts:
        for secret in forbidden:
            assert secret not in text
    assert isinstance(error, TenantdbError)
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__  # no chained driver error to print


def test_a_value_round_trips_and_the_ciphertext_names_the_current_key() -> None:
    sealed = encrypt(PLAINTEXT, ONE)
    assert sealed.key_id == "a"
    assert PLAINTEXT.encode() not in sealed.ciphertext
    assert decrypt(sealed, ONE) == PLAINTEXT
    assert decrypt(Sealed(ciphertext=sealed.ciphertext, key_id=sealed.key_id), ONE) == PLAINTEXT
    assert encrypt(PLAINTEXT, ONE).ciphertext != sealed.ciphertext  # fresh data key and nonces each time
    assert decrypt(encrypt(b"\x00\xff", ONE), ONE, binary=True) == b"\x00\xff"


def test_a_new_value_uses_the_key_marked_current_and_old_values_stay_readable() -> None:
    old = encrypt(PLAINTEXT, ONE)
    new = encrypt(PLAINTEXT, ROTATED)
    assert new.key_id == "b"
    assert decrypt(old, ROTATED) == PLAINTEXT


@pytest.mark.parametrize("where", ["version", "wrap nonce", "wrapped key", "data nonce", "data", "tag"])
def test_a_tampered_byte_anywhere_is_refused_without_leaking(where: str) -> None:
    sealed = encrypt(PLAINTEXT, ONE)
    offset = {"version": 0, "wrap nonce": 1, "wrapped key": 20, "data nonce": 62, "data": 75, "tag": -1}[where]
    tampered = bytearray(sealed.ciphertext)
    tampered[offset] ^= 0x01
    with pytest.raises(SecretTampered) as caught:
        decrypt(Sealed(ciphertext=bytes(tampered), key_id="a"), ONE)
    assert_no_leak(caught.value)


def test_a_truncated_ciphertext_is_refused() -> None:
    sealed = encrypt(PLAINTEXT, ONE)
    with pytest.raises(SecretTampered):
        decrypt(Sealed(ciphertext=sealed.ciphertext[:40], key_id="a"), ONE)


def test_a_ciphertext_relabelled_with_another_key_id_is_refused() -> None:
    sealed = encrypt(PLAINTEXT, ONE)
    with pytest.raises(SecretTampered) as caught:
        decrypt(Sealed(ciphertext=sealed.ciphertext, key_id="b"), ROTATED)
    assert_no_leak(caught.value)


def test_the_wrong_key_under_the_right_id_is_refused() -> None:
    sealed = encrypt(PLAINTEXT, ONE)
    impostor = ring(f"enc:a:{b64(KEY_B)}")
    with pytest.raises(SecretTampered) as caught:
        decrypt(sealed, impostor)
    assert_no_leak(caught.value)


def test_an_unknown_key_id_names_the_id_and_says_what_to_do() -> None:
    sealed = encrypt(PLAINTEXT, ROTATED)
    with pytest.raises(UnknownSecretKey) as caught:
        decrypt(sealed, ONE)
    assert caught.value.key_id == "b"
    assert "'b'" in str(caught.value)
    assert caught.value.hint and "TENANTDB_SECRET_KEYS" in caught.value.hint
    assert_no_leak(caught.value)


def test_rewrap_moves_a_value_to_the_current_key_keeping_its_plaintext() -> None:
    old = encrypt(PLAINTEXT, ONE)
    new = rewrap(old, ROTATED)
    assert new.key_id == "b"
    assert new.ciphertext != old.ciphertext
    assert decrypt(new, ring(f"enc:b:{b64(KEY_B)}")) == PLAINTEXT
    assert rewrap(new, ROTATED) == new  # already current: unchanged


def test_rewrap_refuses_a_tampered_value() -> None:
    tampered = bytearray(encrypt(PLAINTEXT, ONE).ciphertext)
    tampered[-3] ^= 0x80
    with pytest.raises(SecretTampered):
        rewrap(Sealed(ciphertext=bytes(tampered), key_id="a"), ROTATED)


def test_keyed_hash_is_deterministic_and_verify_compares_with_every_hash_key() -> None:
    digest = keyed_hash("4242-fingerprint", ONE)
    assert len(digest) == 32
    assert digest == keyed_hash("4242-fingerprint", ONE)
    assert verify("4242-fingerprint", digest, ONE)
    assert not verify("4243-fingerprint", digest, ONE)
    assert not verify("4242-fingerprint", digest[:-1], ONE)
    newer = ring(f"enc:a:{b64(KEY_A)}", f"mac:m1:{b64(MAC_KEY)}", f"mac:m2:{b64(KEY_B)}:current")
    assert keyed_hash("4242-fingerprint", newer) != digest
    assert verify("4242-fingerprint", digest, newer)  # hashes made before the hash key rotated still verify
    assert keyed_hashes("4242-fingerprint", newer) == (keyed_hash("4242-fingerprint", newer), digest)


def test_the_hash_key_is_separate_from_the_encryption_keys() -> None:
    with pytest.raises(SecretKeyInvalid) as caught:
        ring(f"enc:a:{b64(KEY_A)}", f"mac:m:{b64(KEY_A)}")
    assert_no_leak(caught.value)
    with pytest.raises(SecretKeyMissing) as missing:
        keyed_hash("x", ring(f"enc:a:{b64(KEY_A)}"))
    assert "mac" in str(missing.value)
    with pytest.raises(SecretKeyMissing):
        encrypt(PLAINTEXT, ring(f"mac:m:{b64(MAC_KEY)}"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"enc:a:{b64(KEY_A[:16])}", "16 bytes"),
        ("enc:a:not*base64!", "base64"),
        (b64(KEY_A), "expected <purpose>:<id>:<base64 key>"),
        (f"aes:a:{b64(KEY_A)}", "purpose"),
        (f"enc:bad id:{b64(KEY_A)}", "id"),
        (f"enc:a:{b64(KEY_A)}\nenc:a:{b64(KEY_B)}", "twice"),
        (f"enc:a:{b64(KEY_A)}\nenc:b:{b64(KEY_B)}", "current"),
        (f"enc:a:{b64(KEY_A)}:current\nenc:b:{b64(KEY_B)}:current", "current"),
        (f"enc:a:{b64(KEY_A)}:newest", "current"),
    ],
)
def test_a_bad_key_spec_is_a_clear_error_without_key_material(text: str, expected: str) -> None:
    with pytest.raises(SecretKeyInvalid) as caught:
        parse_keys(text, source="TENANTDB_SECRET_KEYS")
    assert expected in str(caught.value)
    assert "TENANTDB_SECRET_KEYS" in str(caught.value)
    assert_no_leak(caught.value, KEY_A[:16].hex())


def test_keys_never_show_in_a_repr() -> None:
    assert b64(KEY_A) not in repr(ROTATED)
    assert KEY_A.hex() not in repr(ROTATED)
    assert str(KEY_A) not in repr(ROTATED)
    assert PLAINTEXT not in repr(encrypt(PLAINTEXT, ONE))


def test_comments_blank_lines_and_commas_separate_entries() -> None:
    keys = parse_keys(f"# keys\n\nenc:a:{b64(KEY_A)} , mac:m1:{b64(MAC_KEY)}\n", source="test")
    assert keys.current(KeyPurpose.ENCRYPT).key_id == "a"
    assert keys.current(KeyPurpose.HASH).key_id == "m1"


def test_the_environment_variable_or_a_private_key_file_provides_the_keys(tmp_path: Path) -> None:
    spec = f"enc:a:{b64(KEY_A)}\nmac:m1:{b64(MAC_KEY)}\n"
    assert load_keyring({"TENANTDB_SECRET_KEYS": spec}).current(KeyPurpose.ENCRYPT).key_id == "a"
    path = tmp_path / "keys"
    path.write_text(spec)
    path.chmod(0o600)
    assert load_keyring({"TENANTDB_SECRET_KEYS_FILE": str(path)}).current(KeyPurpose.HASH).key_id == "m1"
    with pytest.raises(SecretKeyInvalid) as both:
        load_keyring({"TENANTDB_SECRET_KEYS": spec, "TENANTDB_SECRET_KEYS_FILE": str(path)})
    assert_no_leak(both.value)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_world_readable_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_text(f"enc:a:{b64(KEY_A)}\n")
    path.chmod(0o644)
    with pytest.raises(SecretKeyInvalid) as caught:
        load_keyring({"TENANTDB_SECRET_KEYS_FILE": str(path)})
    assert "readable by every user" in str(caught.value)
    assert caught.value.hint and "chmod 600" in caught.value.hint
    assert_no_leak(caught.value)


def test_missing_keys_and_a_missing_key_file_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(SecretKeyMissing) as caught:
        load_keyring({})
    assert "TENANTDB_SECRET_KEYS" in str(caught.value)
    assert caught.value.hint and "tenantdb keys generate" in caught.value.hint
    with pytest.raises(SecretKeyMissing):
        load_keyring({"TENANTDB_SECRET_KEYS_FILE": str(tmp_path / "absent")})


def test_a_generated_key_is_a_valid_entry_of_its_purpose() -> None:
    entry = generate_key(KeyPurpose.ENCRYPT, "2027-01")
    keys = parse_keys(entry, source="test")
    assert keys.current(KeyPurpose.ENCRYPT).key_id == "2027-01"
    assert generate_key(KeyPurpose.ENCRYPT, "2027-01") != entry
    assert parse_keys(generate_key(KeyPurpose.HASH, "h1", current=True), source="t").current(KeyPurpose.HASH)
