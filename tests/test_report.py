"""The weekly report: dates, shares, deltas, alerts, label precedence, renderers, CLI wiring.

``tests/data/report_input.csv`` is the fixed golden input: 127 short Simplified-Chinese rows
from ``data/train/complaints.csv`` re-dated over ISO weeks 2025-W26…W31 (plus two rows on
2025-08-05), in six date formats, with staff labels in ``category`` and every column the
report reads, so no model runs. By design, W31 has an arbitrary_fine spike (10 against
2, 1, 2, 2, 1) and a 浙江 spike (6 against at most 1), forced_shipping_insurance goes 1 -> 3
(below the minimum count), and there are rows with a blank, a relative and an impossible
date, one empty text, and two rows after the week.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import triage.report
from triage.cli import app
from triage.errors import InputFormatError, LabelError
from triage.policies import load_catalog
from triage.report import (
    check_rise,
    parse_dates,
    parse_week,
    percent,
    weekly_report,
    weekly_report_from_file,
)
from triage.taxonomy import CATEGORY_IDS

from .conftest import ASSETS

GOLDEN = Path(__file__).parent / "golden"
INPUT = ASSETS / "report_input.csv"
runner = CliRunner()


def complaints(plan: dict[str, dict[str, int]], **extra) -> pd.DataFrame:
    """A labelled frame: ``plan[week][category]`` complaints on that week's Sunday."""
    rows = []
    for week, counts in plan.items():
        day = parse_week(week) + timedelta(days=6)
        for category, n in counts.items():
            rows += [
                {"date": day.isoformat(), "text": f"{category} {i}", "category": category}
                for i in range(n)
            ]
    frame = pd.DataFrame(rows)
    frame["policies"], frame["region"], frame["product_category"] = "", "", ""
    frame["amount_yuan"], frame["needs_review"] = None, False
    for name, value in extra.items():
        frame[name] = value
    return frame


class StubTriager:
    """Labels every text with one category, so tests need no model."""

    version = "stub-1"

    def __init__(self, category: str = "other"):
        self.category, self.calls = category, 0
        self.catalog = load_catalog()

    def label_texts(self, texts) -> pd.DataFrame:
        self.calls += 1
        n = len(texts)
        return pd.DataFrame(
            {
                "category": [self.category] * n,
                "needs_review": [True] * n,
                "region": ["广东"] * n,
                "product_category": ["home"] * n,
                "amount_yuan": pd.array([10.0] * n, dtype="Float64"),
            }
        )


# ------------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2025-07-28", datetime(2025, 7, 28)),
        ("2025/7/28", datetime(2025, 7, 28)),
        ("2025.07.28", datetime(2025, 7, 28)),
        ("20250728", datetime(2025, 7, 28)),
        ("2025年7月28日", datetime(2025, 7, 28)),
        ("2025年7月28日 9:05", datetime(2025, 7, 28, 9, 5)),
        ("2025年7月28日10时20分", datetime(2025, 7, 28, 10, 20)),
        ("2025-07-28 14:22:05", datetime(2025, 7, 28, 14, 22, 5)),
        ("2025-07-28T14:22:05+08:00", datetime(2025, 7, 28, 14, 22, 5)),
        ("2025-07-28T14:22:05.123Z", datetime(2025, 7, 28, 14, 22, 5)),
        ("  2025/07/28 ", datetime(2025, 7, 28)),
        (datetime(2025, 7, 28, 8), datetime(2025, 7, 28, 8)),
        (date(2025, 7, 28), datetime(2025, 7, 28)),
    ],
)
def test_parse_dates_common_forms(value, expected):
    assert parse_dates([value])[0] == pd.Timestamp(expected)


@pytest.mark.parametrize(
    "value",
    [
        "",
        None,
        float("nan"),
        "上周三",
        "7/28",
        "2025-02-30",
        "2025-13-01",
        "2025-07-28 25:00",
        "28/07/2025",
        "2025-07-28 abc",
    ],
)
def test_parse_dates_unparseable_is_nat(value):
    assert pd.isna(parse_dates([value])[0])


