"""Registry pages in English: the kind specs' groups, attribute labels and risk labels are
translated on screen, while the import template keeps its Chinese headers (the importer
reads them back)."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.accounts.factories import sign_in
from tests.registry.pages_helpers import html_of
from tests.registry.transfer_helpers import read_xlsx

pytestmark = pytest.mark.django_db


def test_registry_pages_show_english_labels_but_import_headers_stay_chinese(client, world):
    sign_in(client, world.town_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    card = html_of(client.get(f"/registry/cards/{world.mental_a.pk}/"))
    assert '<dt>Risk assessment level</dt><dd id="card-risk">3（Level 3）</dd>' in card
    assert '<label for="visit-risk">Risk assessment level at this visit</label>' in card
    assert "危险性评估等级" not in card and "3级" not in card

    person = html_of(client.get(f"/registry/people/{world.p_a1a.pk}/"))
    assert "<dt>Household number</dt><dd>H001</dd>" in person
    assert "<dt>Level</dt><dd>3（Level 3）</dd>" in person
    assert 'value="id_number" checked> ID number</label>' in person
    assert "户号" not in person and "公民身份号码" not in person

    chooser = html_of(client.get(f"/registry/people/{world.p_a1a.pk}/cards/new/"))
    for group in ("Actual population", "Special populations", "Youth of concern"):
        assert f"<strong>{group}</strong>" in chooser
    assert "实有人口" not in chooser and "特殊人群" not in chooser

    form = html_of(client.get(f"/registry/people/{world.p_a1a.pk}/cards/new/?kind=drug_user"))
    assert '<label for="f-risk">Risk level <span class="req">*</span></label>' in form
    assert '<label for="a-controller_phone">Controller&#x27;s contact</label>' in form
    assert "管控人联系方式" not in form

    template = client.get("/registry/imports/templates/mental_disorder.xlsx")
    header = read_xlsx(template.content)[0]
    assert header[:3] == ["姓名", "公民身份号码", "联系电话"]
    assert header[8:12] == ["危险性评估等级", "关注程度", "列管日期", "目前诊断类型"]
    assert "监护人姓名" in header
    csv = client.get("/registry/imports/templates/drug_user.csv").content.decode("utf-8-sig")
    assert csv.startswith("姓名,公民身份号码,联系电话,民族,现住址,所属网格,性别,出生日期,风险等级,")
