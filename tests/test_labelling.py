"""label_file / label_frame: every row kept, in order; clashes refused; output atomic."""

import platform
import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage.allocator import keep_freed_memory
from triage.api import ADDED_COLUMNS
from triage.errors import InputFormatError, OutputError
from triage.labelling import default_output, label_file
from triage.output import csv_text
from triage.tables import read_table

from .conftest import ASSETS

FILES = ASSETS / "files"


@pytest.mark.parametrize(
    "name",
    ["gbk.csv", "bom.csv", "crlf.csv", "quoted_newlines.csv", "huge_field.csv",
     "empty_cells.csv", "complaints.tsv", "complaints.jsonl", "complaints.xlsx",
     "complaints.parquet", "short_row.csv"],
)  # fmt: skip
def test_every_row_and_column_kept(name, tmp_path, tiny_model_dir):
    src = FILES / name
    out = tmp_path / f"out{src.suffix}"
    summary = label_file(str(src), str(out), model=str(tiny_model_dir))
    before, after = read_table(src), read_table(out)
    assert len(after) == len(before) == summary.rows
    assert list(after.columns) == list(before.columns) + list(ADDED_COLUMNS)
    pd.testing.assert_frame_equal(
        after[before.columns].astype(str), before.astype(str), check_dtype=False
    )


def test_empty_text_is_flagged_not_silently_other(tmp_path, tiny_model_dir):
    out = tmp_path / "o.csv"
    label_file(str(FILES / "empty_cells.csv"), str(out), model=str(tiny_model_dir))
    frame = read_table(out)
    assert frame["needs_review"].tolist()[:3] == ["True", "True", "True"]
    assert frame["review_reason"][0] == "empty text"
    assert "no words" in frame["review_reason"][2]


def test_default_output_and_refusals(tmp_path, tiny_model_dir):
    src = tmp_path / "c.csv"
    src.write_text("id,text\n1,店被封了\n", "utf-8")
    label_file(str(src), model=str(tiny_model_dir))
    assert (tmp_path / "c.labelled.csv").exists()
    assert default_output(str(src)) == str(tmp_path / "c.labelled.csv")
    with pytest.raises(OutputError, match="already exists"):
        label_file(str(src), model=str(tiny_model_dir))
    label_file(str(src), force=True, model=str(tiny_model_dir))
    with pytest.raises(OutputError, match="input file"):
        label_file(str(src), str(src), force=True, model=str(tiny_model_dir))


def test_column_clash_needs_a_prefix(tmp_path, tiny_model_dir):
    with pytest.raises(InputFormatError, match=r"\['region'\].*--prefix"):
        label_file(str(FILES / "clash.csv"), str(tmp_path / "o.csv"), model=str(tiny_model_dir))
    label_file(
        str(FILES / "clash.csv"), str(tmp_path / "o.csv"), prefix="t_", model=str(tiny_model_dir)
    )
    frame = read_table(tmp_path / "o.csv")
    assert frame["region"][0] == "华南大区" and frame["t_region"][0] == "广东"


def test_csv_output_has_bom_for_excel(tmp_path, tiny_model_dir):
    out = tmp_path / "o.csv"
    label_file(str(FILES / "gbk.csv"), str(out), model=str(tiny_model_dir))
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    label_file(str(FILES / "gbk.csv"), str(out), force=True, output_encoding="utf-8",
               model=str(tiny_model_dir))  # fmt: skip
    assert not out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_xlsx_formulas_stay_text(tmp_path, tiny_model_dir):
    import openpyxl

    out = tmp_path / "o.xlsx"
    label_file(str(FILES / "complaints.xlsx"), str(out), model=str(tiny_model_dir))
    sheet = openpyxl.load_workbook(out).active
    cell = sheet["B3"]
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"


def test_escape_formulas_in_csv(tmp_path, tiny_model_dir):
    src = tmp_path / "f.csv"
    src.write_text('id,text\n1,"=HYPERLINK(""x"")"\n2,@SUM(A1)\n3,普通\n', "utf-8")
    out = tmp_path / "o.csv"
    label_file(str(src), str(out), escape_formulas=True, model=str(tiny_model_dir))
    assert read_table(out)["text"].tolist() == ['\'=HYPERLINK("x")', "'@SUM(A1)", "普通"]


