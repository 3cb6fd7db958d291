#!/usr/bin/env python3
"""Check, before a release is built, that the tag, the package version and the texts agree.

`release_check.py TAG` passes when TAG is `v<version>` of pyproject.toml, CHANGELOG.md has a
dated section `## [<version>] - YYYY-MM-DD`, and the example schedules repository pins that
version (`cxsched-version` and the `# v<version>` comment of every reusable-workflow call).
The version lives in pyproject.toml alone, so an editable install without git tags still
knows it (`cxsched --version`). Exit codes: 0 all agree, 1 a mismatch (each on stderr), 2 bad
usage.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_WORKFLOWS = ROOT / "examples" / "schedules-repo" / ".github" / "workflows"


def version(root: Path = ROOT) -> str:
    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    found = data["project"]["version"]
    assert isinstance(found, str)
    return found


def problems(tag: str, root: Path = ROOT) -> list[str]:
    """Every disagreement between `tag`, pyproject.toml, CHANGELOG.md and the examples."""
    want = version(root)
    found: list[str] = []
    if tag != f"v{want}":
        found.append(f"tag {tag!r} is not v{want}, the version in pyproject.toml")
    changelog = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    if not re.search(rf"^## \[{re.escape(want)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", changelog, re.M):
        found.append(f"CHANGELOG.md has no dated section '## [{want}] - YYYY-MM-DD'")
    found += example_problems(want, root)
    return found


def example_problems(want: str, root: Path = ROOT) -> list[str]:
    """Where the example workflows pin another cxsched than `want`."""
    found: list[str] = []
    folder = root / EXAMPLE_WORKFLOWS.relative_to(ROOT)
    for path in sorted(folder.glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        for pinned in re.findall(r'cxsched-version: "([^"]*)"', text):
            if pinned != want:
                found.append(f"{path.name}: cxsched-version {pinned!r}, not {want!r}")
        for comment in re.findall(r"cxsched-\w+\.yml@[0-9a-f]{40} # v(\S+)", text):
            if comment != want:
                found.append(f"{path.name}: calls the workflows of v{comment}, not v{want}")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: release_check.py TAG", file=sys.stderr)
        return 2
    found = problems(args[0])
    for problem in found:
        print(f"release_check: {problem}", file=sys.stderr)
    if not found:
        print(f"{args[0]}: the tag, pyproject.toml, CHANGELOG.md and the examples agree")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
