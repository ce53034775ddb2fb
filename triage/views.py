"""Rich renderables for the command line (the library returns data; this draws it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from triage.taxonomy import CATEGORY_BY_ID, CATEGORY_IDS

if TYPE_CHECKING:  # scikit-learn and the rule tables are not needed to render
    from triage.model import Scores
    from triage.policies import PolicyCatalog


def render_label_summary(summary) -> Table:
    """Counts and shares by category, review count, timing."""
    table = Table(title=f"labelled {summary.rows:,} rows → {summary.output}", title_justify="left")
    table.add_column("category")
    table.add_column("中文")
    table.add_column("rows", justify="right")
    table.add_column("share", justify="right")
    for cid in CATEGORY_IDS:
        n = summary.by_category.get(cid, 0)
        share = 100 * n / summary.rows if summary.rows else 0.0
        table.add_row(cid, CATEGORY_BY_ID[cid].name_zh, f"{n:,}", f"{share:.2f}%")
    rate = summary.rows / summary.seconds if summary.seconds else 0
    notes = [
        f"needs review: {summary.needs_review:,}",
        f"text column: {summary.text_column}",
        f"encoding: {summary.encoding or 'n/a'}",
        f"model: {summary.model_version}",
        f"{summary.seconds:.1f} s ({rate:,.0f} rows/s, {summary.workers} worker(s))",
    ]
    if summary.rejected:
        notes.append(
            f"[red]rejected malformed lines: {summary.rejected} → {summary.rejected_path}[/]"
        )
    table.caption = " · ".join(notes)
    return table


def render_scores(scores: Scores) -> Table:
    """Per-class precision/recall/F1 plus macro-F1, accuracy and the confusion matrix."""
    table = Table(
        title=f"macro-F1 {scores.macro_f1:.3f} · accuracy {scores.accuracy:.3f}",
        title_justify="left",
    )
    table.add_column("category")
    for name in ("precision", "recall", "f1", "support"):
        table.add_column(name, justify="right")
    short = [c[:6] for c in CATEGORY_IDS]
    for name in short:
        table.add_column(name, justify="right", style="dim")
    for cid, row in zip(CATEGORY_IDS, scores.confusion, strict=True):
        m = scores.per_class[cid]
        table.add_row(
            cid, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}",
            str(m["support"]), *[str(v) for v in row],
        )  # fmt: skip
    langs = " · ".join(
        f"{lang} {m['accuracy']:.3f} ({m['rows']})" for lang, m in scores.by_language.items()
    )
    table.caption = "rows: true category; last columns: predicted (confusion matrix)" + (
        f"\naccuracy by language: {langs}" if langs else ""
    )
    return table


def render_catalog(catalog: PolicyCatalog) -> Table:
    """The policy catalogue, one row per policy."""
    table = Table(
        title=f"policy catalogue ({catalog.source})", title_justify="left", show_lines=True
    )
    table.add_column("id", no_wrap=True)
    for name in ("名称", "official title", "categories", "triggers"):
        table.add_column(name, overflow="fold")
    for p in catalog.policies.values():
        title = p.official_title or "—"
        title += " ✓" if p.title_verified else " (unverified)"
        triggers = ", ".join(p.keywords[:6]) + (
            f" … (+{len(p.keywords) - 6})" if len(p.keywords) > 6 else ""
        )
        table.add_row(p.id, f"{p.name_zh}\n{p.name_en}", title, "\n".join(p.categories), triggers)
    return table


def render_comparison(comparison) -> Table:
    """Old vs new model, side by side, on each evaluation set."""
    table = Table(title="gate: current vs with corrections", title_justify="left")
    table.add_column("data")
    table.add_column("metric")
    table.add_column("old", justify="right")
    table.add_column("new", justify="right")
    table.add_column("change", justify="right")
    for where, (old, new) in comparison.evaluations.items():
        rows = [("macro-F1", old.macro_f1, new.macro_f1)] + [
            (f"F1 {c}", old.per_class[c]["f1"], new.per_class[c]["f1"]) for c in CATEGORY_IDS
        ]
        for name, a, b in rows:
            style = "red" if b < a - 0.01 else "green" if b > a + 0.01 else ""
            table.add_row(
                where,
                name,
                f"{a:.3f}",
                f"{b:.3f}",
                f"[{style}]{b - a:+.3f}[/]" if style else f"{b - a:+.3f}",
            )
    table.caption = (
        "promoted" if comparison.promoted else "refused: " + "; ".join(comparison.reasons)
    )
    return table


def render_models(versions) -> Table:
    """Model versions with the headline of their cards."""
    table = Table(title="models", title_justify="left")
    for name in ("", "version", "created", "rows", "corrections", "cv macro-F1", "dev macro-F1"):
        table.add_column(name)
    for model, path, active, problem in versions:
        if model is None:
            table.add_row("*" if active else "", path.stem, f"[red]{problem}[/]", "", "", "", "")
            continue
        card = model.card
        metrics = card.get("metrics", {})
        dev = metrics.get("dev", {}).get("macro_f1")
        table.add_row(
            "*" if active else "", path.stem, card.get("created", ""),
            str(card.get("training_data", {}).get("rows", "")),
            str(card.get("corrections", {}).get("rows", "")),
            f"{metrics.get('cross_validation', {}).get('macro_f1', float('nan')):.3f}",
            f"{dev:.3f}" if dev is not None else "—",
        )  # fmt: skip
    table.caption = "* active"
    return table


def render_audit(suspects) -> Table:
    """Training rows to re-check."""
    table = Table(title=f"{len(suspects)} training rows to re-check", title_justify="left")
    for name in ("id", "label", "out-of-fold prediction", "confidence", "text"):
        table.add_column(name, overflow="fold")
    for row in suspects.head(100).itertuples():
        table.add_row(row.id, row.category, row.predicted, f"{row.confidence:.2f}", row.text[:80])
    return table


def _bar(share: float, width: int = 20) -> str:
    """A horizontal bar of ``share`` percent in eighth-blocks, ``width`` cells for 100%."""
    eighths = round(share / 100 * width * 8)
    return "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]


def render_report(report):
    """The weekly report as rich tables: headline, alerts, distributions, trend, cases, notes."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    from triage.report_render import ALERT_RULE, headline, quality_notes, signed, sparkline

    def table(title: str, *heads: str) -> Table:
        t = Table(title=title, title_justify="left")
        for h in heads:
            t.add_column(
                h, justify="right" if h in ("count", "share %", "prev.", "Δ pp", "Δ") else "left"
            )
        return t

    parts: list = [Panel(Text(headline(report)), title=f"weekly report {report.week}")]
    if len(report.alerts):
        parts += [Text(f"▲ {a.message}", style="bold red") for a in report.alerts.itertuples()]
    else:
        parts.append(Text("No unusual rise this week.", style="green"))
    parts.append(Text(ALERT_RULE, style="dim"))
    cats = table("by category", "category", "类别", "count", "share %", "", "prev.", "Δ pp", "Δ")
    for r in report.categories.itertuples():
        style = "red" if r.delta_pp > 0 else "green" if r.delta_pp < 0 else ""
        cats.add_row(
            r.id, r.name_zh, str(r.count), f"{r.share:.2f}", _bar(r.share),
            str(r.previous_count), Text(signed(r.delta_pp), style=style), signed(r.delta_count),
        )  # fmt: skip
    regions = table("by region (top 10)", "region", "count", "share %", "", "prev.")
    for r in report.regions.itertuples():
        regions.add_row(
            r.name, str(r.count), f"{r.share:.2f}", _bar(r.share), str(r.previous_count)
        )
    products = table("by product category", "product", "品类", "count", "share %", "", "prev.")
    for r in report.product_categories.itertuples():
        products.add_row(
            "" if r.id is None or r.id != r.id else r.id, r.name_zh, str(r.count),
            f"{r.share:.2f}", _bar(r.share), str(r.previous_count),
        )  # fmt: skip
    policies = table(
        "by policy (complaints citing it)", "policy", "政策", "count", "share %", "prev."
    )
    for r in report.policies.itertuples():
        policies.add_row(r.id, r.name_zh, str(r.count), f"{r.share:.2f}", str(r.previous_count))
    trend = Table(title=f"trend, last {len(report.weeks)} weeks", title_justify="left")
    trend.add_column("category")
    for w in report.weeks:
        trend.add_column(w[5:], justify="right")
    trend.add_column("trend", style="blue")
    for cid, row in report.trend.iterrows():
        trend.add_row(cid, *map(str, row.tolist()), sparkline(row))
    cases = Table(title="typical cases", title_justify="left", show_lines=True)
    for h in ("category", "id", "facts", "excerpt"):
        cases.add_column(h, overflow="fold")
    for c in report.typical_cases.itertuples():
        amount = (
            ""
            if c.amount_yuan is None or c.amount_yuan != c.amount_yuan
            else f"¥{c.amount_yuan:,.0f}"
        )
        facts = "\n".join(f for f in (c.region, amount, "; ".join(c.policies)) if f)
        cases.add_row(c.category, str(c.id), facts, c.excerpt)
    notes = Text("\n".join(f"• {n}" for n in quality_notes(report)), style="dim")
    return Group(*parts, cats, regions, products, policies, trend, cases, notes)
