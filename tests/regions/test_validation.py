"""Validation of region rows: geometry, code-as-path, parents, sibling overlap, containment."""

import pytest

from pingan.regions.geometry import to_geojson
from pingan.regions.validation import RegionRow, parent_code_of, validate_rows
from tests.regions.factories import GRID_A, GRID_B, VILLAGE, box, build_base_tree, row

pytestmark = pytest.mark.django_db


def messages(rows, **kwargs):
    result = validate_rows(rows, **kwargs)
    return [str(e) for e in result.errors], [str(w) for w in result.warnings]


def test_parent_code_is_code_minus_last_segment():
    assert parent_code_of("99") is None
    assert parent_code_of("9901") == "99"
    assert parent_code_of("990101001") == "990101"
    assert parent_code_of("990101001001001001") == "990101001001001"


def test_unclosed_ring_is_an_error():
    open_ring = {"type": "Polygon", "coordinates": [[[116, 39], [116.01, 39], [116.01, 39.01]]]}
    closed_but_open = {
        "type": "Polygon",
        "coordinates": [[[116, 39], [116.01, 39], [116.01, 39.01], [116, 39.01]]],
    }
    errors, _ = messages(
        [
            row("99", "示范省", open_ring, label="第 2 行"),
            row("98", "另一省", closed_but_open, label="第 3 行"),
        ]
    )
    assert errors == [
        "第 2 行：外环只有 3 个坐标点，闭合的环至少需要 4 个（首尾相同）。",
        "第 3 行：外环未闭合：首点 (116, 39) 与末点 (116, 39.01) 不同。",
    ]


def test_unclosed_wkt_ring_is_an_error():
    errors, _ = messages([row("99", "示范省", "POLYGON ((0 0, 1 0, 1 1, 0 1))", label="第 2 行")])
    assert errors == ["第 2 行：环未闭合：每个环的首点和末点必须相同。"]


def test_self_intersection_is_an_error_with_its_location():
    bowtie = "POLYGON ((116 39, 116.01 39.01, 116.01 39, 116 39.01, 116 39))"
    errors, _ = messages([row("99", "示范省", bowtie, label="第 2 行")])
    assert errors == ["第 2 行：几何无效：边界自相交（位置约 116.005, 39.005）。"]


def test_coordinates_out_of_range_and_swapped():
    swapped = box(39.0, 116.0, 39.01, 116.01)
    projected = box(12_900_000, 4_800_000, 12_901_000, 4_801_000)
    errors, _ = messages(
        [row("99", "示范省", swapped, label="甲"), row("98", "乙省", projected, label="乙")]
    )
    assert errors == [
        "甲：坐标 (39, 116) 超出 WGS84 经纬度范围（经度 -180～180，纬度 -90～90）"
        "（经纬度可能写反了：顺序应为 经度 纬度）。",
        "乙：坐标 (12900000, 4800000) 超出 WGS84 经纬度范围（经度 -180～180，纬度 -90～90）。",
    ]


def test_wrong_geometry_type_and_bad_json_positions():
    point = {"type": "Point", "coordinates": [116, 39]}
    text_coords = {"type": "Polygon", "coordinates": [[["a", 39], [1, 2], [3, 4], ["a", 39]]]}
    errors, _ = messages(
        [row("99", "示范省", point, label="甲"), row("98", "乙省", text_coords, label="乙")]
    )
    assert errors == [
        "甲：几何类型必须是 Polygon 或 MultiPolygon（当前为 Point）。",
        "乙：坐标必须是有限的数字：['a', 39]。",
    ]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("99010", "编码 99010 长度为 5 位，应为 2、4、6、9、12、15 或 18 位。"),
        ("99A1", "编码只能包含数字：99A1。"),
        ("", "缺少编码 code。"),
        (None, "缺少编码 code。"),
        (True, "缺少编码 code。"),
    ],
)
def test_bad_codes(code, message):
    errors, _ = messages([RegionRow(label="第 4 行", code=code, name="某地")])
    assert errors == [f"第 4 行：{message}"]


def test_integer_code_is_accepted():
    result = validate_rows([RegionRow(label="x", code=99, name="示范省")])
    assert result.errors == []
    assert result.rows[0].code == "99"


def test_unknown_parent_is_an_error_and_a_parent_in_the_batch_is_fine():
    errors, _ = messages(
        [
            row("99", "示范省", label="第 2 行"),
            row("9901", "示范市", label="第 3 行"),
            row("990101001", "城关镇", label="第 4 行"),
        ]
    )
    assert errors == ["第 4 行：上级编码 990101 不存在。"]


def test_parent_must_exist_in_database_when_not_in_batch():
    build_base_tree()
    errors, _ = messages([row("990101001002", "西街社区", label="第 2 行")])
    assert errors == []
    errors, _ = messages([row("990101002001", "南街社区", label="第 3 行")])
    assert errors == ["第 3 行：上级编码 990101002 不存在。"]


