"""The weekly distribution report: what merchants complained about in one ISO week.

:func:`weekly_report` turns a complaint table (labelled or not) into a :class:`Report`, plain
data that renders to Markdown, HTML, JSON and Excel (:mod:`triage.report_render`) and to a
rich terminal view (:func:`triage.views.render_report`). Everything here is deterministic:
the same input gives the same report, with no clock reading.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from triage.errors import InputFormatError, LabelError, OutputError
from triage.tables import find_text_column
from triage.taxonomy import CATEGORY_BY_ID, CATEGORY_IDS, PRODUCT_CATEGORIES
from triage.text import as_text, normalize_many

#: Column names recognised as the complaint date, in order of preference (case-insensitive).
DATE_COLUMN_NAMES = ("date", "created_at", "日期", "投诉时间", "提交时间", "time")
#: Column names recognised as the complaint id, in order of preference (case-insensitive).
ID_COLUMN_NAMES = ("id", "complaint_id", "ticket_id", "工单号", "投诉编号", "编号", "单号")
#: The labelled columns the report reads; any missing one is filled in by the model.
REPORT_COLUMNS = (
    "category",
    "needs_review",
    "policies",
    "region",
    "product_category",
    "amount_yuan",
)
#: Alert test parameters (see :func:`check_rise`).
ALERT_P_VALUE = 0.01
ALERT_MIN_COUNT = 5
ALERT_MIN_RATIO = 1.5
ALERT_MIN_EXPECTED = 0.5
ALERT_MIN_HISTORY = 2
TOP_REGIONS = 10
TYPICAL_CASES = 2
#: A category's typical cases are chosen among its first this many complaints of the week.
TYPICAL_POOL = 2000
REST, UNKNOWN = "其他 (rest)", "未注明 (not stated)"

_DATE = re.compile(
    r"^(?P<y>\d{4})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})\s*日?"
    r"(?:(?:\s*T\s*|\s+|(?<=日))(?P<H>\d{1,2})\s*[:：时点]\s*(?P<M>\d{1,2})\s*分?"
    r"(?:\s*[:：]?\s*(?P<S>\d{1,2})(?:\.\d+)?\s*秒?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?=\D|$)")
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


def parse_dates(series: Sequence | pd.Series) -> pd.Series:
    """Parse complaint dates; anything unparseable becomes ``NaT`` (never an exception).

    Accepted: ``2025-07-28``, ``2025/7/28``, ``2025.07.28``, ``20250728``, ``2025年7月28日``,
    each optionally followed by a time (``10:20``, ``10:20:05``, ``T10:20:05Z``, ``10时20分``),
    and date/datetime values as Excel and Parquet give them. Dates are taken as written: a
    time-zone suffix is accepted and ignored.

    >>> parse_dates(["2025/7/28", "2025年7月28日 9:30", "2025-07-28T10:20:00Z", "7/28", None])
    0   2025-07-28 00:00:00
    1   2025-07-28 09:30:00
    2   2025-07-28 10:20:00
    3                   NaT
    4                   NaT
    dtype: datetime64[ns]
    """
    s = series if isinstance(series, pd.Series) else pd.Series(list(series), dtype=object)
    if pd.api.types.is_datetime64_any_dtype(s):
        if getattr(s.dt, "tz", None) is not None:
            s = s.dt.tz_localize(None)
        return s.astype("datetime64[ns]")
    codes, uniques = pd.factorize(s, use_na_sentinel=True)  # dates repeat: parse each once
    parsed = _parse_values(pd.Series(np.asarray(uniques, dtype=object), dtype=object))
    values = np.append(parsed.to_numpy(), np.datetime64("NaT", "ns"))[codes]  # -1: missing
    return pd.Series(values, index=s.index, dtype="datetime64[ns]")


def _parse_values(s: pd.Series) -> pd.Series:
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    is_dt = s.map(lambda v: isinstance(v, datetime | date) and not pd.isna(v)).astype(bool)
    if is_dt.any():
        out[is_dt] = [pd.Timestamp(v).replace(tzinfo=None) for v in s[is_dt]]
    text = s[~is_dt].map(as_text).str.strip().str.replace(_COMPACT, r"\1-\2-\3", regex=True)
    parts = text.str.extract(_DATE).apply(pd.to_numeric)
    if len(parts):
        time = parts[["H", "M", "S"]].fillna(0)
        bad_time = (time["H"] > 23) | (time["M"] > 59) | (time["S"] > 59)
        stamps = pd.to_datetime(
            pd.DataFrame(
                {
                    "year": parts["y"],
                    "month": parts["m"],
                    "day": parts["d"],
                    "hour": time["H"],
                    "minute": time["M"],
                    "second": time["S"],
                }
            ),
            errors="coerce",
        )
        out[~is_dt] = stamps.where(~bad_time)
    return out


def parse_week(text: str) -> date:
    """The Monday of an ISO week written ``2025-W31``; ValueError if there is no such week.

    >>> parse_week("2025-W31")
    datetime.date(2025, 7, 28)
    """
    found = _WEEK.match(text.strip())
    if not found:
        raise ValueError(f"{text!r} is not an ISO week; write it like 2025-W31")
    try:
        return date.fromisocalendar(int(found[1]), int(found[2]), 1)
    except ValueError:
        raise ValueError(f"{text!r}: year {found[1]} has no week {int(found[2])}") from None


def week_label(monday: date) -> str:
    """``2025-W31`` for any day of that ISO week."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def percent(part: int, whole: int) -> float:
    """``part`` as a percentage of ``whole``, rounded half up to two decimals (0 if empty).

    >>> percent(36, 78), percent(1, 8), percent(0, 0)
    (46.15, 12.5, 0.0)
    """
    if not whole:
        return 0.0
    exact = Decimal(100 * part) / Decimal(whole)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class RiseCheck:
    """The outcome of :func:`check_rise` for one category or region."""

    count: int
    expected: float
    p_value: float
    ratio: float | None
    alert: bool


