"""Import (service, file formats, command) and export of regions and grids."""

import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from pingan.regions.formats import FileFormatError, read_rows
from pingan.regions.models import GridIndexVersion, Region
from pingan.regions.services import regions_export, regions_import
from tests.factories import make_actor
from tests.regions.factories import GRID_A, VILLAGE, base_rows, box, build_base_tree, row

pytestmark = pytest.mark.django_db

FEATURES = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "properties": {"code": "99", "name": "示范省"}, "geometry": None},
        {"type": "Feature", "properties": {"code": "9901", "name": "示范市"}, "geometry": None},
        {
            "type": "Feature",
            "properties": {"code": "990101", "name": "示范县", "level": "county", "parent": "9901"},
            "geometry": box(116.0, 39.0, 116.1, 39.1),
        },
    ],
}

CSV_TEXT = (
    "code,name,level,geometry\n"
    "99,示范省,province,\n"
    "9901,示范市,city,\n"
    '990101,示范县,county,"POLYGON ((116 39, 116.1 39, 116.1 39.1, 116 39.1, 116 39))"\n'
)


def geojson_bytes(data) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


def test_geojson_file_is_imported_with_centroid_and_audit():
    rows = read_rows(geojson_bytes(FEATURES), name="regions.geojson")
    assert [r.label for r in rows] == ["第 1 个要素", "第 2 个要素", "第 3 个要素"]
    report = regions_import(actor=None, rows=rows, source="regions.geojson")
    assert (report.ok, report.created, report.updated, report.unchanged) == (True, 3, 0, 0)
    county = Region.objects.get(code="990101")
    assert (county.name, county.level, county.parent_id) == ("示范县", "county", "9901")
    assert county.geometry == box(116.0, 39.0, 116.1, 39.1)
    assert (county.centroid_lng, county.centroid_lat) == (116.05, 39.05)
    assert Region.objects.get(code="99").geometry is None
    record = AuditRecord.objects.get(action="regions.import")
    assert record.actor_username == "cli"
    assert (record.object_id, record.region_code) == ("99", "99")  # common root of the rows
    assert record.detail == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "warnings": 0,
        "rows": 3,
        "crs": "wgs84",
        "source": "regions.geojson",
    }


def test_csv_with_bom_is_imported_and_lines_count_the_header():
    data = "\ufeff".encode() + CSV_TEXT.encode()
    rows = read_rows(data, name="regions.csv")
    assert [r.label for r in rows] == ["第 2 行", "第 3 行", "第 4 行"]
    assert rows[0].code == "99"  # the BOM is not part of the first column name
    report = regions_import(actor=None, rows=rows)
    assert (report.created, report.errors) == (3, [])
    assert Region.objects.get(code="990101").geometry == box(116.0, 39.0, 116.1, 39.1)


def test_bad_rows_reject_the_whole_file_and_write_nothing():
    text = CSV_TEXT + (
        "990101001,城关镇,town,\n"
        "990101002001,南街社区,village,\n"
        "990101001001,东街社区,village,"
        '"POLYGON ((116 39, 116.01 39.01, 116.01 39, 116 39.01, 116 39))"\n'
    )
    before = AuditRecord.objects.count()
    report = regions_import(actor=None, rows=read_rows(text.encode(), name="x.csv"))
    assert not report.ok
    assert [str(e) for e in report.errors] == [
        "第 6 行：上级编码 990101002 不存在。",
        "第 7 行：几何无效：边界自相交（位置约 116.005, 39.005）。",
    ]
    assert report.summary() == "共 6 行，发现 2 处错误，未写入任何数据。"
    assert Region.objects.count() == 0
    assert AuditRecord.objects.count() == before
    assert not GridIndexVersion.objects.exclude(stamp="").exists()


def test_dry_run_validates_and_counts_without_writing():
    build_base_tree()
    rows = [*base_rows(), row("990101001001003", "三网格", box(116.0, 39.01, 116.01, 39.011))]
    rows[5] = row(GRID_A, "东街一网格（改名）", rows[5].geometry)
    stamp = GridIndexVersion.objects.get().stamp
    audits = AuditRecord.objects.count()
    report = regions_import(actor=None, rows=rows, dry_run=True)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 7)
    assert len(report.warnings) == 1
    assert report.summary() == "试运行（未写入）：共 9 行，新建 1，更新 1，未变 7，警告 1 条。"
    assert Region.objects.get(code=GRID_A).name == "东街第一网格"
    assert not Region.objects.filter(code="990101001001003").exists()
    assert GridIndexVersion.objects.get().stamp == stamp
    assert AuditRecord.objects.count() == audits


