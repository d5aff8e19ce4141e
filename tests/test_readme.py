"""Every command line README.md and the reference pages under docs/ show parses with today's command line,
and every relative link in them leads to a file that exists."""

import itertools
import re
import shlex
from pathlib import Path

import pytest

from rnnlab.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").rglob("*.md"))]


def readme_commands() -> list[str]:
    """The ``rnnlab ...`` lines of the pages' code blocks, continuation lines joined, comments cut."""
    blocks = [b for page in PAGES for b in page.read_text(encoding="utf-8").split("```")[1::2]]  # fenced code
    text = re.sub(r"\\\n\s*", " ", "\n".join(blocks))
    lines = [line.split(" #")[0].strip() for line in text.splitlines()]
    return [line for line in lines if line.startswith("rnnlab ") and not line.endswith("...")]


def expansions(line: str) -> list[list[str]]:
    """``[--data FILE]`` both left out and given; ``a|b`` each alternative."""
    parts = re.split(r"(\[[^\]]*\])", line)
    choices = [[p] if not p.startswith("[") else ["", p[1:-1]] for p in parts]
    result = []
    for picked in itertools.product(*choices):
        words = shlex.split(" ".join(picked))[1:]
        result += [list(w) for w in itertools.product(*[w.split("|") if "|" in w else [w] for w in words])]
    return result


def parses(words: list[str]) -> bool:
    try:
        build_parser().parse_args(words)
    except SystemExit as stop:
        return stop.code == 0  # --help and --version exit 0
    return True


def test_the_readme_shows_commands():
    assert len(readme_commands()) > 25


def test_the_readme_is_a_short_front_door():
    """The two set-up commands first, the rest linked: each application's reference on its own page."""
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 200
    assert text.split("```")[1].splitlines()[1:3] == [
        'python3 -m venv .venv && .venv/bin/pip install -q -c constraints.txt -e . && .venv/bin/rnnlab charlm train',
        'python3 -m venv .venv && .venv/bin/pip install -q -c constraints.txt -e ".[dev]" && .venv/bin/python -m '
        'pytest -q']
    for app in ("charlm", "lm", "sentiment", "translate", "caption", "framelabel", "tag", "recognize"):
        assert f"(docs/apps/{app}.md)" in text
        assert f"rnnlab {app} train" in (ROOT / "docs" / "apps" / f"{app}.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_leads_to_a_file(page):
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    links = [t.split("#")[0] for t in re.findall(r"\]\(([^)\s]+)\)", text) if not re.match(r"[a-z]+:|#", t)]
    missing = [link for link in links if not (page.parent / link).exists()]
    assert not missing, f"{page.name}: {missing}"


@pytest.mark.parametrize("line", readme_commands())
def test_every_readme_command_parses(line):
    found = expansions(line)
    if "|" in line:  # a synopsis: each alternative stands for itself
        assert any(parses(words) for words in found), line
    else:
        assert all(parses(words) for words in found), line