def check_rise(count: int, history: Sequence[int]) -> RiseCheck:
    """Is ``count`` (this week) unusually high against ``history`` (the previous weeks)?

    The test: ``expected`` is the mean of ``history``; under "nothing changed" this week's
    count is Poisson with that mean (floored at 0.5 a week, so a newcomer does not get
    p = 0). It is an alert when all three hold:

    - the one-sided upper-tail p-value ``P(X >= count)`` is below 0.01,
    - ``count >= 5`` (so 1 -> 3 is never an alert),
    - ``count >= 1.5 * expected`` (a real rise, not noise on a large base).

    >>> check_rise(12, [2, 3, 1, 2]).alert, check_rise(3, [1, 1, 1]).alert
    (True, False)
    """
    from scipy.special import pdtrc  # P(X > k) of a Poisson: scipy.stats.poisson.sf, lighter

    expected = float(np.mean(history)) if len(history) else 0.0
    p_value = float(pdtrc(count - 1, max(expected, ALERT_MIN_EXPECTED))) if count > 0 else 1.0
    alert = (
        count >= ALERT_MIN_COUNT
        and count >= ALERT_MIN_RATIO * expected
        and p_value < ALERT_P_VALUE
    )
    ratio = round(count / expected, 2) if expected else None
    return RiseCheck(count, round(expected, 2), p_value, ratio, bool(alert))


