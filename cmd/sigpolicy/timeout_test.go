package main

import (
	"net"
	"sync"
	"testing"
	"time"
)

// silentRegistry accepts connections and never answers; it returns its
// host:port.
func silentRegistry(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// TestTimeouts: every command that talks to a registry has a deadline,
// which must be positive.
func TestTimeouts(t *testing.T) {
	silent := silentRegistry(t)
	policy := writeFile(t, t.TempDir(), "policy.yaml", policyDoc(exampleKeyData(t), "", "p", "MatchRepository", silent))
	workload := writeFile(t, t.TempDir(), "pod.yaml", pod("a", "team", silent+"/app:v1"))
	var cases []cliCase
	for _, cmd := range [][]string{
		{"verify", silent + "/app:v1", "-f", policy},
		{"simulate", "-f", policy, "--workload", workload},
		{"fixtures", "push", "--registry", silent, "--scenarios", "key-tagged", "--out", t.TempDir()},
		{"bench", "--registry", silent, "--scenarios", "key-tagged"},
		{"audit", "-f", policy, "--release", silent + "/release:4.99"},
		{"audit", "-f", policy, "--repository", silent + "/app"},
	} {
		for _, bad := range []string{"0", "0s", "-1s"} {
			cases = append(cases, cliCase{desc: cmd[0] + " --timeout " + bad, args: append(append([]string(nil), cmd...), "--timeout", bad),
				wantCode: exitUsage, wantErr: []string{"--timeout must be positive"}})
		}
		cases = append(cases, cliCase{desc: cmd[0] + " against a registry that never answers", args: append(append([]string(nil), cmd...), "--timeout", "300ms"),
			wantCode: exitUndecided})
	}
	start := time.Now()
	runCases(t, cases)
	if elapsed := time.Since(start); elapsed > 30*time.Second {
		t.Errorf("took %v: a deadline was not kept", elapsed)
	}
}
