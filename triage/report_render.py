"""Render a :class:`~triage.report.Report` as Markdown, self-contained HTML or an Excel workbook.

Every renderer reads the same ``Report``; none computes a figure of its own. matplotlib is
imported only when HTML is asked for.
"""

from __future__ import annotations

import html
import io
import re

import pandas as pd

from triage.report import (
    ALERT_MIN_COUNT,
    ALERT_MIN_RATIO,
    ALERT_P_VALUE,
    Report,
)
from triage.taxonomy import CATEGORY_BY_ID, CATEGORY_IDS

CJK_FONTS = [
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "PingFang SC",
    "WenQuanYi Micro Hei",
    "DejaVu Sans",
]
FONT_CSS = ", ".join(f'"{f}"' for f in CJK_FONTS) + ", sans-serif"
SPARKS = "▁▂▃▄▅▆▇█"
ALERT_RULE = (
    f"Alert test: this week's count against the mean of the earlier weeks in the trend, as a "
    f"one-sided Poisson upper tail; an alert needs p < {ALERT_P_VALUE}, at least "
    f"{ALERT_MIN_COUNT} complaints and at least {ALERT_MIN_RATIO}× the mean."
)


def sparkline(values) -> str:
    """One block character per value, scaled to the row's maximum.

    >>> sparkline([0, 1, 2, 4])
    '▁▃▅█'
    """
    values = [int(v) for v in values]
    top = max(values, default=0)
    if top == 0:
        return SPARKS[0] * len(values)
    return "".join(SPARKS[round(v / top * (len(SPARKS) - 1))] for v in values)


def signed(value: float | int, digits: int = 2) -> str:
    """``+6.15`` / ``-2.00`` / ``0``; counts without decimals.

    >>> signed(6.15), signed(-2), signed(0)
    ('+6.15', '-2', '0')
    """
    if value == 0:
        return "0"
    text = f"{value:+.{digits}f}" if isinstance(value, float) else f"{value:+d}"
    return text


def headline(report: Report) -> str:
    """The one-paragraph summary, in plain text."""
    change = signed(report.change)
    pct = f" ({signed(report.change_pct)}%)" if report.change_pct is not None else ""
    return (
        f"{report.total} complaints in {report.week} ({report.week_start:%Y-%m-%d} – "
        f"{report.week_end:%Y-%m-%d}), {change}{pct} vs {report.previous_week} "
        f"({report.previous_total}); {report.needs_review} ({report.review_share:.2f}%) "
        "need review."
    )


def quality_notes(report: Report) -> list[str]:
    """The data-quality notes as plain sentences."""
    q = report.quality
    notes = [
        f"{q['rows']} rows read; dates from column '{q['date_column']}', text from "
        f"'{q['text_column']}'; week: {q['week_chosen']} (data from {q['data_first_week']} "
        f"to {q['data_last_date']}).",
    ]
    undated = f"Rows without a usable date: {q['undated']}"
    if q["undated"]:
        undated += f" ({q['undated_blank']} blank, {q['undated'] - q['undated_blank']} unparseable"
        undated += f"; e.g. {'; '.join(q['undated_examples'])})" if q["undated_examples"] else ")"
        undated += "; they are in no week's counts"
    notes.append(undated + ".")
    if q["after_week"]:
        notes.append(f"Rows dated after this week (not counted): {q['after_week']}.")
    notes.append(f"Rows without text this week: {q['empty_text_this_week']}.")
    notes.append(f"Rows needing review this week: {q['needs_review_this_week']}.")
    shown = q["labels_given"] + q["labels_from_model"]
    if q["model_version"]:
        notes.append(
            f"Labels of the {shown} rows in the weeks shown: {q['labels_given']} from the "
            f"file's category column, {q['labels_from_model']} by model {q['model_version']}; "
            "columns the file lacks (policies, region, product, amount) from the same model."
        )
    else:
        notes.append(
            f"Labels of the {shown} rows in the weeks shown: all from the file; no model ran."
        )
    if "alerts_skipped" in q:
        notes.append(f"No alerts: {q['alerts_skipped']}.")
    return notes


def _week_heads(report: Report) -> list[str]:
    year = report.week[:4]
    return [w[5:] if w.startswith(year) else w for w in report.weeks]


