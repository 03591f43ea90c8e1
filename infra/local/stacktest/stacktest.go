// Package stacktest starts local stacks for tests and benchmarks: the stack
// of the project the test belongs to (template.yaml at its module root,
// local-stack.yaml beside it or in infra/), the local stack's own sample
// application (SampleApp), or a fixture project written on the fly, each on
// free ports with a private state directory. It also has the small HTTP helpers end-to-end tests share.
//
// Under -short (unit tests only) Start skips the test and Main runs none:
// they boot a stack.
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
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	goruntime "runtime"
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

// WithProfile applies a profile of the application's local configuration,
// beneath the test's own Parameters and EnvVars, which later options may
// set entry by entry.
func WithProfile(name string) Option {
	return func(c *stack.Config) {
		c.Profile = name
		if c.Parameters == nil {
			c.Parameters = map[string]string{}
		}
		if c.EnvVars == nil {
			c.EnvVars = map[string]map[string]string{}
		}
	}
}

// Start starts a stack for the project at the module root (unless WithRoot)
// on free ports and stops it when the test ends. Function output is captured
// and shown only when the test fails. Under -short it skips the test.
func Start(t testing.TB, opts ...Option) *stack.Stack {
	t.Helper()
	if testing.Short() {
		t.Skip("boots a local stack: skipped under -short")
	}
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
		cfg.BuildDir = buildDir(cfg.Root)
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

// buildDir is the build cache of a project root, shared by every test stack
// of the project.
func buildDir(root string) string {
	return filepath.Join(os.TempDir(), "local-stack-test-build", strings.NewReplacer("/", "_", ":", "_").Replace(root))
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
// aws-lambda-go (the sample application's version, resolved from the module
// cache, no network) with the given files (template.yaml, the functions'
// main packages, ...) and returns its root.
func FixtureProject(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	sums, err := os.ReadFile(filepath.Join(SampleApp(t), "go.sum"))
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

// apiClient does not follow redirects: a test sees the status and Location
// the API answered (a 302 to a download link, a 303 after a form).
var apiClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// Do sends a request with an optional bearer token and body (a string, []byte,
// or any other value sent as JSON). It does not follow redirects.
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
	res, err := apiClient.Do(req)
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

// Token returns a token for the demo user of role (the first of the group
// in the local configuration), valid for an hour.
func Token(t testing.TB, s *stack.Stack, role string) string {
	t.Helper()
	tok, err := s.Token(stack.TokenRequest{Role: role, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return tok
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

// WithTestSettings applies the "test" profile of the application's local
// configuration: the parameters and function variables every test stack of
// the application sets.
func WithTestSettings() Option { return WithProfile("test") }

// Services starts the embedded AWS services in memory with the project's
// table, bucket, queues and mail identity provisioned from template.yaml (at
// the module root, named as its local configuration names the stack), and
// stops them when the test ends.
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
// a stack. The stack has the test settings (WithTestSettings) and opts, and
// is passed to setup, which keeps it for the tests. Under -short it runs
// no test and returns 0.
func Main(m *testing.M, setup func(*stack.Stack), opts ...Option) int {
	if !flag.Parsed() {
		flag.Parse()
	}
	if testing.Short() {
		fmt.Println("skipped under -short: the tests share a local stack")
		return 0
	}
	root, err := moduleRootFrom(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	state, err := os.MkdirTemp("", "local-stack-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(state)
	out := &lockedBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	cfg := stack.Config{
		Root: root, StateDir: state, APIAddr: "127.0.0.1:0", ServicesAddr: "127.0.0.1:0",
		BuildDir: buildDir(root),
		Console:  out, Logger: slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	WithTestSettings()(&cfg)
	for _, o := range opts {
		o(&cfg)
	}
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

// SampleApp returns the root of the local stack's own sample application
// (testdata/sampleapp beside this package): a SAM template with an HTTP API
// behind a Cognito JWT authorizer, a queue with its consumer and dead-letter
// queue, a table, a bucket, mail and a schedule, its Go functions in a
// module of their own, and its local configuration. It shares nothing with
// any application the stack runs. Tests read it in place: copy it before
// changing it.
func SampleApp(t testing.TB) string {
	t.Helper()
	_, file, _, ok := goruntime.Caller(0)
	if !ok {
		t.Fatal("sample app: cannot locate package stacktest")
	}
	dir := filepath.Join(filepath.Dir(file), "testdata", "sampleapp")
	if _, err := os.Stat(filepath.Join(dir, "template.yaml")); err != nil {
		t.Fatalf("sample app: %v", err)
	}
	return dir
}

// ManualClock is a clock for schedules that moves only when told: After
// channels fire when Advance moves past their time.
type ManualClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []manualWaiter
}

type manualWaiter struct {
	at time.Time
	ch chan time.Time
}

// NewManualClock returns a ManualClock showing now.
func NewManualClock(now time.Time) *ManualClock { return &ManualClock{now: now} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After returns a channel that receives the time once the clock has moved d.
func (c *ManualClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.waiters = append(c.waiters, manualWaiter{c.now.Add(d), ch})
	return ch
}

// Waiting returns how many After channels have not fired yet.
func (c *ManualClock) Waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// Advance moves the clock by d and fires the channels whose time has come.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	keep := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			keep = append(keep, w)
			continue
		}
		w.ch <- c.now
	}
	c.waiters = keep
}