def test_parse_dates_keeps_datetime_columns_and_index():
    s = pd.Series(pd.to_datetime(["2025-07-28 10:00", None]).tz_localize("UTC"), index=[5, 9])
    out = parse_dates(s)
    assert out.index.tolist() == [5, 9] and out[5] == pd.Timestamp("2025-07-28 10:00")
    assert pd.isna(out[9])


def test_parse_week():
    assert parse_week("2025-W31") == date(2025, 7, 28)
    assert parse_week("2026-w01") == date(2025, 12, 29)
    for bad in ("2025-31", "2025-W54", "2025-W53"):  # 2025 has 52 ISO weeks
        with pytest.raises(ValueError):
            parse_week(bad)


def test_unparseable_dates_are_counted_not_dropped():
    frame = complaints({"2025-W30": {"other": 3}, "2025-W31": {"other": 4}})
    frame.loc[0, "date"], frame.loc[1, "date"] = "", "last Tuesday"
    r = weekly_report(frame, week="2025-W31")
    q = r.quality
    assert (q["undated"], q["undated_blank"]) == (2, 1)
    assert q["undated_examples"] == ["row 2: 'last Tuesday'"]
    assert r.total + r.previous_total + q["undated"] == len(frame)
    assert "Rows without a usable date: 2 (1 blank, 1 unparseable" in r.to_markdown()


# ------------------------------------------------------------------------ shares, deltas


def test_shares_are_exact():
    assert percent(36, 78) == 46.15
    assert percent(1, 3) == 33.33 and percent(2, 3) == 66.67 and percent(1, 8) == 12.5
    frame = complaints(
        {
            "2025-W30": {"arbitrary_refund": 40, "other": 60},
            "2025-W31": {"arbitrary_refund": 36, "other": 42},
        }
    )
    r = weekly_report(frame, week="2025-W31")
    row = r.categories.set_index("id").loc["arbitrary_refund"]
    assert (r.total, row["count"], row["share"]) == (78, 36, 46.15)
    assert (row["previous_share"], row["delta_pp"], row["delta_count"]) == (40.0, 6.15, -4)
    other = r.categories.set_index("id").loc["other"]
    assert (other["share"], other["delta_pp"]) == (53.85, -6.15)
    assert (
        "| arbitrary_refund | 随意退款 | 36 | 46.15 | 40 | 40.00 | +6.15 | -4 |" in r.to_markdown()
    )
    cats = {c["id"]: c for c in r.to_dict()["categories"]}
    assert (
        cats["arbitrary_refund"]["share"] == 46.15 and cats["arbitrary_refund"]["delta_pp"] == 6.15
    )
    assert r.change == -22 and r.change_pct == -22.0


def test_every_category_listed_and_shares_sum():
    r = weekly_report(complaints({"2025-W31": {"other": 2, "arbitrary_fine": 1}}))
    assert sorted(r.categories["id"]) == sorted(CATEGORY_IDS)
    assert r.categories["id"].tolist()[:2] == ["other", "arbitrary_fine"]  # by count
    assert r.categories["share"].sum() == pytest.approx(100.0, abs=0.05)
    assert r.previous_total == 0 and r.change_pct is None


def test_regions_top_ten_plus_rest_and_unknown():
    frame = complaints({"2025-W31": {"other": 16}})
    frame["region"] = [f"R{i:02d}" for i in range(12)] + ["R00", "R00", "", ""]
    r = weekly_report(frame)
    assert r.regions["name"].tolist()[0] == "R00" and len(r.regions) == 12
    assert r.regions["kind"].tolist()[-2:] == ["rest", "unknown"]
    assert r.regions["count"].tolist()[-2:] == [2, 2]
    assert r.regions["count"].sum() == r.total


def test_policies_counted_per_complaint():
    frame = complaints({"2025-W31": {"arbitrary_refund": 3}})
    frame["policies"] = ["refund_only;after_sales_arbitration", "refund_only", ""]
    r = weekly_report(frame)
    assert dict(zip(r.policies["id"], r.policies["count"], strict=True)) == {
        "refund_only": 2,
        "after_sales_arbitration": 1,
    }
    assert r.policies["name_zh"].iloc[0] == "仅退款 / 极速退"


# ------------------------------------------------------------------------------ alerts