@dataclass
class Report:
    """One week's report: the tables as DataFrames, plus headline figures and notes.

    Shares are percentages with two decimals; ``delta_pp`` is the difference of the shown
    shares, so the printed numbers add up.
    """

    week: str
    week_start: date
    weeks: list[str]
    total: int
    previous_total: int
    needs_review: int
    categories: pd.DataFrame
    regions: pd.DataFrame
    product_categories: pd.DataFrame
    policies: pd.DataFrame
    trend: pd.DataFrame
    alerts: pd.DataFrame
    typical_cases: pd.DataFrame
    quality: dict = field(default_factory=dict)

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    @property
    def previous_week(self) -> str:
        return week_label(self.week_start - timedelta(days=7))

    @property
    def change(self) -> int:
        return self.total - self.previous_total

    @property
    def change_pct(self) -> float | None:
        """Week-on-week change of the total in percent (None when last week had none)."""
        return percent(self.change, self.previous_total) if self.previous_total else None

    @property
    def review_share(self) -> float:
        return percent(self.needs_review, self.total)

    def to_dict(self) -> dict:
        """JSON-ready data (shares in percent)."""

        def records(frame: pd.DataFrame) -> list[dict]:
            return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]

        cases: dict[str, list[dict]] = {}
        for row in records(self.typical_cases):
            cases.setdefault(row.pop("category"), []).append(row)
        return {
            "week": self.week,
            "week_start": self.week_start.isoformat(),
            "week_end": self.week_end.isoformat(),
            "previous_week": self.previous_week,
            "total": self.total,
            "previous_total": self.previous_total,
            "change": self.change,
            "change_pct": self.change_pct,
            "needs_review": self.needs_review,
            "needs_review_share": self.review_share,
            "categories": records(self.categories),
            "regions": records(self.regions),
            "product_categories": records(self.product_categories),
            "policies": records(self.policies),
            "trend": {
                "weeks": list(self.weeks),
                "categories": {c: [int(v) for v in row] for c, row in self.trend.iterrows()},
            },
            "alerts": records(self.alerts),
            "typical_cases": cases,
            "quality": {k: _plain(v) for k, v in self.quality.items()},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    def to_markdown(self) -> str:
        from triage.report_render import render_markdown

        return render_markdown(self)

    def to_html(self) -> str:
        from triage.report_render import render_html

        return render_html(self)

    def to_xlsx(self, path) -> None:
        """Write one sheet per table to ``path`` (a file name or a binary file object)."""
        from triage.report_render import write_xlsx

        write_xlsx(self, path)

    def render(self, fmt: str) -> str | bytes:
        """The report as ``markdown``, ``json``, ``html`` (text) or ``xlsx`` (bytes)."""
        if fmt == "xlsx":
            import io

            buffer = io.BytesIO()
            self.to_xlsx(buffer)
            return buffer.getvalue()
        renderers = {"markdown": self.to_markdown, "json": self.to_json, "html": self.to_html}
        if fmt not in renderers:
            raise ValueError(f"unknown report format {fmt!r}")
        return renderers[fmt]()


def _plain(value):
    """numpy/pandas scalars and containers to plain Python (NaN -> None)."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _find_column(columns: list[str], requested: str | None, names: Sequence[str], what: str):
    if requested is not None:
        if requested not in columns:
            raise InputFormatError(f"no {what} column {requested!r}; the columns are {columns}")
        return requested
    lowered = {str(c).strip().lower(): c for c in reversed(columns)}
    return next((lowered[n] for n in names if n in lowered), None)


def _truthy(value) -> bool:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    return as_text(value).strip().lower() in ("true", "1", "yes", "y", "是", "t")


def _map_cached(series: pd.Series, func) -> pd.Series:
    """``series.map(func)`` computing ``func`` once per distinct (hashable) value."""
    cache: dict = {}

    def cached(value):
        try:
            if value not in cache:
                cache[value] = func(value)
            return cache[value]
        except TypeError:  # unhashable (a list from a JSONL file)
            return func(value)

    return series.map(cached)


def _policy_list(value) -> list[str]:
    if isinstance(value, list | tuple | np.ndarray):
        return [as_text(v).strip() for v in value if as_text(v).strip()]
    return [p.strip() for p in re.split(r"[;,；，|]", as_text(value)) if p.strip()]


def _category_ids(column: pd.Series) -> pd.Series:
    return _map_cached(column, lambda v: as_text(v).strip())


def _complete_labels(
    df: pd.DataFrame, text_col: str, triager
) -> tuple[pd.DataFrame, dict, object]:
    """The report columns: the file's where present (staff labels win), the model's elsewhere.

    Also returns the triager, loaded on first need, so that the next chunk reuses it.
    """
    out = pd.DataFrame(index=df.index)
    given = "category" in df.columns
    if given:  # ids already checked against the taxonomy
        cats = _category_ids(df["category"])
        blank = cats == ""
    else:
        cats, blank = pd.Series("", index=df.index), pd.Series(True, index=df.index)
    missing = any(c not in df.columns for c in REPORT_COLUMNS[2:])
    needs_model = len(df) > 0 and (bool(blank.any()) or missing)
    info = {"labels_given": int((~blank).sum()), "labels_from_model": 0, "model_version": None}
    labelled = None
    if needs_model:
        if triager is None:
            from triage.api import load

            triager = load()
        labelled = triager.label_texts(df[text_col].tolist())
        labelled.index = df.index
        cats = cats.where(~blank, labelled["category"])
        info.update(labels_from_model=int(blank.sum()), model_version=triager.version)
    out["category"] = cats
    if "needs_review" in df.columns:
        out["needs_review"] = _map_cached(df["needs_review"], _truthy).astype(bool)
    elif labelled is not None:  # a staff label counts as reviewed
        out["needs_review"] = labelled["needs_review"].astype(bool) & blank
    else:
        out["needs_review"] = False
    if "policies" in df.columns:
        out["policies"] = _map_cached(df["policies"], _policy_list)
    elif triager is None:  # no rows to label
        out["policies"] = [[] for _ in range(len(df))]
    else:  # match policies against the final categories, staff labels included
        matches = triager.catalog.match_many(df[text_col].tolist(), cats.tolist())
        out["policies"] = [[m.id for m in ms] for ms in matches]
    empty = pd.Series("", index=df.index, dtype=object)
    for col in ("region", "product_category"):
        source = df[col] if col in df.columns else empty if labelled is None else labelled[col]
        out[col] = source.map(as_text).str.strip()
    if "amount_yuan" in df.columns:
        amounts = df["amount_yuan"]
    else:
        amounts = empty if labelled is None else labelled["amount_yuan"]
    out["amount_yuan"] = pd.to_numeric(amounts.astype(object), errors="coerce")
    return out, info, triager


def used_columns(
    columns: list[str],
    date_column: str | None = None,
    text_column: str | None = None,
    id_column: str | None = None,
) -> list[str]:
    """The input columns a report reads (so a large file is read without the others).

    >>> used_columns(["id", "date", "text", "category", "confidence", "region"])
    ['id', 'date', 'text', 'category', 'region']
    """
    wanted = {
        _find_column(columns, date_column, DATE_COLUMN_NAMES, "date"),
        find_text_column(columns, text_column),
        _find_column(columns, id_column, ID_COLUMN_NAMES, "id"),
        *REPORT_COLUMNS,
    }
    return [c for c in columns if c in wanted]


#: Rows per chunk when a report streams a file: 1M labelled rows peak at about 310 MB RSS
#: (50,000: about 390 MB), in the same time.
REPORT_CHUNK_ROWS = 20_000

#: Reads the input once more: ``read(columns)`` yields its rows in chunks, index counting from
#: 0 over the whole input, with at least ``columns``.
ChunkReader = Callable[[list[str]], Iterable[pd.DataFrame]]


def weekly_report(
    df: pd.DataFrame,
    week: str | None = None,
    weeks_back: int = 8,
    date_column: str | None = None,
    text_column: str | None = None,
    id_column: str | None = None,
    triager=None,
) -> Report:
    """Build the report for ISO ``week`` (default: the latest complete week in the data).

    ``df`` is a complaint table as ``triage label`` reads or writes it. A ``category``
    column holds labels that win over the model's; whatever the report needs and the frame
    lacks is labelled with ``triager`` (default :func:`triage.load`). ``weeks_back`` is the
    length of the trend, this week included; the weeks before it are the alerts' baseline.
    :func:`weekly_report_from_file` gives the same report for a file without holding it.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"date": ["2025-07-21", "2025-07-28", "2025-08-03"],
    ...                    "text": ["a", "b", "c"], "category": ["other"] * 3, "policies": "",
    ...                    "region": "", "product_category": "", "amount_yuan": None})
    >>> r = weekly_report(df)
    >>> r.week, r.total, r.previous_total
    ('2025-W31', 2, 1)
    """
    frame = df.reset_index(drop=True)
    return _build_report(
        lambda _columns: [frame], [str(c) for c in df.columns], week, weeks_back,
        date_column, text_column, id_column, triager,
    )  # fmt: skip


def weekly_report_from_file(
    path: str,
    week: str | None = None,
    weeks_back: int = 8,
    date_column: str | None = None,
    text_column: str | None = None,
    id_column: str | None = None,
    triager=None,
    chunk_size: int = REPORT_CHUNK_ROWS,
) -> Report:
    """:func:`weekly_report` of a complaint file, read in chunks of ``chunk_size`` rows.

    One pass counts the trend's weeks and keeps the report week's typical-case candidates;
    without ``week``, a first pass over the dates chooses the week. Each keeps only the
    columns it needs. Memory grows with the number of distinct weeks, regions and policies,
    not with rows. Standard input (``-``) cannot be read twice, so it is read whole.
    """
    from triage.tables import STDIO, open_table, read_table

    if path == STDIO:
        frame = read_table(path)
        return weekly_report(frame, week, weeks_back, date_column, text_column, id_column, triager)

    def read(columns: list[str]) -> Iterator[pd.DataFrame]:
        table = open_table(path, chunk_size=chunk_size, usecols=columns)
        return (chunk[columns] for chunk in table.chunks())

    return _build_report(
        read, open_table(path).columns, week, weeks_back,
        date_column, text_column, id_column, triager,
    )  # fmt: skip


def _build_report(
    read: ChunkReader,
    columns: list[str],
    week: str | None,
    weeks_back: int,
    date_column: str | None,
    text_column: str | None,
    id_column: str | None,
    triager,
) -> Report:
    if weeks_back < 2:
        raise ValueError("weeks_back must be at least 2 (this week and the one before)")
    date_col = _find_column(columns, date_column, DATE_COLUMN_NAMES, "date")
    if date_col is None:
        raise InputFormatError(
            f"cannot tell which column holds the complaint date; the columns are {columns}. "
            "Pass --date-column NAME"
        )
    text_col = find_text_column(columns, text_column)
    id_col = _find_column(columns, id_column, ID_COLUMN_NAMES, "id")
    dates = _DateScan(date_col, id_col)
    if week is None:  # the week follows from the last date: read the dates first
        for chunk in read([c for c in columns if c in (date_col, id_col, "category")]):
            dates.add(chunk, parse_dates(chunk[date_col]))
        dates.check()
        start, chosen = _latest_complete_week(dates.last), "latest complete ISO week in the data"
    else:
        start, chosen = parse_week(week), "given"
    label, previous = week_label(start), week_label(start - timedelta(days=7))
    # Only the rows of the trend's weeks (the previous one among them) are counted, and
    # labelled if need be; the weeks before the data's first, dropped from the trend, have none.
    window = [week_label(start - timedelta(weeks=k)) for k in range(weeks_back)]
    tally = _WeekTally(text_col, id_col, window, label, triager)
    for chunk in read(used_columns(columns, date_col, text_col, id_col)):
        stamps = parse_dates(chunk[date_col])
        if week is not None:
            dates.add(chunk, stamps)
        if not dates.unknown_categories:  # a file that will be refused is not labelled
            tally.add(chunk, stamps)
    dates.check()
    weeks, first_week = _trend_weeks(start, dates.first, weeks_back)
    now, before = tally.of_week(label), tally.of_week(previous)
    total, previous_total = tally.rows[label], tally.rows[previous]
    trend = tally.trend("category", weeks, CATEGORY_IDS)
    cats = _category_table(now["category"], before["category"], total, previous_total)
    quality = {
        "rows": dates.rows,
        "date_column": date_col,
        "text_column": text_col,
        "week_chosen": chosen,
        "data_first_week": week_label(first_week),
        "data_last_date": dates.last.isoformat(),
        "undated": dates.undated,
        "undated_blank": dates.undated_blank,
        "undated_examples": dates.undated_examples,
        "after_week": dates.after(start + timedelta(days=6)),
        "empty_text_this_week": tally.empty_text,
        "needs_review_this_week": tally.needs_review,
        "history_weeks": len(weeks) - 1,
        **tally.info,
    }
    if len(weeks) - 1 < ALERT_MIN_HISTORY:
        quality["alerts_skipped"] = (
            f"alerts need at least {ALERT_MIN_HISTORY} earlier weeks of data; "
            f"found {len(weeks) - 1}"
        )
    return Report(
        week=label,
        week_start=start,
        weeks=weeks,
        total=total,
        previous_total=previous_total,
        needs_review=tally.needs_review,
        categories=cats,
        regions=_region_table(now["region"], before["region"], total),
        product_categories=_product_table(
            now["product_category"], before["product_category"], total
        ),
        policies=_policy_table(now["policies"], before["policies"], total, triager),
        trend=trend,
        alerts=_alerts(trend, tally.trend("region", weeks), weeks[:-1]),
        typical_cases=_typical_cases(tally.typical_candidates(), cats["id"]),
        quality=quality,
    )


@dataclass
class _DateScan:
    """Pass 1: what the dates say (and unknown category ids), without keeping rows."""

    date_col: str
    id_col: str | None
    rows: int = 0
    days: Counter = field(default_factory=Counter)  # midnight -> rows dated that day
    undated: int = 0
    undated_blank: int = 0
    undated_examples: list[str] = field(default_factory=list)
    unknown_categories: set[str] = field(default_factory=set)

    def add(self, chunk: pd.DataFrame, stamps: pd.Series) -> None:
        """Count ``chunk``, whose dates parse to ``stamps``."""
        self.rows += len(chunk)
        if "category" in chunk.columns:
            cats = _category_ids(chunk["category"])
            self.unknown_categories |= set(cats[cats != ""]) - set(CATEGORY_IDS)
        self.days.update(stamps.dt.normalize().value_counts().to_dict())
        raw = chunk.loc[stamps.isna(), self.date_col].map(as_text).str.strip()
        self.undated += len(raw)
        self.undated_blank += int((raw == "").sum())
        shown = raw[raw != ""].iloc[: 3 - len(self.undated_examples)]
        for row, value in zip(_row_ids(chunk, self.id_col, shown.index), shown, strict=True):
            self.undated_examples.append(f"{row}: {value!r}")

    def check(self) -> None:
        """Stop on category ids outside the taxonomy, or when no row has a usable date."""
        if self.unknown_categories:
            unknown = sorted(self.unknown_categories)
            shown = ", ".join(repr(u) for u in unknown[:20])
            raise LabelError(
                f"column 'category' has {len(unknown)} unknown category id(s): {shown}"
                f"{' …' if len(unknown) > 20 else ''}; the taxonomy's ids are {list(CATEGORY_IDS)}"
            )
        if not self.days:
            raise InputFormatError(
                f"no parseable date in column {self.date_col!r} ({self.rows} rows); "
                "write dates like 2025-07-28, 2025/7/28 or 2025年7月28日"
            )

    @property
    def first(self) -> date:
        return min(self.days).date()

    @property
    def last(self) -> date:
        return max(self.days).date()

    def after(self, day: date) -> int:
        """Rows dated after ``day``."""
        return sum(n for d, n in self.days.items() if d.date() > day)


#: The report's dimensions: counted per (week, value) in pass 2.
_DIMENSIONS = ("category", "region", "product_category", "policies")


@dataclass
class _WeekTally:
    """Pass 2: counts per (ISO week, value) over the weeks shown, and the report week's
    typical-case candidates (the first :data:`TYPICAL_POOL` complaints of each category)."""

    text_col: str
    id_col: str | None
    weeks: list[str]  # the weeks counted
    week: str
    triager: object = None  # loaded on first need
    rows: Counter = field(default_factory=Counter)
    counts: dict[str, Counter] = field(default_factory=lambda: {d: Counter() for d in _DIMENSIONS})
    empty_text: int = 0
    needs_review: int = 0
    info: dict = field(
        default_factory=lambda: {"labels_given": 0, "labels_from_model": 0, "model_version": None}
    )
    candidates: list[pd.DataFrame] = field(default_factory=list)
    pooled: Counter = field(default_factory=Counter)  # candidates kept per category

    def add(self, chunk: pd.DataFrame, stamps: pd.Series) -> None:
        """Count the rows of ``chunk`` (dates parsed to ``stamps``) in the weeks counted."""
        wk = _iso_weeks(stamps)
        shown = wk.isin(self.weeks)
        if not shown.any():
            return
        chunk, wk = chunk[shown], wk[shown]
        labels, info, self.triager = _complete_labels(chunk, self.text_col, self.triager)
        self.info["labels_given"] += info["labels_given"]
        self.info["labels_from_model"] += info["labels_from_model"]
        self.info["model_version"] = info["model_version"] or self.info["model_version"]
        self.rows.update(wk.value_counts().to_dict())
        for dim in _DIMENSIONS:  # a complaint counts once for each policy it cites
            values = labels[dim].explode().dropna() if dim == "policies" else labels[dim]
            pairs = pd.DataFrame({"week": wk[values.index].to_numpy(), "value": values.to_numpy()})
            self.counts[dim].update(pairs.value_counts().to_dict())
        this = wk == self.week
        texts = chunk[self.text_col].map(as_text)
        empty = texts.str.strip() == ""
        self.empty_text += int((this & empty).sum())
        self.needs_review += int((this & labels["needs_review"]).sum())
        self._keep_candidates(chunk, labels[this & ~empty], texts)

    def _keep_candidates(self, chunk: pd.DataFrame, labels: pd.DataFrame, texts) -> None:
        cats = labels["category"]
        before = np.array([self.pooled[c] for c in cats], dtype=np.int64)
        kept = labels[cats.groupby(cats).cumcount().to_numpy() + before < TYPICAL_POOL]
        if not len(kept):
            return
        self.pooled.update(kept["category"].value_counts().to_dict())
        self.candidates.append(
            kept.assign(id=_row_ids(chunk, self.id_col, kept.index), text=texts[kept.index])
        )

    def typical_candidates(self) -> pd.DataFrame:
        """The candidates in input order (category, id, text and the labels)."""
        if not self.candidates:
            return pd.DataFrame(columns=["category", "id", "text", *REPORT_COLUMNS[1:]])
        return pd.concat(self.candidates)

    def of_week(self, week: str) -> dict[str, Counter]:
        """Per dimension, the count of each value in ``week``."""
        return {
            dim: Counter({v: n for (w, v), n in counts.items() if w == week})
            for dim, counts in self.counts.items()
        }

    def trend(
        self, dim: str, weeks: list[str], index: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Weekly counts: one row per value (``index``, else every named value), one column
        per week."""
        counts = self.counts[dim]
        if index is None:
            index = sorted({v for (w, v) in counts if w in weeks and v != ""})
        table = pd.DataFrame(
            [[counts[(w, v)] for w in weeks] for v in index],
            index=pd.Index(list(index), dtype=object),
            columns=pd.Index(weeks, dtype=object),
            dtype=int,
        )
        table.index.name = "category" if dim == "category" else None
        return table


