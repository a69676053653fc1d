set -x
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm,power.limit --format=csv
cd dev/cuda
nvcc -O3 -gencode arch=compute_90a,code=sm_90a -Xptxas -v -o /tmp/ssf selective_scan_forward.cu > $OUT/build.log 2>&1; echo build $?
grep -A2 scan_fwd_ws $OUT/build.log | grep -E "Used|spill"
/tmp/ssf 0 7 10 11 12 13 14 15 16 2>&1 | tee $OUT/fwd.log
