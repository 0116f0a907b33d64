"""Bar charts drawn on the server as SVG: no script, no CDN, readable without colour.

Pure functions from a ``Series`` to markup. Every chart has its numbers in a table
next to it (the template), so the SVG is a picture (role="img" with a title) and
not the only way to read the numbers.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from conference.dashboard.figures import Series

# Colours told apart by people with the common colour-vision deficiencies (Okabe–Ito),
# each with a text legend; stacked parts are also separated by a white line.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
# Narrow, so that the text stays readable when a phone scales the picture down.
WIDTH = 440
LABEL_WIDTH = 170
VALUE_WIDTH = 44
BAR = 18
GAP = 8
LEGEND = 26


def _short(text: str, limit: int = 25) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(series: Series, *, chart_id: str, title: str, stacked: bool = True) -> Markup:
    """Horizontal bars, one row per series row: stacked parts, or side by side if not."""
    if not series.rows:
        return Markup("")
    per_row = 1 if stacked else len(series.columns)
    row_height = BAR * per_row + GAP
    height = LEGEND + row_height * len(series.rows) + GAP
    largest = max((sum(values) if stacked else max(values)) for _, values in series.rows) or 1
    scale = (WIDTH - LABEL_WIDTH - VALUE_WIDTH) / largest
    parts = [
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
    ]
    x = 4  # the legend, across the top
    for index, column in enumerate(series.columns):
        colour = PALETTE[index % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>')
        parts.append(
            f'<text x="{x + 16}" y="14" class="chart-legend">{escape(_short(column, 24))}</text>'
        )
        x += 24 + 6 * min(len(column), 24)
    y = LEGEND
    for label, values in series.rows:
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR - 5}" text-anchor="end" class="chart-label">'
            f"{escape(_short(label))}</text>"
        )
        x = LABEL_WIDTH
        for index, value in enumerate(values):
            colour = PALETTE[index % len(PALETTE)]
            width = value * scale
            bar_y = y if stacked else y + index * BAR
            if width:
                parts.append(
                    f'<rect x="{x:.1f}" y="{bar_y}" width="{width:.1f}" height="{BAR - 2}" '
                    f'fill="{colour}" stroke="#fff" stroke-width="1"/>'
                )
            if stacked:
                x += width
            else:
                parts.append(
                    f'<text x="{x + width + 4:.1f}" y="{bar_y + BAR - 5}" class="chart-value">'
                    f"{value}</text>"
                )
        if stacked:
            parts.append(
                f'<text x="{x + 4:.1f}" y="{y + BAR - 5}" class="chart-value">{sum(values)}</text>'
            )
        y += row_height
    parts.append("</svg>")
    # Every text above went through escape(); the rest is numbers we formatted.
    return Markup("".join(parts))  # noqa: S704
