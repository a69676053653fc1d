# mamba.c: `make train` trains the default model on tinyshakespeare (GPU if present, else CPU);
# `make test` runs the whole test suite. Everything else is built on demand.
# gcc unless CC is given (make's own default, cc, would make `CC ?=` a no-op)
ifeq ($(origin CC),default)
  CC = gcc
endif
# CFLAGS given to make (make CFLAGS="-O2 -g") replace -O3 -march=native alone: the lines below add to them (override:
# make's command line overrode the += lines too, and the trainer was built without OpenMP, single-threaded, silently)
CFLAGS ?= -O3 -march=native
override CFLAGS += -Wall -Wextra -std=gnu11
LDLIBS = -lm -lcjson
# nvcc from PATH, else from the CUDA Toolkit's own directory (its installers do not put it on PATH)
CUDA_HOME ?= /usr/local/cuda
NVCC ?= $(or $(shell command -v nvcc 2>/dev/null),$(wildcard $(CUDA_HOME)/bin/nvcc),nvcc)
# --threads 0: the architectures compile in parallel (the trainer: ~26 s instead of ~44 s). sm_80 code runs on every
# 8.x GPU (A100, A10, L4, L40S, RTX 30xx / 40xx), sm_90 on the H100 / H200; a local GPU of a later architecture
# (Blackwell: 10.0, 12.0) gets code of its own where nvcc knows it (GPU_ARCH, below), and the compute_90 PTX every
# build carries is what the driver compiles for any other
NVCC_FLAGS ?= -O3 --threads 0 -gencode arch=compute_90,code=[sm_90,compute_90] -gencode arch=compute_80,code=sm_80 $(GPU_ARCH)
# a word for the shell, in '...' (a path with spaces, glob characters or quotes stays one word)
shell_quote = '$(subst ','\'',$(1))'
# python3 where found, quoted (its path may hold a space); a PYTHON given to make is a command as typed, which may
# carry arguments (PYTHON="python3 -X utf8", "uv run python")
PYTHON_FOUND := $(shell command -v python3 2>/dev/null)
PYTHON := $(if $(PYTHON_FOUND),$(call shell_quote,$(PYTHON_FOUND)))

# OpenMP when the compiler has it (gcc does); plain single-threaded C otherwise
OMP_OK := $(shell echo 'int main(void){return 0;}' | $(CC) -fopenmp -x c - -o /dev/null 2>/dev/null && echo yes)
ifeq ($(OMP_OK),yes)
  override CFLAGS += -fopenmp -DOMP
endif

