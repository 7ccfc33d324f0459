# Shared by the stories260K result scripts (source it from the repository root): builds the CLI, imports
# stories260K into $out/stories260K ($fp), and defines ppl, wikippl and quantize_row.
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
table_header() {
  echo "| model | bits | group | method | eval.txt ppl | WikiText-2 ppl | quantize s | peak RSS MiB |"
  echo "|---|---|---|---|---|---|---|---|"
}
# quantize_row LABEL OUT_DIR BITS GROUP [quantize options...]: quantizes $fp (awqsharp layout, calib.txt 64 x 512
# tokens), keeps the JSON beside OUT_DIR, and prints the table row.
quantize_row() {
  local label=$1 q=$2 bits=$3 group=$4; shift 4
  local j secs rss g
  j=$(awq quantize --model "$fp" --out "$q" --bits "$bits" --group-size "$group" --format awqsharp \
        --calib $calib --calib-samples 64 --calib-seqlen 512 --json "$@" 2>/dev/null | tail -1)
  echo "$j" > "$q.quantize.json"
  secs=$(echo "$j" | python3 -c 'import json,sys; print("%.1f" % json.load(sys.stdin)["seconds"])')
  rss=$(echo "$j" | python3 -c 'import json,sys; print("%.0f" % (json.load(sys.stdin)["peak_rss_bytes"]/1048576))')
  g=$([ "$group" = "-1" ] && echo "per-channel" || echo "$group")
  echo "| stories260K | $bits | $g | $label | $(ppl "$q" $eval_txt) | $(wikippl "$q") | $secs | $rss |"
}
