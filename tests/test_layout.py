"""One import name per module: the top-level folders export/, quantization/ and runtimes/ are installed as
f3edge.export, f3edge.quantization and f3edge.runtimes, and everything imports them by that name (a bare
`import export` would load a second copy with distinct classes). No private name crosses a folder."""
import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FOLDERS = ("f3edge", "export", "quantization", "runtimes", "benchmarks", "tests")
BARE = {"export", "quantization", "runtimes"}
SOURCES = sorted(p for folder in FOLDERS for p in (REPO / folder).rglob("*.py"))


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name, None, 0
        elif isinstance(node, ast.ImportFrom):
            for a in node.names:
                yield node.lineno, node.module or "", a.name, node.level


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(REPO)))
def test_no_module_imports_a_top_level_folder_by_its_bare_name(path):
    bad = [(line, mod) for line, mod, _, level in _imports(path) if level == 0 and mod.split(".")[0] in BARE]
    assert not bad, f"{path.relative_to(REPO)}: import f3edge.<folder> instead: {bad}"


def _folder(path: Path) -> str:
    return path.relative_to(REPO).parts[0]


def _target_folder(path: Path, module: str, level: int) -> str | None:
    if level:   # relative: resolve against the importing package
        base = path.parent
        for _ in range(level - 1):
            base = base.parent
        parts = base.relative_to(REPO).parts
        return parts[0] if parts else None
    top = module.split(".")
    if top[0] == "f3edge" and len(top) > 1 and top[1] in BARE:
        return top[1]
    return top[0] if top[0] in FOLDERS else None


@pytest.mark.parametrize("path", [p for p in SOURCES if _folder(p) != "tests"], ids=lambda p: str(p.relative_to(REPO)))
def test_no_private_name_is_imported_from_another_folder(path):
    bad = []
    for line, mod, name, level in _imports(path):
        target = _target_folder(path, mod, level)
        if name and name.startswith("_") and not name.startswith("__") and target and target != _folder(path):
            bad.append((line, mod, name))
    assert not bad, f"{path.relative_to(REPO)} imports private names across folders: {bad}"


def test_every_package_folder_is_listed_for_installation():
    """pyproject lists packages explicitly (the top-level folders map into f3edge): a new subpackage left
    out of the list works in an editable checkout and is missing from a wheel."""
    import tomllib
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(("f3edge",) + p.parent.relative_to(REPO / "f3edge").parts)
             for p in (REPO / "f3edge").rglob("__init__.py")}
    assert found <= listed, f"add to pyproject's packages: {sorted(found - listed)}"