def _iso_weeks(stamps: pd.Series) -> pd.Series:
    """The ISO week label (``2025-W31``) of each timestamp; None where there is none."""
    codes, days = pd.factorize(stamps.dt.normalize())
    labels = np.array([week_label(d.date()) for d in days] + [None], dtype=object)
    return pd.Series(labels[codes], index=stamps.index, dtype=object)  # code -1: no date


def _latest_complete_week(last: date) -> date:
    """The Monday of the latest ISO week complete by ``last`` (its own week on a Sunday)."""
    return last - timedelta(days=last.weekday() + (0 if last.weekday() == 6 else 7))


def _trend_weeks(start: date, first: date, weeks_back: int) -> tuple[list[str], date]:
    """The trend's week labels (none before the data's first week) and that first Monday."""
    first_week = first - timedelta(days=first.weekday())
    mondays = [start - timedelta(weeks=k) for k in range(weeks_back - 1, -1, -1)]
    mondays = [m for m in mondays if m >= first_week] or [start]
    return [week_label(m) for m in mondays], first_week


def _row_ids(df: pd.DataFrame, id_col: str | None, index: pd.Index) -> list[str]:
    """The ids of the rows at ``index`` (``row 7``: the 7th data row, when there is no id)."""
    if id_col:
        return [as_text(v) for v in df.loc[index, id_col]]
    return [f"row {i + 1}" for i in index]


