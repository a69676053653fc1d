#!/bin/bash
# session 18 run C (nvidia-h200): GPU make test after the HF export changes (end-of-text ids, llmc_vocab_size,
# config.json last, no export after a signal), then transformers loads our exports: the CPU and the GPU
# trainer's -hf of the transformers fixture, against the fixture's logits (dev/ref/make_hf_fixture.py)
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
timeout 480 make -j16 test > $OUT/test.log 2>&1; echo "make test rc $? in $(( $(date +%s) - start )) s"
grep -E "^FAIL|^SKIP" $OUT/test.log | head -20; grep -E "^=== |passed, " $OUT/test.log | tail -30
python3 -c "import transformers, torch; print('transformers', transformers.__version__, 'torch', torch.__version__)"
for bin in train_mamba train_mamba_cu; do
    rm -rf /tmp/exp_$bin
    ./$bin -e test/fixtures/hf_tiny_fp32 -b 4 -t 32 -x 0 -m 1 -hf /tmp/exp_$bin > /tmp/exp_$bin.log 2>&1 || tail -2 /tmp/exp_$bin.log
    grep -E "token_id|vocab_size|torch_dtype" /tmp/exp_$bin/config.json | tr -d '\n'; echo
    timeout 120 python3 dev/ref/make_hf_fixture.py --check-export /tmp/exp_$bin test/fixtures/hf_tiny_logits.bin 2>&1 | tail -3
    echo "check-export $bin rc ${PIPESTATUS[0]}"
done
