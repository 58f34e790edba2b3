"""The scenario report as one self-contained HTML file: tables and inline SVG charts.

No script, no CDN, no web font: the file opens offline, on an air-gapped review machine, and
says the same thing in ten years.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path

from taxgate.law import TimelineEntry
from taxgate.ledger import TreeHead
from taxgate.reports.scenario import Score

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; color: #222 }
h1 { font-size: 1.6rem } h2 { font-size: 1.2rem; margin-top: 2rem }
table { border-collapse: collapse; margin: .5rem 0 } td, th { padding: .25rem .6rem;
border-bottom: 1px solid #ddd; text-align: right } th:first-child, td:first-child,
td:nth-child(2) { text-align: left } .bad { color: #b00020; font-weight: 600 }
.good { color: #05712f; font-weight: 600 } .note { color: #555; max-width: 50rem }
"""
COLOURS = {"2025 process": "#b00020", "taxgate": "#1f5fa8"}


def bar_chart(
    title: str, bars: Sequence[tuple[str, int]], colours: Sequence[str] = ("#1f5fa8",)
) -> str:
    """A horizontal bar chart of ``(label, value)`` as inline SVG (negative values as 0);
    bar ``i`` is drawn in ``colours[i]``, or the last colour given."""
    top = max([1, *(value for _, value in bars)])
    row, width, label = 22, 420, 230
    height = row * len(bars) + 30
    parts = [
        f'<svg role="img" aria-label="{escape(title)}" width="{label + width + 90}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="0" y="14" font-size="13" font-weight="600">{escape(title)}</text>',
    ]
    for index, (name, value) in enumerate(bars):
        y = 24 + index * row
        bar = round(width * max(value, 0) / top)
        colour = colours[min(index, len(colours) - 1)]
        parts.append(
            f'<text x="0" y="{y + 14}" font-size="12">{escape(name)}</text>'
            f'<rect x="{label}" y="{y + 2}" width="{bar}" height="{row - 6}" fill="{colour}"/>'
            f'<text x="{label + bar + 6}" y="{y + 14}" font-size="12">{value:,}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def score_bars(scores: Sequence[Score], metric: str, title: str) -> str:
    """A grouped horizontal bar chart of ``metric`` per system and date, as inline SVG."""
    bars = [(f"{s.system}, {s.as_of}", int(getattr(s, metric))) for s in scores]
    return bar_chart(title, bars, [COLOURS.get(s.system, "#666") for s in scores] or ["#666"])


def html_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain table; numbers are written with thousands separators."""
    head = "".join(f"<th>{escape(name)}</th>" for name in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(value)}</td>" for value in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return escape(str(value))
    if isinstance(value, int):
        return f"{value:,}"
    return escape(str(value))


def tree_head_note(head: TreeHead) -> str:
    """Which signed tree head the page's figures come from, and how to check it."""
    return (
        '<p class="note">Computed from the ledger\'s signed tree head of size '
        f"<b>{head.size:,}</b>, root <code>{escape(head.root)}</code>, signed "
        f"{escape(head.time)} by key <code>{escape(head.key_id[:16])}…</code> (signature "
        f"<code>{escape(head.signature)}</code>). Check it with <code>taxgate ledger "
        "check-proof</code> or <code>taxgate ledger audit</code> and the published key.</p>"
    )


def page(title: str, parts: Sequence[str]) -> str:
    """A complete self-contained HTML document."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{''.join(parts)}</body></html>\n"
    )


def page_body(document: str) -> str:
    """What ``page`` put inside ``<body>``: for a host page (the console) that shows the
    report in its own frame, with the host's styles."""
    return document.split("<body>", 1)[-1].rsplit("</body>", 1)[0]


def _score_table(scores: Sequence[Score]) -> str:
    head = (
        "<tr><th>system</th><th>as of</th><th>items</th><th>released</th>"
        "<th>released unlawfully</th><th>wrong person</th><th>to review</th><th>seconds</th></tr>"
    )
    rows = []
    for score in scores:
        unlawful = "bad" if score.unlawful else "good"
        wrong = "bad" if score.wrong_person else "good"
        rows.append(
            f"<tr><td>{escape(score.system)}</td><td>{escape(score.as_of)}</td>"
            f"<td>{score.items:,}</td><td>{score.released:,}</td>"
            f'<td class="{unlawful}">{score.unlawful:,}</td>'
            f'<td class="{wrong}">{score.wrong_person:,}</td>'
            f"<td>{score.review:,}</td><td>{score.seconds}</td></tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


def reason_table(scores: Sequence[Score]) -> str:
    codes = sorted({code for score in scores for code in score.withheld_by_reason})
    if not codes:
        return "<p>No reasons recorded.</p>"
    shown = [score for score in scores if score.withheld_by_reason]
    head = (
        "<tr><th>reason</th>"
        + "".join(f"<th>{escape(score.as_of)}</th>" for score in shown)
        + "</tr>"
    )
    rows = [
        f"<tr><td>{escape(code)}</td>"
        + "".join(f"<td>{score.withheld_by_reason.get(code, 0):,}</td>" for score in shown)
        + "</tr>"
        for code in codes
    ]
    return f"<table>{head}{''.join(rows)}</table>"


def _timeline_table(entries: Sequence[TimelineEntry], citations: dict[str, str]) -> str:
    rows = []
    for entry in entries:
        changes = [f"+ {order}" for order in entry.started]
        changes += [f"− {order}" for order in entry.ended]
        changes += [f"recorded {order} (denial: bars nothing)" for order in entry.recorded]
        cited = "<br>".join(escape(citations.get(order, "")) for order in entry.started)
        rows.append(
            f"<tr><td>{entry.day.isoformat()}</td><td>{escape('; '.join(changes))}</td>"
            f"<td>{cited}</td><td>{escape(', '.join(entry.in_force) or '(none)')}</td></tr>"
        )
    head = "<tr><th>date</th><th>change</th><th>citation</th><th>in force</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def write_report(
    path: Path,
    *,
    title: str,
    intro: str,
    sections: Sequence[tuple[str, Sequence[Score]]],
    timeline: Sequence[TimelineEntry],
    citations: dict[str, str],
    extra_sections: Sequence[tuple[str, str]] = (),
    links: Sequence[str] = (),
) -> None:
    """Write the report; ``sections`` pairs a heading with the scores shown under it,
    ``extra_sections`` pairs a heading with an HTML fragment another stage rendered, and
    ``links`` (HTML) closes the page."""
    body = [f'<p class="note">{escape(intro)}</p>']
    for heading, scores in sections:
        taxgate = [score for score in scores if score.system == "taxgate"]
        body += [
            f"<h2>{escape(heading)}</h2>",
            _score_table(scores),
            score_bars(scores, "unlawful", "released unlawfully"),
            score_bars(scores, "wrong_person", "released about the wrong person"),
            "<h3>taxgate: items withheld or sent to review, by reason</h3>",
            reason_table(taxgate),
        ]
    body += ["<h2>Court orders over time</h2>", _timeline_table(timeline, citations)]
    body += [f"<h2>{escape(heading)}</h2>{fragment}" for heading, fragment in extra_sections]
    body += list(links)
    path.write_text(page(title, body), encoding="utf-8")
