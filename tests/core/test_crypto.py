import base64
import json
import stat

import pytest
from django.core.exceptions import ImproperlyConfigured

from pingan.core import crypto, keys
from pingan.core.crypto import DecryptionError, blind_index, decrypt, encrypt, key_id_of


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_roundtrip_uses_fresh_nonces_and_names_the_key(settings):
    one, two = encrypt("530623199001011234"), encrypt("530623199001011234")
    assert one != two
    assert decrypt(one) == decrypt(two) == "530623199001011234"
    doc = json.loads(settings.PINGAN_DATA_KEY_FILE.read_text())
    assert one.startswith(f"v1:{doc['primary']}:")
    assert key_id_of(one) == doc["primary"]
    assert decrypt(encrypt("张三丰 ✓")) == "张三丰 ✓"


def test_key_file_is_created_private_and_complete(settings):
    path = settings.PINGAN_DATA_KEY_FILE
    assert not path.exists()
    encrypt("x")
    assert _mode(path) == 0o600
    doc = json.loads(path.read_text())
    assert set(doc) == {"primary", "keys", "index"}
    assert len(base64.b64decode(doc["keys"][doc["primary"]])) == 32
    assert len(base64.b64decode(doc["index"])) == 32
    assert doc["keys"][doc["primary"]] != doc["index"]
    # no temp files left behind
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_second_creator_does_not_overwrite_the_key_file(settings):
    path = settings.PINGAN_DATA_KEY_FILE
    assert keys.create_key_file(path) is True
    first = path.read_text()
    assert keys.create_key_file(path) is False
    assert path.read_text() == first
    assert _mode(path) == 0o600


def test_rewritten_key_file_stays_private(settings):
    path = settings.PINGAN_DATA_KEY_FILE
    path.write_text("stale")
    path.chmod(0o644)
    keys.write_key_file(path, keys.new_key_document())
    assert _mode(path) == 0o600


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda t: t[:-6] + ("A" if t[-6] != "A" else "B") + t[-5:], id="body"),
        pytest.param(lambda t: t[:20] + ("A" if t[20] != "A" else "B") + t[21:], id="nonce"),
        pytest.param(lambda t: t.rsplit(":", 1)[0] + ":" + t.rsplit(":", 1)[1][:20], id="cut"),
    ],
)
def test_tampered_ciphertext_is_rejected(mutate):
    token = encrypt("13812345678")
    with pytest.raises(DecryptionError, match="密文"):
        decrypt(mutate(token))


def test_relabelled_key_id_is_rejected(settings):
    token = encrypt("secret")
    doc = json.loads(settings.PINGAN_DATA_KEY_FILE.read_text())
    # Same key bytes under a second id: the key id is authenticated data, so it still fails.
    doc["keys"]["other"] = doc["keys"][doc["primary"]]
    keys.write_key_file(settings.PINGAN_DATA_KEY_FILE, doc)
    crypto.reset_keyring_cache()
    relabelled = token.replace(f":{doc['primary']}:", ":other:", 1)
    with pytest.raises(DecryptionError, match="密文校验失败"):
        decrypt(relabelled)


@pytest.mark.parametrize(
    "token",
    ["", "plain text", "v2:k1:AAAA", "v1:k1", "v1:k1:not base64!", "v1:k1:QUJD"],
)
def test_malformed_ciphertext_is_rejected(token):
    encrypt("load the ring")
    with pytest.raises(DecryptionError):
        decrypt(token)


def test_unknown_key_id_is_rejected():
    token = encrypt("secret")
    kid = key_id_of(token)
    with pytest.raises(DecryptionError, match="unknown key id 'nokey'"):
        decrypt(token.replace(f":{kid}:", ":nokey:", 1))