CUDA_HEADERS = $(wildcard llmc/cuda/*.cuh llmc/cuda/*.h) llmc/cuda/nccl_subset/nccl.h
# NCCL (several GPUs) where nvcc finds nccl.h; NCCL=0 (the default without it) builds the GPU programs for one
# process, over llmc/cuda/nccl_subset/ instead of NCCL's header (llmc/cuda/multi_gpu.cuh)
NCCL ?= $(shell printf '\043include <nccl.h>\n' | $(NVCC) -E -x cu - >/dev/null 2>&1 && echo 1 || echo 0)
NO_NCCL_FLAGS = -DNO_NCCL -Illmc/cuda/nccl_subset
NVCC_NCCL = $(if $(filter 1,$(NCCL)),-lnccl,$(NO_NCCL_FLAGS))
NVCC_LDLIBS = -lcublas -lcjson
# a GPU is used when a driver that sees one, of compute capability 8.0 or newer (bf16, cp.async; GPU_CC is e.g. 90
# for 9.0, empty where the driver does not say), and nvcc are present
SEES_GPU := $(shell nvidia-smi -L >/dev/null 2>&1 && echo yes)
GPU_CAP := $(if $(SEES_GPU),$(shell nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -n 1 | tr -d ' '))
GPU_CC := $(subst .,,$(GPU_CAP))
GPU_TOO_OLD := $(shell [ "$(GPU_CC)" -lt 80 ] 2>/dev/null && echo yes)
GPU_ARCH = $(shell [ "$(GPU_CC)" -ge 100 ] 2>/dev/null && $(NVCC) --list-gpu-code 2>/dev/null | grep -qx "sm_$(GPU_CC)" && \
             echo "-gencode arch=compute_$(GPU_CC),code=sm_$(GPU_CC)")
HAS_GPU := $(if $(SEES_GPU),$(if $(GPU_TOO_OLD),,$(shell command -v $(NVCC) >/dev/null 2>&1 && echo yes)))
NUM_GPUS := $(shell nvidia-smi -L 2>/dev/null | grep -c '^GPU')
TEST_HEADERS = test/test_util.h test/fixture.h test/mc_file.h test/zip_file.h # the tests' own helpers
HEADERS = llmc/bpe.h llmc/unicode_classes.h llmc/unicode_nfc.h llmc/safetensors.h llmc/torch_zip.h llmc/hf_io.h llmc/utils.h llmc/rand.h llmc/model_config.h llmc/schedulers.h llmc/logger.h dataloader.h tokenizer.h llmc/train_common.h llmc/mc_eval.h
TS_DIR = dev/data/tinyshakespeare
TS_DATA = $(TS_DIR)/tiny_shakespeare_train.bin $(TS_DIR)/tiny_shakespeare_val.bin

# the default run: arguments for `make train` (override: make train TRAIN_ARGS="...").
# Samples take the 40 likeliest bytes (-gk 40): this small model still gives ~0.1% of its mass to
# bytes that never occur in the text, and whole-vocabulary sampling (-gk 0) prints one of those
# now and then (with the default seed the 49th draw is 0.99905, in that tail), which can derail
# the rest of the sample.
# The default run starts afresh each time (the trainer's files in its directory are removed first, and
# nothing is removed from a directory that holds anything else: scripts/clear_run_dir.sh; a fresh run into a
# directory holding a checkpoint is refused, doc: README "Checkpoints and resuming"); with your own TRAIN_ARGS and
# -o, add -y 1 to continue a run. `make train RESUME=1` continues the default run instead (after a Ctrl-C:
# the trainer checkpoints the step it stops at).
TRAIN_DIR = out/tinyshakespeare
# (shell_quote, above: a TRAIN_DIR with spaces, glob characters or quotes stays one path)
TRAIN_ARGS ?= -o $(call shell_quote,$(TRAIN_DIR)) -x 700 -v 100 -m -1 -s 0 -g 400 -gk 40
RESUME ?= 0

.PHONY: all train train_bin test data clean deps bench
all: train_mamba

# why the CPU trainer trains where a GPU is present (empty elsewhere): `make train`'s note, and the run scripts'
comma = ,
NO_NVCC_NOTE = a GPU is present but nvcc was not found (not on PATH$(comma) nor in $(CUDA_HOME)/bin): training on the CPU; install the CUDA Toolkit$(comma) or give make NVCC=/path/to/nvcc
CPU_NOTE = $(if $(GPU_TOO_OLD),the GPU has compute capability $(GPU_CAP); train_mamba_cu needs 8.0 or newer: training on the CPU,$(if $(SEES_GPU),$(if $(HAS_GPU),,$(NO_NVCC_NOTE))))

ifeq ($(HAS_GPU),yes)
TRAIN_BIN = train_mamba_cu
GPU_TEST_BINS = train_mamba_cu train_mamba_cu_nonccl test_mamba_cu test_mamba_cu_fp32 make_cpu_fixture $(if $(filter 0 1,$(NUM_GPUS)),train_mamba_cu_shm)
else
TRAIN_BIN = train_mamba
GPU_TEST_BINS =
endif

train_mamba: train_mamba.c $(HEADERS) | deps
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

test_mamba: test/test_mamba.c train_mamba.c $(HEADERS) $(TEST_HEADERS) | deps
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

# the layers in double precision for finite differences
test_gradcheck: test/test_gradcheck.c train_mamba.c $(HEADERS) $(TEST_HEADERS) | deps
	$(CC) $(CFLAGS) -DREAL_IS_DOUBLE -o $@ $< $(LDLIBS)

test_dataloader: test/test_dataloader.c $(HEADERS) $(TEST_HEADERS) | deps
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

test_bpe: test/test_bpe.c llmc/bpe.h llmc/unicode_classes.h llmc/unicode_nfc.h llmc/safetensors.h llmc/utils.h $(TEST_HEADERS) | deps
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

test_hf: test/test_hf.c llmc/safetensors.h llmc/hf_io.h $(HEADERS) $(TEST_HEADERS) | deps
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

test_io: test/test_io.c $(HEADERS) $(TEST_HEADERS) | deps
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

# system packages: cJSON (config.json, safetensors headers). Installed with apt-get when
# missing and we are root; otherwise the exact command to run is printed. Either way a failure is one error line on
# stderr (it went to stdout, and a failed install ended with apt-get's own message alone)
deps:
	@if ! echo '#include <cjson/cJSON.h>' | $(CC) -E -x c - >/dev/null 2>&1; then \
	    if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	        echo "installing libcjson-dev"; (apt-get update -qq || true) && apt-get install -y -qq libcjson-dev || \
	            { echo "error: cJSON is missing and apt-get could not install libcjson-dev (its message is above): install it," \
	                   "then run make again" >&2; exit 1; }; \
	    else \
	        echo "error: cJSON is missing: install its development package (Debian, Ubuntu: sudo apt-get install libcjson-dev;" \
	             "Fedora: sudo dnf install cjson-devel; Arch: sudo pacman -S cjson)" >&2; exit 1; \
	    fi; \
	fi

make_cpu_fixture: test/make_cpu_fixture.c test/fixture.h train_mamba.c $(HEADERS) | deps
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

train_mamba_cu: train_mamba.cu $(HEADERS) $(CUDA_HEADERS) | deps
	@$(if $(filter 1,$(NCCL)),,echo "note: building train_mamba_cu without NCCL (NCCL=0: nccl.h was not found, or NCCL=0 was given), for one GPU and one process; install NCCL (libnccl-dev) and run make again to train on several GPUs")
	$(NVCC) $(NVCC_FLAGS) -o $@ $< $(NVCC_LDLIBS) $(NVCC_NCCL)

# the GPU trainer as it is built where NCCL is missing (test/test_no_nccl.sh checks it where NCCL is not)
train_mamba_cu_nonccl: train_mamba.cu $(HEADERS) $(CUDA_HEADERS) | deps
	$(NVCC) $(NVCC_FLAGS) $(NO_NCCL_FLAGS) -o $@ $< $(NVCC_LDLIBS)

test_mamba_cu: test/test_mamba.cu test/fixture.h train_mamba.cu $(HEADERS) $(CUDA_HEADERS) $(TEST_HEADERS) | deps
	$(NVCC) $(NVCC_FLAGS) -o $@ $< $(NVCC_LDLIBS) $(NVCC_NCCL)

# the GPU trainer with test/shm_nccl.c (NCCL's calls over shared memory) in place of libnccl: several ranks on
# one GPU, so the several-process tests (test/test_multi_gpu.sh) run where fewer than two GPUs are
train_mamba_cu_shm: train_mamba.cu test/shm_nccl.c test/shm_coll.h $(HEADERS) $(CUDA_HEADERS) | deps
	$(NVCC) $(NVCC_FLAGS) -Illmc/cuda/nccl_subset -o $@ $< test/shm_nccl.c $(NVCC_LDLIBS) -lpthread -lrt

test_shm_coll: test/test_shm_coll.c test/shm_coll.h $(TEST_HEADERS)
	$(CC) $(CFLAGS) -o $@ $< -lpthread -lrt

# test/shm_nccl.c on the CPU, over the stub CUDA runtime of test/stub_cuda/ (no GPU, no NCCL needed)
SHM_NCCL_TEST_DEPS = test/test_shm_nccl.c test/shm_nccl.c test/shm_coll.h test/stub_cuda/cuda_runtime.h llmc/cuda/nccl_subset/nccl.h $(TEST_HEADERS)
test_shm_nccl: $(SHM_NCCL_TEST_DEPS)
	$(CC) $(CFLAGS) -Itest/stub_cuda -Illmc/cuda/nccl_subset -o $@ $< -lpthread -lrt

# everything fp32 (no bf16, no TF32): the tight-tolerance correctness build
test_mamba_cu_fp32: test/test_mamba.cu test/fixture.h train_mamba.cu $(HEADERS) $(CUDA_HEADERS) $(TEST_HEADERS) | deps
	$(NVCC) $(NVCC_FLAGS) -DENABLE_FP32 -o $@ $< $(NVCC_LDLIBS) $(NVCC_NCCL)

dev/data/prepare_bytes: dev/data/prepare_bytes.c $(HEADERS) | deps
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

# text files -> token shards with a tokenizer.json (dev/data/tokenize.c)
dev/data/tokenize: dev/data/tokenize.c $(HEADERS) | deps
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

data: $(TS_DATA)
$(TS_DATA) &: dev/data/tinyshakespeare.txt dev/data/prepare_bytes
ifneq ($(PYTHON),)
	$(PYTHON) dev/data/tinyshakespeare.py
else
	mkdir -p $(TS_DIR)
	./dev/data/prepare_bytes $< $(TS_DATA)
endif

# training speed on the official implementation's benchmark workloads (doc/perf.md) and the scan alone (needs a GPU)
bench:
	bash scripts/bench.sh

# a stop (Ctrl-C) says how to continue the run here: make's command, not the trainer's own `-y 1`
train: export MAMBA_RESUME_HINT = make train RESUME=1$(if $(filter command line,$(origin TRAIN_DIR)), TRAIN_DIR=$(call shell_quote,$(TRAIN_DIR)))$(if $(filter command line,$(origin TRAIN_ARGS)), with the same TRAIN_ARGS)
train: $(TRAIN_BIN) $(TS_DATA)
	@case "$(RESUME)" in 0|1) ;; *) echo "error: RESUME=$(RESUME): 0 (start afresh) or 1 (continue the run)" >&2; exit 2 ;; esac
	@$(if $(filter file,$(origin TRAIN_ARGS)),$(if $(TRAIN_DIR),,echo "error: TRAIN_DIR is empty: give the run's directory, or leave TRAIN_DIR out (out/tinyshakespeare)" >&2; exit 2))
	@$(if $(and $(filter command line,$(origin TRAIN_DIR)),$(filter command line,$(origin TRAIN_ARGS)),$(if $(filter -o,$(TRAIN_ARGS)),,x)),echo "note: TRAIN_DIR is used by the default TRAIN_ARGS only: yours have no -o and save nothing: add -o <dir> to them")
	@$(if $(CPU_NOTE),echo "note: $(CPU_NOTE)")
	@if [ "$(origin TRAIN_ARGS)" = file ] && [ "$(RESUME)" = 0 ]; then bash scripts/clear_run_dir.sh $(call shell_quote,$(TRAIN_DIR)); fi
	./$(TRAIN_BIN) $(TRAIN_ARGS)$(if $(filter 1,$(RESUME)), -y 1)

# the name of the trainer `make train` runs here, with the note saying why it is the CPU one where a GPU is present (on
# stderr): the run scripts train with the same one (scripts/script_lib.sh, pick_trainer)
train_bin:
	@$(if $(CPU_NOTE),echo "note: $(CPU_NOTE)" >&2)
	@echo $(TRAIN_BIN)

test: train_mamba test_mamba test_gradcheck test_dataloader test_io test_hf test_bpe test_shm_coll test_shm_nccl dev/data/prepare_bytes dev/data/tokenize $(TS_DATA) $(GPU_TEST_BINS)
	bash test/run_tests.sh

clean:
	rm -f train_mamba test_mamba test_gradcheck test_dataloader test_io test_hf test_bpe test_shm_coll test_shm_nccl dev/data/prepare_bytes dev/data/tokenize train_mamba_cu train_mamba_cu_nonccl train_mamba_cu_shm test_mamba_cu test_mamba_cu_fp32 make_cpu_fixture

# ----------------------------------------------------------------------------
# Fuzzing (test/fuzz/): libFuzzer harnesses for the loaders, under ASan + UBSan, built with clang.
# `make fuzz` runs each harness for FUZZ_SECONDS (two at a time with `make -j2 fuzz`); new corpus
# entries go to test/fuzz/work/<harness>/, crashes to test/fuzz/crashes/<harness>/ (both ignored
# by git). `make fuzz-regress` runs each harness once over test/fuzz/regressions/<harness>/ and its
# seed corpus, no fuzzing; a harness that fails gets one line "FAIL fuzz_<harness>: input <file> crashed",
# then the harness's own "fuzz: " line if any and the sanitizer's SUMMARY line (the whole report in its log). -detect_leaks=0: a loader rejecting its input leaves memory behind by
# design (fatalf); the harnesses check accepted inputs for leaks themselves (fuzz_common.h).
FUZZ_CC ?= clang
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Wall -Wextra -std=gnu11
FUZZ_SECONDS ?= 600
FUZZ_TMPDIR ?= $(if $(wildcard /dev/shm),/dev/shm,/tmp)
# the safetensors / config.json harnesses need llmc/safetensors.h, llmc/hf_io.h and cJSON
FUZZ_HAS_HF := $(and $(wildcard llmc/safetensors.h),$(wildcard llmc/hf_io.h),$(wildcard /usr/include/cjson/cJSON.h))
FUZZ_HARNESSES = dataloader tokenizer model state mc $(if $(FUZZ_HAS_HF),safetensors hf bpe torch)
FUZZ_BINS = $(FUZZ_HARNESSES:%=test/fuzz/bin/fuzz_%)
FUZZ_OPTS = -rss_limit_mb=2048 -timeout=10 -max_len=16384 -detect_leaks=0
# max_allocation_size_mb: an allocation past 2 GiB is a crash (ASan's allocation-size-too-big) on any machine. libFuzzer's
# -malloc_limit_mb does not stop one in these harnesses, and ASan's own limit is the machine's memory: the mc regression
# (16 GiB asked for) passed with its fix removed on a 23 GiB machine, the tokenizer one (32 GiB) would on a larger one
FUZZ_ENV = TMPDIR=$(FUZZ_TMPDIR) ASAN_OPTIONS=detect_leaks=0:max_allocation_size_mb=2048 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

.PHONY: fuzz fuzz-bins fuzz-regress fuzz-seeds test-asan clean-sanitize
# (fuzz-run-<harness> is not .PHONY: make skips pattern rules for phony targets; no such file exists)

test/fuzz/bin/fuzz_%: test/fuzz/fuzz_%.c test/fuzz/fuzz_common.h test/fuzz/fuzz_tensors.h test/zip_file.h $(HEADERS) $(wildcard llmc/safetensors.h llmc/hf_io.h) | deps
	@mkdir -p test/fuzz/bin
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(LDLIBS)

fuzz-bins: $(FUZZ_BINS)

# rewrites the seed corpora from the loaders' own writers
fuzz-seeds: test/fuzz/make_seeds.c test/zip_file.h $(HEADERS) | deps
	@mkdir -p test/fuzz/bin
	$(CC) -O1 -Wall -Wextra -std=gnu11 $(if $(FUZZ_HAS_HF),-DFUZZ_HF) -o test/fuzz/bin/make_seeds $< $(LDLIBS)
	./test/fuzz/bin/make_seeds test/fuzz/corpus

fuzz-run-%: test/fuzz/bin/fuzz_%
	@mkdir -p test/fuzz/work/$* test/fuzz/crashes/$*
	@rm -f test/fuzz/work/$*.log test/fuzz/work/$*.stats
	@echo "fuzz_$*: $(FUZZ_SECONDS) s (log: test/fuzz/work/$*.log)"
	@$(FUZZ_ENV) FUZZ_STATS_FILE=test/fuzz/work/$*.stats $< $(FUZZ_OPTS) -close_fd_mask=3 -print_final_stats=1 \
	    -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=test/fuzz/crashes/$*/ \
	    test/fuzz/work/$* test/fuzz/corpus/$* > test/fuzz/work/$*.log 2>&1; echo "exit $$?" >> test/fuzz/work/$*.log

# one line per harness: executions, time, corpus, crashes; fails if any harness crashed
fuzz: $(FUZZ_HARNESSES:%=fuzz-run-%)
	@fail=0; for h in $(FUZZ_HARNESSES); do \
	    log=test/fuzz/work/$$h.log; \
	    execs=$$(grep -h '^stat::number_of_executed_units' $$log | awk '{print $$2}'); \
	    secs=$$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' $$log); \
	    st=$$(grep -h '^exit ' $$log | awk '{print $$2}'); \
	    echo "fuzz_$$h: $${execs:-?} execs in $${secs:-?} s, corpus $$(ls test/fuzz/work/$$h | wc -l) new + $$(ls test/fuzz/corpus/$$h | wc -l) seeds, exit $$st; $$(cat test/fuzz/work/$$h.stats 2>/dev/null)"; \
	    if [ "$$st" != "0" ]; then fail=1; grep -h -m 3 -E 'ERROR|SUMMARY|fuzz: ' $$log; echo "  crash input: $$(ls -t test/fuzz/crashes/$$h | head -1)"; fi; \
	done; exit $$fail

fuzz-regress: $(FUZZ_BINS)
	@pass=0; failn=0; for h in $(FUZZ_HARNESSES); do \
	    files=$$(find test/fuzz/regressions/$$h test/fuzz/corpus/$$h -type f 2>/dev/null | sort); \
	    if $(FUZZ_ENV) test/fuzz/bin/fuzz_$$h $(FUZZ_OPTS) $$files > test/fuzz/bin/regress_$$h.log 2>&1; then \
	        echo "PASS fuzz_$$h ($$(echo $$files | wc -w) inputs)"; pass=$$((pass + 1)); \
	    else \
	        st=$$?; log=test/fuzz/bin/regress_$$h.log; last=$$(grep -E '^(Running: |Executed )' $$log | tail -1); \
	        case "$$last" in "Running: "*) what="input $${last#Running: } crashed";; *) what="exit $$st, no input running";; esac; \
	        echo "FAIL fuzz_$$h: $$what (log: $$log)"; \
	        grep -m 1 '^fuzz: ' $$log | sed 's/^/  /'; \
	        summary=$$(grep -m 1 '^SUMMARY: ' $$log); echo "  $${summary:-$$(tail -1 $$log)}"; failn=$$((failn + 1)); \
	    fi; \
	done; echo "$$pass passed, $$failn failed"; [ $$failn -eq 0 ]

