// Package stacktest starts local stacks for tests and benchmarks: the
// project's own stack (template.yaml at the module root) on free ports with a
// private state directory, or a fixture project written on the fly. It also
// has the small HTTP helpers the end-to-end tests share.
//
// Only tests and benchmarks import it.
//
// Layer: local.
package stacktest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claimsdesk/backend/infra/local/stack"
)

// ModuleRoot returns the directory of the project's go.mod.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	root, err := moduleRootFrom(".")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// Option adjusts a test stack's configuration.
type Option func(*stack.Config)

// WithStateDir keeps state in dir (to test restarts).
func WithStateDir(dir string) Option { return func(c *stack.Config) { c.StateDir = dir } }

// WithRoot runs another project.
func WithRoot(root string) Option { return func(c *stack.Config) { c.Root = root } }

// WithConfig applies arbitrary changes.
func WithConfig(f func(*stack.Config)) Option { return Option(f) }

// Start starts a stack for the project at the module root (unless WithRoot)
// on free ports and stops it when the test ends. Function output is captured
// and shown only when the test fails.
func Start(t testing.TB, opts ...Option) *stack.Stack {
	t.Helper()
	out := &lockedBuffer{}
	cfg := stack.Config{
		Root:         ModuleRoot(t),
		StateDir:     t.TempDir(),
		APIAddr:      "127.0.0.1:0",
		ServicesAddr: "127.0.0.1:0",
		Console:      out,
		Logger:       slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.BuildDir == "" {
		// One build cache per project root, shared by every test stack.
		cfg.BuildDir = filepath.Join(os.TempDir(), "claimsdesk-test-build", strings.NewReplacer("/", "_", ":", "_").Replace(cfg.Root))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, err := stack.Start(ctx, cfg)
	if err != nil {
		t.Fatalf("start stack: %v\n%s", err, out.String())
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close stack: %v", err)
		}
		if t.Failed() && os.Getenv("STACK_LOGS") != "off" {
			t.Logf("stack output:\n%s", tail(out.String(), 200))
		}
	})
	return s
}

func tail(s string, lines int) string {
	all := strings.Split(s, "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// FixtureProject writes a throwaway Go module whose only dependency is
// aws-lambda-go (resolved from the module cache, no network) with the given
// files (template.yaml, functions/<name>/main.go, ...) and returns its root.
func FixtureProject(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	sums, err := os.ReadFile(filepath.Join(ModuleRoot(t), "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	var lambdaSums []string
	sc := bufio.NewScanner(bytes.NewReader(sums))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "github.com/aws/aws-lambda-go ") {
			lambdaSums = append(lambdaSums, sc.Text())
		}
	}
	version := strings.Fields(lambdaSums[0])[1]
	all := map[string]string{
		"go.mod": "module example.com/fixture\n\ngo 1.26\n\nrequire github.com/aws/aws-lambda-go " + version + "\n",
		"go.sum": strings.Join(lambdaSums, "\n") + "\n",
	}
	for k, v := range files {
		all[k] = v
	}
	for name, content := range all {
		WriteFile(t, filepath.Join(root, name), content)
	}
	return root
}

// WriteFile writes content to path, creating directories; the modification
// time is bumped so a watcher polling mtimes sees the change.
func WriteFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Response is an HTTP response read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test on error.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode response %d %s: %v", r.Status, r.Body, err)
	}
}

// Do sends a request with an optional bearer token and body (a string, []byte,
// or any other value sent as JSON).
func Do(t testing.TB, method, url, token string, body any, headers ...string) *Response {
	t.Helper()
	var rd io.Reader
	contentType := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
		contentType = "application/json"
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: data}
}

