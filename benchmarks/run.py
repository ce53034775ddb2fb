"""The benchmark harness: generate input, run every measurement, rewrite ``RESULTS.md``.

    python -m benchmarks            # full run: 1,000,000 rows (about 15 minutes on 2 cores)
    python -m benchmarks --quick    # 3,000 rows, fewer repeats (under a minute)
    python benchmarks/run.py [--quick] [--rows N] [--results PATH] ...

Everything is measured in one run, one measurement after another, so the ratios compare
figures taken on the same machine at the same time. The CLI measurements (``triage label``,
the plain scikit-learn pipeline, the I/O floor, cold starts, ``triage train``, ``triage
report``) run as subprocesses (``sys.executable -m ...``) timed with ``time.perf_counter``,
while a thread samples the resident memory of the whole process tree with psutil. Timed
figures are medians over the stated number of runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

if __package__ in (None, ""):  # run as ``python benchmarks/run.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import pandas as pd
import psutil

from benchmarks.data import CORPUS, ROOT, SEED, SentencePool, generate_texts, write_csv

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
PY = sys.executable
LIBRARIES = (
    "merchant-triage", "numpy", "scipy", "pandas", "scikit-learn", "joblib", "opencc",
    "ahocorasick-rs", "pyarrow", "typer", "rich", "psutil",
)  # fmt: skip

#: Floors the issue sets.
MIN_SPEEDUP_VS_PLAIN = 3.0
MAX_TIMES_IO_FLOOR = 6.0
MAX_HELP_SECONDS = 0.3
MAX_REPORT_SECONDS = 30.0
MAX_REPORT_GROWTH = 1.25  # peak RSS on all rows over peak RSS on a quarter of them


@dataclass
class Config:
    """Sizes and repeat counts of one run."""

    rows: int = 1_000_000
    throughput_repeats: int = 3  # this machine's speed drifts by 10-20% within minutes
    calls: int = 10_000  # Triager.classify latency calls
    calls_no_explain: int = 1_000
    many_items: int = 5_000  # classify_many items per run
    many_repeats: int = 3
    cold_repeats: int = 5
    train_repeats: int = 1
    train_rows: int = 0  # 0: the whole corpus; else a per-category subsample of this size
    max_seconds: float = 60.0  # cap on the plain pipeline and on the latency loops; 0: none

    @classmethod
    def quick(cls) -> Config:
        return cls(
            rows=3_000, throughput_repeats=1, calls=100, calls_no_explain=100, many_items=1_000,
            many_repeats=1, cold_repeats=2, train_repeats=1, train_rows=140, max_seconds=15.0,
        )  # fmt: skip


@dataclass
class Run:
    """One subprocess run: wall seconds, peak RSS of its process tree, exit code, output."""

    seconds: float
    peak_rss: int
    max_procs: int
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def failure(self) -> str:
        last = (self.stderr.strip().splitlines() or ["(no message)"])[-1]
        return f"failed (exit {self.returncode}): {last[:200]}"


def _tree_rss(proc: psutil.Process) -> tuple[int, int]:
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total, len(procs)


def run_cmd(cmd: list[str], workdir: Path, sample: bool = True, interval: float = 0.05) -> Run:
    """Run ``cmd`` from the repository root; time it and sample its process tree's memory."""
    out_path, err_path = workdir / "cmd.stdout", workdir / "cmd.stderr"
    peak = [0, 0]
    done = threading.Event()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=err, stdin=subprocess.DEVNULL)

        def sampler() -> None:
            try:
                ps = psutil.Process(proc.pid)
            except psutil.Error:
                return
            while not done.is_set():
                rss, n = _tree_rss(ps)
                peak[0], peak[1] = max(peak[0], rss), max(peak[1], n)
                done.wait(interval)

        thread = threading.Thread(target=sampler, daemon=True) if sample else None
        if thread:
            thread.start()
        returncode = proc.wait()
        seconds = time.perf_counter() - started
        done.set()
        if thread:
            thread.join()
    return Run(
        seconds=seconds,
        peak_rss=peak[0],
        max_procs=peak[1],
        returncode=returncode,
        stdout=out_path.read_text(encoding="utf-8", errors="replace"),
        stderr=err_path.read_text(encoding="utf-8", errors="replace"),
    )


