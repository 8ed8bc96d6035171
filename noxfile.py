"""Tasks of the project: `nox` runs every check; `nox -s docs` builds the site."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["tests", "lint", "typecheck", "docs", "browser"]

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
    """Ruff: lint rules and formatting."""
    install_group(session, "lint", project=False)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """Mypy in strict mode over the package and the tests."""
    install_group(session, "typecheck")
    session.run("mypy")