// Token returns a token for a demo user of role.
func Token(t testing.TB, s *stack.Stack, role string) string {
	t.Helper()
	for _, u := range stack.DemoUsers {
		if u.Role == role {
			tok, err := s.Token(stack.TokenRequest{Role: role, User: u.User, Email: u.Email, DealerID: u.DealerID, TTL: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
	}
	t.Fatalf("no demo user for role %s", role)
	return ""
}

// Eventually polls cond until it holds or the time is up.
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// WithTestSettings sets what every test stack of the project overrides:
//   - every test request comes from 127.0.0.1, so the per-address limits of
//     the public form and the tracking chat would be shared by all tests;
//   - tests change the roster and the catalog and expect the next claim to
//     see the change: no reference-data caches;
//   - failed notifications retry after 1 s, 2 s, 4 s, ... and webhook calls
//     give up after 2 s, so retry tests take seconds; the outbox relay
//     re-sends events pending for a second;
//   - the demo roster and a supervisors' address.
func WithTestSettings() Option {
	return func(c *stack.Config) {
		if c.Parameters == nil {
			c.Parameters = map[string]string{}
		}
		c.Parameters["DemoData"] = "true"
		c.Parameters["SupervisorsEmail"] = "supervisors@claimsdesk.example"
		// The tests' webhook receivers listen on loopback.
		c.Parameters["WebhookInternalHosts"] = "127.0.0.1"
		if c.EnvVars == nil {
			c.EnvVars = map[string]map[string]string{}
		}
		set := func(scope string, kv map[string]string) {
			if c.EnvVars[scope] == nil {
				c.EnvVars[scope] = map[string]string{}
			}
			for k, v := range kv {
				c.EnvVars[scope][k] = v
			}
		}
		set("PublicFunction", map[string]string{"LIMIT_CLAIMS_PER_ADDRESS_HOUR": "1000", "LIMIT_MESSAGES_PER_ADDRESS_HOUR": "1000"})
		set("RelayFunction", map[string]string{"RELAY_GRACE_SECONDS": "1"})
		set("Parameters", map[string]string{"ROSTER_CACHE_SECONDS": "0", "CATALOG_CACHE_SECONDS": "0",
			"NOTIFY_RETRY_BASE_SECONDS": "1", "WEBHOOK_TIMEOUT_SECONDS": "2"})
	}
}

// Services starts the embedded AWS services in memory with the project's
// table, bucket, queues and mail identity provisioned from template.yaml,
// and stops them when the test ends.
func Services(t testing.TB) *stack.Provisioned {
	t.Helper()
	_, p := EmbeddedServices(t)
	return p
}

// EmbeddedServices is Services with the endpoint itself (for its counters).
func EmbeddedServices(t testing.TB) (*stack.Services, *stack.Provisioned) {
	t.Helper()
	svc, err := stack.StartServices("", "127.0.0.1:0", "eu-central-1", "123456789012", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := stack.ProvisionTemplate(ctx, ModuleRoot(t), svc.URL)
	if err != nil {
		t.Fatal(err)
	}
	return svc, p
}

// Main runs a test binary's tests against one stack of the project started
// before them and stopped after: use it from TestMain when many tests share
// a stack. The stack is passed to setup, which keeps it for the tests.
func Main(m *testing.M, setup func(*stack.Stack)) int {
	root, err := moduleRootFrom(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	state, err := os.MkdirTemp("", "claimsdesk-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(state)
	out := &lockedBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	cfg := stack.Config{
		Root: root, StateDir: state, APIAddr: "127.0.0.1:0", ServicesAddr: "127.0.0.1:0",
		BuildDir: filepath.Join(os.TempDir(), "claimsdesk-test-build", strings.NewReplacer("/", "_", ":", "_").Replace(root)),
		Console:  out, Logger: slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	WithTestSettings()(&cfg)
	s, err := stack.Start(ctx, cfg)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "start stack: %v\n%s", err, out.String())
		return 1
	}
	setup(s)
	code := m.Run()
	if err := s.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "close stack:", err)
	}
	if code != 0 && os.Getenv("STACK_LOGS") != "off" {
		fmt.Fprintf(os.Stderr, "stack output (tail):\n%s\n", tail(out.String(), 300))
	}
	return code
}

func moduleRootFrom(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
		dir = parent
	}
}
