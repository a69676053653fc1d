#!/bin/bash
# Written 2026-12-06 (sixty-ninth stop), nvidia-h100-x1 or nvidia-h200: the GPU suites at the sixty-eighth stop's last
# code (6b5d176), whose later host changes (-ms's note and rank-0 error, -es synth:<task>, -x 0's notes) were compiled
# but not run on a GPU (s68_c.sh, s68_d.sh were not run)
set -u
bash dev/device_runs/gpu_suites.sh s69_a
