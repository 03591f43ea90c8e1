package main

import (
	"encoding/json"
	"net"
	"os"
	"testing"

	"github.com/claimsdesk/backend/infra/local/stack"
)

// TestFindRunning: `token`, `invoke` and `reset` find a stack started on
// any ports through its run file, ignore a run file left by a stack that
// died, and fall back to the configured services address.
func TestFindRunning(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	write := func(r running) {
		b, _ := json.Marshal(r)
		if err := os.WriteFile(runFile(dir), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := stack.Config{StateDir: dir, ServicesAddr: "127.0.0.1:1"}

	write(running{PID: os.Getpid(), ServicesAddr: ln.Addr().String(), ServicesURL: "http://" + ln.Addr().String(), Parameters: map[string]string{"Greeting": "hi"}})
	r := findRunning(cfg)
	if r == nil || r.ServicesURL != "http://"+ln.Addr().String() || r.Parameters["Greeting"] != "hi" {
		t.Fatalf("findRunning = %+v, want the stack on %s", r, ln.Addr())
	}

	// A stack killed without removing its file: its PID is gone.
	write(running{PID: 1 << 30, ServicesAddr: ln.Addr().String(), ServicesURL: "http://" + ln.Addr().String()})
	if r := findRunning(cfg); r != nil {
		t.Errorf("findRunning with a dead PID and nothing on %s = %+v, want nil", cfg.ServicesAddr, r)
	}
	cfg.ServicesAddr = ln.Addr().String()
	if r := findRunning(cfg); r == nil || r.ServicesURL != "http://"+ln.Addr().String() {
		t.Errorf("findRunning on the configured address = %+v", r)
	}
}
