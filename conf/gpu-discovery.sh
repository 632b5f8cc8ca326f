#!/usr/bin/env bash
# Spark GPU discovery script (spark.executor.resource.gpu.discoveryScript): prints the GPUs of this
# host as {"name": "gpu", "addresses": ["0", "1", ...]} using nvidia-smi. No GPU: an empty list.
set -euo pipefail
if command -v nvidia-smi >/dev/null 2>&1; then
  ids=$(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null | tr -d ' ' | awk 'NF' | sed 's/.*/"&"/' | paste -sd, -)
else
  ids=""
fi
printf '{"name": "gpu", "addresses": [%s]}\n' "$ids"