# ----------------------------------------------------------------------------
# The CPU test suite and a 3-step training run under AddressSanitizer + UBSan (gcc, OpenMP kept)
ASAN_CFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1 \
              -Wall -Wextra -std=gnu11 $(if $(filter yes,$(OMP_OK)),-fopenmp -DOMP)
ASAN_BINS = test_mamba_asan test_gradcheck_asan test_dataloader_asan test_io_asan test_hf_asan test_bpe_asan train_mamba_asan \
            dev/data/tokenize_asan test_shm_coll_asan test_shm_nccl_asan

train_mamba_asan: train_mamba.c test/fuzz/asan_options.c $(HEADERS) | deps
	$(CC) $(ASAN_CFLAGS) -o $@ $< test/fuzz/asan_options.c $(LDLIBS)

dev/data/tokenize_asan: dev/data/tokenize.c test/fuzz/asan_options.c $(HEADERS) | deps
	$(CC) $(ASAN_CFLAGS) -o $@ $< test/fuzz/asan_options.c $(LDLIBS)

test_mamba_asan: test/test_mamba.c test/fuzz/asan_options.c train_mamba.c $(HEADERS) $(TEST_HEADERS) | deps
	$(CC) $(ASAN_CFLAGS) -o $@ $< test/fuzz/asan_options.c $(LDLIBS)

