import { writeFileSync } from 'node:fs';
// Regenerates test/conformance/*.json (the expected results come from Go at test time, not from here).
// Usage: node test/generate-conformance.mjs
const out = new URL('./conformance/', import.meta.url).pathname;
const files = {};
function add(file, name, template, data, extra = {}) {
  (files[file] ??= []).push({ name, template, ...(data === undefined ? {} : { data }), ...extra });
}

// ---------- trimming ----------
const trimT = [
  ['left trim', 'a  \n {{- .x}}'], ['right trim', '{{.x -}}  \n b'], ['both', 'a \t{{- .x -}}\n\nb'],
  ['no space no trim', 'a {{-3}} b'], ['minus number', '{{-3}}'], ['trim tab marker', 'a\t{{-\t.x\t-}}\tb'],
  ['trim newline marker', 'a\n{{-\n.x\n-}}\nb'], ['comment trim', 'a {{- /* c */ -}} b'], ['comment no trim', 'a {{/* c */}} b'],
  ['comment left', 'a  {{- /* c */}}  b'], ['comment right', 'a  {{/* c */ -}}  b'], ['multiline comment', 'x{{/* line1\nline2 */}}y'],
  ['range trim', '{{range .l -}}\n  {{.}}\n{{- end}}'], ['if trim', '{{if .x -}}\n yes \n{{- end}}'],
  ['trim all text', '   {{- .x -}}   '], ['trim keeps inner', '[ {{- " a " -}} ]'], ['trim crlf', 'a\r\n{{- .x -}}\r\nb'],
  ['trim with pipe', '{{- .x | printf "%q" -}}'], ['else trim', '{{if .f}}T{{- else -}} F {{end}}'],
  ['nested trims', '{{range .l -}} {{- . -}} , {{- end}}'], ['trim only spaces', 'a \u00a0{{- .x}}'],
  ['bad comment end', 'a {{/* c */ x}} b'], ['unclosed comment', 'a {{/* c '], ['comment then trim bad', '{{/* c */-}}'],
  ['trim marker without space', '{{.x-}}'], ['double trim', '{{- - .x}}'],
  ['empty action trim', '{{- }}'], ['trim around define', '{{define "a" -}} A {{- end}}[{{template "a"}}]'],
  ['trim eof', 'x {{- .x -}}'], ['multiple lines trim', 'line1\n\n\n{{- .x}}\n\n{{- .x -}}\n\nend'],
];
for (const [n, t] of trimT) add('trim.json', n, t, { x: 'X', l: [1, 2, 3], f: false });

// ---------- range ----------
const lists = { empty: [], one: ['a'], three: ['a', 'b', 'c'], nums: [3, 1, 2], nested: [[1, 2], [3]], mixed: [1, 'x', true, null, 2.5], maps: [{ n: 'a' }, { n: 'b' }] };
const maps = { emptym: {}, m: { b: 2, a: 1, c: 3 }, um: { 'Z': 1, 'a': 2, '_': 3, '1': 4, 'ä': 5, 'B': 6 }, nm: { x: { y: 1 }, w: { y: 2 } } };
const data = { ...lists, ...maps, s: 'str', n: 5, nil: null, t: true };
const rangeT = [
  '{{range .X}}{{.}},{{end}}', '{{range .X}}{{.}}{{else}}none{{end}}', '{{range $e := .X}}[{{$e}}]{{end}}',
  '{{range $i, $e := .X}}{{$i}}={{$e}};{{end}}', '{{range $i, $e := .X}}{{$i}}={{$e}};{{else}}empty{{end}}',
  '{{range .X}}{{break}}{{end}}done', '{{range $i, $e := .X}}{{if eq $i 1}}{{break}}{{end}}{{$e}}{{end}}',
  '{{range $i, $e := .X}}{{if eq $i 1}}{{continue}}{{end}}{{$e}}{{end}}', '{{len .X}}', '{{range .X}}{{$}}{{end}}',
  '{{range $k, $v := .X}}{{$k}}{{end}}', '{{with .X}}{{range .}}<{{.}}>{{end}}{{else}}nothing{{end}}',
  '{{range .X}}{{range .X}}x{{end}}{{end}}', '{{range $x := .X}}{{end}}{{$x}}',
];
for (const key of [...Object.keys(lists), ...Object.keys(maps), 's', 'n', 'nil', 'missing', 't']) {
  rangeT.forEach((t, i) => add('range.json', `${key} #${i}`, t.replaceAll('.X', '.' + key), data));
}
add('range.json', 'range over nested maps', '{{range $k, $v := .nm}}{{$k}}:{{$v.y}} {{end}}', data);
add('range.json', 'range maps items field', '{{range .maps}}{{.n}}{{end}}', data);
add('range.json', 'range nested lists', '{{range .nested}}({{range .}}{{.}}{{end}}){{end}}', data);
add('range.json', 'range dot restored', '{{range .three}}{{end}}{{.s}}', data);
add('range.json', 'range else sees outer dot', '{{range .empty}}x{{else}}{{.s}}{{end}}', data);
add('range.json', 'break in else is error', '{{range .empty}}{{else}}{{break}}{{end}}', data);
add('range.json', 'break outside range', '{{break}}', data);
add('range.json', 'continue outside range', '{{if true}}{{continue}}{{end}}', data);
add('range.json', 'three vars', '{{range $a, $b, $c := .three}}{{end}}', data);
add('range.json', 'range non var decl', '{{range $a, 3 := .three}}{{end}}', data);
add('range.json', 'range nil field of nil', '{{range .nil.x}}{{end}}', data);
add('range.json', 'range string keys sort unicode', '{{range $k, $v := .um}}{{$k}}{{$v}} {{end}}', data);
add('range.json', 'range of pipeline', '{{range (slice .three 1)}}{{.}}{{end}}', data);
add('range.json', 'range elem field on scalar', '{{range .three}}{{.x}}{{end}}', data);
add('range.json', 'range elem field on nil', '{{range .mixed}}{{.x}}{{end}}', data);
add('range.json', 'range assign to outer', '{{$c := 0}}{{range .three}}{{$c = .}}{{end}}{{$c}}', data);
add('range.json', 'nested break only inner', '{{range .three}}{{range .nums}}{{break}}{{end}}{{.}}{{end}}', data);

