"""A Markdown document as one self-contained HTML page (markdown-it-py, CommonMark with tables).

The report is written once, as Markdown; the HTML page is that text rendered by a CommonMark
parser, so the two cannot drift apart. Raw HTML in the text is not passed through (it is
shown escaped); images may be ``data:image/png;base64,...`` URIs.
"""

from __future__ import annotations

import html

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;font-size:90%;margin:0.5em 0 1.5em}"
    "th,td{border:1px solid #ccc;padding:2px 6px;text-align:right}"
    "th{background:#eee;position:sticky;top:0}tbody tr:nth-child(even){background:#f7f7f7}"
    "th:first-child,th:nth-child(2),td:first-child,td:nth-child(2){text-align:left}"
    "code{background:#f2f2f2;padding:0 3px;border-radius:3px}img{max-width:100%}"
)


def markdown_to_html(text: str) -> str:
    """HTML body of Markdown ``text`` (CommonMark plus pipe tables, raw HTML escaped)."""
    from markdown_it import MarkdownIt  # on first use: 'schedkit bench' prints tables without it

    return MarkdownIt("commonmark", {"html": False}).enable("table").render(text)


def html_page(text: str, title: str) -> str:
    """A complete HTML page (UTF-8, inline style sheet) of Markdown ``text``."""
    return (
        "<!DOCTYPE html>\n"
        f'<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>\n'
        f"<style>{STYLE}</style></head>\n<body>\n{markdown_to_html(text)}</body></html>\n"
    )
