import { describe, expect, it } from 'vitest';
import { DependencyStore, KeyPair, ServiceTags, goTimeFormat, parseConsulTemplate } from '../src/internal.js';

const fixed = new Date(Date.UTC(2026, 10, 27, 5, 4, 3, 120));

function run(text: string, data: Record<string, unknown> = {}): string {
  // Helpers need no Consul data; the data is reached through `env`-free variables.
  const t = parseConsulTemplate('h', text, { now: () => fixed, funcs: { data: () => data } });
  const r = t.render(new DependencyStore());
  if (!r.complete) throw new Error('incomplete');
  return r.output!;
}

const pairs = [
  new KeyPair({ Path: 'app/a', Key: 'a', Value: '1', CreateIndex: 1, ModifyIndex: 1, LockIndex: 0, Flags: 0n, Session: '' }),
  new KeyPair({ Path: 'app/db/host', Key: 'db/host', Value: 'h', CreateIndex: 1, ModifyIndex: 1, LockIndex: 0, Flags: 0n, Session: '' }),
  new KeyPair({ Path: 'app/db/port', Key: 'db/port', Value: '5432', CreateIndex: 1, ModifyIndex: 1, LockIndex: 0, Flags: 0n, Session: '' }),
];
const services = [
  { Name: 'a', Tags: ServiceTags.from_(['x', 'y']), ServiceMeta: { version: '2', env: 'prod' }, Port: 80 },
  { Name: 'b', Tags: ServiceTags.from_(['y']), ServiceMeta: { version: '10' }, Port: 81 },
];

