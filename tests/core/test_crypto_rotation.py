import base64
import io
import json
import stat

import pytest
from django.core.exceptions import FieldError
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.test.utils import isolate_apps

from pingan.core import crypto, keys
from pingan.core.crypto import EncryptedTextField, blind_index, encrypt, key_id_of
from pingan.core.keyrotation import (
    RotationRefused,
    encrypted_fields,
    env_document_with_new_key,
    rotate_data_key,
)


@pytest.fixture
def vault(transactional_db):
    """A real table with encrypted columns, outside the installed apps (no migration)."""
    with isolate_apps("pingan.core"):

        class Vault(models.Model):
            secret = EncryptedTextField(null=True, blank=True)
            note = EncryptedTextField(blank=True, default="")
            plain = models.CharField(max_length=20, blank=True)

            class Meta:
                app_label = "core"
                db_table = "test_core_vault"

            def __str__(self) -> str:
                return f"vault {self.pk}"

    with connection.schema_editor() as editor:
        editor.create_model(Vault)
    yield Vault
    with connection.schema_editor() as editor:
        editor.delete_model(Vault)


def _raw(model, pk, column="secret"):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _doc(settings):
    return json.loads(settings.PINGAN_DATA_KEY_FILE.read_text())


def test_field_stores_ciphertext_and_reads_plaintext(vault):
    row = vault.objects.create(secret="530623199001011234", note="备注", plain="p")
    stored = _raw(vault, row.pk)
    assert stored.startswith("v1:") and "5306" not in stored
    row = vault.objects.get(pk=row.pk)
    assert (row.secret, row.note) == ("530623199001011234", "备注")
    empty = vault.objects.create(secret=None, note="")
    assert _raw(vault, empty.pk) is None
    assert _raw(vault, empty.pk, "note") == ""


def test_queries_on_encrypted_columns_are_refused(vault):
    vault.objects.create(secret="a", note="n")
    vault.objects.create(secret=None, note="")
    with pytest.raises(FieldError, match="盲索引"):
        list(vault.objects.filter(secret="a"))
    with pytest.raises(FieldError, match="盲索引"):
        list(vault.objects.filter(secret__startswith="a"))
    with pytest.raises(FieldError, match="盲索引"):
        list(vault.objects.filter(secret__in=["a"]))
    assert vault.objects.filter(secret__isnull=True).count() == 1
    assert vault.objects.filter(secret=None).count() == 1
    assert vault.objects.filter(note="").count() == 1


def test_discovers_encrypted_fields(vault):
    assert [(m, f.name) for m, f in encrypted_fields([vault])] == [
        (vault, "secret"),
        (vault, "note"),
    ]


def test_rotation_reencrypts_everything_and_retires_the_old_key(vault, settings):
    rows = [vault.objects.create(secret=f"3301{i:04d}", note=f"n{i}") for i in range(7)]
    empty = vault.objects.create(secret=None, note="")
    old_kid = _doc(settings)["primary"]
    old_key = _doc(settings)["keys"][old_kid]
    index_before = blind_index("33010003", "id_number")

    report = rotate_data_key(models=[vault], batch_size=3)

    doc = _doc(settings)
    new_kid = doc["primary"]
    assert report.added == new_kid != old_kid
    assert report.reencrypted == 14
    assert report.failures == []
    assert report.retired == [old_kid]
    assert list(doc["keys"]) == [new_kid]
    for row in rows:
        assert key_id_of(_raw(vault, row.pk)) == new_kid
        assert key_id_of(_raw(vault, row.pk, "note")) == new_kid
    assert _raw(vault, empty.pk) is None
    crypto.reset_keyring_cache()
    assert [r.secret for r in vault.objects.order_by("pk")] == [
        *(f"3301{i:04d}" for i in range(7)),
        None,
    ]
    # Blind indexes use the separate index key: unchanged by rotation.
    assert blind_index("33010003", "id_number") == index_before
    # The retired key is archived (mode 0600) for restoring older backups.
    assert report.archive.parent == settings.PINGAN_DATA_KEY_FILE.parent
    assert stat.S_IMODE(report.archive.stat().st_mode) == 0o600
    archived = json.loads(report.archive.read_text())
    assert archived["keys"] == {old_kid: old_key}
    assert archived["index"] == doc["index"]

    # A second rotation retires the first new key as well.
    again = rotate_data_key(models=[vault])
    assert again.retired == [new_kid]
    assert again.reencrypted == 14


def test_rotation_command(vault, settings):
    vault.objects.create(secret="s")
    old_kid = _doc(settings)["primary"]
    call_command("rotate-data-key", stdout=(out := io.StringIO()))
    assert "新主密钥" in out.getvalue()
    assert f"已停用旧密钥: {old_kid}" in out.getvalue()
    assert old_kid not in _doc(settings)["keys"]