def _s(value) -> str:
    """A cell as text; missing values (None, NaN) as ""."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _amount(value) -> str:
    return "" if value is None or pd.isna(value) else f"¥{value:,.0f}"


# ---------------------------------------------------------------------------- markdown

_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|#]|(?<!\w)_|_(?!\w))")


def _md(text: object) -> str:
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _md_table(heads: list[str], rows: list[list], right: set[int]) -> list[str]:
    lines = ["| " + " | ".join(heads) + " |"]
    lines.append("|" + "|".join("--:" if i in right else "---" for i in range(len(heads))) + "|")
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def render_markdown(report: Report) -> str:
    """GitHub-flavoured Markdown that pastes into a wiki page or a chat message."""
    out = [f"# Weekly complaint report {report.week}", "", headline(report), "", "## Alerts", ""]
    if len(report.alerts):
        out += [f"- **{a.dimension}**: {_md(a.message)}" for a in report.alerts.itertuples()]
    else:
        out.append("No unusual rise this week.")
    out += ["", f"_{ALERT_RULE}_", "", "## By category", ""]
    out += _md_table(
        ["category", "类别", "count", "share %", "prev.", "prev. share %", "Δ pp", "Δ count"],
        [
            [
                r.id,
                r.name_zh,
                r.count,
                f"{r.share:.2f}",
                r.previous_count,
                f"{r.previous_share:.2f}",
                signed(r.delta_pp),
                signed(r.delta_count),
            ]
            for r in report.categories.itertuples()
        ],
        right={2, 3, 4, 5, 6, 7},
    )
    out += ["## By region (top 10)", ""]
    out += _md_table(
        ["region", "count", "share %", "prev."],
        [
            [_md(r.name), r.count, f"{r.share:.2f}", r.previous_count]
            for r in report.regions.itertuples()
        ],
        right={1, 2, 3},
    )
    out += ["## By product category", ""]
    out += _md_table(
        ["product", "品类", "count", "share %", "prev."],
        [
            [_s(r.id), r.name_zh, r.count, f"{r.share:.2f}", r.previous_count]
            for r in report.product_categories.itertuples()
        ],
        right={2, 3, 4},
    )
    out += ["## By policy (complaints citing it)", ""]
    out += _md_table(
        ["policy", "政策", "count", "share %", "prev."],
        [
            [r.id, _md(r.name_zh), r.count, f"{r.share:.2f}", r.previous_count]
            for r in report.policies.itertuples()
        ],
        right={2, 3, 4},
    )
    out += [f"## Trend (complaints per week, last {len(report.weeks)} weeks)", ""]
    out += _md_table(
        ["category", *_week_heads(report), "trend"],
        [[cid, *row.tolist(), sparkline(row)] for cid, row in report.trend.iterrows()],
        right=set(range(1, len(report.weeks) + 1)),
    )
    out += ["## Typical cases", ""]
    for cid, group in report.typical_cases.groupby("category", sort=False):
        out.append(f"**{CATEGORY_BY_ID[cid].name_zh}** ({cid})")
        out.append("")
        for case in group.itertuples():
            facts = ", ".join(
                f for f in (case.region, _amount(case.amount_yuan), "; ".join(case.policies)) if f
            )
            out.append(
                f"- `{case.id}`" + (f" ({_md(facts)})" if facts else "") + f": {_md(case.excerpt)}"
            )
        out.append("")
    if not len(report.typical_cases):
        out += ["No complaints this week.", ""]
    out += ["## Data quality", ""]
    out += [f"- {_md(n)}" for n in quality_notes(report)]
    return "\n".join(out).rstrip() + "\n"


# -------------------------------------------------------------------------------- html

_CSS = f"""
body {{ font-family: {FONT_CSS}; margin: 24px auto; max-width: 1100px; color: #1f2937;
       padding: 0 16px; }}
