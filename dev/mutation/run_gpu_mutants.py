#!/usr/bin/env python3
"""
Mutation testing of the GPU code: does test_mamba_cu notice a planted bug?

    python3 dev/mutation/run_gpu_mutants.py OUT_DIR MUTANTS.json [MUTANTS.json ...]

Each mutant (a JSON list of {"id", "file", "old", "new", "why", "expect"}) replaces one exact
substring, which must occur once, in its own copy of the tree (a mutant whose text the code no longer
holds once is reported as STALE and skipped: the lists record a round, the code moves on).
Every copy builds test_mamba_cu for sm_90 in bf16 and, where that passes, in fp32 (-DENABLE_FP32,
the tight-tolerance build), several builds at a time; each build runs on the fixtures that
test/gpu_fixtures.sh writes (as `make test` does).
A mutant is killed when a build's run prints a FAIL line, exits non-zero or times out; it
survives when both runs pass. The unmutated tree runs first and must pass both, else nothing
else runs. Needs a GPU, nvcc, the CPU trainer's fixture writer (make make_cpu_fixture) and
cJSON. Prints one line per mutant and a summary; OUT_DIR/results.json has the details.
Environment: JOBS (parallel builds, default the CPU count), GPU_JOBS (test runs sharing the GPU,
default 4), DEADLINE (seconds from start after which no build or run starts, default 420; with
RUN_TIMEOUT, the per-run limit, default 150, the whole stays under a 600 s device call), ONLY
(comma-separated ids: run only those mutants).
"""
import concurrent.futures as cf
import json
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NVCC_FLAGS = ["-O3", "-gencode", "arch=compute_90,code=sm_90"]
LIBS = ["-lcublas", "-lcjson", "-lnccl"]
START = time.time()
DEADLINE = float(os.environ.get("DEADLINE", "420"))
RUN_TIMEOUT = float(os.environ.get("RUN_TIMEOUT", "150"))


def die(msg):
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(1)


def load_mutants(paths):
    """the mutants that apply, and the ids of the stale ones"""
    mutants, seen, stale = [], set(), set()
    for path in paths:
        with open(path) as fh:
            for m in json.load(fh):
                for key in ("id", "file", "old", "new"):
                    if not isinstance(m.get(key), str):
                        die(f"{path}: a mutant lacks the string field '{key}'")
                if m["id"] in seen or m["id"] == "clean":
                    die(f"{path}: mutant id '{m['id']}' is used twice (or is 'clean')")
                seen.add(m["id"])
                if m["old"] == m["new"]:
                    die(f"{path}: mutant '{m['id']}' changes nothing")
                src_path = os.path.join(ROOT, m["file"])
                count = open(src_path).read().count(m["old"]) if os.path.isfile(src_path) else 0
                if count != 1:  # the code changed since the list was written: say so, run the rest
                    print(f"STALE    {m['id']}: its text occurs {count} times in {m['file']} (needs 1): skipped", flush=True)
                    stale.add(m["id"])
                    continue
                mutants.append(m)
    return mutants, stale


def make_tree(work, m):
    """a copy of the tree (without .git, built files and generated data) under work/<id>, with the mutant applied"""
    dst = os.path.join(work, m["id"] if m else "clean")
    shutil.rmtree(dst, ignore_errors=True)
    # built files live at the top; generated data (.gitignore) would be copied once per mutant
    top = shutil.ignore_patterns(".git", ".debs", ".whl", "out", "log*", "gpu_logs", "*_asan", "test_*", "train_mamba",
                                 "train_mamba_cu", "make_cpu_fixture")
    data = shutil.ignore_patterns("tinyshakespeare", "enwik8")
    ignore = {ROOT: top, os.path.join(ROOT, "dev", "data"): data}
    shutil.copytree(ROOT, dst, ignore=lambda d, names: ignore[d](d, names) if d in ignore else set())
    if m:
        path = os.path.join(dst, m["file"])
        with open(path) as fh:
            text = fh.read()
        with open(path, "w") as fh:
            fh.write(text.replace(m["old"], m["new"], 1))
    return dst


def build(tree, fp32):
    """the test binary's path, or None when it does not build (nvcc's output in <exe>.build.log;
    "deadline" past the deadline)"""
    if time.time() - START > DEADLINE:
        return "deadline"
    exe = os.path.join(tree, "test_mamba_cu_fp32" if fp32 else "test_mamba_cu")
    cmd = ["nvcc"] + NVCC_FLAGS + (["-DENABLE_FP32"] if fp32 else []) + ["-o", exe, "test/test_mamba.cu"] + LIBS
    r = subprocess.run(cmd, cwd=tree, capture_output=True, text=True)
    with open(exe + ".build.log", "w") as fh:
        fh.write(r.stdout + r.stderr)
    return exe if r.returncode == 0 else None


