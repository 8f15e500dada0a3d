"""The plain side tables: every text escaped, one row per item, a scrolling box."""

from __future__ import annotations

from dashboard.widgets.small_table import table_html


def test_texts_are_escaped_and_rows_kept_in_order():
    rows = [
        {"网格": "<script>alert(1)</script>", "原因": "超期 ≥ 5 & 新增"},
        {"网格": '=HYPERLINK("x")', "原因": "a\"b'c"},
    ]
    text = table_html(rows, 300)
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "超期 ≥ 5 &amp; 新增" in text and "a&quot;b&#x27;c" in text
    assert text.count("<tr>") == 3 and text.count("<th>") == 2  # the header and two rows
    assert text.index("&lt;script&gt;") < text.index("HYPERLINK")
    assert 'style="max-height:300px"' in text


def test_an_empty_list_is_an_empty_table():
    text = table_html([], 120)
    assert "<tbody></tbody>" in text and "<th>" not in text


def test_number_columns_are_aligned_right():
    text = table_html([{"区县": "城关区", "在办": "5,369"}], 100, numbers=["在办"])
    assert '<th class="mq-num">在办</th>' in text and '<td class="mq-num">5,369</td>' in text
    assert "<th>区县</th>" in text and "<td>城关区</td>" in text
