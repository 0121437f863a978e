"""Mutation testing of the core modules with mutmut 3, and the score table.

    python scripts/mutation.py --modules "ot_views/span.py ot_views/naming.py" [--jobs 2]

mutmut runs in a scratch copy (``build/mutation``) so that its ``mutants/`` tree and its
configuration never touch the checkout. Each mutant runs only the tests that reached the mutated
function in a first, unmutated run; the tests are the fast subset (no real servers, sample
project, browser or OpenTelemetry exporter).

A surviving mutant that changes nothing observable is listed in ``mutation/equivalents/``
(one file per module) with the reason. mutmut names mutants by position
(``x_begin__mutmut_12``), and positions shift with every edit, so an entry is keyed on what does
not: the module, the function, the source line as written and the line mutmut turns it into. An
entry stays valid until one of those lines is edited; entries that no longer match a survivor
are printed as stale.

The score of a module is killed / (mutants - equivalent). Timeouts count as killed (the mutant
made the tests hang, which a test run notices); "no tests" and "suspicious" count as survivors.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "mutation" / "equivalents"
#: What the scratch copy needs: the packages under test, the tests, the pytest configuration.
COPIED = ("ot_views", "ot_views_drf", "tests", "pyproject.toml")
#: The fast subset: everything but real servers, the sample project, the browser and OTLP, and
#: the hypothesis property tests of hostile input (a minute per mutant that reaches the request
#: span, for "never raises" properties that the fault and bounds tests also pin).
TEST_ARGS = (
    "-p",
    "no:cacheprovider",
    # A mutant that loops forever (``i += 1`` -> ``i = 1``) or never wakes an awaiting task fails
    # its first test after 10 s (pytest-timeout; the slowest test takes about 3 s), instead of
    # holding a worker for mutmut's budget of 1.5 times all its tests' time (up to 30 s).
    "--timeout=10",
    "-m",
    "not slow",
    "--ignore=tests/e2e",
    "--ignore=tests/test_otel.py",
    "--ignore=tests/test_bench_smoke.py",
    "--ignore=tests/test_sample_api.py",
    "--ignore=tests/test_sample_demo.py",
    "--ignore=tests/test_sample_otlp.py",
    "--ignore=tests/test_sample_tracing.py",
    "--ignore=tests/reliability/test_hostile.py",
    # The viewer app is not a core module, and its page tests depend on what the process-wide
    # span recorder holds, which mutmut's reordered subset runs do not reproduce.
    "--ignore=tests/test_viewer.py",
)
#: Not copied at all: checks of the repository's documents (README, docs/, comments), which the
#: scratch copy does not hold and which test no behaviour of the packages.
NOT_COPIED = ("test_docs_examples.py", "test_no_external_refs.py")
KILLED = {"killed", "timeout", "caught by type check"}


@dataclass(frozen=True)
class Identity:
    """What names a mutant across edits elsewhere in the module."""

    module: str
    function: str
    removed: tuple[str, ...]
    added: tuple[str, ...]

    def render(self) -> str:
        lines = [f"[{self.module}] {self.function}"]
        lines += [f"- {line}" for line in self.removed]
        lines += [f"+ {line}" for line in self.added]
        return "\n".join(lines)


@dataclass
class Row:
    mutants: int = 0
    killed: int = 0
    equivalent: int = 0
    #: Not run yet (an interrupted run); left out of the score.
    pending: int = 0
    survivors: list[tuple[str, Identity, str]] = field(default_factory=list)

    @property
    def score(self) -> float:
        counted = self.mutants - self.pending - self.equivalent
        return 100.0 * self.killed / counted if counted else 100.0


def read_equivalents(folder: Path) -> dict[Identity, str]:
    """Blocks of ``[module] function``, ``- line``..., ``+ line``..., ``why: reason``."""
    entries: dict[Identity, str] = {}
    for path in sorted(folder.glob("*.txt")):
        entries.update(_read_blocks(path))
    return entries


def _read_blocks(path: Path) -> dict[Identity, str]:
    entries: dict[Identity, str] = {}
    blocks = [b for b in path.read_text(encoding="utf-8").split("\n\n") if b.strip()]
    for block in blocks:
        lines = [ln for ln in block.splitlines() if ln.strip() and not ln.startswith("#")]
        if not lines:
            continue
        head = lines[0]
        if not head.startswith("["):
            raise SystemExit(f"{path}: a block must start with [module] function: {head!r}")
        module, _, function = head[1:].partition("] ")
        removed = tuple(ln[2:].strip() for ln in lines[1:] if ln.startswith("- "))
        added = tuple(ln[2:].strip() for ln in lines[1:] if ln.startswith("+ "))
        why = " ".join(ln[4:].strip() for ln in lines[1:] if ln.startswith("why:"))
        if not why:
            raise SystemExit(f"{path}: no 'why:' for\n{block}")
        entries[Identity(module, function.strip(), removed, added)] = why
    return entries


def function_name(mutant: str) -> str:
    """``ot_views.span.xǁHandleǁrename__mutmut_3`` -> ``Handle.rename``."""
    mangled = mutant.partition("__mutmut_")[0].rpartition(".")[2]
    if "ǁ" in mangled:
        _, cls, name = mangled.split("ǁ")
        return f"{cls}.{name}"
    return mangled[2:] if mangled.startswith("x_") else mangled


def identity(module: str, mutant: str, diff: str) -> Identity:
    removed: list[str] = []
    added: list[str] = []
    for line in diff.splitlines():
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("-"):
            removed.append(line[1:].strip())
        elif line.startswith("+"):
            added.append(line[1:].strip())
    return Identity(module, function_name(mutant), tuple(removed), tuple(added))


def prepare(work: Path, modules: list[str], test_args: Iterable[str], fresh: bool) -> None:
    if fresh and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source, target = ROOT / name, work / name
        if source.is_dir():
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(
                source, target, ignore=shutil.ignore_patterns("__pycache__", *NOT_COPIED)
            )
        else:
            shutil.copy2(source, target)
    # The root conftest of the scratch copy: fresh thread pools in each forked mutant run.
    shutil.copy2(ROOT / "mutation" / "conftest.py", work / "conftest.py")
    for name in NOT_COPIED:  # mutmut copies tests/ into mutants/ without removing old files
        for stale in (work / "mutants" / "tests").rglob(name):
            stale.unlink()
    packages = sorted({m.split("/")[0] for m in modules})
    lines = ["[mutmut]", "source_paths ="]
    lines += [f"    {p}" for p in packages]
    lines += ["only_mutate ="] + [f"    {m}" for m in modules]
    lines += ["pytest_add_cli_args ="] + [f"    {a}" for a in test_args]
    lines += ["pytest_add_cli_args_test_selection =", "    tests"]
    lines += ["also_copy =", "    conftest.py"]
    # The scratch copy is no git checkout; mutmut compares function hashes instead.
    lines += ["use_git_change_detection = false", "use_setproctitle = false"]
    # A mutant that makes a test hang is a kill; give up on it soon (CPU seconds, so the limit
    # does not shrink when the machine is busy). mutmut's default waits 30 times the tests' time.
    lines += ["timeout_multiplier = 1.5", "timeout_constant = 5.0"]
    (work / "setup.cfg").write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_mutmut(work: Path, jobs: int, names: Iterable[str] = ()) -> float:
    mutmut = Path(sys.executable).with_name("mutmut")
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    started = time.monotonic()
    # mutmut's progress line is one carriage-returned line; keep it, it is the only sign of life.
    command = [str(mutmut), "run", "--max-children", str(jobs), *names]
    subprocess.run(command, cwd=work, env=env, check=True)
    return time.monotonic() - started


def tabulate(work: Path, modules: list[str], equivalents: dict[Identity, str]) -> dict[str, Row]:
    os.chdir(work)  # mutmut's helpers read mutants/ relative to the working directory
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.stats import status_by_exit_code

    rows: dict[str, Row] = {}
    for module in modules:
        data = SourceFileMutationData(path=module)
        data.load()
        row = rows[module] = Row()
        for mutant, code in sorted(data.exit_code_by_key.items()):
            row.mutants += 1
            status = status_by_exit_code[code]
            if status == "not checked":
                row.pending += 1
                continue
            if status in KILLED:
                row.killed += 1
                continue
            ident = identity(module, mutant, get_diff_for_mutant(mutant, path=module))
            if ident in equivalents:
                row.equivalent += 1
                used.add(ident)
            else:
                row.survivors.append((mutant, ident, status))
    return rows


used: set[Identity] = set()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", required=True, help="space-separated module paths")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "mutation")
    parser.add_argument(
        "--keep", action="store_true", help="reuse the last run's results for unchanged functions"
    )
    parser.add_argument(
        "--report-only", action="store_true", help="tabulate the last run without running"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder for survivors.txt and table.json (default: the work folder)",
    )
    parser.add_argument(
        "--only",
        default="",
        help="with --keep: (re)run only the mutants matching these space-separated globs,"
        " e.g. 'ot_views.naming.*'",
    )
    parser.add_argument(
        "--retest",
        action="store_true",
        help="with --keep: run the last run's survivors again (after adding tests)",
    )
    args = parser.parse_args()
    modules = args.modules.split()
    work = args.work.resolve()
    out_dir = (args.out or work).resolve()
    elapsed = None
    if not args.report_only:
        prepare(work, modules, TEST_ARGS, fresh=not args.keep)
        elapsed = run_mutmut(work, args.jobs, args.only.split() if args.keep else ())
        if args.keep and args.retest:
            cwd = Path.cwd()
            rows = tabulate(work, modules, read_equivalents(EQUIVALENTS))
            os.chdir(cwd)
            names = [name for row in rows.values() for name, _, _ in row.survivors]
            if names:
                elapsed += run_mutmut(work, args.jobs, names)
            used.clear()
    rows = tabulate(work, modules, read_equivalents(EQUIVALENTS))

    out_dir.mkdir(parents=True, exist_ok=True)
    survivors_file = out_dir / "survivors.txt"
    with survivors_file.open("w", encoding="utf-8") as out:
        for row in rows.values():
            for mutant, ident, status in row.survivors:
                out.write(f"# {mutant} ({status})\n{ident.render()}\n\n")
    stale = [i for i in read_equivalents(EQUIVALENTS) if i not in used]

    width = max(len(m) for m in modules)
    print()
    pending = any(row.pending for row in rows.values())
    print(
        f"{'module':<{width}}  mutants  killed  equivalent  survived   score"
        + ("  not run" if pending else "")
    )
    total = Row()
    for module, row in [*rows.items(), ("total", total)]:
        if module == "total":
            for other in rows.values():
                total.mutants += other.mutants
                total.killed += other.killed
                total.equivalent += other.equivalent
                total.pending += other.pending
        survived = row.mutants - row.pending - row.killed - row.equivalent
        print(
            f"{module:<{width}}  {row.mutants:7d}  {row.killed:6d}  {row.equivalent:10d}"
            f"  {survived:8d}  {row.score:5.1f}%" + (f"  {row.pending:7d}" if pending else "")
        )
    if pending:
        print("(an interrupted run: scores are over the mutants that ran)")
    if elapsed is not None:
        print(f"\nmutmut run: {elapsed / 60:.1f} min with {args.jobs} workers")
    print(f"survivors (not listed as equivalent): {survivors_file}")
    if stale:
        print(f"\n{len(stale)} entries of {EQUIVALENTS.relative_to(ROOT)} match no survivor:")
        for ident in stale:
            print(ident.render())
    summary = {
        m: {
            "mutants": r.mutants,
            "killed": r.killed,
            "equivalent": r.equivalent,
            "not_run": r.pending,
        }
        for m, r in rows.items()
    }
    (out_dir / "table.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
