"""Event categories are editable data in the admin; cycles are refused; changes audited."""

import pytest

from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from pingan.events.models import EventCategory
from tests.accounts.factories import sign_in
from tests.factories import make_actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client):
    actor = make_actor(Role.SYSTEM_ADMIN, "990101")
    sign_in(client, actor)
    return actor


def test_add_category_and_refuse_a_cycle(client, root):
    response = client.post(
        "/admin/events/eventcategory/add/",
        {"code": "0229", "name": "养犬纠纷", "parent": "02", "sort": "229", "active": "on"},
    )
    assert response.status_code == 302
    assert EventCategory.objects.get(code="0229").parent_id == "02"
    assert AuditRecord.objects.filter(action="events.category_create", object_id="0229").exists()
    cycle = client.post(
        "/admin/events/eventcategory/02/change/",
        {"name": "矛盾劝解", "parent": "0229", "sort": "200", "active": "on"},
    )
    assert cycle.status_code == 200
    assert "上级类别不能是自身或其下级。" in cycle.content.decode()
    assert EventCategory.objects.get(code="02").parent_id is None