def test_level_must_match_code_length():
    errors, _ = messages(
        [
            row("99", "示范省", level="province"),
            row("9901", "示范市", level="市"),
            row("990101", "示范县", level="village", label="第 4 行"),
            row("990102", "另一县", level="镇", label="第 5 行"),
        ]
    )
    assert errors == [
        "第 4 行：层级 village 与编码 990101 的长度不符（6 位应为县）。",
        "第 5 行：未知层级 镇（可用：province/city/county/town/village/grid/microgrid）。",
    ]


def test_given_parent_must_equal_code_prefix():
    errors, _ = messages([row("99", "示范省"), row("9901", "示范市", parent="98", label="第 3 行")])
    assert errors == ["第 3 行：上级编码 98 与编码 9901 不一致（应为 99）。"]


def test_grids_need_a_polygon_and_names_are_required():
    build_base_tree()
    errors, _ = messages(
        [
            row("990101001001003", "无边界网格", label="第 2 行"),
            row("990101001001004", " ", label="第 3 行", geometry=box(116, 39, 116.001, 39.001)),
        ]
    )
    assert errors == ["第 2 行：网格必须有边界 geometry。", "第 3 行：缺少名称 name。"]


def test_duplicate_codes_in_one_batch():
    errors, _ = messages(
        [row("99", "示范省", label="第 2 行"), row("99", "又一个", label="第 5 行")]
    )
    assert errors == ["第 5 行：编码 99 与第 2 行重复。"]


def test_sibling_overlap_with_existing_grid_is_an_error():
    build_base_tree()
    overlapping = box(116.009, 39.0, 116.0095, 39.01)  # a strip inside grid A
    errors, _ = messages([row("990101001001003", "三网格", overlapping, label="第 2 行")])
    assert errors == [
        "第 2 行：网格 990101001001003 与已有的同级网格 990101001001001 重叠约 47,826 平方米。"
    ]


def test_sibling_overlap_inside_batch_names_the_other_row():
    build_base_tree()
    errors, _ = messages(
        [
            row("990101001001003", "三网格", box(116.0, 39.02, 116.01, 39.03), label="第 2 行"),
            row("990101001001004", "四网格", box(116.005, 39.02, 116.015, 39.03), label="第 3 行"),
        ]
    )
    assert errors == [
        "第 3 行：网格 990101001001004 与同级网格 990101001001003（第 2 行）重叠约 478,129 平方米。"
    ]


def test_touching_siblings_are_fine_and_cousins_may_overlap():
    build_base_tree()
    # Shares grid B's east edge: touching only.
    touching = box(116.02, 39.0, 116.03, 39.01)
    result = validate_rows([row("990101001001003", "三网格", touching)])
    assert result.errors == []
    # A grid of another village may overlap (only siblings are compared).
    cousin_rows = [
        row("990101001002", "西街社区"),
        row("990101001002001", "西街网格", box(116.0, 39.0, 116.01, 39.01)),
    ]
    assert validate_rows(cousin_rows).errors == []


def test_replacing_a_grid_polygon_is_not_an_overlap_with_its_old_self():
    build_base_tree()
    result = validate_rows([row(GRID_A, "东街第一网格", box(116.0, 39.0, 116.0099, 39.01))])
    assert result.errors == []


def test_grid_outside_its_village_is_a_warning_not_an_error():
    build_base_tree()
    sticking_out = box(116.0, 39.01, 116.01, 39.011)  # north of the village
    result = validate_rows([row("990101001001003", "三网格", sticking_out, label="第 2 行")])
    assert result.errors == []
    assert [str(w) for w in result.warnings] == [
        "第 2 行：网格 990101001001003 有约 95,645 平方米（100.0%）"
        "超出所属村/社区 990101001001 的边界。"
    ]


def test_shrinking_a_village_warns_about_its_existing_grids():
    build_base_tree()
    result = validate_rows(
        [row(VILLAGE, "东街社区", box(116.0, 39.0, 116.01, 39.01), label="第 2 行")]
    )
    assert result.errors == []
    assert [str(w) for w in result.warnings] == [
        f"第 2 行：村/社区 {VILLAGE} 的新边界使已有网格 {GRID_B} "
        "有约 956,529 平方米（100.0%）落在边界外。"
    ]


def test_gcj02_input_is_converted_before_checks():
    result = validate_rows([row("99", "示范省", box(116.0, 39.0, 116.01, 39.01))], crs="gcj02")
    ring = to_geojson(result.rows[0].geom)["coordinates"][0]
    # GCJ-02 is shifted north-east of WGS84 around Beijing, so WGS84 is further south-west.
    assert 115.99 < ring[0][0] < 116.0
    assert 38.99 < ring[0][1] < 39.0
    assert ring[0] == ring[-1]
