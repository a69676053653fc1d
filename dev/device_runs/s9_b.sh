#!/bin/bash
# session 9 run B: CUDA graphs for the training step: make test, then step times with -cg 1 / -cg 0
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
make -j4 train_mamba_cu test_mamba_cu test_mamba_cu_fp32 > /tmp/build.log 2>&1; echo "build rc $?"

./test_mamba_cu test/fixtures/mamba_tiny.bin 2>&1 | grep -E "graph|FAIL|passed" | head -20
python3 dev/data/random_shard.py /tmp/v256.bin 256 4000000 2 >/dev/null
python3 dev/data/random_shard.py /tmp/v50280.bin 50280 4000000 1 >/dev/null
run() { local n="$1"; shift; ./train_mamba_cu -v 0 -g 0 -sh 0 "$@" > /tmp/r.log 2>&1; echo "$n: $(grep '^average' /tmp/r.log) $(grep -c '^step' /tmp/r.log) steps $(grep -i error /tmp/r.log | head -2)"; }
for cg in 1 0 1 0; do
run "cg$cg tiny d128:l4 B16 T128" -cg $cg -e d128:l4:v256 -i /tmp/v256.bin -j /tmp/v256.bin -b 16 -t 128 -x 300
run "cg$cg induction d64:l2:v16 B8 T256" -cg $cg -e d64:l2:v16 -i synth:induction -j synth:induction -b 8 -t 256 -x 300
run "cg$cg copy d64:l2:v16 B64 T1040" -cg $cg -e d64:l2:v16 -i synth:copy -j synth:copy -b 64 -t 1040 -x 50
run "cg$cg byte d384:l8 B32 T1024 -r0" -cg $cg -e d384:l8:v256 -i /tmp/v256.bin -j /tmp/v256.bin -b 32 -t 1024 -x 30 -r 0
done
for cg in 1 0; do run "cg$cg 130m B8 T2048 -r0" -cg $cg -e mamba-130m -i /tmp/v50280.bin -j /tmp/v50280.bin -b 8 -t 2048 -x 20 -r 0; done
grep device /tmp/r.log
timeout 330 make test > /tmp/test.log 2>&1; echo "make test rc $?"
grep -E "^FAIL|SKIP|cuda_graphs" /tmp/test.log | head -20; tail -1 /tmp/test.log
cp /tmp/test.log /tmp/build.log $OUT/
