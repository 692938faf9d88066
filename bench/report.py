"""The benchmark table: printed to the terminal and written to ``docs/benchmarks.rst`` with the plot."""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

HEADERS = ("case", "sequere", "baseline", "baseline is", "ratio", "target", "")


def _number(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _ratio(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f}x"
    return f"{value:.2f}x"


def verdict(row: dict) -> str:
    """``met``/``MISSED`` against the row's target ratio (or its ``at_most`` value), else empty."""
    if row.get("at_most") is not None:
        return "met" if row["value"] <= row["at_most"] else "MISSED"
    target = row.get("target")
    if target is None or row.get("ratio") is None:
        return ""
    return "met" if row["ratio"] >= target else "MISSED"


def _target(row: dict) -> str:
    if row.get("at_most") is not None:
        return f"<= {row['at_most']:g} {row.get('unit', '')}".strip()
    return f">= {row['target']:g}x" if row.get("target") is not None else ""


def cells(row: dict) -> tuple[str, ...]:
    """The row's table cells as strings."""
    unit = row.get("unit", "")
    return (
        row["case"],
        f"{_number(row.get('value'))} {unit}".strip(),
        f"{_number(row.get('baseline'))} {unit}".strip() if row.get("baseline") is not None else "-",
        row.get("baseline_name", ""),
        _ratio(row.get("ratio")),
        _target(row),
        verdict(row),
    )


def text_table(rows: Iterable[dict]) -> str:
    """A plain-text table for the terminal."""
    body = [cells(row) for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(HEADERS)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(HEADERS, widths, strict=True)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in body]
    return "\n".join(out)


def _rst_table(rows: list[dict]) -> str:
    headers = ("case", "sequere", "baseline", "baseline is", "ratio", "target")
    body = [cells(row)[:5] + ((cells(row)[5] + " " + verdict(row)).strip(),) for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(headers)]
    border = " ".join("=" * w for w in widths)
    out = [border, " ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)), border]
    out += [" ".join((c or "..").ljust(w) for c, w in zip(r, widths, strict=True)) for r in body]
    out.append(border)
    return "\n".join(out)


def write_rst(path: Path, sections: list[tuple[str, list[dict]]], *, intro: str, plot: str | None) -> None:
    """Write ``docs/benchmarks.rst``: the intro, one table per section, notes, and the plot."""
    title = "Benchmarks"
    out = [title, "=" * len(title), "", intro.strip(), ""]
    for heading, rows in sections:
        if not rows:
            continue
        out += [heading, "-" * len(heading), "", _rst_table(rows), ""]
        notes = [f"- {row['case']}: {row['note']}" for row in rows if row.get("note")]
        if notes:
            out += [*notes, ""]
    if plot:
        out += [
            "Scale curve",
            "-----------",
            "",
            f".. image:: {plot}",
            "   :alt: sequere operation times from 10^3 to 10^6 stored edges",
            "",
        ]
    path.write_text("\n".join(out))


def plot_curve(path: Path, series: dict[str, list[tuple[int, float]]]) -> None:
    """A log-log PNG of milliseconds per operation against stored edges, one line per series."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5), dpi=100)
    for name, points in series.items():
        if points:
            xs, ys = zip(*points, strict=True)
            ax.plot(xs, ys, marker="o", label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("edges stored")
    ax.set_ylabel("ms per operation (median)")
    ax.set_title("sequere at scale")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