def _category_table(
    now: Counter, before: Counter, total: int, previous_total: int
) -> pd.DataFrame:
    rows = []
    for cid in CATEGORY_IDS:
        n, p = now[cid], before[cid]
        share, prev_share = percent(n, total), percent(p, previous_total)
        c = CATEGORY_BY_ID[cid]
        rows.append(
            {
                "id": cid,
                "name_zh": c.name_zh,
                "name_en": c.name_en,
                "count": n,
                "share": share,
                "previous_count": p,
                "previous_share": prev_share,
                "delta_pp": float(Decimal(str(share)) - Decimal(str(prev_share))),
                "delta_count": n - p,
            }
        )
    frame = pd.DataFrame(rows)
    order = {cid: i for i, cid in enumerate(CATEGORY_IDS)}
    frame["_o"] = frame["id"].map(order)
    return (
        frame.sort_values(["count", "_o"], ascending=[False, True])
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def _ranked(now: Counter, before: Counter) -> pd.DataFrame:
    keys = sorted(set(now) | set(before), key=lambda k: (-now[k], -before[k], k))
    return pd.DataFrame(
        {
            "key": keys,
            "count": [now[k] for k in keys],
            "previous_count": [before[k] for k in keys],
        }
    )


def _region_table(now: Counter, before: Counter, total: int) -> pd.DataFrame:
    ranked = _ranked(now, before)
    known = ranked[ranked["key"] != ""]
    top, rest = known.head(TOP_REGIONS), known.iloc[TOP_REGIONS:]
    rows = [
        {"name": k, "kind": "region", "count": c, "previous_count": p}
        for k, c, p in top.itertuples(index=False)
    ]
    if len(rest):
        rows.append(
            {
                "name": REST,
                "kind": "rest",
                "count": int(rest["count"].sum()),
                "previous_count": int(rest["previous_count"].sum()),
            }
        )
    unknown = ranked[ranked["key"] == ""]
    if len(unknown):
        rows.append(
            {
                "name": UNKNOWN,
                "kind": "unknown",
                "count": int(unknown["count"].iloc[0]),
                "previous_count": int(unknown["previous_count"].iloc[0]),
            }
        )
    frame = pd.DataFrame(rows, columns=["name", "kind", "count", "previous_count"])
    frame.insert(3, "share", [percent(int(n), total) for n in frame["count"]])
    return frame


def _product_table(now: Counter, before: Counter, total: int) -> pd.DataFrame:
    ranked = _ranked(now, before)
    ranked = pd.concat([ranked[ranked["key"] != ""], ranked[ranked["key"] == ""]])
    return pd.DataFrame(
        {
            "id": [k or None for k in ranked["key"]],
            "name_zh": [PRODUCT_CATEGORIES.get(k, (k or UNKNOWN, ""))[0] for k in ranked["key"]],
            "count": ranked["count"].tolist(),
            "share": [percent(int(n), total) for n in ranked["count"]],
            "previous_count": ranked["previous_count"].tolist(),
        }
    )


def _policy_table(now: Counter, before: Counter, total: int, triager) -> pd.DataFrame:
    from triage.policies import load_catalog

    catalog = triager.catalog if triager is not None else load_catalog()
    ranked = _ranked(now, before)
    return pd.DataFrame(
        {
            "id": ranked["key"].tolist(),
            "name_zh": [
                catalog.policies[k].name_zh if k in catalog.policies else "" for k in ranked["key"]
            ],
            "count": ranked["count"].tolist(),
            "share": [percent(int(n), total) for n in ranked["count"]],
            "previous_count": ranked["previous_count"].tolist(),
        }
    )


def _alerts(trend: pd.DataFrame, region_trend: pd.DataFrame, history: list[str]) -> pd.DataFrame:
    columns = [
        "dimension",
        "id",
        "name",
        "count",
        "expected",
        "ratio",
        "p_value",
        "history",
        "message",
    ]
    if len(history) < ALERT_MIN_HISTORY:
        return pd.DataFrame(columns=columns)
    rows = []
    this = trend.columns[-1]
    span = f"{history[0]}…{history[-1]}" if len(history) > 1 else history[0]
    for dimension, table in (("category", trend), ("region", region_trend)):
        for key, counts in table.iterrows():
            past = [int(counts.get(w, 0)) for w in history]
            check = check_rise(int(counts.get(this, 0)), past)
            if not check.alert:
                continue
            name = CATEGORY_BY_ID[key].name_zh if dimension == "category" else str(key)
            rise = f"×{check.ratio:.1f}" if check.ratio else "none before"
            what = f"{name} ({key})" if dimension == "category" else f"region {name}"
            rows.append(
                {
                    "dimension": dimension,
                    "id": str(key),
                    "name": name,
                    "count": check.count,
                    "expected": check.expected,
                    "ratio": check.ratio,
                    "p_value": float(f"{check.p_value:.2g}"),
                    "history": past,
                    "message": (
                        f"{what} rose to {check.count} this week from an average of "
                        f"{check.expected:g} a week over {span} ({', '.join(map(str, past))}): "
                        f"+{round(check.count - check.expected, 2):g}, {rise}; Poisson P(X ≥ {check.count}) "
                        f"= {check.p_value:.2g}"
                    ),
                }
            )
    rows.sort(key=lambda r: (r["dimension"] != "category", r["p_value"], r["id"]))
    return pd.DataFrame(rows, columns=columns)


def excerpt(text: str, width: int = 100) -> str:
    """The start of ``text`` on one line, at most ``width`` display columns (CJK count 2).

    >>> excerpt("平台  直接\\n退款了", width=10)
    '平台 直接…'
    """
    flat = " ".join(text.split())
    used, out = 0, []
    for ch in flat:
        used += 2 if ord(ch) > 0x2E80 else 1
        if used > width - 1:
            return "".join(out).rstrip() + "…"
        out.append(ch)
    return flat


def _typical_cases(pool: pd.DataFrame, order) -> pd.DataFrame:
    """Per category, the complaints closest to the week's mean character n-gram profile.

    ``pool`` holds the candidates in input order: a profile needs no more than the first
    :data:`TYPICAL_POOL` complaints of each category.
    """
    columns = ["category", "id", "excerpt", "region", "amount_yuan", "policies", "similarity"]
    rows = []
    for cid in order:
        members = np.flatnonzero((pool["category"] == cid).to_numpy())
        if not len(members):
            continue
        sub = _profiles(pool["text"].iloc[members].tolist())
        centroid = np.asarray(sub.mean(axis=0)).ravel()
        score = sub @ centroid
        review = pool["needs_review"].to_numpy()[members]
        ranked = sorted(range(len(members)), key=lambda j: (review[j], -round(score[j], 9), j))
        ranked = ranked[:50]
        gram = (sub[ranked] @ sub[ranked].T).toarray()
        picked: list[int] = []  # positions in ranked; skip near-copies of one already picked
        for a in range(len(ranked)):
            if len(picked) < TYPICAL_CASES and all(gram[a, b] < 0.8 for b in picked):
                picked.append(a)
        for j in (ranked[a] for a in picked):
            case = pool.iloc[members[j]]
            amount = case["amount_yuan"]
            rows.append(
                {
                    "category": cid,
                    "id": case["id"],
                    "excerpt": excerpt(case["text"]),
                    "region": case["region"],
                    "amount_yuan": None if pd.isna(amount) else float(amount),
                    "policies": list(case["policies"]),
                    "similarity": round(float(score[j]), 3),
                }
            )
    return pd.DataFrame(rows, columns=columns)


def _profiles(texts: list[str]):
    """Texts as unit-length rows of log-scaled character 2-3-gram counts (a sparse matrix)."""
    from triage.ngrams import hashed_matrix

    X = hashed_matrix(normalize_many(texts), (2, 3), 2**18)
    X.data = np.log1p(X.data)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return X.multiply(1 / norms[:, None]).tocsr()


def default_report_path(input_path: str, fmt: str) -> str:
    """``<stem>.report.<ext>`` beside the input.

    >>> default_report_path("in/complaints.xlsx", "html")
    'in/complaints.report.html'
    """
    ext = {"markdown": "md", "terminal": "txt"}.get(fmt, fmt)
    p = Path(input_path)
    return str(p.with_name(f"{p.stem}.report.{ext}"))


def report_output_path(input_path: str, fmt: str, output: str | None, force: bool) -> str | None:
    """Where the report goes (None: stdout), checked before any work is done.

    Text formats go to stdout unless ``output`` names a file; html and xlsx default to
    ``<input stem>.report.<ext>``; xlsx never goes to stdout.

    >>> report_output_path("in/c.csv", "markdown", None, False) is None
    True
    """
    if output is None and fmt in ("html", "xlsx"):
        if input_path == "-":
            raise OutputError(f"--format {fmt} needs -o FILE when reading stdin")
        output = default_report_path(input_path, fmt)
    if output == "-" and fmt == "xlsx":
        raise OutputError("an xlsx report cannot go to stdout; pass -o FILE.xlsx")
    if output in (None, "-"):
        return None
    if Path(output).exists() and not force:
        raise OutputError(f"{output} already exists; pass --force to overwrite it")
    return output


def write_report_file(
    path: str | Path, data: str | bytes, *, force: bool = False, protect: str | Path | None = None
) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    Refuses to overwrite ``protect`` (the input) and, without ``force``, any existing file.
    """
    from triage.output import atomic_file

    with atomic_file(path, "wb", force=force, protect=protect) as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
