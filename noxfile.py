"""Tasks of the project: `nox` runs every check; `nox -s docs` builds the site."""

from __future__ import annotations

import re
import shutil
import socket
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["tests", "lint", "typecheck", "conformance", "build", "docs", "browser"]

PYPROJECT = nox.project.load_toml("pyproject.toml")
PYTHON = "3.11"


def install_group(session: nox.Session, group: str, *, project: bool = True) -> None:
    """Install one of pyproject.toml's dependency groups (the machine's pip lacks --group)."""
    session.install(*nox.project.dependency_groups(PYPROJECT, group))
    if project:
        session.install("-e", ".")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Unit, property and statistical tests, every doctest, and branch coverage."""
    install_group(session, "tests")
    session.run(
        "pytest",
        "-m",
        "not browser and not docs",
        "--cov",
        "--cov-report=term-missing",
        *session.posargs,
    )


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Ruff (lint rules and formatting) and actionlint (the GitHub workflows)."""
    install_group(session, "lint", project=False)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    # Every workflow, with shellcheck (from the lint group, on PATH) over their `run:` scripts.
    session.run("actionlint", "-color", *sorted(map(str, Path(".github/workflows").glob("*.y*ml"))))


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """Mypy in strict mode over the package and the tests."""
    install_group(session, "typecheck")
    session.run("mypy")


# The smoke test of an installed wheel: run by the wheel's own venv, outside the repository, with
# -I so that neither the working directory nor PYTHON* variables can put the clone on sys.path.
SMOKE_TEST = """
import importlib.metadata, pathlib, sys
import numpy as np
import dropout_book
from dropout_book import Dropout
package = pathlib.Path(dropout_book.__file__).parent
assert package.is_relative_to(sys.prefix), f"imported from {package}, not from the venv"
assert (package / "py.typed").is_file(), "py.typed is missing"
layer = Dropout(0.5, rng=0)
x = np.arange(1.0, 9.0)
out = layer.forward(x)
assert set(np.unique(out / x)) <= {0.0, 1.0}, out
assert np.array_equal(layer.backward(np.ones(8)), (out != 0).astype(float))
assert np.array_equal(layer.forward(x, train_flg=False), x * 0.5)
print("dropout_book", importlib.metadata.version("dropout_book"), "works from", package)
"""


def check_wheel(wheel: Path, name: str = "dropout_book") -> None:
    """Fail unless the wheel holds exactly the package's modules, py.typed and its metadata."""
    with zipfile.ZipFile(wheel) as archive:
        files = set(archive.namelist())
    modules = {f"{name}/{path.name}" for path in Path(name).glob("*.py")}
    package = {path for path in files if path.startswith(f"{name}/")}
    metadata = {path for path in files if path.split("/")[0].endswith(".dist-info")}
    problems = [
        *(f"missing {path}" for path in sorted(modules - package)),
        *(f"stray {path}" for path in sorted(package - modules - {f"{name}/py.typed"})),
        *(f"stray {path}" for path in sorted(files - package - metadata)),
    ]
    if f"{name}/py.typed" not in files:
        problems.append(f"missing {name}/py.typed")
    if problems:
        raise ValueError(f"{wheel.name}: " + "; ".join(problems))


@nox.session(python=PYTHON)
def build(session: nox.Session) -> None:
    """Build the sdist and the wheel, check them, and smoke-test the wheel in a fresh venv."""
    install_group(session, "build", project=False)
    tmp = Path(session.create_tmp()).resolve()
    dist = tmp / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    # The wheel is built from the sdist (build's default), so the sdist is known to be complete.
    session.run("python", "-m", "build", "--outdir", str(dist))
    artifacts = sorted(dist.iterdir())
    session.run("twine", "check", "--strict", *map(str, artifacts))
    wheel = next(path for path in artifacts if path.suffix == ".whl")
    try:
        check_wheel(wheel)
    except ValueError as error:
        session.error(str(error))
    venv = tmp / "wheel-venv"
    shutil.rmtree(venv, ignore_errors=True)
    session.run("python", "-m", "venv", str(venv))
    python = str(venv / "bin" / "python")
    session.run(python, "-m", "pip", "install", "--quiet", str(wheel), external=True)
    session.chdir(tmp)
    session.run(python, "-I", "-c", SMOKE_TEST, external=True)


