#!/usr/bin/env python3
"""
Mutation testing: do the tests notice a planted bug?

    python3 dev/mutation/run_mutants.py OUT_DIR MUTANTS.json [MUTANTS.json ...]            # the GPU suite
    SUITE=cpu python3 dev/mutation/run_mutants.py OUT_DIR MUTANTS.json [MUTANTS.json ...]  # the CPU suite
    SUITE=tools RUN_JOBS=1 DEADLINE=3000 RUN_TIMEOUT=900 python3 dev/mutation/run_mutants.py OUT_DIR dev/mutation/tools_mutants.json

Each mutant (a JSON list of {"id", "file", "old", "new", "why", "expect"}) replaces one exact
substring, which must occur once, in its own copy of the tree (a mutant whose text the code no longer
holds once is reported as STALE and skipped: the lists record a round, the code moves on).
A suite is a chain of test programs, each built in every copy and run in turn:
  gpu: test_mamba_cu (bf16), then test_mamba_cu_fp32 (-DENABLE_FP32, 1e-4 tolerances), both for
       sm_90, on the fixtures test/gpu_fixtures.sh writes (as `make test` does; needs a GPU, nvcc
       and `make make_cpu_fixture`);
  cpu: test_mamba (the CPU trainer against the PyTorch fixtures), then test_gradcheck (double
       precision, finite differences);
  cli: the GPU trainer's command-line suite (`BIN=./train_mamba_cu bash test/test_cli.sh`: flags,
       bad input, checkpoints, bitwise resume, evaluation, generation), then its durability suite;
       the first build is `make` of train_mamba_cu (sm_90) and what the scripts run (needs a GPU).
       Each copy gets its own CLI_TEST_PORT, so copies running at once do not share a TCP port.
       CLI_BIN=./train_mamba runs the CPU trainer's instead (no GPU needed);
  io: test_io alone (the file-format refusals and the helpers it calls directly: the stop-signal handler, the
       state file, the sample's last lines); a C program, so FAIL_FAST does not apply;
  shm: test_shm_coll (the shared-memory collectives, test/shm_coll.h), then test_shm_nccl (test/shm_nccl.c over the
       stub CUDA runtime); plain C, no GPU;
  fuzz: `make fuzz-bins` (the libFuzzer harnesses, clang), then `make fuzz-regress`: each harness once over
       test/fuzz/regressions/<harness>/ and its seed corpus (a FAIL line per harness that crashed,
       "FAIL fuzz_<harness>: input <file> crashed": the check is named fuzz_<harness>);
  tools: the scripts and data tools (scripts/*.sh, scripts/plot_log.py, dev/data/*, test/run_tests.sh):
       `make` of the CPU trainer, prepare_bytes, tokenize and the tinyshakespeare shards (no GPU needed),
       then `bash test/test_tokenize.sh`, then `bash test/test_scripts.sh`. A mutant's test_scripts.sh
       runs with SCRIPTS_SKIP_HARNESS_SELFTEST=1: its two end-to-end runs of this harness (several
       minutes) test the harness, which no mutant of this suite touches; they print a SKIP line instead.
       The unmutated tree runs them unless the caller's environment sets the switch itself.
The first program of every copy is built up front, several builds at a time; a later one only
where the earlier ones passed. A mutant is killed when a program prints a FAIL line, exits non-zero
or times out; it survives when the whole chain passes. The unmutated tree runs first and must pass,
else nothing else runs (with CLEAN_FIRST=0 it runs alongside, and no verdict counts unless it passed). Prints one line per mutant and a summary; OUT_DIR/results.json has the
details, and each copy (under WORK) keeps its build and run logs.
Environment: SUITE (gpu, cpu, cli, io, units, shm, fuzz or tools, default gpu), JOBS (parallel builds, default the CPU count),
RUN_JOBS (runs at a time, default 4 for gpu, 1 for cpu), CLEAN_FIRST (0: the unmutated tree runs
alongside the mutants, its pass still required for any verdict), DEADLINE (seconds from start after which no
build or run starts, default 420; with RUN_TIMEOUT, the per-run limit, default 150, the whole stays
under a 600 s device call), ONLY (comma-separated ids: run only those mutants), WORK (where the
copies go, default /tmp/mutants_<suite>), FAIL_FAST (cli and tools: 1, the default, stops a mutant's suite at
its first FAIL line, so a killed mutant names one check; 0 runs it whole, to list every check that kills it).
"""
import concurrent.futures as cf
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NVCC = ["nvcc", "-O3", "-gencode", "arch=compute_90,code=sm_90"]
GCC = ["gcc", "-O3", "-march=native", "-Wall", "-Wextra", "-std=gnu11", "-fopenmp", "-DOMP"]
# per suite: (program, build command with {exe} for its path, run command or None for "{exe} fixtures...",
# whether it runs on the GPU fixtures). A program whose build makes no {exe} (cli) counts as built when the
# command succeeds; its run command is then the suite script.
CLI_BIN = os.environ.get("CLI_BIN", "./train_mamba_cu")  # (./train_mamba: the CPU trainer's CLI suite, no GPU needed)
MAKE_CLI = ["make", "NVCC_FLAGS=" + " ".join(NVCC[1:]), CLI_BIN[2:], "train_mamba", "dev/data/prepare_bytes",
            "dev/data/tokenize", "data"]
