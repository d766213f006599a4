#!/usr/bin/env python3
"""run.py - mutation testing: does the test suite notice a small bug?

Plants each mutant of tests/mutation/mutants.py, one at a time, in a copy
of the source tree (never the tree itself), rebuilds incrementally, and
runs the tests named for it through `make check TESTS=...`. A mutant is
KILLED when those tests fail (or time out), SURVIVED when they pass.

  tests/mutation/run.py                 every mutant
  tests/mutation/run.py ID...           only these
  tests/mutation/run.py --list          the mutants, one line each
  tests/mutation/run.py --check         only check that every snippet is
                                        found exactly once, build nothing
  options: --work DIR (build there and keep it; default a temporary
           directory, removed at the end), --min-score PERCENT (default 95),
           --timeout SECONDS per mutant's tests (default 600),
           --jobs N (make -j, default 2)

`make mutation` runs it from the build tree. Before any build every
mutant's snippet must occur exactly once in its file: a snippet that an
edit moved or duplicated stops the run, loudly, rather than being skipped.
The unmutated copy must pass every test named by any mutant first, or no
result would mean anything. Prints one line per mutant and last
"mutation score: K/N killed (P%)"; exits 1 when the score is below
--min-score, 2 on a setup error (a snippet, the build, the baseline).
"""
import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
# Tests that read tests/e2e/cases, and so follow a mutant's `cases`.
CASE_TESTS = ("tests/e2e/golden.sh", "tests/e2e/cases.py",
              "tests/e2e/report_formats.py")


def die(msg):
    print("run.py: " + msg, file=sys.stderr)
    sys.exit(2)


