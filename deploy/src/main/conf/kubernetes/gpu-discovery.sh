#!/usr/bin/env bash
# Spark's GPU discovery script for spark-resnet's GPU executors (spark.executor.resource.gpu.discoveryScript in
# conf/kubernetes/spark-defaults-gpu.conf). Prints the GPUs this container may use, as Spark's ResourceInformation
# JSON: {"name": "gpu", "addresses": ["0","1"]}. In a pod the NVIDIA device plugin shows only the GPUs the pod was
# given, numbered from 0 as CUDA numbers them.
set -euo pipefail
if command -v nvidia-smi > /dev/null 2>&1; then
  indices="$(nvidia-smi --query-gpu=index --format=csv,noheader)"
else
  # no nvidia-smi in the container (NVIDIA_DRIVER_CAPABILITIES without "utility"): one address per GPU device file
  count="$(find /dev -maxdepth 1 -regextype posix-extended -regex '/dev/nvidia[0-9]+' 2> /dev/null | wc -l)"
  indices="$(seq 0 $((count - 1)))"
fi
addresses=""
for index in $indices; do
  addresses="${addresses:+$addresses,}\"$index\""
done
echo "{\"name\": \"gpu\", \"addresses\": [$addresses]}"
