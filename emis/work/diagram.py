"""A workflow's state diagram, drawn from its declaration (never by hand): SVG generated on the server, and
Mermaid text for documents.

The SVG needs no JavaScript and no Graphviz: states are laid out in columns by their distance from the start
(breadth first), forward transitions are curves to the right, transitions back or within a column arc below.
Labels are the current language's, so the page shows it in Chinese or English.
"""

from __future__ import annotations

import unicodedata
from xml.sax.saxutils import escape

from .declaration import Workflow

NODE_H = 40
COL_GAP = 150
ROW_GAP = 36
MARGIN = 24
FONT = 13
START = "__start__"


def text_width(text: str, size: int = FONT) -> float:
    """Approximate rendered width: CJK and other wide characters are about one em, the rest about half."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.58 for ch in text)


def layers(workflow: Workflow) -> list[list[str]]:
    """State codes in columns by breadth-first distance from the opening transitions, in declaration order."""
    depth: dict[str, int] = {}
    frontier = [t.target for t in workflow.opening]
    for code in frontier:
        depth.setdefault(code, 0)
    while frontier:
        following = []
        for code in frontier:
            for t in workflow.available(code):
                if t.target not in depth:
                    depth[t.target] = depth[code] + 1
                    following.append(t.target)
        frontier = following
    # Terminal states end the drawing: one column after every other state.
    terminal = {s.code for s in workflow.states if s.terminal}
    last = max((d for code, d in depth.items() if code not in terminal), default=-1) + 1
    for code in terminal & set(depth):
        depth[code] = max(depth[code], last)
    columns: list[list[str]] = [[] for _ in range(max(depth.values(), default=0) + 1)]
    for state in workflow.states:
        if state.code in depth:
            columns[depth[state.code]].append(state.code)
    # In the terminal column the state most arrows reach from afar comes first, so arcs over the top cross no box.
    incoming = {code: sum(len(t.sources) for t in workflow.transitions if t.target == code) for code in terminal}
    columns[-1].sort(key=lambda code: -incoming.get(code, 0))
    return [column for column in columns if column]


def mermaid(workflow: Workflow) -> str:
    """Mermaid stateDiagram-v2 text (for Markdown documents and the docs)."""
    lines = ["stateDiagram-v2"]
    for state in workflow.states:
        lines.append(f'    state "{state.label}" as {state.code}')
    for t in workflow.transitions:
        for source in t.sources or ("[*]",):
            lines.append(f"    {source} --> {t.target}: {t.label}")
    for state in workflow.states:
        if state.terminal:
            lines.append(f"    {state.code} --> [*]")
    return "\n".join(lines) + "\n"


def svg(workflow: Workflow, current: str = "") -> str:
    """The diagram; ``current`` (a state code) is drawn highlighted: where a case stands."""
    columns = layers(workflow)
    widths = {s.code: max(72.0, text_width(str(s.label)) + 28) for s in workflow.states}
    col_width = [max(widths[c] for c in column) if column else 0 for column in columns]
    tallest = max(len(column) for column in columns) if columns else 1
    start_x = MARGIN + 8
    x = start_x + 8 + COL_GAP * 0.6
    boxes: dict[str, tuple[float, float, float]] = {}  # code -> (left, top, width)
    for index, column in enumerate(columns):
        column_height = len(column) * NODE_H + (len(column) - 1) * ROW_GAP
        top = MARGIN + (tallest * NODE_H + (tallest - 1) * ROW_GAP - column_height) / 2
        for row, code in enumerate(column):
            width = widths[code]
            boxes[code] = (x + (col_width[index] - width) / 2, top + row * (NODE_H + ROW_GAP), width)
        x += col_width[index] + COL_GAP
    width = x - COL_GAP + MARGIN
    middle_y = MARGIN + (tallest * NODE_H + (tallest - 1) * ROW_GAP) / 2
    column_of = {code: i for i, column in enumerate(columns) for code in column}

    parts = [f'<circle cx="{start_x}" cy="{middle_y:.1f}" r="7" fill="#333"/>']
    edges: list[str] = []
    labels: list[str] = []
    pair_count: dict[tuple[str, str], int] = {}
    above = below = 0
    for t in workflow.transitions:
        sources = [s for s in (t.sources or (START,)) if s == START or s in boxes]
        if t.target not in boxes:
            continue
        tl, tt, tw = boxes[t.target]
        label_at = None
        for index, source in enumerate(sources):
            key = (source, t.target)
            nth = pair_count[key] = pair_count.get(key, -1) + 1
            if source == START:
                sl, st, sw = start_x - 7, middle_y - NODE_H / 2, 7
                source_column = -1
            else:
                sl, st, sw = boxes[source]
                source_column = column_of[source]
            span = column_of[t.target] - source_column
            if span == 1:
                # To the next column: a curve from the right side to the left side.
                x1, y1 = sl + sw, st + NODE_H / 2 + nth * 8
                x2, y2 = tl, tt + NODE_H / 2 + nth * 8
                bend = (x2 - x1) / 2
                path = f"M{x1:.1f},{y1:.1f} C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
                mid = ((x1 + x2) / 2, (y1 + y2) / 2 - 6 - nth * 14)
                end = (x2 - 40, y2 - 6)
            elif span > 1:
                # Further right: an arc over the top, between the boxes' tops.
                above += 1
                x1, y1 = sl + sw / 2 + 12, st
                x2, y2 = tl + tw / 2 - 12 * (index % 3), tt
                high = MARGIN - 24 - 22 * above
                path = f"M{x1:.1f},{y1:.1f} C{x1:.1f},{high:.1f} {x2:.1f},{high:.1f} {x2:.1f},{y2:.1f}"
                mid = ((x1 + x2) / 2, high + 0.75 * (min(y1, y2) - high) - 12)
                end = (x2, y2 - 20)
            else:
                # Back or within a column: an arc below, between the boxes' bottoms.
                below += 1
                x1, y1 = sl + sw / 2 + nth * 10, st + NODE_H
                x2, y2 = tl + tw / 2 - nth * 10, tt + NODE_H
                low = max(y1, y2) + 30 + 14 * below
                path = f"M{x1:.1f},{y1:.1f} C{x1:.1f},{low:.1f} {x2:.1f},{low:.1f} {x2:.1f},{y2:.1f}"
                mid = ((x1 + x2) / 2, max(y1, y2) + 0.75 * (low - max(y1, y2)) + 4)
                end = (x2, y2 + 24)
            edges.append(
                f'<path class="work-transition" data-transition="{escape(t.name)}" d="{path}" fill="none" '
                'stroke="#555" stroke-width="1.3" marker-end="url(#arrow)"/>'
            )
            # A transition from several states is labelled once, where its arrows meet.
            label_at = mid if len(sources) == 1 else end
        if label_at is None:
            continue
        lx, ly = label_at
        lw = text_width(str(t.label), FONT - 1) + 8
        labels.append(
            f'<g class="work-transition-label"><rect x="{lx - lw / 2:.1f}" y="{ly - 11:.1f}" width="{lw:.1f}" '
            f'height="15" fill="#fff" opacity="0.85"/><text x="{lx:.1f}" y="{ly:.1f}" text-anchor="middle" '
            f'font-size="{FONT - 1}" fill="#333">{escape(str(t.label))}</text></g>'
        )
    top_room = (12 + 18 * above) if above else 0
    height = MARGIN * 2 + tallest * NODE_H + (tallest - 1) * ROW_GAP + (24 + 12 * below if below else 0) + top_room
    parts += edges
    for state in workflow.states:
        if state.code not in boxes:
            continue
        left, top, w = boxes[state.code]
        here = state.code == current
        fill = "#fff3cd" if here else ("#eef5ee" if state.terminal else "#eef3fb")
        stroke = "#b35c00" if here else ("#2f7d32" if state.terminal else "#3b6db3")
        stroke_width = 3 if here else (2.5 if state.terminal else 1.3)
        bold = ' font-weight="bold"' if here else ""
        parts.append(
            f'<g class="work-state{" work-state-current" if here else ""}" data-state="{escape(state.code)}">'
            f'<rect x="{left:.1f}" y="{top:.1f}" width="{w:.1f}" height="{NODE_H}" rx="8" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="{stroke_width}"/>'
            f'<text x="{left + w / 2:.1f}" y="{top + NODE_H / 2 + 4.5:.1f}" text-anchor="middle"'
            f"{bold}>{escape(str(state.label))}</text></g>"
        )
    parts += labels
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="work-diagram" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{escape(str(workflow.label))}" '
        f'font-family="sans-serif" font-size="{FONT}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
        f"<title>{escape(str(workflow.label))}</title>",
        f'<g transform="translate(0 {top_room})">',
    ]
    return "\n".join([*head, *parts, "</g>", "</svg>"])
