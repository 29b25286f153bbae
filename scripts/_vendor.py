"""Copy the client and its generated models into another package, imports rewritten.

    scripts/vendor DEST PACKAGE

DEST is the folder to write into and PACKAGE the dotted import name of that folder, for example
``scripts/vendor ../acme/src/acme/_vendor acme._vendor``. It writes ``DEST/openrouter_stt/`` (the
client, without the command line) and ``DEST/openrouter_stt_models/`` (models, spec, py.typed), with
every import of either package rewritten under PACKAGE, and refuses to leave any import that would
reach for an installed openrouter-stt. Each copy carries the licence text.

The copy is part of PACKAGE: its exceptions show as ``PACKAGE.openrouter_stt.RateLimitError`` and
it logs under ``PACKAGE.openrouter_stt`` (the client names both after its own package). DEST, and
any folder of PACKAGE this command creates, gets an ``__init__.py``, so that a setuptools build
(``find_packages``) ships the copy; an existing folder of PACKAGE without one is reported.
"""

from __future__ import annotations

import argparse
import ast
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {
    "openrouter_stt": ROOT / "src" / "openrouter_stt",
    "openrouter_stt_models": ROOT / "generated" / "openrouter_stt_models",
}
LICENSE = ROOT / "LICENSE"
# The command line needs the mock and argparse plumbing; a vendoring SDK wants the library only.
SKIP = {"_cli.py", "__main__.py"}
_IMPORT = re.compile(
    r"^(?P<lead>\s*(?:from|import)\s+)(?P<name>openrouter_stt(?:_models|_mock)?)(?=[\s.,]|$)",
    re.MULTILINE,
)


def _project_version() -> str:
    match = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text("utf-8"), re.M)
    return match.group(1) if match else "unknown"


def rewrite(source: str, package: str) -> str:
    """Rewrite absolute imports of our packages in ``source`` to live under ``package``."""
    return _IMPORT.sub(lambda m: f"{m['lead']}{package}.{m['name']}", source)


def leftover_imports(source: str, package: str) -> list[str]:
    """Imports in ``source`` that would still reach outside ``package`` for one of ours."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        found += [n for n in names if n.split(".")[0].startswith("openrouter_stt")]
    return found


def package_folders(dest: Path, package: str) -> list[tuple[Path, str]]:
    """Each folder of ``package`` with its dotted name, outermost first: for ``a/b/_vendor`` and
    ``b._vendor``, ``[(a/b, "b"), (a/b/_vendor, "b._vendor")]``."""
    parts = package.split(".")
    folders = [dest.parents[i - 1] if i else dest for i in range(len(parts))]
    return [(folder, ".".join(parts[: len(parts) - i])) for i, folder in enumerate(folders)][::-1]


def vendor(dest: Path, package: str) -> list[Path]:
    """Write the vendored copy; return the files written."""
    header = (
        f"# Vendored from openrouter-stt {_project_version()} by scripts/vendor; do not edit:\n"
        "# change the original and vendor again.\n"
    )
    written: list[Path] = []
    dest = dest.resolve()
    folders = package_folders(dest, package)
    existed = {folder for folder, _ in folders if folder.is_dir()}
    dest.mkdir(parents=True, exist_ok=True)
    for folder, name in folders:
        marker = folder / "__init__.py"
        if marker.exists():
            continue
        if folder == dest or folder not in existed:
            # Without it, setuptools' find_packages skips the folder, and the copy with it.
            marker.write_text(f"{header}# It makes {name} a package, so that builds ship it.\n")
            written.append(marker)
        else:
            print(
                f"note: {folder} has no __init__.py: a setuptools build that finds packages "
                f"will not ship {name}, nor the copy in it",
                file=sys.stderr,
            )
    for name, source_dir in SOURCES.items():
        target = dest / name
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for path in sorted(source_dir.iterdir()):
            if not path.is_file() or path.name in SKIP or path.suffix == ".pyc":
                continue
            out = target / path.name
            if path.suffix == ".py":
                text = rewrite(path.read_text(encoding="utf-8"), package)
                left = leftover_imports(text, package)
                if left:
                    raise SystemExit(f"{path}: cannot vendor, it imports {', '.join(left)}")
                out.write_text(header + text, encoding="utf-8")
            else:
                shutil.copyfile(path, out)
            written.append(out)
        shutil.copyfile(LICENSE, target / "LICENSE")
        written.append(target / "LICENSE")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/vendor", description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path, help="folder to write openrouter_stt*/ into")
    parser.add_argument("package", help="dotted import name of DEST, e.g. acme._vendor")
    args = parser.parse_args(argv)
    if not all(part.isidentifier() for part in args.package.split(".")):
        parser.error(f"PACKAGE must be a dotted name like acme._vendor, not {args.package!r}")
    files = vendor(args.dest, args.package)
    print(f"vendored {len(files)} files into {args.dest} as {args.package}.openrouter_stt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
