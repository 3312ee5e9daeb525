"""Matter catalogue admin: editable by system admins, validated, audited."""

import pytest

from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from pingan.flow.models import MatterLimit
from tests.accounts.factories import sign_in
from tests.factories import make_actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client):
    actor = make_actor(Role.SYSTEM_ADMIN, "990101")
    sign_in(client, actor)
    return actor


def form(limit, **changes):
    data = {
        "case_type": limit.case_type,
        "category_code": limit.category_code,
        "urgency": limit.urgency,
        "note": limit.note,
        **{
            f"{k}_{p}": str(getattr(limit, f"{k}_{p}"))
            for k in ("accept", "handle", "verify")
            for p in ("amount", "unit")
        },
    }
    data.update(changes)
    return data


def test_change_limit_through_admin_is_validated_and_audited(client, root):
    limit = MatterLimit.objects.get(case_type="event", category_code="02", urgency="low")
    url = f"/admin/flow/matterlimit/{limit.pk}/change/"
    assert client.get(url).status_code == 200
    bad = client.post(url, form(limit, handle_amount="2.5", handle_unit="working_days"))
    assert bad.status_code == 200
    assert "以天计的时限必须是整数天；不足一天请用小时。" in bad.content.decode()
    limit.refresh_from_db()
    assert str(limit.handle_amount) == "7.00"
    ok = client.post(url, form(limit, handle_amount="10", handle_unit="working_days"))
    assert ok.status_code == 302
    limit.refresh_from_db()
    assert str(limit.handle_amount) == "10.00"
    record = AuditRecord.objects.get(action="flow.matter_limit_change")
    assert record.detail["handle"] == "10 working_days"


def test_cases_are_not_in_the_admin(client, root):
    # Scoped data: the three administrators see no cases (三员分立).
    assert client.get("/admin/flow/case/").status_code == 404
    assert client.get("/admin/flow/caseaction/").status_code == 404


def test_non_system_admin_has_no_access(client):
    staff = make_actor(Role.COUNTY_OPERATOR, "990101")
    staff.user.is_staff = True
    staff.user.save()
    sign_in(client, staff)
    assert client.get("/admin/flow/matterlimit/").status_code == 403
