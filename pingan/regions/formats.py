"""Reading region files into `RegionRow`s: GeoJSON FeatureCollection or CSV.

File-level problems (not UTF-8, not JSON, no header …) raise `FileFormatError` with a Chinese
message; row-level problems are left to `validation.validate_rows`, which reports every row.
Row labels: CSV rows by line number with the header as line 1 ("第 3 行"), GeoJSON features
by 1-based position ("第 2 个要素").
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import orjson
from django.utils.translation import gettext as _

from pingan.regions.validation import RegionRow

FORMATS = ("geojson", "csv")
CSV_REQUIRED = ("code", "name")
CSV_OPTIONAL = ("level", "parent", "geometry")
# Large village polygons in WKT easily pass csv's default 128 KB field limit.
csv.field_size_limit(min(sys.maxsize, 64 * 1024 * 1024))


class FileFormatError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def decode(data: bytes) -> str:
    """UTF-8 with or without BOM; anything else is refused with a hint."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            _("文件不是 UTF-8 编码（第 %(pos)d 个字节无法识别）。请另存为 UTF-8 后重试。")
            % {"pos": exc.start + 1}
        ) from exc


def detect_format(name: str, text: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in (".geojson", ".json"):
        return "geojson"
    if suffix == ".csv":
        return "csv"
    return "geojson" if text.lstrip().startswith("{") else "csv"


def read_rows(data: bytes, *, name: str = "", fmt: str | None = None) -> list[RegionRow]:
    """Parse a whole file (bytes) into rows; `fmt` defaults to detection by name/content."""
    text = decode(data)
    fmt = fmt or detect_format(name, text)
    if fmt == "geojson":
        return read_geojson(text)
    if fmt == "csv":
        return read_csv(text)
    raise FileFormatError(_("不支持的文件格式：%(fmt)s。") % {"fmt": fmt})


def _feature_label(number: int) -> str:
    return _("第 %(n)d 个要素") % {"n": number}


def read_geojson(text: str) -> list[RegionRow]:
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise FileFormatError(
            _("文件不是有效的 JSON：第 %(line)d 行第 %(col)d 列附近有错误（%(msg)s）。")
            % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}
        ) from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise FileFormatError(_("GeoJSON 文件的顶层必须是 FeatureCollection。"))
    features = data.get("features")
    if not isinstance(features, list):
        raise FileFormatError(_("FeatureCollection 缺少 features 数组。"))
    rows = []
    for number, feature in enumerate(features, start=1):
        label = _feature_label(number)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            # Kept as a row so the validator reports it with the others.
            problem = _("不是 GeoJSON Feature 对象。")
            rows.append(RegionRow(label=label, code=None, name=None, problem=problem))
            continue
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            props = {}
        rows.append(
            RegionRow(
                label=label,
                code=props.get("code"),
                name=props.get("name"),
                level=props.get("level"),
                parent=props.get("parent"),
                geometry=feature.get("geometry"),
            )
        )
    return rows


def _line_label(line: int) -> str:
    return _("第 %(n)d 行") % {"n": line}


def read_csv(text: str) -> list[RegionRow]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration as exc:
        raise FileFormatError(_("CSV 文件是空的。")) from exc
    except csv.Error as exc:
        raise FileFormatError(_("CSV 格式错误：%(msg)s。") % {"msg": exc}) from exc
    columns = [h.strip().lower() for h in header]
    missing = [c for c in CSV_REQUIRED if c not in columns]
    unknown = [c for c in columns if c not in CSV_REQUIRED + CSV_OPTIONAL]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(_("缺少列 %(cols)s") % {"cols": "、".join(missing)})
        if unknown:
            parts.append(_("未知列 %(cols)s") % {"cols": "、".join(unknown)})
        raise FileFormatError(
            _("第 1 行（表头）：%(problems)s；表头应为 code,name,level,geometry（parent 可选）。")
            % {"problems": "；".join(parts)}
        )
    if len(set(columns)) != len(columns):
        raise FileFormatError(_("第 1 行（表头）：列名重复。"))
    rows = []
    line_end = reader.line_num
    while True:
        start = line_end + 1  # a quoted field may span lines; report where the record starts
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise FileFormatError(
                _("%(label)s：CSV 格式错误（%(msg)s）。")
                % {"label": _line_label(start), "msg": exc}
            ) from exc
        line_end = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        label = _line_label(start)
        if len(record) != len(columns):
            problem = _("列数为 %(got)d，应为 %(want)d。") % {
                "got": len(record),
                "want": len(columns),
            }
            rows.append(RegionRow(label=label, code=None, name=None, problem=problem))
            continue
        values = dict(zip(columns, record, strict=True))
        rows.append(
            RegionRow(
                label=label,
                code=values["code"],
                name=values["name"],
                level=values.get("level") or None,
                parent=values.get("parent") or None,
                geometry=(values.get("geometry") or "").strip() or None,
            )
        )
    return rows
