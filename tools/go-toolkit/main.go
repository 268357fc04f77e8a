// go-toolkit answers cases with Go's own standard library, for packages/toolkit's and packages/metrics'
// conformance tests: time.ParseDuration, time.Duration.String, strconv.ParseBool, net.SplitHostPort, encoding/json
// string encoding, regexp (MatchString, ReplaceAllString) and the float spellings go-metrics' sinks produce
// (Prometheus text, JSON float32, statsd %f). Reads a JSON array of {op, input, pattern?, repl?} on stdin, writes
// a JSON array of {output?, error?}.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"time"
)

type testCase struct {
	Op    string `json:"op"`
	Input string `json:"input"`
	// regexpMatch and regexpReplaceAll: the pattern, and the replacement template.
	Pattern string `json:"pattern"`
	Repl    string `json:"repl"`
}

type result struct {
	Output *string `json:"output,omitempty"`
	Error  *string `json:"error,omitempty"`
}

func ok(s string) result  { return result{Output: &s} }
func fail(e error) result { s := e.Error(); return result{Error: &s} }

func run(c testCase) result {
	switch c.Op {
	case "parseDuration":
		d, err := time.ParseDuration(c.Input)
		if err != nil {
			return fail(err)
		}
		return ok(strconv.FormatInt(int64(d), 10))
	case "formatDuration":
		n, err := strconv.ParseInt(c.Input, 10, 64)
		if err != nil {
			return fail(err)
		}
		return ok(time.Duration(n).String())
	case "parseBool":
		b, err := strconv.ParseBool(c.Input)
		if err != nil {
			return fail(err)
		}
		return ok(strconv.FormatBool(b))
	case "splitHostPort":
		h, p, err := net.SplitHostPort(c.Input)
		if err != nil {
			return fail(err)
		}
		return ok(h + "|" + p)
	case "jsonString", "jsonStringNoHTML":
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(c.Op == "jsonString")
		if err := enc.Encode(c.Input); err != nil {
			return fail(err)
		}
		return ok(string(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))))
	case "regexpMatch", "regexpReplaceAll":
		re, err := regexp.Compile(c.Pattern)
		if err != nil {
			return fail(err)
		}
		if c.Op == "regexpMatch" {
			return ok(strconv.FormatBool(re.MatchString(c.Input)))
		}
		return ok(re.ReplaceAllString(c.Input, c.Repl))
	case "formatFloatG", "jsonFloat32", "sprintfFloat32", "formatFloat32F":
		f, err := strconv.ParseFloat(c.Input, 64)
		if err != nil {
			return fail(err)
		}
		switch c.Op {
		case "formatFloatG":
			return ok(strconv.FormatFloat(f, 'g', -1, 64))
		case "jsonFloat32":
			b, err := json.Marshal(float32(f))
			if err != nil {
				return fail(err)
			}
			return ok(string(b))
		case "sprintfFloat32":
			return ok(fmt.Sprintf("%f", float32(f)))
		default:
			return ok(strconv.FormatFloat(float64(float32(f)), 'f', -1, 64))
		}
	}
	s := "unknown op " + c.Op
	return result{Error: &s}
}

func main() {
	var cases []testCase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		panic(err)
	}
	out := make([]result, len(cases))
	for i, c := range cases {
		out[i] = run(c)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		panic(err)
	}
}
