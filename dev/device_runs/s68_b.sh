#!/bin/bash
# Written 2026-12-06 (sixty-eighth stop), nvidia-h100-x1 or nvidia-h200: the GPU trainer's mutant that the sixty-seventh
# stop left unrun, cli_generation_past_closed_pipe (train_mamba.cu's -x 0 generation going on after stdout's reader has
# left), on a copy of the tree: build train_mamba_cu with the mutant (sm_90) and run the check that names it,
# generation_stops_at_closed_pipe_gb1/_gb3, taken from test/test_cli.sh (each ends by its timeout 60 when the mutant lives).
set -u
. dev/device_runs/setup.sh
m=/tmp/mut_closed_pipe; rm -rf "$m"; mkdir -p "$m"
git ls-files | tar -cf - -T - | tar -xf - -C "$m"
python3 - "$m" <<'PY'
import json, sys
for e in json.load(open("dev/mutation/cli_mutants.json")):
    if e["id"] == "cli_generation_past_closed_pipe":
        f = sys.argv[1] + "/" + e["file"]; s = open(f).read()
        assert s.count(e["old"]) == 1
        open(f, "w").write(s.replace(e["old"], e["new"])); print("applied", e["id"], "expect:", e["expect"])
PY
(cd "$m" && make -j16 "$NV" train_mamba_cu > "$OUT/s68_b_build.log" 2>&1); echo "mutant build rc $? at $(( $(date +%s) - start )) s"
{
    echo 'BIN=./train_mamba_cu; TMP=$(mktemp -d); source test/check.sh'
    sed -n '/^# ... and -x 0.s generation stops once that reader has left/,/^done$/p' test/test_cli.sh
    echo finish_checks
} > "$m/check_closed_pipe.sh"
(cd "$m" && bash check_closed_pipe.sh 2>&1 | tee "$OUT/s68_b.log" | grep -E '^(PASS|FAIL)|passed, ')
echo "done at $(( $(date +%s) - start )) s"
