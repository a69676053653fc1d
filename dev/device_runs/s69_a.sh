#!/bin/bash
# Written 2026-12-06 (sixty-ninth stop), nvidia-h100-x1 or nvidia-h200: the GPU suites on the tree of the call, which
# holds the sixty-eighth stop's last host changes (-ms's note and rank-0 error, -es synth:<task>, -x 0's notes), compiled
# but not run on a GPU then (s68_c.sh, s68_d.sh were not run), and this stop's first fixes (-ms at the last step)
set -u
bash dev/device_runs/gpu_suites.sh s69_a
