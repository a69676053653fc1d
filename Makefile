# mamba.c: `make train` trains the default model on tinyshakespeare (GPU if present, else CPU);
# `make test` runs the whole test suite. Everything else is built on demand.
CC ?= gcc
CFLAGS ?= -O3 -march=native
CFLAGS += -Wall -Wextra -std=gnu11
LDLIBS = -lm
NVCC ?= nvcc
NVCC_FLAGS ?= -O3 -gencode arch=compute_90,code=sm_90 -gencode arch=compute_80,code=sm_80
PYTHON := $(shell command -v python3 2>/dev/null)

# OpenMP when the compiler has it (gcc does); plain single-threaded C otherwise
OMP_OK := $(shell echo 'int main(void){return 0;}' | $(CC) -fopenmp -x c - -o /dev/null 2>/dev/null && echo yes)
ifeq ($(OMP_OK),yes)
  CFLAGS += -fopenmp -DOMP
endif

CUDA_HEADERS = $(wildcard llmc/cuda/*.cuh llmc/cuda/*.h)
NVCC_LDLIBS = -lcublas
# a GPU is used when both a driver that sees one and nvcc are present
HAS_GPU := $(shell nvidia-smi -L >/dev/null 2>&1 && command -v $(NVCC) >/dev/null 2>&1 && echo yes)
HEADERS = llmc/utils.h llmc/rand.h llmc/model_config.h llmc/schedulers.h llmc/logger.h dataloader.h tokenizer.h llmc/train_common.h
TS_DIR = dev/data/tinyshakespeare
TS_DATA = $(TS_DIR)/tiny_shakespeare_train.bin $(TS_DIR)/tiny_shakespeare_val.bin

# the default run: arguments for `make train` (override: make train TRAIN_ARGS="...")
TRAIN_ARGS ?= -o out/tinyshakespeare -x 700 -v 100 -m -1 -s 0 -g 400

.PHONY: all train test data clean
all: train_mamba

ifeq ($(HAS_GPU),yes)
TRAIN_BIN = train_mamba_cu
GPU_TEST_BINS = train_mamba_cu test_mamba_cu test_mamba_cu_fp32 make_cpu_fixture
else
TRAIN_BIN = train_mamba
GPU_TEST_BINS =
endif

train_mamba: train_mamba.c $(HEADERS)
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

test_mamba: test/test_mamba.c train_mamba.c $(HEADERS)
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

# the layers in double precision for finite differences
test_gradcheck: test/test_gradcheck.c train_mamba.c $(HEADERS)
	$(CC) $(CFLAGS) -DREAL_IS_DOUBLE -o $@ $< $(LDLIBS)

test_dataloader: test/test_dataloader.c $(HEADERS)
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

make_cpu_fixture: test/make_cpu_fixture.c test/fixture.h train_mamba.c $(HEADERS)
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

train_mamba_cu: train_mamba.cu $(HEADERS) $(CUDA_HEADERS)
	$(NVCC) $(NVCC_FLAGS) -o $@ $< $(NVCC_LDLIBS)

test_mamba_cu: test/test_mamba.cu test/fixture.h train_mamba.cu $(HEADERS) $(CUDA_HEADERS)
	$(NVCC) $(NVCC_FLAGS) -o $@ $< $(NVCC_LDLIBS)

# everything fp32 (no bf16, no TF32): the tight-tolerance correctness build
test_mamba_cu_fp32: test/test_mamba.cu test/fixture.h train_mamba.cu $(HEADERS) $(CUDA_HEADERS)
	$(NVCC) $(NVCC_FLAGS) -DENABLE_FP32 -o $@ $< $(NVCC_LDLIBS)

dev/data/prepare_bytes: dev/data/prepare_bytes.c $(HEADERS)
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

data: $(TS_DATA)
$(TS_DATA) &: dev/data/tinyshakespeare.txt dev/data/prepare_bytes
ifneq ($(PYTHON),)
	$(PYTHON) dev/data/tinyshakespeare.py
else
	mkdir -p $(TS_DIR)
	./dev/data/prepare_bytes $< $(TS_DATA)
endif

train: $(TRAIN_BIN) $(TS_DATA)
	./$(TRAIN_BIN) $(TRAIN_ARGS)

test: train_mamba test_mamba test_gradcheck test_dataloader dev/data/prepare_bytes $(TS_DATA) $(GPU_TEST_BINS)
	bash test/run_tests.sh

clean:
	rm -f train_mamba test_mamba test_gradcheck test_dataloader dev/data/prepare_bytes train_mamba_cu test_mamba_cu test_mamba_cu_fp32 make_cpu_fixture