def triage_cmd(*args: str) -> list[str]:
    return [PY, "-m", "triage", *args]


def median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB" if n >= 2**20 else f"{n / 2**10:,.0f} KiB"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------
# Machine


def machine() -> dict:
    cpu = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    commit = dirty = ""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
            timeout=10,
        ).stdout.strip()  # fmt: skip
        status = subprocess.run(
            ["git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT, capture_output=True, text=True, timeout=10,
        ).stdout  # fmt: skip
        dirty = " (with uncommitted changes)" if status.strip() else ""
    return {
        "cpu": cpu or "unknown",
        "logical_cores": psutil.cpu_count(logical=True),
        "physical_cores": psutil.cpu_count(logical=False),
        "memory": psutil.virtual_memory().total,
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "versions": versions,
        "commit": (commit + dirty) if commit else "unknown",
        "load_before": os.getloadavg(),
    }


# ------------------------------------------------------------------------------------------
# Measurements


def measure_accuracy(workdir: Path) -> dict:
    """Macro-F1 on the dev set of the shipped model, the keyword baseline and the plain
    pipeline (trained here on the corpus, and saved for the throughput measurement)."""
    import joblib
    import pandas as pd
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    import triage
    from triage.baseline import KeywordBaseline
    from triage.config import dev_set_path
    from triage.model import score
    from triage.training import load_labelled

    corpus = pd.read_csv(CORPUS, dtype=str, keep_default_na=False)
    started = time.perf_counter()
    plain = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 3)), LinearSVC()).fit(
        corpus["text"].tolist(), corpus["category"].tolist()
    )
    plain_train_s = time.perf_counter() - started
    plain_path = workdir / "plain.joblib"
    joblib.dump(plain, plain_path)
    result = {
        "plain_path": plain_path,
        "plain_train_s": plain_train_s,
        "corpus_rows": len(corpus),
        "dev": None,
    }
    dev = dev_set_path()
    dev = dev if dev.is_absolute() else ROOT / dev
    if not dev.is_file():
        return result
    texts, labels = load_labelled(dev)
    triager = triage.load()
    predictions = {
        "triage (shipped model)": [r.category for r in triager.classify_many(texts.tolist())],
        "keyword baseline": KeywordBaseline().predict(texts.tolist()),
        "plain TF-IDF + LinearSVC": list(plain.predict(texts.tolist())),
    }
    result["dev"] = {
        "path": os.path.relpath(dev, ROOT),
        "rows": len(texts),
        "model": triager.version,
        "scores": {name: score(labels.tolist(), pred) for name, pred in predictions.items()},
    }
    return result


def measure_throughput(cfg: Config, workdir: Path, data: Path, plain_path: Path) -> dict:
    """``triage label`` vs the plain pipeline vs the I/O floor on the same CSV, interleaved."""
    runs: dict[str, list[Run]] = {"label": [], "plain": [], "plain2": [], "io": []}
    rows: dict[str, list[int]] = {"plain": [], "plain2": [], "io": []}
    labelled = workdir / "labelled.csv"
    cap = str(cfg.max_seconds)
    # In run order: `triage label` runs between the I/O floor and the 2-worker pipeline, the
    # two comparisons with the least margin, so each pair is a minute apart, not three.
    commands = {
        "io": [PY, "-m", "benchmarks.io_floor", str(data), str(workdir / "io.csv")],
        "label": triage_cmd("label", str(data), "-o", str(labelled), "--force", "--quiet"),
        "plain2": [PY, "-m", "benchmarks.plain_pipeline", str(plain_path), str(data),
                   str(workdir / "plain.csv"), "--max-seconds", cap, "--workers", "2"],
        "plain": [PY, "-m", "benchmarks.plain_pipeline", str(plain_path), str(data),
                  str(workdir / "plain.csv"), "--max-seconds", cap],
    }  # fmt: skip
    for i in range(cfg.throughput_repeats):
        for name, cmd in commands.items():
            log(f"throughput {i + 1}/{cfg.throughput_repeats}: {name}")
            run = run_cmd(cmd, workdir)
            runs[name].append(run)
            if name in rows and run.ok:
                rows[name].append(json.loads(run.stdout.strip().splitlines()[-1])["rows"])
    for name in ("plain.csv", "io.csv"):
        (workdir / name).unlink(missing_ok=True)
    out = {"labelled": labelled, "repeats": cfg.throughput_repeats, "rows": cfg.rows}
    out["ratios"] = _paired_ratios(runs, rows, cfg.rows)
    for name, rs in runs.items():
        good = [r for r in rs if r.ok]
        if not good:
            out[name] = {"error": rs[-1].failure()}
            continue
        n_rows = [cfg.rows] * len(good) if name == "label" else rows[name]
        out[name] = {
            "seconds": median([r.seconds for r in good]),
            "rows_done": int(median(n_rows)),
            "rows_per_s": median([n / r.seconds for n, r in zip(n_rows, good, strict=True)]),
            "peak_rss": max(r.peak_rss for r in good),
            "processes": max(r.max_procs for r in good),
        }
    return out


