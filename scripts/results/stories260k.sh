#!/usr/bin/env bash
# Perplexity of stories260K: FP32 vs RTN vs AWQ at W4/W3, group 32 (ragged last group, awqsharp layout)
# and per-channel, calibrated on TinyStories calib.txt (64 x 512 tokens), evaluated on eval.txt
# (all windows of 512) and on WikiText-2 (windows of 512). Prints a markdown table and keeps the JSON.
# Usage: scripts/results/stories260k.sh [OUT_DIR]   (from the repository root)
set -euo pipefail
out=${1:-/tmp/awq-results}
mkdir -p "$out"
source scripts/results/common.sh
table_header
echo "| stories260K | 32 | - | FP32 | $(ppl "$fp" $eval_txt) | $(wikippl "$fp") | - | - |"
for bits in 4 3; do
  for group in 32 -1; do
    for method in rtn awq; do
      quantize_row "${method^^}" "$out/s260-$method-w$bits-g$group" $bits $group --method $method
    done
  done
done
