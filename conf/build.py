"""Build every edition of the site, strictly and from scratch, into one folder to publish.

    python conf/build.py [BUILD_DIR]          every edition (default BUILD_DIR: _build)
    python conf/build.py --pot [BUILD_DIR]    only the messages to translate: BUILD_DIR/gettext/pot

English goes to BUILD_DIR/html, each other edition listed in pyproject.toml (conf/editions.py)
to BUILD_DIR/<language>/html, then into BUILD_DIR/html/<language>/, so that BUILD_DIR/html is
the whole site. Each edition has its own doctrees and its own MyST-NB output folder
(BUILD_DIR/<language>/jupyter_execute, beside its HTML as MyST-NB requires), so that no build
artefact lands inside the published folder. Every build is strict: -W --keep-going -n, and -T
so that a failing cell's traceback is printed.

The code runs once, not once per edition. The editions share the jupyter cache: the English
build executes each page (or finds it in the cache) and the other editions take the same
executed notebooks from the cache, so both editions show the same outputs, byte for byte, even
the timings of explanation/fast.md, and the second edition costs no execution. When the pages
must be executed afresh (execution mode "force": in CI, or DROPOUT_BOOK_NB_EXECUTION_MODE), the
English build runs in cache mode on an empty cache in BUILD_DIR/jupyter_cache, which executes
every page once as "force" would, and the other editions read that cache.

Before a translated edition is built, the site's messages are extracted afresh (the gettext
builder, one .pot per page, outputs included for the alt text of figures) and compared with
its catalogues (conf/catalogues.py): a message missing, untranslated or fuzzy stops the build
with a list of them, so that an English edit cannot leave an edition behind unnoticed. To
preview an edition while translating it, set DROPOUT_BOOK_DRAFT_TRANSLATIONS=1: every language
with catalogues in locales/ is built, listed in pyproject.toml or not, and the list of missing
translations is printed without stopping the build (the English text shows in their place).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from catalogues import HOW_TO_UPDATE, problems
from editions import folder, languages

CONF = Path(__file__).resolve().parent
ROOT = CONF.parent
DOCS = ROOT / "docs"
LOCALES = ROOT / "locales"
STRICT = ("-T", "-W", "--keep-going", "-n")


def execution_environment(build: Path) -> dict[str, str]:
    """Return the environment for the builds: one execution, shared through the jupyter cache."""
    env = dict(os.environ)
    mode = env.get("DROPOUT_BOOK_NB_EXECUTION_MODE", "force" if env.get("CI") else "cache")
    if mode == "force":
        cache = build / "jupyter_cache"
        shutil.rmtree(cache, ignore_errors=True)
        env["DROPOUT_BOOK_NB_EXECUTION_MODE"] = "cache"
        env["DROPOUT_BOOK_JUPYTER_CACHE"] = str(cache)
    return env


def edition_dirs(build: Path, language: str) -> tuple[Path, Path]:
    """Return the HTML and doctrees folders of an edition's own build."""
    base = build / folder(language).rstrip("/") if folder(language) else build
    return base / "html", base / "doctrees"


def build_edition(build: Path, language: str, env: dict[str, str]) -> None:
    """Run sphinx-build for one edition; exit with its status if it fails."""
    html, doctrees = edition_dirs(build, language)
    command = [
        *(sys.executable, "-m", "sphinx", *STRICT),
        *("-c", str(CONF), "-d", str(doctrees), "-D", f"language={language}"),
        *(str(DOCS), str(html)),
    ]
    print(f"--- building the {language} edition: {' '.join(command)}", flush=True)
    started = time.perf_counter()
    status = subprocess.run(command, env=env, check=False).returncode
    if status:
        sys.exit(status)
    print(f"--- the {language} edition took {time.perf_counter() - started:.0f} s", flush=True)


def extract_messages(build: Path, env: dict[str, str]) -> Path:
    """Write the site's messages to `build`/gettext/pot (one .pot per page); return that folder."""
    pot = build / "gettext" / "pot"
    shutil.rmtree(pot.parent, ignore_errors=True)
    command = [
        *(sys.executable, "-m", "sphinx", *STRICT, "-b", "gettext"),
        *("-c", str(CONF), "-d", str(pot.parent / "doctrees"), str(DOCS), str(pot)),
    ]
    print(f"--- extracting the messages: {' '.join(command)}", flush=True)
    status = subprocess.run(command, env=env, check=False).returncode
    if status:
        sys.exit(status)
    return pot


def require_complete_catalogues(pot: Path) -> None:
    """Exit with the list of problems if any translated edition's catalogues are incomplete."""
    found = [line for language in languages()[1:] for line in problems(pot, LOCALES, language)]
    if not found:
        return
    print(f"--- {len(found)} messages are not translated:", file=sys.stderr)
    print("\n".join(f"  {line}" for line in found), file=sys.stderr)
    if os.environ.get("DROPOUT_BOOK_DRAFT_TRANSLATIONS"):
        print("--- A draft build (DROPOUT_BOOK_DRAFT_TRANSLATIONS): going on.", file=sys.stderr)
        return
    print(f"--- To fix: {HOW_TO_UPDATE}.", file=sys.stderr)
    sys.exit(1)


def main(build: Path) -> None:
    """Build every edition into `build`, the site into `build`/html."""
    # A clean build every time: no stale page survives, and the result is one of the two builds
    # the reproducibility test compares.
    for language in languages():
        html, doctrees = edition_dirs(build, language)
        for path in (html, doctrees, html.parent / "jupyter_execute"):
            shutil.rmtree(path, ignore_errors=True)
    env = execution_environment(build)
    started = time.perf_counter()
    build_edition(build, languages()[0], env)
    if languages()[1:]:
        require_complete_catalogues(extract_messages(build, env))
    for language in languages()[1:]:
        build_edition(build, language, env)
    site = build / "html"
    for language in languages()[1:]:
        shutil.copytree(edition_dirs(build, language)[0], site / folder(language))
    print(f"--- {len(languages())} edition(s) in {time.perf_counter() - started:.0f} s: {site}")


if __name__ == "__main__":
    arguments = [arg for arg in sys.argv[1:] if arg != "--pot"]
    build_dir = Path(arguments[0]).resolve() if arguments else ROOT / "_build"
    if "--pot" in sys.argv[1:]:
        extract_messages(build_dir, execution_environment(build_dir))
    else:
        main(build_dir)