test_gradcheck_asan: test/test_gradcheck.c test/fuzz/asan_options.c train_mamba.c $(HEADERS) $(TEST_HEADERS) | deps
	$(CC) $(ASAN_CFLAGS) -DREAL_IS_DOUBLE -o $@ $< test/fuzz/asan_options.c $(LDLIBS)

test_dataloader_asan: test/test_dataloader.c test/fuzz/asan_options.c $(HEADERS) $(TEST_HEADERS) | deps
	$(CC) $(ASAN_CFLAGS) -o $@ $< test/fuzz/asan_options.c $(LDLIBS)

test_hf_asan: test/test_hf.c test/fuzz/asan_options.c $(HEADERS) $(TEST_HEADERS) | deps
	$(CC) $(ASAN_CFLAGS) -o $@ $< test/fuzz/asan_options.c $(LDLIBS)

test_io_asan: test/test_io.c test/fuzz/asan_options.c $(HEADERS) $(TEST_HEADERS) | deps
	$(CC) $(ASAN_CFLAGS) -o $@ $< test/fuzz/asan_options.c $(LDLIBS)

test_bpe_asan: test/test_bpe.c test/fuzz/asan_options.c $(HEADERS) $(TEST_HEADERS) | deps
	$(CC) $(ASAN_CFLAGS) -o $@ $< test/fuzz/asan_options.c $(LDLIBS)

test_shm_coll_asan: test/test_shm_coll.c test/fuzz/asan_options.c test/shm_coll.h $(TEST_HEADERS)
	$(CC) $(ASAN_CFLAGS) -o $@ $< test/fuzz/asan_options.c -lpthread -lrt

test_shm_nccl_asan: $(SHM_NCCL_TEST_DEPS) test/fuzz/asan_options.c
	$(CC) $(ASAN_CFLAGS) -Itest/stub_cuda -Illmc/cuda/nccl_subset -o $@ $< test/fuzz/asan_options.c -lpthread -lrt

test-asan: $(ASAN_BINS) $(TS_DATA) train_mamba dev/data/prepare_bytes dev/data/tokenize
	bash test/fuzz/run_asan_tests.sh

clean-sanitize:
	rm -rf test/fuzz/bin test/fuzz/work $(ASAN_BINS)
