// Command go-sockaddr evaluates go-sockaddr template expressions (what consul-template's `sockaddr` function
// runs) with hashicorp/go-sockaddr's own template package, over a fixed list of interface addresses given on
// stdin instead of the host's, so that packages/template's implementation can be compared with it.
//
// Input on stdin: {"ifAddrs": [{"name", "address" (CIDR or bare IP), "loopback"?}], "cases": ["expr", ...]}.
// Each case is evaluated as "{{ expr }}" with the list as dot, as sockaddr's template.Parse does with the host's.
// Output on stdout: a JSON array, one {"output": "..."} or {"error": "..."} per case, in order.
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"

	sockaddr "github.com/hashicorp/go-sockaddr"
	socktmpl "github.com/hashicorp/go-sockaddr/template"
)

type ifAddrIn struct {
	Name     string `json:"name"`
	Address  string `json:"address"`
	Loopback bool   `json:"loopback"`
}

type input struct {
	IfAddrs []ifAddrIn `json:"ifAddrs"`
	Cases   []string   `json:"cases"`
}

type result struct {
	Output *string `json:"output,omitempty"`
	Error  *string `json:"error,omitempty"`
}

func run(expr string, ifs sockaddr.IfAddrs) (res result) {
	defer func() {
		if r := recover(); r != nil {
			msg := fmt.Sprintf("panic: %v", r)
			res = result{Error: &msg}
		}
	}()
	out, err := socktmpl.ParseIfAddrs("{{ "+expr+" }}", ifs)
	if err != nil {
		msg := err.Error()
		return result{Error: &msg}
	}
	return result{Output: &out}
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, "bad input:", err)
		os.Exit(2)
	}
	ifs := make(sockaddr.IfAddrs, 0, len(in.IfAddrs))
	for i, a := range in.IfAddrs {
		ip, err := sockaddr.NewIPAddr(a.Address)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bad address:", err)
			os.Exit(2)
		}
		flags := net.FlagUp | net.FlagBroadcast | net.FlagMulticast
		if a.Loopback {
			flags = net.FlagUp | net.FlagLoopback
		}
		ifs = append(ifs, sockaddr.IfAddr{SockAddr: ip, Interface: net.Interface{Index: i + 1, MTU: 1500, Name: a.Name, Flags: flags}})
	}
	results := make([]result, len(in.Cases))
	for i, c := range in.Cases {
		results[i] = run(c, ifs)
	}
	if err := json.NewEncoder(os.Stdout).Encode(results); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