def _paired_ratios(runs: dict[str, list[Run]], rows: dict[str, list[int]], n: int) -> dict:
    """Each floor's ratio within each repeat, whose runs follow one another within minutes:
    pairing them cancels much of a shared machine's drift in speed between repeats."""
    out: dict[str, list[float]] = {"plain2": [], "plain": [], "io": []}
    done = {k: iter(v) for k, v in rows.items()}
    for i, label in enumerate(runs["label"]):
        others = {k: runs[k][i] for k in out}
        counts = {k: next(done[k]) if r.ok else 0 for k, r in others.items()}
        if not label.ok:
            continue
        for key in ("plain2", "plain"):
            if others[key].ok:
                speed = counts[key] / others[key].seconds
                out[key].append(n / label.seconds / speed)
        if others["io"].ok:
            out["io"].append(label.seconds / others["io"].seconds)
    return out


def measure_report(workdir: Path, labelled: Path, week: str, rows: int) -> dict:
    """``triage report`` on all the labelled rows (default week and ``--week``) and on the
    first quarter of them, to show that memory does not grow with the file."""
    probe = run_cmd(triage_cmd("report", "--help"), workdir, sample=False)
    if not probe.ok:
        return {"status": "not available yet", "detail": probe.failure()}
    if not labelled.is_file():
        return {"status": "skipped: no labelled file (triage label failed)"}
    quarter = workdir / "labelled-quarter.csv"
    options = dict(dtype=str, keep_default_na=False, encoding="utf-8-sig")
    pd.read_csv(labelled, nrows=rows // 4, **options).to_csv(
        quarter, index=False, encoding="utf-8-sig"
    )
    out = workdir / "report.json"
    cases = (
        ("all", labelled, rows, ()),
        ("all_week", labelled, rows, ("--week", week)),
        ("quarter", quarter, rows // 4, ()),
    )
    result: dict = {"status": "ok"}
    for name, path, n, extra in cases:
        cmd = triage_cmd(
            "report", str(path), *extra, "--format", "json", "-o", str(out), "--force"
        )
        log(f"triage report ({name})")
        run = run_cmd(cmd, workdir)
        if not run.ok:
            return {"status": run.failure(), "command": cmd}
        result[name] = {
            "rows": n,
            "seconds": run.seconds,
            "peak_rss": run.peak_rss,
            "command": " ".join(["triage", *(Path(a).name for a in cmd[3:])]),
        }
    quarter.unlink(missing_ok=True)
    return result


def _timed_calls(func, texts: list[str], n: int, max_seconds: float) -> list[float]:
    times = []
    started = time.perf_counter()
    for i in range(n):
        text = texts[i % len(texts)]
        t0 = time.perf_counter_ns()
        func(text)
        times.append((time.perf_counter_ns() - t0) / 1e6)
        if max_seconds and time.perf_counter() - started >= max_seconds:
            break
    return times


def measure_latency(cfg: Config, pool: SentencePool) -> dict:
    """``Triager.classify`` per call (with and without explanation); ``classify_many`` per item."""
    import triage

    started = time.perf_counter()
    triager = triage.load()
    load_s = time.perf_counter() - started
    texts = generate_texts(max(cfg.calls, cfg.many_items, 1), pool=pool)
    for text in texts[:20]:  # warm up caches and lazy imports
        triager.classify(text)
    out = {"in_process_load_s": load_s}
    for key, kwargs, n in (
        ("classify", {}, cfg.calls),
        ("classify_no_explain", {"explain_top": 0}, cfg.calls_no_explain),
    ):
        log(f"latency: {key} x {n}")
        ms = _timed_calls(
            lambda t, kw=kwargs: triager.classify(t, **kw), texts, n, cfg.max_seconds
        )
        out[key] = {
            "requested": n,
            "calls": len(ms),
            "median_ms": float(np.median(ms)),
            "p99_ms": float(np.percentile(ms, 99)),
            "mean_ms": float(np.mean(ms)),
        }
    log(f"latency: classify_many {cfg.many_items} x {cfg.many_repeats}")
    per_item = []
    for _ in range(cfg.many_repeats):
        t0 = time.perf_counter()
        n = sum(1 for _ in triager.classify_many(texts[: cfg.many_items]))
        per_item.append((time.perf_counter() - t0) / n * 1e3)
    out["classify_many"] = {
        "items": cfg.many_items,
        "repeats": cfg.many_repeats,
        "per_item_ms": median(per_item),
    }
    return out


LOAD_SNIPPET = """
import json, time
t0 = time.perf_counter()
import triage
t1 = time.perf_counter()
triage.load()
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1}))
"""


def measure_cold_start(cfg: Config, workdir: Path, one_row: Path) -> dict:
    """``triage --help``, ``triage label`` of a one-row file and model load, in fresh processes."""
    out: dict = {"repeats": cfg.cold_repeats, "help_repeats": max(cfg.cold_repeats, 5)}
    # ``--help`` is cheap and its floor is tight: never fewer than 5 runs.
    help_cmd = triage_cmd("--help")
    help_runs = [run_cmd(help_cmd, workdir, sample=False) for _ in range(max(cfg.cold_repeats, 5))]
    out["help"] = (
        {"seconds": median([r.seconds for r in help_runs])}
        if all(r.ok for r in help_runs)
        else {"error": next(r for r in help_runs if not r.ok).failure()}
    )
    one_out = workdir / "one.labelled.csv"
    cmd = triage_cmd("label", str(one_row), "-o", str(one_out), "--force", "--quiet")
    label_runs = [run_cmd(cmd, workdir) for _ in range(cfg.cold_repeats)]
    out["label_one"] = (
        {
            "seconds": median([r.seconds for r in label_runs]),
            "peak_rss": max(r.peak_rss for r in label_runs),
        }
        if all(r.ok for r in label_runs)
        else {"error": next(r for r in label_runs if not r.ok).failure()}
    )
    load_cmd = [PY, "-c", LOAD_SNIPPET]
    loads = [run_cmd(load_cmd, workdir, sample=False) for _ in range(cfg.cold_repeats)]
    if all(r.ok for r in loads):
        parsed = [json.loads(r.stdout.strip().splitlines()[-1]) for r in loads]
        out["load"] = {
            "import_s": median([p["import_s"] for p in parsed]),
            "load_s": median([p["load_s"] for p in parsed]),
            "process_s": median([r.seconds for r in loads]),
        }
    else:
        out["load"] = {"error": next(r for r in loads if not r.ok).failure()}
    return out


def measure_train(cfg: Config, workdir: Path) -> dict:
    """``triage train`` into a scratch folder (never ``models/``), its model size on disk."""
    import pandas as pd

    import triage

    data = CORPUS
    rows = None
    if cfg.train_rows:
        corpus = pd.read_csv(CORPUS, dtype=str, keep_default_na=False)
        per = max(cfg.train_rows // corpus["category"].nunique(), 10)
        subset = corpus.groupby("category", group_keys=False).head(per)
        data = workdir / "train-subset.csv"
        subset.to_csv(data, index=False)
        rows = len(subset)
    runs = []
    for i in range(cfg.train_repeats):
        target = workdir / f"train-{i}"
        log(f"triage train {i + 1}/{cfg.train_repeats}")
        cmd = triage_cmd("train", "--data", str(data), "--output", str(target))
        runs.append(run_cmd(cmd, workdir))
    shipped = triage.load().model.path
    out = {
        "repeats": cfg.train_repeats,
        "data": os.path.relpath(data, ROOT) if data == CORPUS else f"{rows}-row subsample",
        "shipped_model": shipped.name,
        "shipped_bytes": shipped.stat().st_size,
    }
    if not all(r.ok for r in runs):
        out["error"] = next(r for r in runs if not r.ok).failure()
        return out
    models = sorted((workdir / "train-0").glob("*.joblib"))
    out.update(
        seconds=median([r.seconds for r in runs]),
        peak_rss=max(r.peak_rss for r in runs),
        model_bytes=models[0].stat().st_size if models else 0,
    )
    return out


# ------------------------------------------------------------------------------------------
# RESULTS.md


def _verdict(ok: bool) -> str:
    return "**PASS**" if ok else "**FAIL**"


def render(results: dict) -> str:
    m, cfg, inp = results["machine"], results["config"], results["input"]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `{results['command']}` on {results['date']} "
        f"(whole run {results['total_s'] / 60:.1f} min). Rerun that command to reproduce; "
        "the input is generated from a fixed seed, so every run labels the same rows.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        f"| CPU | {m['cpu']} |",
        f"| cores | {m['logical_cores']} logical, {m['physical_cores']} physical |",
        f"| memory | {m['memory'] / 2**30:.1f} GiB |",
        f"| OS | {m['os']} |",
        f"| Python | {m['python']} |",
        f"| commit | {m['commit']} |",
        "| load average (1, 5, 15 min) | before "
        + ", ".join(f"{x:.2f}" for x in m["load_before"])
        + "; after "
        + ", ".join(f"{x:.2f}" for x in results["load_after"])
        + " |",
        *(f"| {name} | {version} |" for name, version in m["versions"].items()),
        "",
        "## Input",
        "",
        f"{inp['rows']:,} rows (`id, date, text`), {mib(inp['bytes'])} of UTF-8 CSV, generated "
        f"in {inp['seconds']:.1f} s by `benchmarks/data.py` (seed {inp['seed']}): sentences of "
        "`data/train/complaints.csv` recombined by language and category (Simplified, "
        "Traditional, English, mixed; 1 in 20 Chinese texts with an English sentence, 1 in 20 "
        f"on several lines). Text length {inp['chars_min']}-{inp['chars_max']} characters, "
        f"median {inp['chars_median']:.0f}; dates {inp['date_first']} to {inp['date_last']} "
        f"(latest ISO week {inp['latest_week']}). Nothing comes from `../shared/eval/`.",
        "",
    ]
    lines += _render_accuracy(results["accuracy"])
    lines += _render_throughput(results["throughput"], cfg)
    lines += _render_latency(results["latency"], cfg)
    lines += _render_cold(results["cold"])
    lines += _render_train(results["train"])
    lines += _render_report(results["report"], inp["rows"])
    lines += [
        "## Method",
        "",
        f"- Sizes of this run: {cfg.rows:,} rows; throughput runs x{cfg.throughput_repeats}; "
        f"`classify` {cfg.calls:,} calls (no-explanation {cfg.calls_no_explain:,}); "
        f"`classify_many` {cfg.many_items:,} items x{cfg.many_repeats}; cold starts and model "
        f"load x{cfg.cold_repeats}; `triage train` x{cfg.train_repeats}. Figures are medians "
        "over those runs; peak memory is the largest over them.",
        "- Subprocesses run as `python -m ...` from the repository root, one after another "
        "(I/O floor, label, plain on 2 workers, plain on 1 process, then again when "
        "repeated: `triage label` runs right after the I/O floor and right before the "
        "2-worker pipeline, its two closest comparisons), timed with `time.perf_counter` "
        "from start to exit. Peak RSS is the sum of the resident sets of the process and "
        "all its children, sampled every 50 ms with psutil.",
        "- Throughput rows/s include process start and model load, as a user sees them. "
        "`triage label` chooses its own worker count (2 processes on 2 cores for files over "
        "32 MiB); the plain pipeline runs once in one process and once with 2 worker "
        "processes fed in order as `triage label` feeds its workers (the 3x floor is judged "
        "against both); the I/O floor is one process.",
        f"- Time caps ({cfg.max_seconds:g} s; 0 means none): the plain pipeline runs stop after "
        "the chunk that crosses the cap and its rows/s is the rows it labelled over its wall "
        "time; the latency loops stop at the cap and report how many calls they made. "
        "`triage label` and the I/O floor always process every row.",
        "- The I/O floor is pandas, as issue #4 defines it: `read_csv` in 20,000-row chunks "
        "(cells as plain strings, as `triage label` reads them) and `to_csv` of each chunk. "
        "`triage label` reads the same way, but writes text, bool and float columns through "
        "`csv.writer` (`triage.output.csv_text`: the same bytes as `to_csv`, about a quarter "
        "less CPU), so part of its margin over the floor is that writer.",
        "- `python -m benchmarks --help` lists the options that change the sizes.",
        "",
    ]
    return "\n".join(lines).rstrip() + "\n"


def _render_accuracy(acc: dict) -> list[str]:
    lines = ["## Accuracy", ""]
    if acc["dev"] is None:
        return [*lines, "Dev set `../shared/eval/dev.csv`: **absent**; no accuracy figures.", ""]
    dev = acc["dev"]
    lines += [
        f"Macro-F1 on `{dev['path']}` ({dev['rows']} rows). The plain pipeline "
        '(`TfidfVectorizer(analyzer="char", ngram_range=(1, 3))` + `LinearSVC()`, defaults) was '
        f"trained on `data/train/complaints.csv` ({acc['corpus_rows']:,} rows) in "
        f"{acc['plain_train_s']:.1f} s; the shipped model is `{dev['model']}`.",
        "",
        "| classifier | macro-F1 | accuracy |",
        "|---|---:|---:|",
    ]
    for name, s in dev["scores"].items():
        lines.append(f"| {name} | {s.macro_f1:.3f} | {s.accuracy:.3f} |")
    return [*lines, ""]


def _render_throughput(tp: dict, cfg: Config) -> list[str]:
    lines = [
        "## Throughput: `triage label`",
        "",
        f"The same {tp['rows']:,}-row CSV, 20,000-row chunks, x{tp['repeats']} (median).",
        "",
        "| run | rows | seconds | rows/s | peak RSS (tree) | processes |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    names = {
        "label": "`triage label` (all added columns)",
        "plain2": "plain TF-IDF + LinearSVC (category only), 2 worker processes",
        "plain": "plain TF-IDF + LinearSVC (category only), 1 process",
        "io": "I/O floor (pandas read + write)",
    }
    for key, title in names.items():
        r = tp[key]
        if "error" in r:
            lines.append(f"| {title} | {r['error']} | | | | |")
            continue
        lines.append(
            f"| {title} | {r['rows_done']:,} | {r['seconds']:.1f} | {r['rows_per_s']:,.0f} | "
            f"{mib(r['peak_rss'])} | {r['processes']} |"
        )
    lines += [
        "",
        "Each ratio is taken within one repeat (its runs follow one another); the verdict "
        "is on the median over the repeats, and the last column gives every repeat's ratio.",
        "",
        "| floor | measured (median) | verdict | each repeat |",
        "|---|---:|---|---|",
    ]
    ratios = tp["ratios"]
    floors = (
        ("plain2", f"`triage label` rows/s >= {MIN_SPEEDUP_VS_PLAIN:g}x the plain pipeline's "
         "(2 workers, as `triage label` runs)", lambda r: r >= MIN_SPEEDUP_VS_PLAIN),
        ("plain", f"`triage label` rows/s >= {MIN_SPEEDUP_VS_PLAIN:g}x the plain pipeline's "
         "(1 process)", lambda r: r >= MIN_SPEEDUP_VS_PLAIN),
        ("io", f"`triage label` time <= {MAX_TIMES_IO_FLOOR:g}x the I/O floor's",
         lambda r: r <= MAX_TIMES_IO_FLOOR),
    )  # fmt: skip
    for key, title, holds in floors:
        if not ratios[key]:
            lines.append(f"| {title} | not measured | | |")
            continue
        mid = median(ratios[key])
        each = ", ".join(f"{r:.2f}x" for r in ratios[key])
        lines.append(f"| {title} | {mid:.2f}x | {_verdict(holds(mid))} | {each} |")
    for key in ("plain2", "plain"):
        plain = tp.get(key, {"error": "not run"})
        if "error" not in plain and plain["rows_done"] < tp["rows"]:
            lines += [
                "",
                f"The {names[key]} run reached the {cfg.max_seconds:g} s cap after "
                f"{plain['rows_done']:,} of {tp['rows']:,} rows; its rows/s is over those rows "
                f"(all rows would take about {tp['rows'] / plain['rows_per_s'] / 60:.0f} min).",
            ]
    return [*lines, ""]


def _render_latency(lat: dict, cfg: Config) -> list[str]:
    lines = [
        "## Latency: the Python API",
        "",
        f"In one process after `triage.load()` ({lat['in_process_load_s']:.2f} s) and 20 warm-up "
        "calls; texts from the same generator (another seed).",
        "",
        "| call | calls | median | p99 | mean |",
        "|---|---:|---:|---:|---:|",
    ]
    for key, title in (
        ("classify", "`Triager.classify(text)` (with its default 8-n-gram explanation)"),
        ("classify_no_explain", "`Triager.classify(text, explain_top=0)`"),
    ):
        r = lat[key]
        capped = f" of {r['requested']:,} (cap)" if r["calls"] < r["requested"] else ""
        lines.append(
            f"| {title} | {r['calls']:,}{capped} | {r['median_ms']:.2f} ms | "
            f"{r['p99_ms']:.2f} ms | {r['mean_ms']:.2f} ms |"
        )
    many = lat["classify_many"]
    lines += [
        "",
        f"`Triager.classify_many` (batches of 1,024): **{many['per_item_ms']:.3f} ms per item** "
        f"({1e3 / many['per_item_ms']:,.0f} items/s), median of x{many['repeats']} runs over "
        f"{many['items']:,} texts.",
        "",
    ]
    return lines


def _render_cold(cold: dict) -> list[str]:
    lines = [
        "## Cold start",
        "",
        f"Fresh processes, median of {cold['repeats']} runs (`triage --help`: "
        f"{cold['help_repeats']} runs).",
        "",
        "| what | time | floor |",
        "|---|---:|---|",
    ]
    h = cold["help"]
    if "error" in h:
        lines.append(f"| `triage --help` | {h['error']} | |")
    else:
        lines.append(
            f"| `triage --help` | {h['seconds']:.3f} s | < {MAX_HELP_SECONDS} s: "
            f"{_verdict(h['seconds'] < MAX_HELP_SECONDS)} |"
        )
    one = cold["label_one"]
    if "error" in one:
        lines.append(f"| `triage label` one-row file, end to end | {one['error']} | |")
    else:
        lines.append(
            f"| `triage label` one-row file, end to end | {one['seconds']:.2f} s "
            f"(peak RSS {mib(one['peak_rss'])}) | |"
        )
    load = cold["load"]
    if "error" in load:
        lines.append(f"| model load | {load['error']} | |")
    else:
        lines += [
            f"| `import triage` (lazy: imports nothing heavy) | {load['import_s']:.3f} s | |",
            f"| `triage.load()` (imports NumPy, SciPy, pandas; loads the model weights and "
            f"catalogue) | {load['load_s']:.3f} s | |",
            f"| whole process (`python -c` import + load) | {load['process_s']:.2f} s | |",
        ]
    return [*lines, ""]


def _render_train(tr: dict) -> list[str]:
    lines = [
        "## Training and model size",
        "",
        "| what | value |",
        "|---|---:|",
    ]
    if "error" in tr:
        lines.append(f"| `triage train` on {tr['data']} | {tr['error']} |")
    else:
        lines += [
            f"| `triage train` on {tr['data']} (x{tr['repeats']}, median) | "
            f"{tr['seconds']:.1f} s |",
            f"| peak RSS of `triage train` | {mib(tr['peak_rss'])} |",
            f"| trained model on disk | {tr['model_bytes'] / 1e6:.2f} MB |",
        ]
    lines.append(f"| shipped model `{tr['shipped_model']}` | {tr['shipped_bytes'] / 1e6:.2f} MB |")
    lines += [
        "",
        "`triage train` runs 5-fold cross-validation, the final fit, and scores the dev set when "
        "present; it writes into a scratch folder, never into `models/`.",
        "",
    ]
    return lines


def _render_report(rep: dict, rows: int) -> list[str]:
    lines = ["## `triage report`", ""]
    if rep["status"] == "not available yet":
        return [*lines, f"**not available yet**: {rep.get('detail', '')}", ""]
    if rep["status"] != "ok":
        return [*lines, f"`triage report`: {rep['status']}", ""]
    lines += [
        "On the labelled output of the throughput run, and on its first quarter.",
        "",
        "| command | rows | seconds | rows/s | peak RSS (tree) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in ("all", "all_week", "quarter"):
        r = rep[name]
        lines.append(
            f"| `{r['command']}` | {r['rows']:,} | {r['seconds']:.1f} | "
            f"{r['rows'] / r['seconds']:,.0f} | {mib(r['peak_rss'])} |"
        )
    slowest = max(rep["all"]["seconds"], rep["all_week"]["seconds"])
    growth = rep["all"]["peak_rss"] / rep["quarter"]["peak_rss"]
    lines += [
        "",
        "| floor | measured | verdict |",
        "|---|---:|---|",
        f"| report on {rows:,} rows < {MAX_REPORT_SECONDS:g} s | {slowest:.1f} s | "
        f"{_verdict(slowest < MAX_REPORT_SECONDS)} |",
        f"| flat memory: peak RSS on all rows <= {MAX_REPORT_GROWTH:g}x on a quarter | "
        f"{growth:.2f}x | {_verdict(growth <= MAX_REPORT_GROWTH)} |",
        "",
    ]
    return lines


# ------------------------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="Run every triage benchmark; rewrite RESULTS.md."
    )
    parser.add_argument("--quick", action="store_true", help="3,000 rows, fewer repeats (<1 min)")
    parser.add_argument("--rows", type=int, help="rows of the throughput CSV")
    parser.add_argument("--repeats", type=int, help="runs of each throughput and cold-start step")
    parser.add_argument("--calls", type=int, help="Triager.classify latency calls")
    parser.add_argument("--train-rows", type=int, help="train on a subsample of this many rows")
    parser.add_argument(
        "--max-seconds", type=float, help="cap on the plain pipeline and latency loops (0: none)"
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="file to write")
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a temporary one)")
    return parser.parse_args(argv)