def test_upsert_updates_changed_rows_and_bumps_the_grid_version():
    build_base_tree()
    version = GridIndexVersion.objects.get()
    rows = base_rows()
    rows[5] = row(GRID_A, "东街一网格", box(116.0, 39.0, 116.01, 39.0099))
    report = regions_import(actor=None, rows=rows)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 7)
    grid = Region.objects.get(code=GRID_A)
    assert grid.name == "东街一网格"
    assert grid.geometry == box(116.0, 39.0, 116.01, 39.0099)
    assert grid.centroid_lat == pytest.approx(39.00495)
    after = GridIndexVersion.objects.get()
    assert (after.version, after.stamp != version.stamp) == (version.version + 1, True)


def test_row_without_geometry_keeps_the_stored_polygon():
    build_base_tree()
    report = regions_import(actor=None, rows=[row(VILLAGE, "东街社区（新名）")])
    assert report.updated == 1
    village = Region.objects.get(code=VILLAGE)
    assert village.name == "东街社区（新名）"
    assert village.geometry == box(116.0, 39.0, 116.02, 39.01)


def test_unchanged_import_does_not_bump_the_version():
    build_base_tree()
    stamp = GridIndexVersion.objects.get().stamp
    report = regions_import(actor=None, rows=base_rows())
    assert (report.created, report.updated, report.unchanged) == (0, 0, 8)
    assert GridIndexVersion.objects.get().stamp == stamp


def test_gcj02_import_stores_wgs84():
    rows = [row("99", "示范省", box(116.0, 39.0, 116.01, 39.01))]
    regions_import(actor=None, rows=rows, crs="gcj02")
    ring = Region.objects.get(code="99").geometry["coordinates"][0]
    assert ring[0] == [115.9940024, 38.9991331]


def test_only_system_admins_may_import():
    region_chain_actor = make_actor(Role.COUNTY_OPERATOR, "990101")
    with pytest.raises(PermissionDenied):
        regions_import(actor=region_chain_actor, rows=[row("98", "某省")])
    assert not Region.objects.filter(code="98").exists()
    denial = AuditRecord.objects.get(action="permission.denied")
    assert denial.detail["attempted"] == "regions.import"
    admin = make_actor(Role.SYSTEM_ADMIN, "990101")
    assert regions_import(actor=admin, rows=[row("98", "某省")]).created == 1
    assert AuditRecord.objects.get(action="regions.import").actor == admin.user


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"{not json", "a.geojson", "文件不是有效的 JSON：第 1 行第 2 列附近有错误"),
        (b'{"type": "Feature"}', "a.geojson", "GeoJSON 文件的顶层必须是 FeatureCollection。"),
        ("code,name\n99,示范省\n".encode("gbk"), "a.csv", "文件不是 UTF-8 编码"),
        (b"", "a.csv", "CSV 文件是空的。"),
        (b"code,nmae,geometry\n", "a.csv", "第 1 行（表头）：缺少列 name；未知列 nmae"),
    ],
)
def test_file_level_problems(data, name, message):
    with pytest.raises(FileFormatError) as caught:
        read_rows(data, name=name)
    assert caught.value.message.startswith(message)


def test_non_feature_entries_and_wrong_csv_width_are_row_errors():
    data = {"type": "FeatureCollection", "features": [FEATURES["features"][0], "oops"]}
    report = regions_import(actor=None, rows=read_rows(geojson_bytes(data), name="a.json"))
    assert [str(e) for e in report.errors] == ["第 2 个要素：不是 GeoJSON Feature 对象。"]
    report = regions_import(actor=None, rows=read_rows(b"code,name,level\n99,a\n", name="a.csv"))
    assert [str(e) for e in report.errors] == ["第 2 行：列数为 2，应为 3。"]


