"""Rich renderables for the command line (the library returns data; this draws it)."""

from __future__ import annotations

from rich.table import Table

from triage.model import Scores
from triage.policies import PolicyCatalog
from triage.taxonomy import CATEGORY_BY_ID, CATEGORY_IDS


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
