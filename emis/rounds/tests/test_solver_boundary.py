"""The rounds use the solver through its public names only: nothing outside emis/rounds/solver imports a name
starting with an underscore from it, nor reaches one as an attribute of a solver module."""

import ast
from pathlib import Path

ROUNDS = Path(__file__).resolve().parent.parent
SOLVER = ROUNDS / "solver"


def _private_solver_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    solver_aliases: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and "solver" in node.module.split("."):
            for alias in node.names:
                if alias.name.startswith("_"):
                    found.append(f"{path.name}:{node.lineno} imports {alias.name}")
                solver_aliases.add(alias.asname or alias.name)
        elif isinstance(node, ast.ImportFrom):  # "from . import solver", "from emis.rounds import solver"
            solver_aliases |= {a.asname or a.name for a in node.names if a.name == "solver"}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and isinstance(node.value, ast.Name)
            and node.value.id in solver_aliases
        ):
            found.append(f"{path.name}:{node.lineno} uses {node.value.id}.{node.attr}")
    return found


def test_nothing_outside_the_solver_uses_its_private_helpers():
    modules = [p for p in ROUNDS.rglob("*.py") if SOLVER not in p.parents and "tests" not in p.parts]
    assert modules
    problems = [problem for path in modules for problem in _private_solver_uses(path)]
    assert problems == []


def test_the_check_finds_a_private_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from .solver import files as solver_files\nfrom .solver.files import _open\nsolver_files._cell(1, 2)\n"
    )
    assert len(_private_solver_uses(bad)) == 2
