"""A stacked bar chart of airings per month and topic, drawn as SVG on the server.

No script and no style attribute (the page's Content-Security-Policy allows neither inline):
colours are SVG presentation attributes; every text is escaped.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from broadcaster.enums import Topic
from broadcaster.services.reports import Summary, month_vi, topic_vi

COLOURS = {"a": "#1f77b4", "b": "#ff7f0e", "c": "#2ca02c", "d": "#9467bd", "đ": "#d62728"}
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 260, 44, 40, 12


def month_topic_svg(summary: Summary) -> Markup:
    """The chart of `summary` (airings aired per month, stacked by topic), with a legend."""
    grid = summary.aired_by_month_topic
    months = list(grid)
    topics = [t.value for t in Topic]
    peak = max((sum(counts.values()) for counts in grid.values()), default=0) or 1
    plot_h = HEIGHT - BOTTOM - TOP
    step = (WIDTH - LEFT - 10) / max(len(months), 1)
    bar = max(6.0, step * 0.6)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT + 24}" '
        'role="img" aria-labelledby="chart-title" class="chart">',
        '<title id="chart-title">Số lượt đã phát theo tháng và chủ đề</title>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - 5}" y2="{TOP + plot_h}" '
        'stroke="#333"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 10}" text-anchor="end" font-size="11">{peak}</text>',
        f'<text x="{LEFT - 6}" y="{TOP + plot_h}" text-anchor="end" font-size="11">0</text>',
    ]
    for index, month in enumerate(months):
        x = LEFT + index * step + (step - bar) / 2
        y = float(TOP + plot_h)
        for topic in topics:
            count = grid[month].get(topic, 0)
            if not count:
                continue
            h = plot_h * count / peak
            y -= h
            label = escape(f"{month_vi(month)}, chủ đề {topic}: {count} lượt")
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS[topic]}"><title>{label}</title></rect>'
            )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle" '
            f'font-size="11">{escape(month_vi(month))}</text>'
        )
    for index, topic in enumerate(topics):
        x = LEFT + index * 118
        parts.append(
            f'<rect x="{x}" y="{HEIGHT + 6}" width="10" height="10" fill="{COLOURS[topic]}"/>'
            f'<text x="{x + 14}" y="{HEIGHT + 15}" font-size="11">Chủ đề {topic}'
            f"<title>{escape(topic_vi(topic))}</title></text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
