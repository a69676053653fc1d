# Sourced by the device-run scripts (dev/device_runs/sNN_*.sh): names the GPU, unpacks the carried libcjson
# (.debs, see doc/perf.md's method) and sets the build environment; $NV holds make's NVCC_FLAGS for sm_90, and
# $start the time the script began.
nvidia-smi -L
for f in .debs/*.deb; do dpkg -x "$f" /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
start=$(date +%s)
NV='NVCC_FLAGS=-O3 --threads 0 -gencode arch=compute_90,code=sm_90'
