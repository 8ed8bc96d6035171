"""The site's English and Japanese terms, read from the table of docs/reference/terms.md.

That page is the single source of the term pairs. They serve twice:

- the tests check that each Japanese page whose English page uses a term uses its Japanese
  counterpart (tests/test_translations.py);
- the Japanese search index keeps each Japanese term whole (``TermSplitter``).

Sphinx's Japanese search splits text into words with its built-in TinySegmenter
(sphinx/search/ja.py), which cuts a word differently depending on its neighbours: 「逆伝播では」
gives 逆伝播, but 「ドロップアウトの逆伝播」 gives 逆伝 + 播, and 「誤差逆伝播法」 誤差 + 逆伝
+ 播法. The search page splits a query only at spaces and punctuation, so a reader searching for
逆伝播 missed the pages where it had been cut. ``TermSplitter`` takes the glossary's terms out
whole first and lets TinySegmenter split the text between them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sphinx.search.ja import DefaultSplitter

TERMS_PAGE = Path(__file__).resolve().parents[1] / "docs" / "reference" / "terms.md"

_ROLE = re.compile(r"\{[\w:-]+\}`([^`<]*?)\s*(?:<[^`>]*>)?`")
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class TermPair:
    """One row of the table: the English names of an idea, and its one Japanese term."""

    english: tuple[str, ...]
    japanese: str


def _cell_text(cell: str) -> str:
    """Return the words a reader sees in a table cell: roles' titles, no HTML tags."""
    return _TAG.sub("", _ROLE.sub(r"\1", cell)).strip()


@cache
def term_pairs(page: Path = TERMS_PAGE) -> tuple[TermPair, ...]:
    """Return the rows of the terms table of `page`, in order."""
    rows = [line for line in page.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    pairs = []
    for row in rows[2:]:  # after the header and the delimiter row
        english, japanese, _meaning = (cell.strip() for cell in row.strip("|").split("|"))
        names = tuple(name.strip() for name in _cell_text(english).split(","))
        pairs.append(TermPair(english=names, japanese=_cell_text(japanese)))
    return tuple(pairs)


class TermSplitter(DefaultSplitter):
    """TinySegmenter, except that each Japanese term of the terms table is one word."""

    def __init__(self, options: dict[str, str]) -> None:
        super().__init__(options)
        # Longest first, so that 誤差逆伝播法 is taken whole before 逆伝播 inside it.
        terms = sorted({pair.japanese for pair in term_pairs()}, key=len, reverse=True)
        self.terms = re.compile("|".join(map(re.escape, terms)))

    def split(self, input: str) -> list[str]:
        """Split `input` into words, each term one word."""
        words: list[str] = []
        start = 0
        for match in self.terms.finditer(input):
            words += super().split(input[start : match.start()])
            words.append(match.group())
            start = match.end()
        return words + super().split(input[start:])
