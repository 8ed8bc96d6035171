"""The former name of :mod:`dropout_book.book`, kept so that older imports keep working."""

from __future__ import annotations

from dropout_book.book import BookDropout

__all__ = ["BookDropout"]
