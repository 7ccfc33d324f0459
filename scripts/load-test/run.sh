#!/usr/bin/env bash
# A bounded load run of `awq serve` on this machine (not part of CI):
# builds the CLI, imports the repository's stories260K, serves it on a free loopback port, runs
# load-test.cs against it (CLIENTS concurrent streaming clients for SECONDS), then stops the server.
#
#   scripts/load-test/run.sh                      # 32 clients, 30 s, max_tokens 64, --max-concurrency 32
#   CLIENTS=8 SECONDS_=10 MAX_CONCURRENCY=8 MAX_TOKENS=128 MODEL=/path/to/model scripts/load-test/run.sh
#
# Extra arguments go to load-test.cs (e.g. --json).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
clients="${CLIENTS:-32}"
seconds="${SECONDS_:-30}"
max_tokens="${MAX_TOKENS:-64}"
max_concurrency="${MAX_CONCURRENCY:-32}"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build "$root/src/AwqSharp.Cli" -c Release -o "$work/awq" -v quiet -nologo >/dev/null
awq=(dotnet "$work/awq/awq.dll")
model="${MODEL:-}"
if [[ -z "$model" ]]; then
  model="$work/stories260K"
  "${awq[@]}" import llama2c --checkpoint "$root/demo/stories260K/stories260K.bin" --tokenizer "$root/demo/stories260K/tok512.bin" --out "$model" >/dev/null
fi

"${awq[@]}" serve --model "$model" --urls http://127.0.0.1:0 --max-concurrency "$max_concurrency" >"$work/serve.log" 2>&1 &
server_pid=$!
url=""
for _ in $(seq 1 600); do
  url="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/serve.log" | head -1 || true)"
  [[ -n "$url" ]] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$url" ]] || { echo "run.sh: the server did not start" >&2; exit 1; }
head -2 "$work/serve.log"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

status=0
dotnet run "$root/scripts/load-test/load-test.cs" -- --url "$url" --clients "$clients" --seconds "$seconds" --max-tokens "$max_tokens" "$@" || status=$?
exit $status
