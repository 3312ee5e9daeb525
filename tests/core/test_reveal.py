import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.test.utils import isolate_apps

from pingan.accounts.gates import DepartmentTypeCode, RecordKind
from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from pingan.audit.verify import verify_chain
from pingan.core.crypto import EncryptedTextField
from pingan.core.reveal import reveal_field, revealable_fields
from tests.factories import DepartmentFactory, DepartmentTypeFactory, make_actor

pytestmark = pytest.mark.django_db

with isolate_apps("pingan.core"):

    class Card(models.Model):
        """Stands in for a registry card (never saved: reveal needs no table)."""

        region_code = models.CharField(max_length=18)
        id_number = EncryptedTextField()
        guardian_phone = EncryptedTextField(blank=True)
        lat = models.FloatField(null=True)
        name = models.CharField(max_length=20)

        REVEALABLE_FIELDS = ("lat",)
        record_kind = RecordKind.MENTAL_DISORDER

        class Meta:
            app_label = "core"

        def __str__(self) -> str:
            return self.name


VILLAGE_A = "990101001001"
VILLAGE_B = "990101002001"


def _card(region=VILLAGE_A) -> Card:
    return Card(
        pk=7,
        region_code=region,
        id_number="11010519491231002X",
        guardian_phone="13812345678",
        lat=27.338257,
        name="张三",
    )


def _last() -> AuditRecord:
    return AuditRecord.objects.order_by("-seq").first()


def test_in_scope_reveal_returns_plaintext_and_is_audited():
    actor = make_actor(Role.TOWN_OPERATOR, "990101001")
    value = reveal_field(actor=actor, obj=_card(), field="id_number", reason="  核实身份  ")
    assert value == "11010519491231002X"
    record = _last()
    assert (record.action, record.outcome, record.object_type, record.object_id) == (
        "sensitive.reveal",
        "ok",
        "core.card",
        "7",
    )
    assert record.region_code == VILLAGE_A
    assert record.actor_username == actor.user.username
    assert record.detail == {"field": "id_number", "reason": "核实身份"}
    assert verify_chain().ok


def test_reveal_of_a_plain_revealable_field():
    actor = make_actor(Role.GRID_WORKER, VILLAGE_A)
    assert reveal_field(actor=actor, obj=_card(), field="lat", reason="走访") == "27.338257"


def _denied(actor, card=None, field="id_number", **kwargs) -> AuditRecord:
    with pytest.raises(PermissionDenied, match="无权查看"):
        reveal_field(actor=actor, obj=card or _card(), field=field, reason="查看", **kwargs)
    record = _last()
    assert (record.action, record.outcome) == ("sensitive.reveal", "denied")
    assert record.detail["field"] == field
    return record


def test_out_of_scope_is_denied_and_audited():
    actor = make_actor(Role.TOWN_OPERATOR, "990101002")  # the neighbour town
    record = _denied(actor)
    assert record.detail["denied"] == "scope"
    assert record.object_id == "7"


@pytest.mark.parametrize(
    "role", [Role.LEADER, Role.AUDITOR, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN]
)
def test_read_only_and_admin_roles_may_not_reveal(role):
    actor = make_actor(role, "990101")  # the whole county is in their scope
    record = _denied(actor)
    assert record.detail["denied"] == "role"
    assert record.detail["role"] == role


def test_actor_without_position_is_denied():
    from pingan.accounts.scope import Actor

    actor = make_actor(Role.COUNTY_OPERATOR, "990101")
    assert _denied(Actor(user=actor.user, position=None)).detail["denied"] == "no_position"


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_reason_is_required(reason):
    actor = make_actor(Role.COUNTY_OPERATOR, "990101")
    before = AuditRecord.objects.count()
    with pytest.raises(ValidationError) as info:
        reveal_field(actor=actor, obj=_card(), field="id_number", reason=reason)
    assert info.value.message_dict == {"reason": ["请填写查看完整信息的原因。"]}
    assert AuditRecord.objects.count() == before


def test_overlong_reason_is_refused():
    actor = make_actor(Role.COUNTY_OPERATOR, "990101")
    with pytest.raises(ValidationError, match="200"):
        reveal_field(actor=actor, obj=_card(), field="id_number", reason="理" * 201)


def test_only_sensitive_fields_can_be_revealed():
    actor = make_actor(Role.COUNTY_OPERATOR, "990101")
    assert revealable_fields(Card) == {"id_number", "guardian_phone", "lat"}
    with pytest.raises(ValueError, match=r"core\.Card\.name is not a revealable field"):
        reveal_field(actor=actor, obj=_card(), field="name", reason="x")


def test_department_reveals_only_gated_fields_in_its_region():
    weijian = DepartmentTypeFactory(code=DepartmentTypeCode.WEIJIAN, name="卫健")
    department = DepartmentFactory(type=weijian)  # county 990101
    actor = make_actor(Role.DEPARTMENT_HANDLER, department)
    # guardian_phone is in the 卫健 → mental-disorder gate; the full ID number is not.
    assert reveal_field(actor=actor, obj=_card(), field="guardian_phone", reason="随访") == (
        "13812345678"
    )
    assert _last().outcome == "ok"
    assert _denied(actor).detail["denied"] == "scope"
    # Outside the department's region.
    assert _denied(actor, _card("990102001001"), field="guardian_phone").detail["denied"] == (
        "scope"
    )
    # Not a gated record kind.
    assert _denied(actor, field="guardian_phone", record_kind="drug_user")


def test_department_without_gate_is_denied():
    gongan = DepartmentTypeFactory(code="minzheng", name="民政")
    actor = make_actor(Role.DEPARTMENT_HANDLER, DepartmentFactory(type=gongan))
    assert _denied(actor, field="guardian_phone").detail["denied"] == "scope"


def test_scope_check_decides_when_given():
    department = DepartmentFactory(type=DepartmentTypeFactory(code="zhufang", name="住建"))
    handler = make_actor(Role.DEPARTMENT_HANDLER, department)

    def holds_case(actor, obj):
        return actor == handler

    # A department holding the case may see the complainant's phone.
    assert reveal_field(
        actor=handler, obj=_card(), field="guardian_phone", reason="回访", scope_check=holds_case
    ) == ("13812345678")
    # For a region position the caller's check replaces the region-code check.
    operator = make_actor(Role.TOWN_OPERATOR, "990101001")
    _denied(operator, scope_check=holds_case)
    assert reveal_field(
        actor=make_actor(Role.TOWN_OPERATOR, "990101002"),
        obj=_card(),
        field="id_number",
        reason="转办核实",
        scope_check=lambda actor, obj: True,
    )