// ---------- variables ----------
const varT = [
  ['declare', '{{$x := 1}}{{$x}}'], ['assign', '{{$x := 1}}{{$x = 2}}{{$x}}'], ['root', '{{$}}'], ['root field', '{{$.a}}'],
  ['scope if', '{{$x := 1}}{{if true}}{{$x := 2}}{{$x}}{{end}}{{$x}}'], ['assign in if', '{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}'],
  ['scope with', '{{with $x := .a}}{{$x}}{{end}}'], ['scope leak', '{{if true}}{{$y := 1}}{{end}}{{$y}}'], ['undefined', '{{$z}}'],
  ['assign undefined', '{{$z = 1}}'], ['shadow', '{{$x := "a"}}{{range .l}}{{$x := .}}{{$x}}{{end}}{{$x}}'],
  ['decl prints nothing', '{{$x := "hidden"}}'], ['var field', '{{$m := .m}}{{$m.k}}'], ['var chain', '{{$.m.k}}'],
  ['var missing', '{{$m := .m}}{{$m.nope}}'], ['var in template', '{{define "T"}}{{$}}{{end}}{{$x := 1}}{{template "T" .a}}'],
  ['var not visible in template', '{{define "T"}}{{$x}}{{end}}{{$x := 1}}{{template "T"}}'], ['root in range', '{{range .l}}{{$.a}}{{end}}'],
  ['var pipeline', '{{$x := .a | printf "%s!"}}{{$x}}'], ['var func', '{{$x := len .l}}{{$x}}'], ['multiple decls', '{{$x, $y := 1}}'],
  ['dollar only', '{{$ := 1}}'], ['var paren', '{{$x := (index .l 1)}}{{$x}}'], ['var nil', '{{$x := .n}}{{$x}}'],
  ['var nil field', '{{$x := .n}}{{$x.y}}'], ['var in else', '{{if false}}{{else}}{{$e := 3}}{{$e}}{{end}}'],
  ['var if else if', '{{$v := 0}}{{if eq .a "x"}}{{$v = 1}}{{else if eq .a "A"}}{{$v = 2}}{{end}}{{$v}}'],
  ['with assign scope', '{{$x := 1}}{{with .a}}{{$x = 5}}{{end}}{{$x}}'], ['dollar in with', '{{with .m}}{{$.a}}{{.k}}{{end}}'],
  ['var name chars', '{{$x_1 := 1}}{{$x_1}}'], ['var unicode', '{{$ä := "u"}}{{$ä}}'],
  ['assign type change', '{{$x := 1}}{{$x = "s"}}{{$x}}'], ['var range decl leak', '{{range $i, $e := .l}}{{end}}{{$i}}'],
];
for (const [n, t] of varT) add('vars.json', n, t, { a: 'A', l: [1, 2, 3], m: { k: 'v' }, n: null });