# the tools suite needs no GPU trainer: the scripts fall back to the CPU one without a GPU
MAKE_TOOLS = ["make", "train_mamba", "dev/data/prepare_bytes", "dev/data/tokenize", "data"]
SUITES = {
    "gpu": [("test_mamba_cu", NVCC + ["-o", "{exe}", "test/test_mamba.cu", "-lcublas", "-lcjson", "-lnccl"], None, True),
            ("test_mamba_cu_fp32", NVCC + ["-DENABLE_FP32", "-o", "{exe}", "test/test_mamba.cu", "-lcublas", "-lcjson", "-lnccl"], None, True)],
    "cpu": [("test_mamba", GCC + ["-o", "{exe}", "test/test_mamba.c", "-lm", "-lcjson"], None, False),
            ("test_gradcheck", GCC + ["-DREAL_IS_DOUBLE", "-o", "{exe}", "test/test_gradcheck.c", "-lm", "-lcjson"], None, False)],
    "cli": [("test_cli", MAKE_CLI, ["env", "BIN=" + CLI_BIN, "bash", "test/test_cli.sh"], False),
            ("test_durability", ["true"], ["env", "BIN=" + CLI_BIN, "bash", "test/test_durability.sh"], False)],
    "io": [("test_io", GCC + ["-o", "{exe}", "test/test_io.c", "-lm", "-lcjson"], None, False)],
    # the C unit suites of the readers and writers (Hugging Face import/export, BPE, shards, config strings)
    "units": [("test_hf", GCC + ["-o", "{exe}", "test/test_hf.c", "-lm", "-lcjson"], None, False),
              ("test_bpe", GCC + ["-o", "{exe}", "test/test_bpe.c", "-lm", "-lcjson"], None, False),
              ("test_dataloader", GCC + ["-o", "{exe}", "test/test_dataloader.c", "-lm", "-lcjson"], None, False),
              ("test_io", GCC + ["-o", "{exe}", "test/test_io.c", "-lm", "-lcjson"], None, False)],
    # the shared-memory collectives of the several-process GPU tests on one GPU (test/shm_coll.h), then the NCCL
    # stand-in over them (test/shm_nccl.c, on the stub CUDA runtime): both plain C on the CPU, seconds
    "shm": [("test_shm_coll", GCC + ["-o", "{exe}", "test/test_shm_coll.c", "-lpthread", "-lrt"], None, False),
            ("test_shm_nccl", GCC + ["-Itest/stub_cuda", "-Illmc/cuda/nccl_subset", "-o", "{exe}", "test/test_shm_nccl.c", "-lpthread", "-lrt"],
             None, False)],
    # the libFuzzer harnesses (clang) run once over test/fuzz/regressions/ and their seed corpora, no fuzzing
    "fuzz": [("fuzz_regress", ["make", "fuzz-bins"], ["make", "-s", "--no-print-directory", "fuzz-regress"], False)],
    "tools": [("test_tokenize", MAKE_TOOLS, ["bash", "test/test_tokenize.sh"], False),
              ("test_scripts", ["true"], ["bash", "test/test_scripts.sh"], False)],
}
SUITE = os.environ.get("SUITE", "gpu")
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


