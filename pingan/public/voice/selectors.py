"""The voice status query: case number digits + query code → a few short sentences.

The caller proves the case with its query code (there is no "own phone" shortcut on the
telephone: the caller number may be withheld or a landline). An unknown number, an
ambiguous one (see `pingan.public.lookup`) and a wrong code get the same answer. The case
is named by the last five digits of its number (its daily sequence): short to hear, and
enough for a caller who just keyed the whole number in.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.public.lookup import case_status, report_by_number, report_matches
from pingan.public.voice.speech import Speech, chinese_date, speech

TAIL = 5


def not_found() -> Speech:
    return speech(_("未查到，请核对编号和查询码后重新输入。"))


def limited() -> Speech:
    return speech(_("查询次数过多，请稍后再拨。"))


def voice_answer(number: str, code: str) -> tuple[Speech, bool]:
    """(speech, found) for a keyed number and query code."""
    report = report_by_number(number)
    if not (code and report_matches(report, code=code)):
        return not_found(), False
    status = case_status(report.case)
    tail = status.number[-TAIL:]
    if status.merged_into:
        text = _(
            "您查询的编号尾号为%(tail)s的事件，已与编号尾号为%(parent)s的事件合并办理，%(state)s。"
        ) % {
            "tail": tail,
            "parent": status.merged_into[-TAIL:],
            "state": status.merged_state_text,
        }
    else:
        text = _("您查询的编号尾号为%(tail)s的事件%(state)s。") % {
            "tail": tail,
            "state": status.state_text,
        }
    if status.latest is not None:
        text += _("最新进展：%(date)s，%(step)s。") % {
            "date": chinese_date(timezone.localtime(status.latest.at).date()),
            "step": status.latest.text,
        }
    return speech(text), True
