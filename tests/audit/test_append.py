import pytest

from pingan.audit.chain import GENESIS_HASH, hash_of
from pingan.audit.models import AuditRecord
from pingan.audit.services import audit_log
from tests.factories import make_actor


@pytest.mark.django_db
def test_records_link_into_a_chain():
    actor = make_actor()
    first = audit_log(actor=actor, action="test.one", detail={"n": 1, "t": (1, 2)})
    second = audit_log(actor=None, action="login.failed", username="nobody", outcome="denied")
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    for stored in AuditRecord.objects.all():
        assert hash_of(stored) == stored.hash