// ---------- printf ----------
const vals = { s: 'hello', e: '', i: 42, neg: -7, z: 0, f: 3.14159, nf: -2.5, big: 1234567.891, tiny: 0.000012345, b: true, l: [1, 2], sl: ['a', 'b'], m: { a: 1 }, nil: null, u: 'héllo' };
const verbs = ['%v', '%s', '%d', '%q', '%x', '%X', '%f', '%.2f', '%5d', '%-5d|', '%05d', '%-10s|', '%10s', '%05.2f', '%e', '%g', '%t', '%c', '%o', '%b', '%+d', '%8.3f', '%.3s', '%T', '%5v', '%+v', '%#v', '% d', '%U'];
for (const v of verbs) for (const k of ['s', 'i', 'neg', 'f', 'b', 'l', 'nil', 'u']) {
  add('printf.json', `${v} ${k}`, `{{printf "${v}" .${k}}}`, vals);
}
const printfExtra = [
  ['missing arg', '{{printf "%d %d" 1}}'], ['extra arg', '{{printf "%d" 1 2}}'], ['extra args mixed', '{{printf "x" 1 "a" .nil}}'],
  ['percent', '{{printf "100%%"}}'], ['no verb', '{{printf "%"}}'], ['bad verb', '{{printf "%z" 1}}'], ['star width', '{{printf "%*d" 5 3}}'],
  ['star prec', '{{printf "%.*f" 2 3.14159}}'], ['index arg', '{{printf "%[2]d %[1]d" 1 2}}'], ['float rounding half even', '{{printf "%.0f %.0f %.0f %.1f" 0.5 1.5 2.5 0.25}}'],
  ['float rounding up', '{{printf "%.2f %.2f" 1.005 2.675}}'], ['big float', '{{printf "%v %v %v" 1e21 1e20 123456789.0}}'],
  ['small float', '{{printf "%v %v" 0.0001 0.00001}}'], ['g prec', '{{printf "%.3g %.10g %g" 1234.5678 1.0 100000.0}}'],
  ['e prec', '{{printf "%.0e %.3e %E" 12345.0 0.00012345 1.5}}'], ['neg zero pad', '{{printf "%06d|%06.2f|%-06d|" -42 -3.14159 5}}'],
  ['plus float', '{{printf "%+.1f %+d" 2.0 0}}'], ['space flag', '{{printf "% d|% d" 5 -5}}'], ['sharp x', '{{printf "%#x %#o %#X" 255 8 255}}'],
  ['x string', '{{printf "%x % x %X" "hi" "hi" "hi"}}'], ['q escapes', '{{printf "%q" "a\\tb\\n\\"c\\u00e9\\x01"}}'], ['q int', '{{printf "%q %c" 65 66}}'],
  ['v map nested', '{{printf "%v" .}}'], ['d on list', '{{printf "%d" .l}}'], ['s on list of ints', '{{printf "%s" .l}}'], ['5d on list', '{{printf "%3d" .l}}'],
  ['prec string unicode', '{{printf "%.2s" "héllo"}}'], ['width unicode', '{{printf "%6s|" "é"}}'], ['print spacing', '{{print 1 2 "a" "b" 3 .nil 4}}'],
  ['println', '{{println 1 "a" .nil}}'], ['print none', '{{print}}'], ['printf non string format', '{{printf 3}}'], ['printf format from data', '{{printf .s}}'],
  ['printf int format data', '{{printf .i}}'], ['printf float int', '{{printf "%d" 2.5}}'], ['printf 1.0 const', '{{printf "%v %f %T" 1.0 1.0 1.0}}'],
  ['printf bool verbs', '{{printf "%v %t %5t|" true false true}}'], ['float v integral data', '{{printf "%v %T" .flt .flt}}'],
  ['printf %v nil', '{{printf "%v %s %d" .nil .nil .nil}}'], ['printf missing key', '{{printf "%v|%s" .nope .nope}}'],
  ['zero width prec', '{{printf "%.0d|%.0d" 0 5}}'], ['prec int', '{{printf "%.5d" 42}}'], ['minus overrides zero', '{{printf "%-05d|" 3}}'],
  ['big ints', '{{printf "%d %x" 9007199254740991 4294967296}}'], ['huge float', '{{printf "%f" 1e22}}'], ['inf', '{{printf "%v %f" .inf .inf}}'],
  ['html escapes', '{{html "<script>alert(\'x\')</script> & \\"q\\""}}'], ['html non string', '{{html 1 2 .nil}}'], ['js escapes', '{{js "a\\\\b\'c\\"d<e>f&g=h\\n\\u2028"}}'],
  ['js unicode', '{{js "héllo"}}'], ['urlquery', '{{urlquery "a b/c?d=e&f" "x"}}'], ['urlquery unicode', '{{urlquery "é~-_."}}'], ['html missing', '{{html .nope}}'],
  ['pipe to printf', '{{.i | printf "%03d"}}'], ['pipe multiple', '{{"a" | printf "%s-%s" "b" | printf "[%s]"}}'], ['print map', '{{print .m}}'], ['print list', '{{.l}}'],
  ['print nested list', '{{.nested}}'], ['print empty', '{{.e}}|{{.emptyl}}|{{.emptym}}'], ['float printing', '{{.f}} {{.nf}} {{.big}} {{.tiny}} {{.flt}}'],
  ['sprint float list', '{{print .fl}}'],
];
for (const [n, t] of printfExtra) add('printf.json', n, t, { ...vals, nested: [[1], ['x', null]], emptyl: [], emptym: {}, flt: 2.0, fl: [1.5, 2, 1e-7] });

