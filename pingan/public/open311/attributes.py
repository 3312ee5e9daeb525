"""Service definitions: the attributes each service asks for, and checking submitted values.

Event categories carry no attributes of their own, so the definitions are data here (bump
`catalogue.DEFINITIONS_CHANGED` when they change):

- `privacy_notice` (every service, information only): what the public API shows.
- `urgency` (every service): 一般 / 较急 / 紧急, the event's urgency.
- `happening_now` (治安 03xx, 突发事件 07; required): is it happening now?
- `people_involved` (矛盾劝解 02xx): how many people are involved.
- `hazards` (突发事件 07, 消防安全 0308; several values): what is on site.

Without an explicit `urgency` the answers set it: happening now, or someone trapped or
injured → 紧急; five or more people involved (群体性) → 较急. Attribute codes the
definition does not have are ignored (FixMyStreet and other clients send their own).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pingan.public.open311.catalogue import Service

LOW, MEDIUM, HIGH = "low", "medium", "high"
MASS_DISPUTE_PEOPLE = 5


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str  # string | number | singlevaluelist | multivaluelist
    order: int
    label: str | Promise
    description: str | Promise
    required: bool = False
    variable: bool = True
    datatype_description: str | Promise = ""
    values: tuple[tuple[str, str | Promise], ...] = ()
    prefixes: tuple[str, ...] = ()  # category code prefixes; () = every service
    low: int = 0
    high: int = 0

    def applies_to(self, service: Service) -> bool:
        return not self.prefixes or any(service.code.startswith(p) for p in self.prefixes)

    def value_name(self, key: str) -> str:
        return str(dict(self.values).get(key, key))

    def as_data(self, description: str | None = None) -> dict[str, Any]:
        """The `<attribute>` element, fields in the spec's order."""
        return {
            "variable": self.variable,
            "code": self.code,
            "datatype": self.datatype,
            "required": self.required,
            "datatype_description": str(self.datatype_description),
            "order": self.order,
            "description": str(description if description is not None else self.description),
            "values": [{"key": key, "name": str(name)} for key, name in self.values],
        }


PRIVACY_NOTICE = Attribute(
    "privacy_notice",
    "string",
    1,
    gettext_lazy("公开范围"),
    "",
    variable=False,
)
URGENCY = Attribute(
    "urgency",
    "singlevaluelist",
    2,
    gettext_lazy("紧急程度"),
    gettext_lazy("紧急程度（不填按下列情况判断，默认为一般）"),
    values=(
        (LOW, gettext_lazy("一般")),
        (MEDIUM, gettext_lazy("较急")),
        (HIGH, gettext_lazy("紧急")),
    ),
)
HAPPENING_NOW = Attribute(
    "happening_now",
    "singlevaluelist",
    3,
    gettext_lazy("是否正在发生"),
    gettext_lazy("事情是否正在发生？"),
    required=True,
    values=(("yes", gettext_lazy("是，正在发生")), ("no", gettext_lazy("否，已经过去"))),
    prefixes=("03", "07"),
)
PEOPLE_INVOLVED = Attribute(
    "people_involved",
    "number",
    4,
    gettext_lazy("涉及人数"),
    gettext_lazy("涉及多少人？估计即可"),
    datatype_description=gettext_lazy("1 到 10000 的整数"),
    prefixes=("02",),
    low=1,
    high=10000,
)
HAZARDS = Attribute(
    "hazards",
    "multivaluelist",
    5,
    gettext_lazy("现场情况"),
    gettext_lazy("现场有哪些情况？可多选"),
    values=(
        ("fire", gettext_lazy("起火或冒烟")),
        ("water", gettext_lazy("积水或漏水")),
        ("road_blocked", gettext_lazy("道路阻断")),
        ("trapped", gettext_lazy("有人员被困")),
        ("injured", gettext_lazy("有人员受伤")),
        ("hazmat", gettext_lazy("危险品泄漏")),
    ),
    prefixes=("07", "0308"),
)
DEFINITIONS = (PRIVACY_NOTICE, URGENCY, HAPPENING_NOW, PEOPLE_INVOLVED, HAZARDS)


def definition(service: Service) -> list[Attribute]:
    return [a for a in DEFINITIONS if a.applies_to(service)]


