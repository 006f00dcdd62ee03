"""The README's Python API example runs as written: saved to a file and run as a script
from the repository root, as a reader would paste it (workers are spawned processes, so a
missing ``if __name__ == "__main__":`` guard fails it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_api_example_runs_as_a_script(tmp_path):
    text = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- api-example -->\s*```python\n(.*?)```", text, re.S)
    assert match, "README lost its API example"
    script = tmp_path / "example.py"
    script.write_text(match.group(1))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.stdout.strip(), "the example prints the best video's score and reasons"


def test_readme_starts_with_the_two_commands():
    text = (ROOT / "README.md").read_text()
    first = text.index("make demo")
    assert first < 1500 and text.index("make test") < 1500


def test_readme_says_where_the_command_lives_before_using_it_bare():
    """A newcomer typing ``sparkscout`` after ``make install`` gets 'command not found'
    unless the README says it is in .venv/bin first."""
    text = (ROOT / "README.md").read_text()
    bare = re.search(r"^sparkscout ", text, re.M)
    assert bare, "no bare sparkscout command left"
    before = text[:bare.start()]
    assert "source .venv/bin/activate" in before and "`.venv/bin/" in before
