"""Writes a generated section into docs/benchmarks.md between its two markers (shared by table.py and queue_table.py)."""
from __future__ import annotations

from pathlib import Path


def write_section(docs: Path, begin: str, end: str, intro: str, section: str) -> None:
    """Replaces what stands between `begin` and `end`; appends `intro` and the marked section when they are absent."""
    text = docs.read_text()
    block = f"{begin}\n{section}\n{end}"
    if begin in text and end in text and text.index(begin) < text.index(end):
        start, stop = text.index(begin), text.index(end) + len(end)
        text = text[:start] + block + text[stop:]
    else:
        text = text.rstrip("\n") + "\n\n" + intro + "\n" + block + "\n"
    docs.write_text(text)
