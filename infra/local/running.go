package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/claimsdesk/backend/infra/local/stack"
)

// runFile is where a running stack says where it listens, so that `token`,
// `invoke` and `reset` find it whatever PORT and SERVICES_PORT it was
// started with.
func runFile(stateDir string) string { return filepath.Join(stateDir, "running.json") }

// running is what a running stack writes to its run file.
type running struct {
	PID          int               `json:"pid"`
	APIURL       string            `json:"apiUrl"`
	ServicesURL  string            `json:"servicesUrl"`
	ServicesAddr string            `json:"servicesAddr"`
	StackName    string            `json:"stackName"`
	Region       string            `json:"region"`
	Parameters   map[string]string `json:"parameters,omitempty"`
	// SignInURL is the user pool's hosted sign-in (its domain's endpoints)
	// and SignInClients the app clients it serves, by logical ID: what a
	// page signing users in is configured with.
	SignInURL     string            `json:"signInUrl,omitempty"`
	SignInClients map[string]string `json:"signInClients,omitempty"`
	StartedAt     time.Time         `json:"startedAt"`
}

// announce writes the run file of a stack that is ready and returns the
// function that removes it (when the stack stops).
func announce(cfg stack.Config, s *stack.Stack) (func(), error) {
	dir := cfg.StateDir
	if dir == "" {
		dir = ".local"
	}
	r := running{
		PID: os.Getpid(), APIURL: s.APIURL, ServicesURL: s.ServicesURL,
		ServicesAddr: hostPort(s.ServicesURL), StackName: s.Model.Name, Region: s.Model.Region,
		Parameters: cfg.Parameters, StartedAt: time.Now().UTC(),
	}
	if s.SignIn != nil {
		r.SignInURL, r.SignInClients = s.SignIn.URL, s.SignIn.Clients
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	path := runFile(dir)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return func() {
		// Only our own file: another stack may have started since.
		if cur, err := readRunning(dir); err == nil && cur.PID == r.PID {
			os.Remove(path)
		}
	}, nil
}

func hostPort(url string) string {
	for _, p := range []string{"http://", "https://"} {
		if len(url) > len(p) && url[:len(p)] == p {
			return url[len(p):]
		}
	}
	return url
}

func readRunning(stateDir string) (*running, error) {
	b, err := os.ReadFile(runFile(stateDir))
	if err != nil {
		return nil, err
	}
	var r running
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", runFile(stateDir), err)
	}
	return &r, nil
}

// findRunning returns the stack running from this state directory: the
// one its run file names, if that process is alive and answers on its
// services port, else one answering on the configured services address
// (a stack started before run files existed). Nil when none runs.
func findRunning(cfg stack.Config) *running {
	dir := cfg.StateDir
	if dir == "" {
		dir = ".local"
	}
	if r, err := readRunning(dir); err == nil && alive(r.PID) && answers(r.ServicesAddr) {
		return r
	}
	if answers(cfg.ServicesAddr) {
		return &running{ServicesAddr: cfg.ServicesAddr, ServicesURL: "http://" + cfg.ServicesAddr}
	}
	return nil
}

func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func answers(addr string) bool {
	if addr == "" {
		return false
	}
	conn, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}
