#!/usr/bin/env node
// HuggingFace `tokenizers` (the Rust library behind transformers' fast tokenizers, through its
// official npm binding) encoding speed on a text file, to compare with AwqSharp's TextTokenizer
// (`dotnet run -c Release --project bench/AwqSharp.Benchmarks -- tokenizer-speed ...`).
//
//   RAYON_NUM_THREADS=1 node bench.mjs --tokenizer DIR --text FILE [--mode whole|lines]
//        [--seconds 3] [--dump-ids OUT.json]
//
// --mode whole: the file is one string, encoded in one call (what perplexity code does).
// --mode lines: every line (newline dropped) is encoded on its own, one call per line.
// Truncation/padding saved in tokenizer.json are disabled, as transformers does.
// --dump-ids writes the ids (with special tokens) as JSON so the C# side can compare them.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Tokenizer } = require('tokenizers');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
if (!args.tokenizer || !args.text) throw new Error('usage: --tokenizer DIR --text FILE [--mode whole|lines] [--seconds S] [--dump-ids OUT]');
const mode = args.mode ?? 'whole';
const seconds = Number(args.seconds ?? 3);

const tok = Tokenizer.fromFile(path.join(args.tokenizer, 'tokenizer.json'));
tok.disableTruncation();
tok.disablePadding();
const text = fs.readFileSync(args.text, 'utf8');
const inputs = mode === 'lines' ? text.split('\n') : [text];
const bytes = Buffer.byteLength(text, 'utf8');

async function encodeAll() {
  let count = 0;
  const ids = [];
  for (const s of inputs) {
    const enc = await tok.encode(s, null, { addSpecialTokens: true });
    const got = enc.getIds();
    count += got.length;
    if (args['dump-ids']) ids.push(Array.from(got));
  }
  return { count, ids };
}

const first = await encodeAll(); // warm-up (and the ids to dump)
if (args['dump-ids']) fs.writeFileSync(args['dump-ids'], JSON.stringify(mode === 'lines' ? first.ids : first.ids[0]));
let runs = 0;
const t0 = process.hrtime.bigint();
let elapsed = 0;
while (elapsed < seconds || runs < 2) {
  await encodeAll();
  runs++;
  elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
}
const perRun = elapsed / runs;
console.log(JSON.stringify({
  implementation: 'huggingface tokenizers 0.23.2 (npm)',
  tokenizer: path.basename(path.resolve(args.tokenizer)),
  mode,
  bytes,
  tokens: first.count,
  runs,
  seconds_per_run: Number(perRun.toFixed(4)),
  mb_per_s: Number((bytes / 1e6 / perRun).toFixed(2)),
}));