// ---------- comparisons ----------
const cmpVals = ['1', '2', '1.5', '2.5', '"a"', '"b"', 'true', 'false', '.i', '.f', '.s', '.nil', '.missing', '.l', '.m', '-1', "'a'", '97'];
for (const op of ['eq', 'ne', 'lt', 'le', 'gt', 'ge']) {
  for (const [a, b] of [['1', '2'], ['2', '1'], ['1', '1'], ['1', '1.5'], ['1.5', '2.5'], ['"a"', '"b"'], ['"b"', '"a"'], ['true', 'true'], ['true', '1'], ['.i', '3'], ['.i', '.f'], ['.f', '1.5'], ['.s', '"x"'], ['.nil', '.nil'], ['.missing', '1'], ['.l', '.l'], ['.m', '1'], ['-1', '1'], ["'a'", '97'], ['.nil', 'nil'], ['.s', '.missing'], ['1', '1.0'], ['.flt', '2']]) {
    add('compare.json', `${op} ${a} ${b}`, `{{${op} ${a} ${b}}}`, { i: 3, f: 1.5, s: 'x', nil: null, l: [1], m: { a: 1 }, flt: 2.0 });
  }
}
for (const t of ['{{eq 1 2 3 1}}', '{{eq "a" "b" "a"}}', '{{eq 1}}', '{{eq}}', '{{eq 1 "a" 1}}', '{{eq 1 1 "a"}}', '{{lt 1}}', '{{lt 1 2 3}}', '{{ne 1}}', '{{lt true false}}', '{{eq .l .l}}', '{{eq .m .m}}', '{{lt .l 1}}', '{{eq .nil .missing}}'])
  add('compare.json', `special ${t}`, t, { l: [1], m: { a: 1 }, nil: null });

