"""Glued values inside translated paragraphs.

Sphinx translates a paragraph by parsing its msgstr as a new, separate document whose source
ends in ``<translated>`` (``_publish_msgstr`` in sphinx/transforms/i18n.py), and MyST-NB parses
that document with the plain MyST parser (myst_nb/sphinx_.py, since MyST-NB PR #600). The new
document has none of the page's notebook state, so a ``{glue:text}`key``` in a translation
finds no glue data ("No key 'key' found in glue data for this document"; myst_nb/ext/glue/
utils.py, ``retrieve_glue_data``), an error under -W.

MyST-NB already resolves glue from *another* page, ``{glue:text}`page.md::key```, after reading,
from the ``<page>.glue.json`` it writes beside the executed notebook. Inside a translated
message, a key of the page itself is made into that form, pointing at the page's own source, so
that translators keep the role exactly as the English text has it and the Japanese page shows
the same value as the English one. ``{glue:md}`` has no cross-page form and is not supported in
translations (use ``{glue:text}``).

This can go once MyST-NB resolves glue keys in translated messages itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from myst_nb.ext.glue.roles import PasteRoleAny, PasteTextRole
from sphinx.application import Sphinx


class _OwnPageInTranslation:
    """Mixin for a glue role: inside a translated message, read the key from the page's glue."""

    text: str
    document: Any

    def own_page_form(self, text: str) -> str:
        """Return the role's text naming the page's own source: ``/<source>::<text>``."""
        env = self.document.settings.env
        source = Path(env.doc2path(env.docname)).relative_to(env.srcdir).as_posix()
        return f"/{source}::{text}"

    def run(self) -> Any:
        document = self.document
        translated = str(document.get("source", "")).endswith("<translated>")
        if translated and "nb_renderer" not in document and "::" not in self.text:
            self.text = self.own_page_form(self.text)
        return super().run()  # type: ignore[misc]


class TranslatedPasteText(_OwnPageInTranslation, PasteTextRole):
    """``{glue:text}``, also inside translated messages."""

    def own_page_form(self, text: str) -> str:
        # PasteTextRole splits the format off at the last colon before it looks for "::", so
        # "page.md::key" would read as key "page.md:" with format "key": give the default
        # format explicitly when the key has none.
        return super().own_page_form(text if ":" in text else f"{text}:s")


class TranslatedPasteAny(_OwnPageInTranslation, PasteRoleAny):
    """``{glue}`` and ``{glue:any}``, also inside translated messages."""


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("myst_nb")
    app.add_role("glue", TranslatedPasteAny(), override=True)
    app.add_role_to_domain("glue", "", TranslatedPasteAny(), override=True)
    app.add_role_to_domain("glue", "any", TranslatedPasteAny(), override=True)
    app.add_role_to_domain("glue", "text", TranslatedPasteText(), override=True)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
