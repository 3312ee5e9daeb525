"""The texts of SMS replies (Chinese, each starting with the 【signature】 the carrier
registered). Short: one or two SMS segments."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.flow.models import Satisfaction
from pingan.public.lookup import CaseStatus


def signed(text: str) -> str:
    return f"【{settings.PINGAN_SMS_SIGNATURE}】{text}"


def help_text() -> str:
    return signed(
        _(
            "请直接发送您要反映的问题（不少于%(min)d个字，请写明地点）。"
            "查询进展：CX 编号；评价：PJ 编号 1、2或3（1满意 2基本满意 3不满意）；退订：TD。"
        )
        % {"min": settings.PINGAN_SMS_MIN_REPORT_CHARS}
    )


def status_text(status: CaseStatus) -> str:
    names = {"number": status.number, "category": status.category or _("其他")}
    if status.merged_into:
        text = _("您反映的问题 %(number)s（%(category)s）已与 %(parent)s 合并办理，%(state)s。") % {
            **names,
            "parent": status.merged_into,
            "state": status.merged_state_text,
        }
    else:
        text = _("您反映的问题 %(number)s（%(category)s）%(state)s。") % {
            **names,
            "state": status.state_text,
        }
    if status.latest is not None:
        at = timezone.localtime(status.latest.at)
        text += _("最新进展：%(month)d月%(day)d日 %(step)s。") % {
            "month": at.month,
            "day": at.day,
            "step": status.latest.text,
        }
    if status.can_rate:
        text += _("回复 PJ %(number)s 1、2或3 评价（1满意 2基本满意 3不满意）。") % {
            "number": status.number
        }
    return signed(text)


def not_found_text(number: str) -> str:
    return signed(
        _("未查到编号 %(number)s 的办理信息，请核对编号。非本机反映的问题请发送：CX 编号 查询码。")
        % {"number": number}
    )


def unsubscribed_text() -> str:
    return signed(_("您已退订办理进展短信，您主动查询的答复和验证码不受影响。回复 DY 可恢复接收。"))


def subscribed_text() -> str:
    return signed(_("您已恢复接收办理进展短信。回复 TD 退订。"))


def rated_text(number: str, satisfaction: str, *, reopened: bool) -> str:
    text = _("感谢您对问题 %(number)s 的评价（%(label)s）。") % {
        "number": number,
        "label": Satisfaction(satisfaction).label,
    }
    if reopened:
        text += _("该问题将重新办理，我们会告知您进展。")
    return signed(text)


def not_rated_text(number: str) -> str:
    return signed(
        _("问题 %(number)s 现在不能评价：办结后 %(days)d 天内可评价一次。")
        % {"number": number, "days": settings.PINGAN_PUBLIC_REOPEN_DAYS}
    )


def limited_text() -> str:
    return signed(_("您短时间内反映的问题较多，本条未登记，请稍后再发送。紧急情况请拨打 110。"))


def invalid_text(errors: dict[str, list[str]]) -> str:
    first = next((messages[0] for messages in errors.values() if messages), "")
    return signed(_("您的短信未能登记：%(reason)s") % {"reason": first})
