"""Pinyin keys, phone normalisation, blind-index separation, seeded code tables, key rotation,
the configuration admin and the OpenAPI schema."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from pingan.core import crypto
from pingan.core.keyrotation import rotate_data_key
from pingan.registry.keys import id_tail_hash, normalize_phone, phone_hash
from pingan.registry.kinds import code_tables_used
from pingan.registry.models import Card, CodeTable, CodeValue, Person, Visit, VisitRule
from pingan.registry.pinyin import name_keys
from pingan.registry.seed import CODE_TABLES, VISIT_RULES, seed_code_tables, seed_visit_rules
from pingan.registry.selectors import search_people
from tests.accounts.factories import sign_in
from tests.factories import UserFactory, make_actor
from tests.registry.factories import COUNTY

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("张三丰", ("zhangsanfeng", "zsf")),
        ("单田芳", ("shantianfang", "stf")),
        ("曾小贤", ("zengxiaoxian", "zxx")),
        ("尉迟恭", ("yuchigong", "ycg")),
        ("吕布", ("lvbu", "lb")),
        ("阿依古丽·买买提", ("ayigulimaimaiti", "ayglmmt")),
        ("Tom单", ("tomdan", "td")),  # surname readings apply only at the start
        ("单", ("dan", "d")),
    ],
)
def test_name_keys(name, keys):
    assert name_keys(name) == keys


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("138 1234 5678", "13812345678"),
        ("+86-138-1234-5678", "13812345678"),
        ("（0871）12345678", "087112345678"),
        ("", ""),
    ],
)
def test_normalize_phone(raw, clean):
    assert normalize_phone(raw) == clean


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "abc", "12345"])
def test_bad_phones(raw):
    with pytest.raises(ValidationError):
        normalize_phone(raw)


def test_blind_indexes_are_separated_by_purpose():
    assert id_tail_hash("5678") != phone_hash("5678")
    assert id_tail_hash("345678") != id_tail_hash("5678")
    assert id_tail_hash("123x") == id_tail_hash("123X")
    with pytest.raises(ValueError):
        id_tail_hash("12345")


def test_code_tables_are_seeded_and_cover_every_kind_field():
    seeded = set(CodeTable.objects.values_list("code", flat=True))
    assert code_tables_used() | {"attention", "ethnicity", "visit_method"} <= seeded
    assert set(CodeTable.objects.filter(official=True).values_list("code", flat=True)) == {
        "ethnicity"
    }
    assert all(t.source for t in CodeTable.objects.all())
    labels = list(
        CodeValue.objects.filter(table_id="mental_diagnosis").values_list("label", flat=True)
    )
    assert labels == [
        "精神分裂症",
        "分裂情感性障碍",
        "偏执性精神病",
        "双相(情感)障碍",
        "癫痫所致精神障碍",
        "精神发育迟滞伴发精神障碍",
    ]
    assert VisitRule.objects.count() == len(VISIT_RULES)


def test_seeding_again_keeps_administrators_changes():
    CodeValue.objects.filter(table_id="attention", code="01").update(label="一般关注", active=False)
    VisitRule.objects.filter(kind="drug_user").update(interval_days=20)
    assert seed_code_tables(CodeTable, CodeValue) == 0
    assert seed_visit_rules(VisitRule) == 0
    value = CodeValue.objects.get(table_id="attention", code="01")
    assert (value.label, value.active) == ("一般关注", False)
    assert VisitRule.objects.get(kind="drug_user").interval_days == 20
    assert sum(len(t[4]) for t in CODE_TABLES) == CodeValue.objects.count()


def test_data_key_rotation_keeps_people_cards_and_search(world):
    number = world.p_a1a.id_number
    rotate_data_key(models=[Person, Card, Visit])
    crypto.reset_keyring_cache()
    person = Person.objects.get(pk=world.p_a1a.pk)
    assert (person.id_number, person.phone) == (number, "13812345678")
    assert Card.objects.get(pk=world.mental_a.pk).attribute_values()["diagnosis"] == "01"
    assert [p.pk for p in search_people(world.county, number)] == [person.pk]


@pytest.fixture
def root(client, db):
    actor = make_actor(Role.SYSTEM_ADMIN, COUNTY)
    sign_in(client, actor)
    return actor


@pytest.mark.parametrize(
    "url",
    [
        "/admin/registry/codetable/",
        "/admin/registry/codetable/attention/change/",
        "/admin/registry/visitrule/",
        "/admin/registry/visitrule/add/",
    ],
)
def test_admin_pages_load(client, root, url):
    assert client.get(url).status_code == 200


def test_admin_adds_a_code_value_through_the_audited_service(client, root):
    values = list(CodeValue.objects.filter(table_id="attention").order_by("sort"))
    form = {
        "name": "关注程度",
        "official": "",
        "source": "本县规定",
        "values-TOTAL_FORMS": str(len(values) + 1),
        "values-INITIAL_FORMS": str(len(values)),
        "values-MIN_NUM_FORMS": "0",
        "values-MAX_NUM_FORMS": "1000",
    }
    for i, value in enumerate(values):
        form.update(
            {
                f"values-{i}-id": str(value.pk),
                f"values-{i}-table": "attention",
                f"values-{i}-code": value.code,
                f"values-{i}-label": value.label,
                f"values-{i}-sort": str(value.sort),
                f"values-{i}-active": "on",
            }
        )
    n = len(values)
    form.update(
        {
            f"values-{n}-table": "attention",
            f"values-{n}-code": "04",
            f"values-{n}-label": "特别严重",
            f"values-{n}-sort": "4",
            f"values-{n}-active": "on",
        }
    )
    response = client.post("/admin/registry/codetable/attention/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CodeValue.objects.get(table_id="attention", code="04").label == "特别严重"
    assert CodeTable.objects.get(code="attention").source == "本县规定"
    actions = list(
        AuditRecord.objects.filter(action__startswith="registry.")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["registry.code_table.save", "registry.code_value.save"]


def test_admin_services_audit():
    from pingan.registry.services.config import code_value_save, visit_rule_save

    actor = make_actor(Role.SYSTEM_ADMIN, COUNTY)
    value = CodeValue(table_id="attention", code="04", label="特别严重", sort=4)
    code_value_save(actor=actor, value=value)
    rule = visit_rule_save(
        actor=actor, rule=VisitRule(kind="aids_risk", risk_min=3, risk_max=3, interval_days=30)
    )
    records = AuditRecord.objects.filter(action__startswith="registry.").order_by("seq")
    assert [(r.action, r.object_id) for r in records] == [
        ("registry.code_value.save", "attention:04"),
        ("registry.visit_rule.save", str(rule.pk)),
    ]


def test_openapi_schema_documents_the_registry_endpoints(db):
    user = UserFactory()
    api = APIClient()
    api.force_authenticate(user)
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/people/",
        "/api/v1/people/{person_id}/",
        "/api/v1/people/{person_id}/reveal/",
        "/api/v1/cards/{card_id}/visits/",
        "/api/v1/registry/overdue-counts/",
    ):
        assert path in schema["paths"], path
    assert schema["paths"]["/api/v1/people/"]["get"]["summary"] == "人员搜索（脱敏）"