def test_undecryptable_value_keeps_the_old_key(vault, settings):
    good = vault.objects.create(secret="good")
    bad = vault.objects.create(secret="bad")
    token = _raw(vault, bad.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {vault._meta.db_table} SET secret = %s WHERE id = %s",
            [token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB"), bad.pk],
        )
    old_kid = _doc(settings)["primary"]
    report = rotate_data_key(models=[vault])
    assert report.reencrypted == 1
    assert len(report.failures) == 1
    assert f"pk={bad.pk}" in report.failures[0]
    assert report.retired == []
    assert report.still_used == [old_kid]
    assert old_kid in _doc(settings)["keys"]
    assert key_id_of(_raw(vault, good.pk)) == _doc(settings)["primary"]


def test_interrupted_rotation_resumes_with_reencrypt_only(vault, settings):
    row = vault.objects.create(secret="s")
    old_kid = _doc(settings)["primary"]
    # Simulate a crash after the new key was added but before re-encryption.
    doc = _doc(settings)
    doc["keys"]["k2"] = keys.new_key()
    doc["primary"] = "k2"
    keys.write_key_file(settings.PINGAN_DATA_KEY_FILE, doc)
    crypto.reset_keyring_cache()
    report = rotate_data_key(models=[vault], reencrypt_only=True)
    assert report.added is None
    assert report.reencrypted == 1
    assert report.retired == [old_kid]
    assert key_id_of(_raw(vault, row.pk)) == "k2"


def test_env_key_rotation_is_refused_with_instructions(vault, settings):
    settings.PINGAN_DATA_KEY = base64.b64encode(b"\x05" * 32).decode()
    crypto.reset_keyring_cache()
    with pytest.raises(RotationRefused, match="--print-env-document"):
        rotate_data_key(models=[vault])
    with pytest.raises(CommandError, match="PINGAN_DATA_KEY"):
        call_command("rotate-data-key")


def test_env_key_rotation_flow(vault, settings):
    settings.PINGAN_DATA_KEY = base64.b64encode(b"\x05" * 32).decode()
    crypto.reset_keyring_cache()
    row = vault.objects.create(secret="s")
    index_before = blind_index("s", "t")
    out = io.StringIO()
    call_command("rotate-data-key", "--print-env-document", stdout=out)
    document = json.loads(out.getvalue())
    assert set(document["keys"]) == {"env", document["primary"]}
    settings.PINGAN_DATA_KEY = out.getvalue()  # the operator sets it and restarts
    crypto.reset_keyring_cache()
    assert blind_index("s", "t") == index_before
    report = rotate_data_key(models=[vault], reencrypt_only=True)
    assert report.reencrypted == 1
    assert report.unused_env_keys == ["env"]
    assert key_id_of(_raw(vault, row.pk)) == document["primary"]
    assert vault.objects.get(pk=row.pk).secret == "s"


def test_print_env_document_needs_an_env_key(settings):
    with pytest.raises(CommandError, match="只用于 PINGAN_DATA_KEY"):
        call_command("rotate-data-key", "--print-env-document")
    settings.PINGAN_DATA_KEY = base64.b64encode(b"\x05" * 32).decode()
    assert env_document_with_new_key()["keys"]["env"] == settings.PINGAN_DATA_KEY


def test_values_written_under_a_stale_primary_are_still_rotated(vault, settings):
    """A process that had not noticed the new key yet writes under the old one; the
    re-encryption pass and the in-use check catch it, so no value is left unreadable."""
    row = vault.objects.create(secret="early")
    old_kid = _doc(settings)["primary"]
    old_token = encrypt("late")  # encrypted before the rotation ...
    report = rotate_data_key(models=[vault])
    assert report.retired == [old_kid]
    # ... had it been stored after the pass, the next run would find and keep the key:
    crypto.reset_keyring_cache()
    doc = json.loads(report.archive.read_text())
    current = _doc(settings)
    current["keys"][old_kid] = doc["keys"][old_kid]
    keys.write_key_file(settings.PINGAN_DATA_KEY_FILE, current)
    crypto.reset_keyring_cache()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {vault._meta.db_table} SET note = %s", [old_token])
    resumed = rotate_data_key(models=[vault], reencrypt_only=True)
    assert resumed.reencrypted == 1
    assert resumed.retired == [old_kid]
    assert vault.objects.get(pk=row.pk).note == "late"


def test_keys_still_used_by_other_installed_models_are_kept(vault, settings):
    from pingan.accounts.models import TwoFactorDevice
    from tests.factories import UserFactory

    device = TwoFactorDevice.objects.create(user=UserFactory(), secret="JBSWY3DPEHPK3PXP")
    vault.objects.create(secret="v")
    old_kid = _doc(settings)["primary"]

    partial = rotate_data_key(models=[vault])
    assert partial.reencrypted == 1
    assert partial.retired == []
    assert partial.still_used == [old_kid]  # the TOTP secret still needs it
    assert old_kid in _doc(settings)["keys"]

    # Every installed model. The test-only vault is not one, so the key that only it
    # uses counts as unused here.
    full = rotate_data_key()
    assert "accounts.TwoFactorDevice.secret" in [c.label for c in full.columns]
    assert full.failures == []
    assert sorted(full.retired) == sorted({old_kid, partial.primary})
    crypto.reset_keyring_cache()
    device.refresh_from_db()
    assert device.secret == "JBSWY3DPEHPK3PXP"
    assert key_id_of(_raw(TwoFactorDevice, device.pk)) == full.primary
