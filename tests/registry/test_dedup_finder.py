"""Duplicate finder: similarity rules, blocking, scoring, scope, permissions, cache."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from pingan.registry.dedup.finder import find_duplicates
from pingan.registry.dedup.selectors import duplicate_candidates
from pingan.registry.dedup.similarity import (
    birth_match,
    levenshtein,
    name_match,
    normalize_address,
)
from pingan.registry.models import Person
from pingan.registry.pinyin import name_keys
from tests.factories import make_actor
from tests.registry import dedup_helpers
from tests.registry.dedup_helpers import pairs
from tests.registry.factories import COUNTY, GRID_A1A, VILLAGE_A2, make_id, make_person

planted = dedup_helpers.planted


def _name(a: str, b: str) -> tuple[int, str]:
    return name_match(a, name_keys(a)[0], b, name_keys(b)[0])


def test_levenshtein_is_bounded():
    assert levenshtein("zhangsan", "zhangsan") == 0
    assert levenshtein("zhangsan", "zhangshan") == 1
    assert levenshtein("wangxiaoming", "wangshaoming") == 2
    assert levenshtein("lisi", "zhaoliu") == 3  # limit + 1, not the full distance
    assert levenshtein("ab", "abcdef") == 3


def test_name_rules():
    assert _name("张三丰", "张三丰") == (45, "same_name")
    assert _name("张三丰", "章三丰") == (40, "same_pinyin")
    assert _name("张三", "张山") == (25, "pinyin_close")
    assert _name("王小明", "王大明") == (20, "one_char")
    assert _name("王小明", "王少明") == (20, "one_char")
    assert _name("刘晓", "刘少") == (15, "pinyin_close")  # xiao → shao: two edits
    # Half of a two-character name differing is another name.
    assert _name("张伟", "张强") == (0, "")
    assert _name("李四", "王五") == (0, "")


def test_birth_rules():
    assert birth_match(date(1979, 11, 30), date(1979, 11, 30)) == (30, "same_birth")
    assert birth_match(date(1979, 11, 30), date(1979, 11, 3)) == (10, "birth_typo")  # 30 ↔ 03
    assert birth_match(date(1979, 11, 30), date(1978, 11, 30)) == (10, "birth_typo")
    assert birth_match(date(1979, 11, 30), date(1979, 12, 31)) == (0, "")
    assert birth_match(date(1979, 11, 30), date(1979, 11, 13)) == (0, "")  # not adjacent swap


def test_address_normalisation():
    assert normalize_address("示范村 三组 十二号") == "示范村3组12号"
    assert normalize_address("示范村二十三组") == "示范村23组"
    assert normalize_address("示范村３组１２号") == "示范村3组12号"


def test_finds_planted_duplicates_with_reasons(planted, world):
    result = duplicate_candidates(world.town_a)
    assert pairs(result) == [
        (
            planted.c.pk,
            planted.c_dup.pk,
            90,
            ("same_name", "birth_typo", "same_phone", "same_address"),
        ),
        (planted.a.pk, planted.a_dup.pk, 85, ("same_pinyin", "same_birth", "same_address")),
    ]
    # Town A: three of the world's people and five planted ones.
    assert result.people == 8


def test_distinct_people_with_the_same_birth_date_are_not_paired(planted, world):
    result = duplicate_candidates(world.town_a)
    paired = {pk for c in result.candidates for pk in (c.left_id, c.right_id)}
    assert planted.b.pk not in paired
    # Eight more people born 1985-03-12 at the same address, unrelated names: no new pair.
    names = ["赵一鸣", "钱多多", "孙悟空", "周杰", "吴用", "郑和", "冯唐", "陈平"]
    for seq, name in zip(range(201, 217, 2), names, strict=True):
        make_person(GRID_A1A, name, id_number=make_id("19850312", seq), address="示范村三组12号")
    again = duplicate_candidates(world.town_a)
    assert again.people == 16
    assert pairs(again) == pairs(result)


def test_scope_other_towns_people_never_appear(planted, world):
    county = duplicate_candidates(world.county)
    assert pairs(county) == [
        (
            planted.c.pk,
            planted.c_dup.pk,
            90,
            ("same_name", "birth_typo", "same_phone", "same_address"),
        ),
        (planted.a.pk, planted.a_dup.pk, 85, ("same_pinyin", "same_birth", "same_address")),
        (planted.a.pk, planted.e.pk, 75, ("same_name", "same_birth")),
        (planted.a_dup.pk, planted.e.pk, 70, ("same_pinyin", "same_birth")),
    ]
    town_a = duplicate_candidates(world.town_a)
    assert planted.e.pk not in {pk for c in town_a.candidates for pk in (c.left_id, c.right_id)}
    assert pairs(duplicate_candidates(world.town_b)) == []
    # A grid worker compares only the people of their grid: a and a_dup are in two grids.
    assert pairs(duplicate_candidates(world.grid_a1a)) == []


def test_region_filter_inside_scope(planted, world):
    only_a2 = duplicate_candidates(world.county, VILLAGE_A2)
    assert [(c.left_id, c.right_id) for c in only_a2.candidates] == [
        (planted.c.pk, planted.c_dup.pk)
    ]
    with pytest.raises(ValidationError) as outside:
        duplicate_candidates(world.town_b, VILLAGE_A2)
    assert outside.value.message_dict == {"region": ["区划不存在或不在您的管辖范围内。"]}
    with pytest.raises(ValidationError):
        duplicate_candidates(world.county, "990101999")


@pytest.mark.parametrize("who", ["leader", "sifa", "weijian", "system_admin"])
def test_roles_that_may_not_run_the_finder(planted, world, who):
    actor = make_actor(Role.SYSTEM_ADMIN, COUNTY) if who == "system_admin" else getattr(world, who)
    before = AuditRecord.objects.filter(action="permission.denied").count()
    with pytest.raises(PermissionDenied):
        duplicate_candidates(actor)
    denied = AuditRecord.objects.filter(action="permission.denied").order_by("-id").first()
    assert AuditRecord.objects.filter(action="permission.denied").count() == before + 1
    assert denied.object_type == "registry.duplicates"
    assert denied.detail["reason"] == "dedup_role"


def test_cached_result_is_dropped_when_people_change(planted, world):
    first = duplicate_candidates(world.town_a)
    assert duplicate_candidates(world.town_a) is first  # same stamp: the cached result
    person = Person.objects.get(pk=planted.b.pk)
    person.name, (person.name_pinyin, person.name_initials) = "章三丰", name_keys("章三丰")
    person.save()
    changed = duplicate_candidates(world.town_a)
    assert changed is not first
    assert (planted.a.pk, planted.b.pk) in {(c.left_id, c.right_id) for c in changed.candidates}


def test_find_duplicates_over_any_queryset(planted):
    result = find_duplicates(Person.objects.filter(pk__in=[planted.c.pk, planted.c_dup.pk]))
    assert result.people == 2
    assert result.compared == 1
    assert [(c.left_id, c.right_id) for c in result.candidates] == [
        (planted.c.pk, planted.c_dup.pk)
    ]
    assert find_duplicates(Person.objects.none()).candidates == []


def test_sex_differs_is_penalised(world):
    man = make_person(GRID_A1A, "周八", id_number=make_id("19700505", 101), address="甲村1号")
    woman = make_person(GRID_A1A, "周八", id_number=make_id("19700505", 102), address="乙镇9组")
    result = duplicate_candidates(world.village_a1)
    assert pairs(result) == [(man.pk, woman.pk, 60, ("same_name", "same_birth", "sex_differs"))]
