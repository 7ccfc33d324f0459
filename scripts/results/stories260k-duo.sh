#!/usr/bin/env bash
# stories260K AWQ W4/W3 g32: the paper's scale candidates (default) vs AutoAWQ's duo_scaling (--duo-scaling), with the
# protocol of stories260k.sh (calib.txt 64 x 512 tokens, awqsharp layout; eval.txt and WikiText-2, windows of 512).
# Prints markdown rows and keeps the JSON. Usage: scripts/results/stories260k-duo.sh [OUT_DIR]   (from the repository root)
set -euo pipefail
out=${1:-/tmp/awq-results-duo}
mkdir -p "$out"
source scripts/results/common.sh
table_header
for bits in 4 3; do
  for duo in "" "--duo-scaling"; do
    quantize_row "AWQ${duo:+ duo-scaling}" "$out/s260-awq-w$bits-g32${duo:+-duo}" $bits 32 --method awq $duo
  done
done