// ---------- missing fields and nil ----------
const mdata = { a: { b: { c: 'deep' } }, n: null, s: 'str', i: 1, l: [1, { k: 'v' }], e: {}, z: 0, f: false };
const missT = [
  '{{.nope}}', '{{.a.nope}}', '{{.a.nope.more}}', '{{.a.b.c}}', '{{.a.b.c.d}}', '{{.n}}', '{{.n.x}}', '{{.s.x}}', '{{.i.x}}', '{{.l.x}}',
  '{{.e.x}}', '{{.nope.x}}', '{{index .l 1 "k"}}', '{{index .l 5}}', '{{index .l -1}}', '{{index .l "x"}}', '{{index .a "b" "c"}}',
  '{{index .a "zz"}}', '{{index .n 1}}', '{{index .nope 1}}', '{{index .s 0}}', '{{index .s 10}}', '{{index .i 0}}', '{{index .l 1.5}}', '{{index .l .n}}',
  '{{index .a .n}}', '{{index .a 1}}', '{{index .l 2}}', '{{len .nope}}', '{{len .n}}', '{{len .i}}', '{{len .a}}', '{{len .s}}', '{{len "héllo"}}',
  '{{if .nope}}y{{else}}n{{end}}', '{{if .n}}y{{else}}n{{end}}', '{{if .e}}y{{else}}n{{end}}', '{{if .z}}y{{else}}n{{end}}', '{{if .f}}y{{else}}n{{end}}',
  '{{if .a}}y{{else}}n{{end}}', '{{with .nope}}y{{else}}n{{end}}', '{{with .a.b}}{{.c}}{{end}}', '{{not .nope}}', '{{not .n}}', '{{not .a}}',
  '{{and .a .s}}', '{{and .a .z .s}}', '{{or .z .f .s}}', '{{or .z .f}}', '{{and}}', '{{or .nope .n}}', '{{and .nope .n}}', '{{and 1 .nope.x}}', '{{or 1 .n.x}}', '{{and 0 .n.x}}',
  '{{.}}', '{{print .nope .n}}', '{{.nope | print}}', '{{.n | print}}', '{{printf "%v" .a.nope}}', '{{slice .l 1}}', '{{slice .s 1 2}}', '{{slice .s 2 1}}',
  '{{slice .l 0 5}}', '{{slice .n 1}}', '{{slice .i}}', '{{slice .s 1 2 3}}', '{{slice .l 0 1 2}}', '{{slice .l}}', '{{slice .l 1 2 3 4}}',
  '{{nil}}', '{{.i 1}}', '{{.a.b 1}}', '{{1 2}}', '{{"x" | .a}}', '{{.s | .i}}', '{{not 1 2}}', '{{len}}', '{{index}}', '{{call .s}}', '{{call .nope}}',
];
missT.forEach((t, i) => add('missing.json', `${i} ${t}`, t, mdata));
for (const mk of ['default', 'zero', 'error']) for (const t of ['{{.nope}}', '{{.a.nope}}', '{{.nope.x}}', '{{index .a "zz"}}', '{{print .nope}}', '{{.n}}', '{{if .nope}}y{{else}}n{{end}}'])
  add('missing.json', `missingkey=${mk} ${t}`, t, mdata, { missingKey: mk });
add('missing.json', 'nil data field', '{{.x}}', null);
add('missing.json', 'nil data dot', '{{.}}', null);
add('missing.json', 'nil data missingkey error', '{{.x}}', null, { missingKey: 'error' });
add('missing.json', 'scalar data', '{{.}} {{.x}}', 5);
add('missing.json', 'list data', '{{index . 1}} {{len .}}', ['a', 'b']);
add('missing.json', 'string data field', '{{.x}}', 'abc');

