// Command go-sprig renders text/template cases with Go's text/template plus Masterminds/sprig (and go-spew's
// spew_sdump/spew_sprintf) registered the
// way consul-template registers it (every function of sprig.TxtFuncMap() under a "sprig_" prefix), so that
// packages/template's sprig_* functions can be compared with the real library (Debian's
// golang-github-masterminds-sprig-dev, sprig 3.2.3; consul-template pins 3.3.0, whose changes are additions).
//
// Input on stdin: a JSON array of {"name", "template", "data"}; output: one {"output"} or {"error"} per case.
// JSON numbers are decoded as int when integral and float64 otherwise, as in tools/go-template.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"text/template"

	"github.com/BurntSushi/toml"
	"github.com/Masterminds/sprig"
	"github.com/davecgh/go-spew/spew"
	yaml "gopkg.in/yaml.v2"
)

type testCase struct {
	Name     string          `json:"name"`
	Template string          `json:"template"`
	Data     json.RawMessage `json:"data"`
}

type result struct {
	Output *string `json:"output,omitempty"`
	Error  *string `json:"error,omitempty"`
}

func normalize(v interface{}) interface{} {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return int(i)
		}
		f, err := x.Float64()
		if err != nil {
			return x.String()
		}
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int(f)
		}
		return f
	case []interface{}:
		for i := range x {
			x[i] = normalize(x[i])
		}
		return x
	case map[string]interface{}:
		for k := range x {
			x[k] = normalize(x[k])
		}
		return x
	}
	return v
}

var funcs = func() template.FuncMap {
	m := template.FuncMap{}
	for k, v := range sprig.TxtFuncMap() {
		m["sprig_"+k] = v
	}
	// consul-template's debug functions over go-spew's default configuration.
	m["spew_sdump"] = func(args ...interface{}) (string, error) { return spew.Sdump(args...), nil }
	m["spew_sprintf"] = func(format string, args ...interface{}) (string, error) { return spew.Sprintf(format, args...), nil }
	// consul-template's serialisation helpers, as template/funcs.go writes them (yaml.v2, BurntSushi/toml).
	m["toYAML"] = func(v interface{}) (string, error) {
		out, err := yaml.Marshal(v)
		if err != nil {
			return "", fmt.Errorf("toYAML: %s", err)
		}
		return string(bytes.TrimSpace(out)), nil
	}
	m["toTOML"] = func(v interface{}) (string, error) {
		var buf bytes.Buffer
		if err := toml.NewEncoder(&buf).Encode(v); err != nil {
			return "", fmt.Errorf("toTOML: %s", err)
		}
		return string(bytes.TrimSpace(buf.Bytes())), nil
	}
	m["parseYAML"] = func(s string) (interface{}, error) {
		if s == "" {
			return map[string]interface{}{}, nil
		}
		var data interface{}
		if err := yaml.Unmarshal([]byte(s), &data); err != nil {
			return nil, err
		}
		return data, nil
	}
	return m
}()

func run(c testCase) (res result) {
	defer func() {
		if r := recover(); r != nil {
			msg := fmt.Sprintf("panic: %v", r)
			res = result{Error: &msg}
		}
	}()
	var data interface{}
	if len(c.Data) > 0 {
		dec := json.NewDecoder(bytes.NewReader(c.Data))
		dec.UseNumber()
		if err := dec.Decode(&data); err != nil {
			msg := "bad case data: " + err.Error()
			return result{Error: &msg}
		}
		data = normalize(data)
	}
	t, err := template.New("t").Funcs(funcs).Parse(c.Template)
	if err != nil {
		msg := err.Error()
		return result{Error: &msg}
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		msg := err.Error()
		return result{Error: &msg}
	}
	out := buf.String()
	return result{Output: &out}
}

func main() {
	var cases []testCase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		fmt.Fprintln(os.Stderr, "go-sprig: cannot decode cases:", err)
		os.Exit(2)
	}
	results := make([]result, len(cases))
	for i, c := range cases {
		results[i] = run(c)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(results); err != nil {
		fmt.Fprintln(os.Stderr, "go-sprig:", err)
		os.Exit(2)
	}
}