def build(tree, step):
    """the path of the suite's program number `step`, or None when it does not build (the compiler's
    output in <exe>.build.log); "deadline" past the deadline"""
    if time.time() - START > DEADLINE:
        return "deadline"
    name, cmd, _, _ = SUITES[SUITE][step]
    exe = os.path.join(tree, name)
    r = subprocess.run([exe if a == "{exe}" else a for a in cmd], cwd=tree, capture_output=True, text=True, errors="replace")
    with open(exe + ".build.log", "w") as fh:
        fh.write(r.stdout + r.stderr)
    return exe if r.returncode == 0 else None


def run(tree, exe, cmd, fixtures, env):
    """'pass', or 'killed: <first FAIL lines or why>'"""
    if time.time() - START > DEADLINE:
        return "not run (deadline)"
    # a session of its own, so a timeout stops the suite script's children too (the trainer it runs)
    p = subprocess.Popen(cmd or [exe] + fixtures, cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         encoding="utf-8", errors="replace", env=env, start_new_session=True)  # (sampled bytes need not be UTF-8)
    try:
        stdout, stderr = p.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        stdout, stderr = p.communicate()
        with open(exe + ".log", "w") as fh:  # what it printed before: where it was
            fh.write(stdout + stderr)
        done = len(re.findall(r"^(?:PASS|FAIL) ", stdout, re.M))
        return f"killed: timed out after {RUN_TIMEOUT:.0f} s ({done} checks done)"
    try:  # a suite that stopped early (FAIL_FAST) may leave a trainer it started in the background
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    r = subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr)
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
        die("usage: run_mutants.py OUT_DIR MUTANTS.json [MUTANTS.json ...]")
    out = sys.argv[1]
    mutants, stale = load_mutants(sys.argv[2:])
    only = [i for i in os.environ.get("ONLY", "").split(",") if i]
    if only:
        unknown = set(only) - {m["id"] for m in mutants} - stale
        if unknown:
            die(f"ONLY names mutants that are not in the lists: {', '.join(sorted(unknown))}")
        mutants = [m for m in mutants if m["id"] in only]
    if SUITE not in SUITES:
        die(f"SUITE is {SUITE}: gpu, cpu, cli, io, units, shm, fuzz or tools")
    chain = SUITES[SUITE]
    names = [name for name, _, _, _ in chain]
    os.makedirs(out, exist_ok=True)
    work = os.environ.get("WORK", f"/tmp/mutants_{SUITE}")
    os.makedirs(work, exist_ok=True)
    fixtures = []
    if any(on_fixtures for _, _, _, on_fixtures in chain):
        fx = os.path.join(work, "fixtures")
        os.makedirs(fx, exist_ok=True)
        r = subprocess.run(["bash", "test/gpu_fixtures.sh", fx], cwd=ROOT, capture_output=True, text=True)
        if r.returncode != 0:
            die(f"test/gpu_fixtures.sh failed: {r.stderr.strip()[-200:]}")
        fixtures = [p if os.path.isabs(p) else os.path.join(ROOT, p) for p in r.stdout.split()]
    jobs = int(os.environ.get("JOBS", os.cpu_count() or 4))
    run_jobs = int(os.environ.get("RUN_JOBS", os.environ.get("GPU_JOBS", "4" if SUITE == "gpu" else "1")))  # (GPU_JOBS: its first name)
    entries = [None] + mutants
    trees = {(m["id"] if m else "clean"): make_tree(work, m) for m in entries}
    port = int(os.environ.get("CLI_TEST_PORT", "29613"))
    envs = {key: dict(os.environ, CLI_TEST_PORT=str(port + i)) for i, key in enumerate(trees)}
    # the shell suites of a mutant stop at its first failure (test/check.sh), unless FAIL_FAST=0; the
    # unmutated tree always runs them whole
    fail_fast = os.environ.get("FAIL_FAST", "1") if SUITE in ("cli", "tools") else "0"
    for key in envs:
        envs[key]["FAIL_FAST"] = "0" if key == "clean" else fail_fast
        # test_scripts.sh's runs of this harness cost minutes per mutant and test only the harness, which
        # the tools suite's mutants leave alone; the unmutated tree runs them (unless the caller skips them)
        if SUITE == "tools" and key != "clean":
            envs[key]["SCRIPTS_SKIP_HARNESS_SELFTEST"] = "1"
        # the mutant this copy carries: its own text is gone from the copy, which test_scripts.sh's
        # mutation_lists_apply must not count as a stale mutant (it killed every mutant that reached it)
        envs[key]["MUTANT_APPLIED"] = "" if key == "clean" else key
    # builds: the clean tree's whole chain first, then every mutant's first program; a later program
    # only once the earlier ones passed. A run starts as soon as its build is done, overlapping the others.
    builder = cf.ThreadPoolExecutor(jobs)
    futs = {("clean", i): builder.submit(build, trees["clean"], i) for i in range(len(chain))}
    futs.update({(m["id"], 0): builder.submit(build, trees[m["id"]], 0) for m in mutants})

    def exe(key, step):
        if (key, step) not in futs:
            futs[(key, step)] = builder.submit(build, trees[key], step)
        return futs[(key, step)].result()

    results = {}

    def test(key):
        tree = trees[key]
        res = {name: None for name in names}
        for step, (name, _, cmd, on_fixtures) in enumerate(chain):
            if step > 0 and res[names[step - 1]] != "pass":
                break
            path = exe(key, step)
            res[name] = ("not run (deadline)" if path == "deadline" else "does not build" if path is None
                         else run(tree, path, cmd, fixtures if on_fixtures else [], envs[key]))
        return key, res

    show = lambda res: "; ".join(f"{n} {res[n]}" for n in names if res[n] is not None)

    def check_clean(res):
        """dies, with the unmutated tree's failures, unless it passed"""
        if all(res[n] == "pass" for n in names):
            return
        for name in names:
            log = os.path.join(trees["clean"], name + ".log")
            if os.path.exists(log):
                print("\n".join(line for line in open(log).read().splitlines() if line.startswith("FAIL") or "passed," in line))
            elif os.path.exists(log[:-4] + ".build.log"):  # (only the last lines: the compiler's error)
                print("\n".join(open(log[:-4] + ".build.log").read().splitlines()[-10:]))
        builder.shutdown(cancel_futures=True)
        die("the unmutated tree fails its tests: fix that first (no mutant's verdict counts)")

    # CLEAN_FIRST=0: the unmutated tree runs alongside the mutants instead of before them (saves its run
    # time on a device call); the verdicts still count only if it passes, checked once all have run
    clean_first = os.environ.get("CLEAN_FIRST", "1") != "0"
    if clean_first:
        key, res = test("clean")
        print(f"clean: {show(res)} ({time.time() - START:.0f} s)", flush=True)
        check_clean(res)
        results["clean"] = res
    with cf.ThreadPoolExecutor(run_jobs) as pool:  # a line per mutant as it ends (a killed run keeps them)
        keys = ([] if clean_first else ["clean"]) + [m["id"] for m in mutants]
        for fut in cf.as_completed([pool.submit(test, k) for k in keys]):
            key, res = fut.result()
            results[key] = res
            print(f"{'clean: ' if key == 'clean' else '  ' + key + ': '}{show(res)} ({time.time() - START:.0f} s)", flush=True)
    if not clean_first:
        check_clean(results["clean"])
    builder.shutdown()
    built = sum(isinstance(f.result(), str) and f.result() != "deadline" for f in futs.values())
    print(f"built {built} of {len(futs)} test programs", flush=True)
    killed = survived = other = 0
    for m in mutants:
        res = results[m["id"]]
        last = [n for n in names if res[n] is not None][-1]  # the program that decided
        verdict = res[last]
        state = "KILLED" if verdict.startswith("killed") else ("SURVIVED" if verdict == "pass" else "OTHER")
        killed += state == "KILLED"
        survived += state == "SURVIVED"
        other += state == "OTHER"
        print(f"{state:8} {m['id']}: {last} {verdict}" if state != "SURVIVED" else f"SURVIVED {m['id']}: {m.get('why', '')}")
        m.update(result=res, state=state)
    with open(os.path.join(out, "results.json"), "w") as fh:
        json.dump({"clean": results["clean"], "mutants": mutants}, fh, indent=1)
    print(f"{killed} killed, {survived} survived, {other} other (not built or not run), {time.time() - START:.0f} s")


if __name__ == "__main__":
    main()