def run(tree, exe, fixtures):
    """'pass', or 'killed: <first FAIL lines or why>'"""
    if time.time() - START > DEADLINE:
        return "not run (deadline)"
    try:
        r = subprocess.run([exe] + fixtures, cwd=tree, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        return f"killed: timed out after {RUN_TIMEOUT:.0f} s"
    with open(exe + ".log", "w") as fh:
        fh.write(r.stdout + r.stderr)
    fails = [line[5:].split(": ")[0] for line in r.stdout.splitlines() if line.startswith("FAIL ")]
    summary = re.findall(r"^(\d+) passed, (\d+) failed$", r.stdout, re.M)
    if r.returncode == 0 and not fails and summary and summary[-1][1] == "0":
        return "pass"
    if fails:
        more = f" (+{len(fails) - 3} more)" if len(fails) > 3 else ""
        return f"killed: {len(fails)} FAIL: " + ", ".join(fails[:3]) + more
    tail = (r.stderr.strip().splitlines() or ["(no stderr)"])[-1][:120]
    return f"killed: exit {r.returncode}: {tail}"


def main():
    if len(sys.argv) < 3:
        die("usage: run_gpu_mutants.py OUT_DIR MUTANTS.json [MUTANTS.json ...]")
    out = sys.argv[1]
    mutants, stale = load_mutants(sys.argv[2:])
    only = [i for i in os.environ.get("ONLY", "").split(",") if i]
    if only:
        unknown = set(only) - {m["id"] for m in mutants} - stale
        if unknown:
            die(f"ONLY names mutants that are not in the lists: {', '.join(sorted(unknown))}")
        mutants = [m for m in mutants if m["id"] in only]
    os.makedirs(out, exist_ok=True)
    work = "/tmp/gpu_mutants"
    os.makedirs(work, exist_ok=True)
    fx = os.path.join(work, "fixtures")
    os.makedirs(fx, exist_ok=True)
    r = subprocess.run(["bash", "test/gpu_fixtures.sh", fx], cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        die(f"test/gpu_fixtures.sh failed: {r.stderr.strip()[-200:]}")
    fixtures = [p if os.path.isabs(p) else os.path.join(ROOT, p) for p in r.stdout.split()]
    jobs = int(os.environ.get("JOBS", os.cpu_count() or 4))
    gpu_jobs = int(os.environ.get("GPU_JOBS", "4"))
    entries = [None] + mutants
    trees = {(m["id"] if m else "clean"): make_tree(work, m) for m in entries}
    # builds: the clean tree's two first, then every mutant's bf16 build; a mutant's fp32 build only
    # once its bf16 run has passed. A run starts as soon as its build is done, overlapping the others.
    builder = cf.ThreadPoolExecutor(jobs)
    futs = {("clean", False): builder.submit(build, trees["clean"], False), ("clean", True): builder.submit(build, trees["clean"], True)}
    futs.update({(m["id"], False): builder.submit(build, trees[m["id"]], False) for m in mutants})

    def exe(key, fp32):
        if (key, fp32) not in futs:
            futs[(key, fp32)] = builder.submit(build, trees[key], fp32)
        return futs[(key, fp32)].result()

    results = {}

    def test(key):
        tree = trees[key]
        res = {"bf16": None, "fp32": None}
        for fp32, name in ((False, "bf16"), (True, "fp32")):
            if name == "fp32" and res["bf16"] != "pass" and key != "clean":
                break
            path = exe(key, fp32)
            res[name] = ("not run (deadline)" if path == "deadline" else "does not build" if path is None
                         else run(tree, path, fixtures))
        return key, res

    key, res = test("clean")
    print(f"clean: bf16 {res['bf16']}; fp32 {res['fp32']} ({time.time() - START:.0f} s)", flush=True)
    if res["bf16"] != "pass" or res["fp32"] != "pass":
        for name in ("test_mamba_cu", "test_mamba_cu_fp32"):
            log = os.path.join(trees["clean"], name + ".log")
            if os.path.exists(log):
                print("\n".join(line for line in open(log).read().splitlines() if line.startswith("FAIL") or "passed," in line))
            elif os.path.exists(log[:-4] + ".build.log"):  # (only the last lines: nvcc's error)
                print("\n".join(open(log[:-4] + ".build.log").read().splitlines()[-10:]))
        builder.shutdown(cancel_futures=True)
        die("the unmutated tree fails its tests: fix that first")
    results["clean"] = res
    with cf.ThreadPoolExecutor(gpu_jobs) as pool:  # a line per mutant as it ends (a killed run keeps them)
        for fut in cf.as_completed([pool.submit(test, m["id"]) for m in mutants]):
            key, res = fut.result()
            results[key] = res
            print(f"  {key}: bf16 {res['bf16']}; fp32 {res['fp32']} ({time.time() - START:.0f} s)", flush=True)
    builder.shutdown()
    built = sum(isinstance(f.result(), str) and f.result() != "deadline" for f in futs.values())
    print(f"built {built} of {len(futs)} test binaries", flush=True)
    killed = survived = other = 0
    for m in mutants:
        res = results[m["id"]]
        verdict = res["bf16"] if res["bf16"] != "pass" else (res["fp32"] or "?")
        state = "KILLED" if verdict.startswith("killed") else ("SURVIVED" if verdict == "pass" else "OTHER")
        killed += state == "KILLED"
        survived += state == "SURVIVED"
        other += state == "OTHER"
        by = "bf16" if res["bf16"] != "pass" else "fp32"
        print(f"{state:8} {m['id']}: {by} {verdict}" if state != "SURVIVED" else f"SURVIVED {m['id']}: {m.get('why', '')}")
        m.update(result=res, state=state)
    with open(os.path.join(out, "results.json"), "w") as fh:
        json.dump({"clean": results["clean"], "mutants": mutants}, fh, indent=1)
    print(f"{killed} killed, {survived} survived, {other} other (not built or not run), {time.time() - START:.0f} s")


if __name__ == "__main__":
    main()
