#!/usr/bin/env bash
# Perplexity of stories260K: FP32 vs RTN vs AWQ at W4/W3, group 32 (ragged last group, awqsharp layout)
# and per-channel, calibrated on TinyStories calib.txt (64 x 512 tokens), evaluated on eval.txt
# (all windows of 512) and on WikiText-2 (windows of 512). Prints a markdown table and keeps the JSON.
# Usage: scripts/results/stories260k.sh [OUT_DIR]   (from the repository root)
set -euo pipefail
out=${1:-/tmp/awq-results}
mkdir -p "$out"
dotnet build src/AwqSharp.Cli -c Release -v q -nologo > /dev/null
awq() { dotnet src/AwqSharp.Cli/bin/Release/net10.0/awq.dll "$@"; }
eval_txt=demo/tinystories/eval.txt
calib=demo/tinystories/calib.txt
wiki=../shared/data/wikitext-2/wiki.test.raw
fp="$out/stories260K"
rm -rf "$fp"
awq import llama2c --checkpoint demo/stories260K/stories260K.bin --tokenizer demo/stories260K/tok512.bin --out "$fp" > /dev/null
ppl() { awq eval --model "$1" --data "$2" --seqlen 512 --json 2>/dev/null | tail -1 | python3 -c 'import json,sys; print("%.4f" % json.load(sys.stdin)["perplexity"])'; }
wikippl() { if [ -f "$wiki" ]; then ppl "$1" "$wiki"; else echo "n/a"; fi; }
echo "| model | bits | group | method | eval.txt ppl | WikiText-2 ppl | quantize s | peak RSS MiB |"
echo "|---|---|---|---|---|---|---|---|"
echo "| stories260K | 32 | - | FP32 | $(ppl "$fp" $eval_txt) | $(wikippl "$fp") | - | - |"
for bits in 4 3; do
  for group in 32 -1; do
    for method in rtn awq; do
      q="$out/s260-$method-w$bits-g$group"
      j=$(awq quantize --model "$fp" --out "$q" --method $method --bits $bits --group-size $group --format awqsharp \
            --calib $calib --calib-samples 64 --calib-seqlen 512 --json 2>/dev/null | tail -1)
      echo "$j" > "$q.quantize.json"
      secs=$(echo "$j" | python3 -c 'import json,sys; print("%.1f" % json.load(sys.stdin)["seconds"])')
      rss=$(echo "$j" | python3 -c 'import json,sys; print("%.0f" % (json.load(sys.stdin)["peak_rss_bytes"]/1048576))')
      g=$([ "$group" = "-1" ] && echo "per-channel" || echo "$group")
      echo "| stories260K | $bits | $g | ${method^^} | $(ppl "$q" $eval_txt) | $(wikippl "$q") | $secs | $rss |"
    done
  done
done