def config_from(args: argparse.Namespace) -> Config:
    cfg = Config.quick() if args.quick else Config()
    if args.rows is not None:
        cfg.rows = args.rows
        cfg.many_items = min(cfg.many_items, max(args.rows, 1))
    if args.repeats is not None:
        cfg.throughput_repeats = cfg.cold_repeats = cfg.many_repeats = args.repeats
    if args.calls is not None:
        cfg.calls = args.calls
        cfg.calls_no_explain = min(cfg.calls_no_explain, args.calls)
    if args.train_rows is not None:
        cfg.train_rows = args.train_rows
    if args.max_seconds is not None:
        cfg.max_seconds = args.max_seconds
    return cfg


def main(argv=None) -> int:
    args = parse_args(argv)
    cfg = config_from(args)
    shown = ["python", "-m", "benchmarks", *(sys.argv[1:] if argv is None else argv)]
    started = time.perf_counter()
    own_workdir = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="triage-bench-")) if own_workdir else args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        results = {
            "command": " ".join(shown),
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "config": cfg,
        }
        log(f"machine; scratch folder {workdir}")
        results["machine"] = machine()
        log(f"generating {cfg.rows:,} rows")
        pool = SentencePool.from_corpus()
        data = workdir / "complaints.csv"
        t0 = time.perf_counter()
        info = write_csv(data, cfg.rows, pool=pool)

        results["input"] = {**info, "seconds": time.perf_counter() - t0, "seed": SEED}
        one_row = workdir / "one.csv"
        write_csv(one_row, 1, pool=pool)
        log("accuracy (and training the plain pipeline)")
        results["accuracy"] = measure_accuracy(workdir)
        results["throughput"] = measure_throughput(
            cfg, workdir, data, results["accuracy"]["plain_path"]
        )
        results["report"] = measure_report(
            workdir, results["throughput"]["labelled"], info["latest_week"], cfg.rows
        )
        for name in ("labelled.csv", "complaints.csv"):
            (workdir / name).unlink(missing_ok=True)
        results["latency"] = measure_latency(cfg, pool)
        log("cold start")
        results["cold"] = measure_cold_start(cfg, workdir, one_row)
        results["train"] = measure_train(cfg, workdir)
        results["load_after"] = os.getloadavg()
        results["total_s"] = time.perf_counter() - started
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(render(results), encoding="utf-8")
        log(f"wrote {args.results} ({results['total_s'] / 60:.1f} min)")
    finally:
        if own_workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