// ---------- control flow ----------
const ctrlT = [
  ['if else if else 1', '{{if eq .n 1}}one{{else if eq .n 2}}two{{else}}many{{end}}', { n: 1 }],
  ['if else if else 2', '{{if eq .n 1}}one{{else if eq .n 2}}two{{else}}many{{end}}', { n: 2 }],
  ['if else if else 3', '{{if eq .n 1}}one{{else if eq .n 2}}two{{else}}many{{end}}', { n: 3 }],
  ['else with', '{{with .a}}A{{else}}none{{end}}', {}], ['with dot', '{{with .a}}{{.}}{{end}}', { a: 'x' }],
  ['with else chain', '{{with .a}}{{.}}{{else}}{{with .b}}{{.}}{{end}}{{end}}', { b: 'B' }],
  ['if pipeline', '{{if .a | len}}has{{end}}', { a: 'x' }], ['if paren', '{{if (and .a .b)}}both{{else}}not{{end}}', { a: 1, b: 0 }],
  ['define template', '{{define "x"}}X{{.}}{{end}}{{template "x" "y"}}', {}],
  ['template no data', '{{define "x"}}[{{.}}]{{end}}{{template "x"}}', { a: 1 }],
  ['template dot', '{{define "x"}}{{.a}}{{end}}{{template "x" .}}', { a: 1 }],
  ['template undefined', '{{template "nope"}}', {}], ['block default', '{{block "b" .}}default {{.a}}{{end}}', { a: 1 }],
  ['block then define', '{{block "b" .}}default{{end}}{{define "b"}}override{{end}}', {}],
  ['define twice', '{{define "a"}}1{{end}}{{define "a"}}2{{end}}{{template "a"}}', {}],
  ['define empty then full', '{{define "a"}} {{end}}{{define "a"}}2{{end}}{{template "a"}}', {}],
  ['define main name', '{{define "t"}}inner{{end}}', {}], ['recursive template', '{{define "r"}}{{if .}}{{index . 0}}{{template "r" (slice . 1)}}{{end}}{{end}}{{template "r" .}}', [1, 2, 3]],
  ['define no end', '{{define "a"}}x', {}], ['define bad name', '{{define a}}x{{end}}', {}], ['template bad name', '{{template x}}', {}],
  ['nested define', '{{define "a"}}{{define "b"}}{{end}}{{end}}', {}], ['end without start', '{{end}}', {}], ['else without start', '{{else}}', {}],
  ['if without end', '{{if .a}}x', {}], ['else twice', '{{if .a}}x{{else}}y{{else}}z{{end}}', {}], ['else if in range', '{{range .}}{{else if true}}{{end}}', []],
  ['with else if', '{{with .a}}x{{else if .b}}y{{end}}', {}], ['if missing pipeline', '{{if}}x{{end}}', {}], ['range missing pipeline', '{{range}}{{end}}', {}],
  ['parens', '{{(print "a")}}', {}], ['nested parens', '{{printf "%s" (printf "%d" (len .l))}}', { l: [1, 2] }], ['paren field', '{{(.a).b}}', { a: { b: 'c' } }],
  ['paren field on func', '{{(index .l 0).k}}', { l: [{ k: 'v' }] }], ['chain on string lit', '{{"x".y}}', {}], ['chain on nil', '{{(nil).y}}', {}],
  ['chain on dot', '{{..y}}', {}], ['pipe non exec', '{{.a | "x"}}', {}], ['pipe to dot', '{{.a | .}}', {}], ['empty pipe stage', '{{.a | }}', {}],
  ['unexpected char', '{{.a ; .b}}', {}], ['unclosed paren', '{{(.a}}', {}], ['extra paren', '{{.a)}}', {}], ['unclosed action', '{{.a', {}],
  ['unclosed action multi line', '{{.a\n\n', {}], ['unterminated string', '{{"abc}}', {}], ['unterminated raw', '{{`abc}}', {}], ['raw string', '{{`a\\nb`}}', {}],
  ['raw newline', '{{`a\nb`}}', {}], ['string escapes', '{{"\\x41\\u00e9\\101\\t"}}', {}], ['bad escape', '{{"\\q"}}', {}], ['char const', "{{'a'}} {{'\\n'}} {{printf \"%c\" 'é'}}", {}],
  ['bad char const', "{{'ab'}}", {}], ['number forms', '{{0x1F}} {{0o17}} {{017}} {{0b101}} {{1_000}} {{1e3}} {{.5}} {{-3}} {{+4}}', {}],
  ['bad number', '{{3x}}', {}], ['bad number 2', '{{0x}}', {}], ['int overflow', '{{99999999999999999999}}', {}], ['float overflow int', '{{printf "%T" 1e3}}', {}],
  ['undefined func', '{{nope 1}}', {}], ['func as field arg', '{{len .a .b}}', { a: [] }], ['bool literal', '{{true}} {{false}}', {}],
  ['nil literal arg', '{{print nil}}', {}], ['nil command', '{{nil}}', {}], ['dot command', '{{.}}', 'x'], ['comment only', '{{/* only */}}', {}],
  ['text only', 'plain text', {}], ['empty', '', {}], ['keyword as func', '{{if if}}{{end}}', {}], ['assign in pipe', '{{.a | $x := 1}}', {}],
  ['declare nonvar', '{{3 := 1}}', {}], ['colon alone', '{{$x : 1}}', {}], ['multiline action', '{{printf\n"%d"\n5}}', {}],
  ['multiline error line', 'a\nb\n{{.x.y}}', { x: 'z' }], ['error col utf8', 'é{{.x.y}}', { x: 'z' }], ['error col second line', 'ab\ncd {{index .l 9}}', { l: [] }],
  ['parse error line 3', 'a\nb\n{{if}}', {}], ['error in define', '{{define "d"}}\n{{.x.y}}{{end}}{{template "d" .}}', { x: 1 }],
  ['error in range', '{{range .}}\n  {{.q.r}}{{end}}', [{ q: 'z' }]], ['long context truncation', '{{printf "%s %s %s %s %s" .a .b .c .d .e.f}}', { e: 'x' }],
  ['error context pipe', '{{.a | printf "%s" | len | lt 1 "x"}}', { a: 'q' }], ['range over int', '{{range 5}}x{{end}}', {}], ['range over bool', '{{range true}}x{{end}}', {}],
  ['range over func result', '{{range (print "ab")}}x{{end}}', {}], ['with break outside', '{{with .}}{{break}}{{end}}', {}],
  ['break args', '{{range .}}{{break 1}}{{end}}', []], ['identifier bad char', '{{.a#}}', {}], ['var bad char', '{{$a#}}', {}], ['unicode ident', '{{.ä}}', { 'ä': 1 }],
  ['field on number literal', '{{3.x}}', {}], ['unrecognized char', '{{.a \u00e9}}', {}], ['control char', '{{.a \u0001}}', {}], ['right paren unexpected', '{{)}}', {}],
  ['else if chain long', '{{if false}}1{{else if false}}2{{else if true}}3{{else}}4{{end}}', {}], ['if trailing else if else', '{{if false}}1{{else if false}}2{{else}}3{{end}}', {}],
  ['not args', '{{not}}', {}], ['and short circuit', '{{and false (index .l 9)}}', { l: [] }], ['or short circuit', '{{or true (index .l 9)}}', { l: [] }],
  ['and evaluates', '{{and true (index .l 9)}}', { l: [] }], ['and returns value', '{{and 1 "x" 2}}', {}], ['or returns value', '{{or 0 "" "z"}}', {}],
  ['and pipe final', '{{"x" | and 1}}', {}], ['or pipe final', '{{0 | or 0}}', {}], ['call non func', '{{call 1}}', {}],
];
for (const [n, t, d] of ctrlT) add('control.json', n, t, d);

