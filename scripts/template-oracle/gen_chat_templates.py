"""Known answers for the real chat templates in ../shared/data/tokenizers, rendered with Jinja2 in transformers'
environment (hf_env.py). Writes tests/AwqSharp.Tests/Templates/KnownAnswers/chat-templates.json.

Usage: python3 scripts/template-oracle/gen_chat_templates.py [SHARED_DIR]   (Jinja2 >= 3.1: apt-get install python3-jinja2)
"""
import hashlib
import json
import os
import sys

import jinja2

from hf_env import render

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(REPO), "shared")
OUT = os.path.join(REPO, "tests", "AwqSharp.Tests", "Templates", "KnownAnswers", "chat-templates.json")

TOKENIZERS = "data/tokenizers"

# (id, template file relative to shared/, how to read it, directory whose special tokens transformers would pass)
TEMPLATES = [
    ("llama-2-chat", f"{TOKENIZERS}/llama-2-7b-chat-hf/tokenizer_config.json", "config", f"{TOKENIZERS}/llama-2-7b-chat-hf"),
    ("llama-3-instruct", f"{TOKENIZERS}/llama-3-8b-instruct/tokenizer_config.json", "config", f"{TOKENIZERS}/llama-3-8b-instruct"),
    ("mistral-instruct-v0.1", f"{TOKENIZERS}/chat_templates/mistral-instruct-v0.1.mistralrs.json", "config", None),
    ("tinyllama-zephyr", f"{TOKENIZERS}/tinyllama-1.1b-chat-v1.0/chat_template.jinja", "jinja", f"{TOKENIZERS}/tinyllama-1.1b-chat-v1.0"),
    ("qwen2.5", f"{TOKENIZERS}/qwen2.5-0.5b/tokenizer_config.json", "config", f"{TOKENIZERS}/qwen2.5-0.5b"),
    ("qwen3", f"{TOKENIZERS}/qwen3/tokenizer_config.json", "config", f"{TOKENIZERS}/qwen3"),
]

# Mistral-7B-Instruct-v0.1's tokens (its template file comes without a tokenizer config)
MISTRAL_TOKENS = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}

SPECIAL_KEYS = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]


def token_text(v):
    return v["content"] if isinstance(v, dict) else v


def special_tokens(directory):
    """transformers' special_tokens_map: tokenizer_config.json values, overridden by special_tokens_map.json; None left out."""
    out = {}
    for name in ("tokenizer_config.json", "special_tokens_map.json"):
        path = os.path.join(SHARED, directory, name)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        for key in SPECIAL_KEYS:
            if data.get(key) is not None:
                out[key] = token_text(data[key])
        if isinstance(data.get("additional_special_tokens"), list):
            out["additional_special_tokens"] = [token_text(t) for t in data["additional_special_tokens"]]
    return out


def read_template(path, kind):
    with open(os.path.join(SHARED, path), encoding="utf-8") as f:
        text = f.read()
    if kind == "jinja":
        return text
    tpl = json.loads(text)["chat_template"]
    if isinstance(tpl, list):
        tpl = {t["name"]: t["template"] for t in tpl}["default"]
    return tpl