# --- export and round trip ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["geojson", "csv"])
def test_export_then_import_round_trips(fmt):
    build_base_tree()
    before = list(Region.objects.order_by("code").values())
    out = io.StringIO()
    count = regions_export(actor=None, out=out, fmt=fmt)
    assert count == 8
    record = AuditRecord.objects.get(action="regions.export")
    assert record.detail == {"format": fmt, "count": 8}

    # Same database: nothing changes.
    rows = read_rows(out.getvalue().encode(), name=f"x.{fmt}")
    report = regions_import(actor=None, rows=rows)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 8)

    # Empty database: the file rebuilds exactly the same rows.
    for length in (18, 15, 12, 9, 6, 4, 2):  # children first: parents are PROTECTed
        Region.objects.filter(code__regex=rf"^[0-9]{{{length}}}$").delete()
    report = regions_import(actor=None, rows=rows)
    assert report.created == 8
    after = list(Region.objects.order_by("code").values())
    strip = lambda rows: [{k: v for k, v in r.items() if k != "updated_at"} for r in rows]  # noqa: E731
    assert strip(after) == strip(before)


def test_export_csv_and_root():
    build_base_tree()
    out = io.StringIO()
    regions_export(actor=None, out=out, fmt="csv", root=GRID_A)
    assert out.getvalue().splitlines() == [
        "code,name,level,geometry",
        "990101001001001,东街第一网格,grid,"
        '"POLYGON ((116 39, 116.01 39, 116.01 39.01, 116 39.01, 116 39))"',
        "990101001001001001,一号楼微网格,microgrid,"
        '"POLYGON ((116.001 39.001, 116.003 39.001, 116.003 39.003, 116.001 39.003, '
        '116.001 39.001))"',
    ]
    with pytest.raises(ValidationError):
        regions_export(actor=None, out=io.StringIO(), root="990199")


# --- commands --------------------------------------------------------------------------------


def test_import_command_reports_rows_and_exits_non_zero(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(CSV_TEXT + "990101009,城关镇,village,\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import-regions", str(path), stderr=err)
    assert str(caught.value) == "共 4 行，发现 1 处错误，未写入任何数据。"
    assert (
        "错误 第 5 行：层级 village 与编码 990101009 的长度不符（9 位应为乡镇/街道）。"
        in err.getvalue()
    )
    assert Region.objects.count() == 0


def test_import_command_dry_run_and_real_run(tmp_path):
    path = tmp_path / "regions.geojson"
    path.write_bytes(geojson_bytes(FEATURES))
    out = io.StringIO()
    call_command("import-regions", str(path), "--dry-run", stdout=out)
    assert "试运行（未写入）：共 3 行，新建 3，更新 0，未变 0，警告 0 条。" in out.getvalue()
    assert Region.objects.count() == 0
    out = io.StringIO()
    call_command("import-regions", str(path), stdout=out)
    assert "导入完成：共 3 行，新建 3，更新 0，未变 0，警告 0 条。" in out.getvalue()
    assert Region.objects.count() == 3


def test_import_command_gcj02_and_missing_file(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(
        "code,name,geometry\n"
        '99,示范省,"POLYGON ((116 39, 116.01 39, 116.01 39.01, 116 39.01, 116 39))"\n',
        encoding="utf-8",
    )
    call_command("import-regions", str(path), "--crs", "gcj02", stdout=io.StringIO())
    assert Region.objects.get(code="99").geometry["coordinates"][0][0] == [115.9940024, 38.9991331]
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import-regions", str(tmp_path / "nope.csv"))


def test_export_command_to_file_and_stdout_round_trip(tmp_path):
    build_base_tree()
    target = tmp_path / "out.geojson"
    call_command("export-regions", "-o", str(target), stderr=io.StringIO())
    data = json.loads(target.read_text(encoding="utf-8"))
    assert [f["properties"]["code"] for f in data["features"]][:3] == ["99", "9901", "990101"]
    out = io.StringIO()
    call_command("export-regions", "--format", "csv", "--root", VILLAGE, stdout=out)
    assert out.getvalue().splitlines()[0] == "code,name,level,geometry"
    assert len(out.getvalue().splitlines()) == 5
    with pytest.raises(CommandError, match="区划编码 77 不存在"):
        call_command("export-regions", "--root", "77", stdout=io.StringIO())
