// go-x509 checks certificates with Go's crypto/x509, the parser and verifier Consul's agents run, for
// packages/tls's conformance tests. Reads a JSON array of {ca, cert, dnsName, usage} (PEM text; usage "server",
// "client" or "any") on stdin, writes a JSON array of {subject, dnsNames, ips, isCA, error?} in order.
package main

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
)

type testCase struct {
	CA      string `json:"ca"`
	Cert    string `json:"cert"`
	DNSName string `json:"dnsName"`
	Usage   string `json:"usage"`
}

type result struct {
	Subject  string   `json:"subject,omitempty"`
	Issuer   string   `json:"issuer,omitempty"`
	DNSNames []string `json:"dnsNames,omitempty"`
	IPs      []string `json:"ips,omitempty"`
	IsCA     bool     `json:"isCA"`
	Days     int      `json:"days"`
	Error    string   `json:"error,omitempty"`
}

func parse(text string) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("no CERTIFICATE PEM block")
	}
	return x509.ParseCertificate(block.Bytes)
}

func run(c testCase) result {
	cert, err := parse(c.Cert)
	if err != nil {
		return result{Error: "parse: " + err.Error()}
	}
	r := result{Subject: cert.Subject.String(), Issuer: cert.Issuer.String(), DNSNames: cert.DNSNames, IsCA: cert.IsCA,
		Days: int(cert.NotAfter.Sub(cert.NotBefore).Hours() / 24)}
	for _, ip := range cert.IPAddresses {
		r.IPs = append(r.IPs, ip.String())
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM([]byte(c.CA)) {
		r.Error = "no CA certificate"
		return r
	}
	usages := []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
	if c.Usage == "server" {
		usages = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	} else if c.Usage == "client" {
		usages = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: c.DNSName, KeyUsages: usages}); err != nil {
		r.Error = "verify: " + err.Error()
	}
	return r
}

func main() {
	var cases []testCase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := make([]result, len(cases))
	for i, c := range cases {
		out[i] = run(c)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