def test_check_rise_rules():
    assert check_rise(10, [2, 1, 2, 2, 1]).alert
    assert not check_rise(3, [1, 1, 1, 1]).alert  # 1 -> 3: below the minimum count
    assert not check_rise(4, [0, 0, 0, 0]).alert  # still below 5
    assert check_rise(5, [0, 0, 0, 0]).alert  # a newcomer at the minimum count
    assert not check_rise(60, [45, 50, 48, 52]).alert  # large base: below 1.5x
    assert not check_rise(8, [4, 6, 5, 5]).alert  # 1.6x but p = 0.13
    check = check_rise(10, [2, 1, 2, 2, 1])
    assert (check.expected, check.ratio) == (1.6, 6.25) and check.p_value < 1e-4
    assert check_rise(0, []).p_value == 1.0


def test_alerts_in_report_say_what_how_much_and_evidence():
    history = {
        f"2025-W{w}": {"arbitrary_fine": 1, "forced_shipping_insurance": 1, "other": 5}
        for w in range(24, 31)
    }
    plan = {
        **history,
        "2025-W31": {"arbitrary_fine": 9, "forced_shipping_insurance": 3, "other": 5},
    }
    r = weekly_report(complaints(plan), week="2025-W31")
    assert r.alerts["id"].tolist() == ["arbitrary_fine"]
    alert = r.to_dict()["alerts"][0]
    assert alert["dimension"] == "category" and alert["count"] == 9 and alert["expected"] == 1.0
    assert alert["history"] == [1] * 7 and alert["p_value"] < 0.01
    assert "rose to 9" in alert["message"] and "×9.0" in alert["message"]
    assert "P(X ≥ 9)" in alert["message"]


def test_no_alerts_without_history():
    r = weekly_report(complaints({"2025-W31": {"arbitrary_fine": 30}}))
    assert r.alerts.empty and "alerts_skipped" in r.quality
    assert "No alerts: alerts need at least 2 earlier weeks" in r.to_markdown()


# ---------------------------------------------------------------------- labels, columns


def test_labels_in_the_file_win():
    frame = complaints({"2025-W31": {"arbitrary_fine": 2}})
    frame = frame.drop(columns=["region", "needs_review"])
    stub = StubTriager("other")
    r = weekly_report(frame, triager=stub)
    assert stub.calls == 1  # region was missing: taken from the model
    assert r.categories.set_index("id").loc["arbitrary_fine", "count"] == 2
    assert r.regions["name"].tolist() == ["广东"]
    assert r.needs_review == 0  # a staff label counts as reviewed
    assert r.quality["labels_given"] == 2 and r.quality["model_version"] == "stub-1"


def test_unlabelled_frame_is_labelled_and_blank_labels_filled():
    frame = pd.DataFrame({"日期": ["2025-07-29", "2025-07-30"], "投诉内容": ["a", "b"]})
    stub = StubTriager("deposit_withheld")
    r = weekly_report(frame, week="2025-W31", triager=stub)
    assert r.categories.set_index("id").loc["deposit_withheld", "count"] == 2
    assert r.needs_review == 2 and r.quality["labels_from_model"] == 2
    frame["category"] = ["arbitrary_fine", ""]
    r = weekly_report(frame, week="2025-W31", triager=StubTriager("deposit_withheld"))
    counts = r.categories.set_index("id")["count"]
    assert (counts["arbitrary_fine"], counts["deposit_withheld"], r.needs_review) == (1, 1, 1)


def test_policies_matched_against_the_staff_label():
    frame = pd.DataFrame(
        {
            "date": ["2025-07-29"],
            "text": ["保证金退店三个月了还没退"],
            "category": ["deposit_withheld"],
        }
    )
    r = weekly_report(frame, week="2025-W31", triager=StubTriager("other"))
    assert r.policies["id"].tolist() == ["deposit"]


def test_unknown_category_ids_are_rejected():
    frame = complaints({"2025-W31": {"other": 2}})
    frame.loc[0, "category"], frame.loc[1, "category"] = "refund", "Fine"
    with pytest.raises(LabelError, match=r"2 unknown category id\(s\): 'Fine', 'refund'"):
        weekly_report(frame)
    stub = StubTriager()  # region is missing: the model would run, but not on a refused file
    with pytest.raises(LabelError):
        weekly_report(frame.drop(columns="region"), week="2025-W31", triager=stub)
    assert stub.calls == 0