h1 {{ font-size: 1.6em; margin-bottom: 4px; }} h2 {{ margin-top: 32px; font-size: 1.25em; }}
.headline {{ font-size: 1.1em; background: #f3f4f6; padding: 12px 16px; border-radius: 6px; }}
table {{ border-collapse: collapse; margin: 8px 0; font-size: 0.92em; }}
th, td {{ border-bottom: 1px solid #e5e7eb; padding: 4px 10px; text-align: left; }}
th {{ background: #f9fafb; }} td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
.bar {{ background: #2563eb; height: 10px; display: inline-block; vertical-align: middle; }}
.up {{ color: #b91c1c; }} .down {{ color: #047857; }}
.alert {{ background: #fef2f2; border-left: 4px solid #b91c1c; padding: 6px 10px; margin: 6px 0; }}
.note {{ color: #6b7280; font-size: 0.9em; }} .charts svg {{ max-width: 100%; height: auto; }}
.spark {{ font-family: monospace; letter-spacing: 1px; color: #2563eb; }}
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _html_table(heads: list[str], rows: list[list[str]], right: set[int]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in heads)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{c}</td>' if i in right else f"<td>{c}</td>" for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _bar(share: float) -> str:
    return f'<span class="bar" style="width:{share * 2:.1f}px"></span>'


def _delta(value: float | int) -> str:
    cls = "up" if value > 0 else "down" if value < 0 else ""
    return f'<span class="{cls}">{_e(signed(value))}</span>'


def _charts(report: Report) -> str:
    """Category bars (this week vs last) and trend lines, as inline SVG with text kept as text."""
    import logging
    import warnings

    import matplotlib
    from matplotlib.figure import Figure

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    rc = {
        "svg.fonttype": "none",
        "svg.hashsalt": "triage-report",
        "font.family": "sans-serif",
        "font.sans-serif": CJK_FONTS,
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    colors = {cid: matplotlib.colormaps["tab10"](i) for i, cid in enumerate(CATEGORY_IDS)}
    cats = report.categories.iloc[::-1]
    svgs = []
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a missing CJK font only changes the measured widths
        fig = Figure(figsize=(7, 3.4))
        ax = fig.add_subplot()
        y = range(len(cats))
        ax.barh(
            [i + 0.2 for i in y], cats["count"], height=0.4, color="#2563eb", label=report.week
        )
        ax.barh(
            [i - 0.2 for i in y],
            cats["previous_count"],
            height=0.4,
            color="#cbd5e1",
            label=report.previous_week,
        )
        ax.set_yticks(
            list(y), [f"{z} {e}" for z, e in zip(cats["name_zh"], cats["id"], strict=True)]
        )
        for i, (n, s) in enumerate(zip(cats["count"], cats["share"], strict=True)):
            ax.text(n, i + 0.2, f" {n} ({s:.2f}%)", va="center", fontsize=8)
        ax.set_xlabel("complaints")
        ax.set_title(f"按类别 By category, {report.week} vs {report.previous_week}", loc="left")
        top = max(int(cats["count"].max()), int(cats["previous_count"].max()), 1)
        ax.set_xlim(0, top * 1.3)  # room for the value labels
        ax.legend(frameon=False, loc="lower right")
        svgs.append(_svg(fig))

        fig = Figure(figsize=(7, 3.4))
        ax = fig.add_subplot()
        heads = _week_heads(report)
        for cid, row in report.trend.iterrows():
            ax.plot(
                heads,
                row.tolist(),
                marker="o",
                markersize=3,
                color=colors[cid],
                label=CATEGORY_BY_ID[cid].name_zh,
            )
        for a in report.alerts.itertuples():
            if a.dimension == "category":
                ax.plot(
                    [heads[-1]],
                    [a.count],
                    marker="o",
                    markersize=11,
                    fillstyle="none",
                    color="#b91c1c",
                )
        ax.set_ylabel("complaints per week")
        ax.set_ylim(bottom=0)
        ax.set_title(f"趋势 Trend, last {len(heads)} weeks (red ring: alert)", loc="left")
        ax.legend(frameon=False, fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
        svgs.append(_svg(fig))
    return "".join(f"<figure>{s}</figure>" for s in svgs)


def _svg(fig) -> str:
    buffer = io.StringIO()
    fig.savefig(
        buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None}
    )
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def render_html(report: Report) -> str:
    """One self-contained HTML page (inline CSS and SVG charts; nothing fetched)."""
    parts = [
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>Weekly complaint report {_e(report.week)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Weekly complaint report {_e(report.week)}</h1>",
        f'<p class="headline">{_e(headline(report))}</p>',
        "<h2>Alerts</h2>",
    ]
    if len(report.alerts):
        parts += [
            f'<div class="alert"><b>{_e(a.dimension)}</b>: {_e(a.message)}</div>'
            for a in report.alerts.itertuples()
        ]
    else:
        parts.append("<p>No unusual rise this week.</p>")
    parts.append(f'<p class="note">{_e(ALERT_RULE)}</p>')
    parts.append(f'<h2>Charts</h2><div class="charts">{_charts(report)}</div>')
    parts.append("<h2>By category</h2>")
    parts.append(
        _html_table(
            [
                "category",
                "类别",
                "count",
                "share %",
                "",
                "prev.",
                "prev. share %",
                "Δ pp",
                "Δ count",
            ],
            [
                [
                    _e(r.id),
                    _e(r.name_zh),
                    str(r.count),
                    f"{r.share:.2f}",
                    _bar(r.share),
                    str(r.previous_count),
                    f"{r.previous_share:.2f}",
                    _delta(r.delta_pp),
                    _delta(r.delta_count),
                ]
                for r in report.categories.itertuples()
            ],
            right={2, 3, 5, 6, 7, 8},
        )
    )
    parts.append("<h2>By region (top 10)</h2>")
    parts.append(
        _html_table(
            ["region", "count", "share %", "", "prev."],
            [
                [_e(r.name), str(r.count), f"{r.share:.2f}", _bar(r.share), str(r.previous_count)]
                for r in report.regions.itertuples()
            ],
            right={1, 2, 4},
        )
    )
    parts.append("<h2>By product category</h2>")
    parts.append(
        _html_table(
            ["product", "品类", "count", "share %", "", "prev."],
            [
                [
                    _e(_s(r.id)),
                    _e(r.name_zh),
                    str(r.count),
                    f"{r.share:.2f}",
                    _bar(r.share),
                    str(r.previous_count),
                ]
                for r in report.product_categories.itertuples()
            ],
            right={2, 3, 5},
        )
    )
    parts.append("<h2>By policy (complaints citing it)</h2>")
    parts.append(
        _html_table(
            ["policy", "政策", "count", "share %", "", "prev."],
            [
                [
                    _e(r.id),
                    _e(r.name_zh),
                    str(r.count),
                    f"{r.share:.2f}",
                    _bar(r.share),
                    str(r.previous_count),
                ]
                for r in report.policies.itertuples()
            ],
            right={2, 3, 5},
        )
    )
    parts.append(f"<h2>Trend (complaints per week, last {len(report.weeks)} weeks)</h2>")
    parts.append(
        _html_table(
            ["category", *_week_heads(report), "trend"],
            [
                [
                    _e(f"{CATEGORY_BY_ID[cid].name_zh} {cid}"),
                    *map(str, row.tolist()),
                    f'<span class="spark">{sparkline(row)}</span>',
                ]
                for cid, row in report.trend.iterrows()
            ],
            right=set(range(1, len(report.weeks) + 1)),
        )
    )
    parts.append("<h2>Typical cases</h2>")
    for cid, group in report.typical_cases.groupby("category", sort=False):
        parts.append(f"<h3>{_e(CATEGORY_BY_ID[cid].name_zh)} <small>{_e(cid)}</small></h3><ul>")
        for c in group.itertuples():
            facts = ", ".join(
                f for f in (c.region, _amount(c.amount_yuan), "; ".join(c.policies)) if f
            )
            parts.append(
                f"<li><code>{_e(c.id)}</code> <small>{_e(facts)}</small><br>{_e(c.excerpt)}</li>"
            )
        parts.append("</ul>")
    parts.append("<h2>Data quality</h2><ul>")
    parts += [f"<li>{_e(n)}</li>" for n in quality_notes(report)]
    parts.append("</ul></body></html>\n")
    return "\n".join(parts)


# -------------------------------------------------------------------------------- xlsx


def _sheet_frames(report: Report) -> dict[str, pd.DataFrame]:
    d = report.to_dict()
    summary = pd.DataFrame(
        [
            (k, d[k])
            for k in (
                "week",
                "week_start",
                "week_end",
                "previous_week",
                "total",
                "previous_total",
                "change",
                "change_pct",
                "needs_review",
                "needs_review_share",
            )
        ]
        + [("alert test", ALERT_RULE)],
        columns=["field", "value"],
    )
    trend = report.trend.reset_index()
    trend.insert(1, "name_zh", [CATEGORY_BY_ID[c].name_zh for c in trend["category"]])
    quality = pd.DataFrame({"note": quality_notes(report)})
    return {
        "summary": summary,
        "categories": report.categories,
        "regions": report.regions,
        "product_categories": report.product_categories,
        "policies": report.policies,
        "trend": trend,
        "alerts": report.alerts,
        "typical_cases": report.typical_cases,
        "quality": quality,
    }


def write_xlsx(report: Report, path) -> None:
    """One sheet per table; text cells stay text (a leading ``=`` is not a formula)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, frame in _sheet_frames(report).items():
        sheet = book.create_sheet(name)
        sheet.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            sheet.append([_xlsx_value(v) for v in row])
        for cell in (c for r in sheet.iter_rows(min_row=2) for c in r):
            if isinstance(cell.value, str):
                cell.data_type = "s"
        for i, col in enumerate(frame.columns, start=1):
            longest = max([len(str(col)), *(len(str(v)) for v in frame[col].tolist()[:200])])
            sheet.column_dimensions[sheet.cell(1, i).column_letter].width = min(60, longest + 2)
        sheet.freeze_panes = "A2"
    book.save(path)


def _xlsx_value(value):
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value
