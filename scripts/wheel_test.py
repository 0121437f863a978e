"""Build the sdist and the wheel, check them, install the wheel in a fresh venv and smoke-test it.

Run through tox (``make wheel-test``), whose env has ``build`` and ``twine``. Everything happens
in a temporary directory outside the repository, so nothing from the source tree is importable:
a file the distribution forgot (``py.typed``, a template, a migration) fails here, not for users.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ot_views", "ot_views_drf")


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=cwd, env=env, check=True)


def shipped_sources() -> set[str]:
    """Every file of the two packages that git tracks (the tree's files when git is missing)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "--", *PACKAGES],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        out = [
            str(p.relative_to(ROOT))
            for pkg in PACKAGES
            for p in (ROOT / pkg).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        ]
    assert out, "no package files found"
    return set(out)


def check_contents(dist: Path) -> Path:
    wheels = list(dist.glob("*.whl"))
    sdists = list(dist.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, list(dist.iterdir())
    wheel, sdist = wheels[0], sdists[0]
    expected = shipped_sources()
    with zipfile.ZipFile(wheel) as zf:
        in_wheel = set(zf.namelist())
    missing = sorted(expected - in_wheel)
    assert not missing, f"files missing from {wheel.name}: {missing}"
    stray = sorted(
        n for n in in_wheel if n.split("/")[0] not in PACKAGES and ".dist-info/" not in n
    )
    assert not stray, f"unexpected files in {wheel.name}: {stray}"
    with tarfile.open(sdist) as tf:
        top = tf.getnames()[0].split("/")[0]
        in_sdist = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    needed = expected | {"setup.py", "README.rst", "CHANGELOG.rst", "pyproject.toml"}
    missing = sorted(needed - in_sdist)
    assert not missing, f"files missing from {sdist.name} ({top}): {missing}"
    print(f"contents ok: {wheel.name} ({len(expected)} package files), {sdist.name}")
    return wheel


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="ot-views-wheel-"))
    try:
        dist = work / "dist"
        # build makes the sdist, then the wheel from that sdist: a file setup.py reads but
        # the sdist lacks (README.rst for long_description) fails here.
        run(sys.executable, "-m", "build", "--outdir", dist, ROOT, cwd=work)
        run(sys.executable, "-m", "twine", "check", "--strict", *sorted(dist.iterdir()), cwd=work)
        wheel = check_contents(dist)

        env_dir = work / "venv"
        venv.create(env_dir, with_pip=True)
        py = env_dir / "bin" / "python"
        run(py, "-m", "pip", "install", "--quiet", f"{wheel}[drf]", cwd=work)
        smoke = work / "wheel_smoke.py"
        shutil.copy(ROOT / "scripts" / "wheel_smoke.py", smoke)
        # -I: no PYTHONPATH, no user site, no script directory magic beyond the copy's own.
        run(py, "-I", smoke, "core", cwd=work)

        if (ROOT / "sample_api" / "settings.py").is_file():
            src = work / "sample_src"
            shutil.copytree(
                ROOT / "sample_api",
                src / "sample_api",
                ignore=shutil.ignore_patterns("__pycache__", "var", "*.sqlite3"),
            )
            env = {
                "PATH": f"{env_dir / 'bin'}:/usr/bin:/bin",
                "PYTHONPATH": str(src),
                "SAMPLE_VAR_DIR": str(work / "var"),
                "HOME": str(work),
            }
            run(py, smoke, "sample", cwd=work, env=env)
        else:
            print("no sample_api/ in this tree: sample smoke skipped")
        print("wheel test: passed")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
