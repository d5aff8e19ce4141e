"""The direction of imports (DESIGN.md section 2): imports point down only."""

import ast
from pathlib import Path

import rnnlab

PACKAGE = Path(rnnlab.__file__).parent

# what each part may import from rnnlab; anything not listed is forbidden
ALLOWED = {
    "rnnlab": {"core", "layers", "nn"},
    "core": set(),
    "kernels": {"core"},
    "layers": {"core", "kernels"},
    "data": {"core"},
    "models": {"core", "kernels", "layers", "data"},
    "nn": {"core", "kernels", "layers"},
    "decoding": {"core", "layers", "models", "data"},
    "viz": set(),
    "training": {"core", "kernels", "layers", "models", "data", "viz"},
    "apps": {"core", "kernels", "layers", "models", "nn", "data", "decoding", "training", "viz", "export"},
    "experiments": {"core", "kernels", "layers", "models", "nn", "data", "decoding", "training", "viz", "apps"},
    "lab": {"training", "apps"},
    "export": {"core", "layers", "models"},
    "cli": {"rnnlab", "core", "kernels", "layers", "models", "nn", "data", "decoding", "training", "viz",
            "apps", "experiments", "lab", "export"},
}


def _part(module: str) -> tuple[str, str | None]:
    """'rnnlab.apps.demo.x' -> ('apps', 'demo'); 'rnnlab' -> ('rnnlab', None)."""
    bits = module.split(".")
    if len(bits) == 1:
        return "rnnlab", None
    if bits[1] == "__main__":  # `python -m rnnlab` is the command line
        return "cli", None
    return bits[1], bits[2] if bits[1] == "apps" and len(bits) > 2 else None


def _imports(path: Path, module: str):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            # relative imports would hide the direction; the package uses absolute ones only
            assert not node.level, f"{module}: use an absolute import instead of a relative one"
            yield node.module
            if node.module == "rnnlab":  # `from rnnlab import apps` names a part
                yield from (f"rnnlab.{a.name}" for a in node.names if a.name in ALLOWED)


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield path, ".".join(parts)


def test_imports_point_down_only():
    problems = []
    for path, module in _modules():
        part, app = _part(module)
        assert part in ALLOWED, f"{module}: {part!r} is not a part of the layout in DESIGN.md"
        for target in _imports(path, module):
            if target != "rnnlab" and not target.startswith("rnnlab."):
                continue
            to, to_app = _part(target)
            if to == "rnnlab" and part != "cli" and module != "rnnlab":
                problems.append(f"{module} imports the top-level package; import from its part instead")
            elif to != part and to not in ALLOWED[part]:
                problems.append(f"{module} imports {target}")
            elif part == "apps" and to == "apps" and app and to_app and app != to_app:
                problems.append(f"{module} imports its sibling app {target}")
    assert not problems, "\n".join(problems)


def test_core_imports_only_torch_and_the_standard_library():
    for path, module in _modules():
        if _part(module)[0] != "core":
            continue
        for target in _imports(path, module):
            top = target.split(".")[0]
            assert top in {"torch", "rnnlab", "__future__", "math", "typing", "dataclasses", "functools"}, f"{module} imports {target}"
            if top == "rnnlab":
                assert target.startswith("rnnlab.core"), f"{module} imports {target}"


def test_nothing_imports_the_cli():
    for path, module in _modules():
        if _part(module)[0] == "cli":
            continue
        assert not any(t.startswith("rnnlab.cli") for t in _imports(path, module)), module