@nox.session(python=PYTHON)
def conformance(session: nox.Session) -> None:
    """What PyTorch and Keras test for their dropout, and bit-for-bit agreement with torch.

    Installs the conformance group (the tests group and torch==2.13.0, the CPU build) and runs
    tests/conformance. The `tests` session runs the same directory without torch, where
    test_torch.py is skipped; here torch must import, so the comparison cannot be skipped.
    """
    install_group(session, "conformance")
    session.run("python", "-c", "import torch; print('torch', torch.__version__)")
    session.run("pytest", "tests/conformance", *session.posargs)


DOCS_BUILD = Path(__file__).resolve().parent / "_build"
DOCS_HTML = DOCS_BUILD / "html"


def build_site(session: nox.Session) -> None:
    """Build every edition of the site strictly and from scratch into _build/html (docs group)."""
    # conf/build.py: English into _build/html, each other edition of pyproject.toml's
    # [tool.dropout_book.docs] into _build/html/<language>/, every page's code run once for all
    # of them. Locally, unchanged pages come from the jupyter cache (conf/conf.py); with CI set,
    # every page is executed afresh. No -j: on two cores a parallel build was no faster, and it
    # would run the timings of explanation/fast.md beside another kernel.
    session.run("python", "conf/build.py", str(DOCS_BUILD))


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the site strictly into _build/html, then run its tests (`-- --serve`: then serve)."""
    install_group(session, "docs-tests")
    build_site(session)
    session.log(f"The site is at {DOCS_HTML / 'index.html'}")
    session.run(
        "pytest",
        *("-m", "docs", "tests/test_docs_build.py", "tests/test_translations.py"),
        "tests/test_site_publish.py",
        env={"DROPOUT_BOOK_DOCS_HTML": str(DOCS_HTML)},
    )
    session.log(f"The site is at {DOCS_HTML / 'index.html'}")
    if "--serve" in session.posargs:
        session.notify("serve")


@nox.session(python=PYTHON)
def translations(session: nox.Session) -> None:
    """After an English edit: regenerate the .pot files and update locales/<language>/*.po.

    Extracts every message of the site (gettext builder, one catalogue per page) into
    _build/gettext, then merges them into each translated edition's catalogues with sphinx-intl:
    new messages arrive empty, changed ones marked fuzzy with the old translation as a start.
    Cell outputs (for the alt text of figures) come from the jupyter cache that `nox -s docs`
    fills; pages not in it are executed. Then translate, and check with `nox -s docs`
    (locales/README.md).
    """
    install_group(session, "translations")
    session.run(
        "python",
        "conf/build.py",
        "--pot",
        str(DOCS_BUILD),
        env={"DROPOUT_BOOK_NB_EXECUTION_MODE": "cache"},
    )
    pot = DOCS_BUILD / "gettext" / "pot"
    # Every language with a folder in locales/; no line wrapping, so that a changed message
    # shows as one changed line.
    session.run(
        "sphinx-intl", "update", "-p", str(pot), "-d", "locales", "-w", "0", "--no-obsolete"
    )
    for language in sorted(path.name for path in Path("locales").iterdir() if path.is_dir()):
        session.run("python", "conf/catalogues.py", str(pot), "locales", language, "--report")


@nox.session(python=PYTHON)
def serve(session: nox.Session) -> None:
    """Writers' loop: serve the site on http://127.0.0.1:8000, rebuilt and reloaded on each save.

    Watches docs/, conf/ and the package; `-- PORT` for another port. Warnings are shown but do
    not stop the loop (`nox -s docs` is the strict build). Pages come from the jupyter cache
    when their cells and the package are unchanged.
    """
    install_group(session, "serve")
    port = next((arg for arg in session.posargs if arg.isdigit()), "8000")
    session.run(
        "sphinx-autobuild",
        *("--host", "127.0.0.1", "--port", port),
        *("--watch", "conf", "--watch", "dropout_book"),
        # The kernels import the package and write its bytecode: not an edit.
        *("--re-ignore", r"__pycache__|\.pyc$"),
        *("-T", "--keep-going", "-n"),
        *("-c", "conf", "-d", str(DOCS_BUILD / "doctrees")),
        *("docs", str(DOCS_HTML)),
    )


def _linked_hosts() -> list[str]:
    """Hosts of the external links written in the pages, most linked first."""
    hosts: dict[str, int] = {}
    for page in sorted(Path("docs").rglob("*.md")):
        for url in re.findall(r"https?://[^\s)>\]\"'`]+", page.read_text(encoding="utf-8")):
            host = urlsplit(url).hostname
            if host:
                hosts[host] = hosts.get(host, 0) + 1
    return sorted(hosts, key=lambda host: -hosts[host])


def _reachable(hosts: list[str], timeout: float = 3.0) -> bool:
    """Whether a TCP connection to port 443 of any of these hosts opens within the timeout."""
    for host in hosts:
        try:
            socket.create_connection((host, 443), timeout=timeout).close()
        except OSError:
            continue
        return True
    return False


@nox.session(python=PYTHON)
def linkcheck(session: nox.Session) -> None:
    """Check every external link of the pages with Sphinx's linkcheck builder (needs network).

    Fails on a broken link (the weekly workflow runs it). Without network it says so and stops
    at once, rather than reporting every link broken: it first tries the linked hosts.
    """
    hosts = _linked_hosts()[:3]
    if not _reachable(hosts):
        session.skip(f"no network: cannot reach {', '.join(hosts)}, so links cannot be checked")
    install_group(session, "docs")
    session.run(
        "sphinx-build",
        *("-b", "linkcheck", "-T", "--keep-going", "-n"),
        *("-c", "conf", "-d", str(DOCS_BUILD / "doctrees-linkcheck")),
        *("docs", str(DOCS_BUILD / "linkcheck")),
    )


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks: the book's layer, Dropout, FastDropout, torch and np.copyto (not a test).

    Installs the bench group (torch==2.13.0, the CPU build) and runs
    benchmarks/bench_dropout.py; `-- --quick` for small sizes, `-- --help` for the options.
    OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, set on the project's machines, are unset for the
    benchmark command only, so that the BLAS libraries tune themselves to the CPU as on a
    user's machine; no other session and no test changes them.
    """
    install_group(session, "bench")
    session.run(
        "python",
        "benchmarks/bench_dropout.py",
        *session.posargs,
        env={"OPENBLAS_CORETYPE": None, "OPENBLAS_L2_SIZE": None},
    )


@nox.session(python=PYTHON)
def browser(session: nox.Session) -> None:
    """The built site in headless Chromium: every page as a reader loads it, and a reader's clicks.

    Tests the site in _build/html (from `nox -s docs`), building it as the docs session does
    when it is missing. Needs Debian's Chromium at /usr/bin/chromium (`apt-get install
    chromium`; DROPOUT_BOOK_CHROMIUM names another); the tests skip without it, and fail when
    CI is set. Prints the page budget table; screenshots go to _build/screenshots/ (and those of
    failed interaction tests to _build/test-results/).
    """
    install_group(session, "browser")
    if not (DOCS_HTML / "index.html").is_file():
        session.log(f"No site in {DOCS_HTML}: building it first, as `nox -s docs` does")
        install_group(session, "docs", project=False)
        build_site(session)
    session.run(
        "pytest",
        *("-m", "browser", "--tb=short", "tests/browser"),
        # pytest-playwright: a screenshot of each interaction test that fails, in the build folder.
        *("--screenshot=only-on-failure", "--full-page-screenshot"),
        f"--output={DOCS_BUILD / 'test-results'}",
        *session.posargs,
        env={"DROPOUT_BOOK_SITE": str(DOCS_HTML)},
    )
