#!/bin/bash
# session 18 run A (nvidia-h200-x2): build, the multi-GPU suite (new: 2->1 GPU resume at the same data
# position, tokenizer on rank 0 for generation and training, a rank-0-only start-up error ending both),
# then 1 vs 2 GPU speed at the 130m shape
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
s=$(date +%s)
( time make -j32 train_mamba_cu test_mamba_cu test_mamba_cu_fp32 train_mamba make_cpu_fixture test_mamba test_gradcheck test_dataloader test_hf test_bpe dev/data/prepare_bytes dev/data/tokenize data ) > $OUT/build.log 2>&1 || { tail -5 $OUT/build.log; exit 1; }
echo "build $(( $(date +%s) - s )) s"
s=$(date +%s)
timeout 300 bash test/test_multi_gpu.sh > $OUT/multi.log 2>&1; echo "multi-GPU suite rc $? in $(( $(date +%s) - s )) s"
cat $OUT/multi.log | grep -v "^step\|^s:" | tail -25
python3 dev/data/random_shard.py /tmp/r50k.bin 50280 4000000 1 > /dev/null
run() { local n="$1"; shift; timeout 100 "$@" > /tmp/r.log 2>&1; echo "$n: $(grep '^average' /tmp/r.log | sort -u) $(grep -i error /tmp/r.log | head -2)"; }
A=(-e mamba-130m -i /tmp/r50k.bin -j /tmp/r50k.bin -b 8 -t 2048 -v 0 -g 0 -sh 0 -r 0 -x 30)
run "130m -r0 1 GPU" ./train_mamba_cu "${A[@]}"
run "130m -r0 2 GPUs -z 0" bash scripts/multi_gpu.sh -n 2 "${A[@]}"
run "130m -r0 2 GPUs -z 1" bash scripts/multi_gpu.sh -n 2 "${A[@]}" -z 1
