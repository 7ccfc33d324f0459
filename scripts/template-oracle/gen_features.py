"""Known answers for small templates exercising each supported Jinja feature, rendered with Jinja2 in transformers'
environment (hf_env.py). Writes tests/AwqSharp.Tests/Templates/KnownAnswers/feature-cases.json.

Each case: template, context (JSON variables; "messages" included when used), and either "expected" (the exact
output) or "error" (Jinja2 failed: the interpreter must raise a TemplateException too).
Usage: python3 scripts/template-oracle/gen_features.py
"""
import json
import os

import jinja2

from hf_env import ENV

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(REPO, "tests", "AwqSharp.Tests", "Templates", "KnownAnswers", "feature-cases.json")

MSGS = [{"role": "system", "content": "sys"}, {"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]
D = {"a": 1, "b": [1, 2, {"c": "x"}], "s": "Hello World", "n": None, "t": True, "f": 1.5, "e": "", "u": "ünï😀"}

CASES = {
    # ---- whitespace control, trim_blocks / lstrip_blocks -------------------------------------------------
    "ws/trim_blocks": ("{% if true %}\nA\n{% endif %}\nB\n", {}),
    "ws/lstrip_blocks": ("  {% if true %}\n  x\n  {% endif %}\nend", {}),
    "ws/lstrip_not_for_variables": ("  {{ 'v' }}\n  {% if true %}y{% endif %}", {}),
    "ws/minus_both_sides": ("a  \n  {%- if true -%}  \n  b  \n  {%- endif -%}  \n  c", {}),
    "ws/minus_variable": ("a \n {{- 'x' -}} \n b", {}),
    "ws/plus_disables_lstrip": ("  {%+ if true %}x{% endif %}", {}),
    "ws/plus_disables_trim": ("{% if true +%}\nx{% endif %}", {}),
    "ws/comment_lstrip_trim": ("a\n  {# comment #}\nb\n{#- c -#}  \n  c", {}),
    "ws/tag_midline_no_lstrip": ("x  {% if true %}y{% endif %}", {}),
    "ws/trailing_newline_dropped": ("a\n", {}),
    "ws/only_one_trailing_newline_dropped": ("a\n\n", {}),
    "ws/crlf_normalized": ("a\r\nb\r{% if true %}\r\nc{% endif %}", {}),
    "ws/raw_block": ("{% raw %}{{ not evaluated }} {% if %}{% endraw %}!", {}),
    "ws/raw_block_minus": ("x  {%- raw -%}  a  {%- endraw -%}  y", {}),
    "ws/newline_after_variable_kept": ("{{ 'a' }}\n{{ 'b' }}\n", {}),
    "ws/tabs_lstrip": ("\t\t{% if true %}\n\tx\n\t{% endif %}", {}),
    "ws/multiline_tag": ("{% if\n  true\n%}\nx{% endif %}", {}),
    "ws/block_at_start_after_text_line": ("line\n    {%- set x = 1 %}\n    {{- x }}", {}),
    # ---- literals and printing ----------------------------------------------------------------------------
    "lit/strings": ("{{ 'a\\nb' }}|{{ \"q'\" }}|{{ 'x' 'y' }}|{{ '\\u00e9\\x41\\t' }}|{{ '\\d' }}", {}),
    "lit/numbers": ("{{ 1 }} {{ 1.5 }} {{ 1e3 }} {{ 1_000 }} {{ 0x1F }} {{ 0b101 }} {{ 0o17 }} {{ 2.50 }}", {}),
    "lit/python_reprs": ("{{ none }} {{ true }} {{ False }} {{ [1, 'a', none, true, 1.5] }} {{ {'k': [1, 2]} }} {{ (1,) }} {{ (1, 2) }} {{ () }}", {}),
    "lit/string_repr_quotes": ("{{ [\"it's\", 'say \"hi\"', 'both \\' \"', 'nl\\n', 'é😀', '\\x07'] }}", {}),
    "lit/float_repr": ("{{ [1e16, 1e15, 0.0001, 0.00001, 0.1 + 0.2, 1/3, 2.0, -0.0, 1e-7, 123456789.125, 1e22] }}", {}),
    "print/undefined_is_empty": ("[{{ nope }}]", {}),
    "print/tuple_expression": ("{{ 1, 'a' }}", {}),
    # ---- operators ----------------------------------------------------------------------------------------
    "op/arithmetic": ("{{ 7 + 2 }} {{ 7 - 2 }} {{ 7 * 2 }} {{ 7 / 2 }} {{ 7 // 2 }} {{ 7 % 3 }} {{ 2 ** 10 }} {{ 4 / 2 }}", {}),
    "op/negative_division": ("{{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ -7.5 // 2 }} {{ -7.5 % 2 }} {{ 2 ** -1 }}", {}),
    "op/precedence": ("{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 2 ** 3 ** 2 }} {{ -2 ** 2 }} {{ 10 - 2 - 3 }} {{ 2 * 3 ~ 4 }} {{ -2|abs }}", {}),
    "op/concat_binds_tighter_than_plus_error": ("{{ 1 + 2 ~ 3 }}", {}),
    "op/string_concat": ("{{ 'a' + 'b' }} {{ 'a' ~ 1 ~ none ~ true ~ nope }} {{ 'ab' * 3 }} {{ [1] + [2] }} {{ [0] * 3 }}", {}),
    "op/comparisons": ("{{ 1 < 2 }} {{ 2 <= 2 }} {{ 'a' < 'b' }} {{ 1 == 1.0 }} {{ true == 1 }} {{ 1 != 2 }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ [1, 2] < [1, 3] }} {{ none == none }}", {}),
    "op/in": ("{{ 'ell' in 'hello' }} {{ 2 in [1, 2] }} {{ 'a' in {'a': 1} }} {{ 'z' not in 'abc' }} {{ 1 in (1, 2) }} {{ 'x' in nope }}", {}),
    "op/and_or_values": ("{{ 0 or 'x' }} {{ 'a' and 'b' }} {{ '' and 'b' }} {{ none or [] }} {{ not '' }} {{ not not 1 }}", {}),
    "op/ternary": ("{{ 'y' if true else 'n' }} {{ 'y' if 0 else 'n' }} [{{ 'y' if false }}] {{ 1 if false else 2 if true else 3 }}", {}),
    "op/unary": ("{{ -d.a }} {{ +d.f }} {{ - -1 }} {{ -d.f|abs }}", {"d": D}),
    "op/add_int_str_error": ("{{ 1 + 'a' }}", {}),
    "op/undefined_plus_error": ("{{ nope + 'a' }}", {}),
    "op/compare_mixed_error": ("{{ 1 < 'a' }}", {}),
    "op/division_by_zero": ("{{ 1 / 0 }}", {}),
    # ---- variables, attributes, items ---------------------------------------------------------------------
    "attr/dict_attribute_and_item": ("{{ d.a }} {{ d['a'] }} {{ d.b[2].c }} {{ d['b'][2]['c'] }} {{ d.b.0 }} {{ d.b[-1] }}", {"d": D}),
    "attr/missing_key_undefined": ("[{{ d.missing }}][{{ d['missing'] }}][{{ d.b[10] }}][{{ d.s.nothing }}][{{ d.n.x }}]", {"d": D}),
    "attr/attribute_of_undefined_error": ("{{ nope.x }}", {}),
    "attr/attribute_of_missing_key_error": ("{{ d.missing.x }}", {"d": D}),
    "attr/item_of_out_of_range_error": ("{{ d.b[10].x }}", {"d": D}),
    "attr/dict_methods": ("{{ d.get('a') }} {{ d.get('zz') }} {{ d.get('zz', 5) }} {{ d.keys()|list }} {% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{{ d.values()|list|length }}", {"d": {"x": 1, "y": 2}}),
    "attr/dict_views_print": ("{{ d.items() }} {{ d.keys() }} {{ d.values() }}", {"d": {"x": 1, "y": "z"}}),
    "attr/messages": ("{% for m in messages %}{{ m.role }}:{{ m['content'] }};{% endfor %}", {"messages": MSGS}),
    "attr/mutating_method_prints_empty": ("[{{ [1].append }}][{{ {}.pop }}]", {}),
    "attr/mutating_method_call_error": ("{{ [1].append(2) }}", {}),
    "attr/getitem_fallback_to_method": ("{{ 'abc'['upper']() }} {{ {'a': 1}['items']()|list }}", {}),
    # ---- slicing ------------------------------------------------------------------------------------------
    "slice/lists": ("{{ l[1:] }} {{ l[:2] }} {{ l[::-1] }} {{ l[::2] }} {{ l[-2:] }} {{ l[1:-1] }} {{ l[5:] }} {{ l[3:1:-1] }}", {"l": [0, 1, 2, 3, 4]}),
    "slice/strings": ("{{ s[::-1] }} {{ s[1:3] }} {{ s[-1] }} {{ s[0] }} {{ u[::-1] }} {{ u[3] }} {{ u|length }}", {"s": "abcdef", "u": "ab😀cd"}),
    "slice/zero_step_error": ("{{ [1, 2][::0] }}", {}),
    # ---- control flow -------------------------------------------------------------------------------------
    "if/elif_else": ("{% for i in [1, 2, 3] %}{% if i == 1 %}one{% elif i == 2 %}two{% else %}many{% endif %};{% endfor %}", {}),
    "for/loop_variables": ("{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.depth }};{% endfor %}", {}),
    "for/previtem_nextitem_cycle": ("{% for x in [1, 2, 3] %}{{ loop.previtem }}<{{ x }}>{{ loop.nextitem }}{{ loop.cycle('a', 'b') }}|{% endfor %}", {}),
    "for/changed": ("{% for x in [1, 1, 2, 2, 1] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}", {}),
    "for/else": ("{% for x in [] %}x{% else %}empty{% endfor %}|{% for x in [1] %}{{ x }}{% else %}no{% endfor %}", {}),
    "for/filter": ("{% for m in messages if m.role != 'system' %}{{ loop.index }}/{{ loop.length }}:{{ m.content }};{% endfor %}", {"messages": MSGS}),
    "for/unpack_items": ("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}{{ v }}{% endfor %}|{% for a, b in [[1, 2], (3, 4)] %}{{ a + b }}{% endfor %}", {}),
    "for/unpack_error": ("{% for a, b in [[1, 2, 3]] %}{% endfor %}", {}),
    "for/dict_iterates_keys": ("{% for k in {'x': 1, 'y': 2} %}{{ k }}{% endfor %}", {}),
    "for/string_chars": ("{% for c in 'h😀i' %}[{{ c }}]{% endfor %}", {}),
    "for/undefined_is_empty": ("{% for x in nope %}x{% else %}none{% endfor %}", {}),
    "for/none_is_error": ("{% for x in none %}x{% endfor %}", {}),
    "for/nested_loop_variable": ("{% for a in [1, 2] %}{% set outer = loop %}{% for b in 'xy' %}{{ outer.index }}{{ loop.index }}{% endfor %};{% endfor %}", {}),
    "for/break_continue": ("{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}{% endif %}{{ i }}{% endfor %}", {}),
    "for/range": ("{{ range(3)|list }} {{ range(1, 4)|list }} {{ range(10, 0, -3)|list }} {{ range(0)|list }}", {}),
    # ---- scoping ------------------------------------------------------------------------------------------
    "scope/set_in_loop_does_not_leak": ("{% set x = 'out' %}{% for i in [1, 2] %}[{{ x }}]{% set x = i %}({{ x }}){% endfor %}{{ x }}", {}),
    "scope/loop_iteration_is_fresh": ("{% for i in [1, 2] %}{% if i == 2 %}[{{ x }}]{% endif %}{% set x = i %}{% endfor %}", {}),
    "scope/set_in_if_leaks": ("{% set x = 1 %}{% if true %}{% set x = 2 %}{% endif %}{{ x }}", {}),
    "scope/namespace": ("{% set ns = namespace(found=false, n=0) %}{% for i in [1, 2, 3] %}{% if i > 1 %}{% set ns.found = true %}{% set ns.n = ns.n + i %}{% endif %}{% endfor %}{{ ns.found }} {{ ns.n }} {{ ns.missing is defined }}", {}),
    "scope/namespace_print": ("{% set ns = namespace(a=1, b='x') %}{{ ns }}", {}),
    "scope/namespace_from_dict": ("{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }}", {}),
    "scope/set_attribute_on_non_namespace_error": ("{% set d = {} %}{% set d.x = 1 %}", {}),
    "scope/tuple_set": ("{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set c = 3, %}{{ c }}", {}),
    "scope/block_set": ("{% set x %}  A{{ 1 + 1 }} {% endset %}[{{ x }}]{% set y | upper %}b{% endset %}{{ y }}", {}),
    "scope/with": ("{% set a = 1 %}{% with a = 2, b = 3 %}{{ a }}{{ b }}{% endwith %}{{ a }}[{{ b }}]", {}),
    # ---- macros -------------------------------------------------------------------------------------------
    "macro/basic": ("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('A') }} {{ greet('B', '?') }} {{ greet(punct='.', name='C') }}", {}),
    "macro/late_binding_and_closure": ("{% macro m() %}{{ x }}{% endmacro %}{% set x = 1 %}{{ m() }}{% for x in [5] %}{{ m() }}{% endfor %}", {}),
    "macro/missing_argument_is_undefined": ("{% macro m(a, b) %}[{{ a }}][{{ b }}]{% endmacro %}{{ m(1) }}", {}),
    "macro/too_many_arguments_error": ("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}", {}),
    "macro/whitespace": ("{% macro render(m) %}\n  <{{ m.role }}>\n{% endmacro %}\n{% for m in messages %}\n{{ render(m) }}\n{% endfor %}", {"messages": MSGS}),
    # ---- filters ------------------------------------------------------------------------------------------
    "filter/trim_strip": ("[{{ '  a b \\n'|trim }}][{{ 'xxaxx'|trim('x') }}][{{ nope|trim }}]", {}),
    "filter/length_count": ("{{ 'abc'|length }} {{ [1, 2]|count }} {{ {'a': 1}|length }} {{ nope|length }} {{ 'é😀'|length }}", {}),
    "filter/case": ("{{ 'aBc'|upper }} {{ 'aBc'|lower }} {{ 'hello wORLD-foo (bar)'|title }} {{ 'aBC dEF'|capitalize }}", {}),
    "filter/string_replace": ("{{ 5|string + '!' }} {{ 'a-b-c'|replace('-', '+') }} {{ 'a-b-c'|replace('-', '', 1) }} {{ 'abc'|replace('', '.') }}", {}),
    "filter/join": ("{{ [1, 2, 3]|join(', ') }} {{ ['a', 'b']|join }} {{ [{'n': 'x'}, {'n': 'y'}]|join('/', attribute='n') }}", {}),
    "filter/default": ("{{ nope|default('d') }} {{ ''|default('d') }} {{ ''|default('d', true) }} {{ none|d('x') }} {{ 0|default(1, boolean=true) }}", {}),
    "filter/first_last": ("{{ [1, 2, 3]|first }} {{ [1, 2, 3]|last }} {{ 'abc'|first }} {{ 'abc'|last }} [{{ []|first }}] {{ {'k': 1, 'j': 2}|first }}", {}),
    "filter/items_list": ("{{ {'a': 1}|items|list }} {% for k, v in d|items %}{{ k }}{% endfor %} {{ nope|items|list }} {{ 'ab'|list }} {{ {'x': 1}|list }}", {"d": {"p": 1, "q": 2}}),
    "filter/tojson": ("{{ d|tojson }}", {"d": D}),
    "filter/tojson_indent": ("{{ d|tojson(indent=2) }}|{{ [1, [2, {}], []]|tojson(indent=1) }}|{{ {'a': 1}|tojson(indent='\\t') }}", {"d": D}),
    "filter/tojson_options": ("{{ {'b': 1, 'a': [1, 2]}|tojson(sort_keys=true) }} {{ {'a': 'é'}|tojson(ensure_ascii=true) }} {{ {'a': [1, 2]}|tojson(separators=(',', ':')) }}", {}),
    "filter/tojson_strings": ("{{ ['\"', '\\\\', '\\n\\t\\r', '\\x01', '\\x7f', 'é😀', '</script>', \"'\"]|tojson }}", {}),
    "filter/tojson_numbers": ("{{ [1, -2, 1.0, 0.1, 1e100, 1e-10, 3.14159, true, none] | tojson }} {{ {1: 'int key', 2.5: 'f', true: 'b'}|tojson }}", {}),
    "filter/tojson_undefined_error": ("{{ nope|tojson }}", {}),
    "filter/map_select": ("{{ [1, 2, 3]|map('string')|join('-') }} {{ messages|map(attribute='role')|list }} {{ [{'a': 1}, {}]|map(attribute='a', default=0)|list }} {{ [1, 2, 3, 4]|select('odd')|list }} {{ [1, 2, 3, 4]|reject('even')|list }}", {"messages": MSGS}),
    "filter/selectattr_rejectattr": ("{{ messages|selectattr('role', 'equalto', 'user')|list|length }} {{ messages|rejectattr('role', 'eq', 'system')|map(attribute='content')|join(',') }} {{ [{'x': 1}, {'x': 0}, {}]|selectattr('x')|list }}", {"messages": MSGS}),
    "filter/generator_is_consumed": ("{% set g = [1, 2]|map('string') %}{{ g|join }}[{{ g|join }}]", {}),
    "filter/generator_length_error": ("{{ [1]|map('string')|length }}", {}),
    "filter/generator_print_error_free_list": ("{{ [3, 1]|map('string')|list }}", {}),
    "filter/sort": ("{{ [3, 1, 2]|sort }} {{ ['b', 'A', 'c']|sort }} {{ ['b', 'A', 'c']|sort(case_sensitive=true) }} {{ [3, 1, 2]|sort(reverse=true) }} {{ [{'n': 2}, {'n': 1}]|sort(attribute='n')|map(attribute='n')|list }}", {}),
    "filter/unique_min_max_sum": ("{{ [1, 2, 1, 3]|unique|list }} {{ ['a', 'A']|unique|list }} {{ [3, 1, 2]|min }} {{ [3, 1, 2]|max }} {{ ['b', 'C']|max }} {{ [1, 2, 3]|sum }} {{ [{'v': 1}, {'v': 2}]|sum(attribute='v') }} {{ [1.5, 2]|sum(start=10) }}", {}),
    "filter/reverse": ("{{ 'abc'|reverse }} {{ [1, 2, 3]|reverse|list }} {{ 'a😀b'|reverse }}", {}),
    "filter/int_float_round_abs": ("{{ '42'|int }} {{ '4.7'|int }} {{ 'x'|int }} {{ 'x'|int(7) }} {{ 3.9|int }} {{ '0x1A'|int(base=16) }} {{ '2.5'|float }} {{ 2|float }} {{ 'y'|float }} {{ 2.567|round(2) }} {{ 2.5|round }} {{ 3.5|round }} {{ 2.1|round(method='ceil') }} {{ 2.9|round(0, 'floor') }} {{ 5|round }} {{ -3|abs }} {{ -2.5|abs }}", {}),
    "filter/dictsort": ("{{ {'b': 1, 'A': 2, 'c': 0}|dictsort }} {{ {'b': 1, 'A': 2}|dictsort(true) }} {{ {'b': 1, 'a': 2}|dictsort(by='value') }} {{ {'b': 1, 'a': 2}|dictsort(reverse=true) }}", {}),
    "filter/indent": ("{{ 'a\\nb\\n\\nc'|indent(2) }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'a\\n\\nb'|indent(width='> ', blank=true) }}", {}),
    "filter/center_wordcount_attr": ("[{{ 'ab'|center(7) }}] {{ 'one two  three'|wordcount }} {{ {'a': 1}|attr('a') }}|{{ 'x'|attr('upper')() }}", {}),
    "filter/chained": ("{{ messages|map(attribute='content')|map('upper')|join(' ')|replace('HI', 'hey')|title }}", {"messages": MSGS}),
    "filter/block": ("{% filter upper %}abc {{ 'd' }}{% endfilter %}", {}),
    # ---- tests --------------------------------------------------------------------------------------------
    "test/types": ("{{ 'a' is string }} {{ 1 is number }} {{ 1.5 is number }} {{ true is number }} {{ 1 is integer }} {{ true is integer }} {{ 1.0 is float }} {{ true is boolean }} {{ {} is mapping }} {{ [] is sequence }} {{ 'a' is sequence }} {{ {} is iterable }} {{ 1 is iterable }} {{ none is none }} {{ nope is none }}", {}),
    "test/defined_undefined": ("{{ nope is defined }} {{ nope is undefined }} {{ d.a is defined }} {{ d.zz is not defined }} {{ d.n is none }} {{ d.n is defined }}", {"d": D}),
    "test/comparisons": ("{{ 2 is equalto 2 }} {{ 2 is eq(3) }} {{ 2 is ne 3 }} {{ 3 is gt 2 }} {{ 3 is ge 3 }} {{ 1 is lt 2 }} {{ 1 is le 0 }} {{ 1 is in [1, 2] }} {{ 'b' is in 'abc' }} {{ 1 is sameas 1 }} {{ none is sameas none }}", {}),
    "test/odd_even_divisible": ("{{ 3 is odd }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ 10 is divisibleby(4) }}", {}),
    "test/true_false_case": ("{{ true is true }} {{ 1 is true }} {{ false is false }} {{ 0 is false }} {{ 'abc' is lower }} {{ 'ABC' is upper }} {{ 'aB' is lower }}", {}),
    "test/callable_filter_test": ("{{ range is callable }} {{ 'upper' is filter }} {{ 'nope' is filter }} {{ 'odd' is test }} {{ d.get is callable }} {{ 'x' is callable }}", {"d": D}),
    "test/not_precedence": ("{{ not 1 is odd }} {{ not 2 is odd }} {{ 1 is not odd }} {{ nope is not none }}", {}),
    # ---- string methods -----------------------------------------------------------------------------------
    "str/strip_family": ("[{{ '  a  '.strip() }}][{{ '  a  '.lstrip() }}][{{ '  a  '.rstrip() }}][{{ '\\n\\na\\n'.strip('\\n') }}][{{ 'xyax'.strip('xy') }}]", {}),
    "str/startswith_endswith": ("{{ 'hello'.startswith('he') }} {{ 'hello'.endswith('lo') }} {{ 'hello'.startswith(('x', 'h')) }} {{ 'hello'.startswith('l', 2) }} {{ 'hello'.endswith('ell', 0, 4) }}", {}),
    "str/split": ("{{ '  a b  c '.split() }} {{ 'a,b,,c'.split(',') }} {{ 'a b c'.split(' ', 1) }} {{ 'a b c'.rsplit(' ', 1) }} {{ 'a<think>b</think>c'.split('</think>')[-1] }} {{ ' a  b '.split(none, 1) }} {{ 'x'.split('y') }}", {}),
    "str/case_methods": ("{{ 'aBc'.upper() }} {{ 'aBc'.lower() }} {{ \"they're bill's 1st\".title() }} {{ 'hELLO'.capitalize() }} {{ 'aB'.swapcase() }}", {}),
    "str/find_count_replace": ("{{ 'hello'.find('l') }} {{ 'hello'.rfind('l') }} {{ 'hello'.find('z') }} {{ 'hello'.count('l') }} {{ 'aaa'.replace('a', 'b', 2) }} {{ 'hello'.index('e') }} {{ 'a😀b'.find('b') }}", {}),
    "str/misc_methods": ("{{ '-'.join(['a', 'b']) }} {{ 'ab'.center(6, '*') }} {{ 'ab'.ljust(4, '.') }} {{ 'ab'.rjust(4) }} {{ '42'.zfill(5) }} {{ '-4'.zfill(4) }} {{ 'a=b=c'.partition('=') }} {{ 'a\\nb\\r\\nc'.splitlines() }} {{ '12'.isdigit() }} {{ 'ab'.isalpha() }} {{ ' '.isspace() }} {{ 'x.txt'.removesuffix('.txt') }}", {}),
    "str/format": ("{{ '{} and {}'.format('a', 1) }} {{ '{1}{0}'.format('x', 'y') }} {{ 'hi {name}!'.format(name='bob') }} {{ '{{}} {!r}'.format('q') }}", {}),
    "str/index_not_found_error": ("{{ 'abc'.index('z') }}", {}),
    # ---- globals ------------------------------------------------------------------------------------------
    "glob/raise_exception": ("{% if messages|length > 1 %}{{ raise_exception('Too many: ' ~ messages|length) }}{% endif %}", {"messages": MSGS}),
    "glob/dict": ("{{ dict(a=1, b='x') }} {{ dict({'k': 1}, z=2) }} {{ dict([('p', 1)]) }}", {}),
    "glob/range_too_big_error": ("{{ range(200000)|length }}", {}),
    "glob/generation_block": ("{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}<{{ m.content }}>{% endgeneration %}{% else %}{{ m.content }}{% endif %}{% endfor %}", {"messages": MSGS}),
    "glob/undefined_call_error": ("{{ nope() }}", {}),
    "glob/string_not_callable_error": ("{{ 'x'() }}", {}),
    # ---- real-template idioms ------------------------------------------------------------------------------
    "idiom/llama2_system_merge": ("{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if loop.index0 == 0 and system_message != false %}<<{{ system_message }}>>{% endif %}{{ message['content'] }}{% endfor %}", {"messages": MSGS}),
    "idiom/last_query_index": ("{%- set ns = namespace(last=messages|length - 1) %}{%- for message in messages[::-1] %}{%- set index = (messages|length - 1) - loop.index0 %}{%- if message.role == 'user' %}{%- set ns.last = index %}{%- endif %}{%- endfor %}{{ ns.last }}", {"messages": MSGS}),
    "idiom/tool_json": ("{%- for tool in tools %}\n{{- tool | tojson }}\n{%- endfor %}", {"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"x": {"type": "number", "default": 0.5}}}}}]}),
    "idiom/bos_eos": ("{{ bos_token }}{% for m in messages %}{{ m.content + eos_token }}{% endfor %}", {"messages": MSGS, "bos_token": "<s>", "eos_token": "</s>"}),
    "idiom/strip_content": ("{% for m in messages %}[{{ m['content'] | trim }}][{{ m.content.strip() }}]{% endfor %}", {"messages": [{"role": "user", "content": "  padded \n"}]}),
    # ---- syntax errors (Jinja2 refuses to compile these) --------------------------------------------------
    "syntax/unclosed_if": ("{% if true %}x", {}),
    "syntax/unknown_tag": ("{% frobnicate %}", {}),
    "syntax/unknown_filter": ("{{ 1|frobnicate }}", {}),
    "syntax/unknown_test": ("{{ 1 is frobnicated }}", {}),
    "syntax/unclosed_variable": ("{{ 1 + ", {}),
    "syntax/unclosed_string": ("{{ 'abc }}", {}),
    "syntax/unclosed_comment": ("{# abc", {}),
    "syntax/bad_bracket": ("{{ (1 ] }}", {}),
    "syntax/endfor_without_for": ("{% endfor %}", {}),
    "syntax/do_tag_not_enabled": ("{% do x %}", {}),
    "syntax/break_outside_loop": ("{% break %}", {}),
    "syntax/elif_after_else": ("{% if 1 %}{% else %}{% elif 2 %}{% endif %}", {}),
    "syntax/bad_assignment": ("{% set 1 = 2 %}", {}),
    "syntax/chained_is": ("{{ 1 is odd is odd }}", {}),
}


def main():
    cases = []
    for name, (source, context) in CASES.items():
        case = {"name": name, "template": source, "context": context}
        try:
            case["expected"] = ENV.from_string(source).render(**context)
        except Exception as e:
            case["error"] = {"type": type(e).__name__, "message": str(e)}
        cases.append(case)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"generator": "scripts/template-oracle/gen_features.py", "jinja2_version": jinja2.__version__, "cases": cases},
                  f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {OUT}: {len(cases)} cases ({sum('error' in c for c in cases)} errors)")


if __name__ == "__main__":
    main()
