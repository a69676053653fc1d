cd dev/cuda
nvcc -O3 -gencode arch=compute_90a,code=sm_90a -lineinfo -o /tmp/ssf selective_scan_forward.cu > /dev/null 2>&1; echo build $?
S="--section SpeedOfLight --section ComputeWorkloadAnalysis --section Occupancy --section WarpStateStats --section SchedulerStats --section InstructionStats --section MemoryWorkloadAnalysis_Tables"
ncu --clock-control none -k regex:selective_scan_forward --launch-skip 8 -c 1 $S --metrics sm__inst_executed_pipe_xu.avg.pct_of_peak_sustained_active,sm__cycles_elapsed.avg.per_second,smsp__inst_executed.sum /tmp/ssf 0 > $OUT/ncu_v0.txt 2>&1
ncu --clock-control none -k regex:scan_fwd_ws --launch-skip 8 -c 1 $S --metrics sm__inst_executed_pipe_xu.avg.pct_of_peak_sustained_active,sm__cycles_elapsed.avg.per_second,smsp__inst_executed.sum /tmp/ssf 13 > $OUT/ncu_v13.txt 2>&1
ncu --clock-control none -k regex:scan_fwd_ws --launch-skip 8 -c 1 --set full --import-source yes -o $OUT/v13 /tmp/ssf 13 > /dev/null 2>&1
ncu --import $OUT/v13.ncu-rep --page source --csv --print-source sass > $OUT/v13_sass.csv 2>&1
ls -la $OUT
