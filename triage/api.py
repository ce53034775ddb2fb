"""The Python API: :func:`load` gives a :class:`Triager` that classifies, maps and extracts.

The CLI's ``triage label`` runs :meth:`Triager.label_frame`; there is no second code path.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np
import pandas as pd

from triage.amounts import main_amounts
from triage.errors import InputFormatError, ModelLoadError
from triage.extract import product_index, products_many, region_index, regions_many
from triage.matching import TextBatch
from triage.persistence import LoadedModel, load_model
from triage.policies import PolicyCatalog, PolicyMatch, load_catalog
from triage.priority import load_priority_rules, priorities_many
from triage.taxonomy import CATEGORY_BY_ID, CATEGORY_IDS
from triage.text import as_text, normalize_many

#: The columns ``label_frame`` (and ``triage label``) adds, in order.
ADDED_COLUMNS: tuple[str, ...] = (
    "category", "category_zh", "confidence", "needs_review", "review_reason", "policies",
    "policy_names", "region", "product_category", "amount_yuan", "priority",
)  # fmt: skip


@dataclass(frozen=True)
class TriageResult:
    """Everything triage says about one complaint."""

    text: str
    category: str
    category_zh: str
    category_en: str
    confidence: float
    probabilities: dict[str, float]
    needs_review: bool
    review_reason: str
    policies: tuple[PolicyMatch, ...]
    region: str
    product_category: str
    amount_yuan: float | None
    priority: str
    explanation: tuple[tuple[str, float], ...] = field(default=())

    def to_dict(self) -> dict:
        """JSON-ready data."""
        return {
            "text": self.text,
            "category": self.category,
            "category_zh": self.category_zh,
            "category_en": self.category_en,
            "confidence": self.confidence,
            "probabilities": dict(self.probabilities),
            "needs_review": self.needs_review,
            "review_reason": self.review_reason,
            "policies": [p.to_dict() for p in self.policies],
            "region": self.region,
            "product_category": self.product_category,
            "amount_yuan": self.amount_yuan,
            "priority": self.priority,
            "explanation": [list(e) for e in self.explanation],
        }

    def _repr_html_(self) -> str:
        text = html.escape(self.text[:400])
        for cue in sorted({p.cue for p in self.policies if p.cue}, key=len, reverse=True):
            text = text.replace(html.escape(cue), f"<mark>{html.escape(cue)}</mark>")
        width = round(self.confidence * 100)
        review = (
            f'<div style="color:#b45309">⚠ needs review: {html.escape(self.review_reason)}</div>'
            if self.needs_review
            else ""
        )
        policies = "".join(
            f"<li><b>{html.escape(p.name_zh)}</b> ({html.escape(p.id)}) — "
            + ("fallback" if p.fallback else f"cue: <mark>{html.escape(p.cue or '')}</mark>")
            + "</li>"
            for p in self.policies
        )
        facts = " · ".join(
            f"{k}: {html.escape(str(v))}"
            for k, v in (
                ("region", self.region),
                ("product", self.product_category),
                ("amount", self.amount_yuan),
                ("priority", self.priority),
            )
            if v not in ("", None)
        )
        return (
            '<div style="font-family:sans-serif;border:1px solid #ddd;padding:8px;max-width:720px">'
            f"<div><b>{html.escape(self.category_zh)}</b> {html.escape(self.category_en)} "
            f"<code>{self.category}</code></div>"
            f'<div style="background:#eee;width:200px;height:10px"><div style="background:#2563eb;'
            f'width:{width * 2}px;height:10px"></div></div><small>confidence {self.confidence:.2f}'
            f"</small>{review}<ul>{policies}</ul><div><small>{facts}</small></div>"
            f'<p style="color:#444">{text}</p></div>'
        )

    def __rich__(self):
        from rich.panel import Panel
        from rich.table import Table

        grid = Table.grid(padding=(0, 1))
        grid.add_row(
            "category", f"[bold]{self.category_zh}[/] {self.category_en} ({self.category})"
        )
        grid.add_row(
            "confidence",
            f"{self.confidence:.2f}"
            + ("  [yellow]needs review[/]: " + self.review_reason if self.needs_review else ""),
        )
        for p in self.policies:
            grid.add_row(
                "policy",
                f"{p.name_zh} ({p.id}) "
                + ("[dim]fallback[/]" if p.fallback else f"cue: [magenta]{p.cue}[/]"),
            )
        for name in ("region", "product_category", "amount_yuan", "priority"):
            value = getattr(self, name)
            if value not in ("", None):
                grid.add_row(name, str(value))
        if self.explanation:
            grid.add_row("because of", ", ".join(g for g, _ in self.explanation))
        return Panel(grid, title=self.text[:60].replace("\n", " "), expand=False)


@dataclass
class _Batch:
    """Column-wise results for a batch of texts."""

    texts: list[str]
    proba: np.ndarray
    categories: list[str]
    confidence: list[float]
    review_reason: list[str]
    policies: list[tuple[PolicyMatch, ...]] | None
    policy_ids: list[tuple[str, ...]] | None
    regions: list[str]
    products: list[str]
    amounts: list[float | None]
    priorities: list[str]


class Triager:
    """A loaded model plus the policy catalogue; cheap to call, safe to share for reading.

    Examples
    --------
    >>> import triage
    >>> t = triage.load()
    >>> r = t.classify("平台不经过我同意就给买家仅退款了，货也没退回来，损失459元")
    >>> r.category, r.amount_yuan, r.policies[0].id
    ('arbitrary_refund', 459.0, 'refund_only')
    """

    def __init__(self, model: LoadedModel, catalog: PolicyCatalog):
        self.model = model
        self.catalog = catalog
        classes = model.classes
        if sorted(classes) != sorted(CATEGORY_IDS):
            raise ModelLoadError(f"{model.path}: classes {classes} are not the taxonomy's")
        self._order = [classes.index(c) for c in CATEGORY_IDS]
        self._policy_names = {pid: p.name_zh for pid, p in catalog.policies.items()}
        # Compile every rule table now: each new table rebuilds the shared automaton, and
        # a first labelling call that built them one by one would rebuild it four times.
        _ = catalog.index, region_index(), product_index(), load_priority_rules()
        review = model.card.get("review", {})
        self.review_threshold = float(review.get("threshold", 0.5))
        self.review_margin = float(review.get("margin", 0.1))

    @property
    def version(self) -> str:
        """The model version (its file stem)."""
        return self.model.version

    @property
    def pipeline(self):
        """The fitted scikit-learn pipeline (loaded on first use: predictions do not need it)."""
        return self.model.pipeline

    def _analyse(self, raw: Sequence[object], matches: bool = True) -> _Batch:
        """Everything about a batch; ``matches=False`` keeps only the policy ids."""
        texts = [as_text(t) for t in raw]
        norm = normalize_many(texts)
        batch = TextBatch(norm)
        proba = self.model.predict_proba(norm)[:, self._order]
        ordered = np.sort(proba, axis=1)
        categories = [CATEGORY_IDS[i] for i in proba.argmax(axis=1)]
        amounts = main_amounts(norm, categories)
        catalog = self.catalog
        return _Batch(
            texts=texts,
            proba=proba,
            categories=categories,
            confidence=[round(p, 4) for p in ordered[:, -1].tolist()],
            review_reason=self._review_reasons(batch, proba, ordered, categories),
            policies=catalog.match_many(batch, categories) if matches else None,
            policy_ids=None if matches else catalog.ids_many(batch, categories),
            regions=regions_many(batch),
            products=products_many(batch),
            amounts=amounts,
            priorities=priorities_many(batch, categories, amounts),
        )

    def _review_reasons(
        self, batch: TextBatch, proba: np.ndarray, ordered: np.ndarray, categories: list[str]
    ) -> list[str]:
        """Why each complaint needs review (``""`` when it does not)."""
        p1, p2 = ordered[:, -1], ordered[:, -2]
        unusable = batch.without_words()
        low = p1 < self.review_threshold
        close = p1 - p2 < self.review_margin
        reasons = [""] * len(batch)
        for i in np.flatnonzero(unusable | low | close).tolist():
            if batch.lengths[i] == 0:
                reasons[i] = "empty text"
            elif unusable[i]:
                reasons[i] = "no words to classify (only symbols, emoji or punctuation)"
            elif low[i]:
                reasons[i] = f"low confidence ({p1[i]:.2f} < {self.review_threshold:.2f})"
            else:
                second = CATEGORY_IDS[int(np.argsort(proba[i])[-2])]
                reasons[i] = f"close call: {categories[i]} {p1[i]:.2f} vs {second} {p2[i]:.2f}"
        return reasons

    def _results(self, batch: _Batch, explain_top: int = 0) -> Iterator[TriageResult]:
        from triage.model import explain  # scikit-learn: only once a model is loaded

        for i, text in enumerate(batch.texts):
            category = CATEGORY_BY_ID[batch.categories[i]]
            explanation = (
                tuple(explain(self.pipeline, text, category.id, top=explain_top))
                if explain_top and text.strip()
                else ()
            )
            yield TriageResult(
                text=text,
                category=category.id,
                category_zh=category.name_zh,
                category_en=category.name_en,
                confidence=batch.confidence[i],
                probabilities={
                    c: round(float(p), 4)
                    for c, p in zip(CATEGORY_IDS, batch.proba[i], strict=True)
                },
                needs_review=bool(batch.review_reason[i]),
                review_reason=batch.review_reason[i],
                policies=batch.policies[i],
                region=batch.regions[i],
                product_category=batch.products[i],
                amount_yuan=batch.amounts[i],
                priority=batch.priorities[i],
                explanation=explanation,
            )

    def classify(self, text: str, explain_top: int = 8) -> TriageResult:
        """Classify one complaint, with the n-grams that pushed it toward its category."""
        return next(self._results(self._analyse([text]), explain_top=explain_top))

    def classify_many(
        self, texts: Iterable[object], batch_size: int = 1024, explain_top: int = 0
    ) -> Iterator[TriageResult]:
        """Classify any iterable of complaints lazily, in batches (much faster per item).

        >>> import triage
        >>> [r.category for r in triage.load().classify_many(["运费险被强制开通了，关都关不掉"])]
        ['forced_shipping_insurance']
        """
        it = iter(texts)
        while batch := list(islice(it, batch_size)):
            yield from self._results(self._analyse(batch), explain_top=explain_top)

    def label_texts(self, texts: Sequence[object]) -> pd.DataFrame:
        """The added columns (see :data:`ADDED_COLUMNS`) for a batch of texts."""
        if len(texts) == 0:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in ADDED_COLUMNS})
        b = self._analyse(texts, matches=False)
        assert b.policy_ids is not None
        names = self._policy_names
        # Text columns stay plain Python strings (object dtype): pandas 3 would otherwise
        # convert them to Arrow strings, and convert them back to write a CSV, which made
        # writing the output twice as slow.
        return pd.DataFrame(
            {
                "category": _strings(b.categories),
                "category_zh": _strings([CATEGORY_BY_ID[c].name_zh for c in b.categories]),
                "confidence": b.confidence,
                "needs_review": [bool(r) for r in b.review_reason],
                "review_reason": _strings(b.review_reason),
                "policies": _strings([";".join(ids) for ids in b.policy_ids]),
                "policy_names": _strings(
                    [";".join(names[i] for i in ids) for ids in b.policy_ids]
                ),
                "region": _strings(b.regions),
                "product_category": _strings(b.products),
                "amount_yuan": pd.array(b.amounts, dtype="Float64"),
                "priority": _strings(b.priorities),
            }
        )

    def label_frame(
        self, df: pd.DataFrame, text_column: str = "text", prefix: str = ""
    ) -> pd.DataFrame:
        """Return ``df`` with the added columns; keeps the index, every row and column.

        >>> import pandas as pd, triage
        >>> out = triage.load().label_frame(pd.DataFrame({"text": ["保证金退店三个月了还没退", None]}))
        >>> out["category"][0], out["needs_review"].tolist(), out["review_reason"][1]
        ('deposit_withheld', [False, True], 'empty text')
        """
        if text_column not in df.columns:
            raise InputFormatError(
                f"no column {text_column!r}; the columns are {[str(c) for c in df.columns]}"
            )
        names = [prefix + c for c in ADDED_COLUMNS]
        clash = [n for n in names if n in df.columns]
        if clash:
            raise InputFormatError(
                f"the input already has column(s) {clash}; pass a prefix (--prefix) so the "
                "added columns do not overwrite them"
            )
        added = self.label_texts(df[text_column].tolist())
        added.columns = names
        added.index = df.index
        return pd.concat([df, added], axis=1)


def _strings(values: list[str]) -> pd.Series:
    return pd.Series(values, dtype=object)


def load(model: str | Path | None = None, policies: str | Path | None = None) -> Triager:
    """Load the shipped (or given) model and policy catalogue once.

    >>> import triage
    >>> triage.load().classify("店铺被清退了").category
    'store_closure'
    """
    return Triager(load_model(model), load_catalog(policies))
