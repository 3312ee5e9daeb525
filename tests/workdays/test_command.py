"""`pingan calendar seed | import | show`."""

import io

import pytest
from django.core.management import CommandError, call_command

from pingan.workdays.models import YearSchedule
from tests.workdays.factories import SCHEDULE_2027

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("calendar", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_import_infers_the_year_and_is_idempotent(
    tmp_path, recomputed, django_capture_on_commit_callbacks
):
    path = tmp_path / "2027.csv"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    assert run("import", str(path), "--dry-run") == "检查通过：2027 年 31 天（未写入）\n"
    assert not YearSchedule.objects.filter(year=2027).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert run("import", str(path)) == "已导入 2027 年正式安排：放假 27 天，调休上班 4 天\n"
        assert run("import", str(path), "--year", "2027") == "2027 年正式安排与文件一致，没有变化\n"
    assert recomputed == [2027]
    assert "2027-02-20  班  春节" in run("show", "2027")


def test_import_errors_fail_the_command(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("2027-01-04,workday,元旦\n2027-01-05,workday,元旦\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="共 2 处错误，未做任何改动"):
        call_command("calendar", "import", str(path), stderr=err)
    assert (
        err.getvalue().splitlines()[0] == "第 1 行：调休上班日必须是周六或周日，2027-01-04 是星期一"
    )
    with pytest.raises(CommandError, match="无法读取文件"):
        call_command("calendar", "import", str(tmp_path / "missing.csv"))
    assert not YearSchedule.objects.filter(year=2027).exists()


def test_seed_and_show():
    assert run("seed") == "新增 0 年，更新 0 年，未变 23 年，跳过（管理员录入）0 年\n"
    lines = run("show").splitlines()
    assert lines[0].split()[:3] == [lines[0].split()[0], "provisional", "rules"]
    assert any(line.startswith("2025  official") for line in lines)
