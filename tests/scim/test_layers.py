"""Imports point one way: scim.protocol -> scim (the directory) -> tenants. No directory module may
import the protocol, however it spells the import (absolute, relative, or inside a function)."""

import ast
from pathlib import Path

import scim

SCIM_ROOT = Path(scim.__file__).parent
PROTOCOL = "scim.protocol"


def directory_modules() -> dict[str, Path]:
    """Every module of the scim app outside scim/protocol/ (migrations included), by dotted name."""
    modules = {}
    for path in sorted(SCIM_ROOT.rglob("*.py")):
        relative = path.relative_to(SCIM_ROOT.parent).with_suffix("")
        parts = list(relative.parts)
        if parts[:2] == ["scim", "protocol"]:
            continue
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def imported_modules(module: str, path: Path) -> set[str]:
    """The absolute names of every module `module` imports (each `from x import y` counts x and x.y)."""
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module
            names.add(source)
            names.update(f"{source}.{alias.name}" for alias in node.names)
    return names


def protocol_imports(module: str, path: Path) -> list[str]:
    return sorted(name for name in imported_modules(module, path)
                  if name == PROTOCOL or name.startswith(PROTOCOL + "."))


def test_no_directory_module_imports_the_protocol():
    modules = directory_modules()
    assert "scim.services.users" in modules and "scim.selectors" in modules and "scim.protocol.views" not in modules
    offenders = {module: found for module, path in modules.items() if (found := protocol_imports(module, path))}
    assert offenders == {}


def test_the_check_sees_every_spelling_of_an_import(tmp_path):
    source = tmp_path / "users.py"
    source.write_text(
        "from ..protocol.errors import ScimError\n"
        "def f():\n    from scim import protocol\n"
        "import scim.protocol.views\n"
        "from . import selectors\n"
    )
    assert protocol_imports("scim.services.users", source) == [
        "scim.protocol", "scim.protocol.errors", "scim.protocol.errors.ScimError", "scim.protocol.views",
    ]