def load_mutants():
    spec = importlib.util.spec_from_file_location("mutants", os.path.join(HERE, "mutants.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.MUTANTS


def problems(mutants, top):
    """Everything wrong with the mutant list against the tree at top."""
    out, seen = [], set()
    for m in mutants:
        mid = m.get("id", "?")
        for key in ("id", "file", "find", "replace", "tests", "why"):
            if not m.get(key):
                out.append("%s: no %s" % (mid, key))
        if mid in seen:
            out.append("%s: id given twice" % mid)
        seen.add(mid)
        if m.get("find") == m.get("replace"):
            out.append("%s: the replacement is the snippet itself" % mid)
        path = os.path.join(top, m.get("file", ""))
        try:
            text = open(path, encoding="utf-8").read()
        except OSError as e:
            out.append("%s: %s" % (mid, e))
            continue
        n = text.count(m.get("find") or "\0")
        if n != 1:
            out.append("%s: the snippet occurs %d times in %s, want exactly once:\n    %r"
                       % (mid, n, m["file"], m["find"]))
        for t in m.get("tests", []):
            base = t if t.startswith("tests/e2e/") else t + ".c"
            if not os.path.exists(os.path.join(top, base)):
                out.append("%s: no test %s" % (mid, t))
        for c in m.get("cases") or []:
            if not os.path.isdir(os.path.join(top, "tests", "e2e", "cases", c)):
                out.append("%s: no e2e case %s" % (mid, c))
        if m.get("cases") and not any(t in CASE_TESTS for t in m["tests"]):
            out.append("%s: cases given but none of its tests reads them" % mid)
    return out


def source_files(top):
    """The tree's files: git's tracked and untracked-but-not-ignored ones,
    or, outside git, every file but build directories."""
    try:
        p = subprocess.run(["git", "-C", top, "ls-files", "-z", "--cached", "--others",
                            "--exclude-standard"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, check=True)
        return [f for f in p.stdout.decode().split("\0")
                if f and os.path.isfile(os.path.join(top, f))]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for d, dirs, names in os.walk(top):
            dirs[:] = [x for x in dirs if x not in (".git", "autom4te.cache") and
                       not os.path.exists(os.path.join(d, x, "config.status"))]
            files += [os.path.relpath(os.path.join(d, n), top) for n in names]
        return files


def run(cmd, cwd, log, timeout=None):
    """Runs cmd, its output appended to log; returns (exit status, timed out)."""
    with open(log, "ab") as f:
        f.write(("\n$ %s\n" % " ".join(cmd)).encode())
        f.flush()
        try:
            p = subprocess.run(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT,
                               timeout=timeout, start_new_session=True)
            return p.returncode, False
        except subprocess.TimeoutExpired:
            return 1, True


def case_dir(work, src, name, cases):
    """A directory of links to the chosen e2e cases, beside a link to the
    sites, as golden.sh and cases.py expect (CASES/../sites)."""
    d = os.path.join(work, "cases-" + name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "cases"))
    os.symlink(os.path.join(src, "tests", "e2e", "sites"), os.path.join(d, "sites"))
    for c in cases:
        os.symlink(os.path.join(src, "tests", "e2e", "cases", c), os.path.join(d, "cases", c))
    return os.path.join(d, "cases")


def check_tests(build, tests, cases_path, log, timeout, jobs):
    """make check for these tests; (passed, timed out, failing lines)."""
    cmd = ["make", "-s", "-j%d" % jobs, "check", "TESTS=" + " ".join(tests)]
    if cases_path:
        cmd.append("TESTS_ENVIRONMENT=CASES='%s'; export CASES;" % cases_path)
    start = os.path.getsize(log) if os.path.exists(log) else 0
    rc, timed_out = run(cmd, build, log, timeout)
    with open(log, "rb") as f:
        f.seek(start)
        lines = f.read().decode(errors="replace").splitlines()
    failing = [l for l in lines if l.startswith(("FAIL:", "ERROR:", "XPASS:"))]
    return rc == 0, timed_out, failing


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ids", nargs="*")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--work")
    ap.add_argument("--min-score", type=float, default=95.0)
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()

    mutants = load_mutants()
    if a.list:
        for m in mutants:
            print("%-30s %-28s %s" % (m["id"], m["file"], m["why"]))
        return 0
    errs = problems(mutants, TOP)
    if errs:
        die("the mutant list does not fit the tree; nothing was built:\n  " +
            "\n  ".join(errs))
    if a.ids:
        unknown = [i for i in a.ids if i not in {m["id"] for m in mutants}]
        if unknown:
            die("no such mutant: " + ", ".join(unknown))
        mutants = [m for m in mutants if m["id"] in a.ids]
    if a.check:
        print("%d mutants, every snippet found exactly once" % len(mutants))
        return 0

    work = a.work or tempfile.mkdtemp(prefix="flowaudit-mutation-")
    os.makedirs(work, exist_ok=True)
    src, build = os.path.join(work, "src"), os.path.join(work, "src", "build")
    log = os.path.join(work, "mutation.log")
    began = time.time()
    try:
        # The copy: the tree as it is now, uncommitted edits included.
        print("copying the tree to %s" % src, flush=True)
        for rel in source_files(TOP):
            dst = os.path.join(src, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if not os.path.exists(dst) or open(dst, "rb").read() != open(
                    os.path.join(TOP, rel), "rb").read():
                shutil.copy2(os.path.join(TOP, rel), dst)
        if problems(mutants, src):
            die("the copy does not hold the snippets: " + "; ".join(problems(mutants, src)))
        print("building the unmutated copy (log: %s)" % log, flush=True)
        if not os.path.exists(os.path.join(src, "configure")):
            if run(["autoreconf", "-fi"], src, log)[0]:
                die("autoreconf failed; see " + log)
        os.makedirs(build, exist_ok=True)
        if not os.path.exists(os.path.join(build, "config.status")):
            if run([os.path.join(src, "configure")], build, log)[0]:
                die("configure failed; see " + log)
        if run(["make", "-s", "-j%d" % a.jobs, "check", "TESTS="], build, log)[0]:
            die("the unmutated copy does not build; see " + log)

        # Every test a mutant names passes without a mutant (all cases).
        union = []
        for m in mutants:
            union += [t for t in m["tests"] if t not in union]
        print("baseline: %s" % " ".join(union), flush=True)
        passed, _, failing = check_tests(build, union, None, log, a.timeout * 3, a.jobs)
        if not passed:
            die("the unmutated copy fails its tests, so no kill would mean anything:\n  " +
                "\n  ".join(failing[:10] or ["see " + log]))

        killed, results = 0, []
        for n, m in enumerate(mutants, 1):
            path = os.path.join(src, m["file"])
            original = open(path, encoding="utf-8").read()
            t0 = time.time()
            try:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(original.replace(m["find"], m["replace"], 1))
                if run(["make", "-s", "-j%d" % a.jobs], build, log)[0]:
                    die("mutant %s does not compile: fix its replacement; see %s" %
                        (m["id"], log))
                cases = case_dir(work, src, m["id"], m["cases"]) if m.get("cases") else None
                passed, timed_out, failing = check_tests(build, m["tests"], cases, log,
                                                         a.timeout, a.jobs)
            finally:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(original)
            verdict = "SURVIVED" if passed else "KILLED"
            killed += not passed
            # The first failure of each test that failed, at most three.
            firsts = {}
            for line in failing:
                firsts.setdefault(line.split()[1] if len(line.split()) > 1 else line, line)
            how = "timed out" if timed_out else "\n" + "\n".join(
                "           " + l for l in list(firsts.values())[:3]) if firsts else ""
            results.append((m["id"], verdict))
            print("[%2d/%d] %-8s %-30s %4.0fs%s" % (n, len(mutants), verdict, m["id"],
                                                    time.time() - t0, how), flush=True)
            if passed:
                print("         %s (%s; tests: %s)" % (m["why"], m["file"],
                                                       " ".join(m["tests"])), flush=True)
        # Leave the copy built as it is in the tree.
        run(["make", "-s", "-j%d" % a.jobs], build, log)
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)

    total = len(results)
    score = 100.0 * killed / total if total else 0.0
    survivors = [i for i, v in results if v == "SURVIVED"]
    if survivors:
        print("survivors: " + ", ".join(survivors))
    print("time: %.0f s" % (time.time() - began))
    print("mutation score: %d/%d killed (%.0f%%)" % (killed, total, score))
    return 0 if score >= a.min_score else 1


if __name__ == "__main__":
    sys.exit(main())