// ---------- delimiters ----------
const delimT = [
  ['brackets', '[[.a]] {{.a}}', '[[', ']]'], ['angle', '<%.a%> <%- .a -%> x', '<%', '%>'], ['same chars', '||.a|| text', '||', '||'],
  ['long delims', '{{{.a}}}', '{{{', '}}}'], ['comment custom', '[[/* c */]]x', '[[', ']]'], ['trim custom', 'a  [[- .a -]]  b', '[[', ']]'],
  ['unclosed custom', '[[.a', '[[', ']]'], ['range custom', '<<range .l>><<.>>,<<end>>', '<<', '>>'], ['empty left default', '{{.a}}', '', ']]'],
  ['dollar delims', '${.a}$', '${', '}$'], ['right delim in string', '[[ "]]" ]]', '[[', ']]'], ['delim with field term', '[[.a]]]]', '[[', ']]'],
];
for (const [n, t, l, r] of delimT) add('delims.json', n, t, { a: 'A', l: [1, 2] }, { leftDelim: l, rightDelim: r });
add('delims.json', 'template name in errors', '{{.a.b}}', { a: 1 }, { tname: 'haproxy.ctmpl' });
add('delims.json', 'template name parse error', '{{if}}', {}, { tname: 'my file.tmpl' });

// ---------- the article's templates (with Go data standing in for consul-template's functions) ----------
const haproxy1 = 'global log /dev/log local0 log /dev/log local1 notice chroot /var/lib/haproxy user haproxy group haproxy daemon frontend main *:80 default_backend web backend web balance roundrobin{{range .web}} server {{.ID}} {{.Address}}:{{.Port}} check{{end}} |';
const web = [{ ID: 'web1', Address: '10.0.0.1', Port: 8080 }, { ID: 'web2', Address: '10.0.0.2', Port: 8081 }];
add('article.json', 'haproxy backend', haproxy1, { web });
add('article.json', 'haproxy backend empty', haproxy1, { web: [] });
const bg = 'backend web {{$state := .state}} bind *:{{if eq $state "green"}}8080{{else}}80{{end}}{{range .blue}} server {{.ID}} {{.Address}}:{{.Port}}{{end}} bind *:{{if eq $state "green"}}80{{else}}8080{{end}}{{range .green}} server {{.ID}} {{.Address}}:{{.Port}}{{end}} |';
add('article.json', 'blue green blue', bg, { state: 'blue', blue: web.slice(0, 1), green: web.slice(1) });
add('article.json', 'blue green green', bg, { state: 'green', blue: web.slice(0, 1), green: web.slice(1) });
add('article.json', 'multi line haproxy', 'backend web\n  balance roundrobin\n{{- range .web}}\n  server {{.ID}} {{.Address}}:{{.Port}} check\n{{- end}}\n', { web });

let total = 0;
for (const [f, cases] of Object.entries(files)) {
  writeFileSync(out + f, JSON.stringify(cases, null, 1) + '\n');
  total += cases.length;
  console.log(f, cases.length);
}
console.log('total', total);