def test_date_column_found_or_explained():
    frame = complaints({"2025-W31": {"other": 1}}).rename(columns={"date": "Created_At"})
    assert weekly_report(frame).total == 1
    with pytest.raises(InputFormatError, match="date column 'when'"):
        weekly_report(frame, date_column="when")
    with pytest.raises(
        InputFormatError, match=r"which column holds the complaint date; the columns are \['x'"
    ):
        weekly_report(frame.rename(columns={"Created_At": "x"}))
    frame["Created_At"] = "soon"
    with pytest.raises(InputFormatError, match="no parseable date"):
        weekly_report(frame)


def test_default_week_is_the_latest_complete_one():
    sunday = complaints({"2025-W31": {"other": 1}})
    assert sunday["date"][0] == "2025-08-03" and weekly_report(sunday).week == "2025-W31"
    tuesday = complaints({"2025-W31": {"other": 1}, "2025-W32": {"other": 1}})
    tuesday.loc[1, "date"] = "2025-08-05"
    r = weekly_report(tuesday)
    assert r.week == "2025-W31" and r.quality["after_week"] == 1


def test_trend_covers_weeks_back_within_the_data():
    plan = {f"2025-W{w}": {"other": w - 19} for w in range(20, 32)}
    r = weekly_report(complaints(plan), week="2025-W31", weeks_back=4)
    assert r.weeks == ["2025-W28", "2025-W29", "2025-W30", "2025-W31"]
    assert r.trend.loc["other"].tolist() == [9, 10, 11, 12]
    r = weekly_report(complaints(plan), week="2025-W22", weeks_back=8)
    assert r.weeks == ["2025-W20", "2025-W21", "2025-W22"]  # nothing before the data


def test_typical_cases_per_category_present():
    frame = complaints({"2025-W31": {"arbitrary_refund": 3, "other": 1}})
    frame["text"] = [
        "平台直接给买家仅退款了",
        "平台又给买家仅退款了，货没退回",
        "保证金",
        "别的事情",
    ]
    frame["id"] = ["A", "B", "C", "D"]
    r = weekly_report(frame)
    cases = r.to_dict()["typical_cases"]
    assert set(cases) == {"arbitrary_refund", "other"} and len(cases["other"]) == 1
    assert [c["id"] for c in cases["arbitrary_refund"]] == ["A", "B"]
    assert {"id", "excerpt", "region", "amount_yuan", "policies"} <= set(cases["other"][0])


# ----------------------------------------------------------------- renderers and golden


@pytest.fixture(scope="module")
def golden_report():
    return weekly_report(pd.read_csv(INPUT, dtype=str, keep_default_na=False))


@pytest.mark.parametrize(
    "name, fmt", [("weekly_report.md", "markdown"), ("weekly_report.json", "json")]
)
def test_golden(golden_report, name, fmt, update_golden):
    text = golden_report.render(fmt)
    path = GOLDEN / name
    if update_golden:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed; rerun with --update-golden"


def test_golden_input_shows_the_designed_alerts(golden_report):
    d = golden_report.to_dict()
    assert d["week"] == "2025-W31" and d["total"] == 29 and d["previous_total"] == 19
    assert [(a["dimension"], a["id"]) for a in d["alerts"]] == [
        ("category", "arbitrary_fine"),
        ("region", "浙江"),
    ]
    assert d["quality"]["undated"] == 3 and d["quality"]["empty_text_this_week"] == 1
    required = {
        "id",
        "name_zh",
        "name_en",
        "count",
        "share",
        "previous_count",
        "previous_share",
        "delta_pp",
    }
    assert required <= set(d["categories"][0])
    assert {"name", "count", "share"} <= set(d["regions"][0])
    assert {"id", "count", "share"} <= set(d["product_categories"][0])
    assert {"id", "count"} <= set(d["policies"][0])
    assert {"dimension", "id", "count", "expected", "message"} <= set(d["alerts"][0])


