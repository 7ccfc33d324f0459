"""Differential known answers: templates made by mutating the feature templates (deleting, duplicating,
inserting and splicing characters and tokens) that Jinja2 still renders, with what it renders. (The real chat
templates are mutated at test time by TemplateFuzzTests instead: shared/ files are never copied into the repo.) The C# test requires the same output, or (only where this interpreter deliberately refuses) a
TemplateException. Deterministic (fixed seed). Writes tests/AwqSharp.Tests/Templates/KnownAnswers/mutated-cases.json.

Usage: python3 scripts/template-oracle/gen_mutations.py   (run gen_features.py first)
"""
import json
import os
import random
import warnings

import jinja2

from hf_env import ENV

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
KA = os.path.join(REPO, "tests", "AwqSharp.Tests", "Templates", "KnownAnswers")
OUT = os.path.join(KA, "mutated-cases.json")
COUNT, MAX_TEMPLATE, MAX_OUTPUT = 400, 1500, 4000

TOKENS = ["{%", "%}", "{{", "}}", "{#", "#}", "{%-", "-%}", "{{-", "-}}", "(", ")", "[", "]", "'", "|", ",", ":", ".", "=", "==",
          "~", "+", "-", "*", "/", "//", "%", "<", " if ", " else ", " not ", " and ", " or ", " is ", "loop", "loop.index0",
          "messages", "messages[0]", "[::-1]", "[1:]", "|tojson", "|length", "|trim", " is defined", " is none", "none", "true",
          "1", "-1", "0.5", "\n", "  ", "\t", "é", "😀", ".strip()", ".split()", "|string", "|list", "|first", "|last", "|sort",
          "|unique|list", "|items|list", "|join('-')", "|upper", "|title", "|capitalize", "|wordcount", "|int", "|float", "|round", "|abs"]
CONVERSATION = [
    {"role": "system", "content": "sys"},
    {"role": "user", "content": "hi <tool_response>x</tool_response>"},
    {"role": "assistant", "content": "<think>\nr\n</think>\n\nok", "tool_calls": [{"function": {"name": "f", "arguments": {"a": 1}}}]},
    {"role": "tool", "content": "42"},
    {"role": "user", "content": " again "},
]
VARIABLES = {"bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]}


def seeds():
    return [c["template"] for c in json.load(open(os.path.join(KA, "feature-cases.json"), encoding="utf-8"))["cases"]]


def mutate(s, pool, rng):
    for _ in range(1 + rng.randrange(3)):
        pos = rng.randrange(len(s) + 1) if s else 0
        n = rng.randrange(1 + min(12, len(s) - min(pos, len(s)))) if s else 0
        k = rng.randrange(5)
        if k == 0: s = s[:pos] + s[pos + n:]
        elif k == 1: s = s[:pos] + s[pos:pos + n] + s[pos:]
        elif k == 2: s = s[:pos] + rng.choice(TOKENS) + s[pos:]
        elif k == 3: s = s[:pos] + rng.choice(TOKENS) + s[pos + n:]
        else:
            other = rng.choice(pool)
            j = rng.randrange(len(other) + 1)
            s = s[:pos] + other[j:j + rng.randrange(200)]
    return s


def main():
    warnings.simplefilter("ignore")
    rng = random.Random(20240611)
    pool = seeds()
    cases, seen = [], set()
    while len(cases) < COUNT:
        src = mutate(rng.choice(pool), pool, rng)
        if len(src) > MAX_TEMPLATE or src in seen:
            continue
        seen.add(src)
        try:
            text = ENV.from_string(src).render(messages=CONVERSATION, documents=None, add_generation_prompt=True, **VARIABLES)
        except Exception:
            continue
        if len(text) <= MAX_OUTPUT:
            cases.append({"template": src, "expected": text})
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"generator": "scripts/template-oracle/gen_mutations.py", "jinja2_version": jinja2.__version__,
                   "conversation": CONVERSATION, "variables": VARIABLES, "cases": cases}, f, ensure_ascii=False, indent=0)
        f.write("\n")
    print(f"wrote {OUT}: {len(cases)} cases")


if __name__ == "__main__":
    main()
