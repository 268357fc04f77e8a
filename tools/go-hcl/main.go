// Command go-hcl decodes HCL (version 1) with HashiCorp's real implementation, Debian's
// golang-github-hashicorp-hcl-dev (HCL 1.0.0, the parser Consul and consul-template use), so that
// Conclave's TypeScript port (packages/hcl) can be checked against it.
//
// Input on stdin: a JSON array of {"name", "src"} or {"name", "srcBase64"} (the bytes exactly, which a JSON
// string cannot carry when they are not valid UTF-8).
// Output on stdout: a JSON array, one per case, in order:
//   {"value": ...}  what hcl.Decode puts in a map[string]interface{} (as Consul's config.Parse does);
//   {"error": "..."} the error hcl.Decode returns;
//   {"panic": "..."} when hcl.Decode panics (it does on a few malformed strings).
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"

	"github.com/hashicorp/hcl"
)

type testCase struct {
	Name      string `json:"name"`
	Src       string `json:"src"`
	SrcBase64 string `json:"srcBase64"`
}

type result struct {
	Value interface{} `json:"value,omitempty"`
	Error *string     `json:"error,omitempty"`
	Panic *string     `json:"panic,omitempty"`
}

func decode(c testCase) (res result) {
	defer func() {
		if r := recover(); r != nil {
			msg := fmt.Sprint(r)
			res = result{Panic: &msg}
		}
	}()
	src := c.Src
	if c.SrcBase64 != "" {
		b, err := base64.StdEncoding.DecodeString(c.SrcBase64)
		if err != nil {
			msg := "bad case: " + err.Error()
			return result{Error: &msg}
		}
		src = string(b)
	}
	var raw map[string]interface{}
	if err := hcl.Decode(&raw, src); err != nil {
		msg := err.Error()
		return result{Error: &msg}
	}
	if raw == nil {
		raw = map[string]interface{}{}
	}
	return result{Value: raw}
}

func main() {
	var cases []testCase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		fmt.Fprintln(os.Stderr, "go-hcl: cannot decode cases:", err)
		os.Exit(2)
	}
	results := make([]result, len(cases))
	for i, c := range cases {
		results[i] = decode(c)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(results); err != nil {
		fmt.Fprintln(os.Stderr, "go-hcl:", err)
		os.Exit(2)
	}
}
