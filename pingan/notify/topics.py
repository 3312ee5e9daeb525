"""Message types (topics) with their Chinese templates and default channels.

Templates are `str.format` strings over the context the caller passes. A topic is
*transactional* when the recipient asked for the message (a one-time code, the answer to an
SMS query): an SMS opt-out does not stop those. Staff choose per topic and channel on their
preferences page; `default_channels` apply until they do.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from pingan.notify.models import Channel


@dataclass(frozen=True)
class Topic:
    code: str
    label: str
    subject: str
    body: str
    default_channels: tuple[str, ...] = (Channel.INAPP,)
    transactional: bool = False
    # Staff may change the channels of this topic on their preferences page.
    staff: bool = True
    # When it is sent (shown on the preferences page).
    help: str = ""


_TOPICS = [
    # --- staff ---------------------------------------------------------------------------
    Topic(
        "case.new",
        _("新待办案件"),
        _("新待办案件 {number}"),
        _("您单位收到待办案件 {number}（{title}）：{step}，当前{state}{deadline}。"),
        help=_("案件上报、交办、派遣、转办、回退、重新办理等转到本单位时"),
    ),
    Topic(
        "case.clock_warn",
        _("时限预警"),
        _("案件 {number} 即将到期"),
        _("案件 {number}（{title}）的{clock}将于 {due} 到期，请及时办理。"),
        help=_("本单位承办或协办的案件到达预警点（黄灯）时"),
    ),
    Topic(
        "case.clock_due",
        _("超期提醒"),
        _("案件 {number} 已超期"),
        _("案件 {number}（{title}）的{clock}已于 {due} 到期，已记为超期。"),
        default_channels=(Channel.INAPP, Channel.SMS),
        help=_("本单位承办或协办的案件超过时限（红灯）时"),
    ),
    Topic(
        "case.supervised",
        _("督办"),
        _("案件 {number} 被{level}"),
        _("案件 {number}（{title}）被{issuer}{level}：{note}。请于 {respond_by} 前办理并回复。"),
        default_channels=(Channel.INAPP, Channel.SMS),
        help=_("上级对本单位承办的案件督办时"),
    ),
    Topic(
        "case.reporter_step",
        _("我上报的事件有进展"),
        _("事件 {number}：{step}"),
        _("您上报的事件 {number}（{title}）{step}。"),
        help=_("本人上报的事件被受理、派遣、办结等"),
    ),
    Topic(
        "case.merged",
        _("我上报的事件被合并"),
        _("事件 {number} 已合并到 {parent}"),
        _("您上报的事件 {number}（{title}）与 {parent} 为同一事件，已合并到 {parent} 一并办理。"),
        help=_("本人上报的事件被认定为重复事件并合并时"),
    ),
    Topic(
        "case.citizen_comment",
        _("群众留言"),
        _("案件 {number} 有群众留言"),
        _("群众通过{channel}对案件 {number}（{title}）留言：{comment}"),
        help=_("群众通过 Open311 客户端（如 FixMyStreet）对本单位承办的案件留言时"),
    ),
    Topic(
        "dispute.agreement_reminder",
        _("司法确认期限提醒"),
        _("纠纷 {number} 司法确认期限将到"),
        _(
            "纠纷 {number}（{title}）的调解协议申请司法确认的期限至 {deadline}，"
            "请提醒当事人及时申请。"
        ),
        help=_("本单位承办纠纷的调解协议距司法确认申请截止不足 7 天时"),
    ),
    Topic(
        "visit.overdue",
        _("走访逾期"),
        _("{count} 项走访逾期"),
        _("您负责的人员中有 {count} 项走访已超过应走访日期（最早 {oldest}），请尽快走访。"),
        help=_("每天早上汇总一次本人负责的逾期走访"),
    ),
    # --- citizens (no account: SMS to the phone they gave) ---------------------------------
    Topic(
        "public.received",
        _("诉求已登记"),
        "",
        _("【{site}】您反映的问题已登记，编号 {number}，查询码 {code}。可在 {url} 查询进展。"),
        default_channels=(Channel.SMS,),
        transactional=True,
        staff=False,
    ),
    Topic(
        "public.step",
        _("诉求办理进展"),
        "",
        _("【{site}】您反映的问题 {number} {step}。查询：{url}"),
        default_channels=(Channel.SMS,),
        staff=False,
    ),
    Topic(
        "public.survey",
        _("满意度回访"),
        "",
        _("【{site}】您反映的问题 {number} 已办结，请评价办理结果：{url} 回复 TD 退订"),
        default_channels=(Channel.SMS,),
        staff=False,
    ),
    Topic(
        "public.merged",
        _("诉求已合并办理"),
        "",
        _(
            "【{site}】您反映的问题 {number} 与已登记的 {parent} 为同一问题，已合并办理，"
            "可继续用原编号和查询码查询进展：{url}"
        ),
        default_channels=(Channel.SMS,),
        staff=False,
    ),
    Topic(
        "public.otp",
        _("查询验证码"),
        "",
        _("【{site}】您的查询验证码为 {code}，{minutes} 分钟内有效。如非本人操作请忽略。"),
        default_channels=(Channel.SMS,),
        transactional=True,
        staff=False,
    ),
    Topic(
        "public.reply",
        _("短信回复"),
        "",
        "{text}",
        default_channels=(Channel.SMS,),
        transactional=True,
        staff=False,
    ),
]

TOPICS: dict[str, Topic] = {topic.code: topic for topic in _TOPICS}


def get_topic(code: str) -> Topic:
    try:
        return TOPICS[code]
    except KeyError:
        raise ValueError(f"unknown notification topic {code!r}") from None


def staff_topics() -> list[Topic]:
    return [topic for topic in _TOPICS if topic.staff]


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return ""


def render(template: str, context: dict) -> str:
    """Fill a template; a missing context value renders empty rather than failing a send."""
    return str(template).format_map(_Missing(context))