const cases: [string, string, string][] = [
  ['base64Encode', '{{base64Encode "héllo"}}', 'aMOpbGxv'],
  ['base64Decode', '{{base64Decode "aMOpbGxv"}}', 'héllo'],
  ['base64URLEncode', '{{base64URLEncode "??>"}}', 'Pz8-'],
  ['base64URLDecode', '{{base64URLDecode "Pz8-"}}', '??>'],
  ['sha256Hex', '{{sha256Hex "abc"}}', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ['md5sum', '{{md5sum "abc"}}', '900150983cd24fb0d6963f7d28e17f72'],
  ['hmacSHA256Hex', '{{hmacSHA256Hex "msg" "key"}}', '2d93cbc1be167bcb1637a4a23cbff01a7878f0c50ee833954ea5221bb1b8c628'],
  ['contains', '{{contains "b" (split "," "a,b")}} {{"web" | contains "x"}}', 'true false'],
  ['in', '{{in (split "," "a,b") "b"}} {{in "haystack" "st"}} {{in (loop 3) 2}}', 'true true true'],
  ['containsAll', '{{containsAll (split "," "a,b") (split "," "a,b,c")}} {{containsAll (split "," "a,z") (split "," "a,b")}}', 'true false'],
  ['containsAny', '{{containsAny (split "," "z,b") (split "," "a,b")}} {{containsAny (split "," "z") (split "," "a")}}', 'true false'],
  ['containsNone', '{{containsNone (split "," "z") (split "," "a")}} {{containsNone (split "," "a") (split "," "a")}}', 'true false'],
  ['containsNotAll', '{{containsNotAll (split "," "a,z") (split "," "a")}} {{containsNotAll (split "," "a") (split "," "a")}}', 'true false'],
  ['split empty', '{{len (split "," "  ")}} {{split "," "a,b"}}', '0 [a b]'],
  ['splitToMap', '{{$m := splitToMap "," "=" "a=1,b=2,c"}}{{$m.a}}{{$m.b}} {{len $m}}', '12 2'],
  ['join', '{{join "-" (split "," "a,b,c")}}', 'a-b-c'],
  ['trim family', '[{{trim "xy" "xyhixy"}}|{{trimPrefix "ab" "abc"}}|{{trimSuffix "bc" "abc"}}|{{trimSpace "  a b \\n"}}]', '[hi|c|a|a b]'],
  ['case', '{{toLower "AbC"}} {{toUpper "AbC"}} {{toTitle "hello wORLD foo-bar"}}', 'abc ABC Hello WORLD Foo-Bar'],
  ['replaceAll', '{{replaceAll "o" "0" "foo boo"}}', 'f00 b00'],
  ['regexMatch', '{{regexMatch "^v[0-9]+$" "v12"}} {{regexMatch "(?i)^ABC" "abcd"}} {{regexMatch "x" "abc"}}', 'true true false'],
  ['regexReplaceAll', '{{regexReplaceAll "(\\\\w+)@(\\\\w+)" "${2}:$1" "me@host you@there"}}', 'host:me there:you'],
  ['regexReplaceAll named', '{{regexReplaceAll "(?P<k>[a-z]+)=(?P<v>\\\\d+)" "$v-$k" "a=1 b=2"}}', '1-a 2-b'],
  // Go's semantics, not JS's: $1x is the group named "1x" (empty), an empty match right after a match is not
  // replaced, \z and \pL are RE2's, and (a+)+$ runs in linear time.
  ['regexReplaceAll Go expansion', '{{regexReplaceAll "(a)" "$1x|${1}x" "a"}}', '|ax'],
  ['regexReplaceAll empty matches', '{{regexReplaceAll "a*" "-" "baaac"}}', '-b-c-'],
  ['regexMatch Go syntax', '{{regexMatch "^\\\\pL+\\\\z" "Éa"}} {{regexMatch "(a+)+$" "aaaaaaaaaaaaaaaaaaaaaaaaaaaa!"}}', 'true false'],
  ['indent', '{{indent 2 "a\\nb\\n\\nc"}}', '  a\n  b\n\n  c'],
  ['loop', '{{range loop 3}}{{.}}{{end}} {{range $i := loop 2 5}}{{$i}}{{end}} {{range loop "2"}}{{.}}{{end}}', '012 234 01'],
  ['parseBool', '{{parseBool "true"}} {{parseBool "0"}} {{parseBool ""}}', 'true false false'],
  ['parseInt', '{{parseInt "-42"}} {{add 1 (parseInt "41")}}', '-42 42'],
  ['parseUint', '{{parseUint "18446744073709551615"}}', '18446744073709551615'],
  ['parseFloat', '{{parseFloat "1.5"}} {{printf "%.1f" (parseFloat "2")}}', '1.5 2.0'],
  ['parseJSON', '{{with parseJSON "{\\"a\\":[1,2],\\"b\\":{\\"c\\":\\"d\\"}}"}}{{.a}} {{.b.c}} {{index .a 1}}{{end}}', '[1 2] d 2'],
  ['parseYAML', '{{with parseYAML "a: 1\\nb:\\n  - x\\n  - y\\n"}}{{.a}} {{.b}}{{end}}', '1 [x y]'],
  ['toJSON', '{{toJSON (parseJSON "{\\"b\\":1,\\"a\\":\\"<x>\\"}")}}', '{"a":"\\u003cx\\u003e","b":1}'],
  ['toUnescapedJSON', '{{toUnescapedJSON (parseJSON "{\\"a\\":\\"<x>\\"}")}}', '{"a":"<x>"}'],
  // Go 1.22+ (current consul-template) writes \b and \f short; the old copy wrote \u0008 as Go 1.21 did.
  ['toJSON control characters', '{{toJSON "\\b\\f\\u0001\\u2028"}}', '"\\b\\f\\u0001\\u2028"'],
  ['parseBool', '{{parseBool "T"}} {{parseBool "0"}} {{parseBool ""}}', 'true false false'],
  ['toJSONPretty', '{{toJSONPretty (parseJSON "{\\"a\\":[1],\\"b\\":{}}")}}', '{\n  "a": [\n    1\n  ],\n  "b": {}\n}'],
  // yaml.v2 does not indent a sequence under its key; parseJSON's numbers are float64, which BurntSushi/toml
  // writes with a decimal point (both checked against Go in sprig-conformance.test.ts).
  ['toYAML', '{{toYAML (parseJSON "{\\"b\\":[1,2],\\"a\\":\\"x\\"}")}}', 'a: x\nb:\n- 1\n- 2'],
  ['toTOML', '{{toTOML (parseJSON "{\\"b\\":2,\\"a\\":\\"x\\"}")}}', 'a = "x"\nb = 2.0'],
  ['math ints', '{{add 2 3}} {{subtract 1 5}} {{multiply 4 5}} {{divide 2 11}} {{modulo 3 11}} {{minimum 3 5}} {{maximum 3 5}}', '5 4 20 5 2 3 5'],
  ['math floats', '{{add 1.5 1}} {{divide 2 5.0}} {{multiply 2 1.25}}', '2.5 2.5 2.5'],
  ['math pipe', '{{10 | subtract 3 | multiply 2}}', '14'],
  ['timestamp', '{{timestamp}} {{timestamp "unix"}} {{timestamp "2006-01-02 15:04:05.000 Mon Jan _2"}}', '2026-11-27T05:04:03Z 1795755843 2026-11-27 05:04:03.120 Fri Nov 27'],
  ['explode', '{{with explode (data).pairs}}{{.a}} {{.db.host}} {{.db.port}}{{end}}', '1 h 5432'],
  ['byKey', '{{range $k, $v := byKey (data).pairs}}{{$k}}:{{range $kk, $p := $v}}{{$kk}}={{$p.Value}},{{end}}{{end}}', 'db:host=h,port=5432,'],
  ['byTag', '{{range $tag, $s := byTag (data).services}}{{$tag}}={{range $s}}{{.Name}}{{end}};{{end}}', 'x=a;y=ab;'],
  ['byMeta', '{{range $k, $s := byMeta "env,version|int" (data).services}}{{$k}}:{{len $s}};{{end}}', '_no_env__00010:1;prod_00002:1;'],
  ['explodeMap', '{{with explodeMap (parseJSON "{\\"a/b\\":1,\\"a/c\\":2}")}}{{.a.b}}{{.a.c}}{{end}}', '12'],
  ['mergeMap', '{{$m := mergeMap (parseJSON "{\\"a\\":1}") (parseJSON "{\\"a\\":2,\\"b\\":3}")}}{{$m.a}}{{$m.b}} {{$o := mergeMapWithOverride (parseJSON "{\\"a\\":1}") (parseJSON "{\\"a\\":2}")}}{{$o.a}}', '13 2'],
];

describe('consul-template helpers', () => {
  for (const [name, text, want] of cases) {
    it(name, () => {
      expect(run(text, { pairs, services })).toBe(want);
    });
  }

  it('report errors the way consul-template does', () => {
    expect(() => run('{{base64Decode "%%%"}}')).toThrow('error calling base64Decode: base64Decode: illegal base64 data at input byte 0');
    expect(() => run('{{parseInt "x"}}')).toThrow('error calling parseInt: parseInt: strconv.ParseInt: parsing "x": invalid syntax');
    expect(() => run('{{parseBool "maybe"}}')).toThrow('parseBool: strconv.ParseBool: parsing "maybe": invalid syntax');
    expect(() => run('{{divide 0 1}}')).toThrow('error calling divide: runtime error: integer divide by zero');
    expect(() => run('{{add "a" 1}}')).toThrow('error calling add: add: unknown type for "a" (string)');
    expect(() => run('{{indent -1 "x"}}')).toThrow('indent value must be a positive integer');
    expect(() => run('{{loop 1 2 3}}')).toThrow('loop: wrong number of arguments, expected 1 or 2, but got 3');
    expect(() => run('{{timestamp "a" "b"}}')).toThrow('timestamp: wrong number of arguments, expected 0 or 1, but got 2');
    expect(() => run('{{key 5}}')).toThrow('template: h:1:6: executing "h" at <5>: expected string; found 5');
    expect(() => run('{{key (len "ab")}}')).toThrow('wrong type for value; expected string; got int');
    expect(() => run('{{regexMatch "(" "x"}}')).toThrow('error calling regexMatch: error parsing regexp');
  });

  it('formats Go time layouts', () => {
    expect(goTimeFormat(fixed, 'Jan 2, 2006 at 3:04pm (MST)')).toBe('Nov 27, 2026 at 5:04am (UTC)');
    expect(goTimeFormat(fixed, time3339())).toBe('2026-11-27T05:04:03.12Z');
  });
});

function time3339(): string {
  return '2006-01-02T15:04:05.999999999Z07:00';
}

describe('scratch and byPort', () => {
  it('scratch keeps values for one render', () => {
    expect(
      run('{{scratch.Set "a" "x"}}{{scratch.SetX "a" "y"}}{{scratch.Get "a"}} {{scratch.Key "a"}} {{scratch.Key "b"}} {{scratch.Get "b"}} {{scratch.MapSet "m" "z" 1}}{{scratch.MapSet "m" "b" 2}}{{scratch.MapSetX "m" "b" 3}}{{scratch.MapValues "m"}}'),
    ).toBe('x true false <no value> [2 1]');
    expect(() => run('{{scratch.Set "s" 1}}{{scratch.MapSet "s" "k" 1}}')).toThrow('"s" is not a map');
  });

  it('byPort groups by port, ports in numeric order', () => {
    const svcs = [{ Port: 9000, Name: 'a' }, { Port: 80, Name: 'b' }, { Port: 9000, Name: 'c' }];
    expect(run('{{range $p, $s := byPort (data).svcs}}{{$p}}:{{len $s}} {{end}}', { svcs })).toBe('80:1 9000:2 ');
    expect(run('{{range index (byPort (data).svcs) 9000}}{{.Name}}{{end}}', { svcs })).toBe('ac');
  });
});
