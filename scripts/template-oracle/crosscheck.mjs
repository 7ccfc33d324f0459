// Renders every case of chat-templates.json with @huggingface/jinja (what transformers.js uses) and reports
// where it differs from the Jinja2 known answers. A second opinion only: transformers uses Jinja2.
// Usage: (cd scripts/template-oracle && npm install) && node scripts/template-oracle/crosscheck.mjs [SHARED_DIR]
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Template } from "@huggingface/jinja";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..");
const shared = process.argv[2] ?? join(repo, "..", "shared");
const ka = JSON.parse(readFileSync(join(repo, "tests/AwqSharp.Tests/Templates/KnownAnswers/chat-templates.json"), "utf8"));

let same = 0, differ = 0;
for (const t of ka.templates) {
  const text = readFileSync(join(shared, t.path), "utf8");
  let source = t.kind === "jinja" ? text : JSON.parse(text).chat_template;
  if (Array.isArray(source)) source = source.find((x) => x.name === "default").template;
  const template = new Template(source);
  for (const c of t.cases) {
    let actual, failed = false;
    try {
      actual = template.render({ messages: ka.conversations[c.conversation], add_generation_prompt: c.add_generation_prompt,
        tools: null, documents: null, ...t.variables, ...c.variables });
    } catch (e) { failed = true; actual = String(e.message); }
    const ok = "expected" in c ? !failed && actual === c.expected : failed;
    if (ok) same++;
    else {
      differ++;
      console.log(`${t.id} ${c.name}: jinja2 ${JSON.stringify(c.expected ?? c.error.message).slice(0, 200)}\n    @huggingface/jinja ${JSON.stringify(actual).slice(0, 200)}`);
    }
  }
}
console.log(`${same} agree, ${differ} differ`);
