#!/usr/bin/env bash
# stories260K AWQ W4/W3 g32: the paper's scale candidates (default) vs AutoAWQ's duo_scaling (--duo-scaling), with the
# protocol of stories260k.sh (calib.txt 64 x 512 tokens, awqsharp layout; eval.txt and WikiText-2, windows of 512).
# Prints markdown rows and keeps the JSON. Usage: scripts/results/stories260k-duo.sh [OUT_DIR]   (from the repository root)
set -euo pipefail
out=${1:-/tmp/awq-results-duo}
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
for bits in 4 3; do
  for duo in "" "--duo-scaling"; do
    q="$out/s260-awq-w$bits-g32${duo:+-duo}"
    j=$(awq quantize --model "$fp" --out "$q" --method awq --bits $bits --group-size 32 --format awqsharp $duo \
          --calib $calib --calib-samples 64 --calib-seqlen 512 --json 2>/dev/null | tail -1)
    echo "$j" > "$q.quantize.json"
    secs=$(echo "$j" | python3 -c 'import json,sys; print("%.1f" % json.load(sys.stdin)["seconds"])')
    rss=$(echo "$j" | python3 -c 'import json,sys; print("%.0f" % (json.load(sys.stdin)["peak_rss_bytes"]/1048576))')
    echo "| stories260K | $bits | 32 | AWQ${duo:+ duo-scaling} | $(ppl "$q" $eval_txt) | $(wikippl "$q") | $secs | $rss |"
  done
done
