"""search_people: every search mode, scope, masking-independent matching, one query."""

import pytest
from django.core.exceptions import ValidationError

from pingan.accounts.roles import Role
from pingan.registry.search import parse_query, term_q
from pingan.registry.selectors import search_people
from tests.factories import make_actor
from tests.registry.factories import (
    COUNTY,
    GRID_A1A,
    GRID_A1B,
    GRID_B1A,
    TOWN_A,
    build_tree,
    make_id,
    make_person,
)

pytestmark = pytest.mark.django_db

ID_ZHANG = make_id(birth="19900101", seq=123)
ID_ZHANGSAN2 = make_id(birth="19851231", seq=457)
ID_OTHER = make_id(birth="19700707", seq=789)


@pytest.fixture
def people(db):
    build_tree()
    make_person(GRID_A1A, "张三丰", ID_ZHANG, phone="13812345678", address="示范村一组8号")
    make_person(GRID_A1B, "张珊", ID_ZHANGSAN2, phone="087112345678", address="示范村二组")
    make_person(GRID_B1A, "曾小贤", ID_OTHER, phone="13900001111", address="河西社区3栋")
    return make_actor(Role.COUNTY_OPERATOR, COUNTY)


def found(actor, q):
    return [p.name for p in search_people(actor, q)]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("", ["曾小贤", "张三丰", "张珊"]),
        ("张", ["张三丰", "张珊"]),
        ("三丰", ["张三丰"]),
        ("zhang", ["张三丰", "张珊"]),
        ("zhangs", ["张三丰", "张珊"]),
        ("zhangsan", ["张三丰"]),  # 张珊 is zhangshan
        ("ZHANGSANF", ["张三丰"]),
        ("zsf", ["张三丰"]),
        ("zs", ["张三丰", "张珊"]),
        ("zeng", ["曾小贤"]),  # surname reading, not "ceng"
        ("zxx", ["曾小贤"]),
        (ID_ZHANG, ["张三丰"]),
        (ID_ZHANG.lower(), ["张三丰"]),
        (ID_ZHANG[-4:], ["张三丰"]),
        (ID_ZHANG[-6:], ["张三丰"]),
        ("13812345678", ["张三丰"]),
        ("138 1234 5678", ["张三丰"]),
        ("0871-12345678", ["张珊"]),
        ("二组", ["张珊"]),
        ("3栋", ["曾小贤"]),
        ("示范村 zs", ["张三丰", "张珊"]),
        ("示范村 8号", ["张三丰"]),
        ("１３８１２３４５６７８", ["张三丰"]),  # full-width digits
        (f"{ID_ZHANG[:6]} {ID_ZHANG[6:14]} {ID_ZHANG[14:]}", ["张三丰"]),
        ("1234", []),  # a tail no one has
        ("王", []),
    ],
)
def test_search_modes(people, q, expected):
    assert found(people, q) == expected


def test_tails_do_not_match_phone_or_other_tails(people):
    assert found(people, ID_OTHER[-4:]) == ["曾小贤"]
    assert found(people, "5678") == []  # phone ends in 5678; tails are ID tails only


def test_search_is_scoped(people):
    town_a = make_actor(Role.TOWN_OPERATOR, TOWN_A)
    assert found(town_a, "") == ["张三丰", "张珊"]
    assert found(town_a, ID_OTHER) == []
    assert found(town_a, "13900001111") == []
    grid = make_actor(Role.GRID_WORKER, GRID_A1A)
    assert found(grid, "zs") == ["张三丰"]


def test_malformed_full_id_is_an_error_not_an_empty_result(people):
    bad = ID_ZHANG[:17] + ("1" if ID_ZHANG[17] != "1" else "2")
    with pytest.raises(ValidationError) as info:
        search_people(people, bad)
    assert info.value.message_dict["q"][0].startswith("校验码错误")


def test_query_limits():
    with pytest.raises(ValidationError):
        parse_query("字" * 101)
    with pytest.raises(ValidationError):
        parse_query("a b c d e f")
    assert parse_query("  张三　zs ") == ["张三", "zs"]


def test_terms_never_filter_on_plaintext_columns():
    # Digits-only identifiers go through blind indexes, never `id_number`/`phone` columns.
    for term in (ID_ZHANG, ID_ZHANG[-4:], "13812345678"):
        columns = {child[0] for child in term_q(term).children}
        assert columns <= {"id_hash", "id_tail4_hash", "id_tail6_hash", "phone_hash"}


def test_one_query_for_people_and_one_for_cards(people, django_assert_num_queries):
    with django_assert_num_queries(2):
        assert len(list(search_people(people, "zs"))) == 2