def test_html_is_self_contained_with_text_labels(golden_report):
    page = golden_report.to_html()
    assert page.count("<svg") == 2 and "<script" not in page and "<link" not in page
    assert not re.search(r"url\((?!#)", page) and "@import" not in page  # url(#id) is local
    assert "https://" not in page.replace("http://www.w3.org", "")
    assert "Noto Sans CJK SC" in page and "<text" in page and ">随意罚款 arbitrary_fine<" in page
    assert "Weekly complaint report 2025-W31" in page


def test_xlsx_one_sheet_per_table_and_text_stays_text(golden_report, tmp_path):
    from openpyxl import load_workbook

    golden_report.typical_cases.loc[0, "excerpt"] = "=HYPERLINK(1)"
    path = tmp_path / "r.xlsx"
    golden_report.to_xlsx(path)
    book = load_workbook(path)
    assert book.sheetnames == [
        "summary",
        "categories",
        "regions",
        "product_categories",
        "policies",
        "trend",
        "alerts",
        "typical_cases",
        "quality",
    ]
    assert book["categories"]["E2"].value == 34.48
    cell = book["typical_cases"]["C2"]
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s"


def test_terminal_view_renders(golden_report):
    from rich.console import Console

    from triage.views import render_report

    console = Console(file=io.StringIO(), width=120, color_system=None)
    console.print(render_report(golden_report))
    text = console.file.getvalue()
    assert "随意罚款" in text and "▂▂▂▂▂█" in text and "46.15" not in text and "34.48" in text


# ---------------------------------------------------------------------------- streaming


def same_report(a, b) -> None:
    assert a.to_json() == b.to_json() and a.to_markdown() == b.to_markdown()
    pd.testing.assert_frame_equal(a.trend, b.trend)


@pytest.mark.parametrize("week", [None, "2025-W30"])
def test_streamed_file_gives_the_in_memory_report(week, monkeypatch):
    # Few rows per chunk and a small typical-case pool, so that undated examples, the week's
    # counts and the pool's cut all span several chunks.
    monkeypatch.setattr(triage.report, "TYPICAL_POOL", 3)
    frame = pd.read_csv(INPUT, dtype=str, keep_default_na=False)
    streamed = weekly_report_from_file(str(INPUT), week=week, chunk_size=7)
    same_report(streamed, weekly_report(frame, week=week))
    assert streamed.quality["undated_examples"] and len(streamed.typical_cases) > 1


def test_streamed_unlabelled_file_loads_the_model_once(tmp_path, monkeypatch):
    import triage.api

    loaded = []
    monkeypatch.setattr(triage.api, "load", lambda *a: loaded.append(a) or StubTriager("other"))
    src = tmp_path / "raw.csv"
    pd.read_csv(INPUT, dtype=str, keep_default_na=False)[["id", "date", "text"]].to_csv(
        src, index=False
    )
    streamed = weekly_report_from_file(str(src), chunk_size=10)
    assert len(loaded) == 1 and streamed.quality["labels_from_model"] == 122
    same_report(streamed, weekly_report(pd.read_csv(src, dtype=str, keep_default_na=False)))


@pytest.mark.parametrize("week", [None, "2025-W31"])  # with a week: one pass
def test_streamed_file_checks_every_chunk(week, tmp_path):
    src = tmp_path / "in.csv"
    frame = pd.read_csv(INPUT, dtype=str, keep_default_na=False)
    frame.loc[len(frame) - 1, "category"] = "Fine"
    frame.to_csv(src, index=False)
    with pytest.raises(LabelError, match=r"1 unknown category id\(s\): 'Fine'"):
        weekly_report_from_file(str(src), week=week, chunk_size=10)
    frame["date"] = "soon"
    frame["category"] = "other"
    frame.to_csv(src, index=False)
    with pytest.raises(InputFormatError, match=r"no parseable date in column 'date' \(127 rows\)"):
        weekly_report_from_file(str(src), week=week, chunk_size=10)


# ---------------------------------------------------------------------------------- CLI


