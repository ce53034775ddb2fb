"""Reading real-world files: every good file reads every row, every bad one fails clearly."""

import pytest

from triage.errors import InputFormatError
from triage.tables import find_text_column, open_table, read_table

from .conftest import ASSETS

FILES = ASSETS / "files"


@pytest.mark.parametrize(
    ("name", "encoding", "rows"),
    [
        ("gbk.csv", "gb18030", 3),
        ("bom.csv", "utf-8-sig", 3),
        ("crlf.csv", "utf-8", 3),
        ("quoted_newlines.csv", "utf-8", 2),
        ("huge_field.csv", "utf-8", 2),
        ("empty_cells.csv", "utf-8", 4),
        ("complaints.tsv", "utf-8", 2),
    ],
)
def test_delimited_files_read_every_row(name, encoding, rows):
    table = open_table(FILES / name)
    frame = read_table(FILES / name)
    assert table.encoding == encoding
    assert len(frame) == rows
    assert list(frame.index) == list(range(rows))


def test_decoded_text_is_right():
    gbk = read_table(FILES / "gbk.csv")
    assert gbk["投诉内容"][0] == "平台给买家仅退款了，货没回来"
    quoted = read_table(FILES / "quoted_newlines.csv")
    assert quoted["text"][0] == "第一行\n第二行，运费险关不掉"
    assert quoted["text"][1] == '说"不是罚款"，是封店'
    crlf = read_table(FILES / "crlf.csv")
    assert crlf["投诉内容"][1] == "保证金退店三个月还没退"


def test_other_formats():
    assert read_table(FILES / "complaints.jsonl")["meta"][0] == '{"src": "app"}'
    xlsx = read_table(FILES / "complaints.xlsx")
    assert xlsx["投诉内容"].tolist()[0] == "店铺被清退" and len(xlsx) == 3
    assert read_table(FILES / "complaints.parquet")["text"].tolist() == ["运费险", "仅退款"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("ragged.csv", "line 3 has 3 fields, the header has 2"),
        ("empty.csv", "the file is empty"),
        ("dup_columns.csv", "duplicate column names"),
        ("bad_bytes.csv", "undecodable bytes at byte offset"),
        ("not_object.jsonl", "line 2 is a JSON list, not an object"),
        ("bad_json.jsonl", "line 2 is not JSON"),
        ("unknown.txt", "unknown extension '.txt'"),
        ("missing.csv", "file not found"),
    ],
)
def test_bad_files_fail_with_a_clear_message(name, message):
    with pytest.raises(InputFormatError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_table(FILES / name)


def test_short_rows_are_padded_not_dropped():
    frame = read_table(FILES / "short_row.csv")
    assert frame.to_dict("records")[1] == {"id": "2", "text": "", "date": ""}


def test_header_only_has_no_rows():
    assert len(read_table(FILES / "header_only.csv")) == 0


def test_skip_bad_lines_keeps_the_rejected_line():
    table = open_table(FILES / "ragged.csv", skip_bad_lines=True)
    frame = next(table.chunks())
    assert frame["text"].tolist() == ["店被封了", "运费险"]
    assert table.rejected == [{"fields": 3, "raw": "2,保证金,多了一列"}]


def test_forced_encoding_and_unknown_encoding():
    assert open_table(FILES / "gbk.csv", encoding="gbk").encoding == "gbk"
    with pytest.raises(InputFormatError, match="unknown encoding"):
        open_table(FILES / "gbk.csv", encoding="klingon")


def test_excel_sheet_selection(tmp_path):
    import pandas as pd

    path = tmp_path / "two.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"text": ["a"]}).to_excel(writer, sheet_name="first", index=False)
        pd.DataFrame({"text": ["b", "c"]}).to_excel(writer, sheet_name="second", index=False)
    assert read_table(path, sheet="second")["text"].tolist() == ["b", "c"]
    with pytest.raises(InputFormatError, match="no sheet 'third'"):
        read_table(path, sheet="third")


def test_text_column_detection():
    assert find_text_column(["id", "Content", "date"]) == "Content"
    with pytest.raises(InputFormatError, match=r"the columns are \['id', 'foo'\]"):
        find_text_column(["id", "foo"])
    with pytest.raises(InputFormatError, match="several columns"):
        find_text_column(["id", "text", "内容"])
    with pytest.raises(InputFormatError, match="no column 'body'"):
        find_text_column(["id", "text"], "body")


@pytest.mark.parametrize("skip_bad_lines", [False, True])
def test_bytes_read_reaches_the_file_size(tmp_path, skip_bad_lines):
    path = tmp_path / "big.csv"
    path.write_text("id,text\n" + "".join(f"{i},投诉内容{i}\n" for i in range(3000)), "utf-8")
    table = open_table(str(path), chunk_size=500, skip_bad_lines=skip_bad_lines)
    seen = [table.bytes_read() for _ in table.chunks()]
    assert seen == sorted(seen) and 0 < seen[0] <= table.size_bytes
    assert table.bytes_read() == table.size_bytes
    assert table.total_rows is None


def test_parquet_knows_its_row_count(tmp_path):
    import pandas as pd

    path = tmp_path / "t.parquet"
    pd.DataFrame({"text": ["a", "b", "c"]}).to_parquet(path)
    assert open_table(str(path)).total_rows == 3


@pytest.mark.parametrize("skip_bad_lines", [False, True])
def test_usecols_reads_only_those_columns(tmp_path, skip_bad_lines):
    path = tmp_path / "wide.csv"
    path.write_text("id,date,text,extra\n1,2025-07-28,仅退款,x\n2,2025-07-29,运费险,y\n", "utf-8")
    table = open_table(str(path), usecols=["text", "id"], skip_bad_lines=skip_bad_lines)
    (chunk,) = list(table.chunks())
    assert sorted(chunk.columns) == ["id", "text"]
    assert chunk["text"].tolist() == ["仅退款", "运费险"]
    assert table.columns == ["id", "date", "text", "extra"]
