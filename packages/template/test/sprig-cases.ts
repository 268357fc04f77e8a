// sprig_* cases compared with the real sprig (tools/go-sprig) by sprig-conformance.test.ts. Only functions
// with deterministic output; data is JSON (numbers: int when integral, else float64).
export interface SprigCase {
  name: string;
  template: string;
  data?: unknown;
}

const exprs: string[] = [
  // strings
  'sprig_trim "  a b \\t\\n"', 'sprig_upper "aBc"', 'sprig_lower "AbC"', 'sprig_title "hello wide world"', 'sprig_title "o\'neil is-here"',
  'sprig_untitle "Hello World"', 'sprig_substr 1 3 "abcdef"', 'sprig_substr -1 3 "abcdef"', 'sprig_substr 2 -1 "abcdef"', 'sprig_substr 2 99 "abcdef"',
  'sprig_repeat 3 "ab"', 'sprig_trimAll "$" "$$5.00$"', 'sprig_trimall "ab" "abxba"', 'sprig_trimSuffix "-" "hello-"', 'sprig_trimPrefix "-" "-hello"',
  'sprig_nospace "a b\\tc\\nd"', 'sprig_initials "First Try"', 'sprig_abbrev 5 "hello world"', 'sprig_abbrev 3 "hello world"', 'sprig_abbrev 20 "hello"',
  'sprig_trunc 5 "hello world"', 'sprig_trunc -5 "hello world"', 'sprig_trunc 50 "hi"', 'sprig_snakecase "FirstName"', 'sprig_snakecase "HTTPServer"',
  'sprig_kebabcase "FirstName"', 'sprig_camelcase "http_server"', 'sprig_contains "cat" "catch"', 'sprig_hasPrefix "cat" "catch"', 'sprig_hasSuffix "ch" "catch"',
  'sprig_quote "a" 1 "b\\"c"', 'sprig_squote "a" 1', 'sprig_cat "hello" 1 "world" 2.5', 'sprig_indent 2 "a\\nb"', 'sprig_nindent 2 "a\\nb"',
  'sprig_replace " " "-" "I Am Henry"', 'sprig_replace "" "-" "ab"', 'sprig_plural "one" "many" 1', 'sprig_plural "one" "many" 2', 'sprig_toString 5',
  'sprig_toString 1.5', 'sprig_toString true', 'sprig_toStrings (sprig_list 1 "a" 2.5)', 'sprig_atoi "42"', 'sprig_atoi "x"', 'sprig_int "0x1F"',
  'sprig_int "3.0"', 'sprig_int 3.9', 'sprig_int64 "12"', 'sprig_int true', 'sprig_float64 "1.5"', 'sprig_float64 "abc"', 'sprig_float64 3',
  'sprig_seq 5', 'sprig_seq -3', 'sprig_seq 2 5', 'sprig_seq 5 2', 'sprig_seq 0 2 10', 'sprig_seq 10 -3 0', 'sprig_seq 1 -1 5',
  'sprig_split "$" "foo$bar$baz"', 'sprig_splitList "," "a,b,,c"', 'sprig_splitn "$" 2 "foo$bar$baz"', 'sprig_join "-" (sprig_list 1 "a" 2)',
  'sprig_sortAlpha (sprig_list "c" "a" "B")', 'sprig_until 5', 'sprig_until -3', 'sprig_untilStep 3 6 2', 'sprig_untilStep 6 3 -1', 'sprig_untilStep 1 5 0',
  // math
  'sprig_add1 5', 'sprig_add 1 2 3', 'sprig_add "3" 4', 'sprig_sub 10 3', 'sprig_mul 2 3 4', 'sprig_div 7 2', 'sprig_div -7 2', 'sprig_mod 7 3', 'sprig_mod -7 3',
  'sprig_max 1 5 3', 'sprig_min 4 2 6', 'sprig_biggest 1 9', 'sprig_maxf 1.5 2 0.5', 'sprig_minf 1.5 2 0.5', 'sprig_ceil 1.2', 'sprig_floor 1.8', 'sprig_floor -1.5',
  'sprig_round 3.14159 2', 'sprig_round 2.5 0', 'sprig_round 1.45 1 0.6', 'sprig_addf 1.5 2', 'sprig_subf 5 1.5 1', 'sprig_mulf 1.5 2', 'sprig_divf 10 4', 'sprig_add1f 1.5',
  'sprig_div 1 0',
  // defaults and flow
  'sprig_default "foo" ""', 'sprig_default "foo" "bar"', 'sprig_default 5 0', 'sprig_default "d" (sprig_list)', 'sprig_empty ""', 'sprig_empty 0', 'sprig_empty (sprig_dict)',
  'sprig_empty (sprig_list 1)', 'sprig_coalesce 0 "" "x"', 'sprig_coalesce 0 ""', 'sprig_all 1 "a" true', 'sprig_all 1 ""', 'sprig_any 0 "" 3', 'sprig_any 0 ""',
  'sprig_ternary "y" "n" true', 'sprig_ternary "y" "n" false', 'sprig_fail "boom"',
  'sprig_toJson (sprig_dict "b" 1 "a" (sprig_list "<x>" 2.5))', 'sprig_toPrettyJson (sprig_dict "a" 1)', 'sprig_toRawJson (sprig_dict "a" "<b>")',
  '(sprig_fromJson "{\\"a\\": [1, 2.5, \\"x\\"]}").a', 'sprig_fromJson "nope"',
  // reflection
  'sprig_typeOf 1', 'sprig_typeOf "a"', 'sprig_typeOf 1.5', 'sprig_typeOf (sprig_list)', 'sprig_typeOf (sprig_dict)', 'sprig_kindOf 1', 'sprig_kindOf (sprig_list)',
  'sprig_kindOf (sprig_dict)', 'sprig_kindIs "int" 1', 'sprig_typeIs "string" "a"', 'sprig_deepEqual (sprig_list 1 2) (sprig_list 1 2)', 'sprig_deepEqual 1 "1"',
  // paths
  'sprig_base "/a/b.txt"', 'sprig_base "/a/b/"', 'sprig_base ""', 'sprig_dir "/a/b/c"', 'sprig_dir "a"', 'sprig_clean "/a//b/../c/"', 'sprig_clean ""', 'sprig_ext "x/y.tar.gz"',
  'sprig_ext "x.d/y"', 'sprig_isAbs "/a"', 'sprig_isAbs "a"', 'sprig_osBase "/a/b"',
  // encodings and hashes
  'sprig_b64enc "hello"', 'sprig_b64dec "aGVsbG8="', 'sprig_b64dec "a!b"', 'sprig_b32enc "hello"', 'sprig_b32dec "NBSWY3DP"', 'sprig_b32dec "x"',
  'sprig_sha1sum "hi"', 'sprig_sha256sum "hi"', 'sprig_adler32sum "hello world"',
  'sprig_regexMatch "^[a-z]+$" "abc"', 'sprig_regexMatch "(" "abc"', 'sprig_regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W"', 'sprig_regexQuoteMeta "1.5+[x]"',
  // semver
  'sprig_semverCompare "^1.2.0" "1.2.3"', 'sprig_semverCompare "^1.2.0" "2.0.0"', 'sprig_semverCompare "~1.2.0" "1.2.9"', 'sprig_semverCompare "~1.2.0" "1.3.0"',
  'sprig_semverCompare ">=1.2, <2" "1.9.9"', 'sprig_semverCompare ">1.2 || <1.0" "0.9.0"', 'sprig_semverCompare "1.2 - 1.4" "1.3.0"', 'sprig_semverCompare "1.2 - 1.4" "1.5.0"',
  'sprig_semverCompare "1.2.x" "1.2.7"', 'sprig_semverCompare "1.2.x" "1.3.0"', 'sprig_semverCompare ">=1.0.0" "1.1.0-beta"', 'sprig_semverCompare ">=1.0.0-0" "1.1.0-beta"',
  'sprig_semverCompare "!=1.2.3" "1.2.3"', 'sprig_semverCompare "<=1.2" "1.2.9"', 'sprig_semverCompare "^0.2.3" "0.2.9"', 'sprig_semverCompare "^0.2.3" "0.3.0"',
  'sprig_semverCompare "*" "3.0.0"', 'sprig_semverCompare ">1.x" "2.0.0"', 'sprig_semverCompare "bogus" "1.0.0"', 'sprig_semverCompare "1.0" "x.y"',
  '(sprig_semver "v1.2.3-beta.1+build").Major', '(sprig_semver "1.2").Minor', '(sprig_semver "1.2.3-rc.1").Prerelease', '(sprig_semver "1.2.3+meta").Metadata',
  '(sprig_semver "1.2.3").Compare (sprig_semver "1.10.0")', '(sprig_semver "1.0.0-alpha").LessThan (sprig_semver "1.0.0-alpha.1")', 'sprig_semver "nope"',
  // dates and durations (fixed times)
  'sprig_date "2006-01-02 15:04" 0', 'sprig_dateInZone "Jan 2, 2006 3:04pm" 1700000000 "UTC"', 'sprig_htmlDateInZone 1700000000 "UTC"', 'sprig_duration 95', 'sprig_duration "3600"',
  // lists
  'sprig_list 1 "a" 2.5', 'sprig_append (sprig_list 1 2) 3', 'sprig_prepend (sprig_list 1 2) 0', 'sprig_first (sprig_list 1 2 3)', 'sprig_first (sprig_list)',
  'sprig_last (sprig_list 1 2 3)', 'sprig_rest (sprig_list 1 2 3)', 'sprig_rest (sprig_list)', 'sprig_initial (sprig_list 1 2 3)', 'sprig_reverse (sprig_list 1 2 3)',
  'sprig_uniq (sprig_list 1 2 2 1 "1")', 'sprig_without (sprig_list 1 2 3 2) 2', 'sprig_has 2 (sprig_list 1 2)', 'sprig_has "2" (sprig_list 1 2)',
  'sprig_compact (sprig_list 1 "" 0 "a" false)', 'sprig_concat (sprig_list 1) (sprig_list 2 3)', 'sprig_chunk 2 (sprig_list 1 2 3 4 5)', 'sprig_slice (sprig_list 1 2 3 4) 1 3',
  'sprig_slice (sprig_list 1 2 3) 1', 'sprig_append 5 1', 'sprig_first "abc"',
  // dicts
  'sprig_dict "a" 1 "b" "x"', 'sprig_dict "a"', 'sprig_get (sprig_dict "a" 1) "a"', 'sprig_get (sprig_dict "a" 1) "z"', 'sprig_set (sprig_dict "a" 1) "b" 2',
  'sprig_unset (sprig_dict "a" 1 "b" 2) "a"', 'sprig_hasKey (sprig_dict "a" 1) "a"', 'sprig_pluck "a" (sprig_dict "a" 1) (sprig_dict "b" 2) (sprig_dict "a" 3)',
  'sprig_sortAlpha (sprig_keys (sprig_dict "b" 1 "a" 2) (sprig_dict "c" 3))', 'sprig_values (sprig_dict "a" 1)', 'sprig_pick (sprig_dict "a" 1 "b" 2 "c" 3) "a" "c"',
  'sprig_omit (sprig_dict "a" 1 "b" 2) "a"', 'sprig_merge (sprig_dict "a" 1 "n" (sprig_dict "x" 1)) (sprig_dict "a" 2 "b" 3 "n" (sprig_dict "y" 2))',
  'sprig_mergeOverwrite (sprig_dict "a" 1 "n" (sprig_dict "x" 1)) (sprig_dict "a" 2 "b" 3 "n" (sprig_dict "x" 5))', 'sprig_dig "a" "b" "def" (sprig_dict "a" (sprig_dict "b" 7))',
  'sprig_dig "a" "z" "def" (sprig_dict "a" (sprig_dict "b" 7))', 'sprig_hello',
  // go-spew (consul-template's spew_*)
  'spew_sdump "abc"', 'spew_sdump 5', 'spew_sdump 1.5', 'spew_sdump 2.0', 'spew_sdump true', 'spew_sdump "a" 1', 'spew_sdump (sprig_list 1 "a" (sprig_list 2))',
  'spew_sdump (sprig_list)', 'spew_sdump (sprig_dict "k" (sprig_list 1 2))', 'spew_sdump (sprig_dict)', 'spew_sdump (sprig_dict "a" (sprig_dict "b" "c"))',
  'spew_sprintf "%v %d %s" (sprig_list 1 2) 3 "x"',
  // consul-template's toYAML (yaml.v2), toTOML (BurntSushi/toml) and parseYAML
  'toYAML (sprig_dict "b" 1 "a" (sprig_list "x" 2.5 true) "c" (sprig_dict "d" "e: f"))', 'toYAML (sprig_list)', 'toYAML (sprig_dict)', 'toYAML "multi\nline"',
  'toYAML (sprig_dict "s" "yes" "n" "123" "e" "" "t" "true" "null" "~")', 'toYAML (sprig_list (sprig_dict "a" 1) (sprig_list 1 2))',
  'toTOML (sprig_dict "a" (sprig_list 1 2))', 'toTOML (sprig_dict "name" "web" "port" 80 "ratio" 0.5 "on" true)',
  'toTOML (sprig_dict "a" 1 "t" (sprig_dict "x" "y" "n" (sprig_dict "z" 1)))', 'toTOML (sprig_dict "list" (sprig_list (sprig_dict "a" 1) (sprig_dict "a" 2)))',
  'toTOML (sprig_dict "k" "quote\"d" "key with space" 1)', 'toTOML (sprig_dict "m" (sprig_list "a" 1))', 'toTOML (sprig_dict "f" 2.0)', 'toTOML "x"',
  '(parseYAML "a: 1\nb: [x, 2.5, true, null]\nc: {d: e}").b', 'parseYAML "a: 1\nb: [x, 2.5]"', 'parseYAML ""', 'parseYAML "- 1\n- two"',
  'parseYAML "n: 0x1F\no: 010\nbig: 12345678901234567890\nf: 1e3\ny: yes\nt: 2001-12-14"',
  'toYAML (sprig_dict "a10" 1 "a2" 2 "B" 3 "_x" 4 "1" 5)', 'toYAML (sprig_dict "k" "a\nb" "l" "a\nb\n" "m" " lead" "n" "- x" "o" "x #y" "p" "it\'s" "q" "a:b")',
  'toYAML (sprig_dict "f" 1.5 "g" 2.0 "h" 1e21 "i" 0.000001 "j" -3)', 'toYAML (sprig_list (sprig_list 1 (sprig_list 2)) (sprig_dict "a" (sprig_list "x")))',
  'toYAML (sprig_dict "on" "off" "2001-12-14" "0x1F" "v" "1.0" "w" "1:20" "z" "@at")', 'toYAML "plain"', 'toYAML 1.5', 'toYAML (sprig_dict "a" (sprig_dict))',
  'toTOML (sprig_dict "k" "quote\"d" "key with space" 1 "s" "a\nb\u0001")', 'toTOML (sprig_dict "z" (sprig_dict) "e" (sprig_list) "n" (sprig_list (sprig_list 1 2) (sprig_list "a")))',
  'toTOML (sprig_dict "b" (sprig_dict "x" 1) "a" (sprig_list (sprig_dict "y" 2)) "c" 3 "h" 1e21 "s" 0.1)',
];

export const SPRIG_CASES: SprigCase[] = [
  ...exprs.map((e, i) => ({ name: `expr-${i}`, template: `{{ ${e} }}` })),
  { name: 'data-default', template: '{{ .missing | sprig_default "none" }} {{ .name | sprig_default "none" }}', data: { name: 'web' } },
  { name: 'data-list', template: '{{ range sprig_reverse .l }}{{ . }},{{ end }}{{ sprig_join "," (sprig_sortAlpha .l) }}', data: { l: ['b', 'c', 'a'] } },
  { name: 'data-dict', template: '{{ $d := sprig_dict "k" .v }}{{ sprig_toJson $d }} {{ sprig_get .m "x" }}', data: { v: 3, m: { x: 'y' } } },
  { name: 'data-float', template: '{{ sprig_add .f 1 }} {{ sprig_addf .f 1 }} {{ sprig_toString .f }}', data: { f: 2.5 } },
  { name: 'pipeline', template: '{{ "Hello World" | sprig_lower | sprig_replace " " "_" | sprig_quote }}' },
];