def privacy_text(service: Service) -> str:
    if service.private:
        return _(
            "本类诉求只公开类别、办理状态、承办单位和进展，不公开描述、地址、坐标和图片。"
            "提交人的姓名、电话、邮箱在任何情况下都不公开。"
        )
    return _(
        "本类诉求公开类别、描述（电话号码和身份证号会被遮盖）、地址、约百米精度的坐标、"
        "图片链接、办理状态和进展。提交人的姓名、电话、邮箱在任何情况下都不公开，"
        "请不要在描述中写入他人的个人信息。"
    )


def definition_data(service: Service) -> dict[str, Any]:
    """The `<service_definition>` document."""
    return {
        "service_code": service.code,
        "attributes": [
            a.as_data(privacy_text(service) if a is PRIVACY_NOTICE else None)
            for a in definition(service)
        ],
    }


def clean(service: Service, submitted: dict[str, list[str]]) -> tuple[dict[str, Any], list[str]]:
    """Check submitted `attribute[code]` values against the service definition.

    Returns (values, errors): values keyed by code (a list for multivaluelist, an int for
    number, a key otherwise); errors as descriptions naming `attribute[code]`.
    """
    values: dict[str, Any] = {}
    errors: list[str] = []
    for attribute in definition(service):
        if not attribute.variable:
            continue
        raw = submitted.get(attribute.code, [])
        name = f"attribute[{attribute.code}]"
        if not raw:
            if attribute.required:
                errors.append(_("%(name)s（%(label)s）为必填项。") % _names(name, attribute))
            continue
        problem, value = _check(attribute, raw)
        if problem:
            errors.append(f"{name}：{problem}")
        else:
            values[attribute.code] = value
    return values, errors


def _names(name: str, attribute: Attribute) -> dict[str, str]:
    return {"name": name, "label": str(attribute.label)}


def _check(attribute: Attribute, raw: list[str]) -> tuple[str, Any]:
    keys = [key for key, _name in attribute.values]
    if attribute.datatype == "multivaluelist":
        unknown = [v for v in raw if v not in keys]
        if unknown:
            return _("不能识别的值 %(values)s，可选：%(keys)s。") % {
                "values": "、".join(unknown),
                "keys": "、".join(keys),
            }, None
        return "", [key for key in keys if key in raw]  # definition order, no repeats
    if len(raw) > 1:
        return _("只能有一个值。"), None
    value = raw[0]
    if attribute.datatype == "singlevaluelist":
        if value not in keys:
            return _("不能识别的值 %(value)s，可选：%(keys)s。") % {
                "value": value,
                "keys": "、".join(keys),
            }, None
        return "", value
    if attribute.datatype == "number":
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if (
            not math.isfinite(number)
            or number != int(number)
            or not (attribute.low <= number <= attribute.high)
        ):
            return _("应为 %(low)d 到 %(high)d 的整数。") % {
                "low": attribute.low,
                "high": attribute.high,
            }, None
        return "", int(number)
    raise ValueError(f"no check for datatype {attribute.datatype}")


def urgency_for(values: dict[str, Any]) -> str:
    """The event urgency from the answers (an explicit `urgency` wins)."""
    if values.get("urgency"):
        return values["urgency"]
    hazards = set(values.get("hazards") or ())
    if values.get("happening_now") == "yes" or hazards & {"trapped", "injured"}:
        return HIGH
    if (values.get("people_involved") or 0) >= MASS_DISPUTE_PEOPLE:
        return MEDIUM
    return LOW


def display(service: Service, values: dict[str, Any]) -> list[dict[str, str]]:
    """The answers for people: [{code, label, value, name}] in definition order."""
    shown = []
    for attribute in definition(service):
        if attribute.code not in values:
            continue
        value = values[attribute.code]
        if isinstance(value, list):
            key, name = ",".join(value), "、".join(attribute.value_name(v) for v in value)
        elif attribute.values:
            key, name = str(value), attribute.value_name(str(value))
        else:
            key = name = str(value)
        shown.append(
            {"code": attribute.code, "label": str(attribute.label), "value": key, "name": name}
        )
    return shown


def summary(service: Service, values: dict[str, Any]) -> str:
    """One line for the case file: `〔附加信息〕紧急程度：紧急；涉及人数：6`."""
    parts = [f"{item['label']}：{item['name']}" for item in display(service, values)]
    return _("〔附加信息〕") + "；".join(parts) if parts else ""
