"""Is every message of the site translated? Compare the catalogues with the site's messages.

    python conf/catalogues.py POT_DIR LOCALE_DIR LANGUAGE [--report]

POT_DIR holds the messages of the English pages as they are now (<page>.pot, written by the
gettext builder: ``python conf/build.py --pot``); LOCALE_DIR/LANGUAGE/LC_MESSAGES/<page>.po
holds their translations. A message is missing when the page's catalogue does not have it
(the English changed since the last ``nox -s translations``), untranslated when its msgstr is
empty, fuzzy when ``nox -s translations`` matched it to an older English text and it waits for
review; Sphinx shows the English text in each case. A catalogue whose page no longer exists is
reported too. Exits 1 and names each file and message, unless --report (a to-do list, exit 0).
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

HOW_TO_UPDATE = (
    "run `nox -s translations` to bring the catalogues up to date with the English pages, "
    "translate each message listed (and remove the `#, fuzzy` line of each fuzzy one once "
    "it is right), then `nox -s docs` (locales/README.md)"
)


def read(path: Path) -> Catalog:
    """Read a .po or .pot file."""
    with path.open("rb") as file:
        return read_po(file)


def _short(text: str, width: int = 100) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= width else text[: width - 1] + "…")


def catalogue_problems(pot: Catalog, po: Catalog, name: str) -> list[str]:
    """Return a line for each message of `pot` that `po` lacks, leaves empty or marks fuzzy."""
    problems = []
    for message in pot:
        if not message.id:  # the header
            continue
        translated = po.get(message.id, message.context)
        if translated is None:
            problems.append(f"{name}: missing (the English changed): {_short(message.id)}")
        elif not translated.string:
            problems.append(f"{name}: untranslated: {_short(message.id)}")
        elif translated.fuzzy:
            problems.append(f"{name}: fuzzy (review it): {_short(message.id)}")
    return problems


def problems(pot_dir: Path, locale_dir: Path, language: str) -> list[str]:
    """Return every problem of the language's catalogues, each naming its file and message."""
    catalogues = locale_dir / language / "LC_MESSAGES"
    pages = {path.relative_to(pot_dir).with_suffix("") for path in pot_dir.rglob("*.pot")}
    if not pages:
        return [f"no .pot files in {pot_dir}: extract the messages first"]
    found = []
    for page in sorted(pages):
        po_path = catalogues / page.with_suffix(".po")
        name = po_path.as_posix()
        if not po_path.is_file():
            found.append(f"{name}: no such catalogue")
            continue
        found += catalogue_problems(read(pot_dir / page.with_suffix(".pot")), read(po_path), name)
    for po_path in sorted(catalogues.rglob("*.po")):
        if po_path.relative_to(catalogues).with_suffix("") not in pages:
            found.append(f"{po_path.as_posix()}: no such page any more: delete the catalogue")
    return found


def main(argv: list[str]) -> int:
    """Print the problems of one language's catalogues; return the exit status."""
    report = "--report" in argv
    arguments = [arg for arg in argv if arg != "--report"]
    if len(arguments) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    pot_dir, locale_dir, language = Path(arguments[0]), Path(arguments[1]), arguments[2]
    found = problems(pot_dir, locale_dir, language)
    if not found:
        print(f"Every message of the {language} catalogues is translated.")
        return 0
    print(f"{len(found)} messages of the {language} catalogues need work:", file=sys.stderr)
    for line in found:
        print(f"  {line}", file=sys.stderr)
    if report:
        return 0
    print(f"To fix: {HOW_TO_UPDATE}.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