TOOLS = [
    {"type": "function", "function": {
        "name": "get_current_weather",
        "description": "Get the current weather in a given location — températures in °C",
        "parameters": {"type": "object", "properties": {
            "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "minimum": 1, "maximum": 10, "default": 1},
            "threshold": {"type": "number", "default": 0.5},
            "verbose": {"type": "boolean", "default": False},
            "tags": {"type": "array", "items": {"type": "string"}},
            "extra": {"type": "null"}}, "required": ["location"]}}},
    {"type": "function", "function": {
        "name": "search", "description": "Search the web for \"quoted\" text\nand\tnewlines",
        "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}}},
]

SYS = {"role": "system", "content": "You are a helpful assistant."}
U1 = {"role": "user", "content": "Hello! How are you?"}
A1 = {"role": "assistant", "content": "I'm doing great. How can I help you today?"}
U2 = {"role": "user", "content": "Write a haiku about the sea."}

CONVERSATIONS = {
    "system_multi_turn": [SYS, U1, A1, U2],
    "no_system": [U1, A1, U2],
    "single_user": [U1],
    "ends_with_assistant": [SYS, U1, A1],
    "whitespace_unicode": [
        {"role": "system", "content": "  Réponds en français.\n"},
        {"role": "user", "content": "\n  Ünïcödé 😀 emoji, \"quotes\", 'apostrophes', {{ braces }} {% tags %} and \\ backslash\t\n\n"},
        {"role": "assistant", "content": "  Voilà — 你好!  \n"},
        {"role": "user", "content": "<think>not really</think> tail"},
    ],
    "empty_content": [{"role": "user", "content": ""}, {"role": "assistant", "content": ""}, {"role": "user", "content": " "}],
    "two_users_in_a_row": [U1, U2],
    "assistant_first": [A1, U1],
    "system_only": [SYS],
    "system_in_middle": [U1, A1, {"role": "system", "content": "Be brief."}, U2],
    "user_then_system": [U1, {"role": "system", "content": "Be brief."}],
    "tool_conversation": [
        SYS,
        {"role": "user", "content": "What's the weather in Paris and in Tōkyō?"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"type": "function", "function": {"name": "get_current_weather", "arguments": {"location": "Paris, France", "unit": "celsius"}}},
            {"type": "function", "function": {"name": "get_current_weather", "arguments": {"location": "Tōkyō", "days": 2, "threshold": 1.5}}}]},
        {"role": "tool", "content": "{\"temperature\": 22, \"unit\": \"celsius\"}"},
        {"role": "tool", "content": "{\"temperature\": 18.5}"},
        {"role": "assistant", "content": "Paris: 22 °C; Tōkyō: 18.5 °C."},
        {"role": "user", "content": "Thanks!"},
    ],
    "tool_call_with_text_and_string_arguments": [
        {"role": "user", "content": "Search for cats"},
        {"role": "assistant", "content": "Let me search.", "tool_calls": [
            {"type": "function", "function": {"name": "search", "arguments": "{\"query\": \"cats\"}"}}]},
        {"role": "tool", "content": "Cats are small carnivorous mammals."},
    ],
    "thinking_history": [
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "<think>\nSimple arithmetic.\n</think>\n\n2+2 = 4."},
        {"role": "user", "content": "And 3+3?"},
        {"role": "assistant", "content": "<think>\nAgain simple.\n</think>\n\n6."},
    ],
    "reasoning_content_field": [
        {"role": "user", "content": "Why is the sky blue?"},
        {"role": "assistant", "content": "Rayleigh scattering.", "reasoning_content": "Short wavelengths scatter more."},
    ],
    "tool_response_as_user": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "<tool_response>\n42\n</tool_response>"},
    ],
}

# extra variable sets: (suffix, variables, conversations it applies to, templates it applies to)
VARIANTS = [
    ("", {}, None, None),
    ("+tools", {"tools": TOOLS}, ["system_multi_turn", "no_system", "tool_conversation", "tool_call_with_text_and_string_arguments"], ["qwen2.5", "qwen3"]),
    ("+enable_thinking_false", {"enable_thinking": False}, ["single_user", "thinking_history"], ["qwen3"]),
    ("+enable_thinking_true", {"enable_thinking": True}, ["single_user"], ["qwen3"]),
]


def main():
    out = {"generator": "scripts/template-oracle/gen_chat_templates.py", "jinja2_version": jinja2.__version__,
           "environment": "ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[generation, loopcontrols]), tojson=json.dumps(ensure_ascii=False)",
           "templates": []}
    for tid, path, kind, tokdir in TEMPLATES:
        source = read_template(path, kind)
        variables = special_tokens(tokdir) if tokdir else dict(MISTRAL_TOKENS)
        cases = []
        for conv_name, messages in CONVERSATIONS.items():
            for suffix, extra, only_convs, only_templates in VARIANTS:
                if only_convs is not None and (conv_name not in only_convs or tid not in only_templates):
                    continue
                for agp in (False, True):
                    result = render(source, messages, agp, **variables, **extra)
                    case = {"name": f"{conv_name}{suffix}{'+gen' if agp else ''}", "conversation": conv_name,
                            "add_generation_prompt": agp, "variables": extra}
                    case.update(result)
                    cases.append(case)
        out["templates"].append({
            "id": tid, "path": path, "kind": kind,
            "sha256": hashlib.sha256(source.encode("utf-8")).hexdigest(),
            "variables": variables, "cases": cases})
    out["conversations"] = CONVERSATIONS
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    n = sum(len(t["cases"]) for t in out["templates"])
    errors = sum(1 for t in out["templates"] for c in t["cases"] if "error" in c)
    print(f"wrote {OUT}: {len(out['templates'])} templates, {n} cases ({errors} raise)")


if __name__ == "__main__":
    main()
