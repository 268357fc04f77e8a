// Command go-template renders text/template cases with Go's real implementation, so that
// Conclave's TypeScript implementation can be checked against it (packages/template conformance suite).
//
// Input on stdin: a JSON array of {"name", "template", "data", "tname"?, "leftDelim"?, "rightDelim"?, "missingKey"?}.
// Output on stdout: a JSON array, one {"output": "..."} or {"error": "..."} per case, in order.
//
// JSON numbers are decoded as int when integral and float64 otherwise, matching how Conclave
// maps JavaScript numbers onto Go types.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"text/template"
)

type testCase struct {
	Name       string          `json:"name"`
	Template   string          `json:"template"`
	Data       json.RawMessage `json:"data"`
	TName      string          `json:"tname"`
	LeftDelim  string          `json:"leftDelim"`
	RightDelim string          `json:"rightDelim"`
	MissingKey string          `json:"missingKey"`
}

type result struct {
	Output *string `json:"output,omitempty"`
	Error  *string `json:"error,omitempty"`
}

// normalize turns json.Number into int or float64, recursively.
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
	name := c.TName
	if name == "" {
		name = "t"
	}
	t := template.New(name).Delims(c.LeftDelim, c.RightDelim)
	if c.MissingKey != "" {
		t = t.Option("missingkey=" + c.MissingKey)
	}
	t, err := t.Parse(c.Template)
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
		fmt.Fprintln(os.Stderr, "go-template: cannot decode cases:", err)
		os.Exit(2)
	}
	results := make([]result, len(cases))
	for i, c := range cases {
		results[i] = run(c)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(results); err != nil {
		fmt.Fprintln(os.Stderr, "go-template:", err)
		os.Exit(2)
	}
}
