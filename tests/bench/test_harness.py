"""The benchmark harness's own logic: how it measures, computes ratios and writes the docs page."""

from __future__ import annotations

import io

import pytest
from docutils.core import publish_doctree
from docutils.utils import Reporter

from bench import compare, measure, rate_row, size_row, time_row
from bench.report import text_table, verdict, write_rst


def test_measure_calls_warmup_plus_rounds():
    calls = []
    seconds = measure(lambda: calls.append(1), number=7, repeats=3, warmup=2)
    assert len(calls) == 2 + 7 * 3
    assert seconds >= 0


def test_compare_alternates_both_sides_equally():
    order: list[str] = []
    compare(lambda: order.append("ours"), lambda: order.append("theirs"), number=2, repeats=3, warmup=1)
    assert order == ["ours", "theirs"] + ["ours", "ours", "theirs", "theirs"] * 3


def test_ratios_read_as_how_many_times_better():
    assert rate_row("r", 0.001, 0.004)["ratio"] == pytest.approx(4.0)  # 1000/s against 250/s
    assert rate_row("r", 0.001, 0.004)["value"] == pytest.approx(1000)
    assert time_row("t", 0.002, 0.010)["ratio"] == pytest.approx(5.0)  # 2 ms against 10 ms
    assert time_row("t", 0.002, 0.010)["value"] == pytest.approx(2.0)
    assert size_row("s", 80, 307)["ratio"] == pytest.approx(307 / 80)


def test_verdict_against_target():
    assert verdict(time_row("t", 1, 6, target=5)) == "met"
    assert verdict(time_row("t", 1, 4, target=5)) == "MISSED"
    assert verdict(time_row("t", 1, 4)) == ""
    assert verdict({"case": "raw", "value": 1.0, "baseline": None, "ratio": None, "target": 2}) == ""


def test_text_table_has_one_line_per_row():
    rows = [
        rate_row("follow()", 0.001, 0.002, target=1.5, baseline_name="peer"),
        time_row("page", 0.001, 0.003),
    ]
    lines = text_table(rows).splitlines()
    assert len(lines) == 2 + 2
    assert "2.00x" in lines[2] and "met" in lines[2]
    assert "3.00x" in lines[3]


def test_rst_page_is_valid_restructuredtext(tmp_path):
    rows = [
        rate_row("follow() [sequere database]", 0.001, 0.002, target=1.5, note="SQL per call: 1 and 4"),
        {"case": "PING", "value": 9000.0, "baseline": None, "ratio": None, "unit": "ops/s"},
    ]
    path = tmp_path / "benchmarks.rst"
    write_rst(path, [("Follows", rows), ("Empty", [])], intro="Measured today.", plot="_static/x.png")
    text = path.read_text()
    stream = io.StringIO()
    publish_doctree(
        text, settings_overrides={"warning_stream": stream, "report_level": Reporter.INFO_LEVEL + 1}
    )
    assert stream.getvalue() == ""
    assert "follow() [sequere database]" in text and "Empty" not in text
    assert ".. image:: _static/x.png" in text


@pytest.mark.parametrize("size", [100, 1_000, 100_000])
def test_scale_curve_fresh_pairs_are_not_in_the_graph(size):
    from bench.scale import _fresh_pairs

    graph = {(a, 0) for a in range(1, size)} | {
        (a, (a + k) % size) for a in range(size) for k in range(1, 10)
    }
    pairs = _fresh_pairs(size)
    assert len(pairs) == len(set(pairs)) == 400
    assert not set(pairs) & graph
    assert all(a != b and 0 not in (a, b) for a, b in pairs)


def test_plot_is_a_png_in_a_new_folder(tmp_path):
    pytest.importorskip("matplotlib")
    from bench.report import plot_curve

    path = tmp_path / "_static" / "curve.png"
    plot_curve(path, {"follow (redis)": [(1_000, 0.3), (1_000_000, 0.4)], "empty": []})
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