// ---------- numeric formatting matrix (second batch) ----------
const nums = { a: 0.1, b: 1.5, c: 2.5, d: -0.005, e: 123456789.125, f: 1e-7, g: 6.02214076e23, h: 0.000123456, i: 100, j: -42, k: 0, l: 1e100, m: 5e-324, n: 1.7976931348623157e308, o: 0.5, p: 999.9999 };
const fverbs = ['%v', '%.0f', '%.1f', '%.3f', '%8.2f', '%-8.2f|', '%+.2e', '%.3e', '%E', '%g', '%.2g', '%.10g', '%G', '%012.4f', '% .3f', '%x'];
for (const v of fverbs) for (const k of Object.keys(nums)) {
  (files['printf2.json'] ??= []).push({ name: `${v} ${k}`, template: `{{printf "${v}" .${k}}}`, data: nums });
}
for (const [n, t] of [
  ['q list', '{{printf "%q" .sl}}'], ['x negative', '{{printf "%x %X %o %b" -255 -255 -8 -5}}'], ['v nested nil', '{{printf "%v" .nn}}'],
  ['d uint-ish big', '{{printf "%d" 18446744073709551615}}'], ['T of things', '{{printf "%T %T %T %T %T" .sl .nn 1 "s" true}}'],
  ['width on map', '{{printf "%6v" .nn}}'], ['sharp v nested', '{{printf "%#v" .nn}}'], ['plus v map', '{{printf "%+v" .nn}}'],
  ['c of big', '{{printf "%c%c" 128512 65}}'], ['U sharp', '{{printf "%#U" 233}}'], ['q unicode plus', '{{printf "%+q" "héllo"}}'], ['sharp q', '{{printf "%#q" "back`tick"}}'],
  ['sharp q plain', '{{printf "%#q" "plain"}}'], ['percent width', '{{printf "%5%|"}}'], ['index reuse', '{{printf "%[1]d %[1]x %[1]o" 64}}'], ['bad index', '{{printf "%[3]d" 1}}'],
  ['star neg width', '{{printf "%*d|" -4 7}}'], ['star bad', '{{printf "%*d" "x" 7}}'], ['prec on int via v', '{{printf "%.3v" 7}}'], ['prec string v', '{{printf "%.2v" "abcdef"}}'],
] ) (files['printf2.json'] ??= []).push({ name: n, template: t, data: { sl: ['a', 'b"c'], nn: { a: [1, null, { b: null }], c: 'x' } } });
// ---------- error positions across lines, trimming and comments ----------
const posT = [
  'a\n\n{{- .x.y}}', 'a\n{{.ok}}\n  {{- /* c\n c */ -}}\n\n{{.x.y}}', '{{if .ok}}\n{{else}}\n{{end}}\n{{.x.y}}',
  '{{range .l}}\n{{- .y}}\n{{- end}}', '{{define "d"}}\n\n  {{.x.y}}{{end}}\n{{template "d" .}}', '{{/*\n\n*/}}{{.x.y}}',
  '\t{{.x.y}}', 'é\nü{{.x.y}}', '{{- "a" -}}\n\n{{.x.y -}}\n', '{{printf "%d"\n  .x.y}}', '{{with .ok}}\n{{$.x.y}}{{end}}',
  '{{.ok}}\n{{if}}', '{{.ok}}\n\n{{else}}', '{{if .ok}}\n\n{{end}}{{end}}', 'a\n{{range .l}}\n{{break 2}}{{end}}', '{{.ok\n\n', '{{/* unclosed\n\n',
  'x\n{{ "unterminated }}', '{{.ok}}\n{{$u}}', '{{.ok}}\n{{nofunc 1}}', '{{define "a"}}\n{{end}}{{define "a"}}x{{end}}',
  '{{.ok}}{{\n.x.y\n}}', '{{.ok}}{{ (index\n .l 5) }}', 'line1\nline2 {{len 3}}', '{{.ok}} {{- \n .x.y}}', '{{ .l | len | printf "%s" | .x }}',
  '{{if .ok}}{{else if}}{{end}}', '{{range $i, $e := .l}}\n{{$i.x}}{{end}}', '{{template "missing" .}}\n', '{{block "b" .}}\n{{.x.y}}{{end}}',
];
posT.forEach((t, i) => (files['positions.json'] ??= []).push({ name: `pos ${i}`, template: t, data: { ok: 'yes', x: 'str', l: [1, 2] } }));

for (const f of ['printf2.json', 'positions.json']) { writeFileSync(out + f, JSON.stringify(files[f], null, 1) + '\n'); console.log(f, files[f].length); }