def test_cli_report_formats(tmp_path):
    result = runner.invoke(
        app, ["report", str(INPUT), "--format", "markdown"], catch_exceptions=False
    )
    assert result.exit_code == 0 and result.stdout.startswith("# Weekly complaint report 2025-W31")
    assert result.stdout == (GOLDEN / "weekly_report.md").read_text(encoding="utf-8")
    result = runner.invoke(
        app, ["report", str(INPUT), "-f", "json", "--week", "2025-W30"], catch_exceptions=False
    )
    assert result.exit_code == 0 and json.loads(result.stdout)["week"] == "2025-W30"
    result = runner.invoke(app, ["report", str(INPUT)], catch_exceptions=False)
    assert result.exit_code == 0 and "随意罚款" in result.stdout
    result = runner.invoke(  # stdin is read whole
        app, ["report", "-", "-f", "markdown"], input=INPUT.read_bytes(), catch_exceptions=False
    )
    assert result.stdout == (GOLDEN / "weekly_report.md").read_text(encoding="utf-8")


def test_cli_report_files_and_force(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(INPUT.read_bytes())
    result = runner.invoke(app, ["report", str(src), "--format", "html"], catch_exceptions=False)
    target = tmp_path / "in.report.html"
    assert result.exit_code == 0 and target.is_file() and result.stdout == ""
    assert "in.report.html" in result.stderr
    result = runner.invoke(app, ["report", str(src), "--format", "html"])
    assert result.exit_code == 1 and "--force" in result.stderr
    out = tmp_path / "r.xlsx"
    result = runner.invoke(app, ["report", str(src), "-f", "xlsx", "-o", str(out)])
    assert result.exit_code == 0 and out.stat().st_size > 0
    result = runner.invoke(app, ["report", str(src), "-f", "xlsx", "-o", str(out), "--force"])
    assert result.exit_code == 0
    md = tmp_path / "r.md"
    result = runner.invoke(app, ["report", str(src), "-f", "markdown", "-o", str(md)])
    assert md.read_text(encoding="utf-8") == (GOLDEN / "weekly_report.md").read_text("utf-8")
    result = runner.invoke(app, ["report", str(src), "-f", "markdown", "-o", str(src), "--force"])
    assert result.exit_code == 1 and "input" in result.stderr
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_cli_report_user_mistakes(tmp_path):
    result = runner.invoke(app, ["report", str(INPUT), "--week", "31"])
    assert result.exit_code == 2
    result = runner.invoke(app, ["report", str(INPUT), "--date-column", "when"])
    assert result.exit_code == 1 and "no date column 'when'" in result.stderr
    result = runner.invoke(app, ["report", str(tmp_path / "missing.csv")])
    assert result.exit_code == 1 and "file not found" in result.stderr
    result = runner.invoke(app, ["report", "-", "-f", "xlsx", "-o", "-"], input="id,text\n")
    assert result.exit_code == 1 and "cannot go to stdout" in result.stderr
    result = runner.invoke(app, ["report", "-", "-f", "html"], input="id,text\n")
    assert result.exit_code == 1 and "needs -o FILE" in result.stderr
    result = runner.invoke(app, ["report", str(INPUT), "--weeks-back", "1"])
    assert result.exit_code == 2


def test_cli_report_labels_an_unlabelled_file(tmp_path, monkeypatch):
    import triage.api

    loaded = []
    monkeypatch.setattr(triage.api, "load", lambda *a: loaded.append(a) or StubTriager("other"))
    src = tmp_path / "raw.csv"
    frame = pd.read_csv(INPUT, dtype=str, keep_default_na=False)
    frame[["id", "date", "text"]].to_csv(src, index=False)
    result = runner.invoke(
        app, ["report", str(src), "-f", "json", "--model", "m.joblib"], catch_exceptions=False
    )
    assert result.exit_code == 0 and loaded == [("m.joblib", None)]
    d = json.loads(result.stdout)
    assert d["total"] == 29 and d["quality"]["model_version"] == "stub-1"
    assert d["quality"]["labels_from_model"] == len(frame) - 5  # 3 undated, 2 after W31
    assert d["categories"][0] == {**d["categories"][0], "id": "other", "count": 29}


# ----------------------------------------------------------------------------- dev set


def test_dev_set_week_31_alerts_arbitrary_fine(dev):
    r = weekly_report(dev, week="2025-W31")
    assert "arbitrary_fine" in r.alerts[r.alerts["dimension"] == "category"]["id"].tolist()