def test_bad_input_leaves_no_output(tmp_path, tiny_model_dir):
    out = tmp_path / "o.csv"
    with pytest.raises(InputFormatError):
        label_file(str(FILES / "ragged.csv"), str(out), model=str(tiny_model_dir))
    assert list(tmp_path.iterdir()) == []


def test_skip_bad_lines_writes_rejected_file(tmp_path, tiny_model_dir):
    out = tmp_path / "o.csv"
    summary = label_file(str(FILES / "ragged.csv"), str(out), skip_bad_lines=True,
                         model=str(tiny_model_dir))  # fmt: skip
    assert summary.rows == 2 and summary.rejected == 1
    assert "2,保证金,多了一列" in (tmp_path / "o.csv.rejected.csv").read_text("utf-8-sig")


def test_header_only_file_is_an_error(tmp_path, tiny_model_dir):
    with pytest.raises(InputFormatError, match="no rows"):
        label_file(str(FILES / "header_only.csv"), str(tmp_path / "o.csv"),
                   model=str(tiny_model_dir))  # fmt: skip
    assert list(tmp_path.iterdir()) == []


def test_label_frame_keeps_index(triager):
    frame = pd.DataFrame({"text": ["店被封了", None, "运费险"]}, index=[10, 5, 7])
    out = triager.label_frame(frame)
    assert list(out.index) == [10, 5, 7]
    assert out["category"][10] == "store_closure"


def test_parallel_workers_give_the_same_output(tmp_path, corpus):
    src = tmp_path / "many.csv"
    corpus[["id", "text"]].head(300).to_csv(src, index=False)
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    label_file(str(src), str(one), chunk_size=100, workers=1)
    label_file(str(src), str(two), chunk_size=100, batch_size=30, workers=2)  # 4 batches a chunk
    assert one.read_bytes() == two.read_bytes()


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="mallopt is glibc's",
)
def test_allocator_tuning_is_accepted_by_glibc():
    # mallopt returns 0 for a value it refuses (a threshold above glibc's ceiling, say).
    assert keep_freed_memory() is True


def test_worker_collector_skips_what_was_loaded():
    # In a fresh process: freezing in the test runner would keep its garbage forever.
    code = (
        "import gc, triage; from triage.allocator import collect_garbage_less; "
        "triage.load(); collect_garbage_less(); print(gc.get_freeze_count(), *gc.get_threshold())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    frozen, *threshold = map(int, out.stdout.split())
    assert frozen > 10_000 and threshold == [10_000, 50, 100]


cells = st.one_of(
    st.text(alphabet=list('ab,"\t\r\n 退款=;'), max_size=6), st.none(), st.integers(-5, 5),
    st.floats(allow_nan=True, allow_infinity=False, width=32),
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(alphabet=list('ab,"\n 退'), max_size=5), min_size=1, max_size=6),
    st.data(),
)
def test_csv_text_writes_what_pandas_writes(texts, data):
    n = len(texts)
    floats = data.draw(st.lists(st.floats(-1e6, 1e6, width=32), min_size=n, max_size=n))
    frame = pd.DataFrame(
        {
            "text": pd.Series(texts, dtype=object),
            "flag": data.draw(st.lists(st.booleans(), min_size=n, max_size=n)),
            "score": floats,
            "amount": pd.array(
                data.draw(
                    st.lists(st.one_of(st.none(), st.floats(0, 1e9)), min_size=n, max_size=n)
                ),
                dtype="Float64",
            ),
        }
    )
    mixed = frame.assign(
        cell=pd.Series(data.draw(st.lists(cells, min_size=n, max_size=n)), dtype=object)
    )
    mixed.loc[0, "cell"] = float("nan")  # pandas writes it empty, csv.writer "nan"
    for f in (frame, mixed):  # plain columns go to csv.writer, a mixed one sends all to pandas
        for sep, end, header in ((",", "\r\n", True), ("\t", "\n", False)):
            expected = f.to_csv(sep=sep, index=False, header=header, lineterminator=end)
            assert csv_text(f, sep, end, header) == expected
