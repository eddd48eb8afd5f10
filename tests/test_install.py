"""Installs are the same everywhere: what is installed is what uv.lock says, and the GOV.UK Jinja macros are
the release made for the GOV.UK Frontend that package.json pins."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
UV = Path(sys.executable).parent / "uv"


def locked_versions() -> dict[str, set[str]]:
    """Every package uv.lock installs on this machine (markers evaluated here), with its locked versions. A
    name may be locked at more than one version, each for different Python versions or platforms."""
    exported = subprocess.run(
        [str(UV), "export", "--frozen", "--extra", "dev", "--no-emit-project", "--no-hashes", "--no-header"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    versions: dict[str, set[str]] = {}
    for line in exported.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", line
        versions.setdefault(canonicalize_name(requirement.name), set()).add(specifier.version)
    return versions


def test_every_locked_package_is_installed_at_its_locked_version():
    locked = locked_versions()
    assert {"flask", "sqlalchemy", "cryptography", "govuk-frontend-jinja", "pytest"} <= set(locked)
    wrong = {}
    for name, versions in locked.items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed not in versions:
            wrong[name] = (installed, sorted(versions))
    assert wrong == {}, f"installed (left) differs from uv.lock (right): {wrong}; run `make setup`"


def test_the_project_itself_is_installed_editable_from_this_checkout():
    metadata.distribution("review-action-tracker")
    probe = "import tracker, sys; sys.stdout.write(tracker.__file__)"
    # Run from elsewhere, so the import comes from the installed project and not from the current folder.
    found = subprocess.run([sys.executable, "-c", probe], cwd="/", capture_output=True, text=True, check=True)
    assert Path(found.stdout).resolve().is_relative_to(ROOT / "tracker")


def test_uv_itself_is_the_pinned_release():
    pinned = (ROOT / "scripts" / "uv-requirements.txt").read_text().split()[0]
    assert re.fullmatch(r"uv==[0-9.]+", pinned)
    assert metadata.version("uv") == pinned.removeprefix("uv==")


def test_govuk_frontend_jinja_is_the_release_made_for_the_pinned_govuk_frontend():
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["govuk-frontend"]
    assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", pinned), "package.json must pin govuk-frontend exactly"
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/govuk-frontend"]["version"] == pinned
    # The macros' README names the GOV.UK Frontend release they follow, in a badge and a table of releases.
    readme = metadata.metadata("govuk-frontend-jinja").get_payload()
    made_for = re.search(r"badge/GOV\.UK%20Frontend-v([0-9.]+)-", readme).group(1)
    jinja = metadata.version("govuk-frontend-jinja")
    assert re.search(rf"\[{re.escape(jinja)}\]\(.*?\|\s*\[{re.escape(made_for)}\]", readme)
    assert made_for == pinned, f"govuk-frontend-jinja {jinja} is made for govuk-frontend {made_for}, not {pinned}"
