"""The SMS command parser: every command, full-width and spacing variants (pure, no DB)."""

import pytest

from pingan.public.lookup import clean_number
from pingan.public.sms.parse import Command, fold, parse, report_length

N = "SJ9901012026110200042"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # query, own phone
        (f"CX {N}", Command("query", number=N)),
        (f"cx {N.lower()}", Command("query", number=N)),
        (f"Cx{N}", Command("query", number=N)),
        (f"  CX   {N}  ", Command("query", number=N)),
        ("ＣＸ　ＳＪ９９０１０１２０２６１１０２０００４２", Command("query", number=N)),
        (f"CX：{N}", Command("query", number=N)),
        (f"CX+{N}", Command("query", number=N)),
        (f"CX#{N}", Command("query", number=N)),
        (f"查询 {N}", Command("query", number=N)),
        (f"CX SJ {N[2:]}", Command("query", number=N)),
        (f"CX {N[2:]}", Command("query", number=N[2:])),
        (f"CX\n{N}", Command("query", number=N)),
        # query with code
        (f"CX {N} 123456", Command("query", number=N, code="123456")),
        (f"CX {N}，123456", Command("query", number=N, code="123456")),
        (f"ｃｘ　{N}　１２３４５６", Command("query", number=N, code="123456")),
        (f"CX:{N}:123456", Command("query", number=N, code="123456")),
        (f"CX {N} 123456。", Command("query", number=N, code="123456")),
        (f"CX {N}！", Command("query", number=N)),
        # malformed queries: help, never a case
        ("CX", Command("help", usage="CX")),
        ("CX 12", Command("help", usage="CX")),
        (f"CX {N} 12345", Command("help", usage="CX")),
        (f"CX {N} 123456 谢谢", Command("help", usage="CX")),
        # rating
        (f"PJ {N} 1", Command("rate", number=N, rating="satisfied")),
        (f"pj {N} 2", Command("rate", number=N, rating="basically_satisfied")),
        (f"ＰＪ　{N}　３", Command("rate", number=N, rating="unsatisfied")),
        (f"PJ{N},3", Command("rate", number=N, rating="unsatisfied")),
        (f"评价 {N} 满意", Command("rate", number=N, rating="satisfied")),
        (f"PJ {N} 基本满意", Command("rate", number=N, rating="basically_satisfied")),
        (f"PJ {N} 不满意", Command("rate", number=N, rating="unsatisfied")),
        (f"PJ {N} 4", Command("help", usage="PJ")),
        (f"PJ {N}", Command("help", usage="PJ")),
        ("PJ 1", Command("help", usage="PJ")),
        # unsubscribe / resubscribe
        ("TD", Command("unsubscribe")),
        ("td", Command("unsubscribe")),
        ("ＴＤ", Command("unsubscribe")),
        (" T ", Command("unsubscribe")),
        ("T D", Command("unsubscribe")),
        ("TD。", Command("unsubscribe")),
        ("退订", Command("unsubscribe")),
        ("退订！", Command("unsubscribe")),
        ("取消订阅", Command("unsubscribe")),
        ("DY", Command("subscribe")),
        ("ｄｙ", Command("subscribe")),
        ("订阅", Command("subscribe")),
        ("恢复订阅", Command("subscribe")),
        # reports (kept as sent) and too-short texts
        ("小区门口路灯坏了", Command("report", text="小区门口路灯坏了")),
        ("  示范村三组，排水沟堵了  ", Command("report", text="示范村三组，排水沟堵了")),
        ("查询一下我上次反映的路灯", Command("report", text="查询一下我上次反映的路灯")),
        ("CXK公司门口垃圾堆积很久", Command("report", text="CXK公司门口垃圾堆积很久")),
        ("TD退订了还在发", Command("report", text="TD退订了还在发")),
        ("路灯坏了", Command("help")),
        ("路 灯 坏 了", Command("help")),
        ("", Command("help")),
        ("   ", Command("help")),
        ("你好", Command("help")),
        ("HELP", Command("help")),
    ],
)
def test_parse_table(text, expected):
    assert parse(text) == expected


def test_minimum_length_is_a_parameter():
    assert parse("路灯坏了", min_chars=4) == Command("report", text="路灯坏了")
    assert parse("路灯坏了啊", min_chars=6) == Command("help")


def test_fold_and_lengths():
    assert fold("ｃｘ　ＳＪ１\t２") == "CX SJ1 2"
    assert report_length(" 路 灯\n坏 ") == 3
    assert clean_number(" ｓｊ 9901-0120 *# ") == "SJ99010120"