def test_key_file_rotated_by_another_process_is_picked_up(settings):
    old = encrypt("before")
    path = settings.PINGAN_DATA_KEY_FILE
    doc = json.loads(path.read_text())
    doc["keys"]["k2"] = keys.new_key()
    doc["primary"] = "k2"
    keys.write_key_file(path, doc)  # as `rotate-data-key` in another process would
    # A value under the new key is readable at once, without waiting for the recheck.
    other_process_token = f"v1:k2:{_seal(doc['keys']['k2'], 'k2', 'after')}"
    assert decrypt(other_process_token) == "after"
    assert key_id_of(encrypt("new")) == "k2"
    assert decrypt(old) == "before"


def _seal(key_b64: str, kid: str, text: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = b"\x01" * 12
    sealed = AESGCM(base64.b64decode(key_b64)).encrypt(nonce, text.encode(), kid.encode())
    return base64.b64encode(nonce + sealed).decode()


def test_primary_change_is_seen_after_the_recheck_interval(settings, monkeypatch):
    encrypt("load")
    path = settings.PINGAN_DATA_KEY_FILE
    doc = json.loads(path.read_text())
    doc["keys"]["k9"] = keys.new_key()
    doc["primary"] = "k9"
    keys.write_key_file(path, doc)
    clock = [crypto._cache.checked_at + crypto.RECHECK_SECONDS / 2]
    monkeypatch.setattr(crypto.time, "monotonic", lambda: clock[0])
    assert key_id_of(encrypt("soon")) != "k9"  # cached ring, within the interval
    clock[0] += crypto.RECHECK_SECONDS
    assert key_id_of(encrypt("later")) == "k9"


def test_bare_env_key(settings):
    raw = base64.b64encode(b"\x07" * 32).decode()
    settings.PINGAN_DATA_KEY = raw
    crypto.reset_keyring_cache()
    token = encrypt("x")
    assert token.startswith("v1:env:")
    assert decrypt(token) == "x"
    assert not settings.PINGAN_DATA_KEY_FILE.exists()
    # The index key is derived from the env key: stable across restarts, not the data key.
    index = blind_index("x", "test")
    crypto.reset_keyring_cache()
    assert blind_index("x", "test") == index
    ring = crypto.current_keyring()
    assert ring.index != ring.keys["env"]


def test_json_env_document(settings):
    doc = keys.new_key_document()
    settings.PINGAN_DATA_KEY = json.dumps(doc)
    crypto.reset_keyring_cache()
    assert key_id_of(encrypt("x")) == doc["primary"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (base64.b64encode(b"short").decode(), "must be 32 bytes"),
        ("not-base64-at-all!", "not valid base64"),
        ('{"primary": "k1", "keys": {}}', "expected"),
        ('{"primary": "k2", "keys": {"k1": "%s"}, "index": "%s"}', "primary key id 'k2'"),
        ('{"primary": "a:b", "keys": {"a:b": "%s"}, "index": "%s"}', "invalid key id"),
        ('{"primary": "k1", "keys": {"k1": "%s"}}', "missing the blind index key"),
        ("{broken", "invalid JSON"),
    ],
)
def test_bad_key_configuration_is_a_clear_error(settings, value, message):
    key = base64.b64encode(b"\x01" * 32).decode()
    settings.PINGAN_DATA_KEY = value.replace("%s", key)
    crypto.reset_keyring_cache()
    with pytest.raises(ImproperlyConfigured, match=message):
        encrypt("x")


def test_blind_index_is_deterministic_and_separated_by_purpose():
    a = blind_index("530623199001011234", "id_number")
    assert a == blind_index("530623199001011234", "id_number")
    assert len(a) == 64
    assert a != blind_index("530623199001011234", "phone")
    assert a != blind_index("530623199001011235", "id_number")
    with pytest.raises(ValueError, match="purpose"):
        blind_index("x", "")


def test_blind_index_depends_on_the_index_key(settings, tmp_path):
    first = blind_index("x", "test")
    settings.PINGAN_DATA_KEY_FILE = tmp_path / "other" / "data-key.txt"
    crypto.reset_keyring_cache()
    assert blind_index("x", "test") != first
