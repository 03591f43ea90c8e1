package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var fixtureBinary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "runtime-fixture-")
	if err != nil {
		panic(err)
	}
	fixtureBinary = filepath.Join(dir, "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", fixtureBinary, "./testdata/fixture")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("build fixture: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// syncBuffer collects the pool's output safely.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newPool(t *testing.T, mutate func(*Config)) (*Pool, *syncBuffer) {
	t.Helper()
	out := &syncBuffer{}
	cfg := Config{
		LogicalID:    "FixtureFunction",
		FunctionName: "stack-FixtureFunction",
		ARN:          "arn:aws:lambda:eu-central-1:123456789012:function:stack-FixtureFunction",
		Binary:       fixtureBinary,
		Env:          []string{"AWS_LAMBDA_FUNCTION_NAME=stack-FixtureFunction", "PATH=" + os.Getenv("PATH")},
		Timeout:      5 * time.Second,
		MemoryMB:     128,
		Concurrency:  2,
		LogFormat:    "Text",
		TempDir:      t.TempDir(),
		Output:       out,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p, out
}

type fixtureResponse struct {
	Op        string `json:"op"`
	Value     string `json:"value"`
	RequestID string `json:"requestId"`
	PID       int    `json:"pid"`
	Deadline  int64  `json:"deadline"`
}

type errorDoc struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
	StackTrace   []any  `json:"stackTrace"`
}

func invoke(t *testing.T, p *Pool, payload string) *Result {
	t.Helper()
	res, err := p.Invoke(context.Background(), []byte(payload))
	if err != nil {
		t.Fatalf("Invoke(%s): %v", payload, err)
	}
	return res
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

func TestInvokeWarmAndCold(t *testing.T) {
	p, out := newPool(t, nil)
	start := time.Now()
	first := invoke(t, p, `{"op":"echo"}`)
	if first.FunctionError != "" {
		t.Fatalf("FunctionError = %q, payload %s", first.FunctionError, first.Payload)
	}
	got := decode[fixtureResponse](t, first.Payload)
	if got.RequestID != first.RequestID {
		t.Errorf("function saw request ID %q, result has %q", got.RequestID, first.RequestID)
	}
	if first.InitDuration <= 0 {
		t.Errorf("first invocation InitDuration = %v, want > 0 (cold start)", first.InitDuration)
	}
	deadline := time.UnixMilli(got.Deadline)
	if d := deadline.Sub(start); d < 4*time.Second || d > 6*time.Second {
		t.Errorf("deadline %v after start, want about the 5s timeout", d)
	}
	second := invoke(t, p, `{"op":"echo"}`)
	if second.InitDuration != 0 {
		t.Errorf("second invocation InitDuration = %v, want 0 (warm)", second.InitDuration)
	}
	if pid := decode[fixtureResponse](t, second.Payload).PID; pid != got.PID {
		t.Errorf("warm invocation ran in pid %d, want the same process %d", pid, got.PID)
	}
	logs := out.String()
	if !strings.Contains(logs, "START RequestId: "+first.RequestID+" Version: $LATEST") {
		t.Errorf("no START line for %s in:\n%s", first.RequestID, logs)
	}
	for _, r := range []*Result{first, second} {
		line := lineContaining(logs, "REPORT RequestId: "+r.RequestID)
		if line == "" {
			t.Fatalf("no REPORT line for %s in:\n%s", r.RequestID, logs)
		}
		for _, want := range []string{"Duration: ", "Billed Duration: ", "Memory Size: 128 MB", "Max Memory Used: "} {
			if !strings.Contains(line, want) {
				t.Errorf("REPORT line %q lacks %q", line, want)
			}
		}
		if hasInit := strings.Contains(line, "Init Duration: "); hasInit != (r.InitDuration > 0) {
			t.Errorf("REPORT line %q: Init Duration present = %v, want %v", line, hasInit, r.InitDuration > 0)
		}
	}
	if first.MaxMemoryMB <= 0 {
		t.Errorf("MaxMemoryMB = %d, want > 0", first.MaxMemoryMB)
	}
	if s := p.Stats(); s.Invocations != 2 || s.ColdStarts != 1 {
		t.Errorf("stats = %+v, want 2 invocations, 1 cold start", s)
	}
}

func lineContaining(text, substr string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) {
			return l
		}
	}
	return ""
}

func TestFailures(t *testing.T) {
	tests := []struct {
		name        string
		payload     string
		timeout     time.Duration
		wantType    string
		wantMessage string
		wantSamePID bool // the process survives the failure
	}{
		{"handler error", `{"op":"error"}`, 5 * time.Second, "errorString", "fixture error", true},
		{"panic", `{"op":"panic"}`, 5 * time.Second, "string", "fixture panic", false},
		{"exit", `{"op":"exit","code":2}`, 5 * time.Second, "Runtime.ExitError", "Runtime exited with error: exit status 2", false},
		{"timeout", `{"op":"sleep","ms":5000}`, time.Second, "Sandbox.Timedout", "Task timed out after 1.00 seconds", false},
		// aws-lambda-go exits when the Runtime API refuses its response, as in Lambda.
		{"response too large", `{"op":"big","size":7000000}`, 5 * time.Second, "Function.ResponseSizeTooLarge", "Response payload size exceeded", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, out := newPool(t, func(c *Config) { c.Timeout = tt.timeout })
			warm := decode[fixtureResponse](t, invoke(t, p, `{"op":"echo"}`).Payload)
			res := invoke(t, p, tt.payload)
			if res.FunctionError != "Unhandled" {
				t.Fatalf("FunctionError = %q, want Unhandled (payload %s)", res.FunctionError, res.Payload)
			}
			doc := decode[errorDoc](t, res.Payload)
			if doc.ErrorType != tt.wantType || res.ErrorType != tt.wantType {
				t.Errorf("errorType = %q (result %q), want %q", doc.ErrorType, res.ErrorType, tt.wantType)
			}
			if !strings.Contains(doc.ErrorMessage, tt.wantMessage) {
				t.Errorf("errorMessage = %q, want it to contain %q", doc.ErrorMessage, tt.wantMessage)
			}
			if tt.name == "panic" && len(doc.StackTrace) == 0 {
				t.Errorf("panic error has no stackTrace: %s", res.Payload)
			}
			// The next invocation must succeed, in the same process or a new one.
			after := invoke(t, p, `{"op":"echo"}`)
			if after.FunctionError != "" {
				t.Fatalf("invocation after %s failed: %s", tt.name, after.Payload)
			}
			samePID := decode[fixtureResponse](t, after.Payload).PID == warm.PID
			if samePID != tt.wantSamePID {
				t.Errorf("process reused after %s = %v, want %v", tt.name, samePID, tt.wantSamePID)
			}
			if !tt.wantSamePID && after.InitDuration == 0 {
				t.Errorf("replacement process reported no Init Duration")
			}
			if line := lineContaining(out.String(), "REPORT RequestId: "+res.RequestID); !strings.Contains(line, "Status: ") {
				t.Errorf("REPORT line of the failed invocation lacks a Status: %q", line)
			}
		})
	}
}

func TestInitFailure(t *testing.T) {
	p, out := newPool(t, func(c *Config) { c.Env = append(c.Env, "FIXTURE_INIT=exit") })
	res := invoke(t, p, `{"op":"echo"}`)
	if res.FunctionError != "Unhandled" || res.ErrorType != "Runtime.ExitError" {
		t.Fatalf("result = %q/%q (%s), want Unhandled/Runtime.ExitError", res.FunctionError, res.ErrorType, res.Payload)
	}
	if !strings.Contains(string(res.Payload), "exit status 3") {
		t.Errorf("payload %s does not name the exit status", res.Payload)
	}
	if res.InitDuration <= 0 {
		t.Errorf("InitDuration = %v, want > 0", res.InitDuration)
	}
	if !strings.Contains(out.String(), "fixture: cannot start") {
		t.Errorf("the process's stderr is not in the output:\n%s", out.String())
	}
	// Lambda retries init on the next invocation.
	if again := invoke(t, p, `{"op":"echo"}`); again.ErrorType != "Runtime.ExitError" {
		t.Errorf("second invocation error type = %q, want another init attempt failing", again.ErrorType)
	}
	if s := p.Stats(); s.ColdStarts != 2 {
		t.Errorf("cold starts = %d, want 2 (init retried)", s.ColdStarts)
	}
}

func TestEnvironment(t *testing.T) {
	p, _ := newPool(t, nil)
	tests := []struct {
		name, variable string
		check          func(string) bool
	}{
		{"declared variable", "AWS_LAMBDA_FUNCTION_NAME", func(v string) bool { return v == "stack-FixtureFunction" }},
		{"runtime api", "AWS_LAMBDA_RUNTIME_API", func(v string) bool { return strings.HasPrefix(v, "127.0.0.1:") }},
		{"task root", "LAMBDA_TASK_ROOT", func(v string) bool { return v == filepath.Dir(fixtureBinary) }},
		{"own tmp", "TMPDIR", func(v string) bool { return strings.Contains(v, "FixtureFunction-") }},
		{"log stream", "AWS_LAMBDA_LOG_STREAM_NAME", func(v string) bool { return strings.Contains(v, "/[$LATEST]") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := invoke(t, p, `{"op":"env","var":"`+tt.variable+`"}`)
			if v := decode[fixtureResponse](t, res.Payload).Value; !tt.check(v) {
				t.Errorf("%s = %q", tt.variable, v)
			}
		})
	}
}

func TestConcurrencyQueuesWhenUnreserved(t *testing.T) {
	p, _ := newPool(t, func(c *Config) { c.Concurrency = 3 })
	var wg sync.WaitGroup
	pids := make(chan int, 9)
	start := time.Now()
	for range 9 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := p.Invoke(context.Background(), []byte(`{"op":"sleep","ms":300}`))
			if err != nil || res.FunctionError != "" {
				t.Errorf("invoke: %v %v", err, res)
				return
			}
			pids <- decode[fixtureResponse](t, res.Payload).PID
		}()
	}
	wg.Wait()
	close(pids)
	distinct := map[int]bool{}
	for pid := range pids {
		distinct[pid] = true
	}
	if len(distinct) > 3 {
		t.Errorf("%d processes ran, want at most 3", len(distinct))
	}
	if elapsed := time.Since(start); elapsed < 900*time.Millisecond {
		t.Errorf("9 invocations of 300ms on 3 processes took %v, want >= 900ms", elapsed)
	}
}

func TestReservedConcurrencyThrottles(t *testing.T) {
	p, _ := newPool(t, func(c *Config) { c.Concurrency = 2; c.Reserved = true })
	var wg sync.WaitGroup
	var mu sync.Mutex
	throttled, ok := 0, 0
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := p.Invoke(context.Background(), []byte(`{"op":"sleep","ms":500}`))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, ErrThrottled):
				throttled++
			case err == nil:
				ok++
			default:
				t.Errorf("invoke: %v", err)
			}
		}()
		time.Sleep(50 * time.Millisecond)
	}
	wg.Wait()
	if throttled != 1 || ok != 2 {
		t.Errorf("ok=%d throttled=%d, want 2 and 1", ok, throttled)
	}
	zero, _ := newPool(t, func(c *Config) { c.Concurrency = 0; c.Reserved = true })
	if _, err := zero.Invoke(context.Background(), []byte(`{}`)); !errors.Is(err, ErrThrottled) {
		t.Errorf("reserved concurrency 0: err = %v, want ErrThrottled", err)
	}
}

func TestSwapKeepsInFlightInvocations(t *testing.T) {
	p, _ := newPool(t, nil)
	before := decode[fixtureResponse](t, invoke(t, p, `{"op":"echo"}`).Payload)
	// A second binary: a copy, so the swap is observable by path.
	newBinary := filepath.Join(t.TempDir(), "bootstrap")
	copyFile(t, fixtureBinary, newBinary)

	inFlight := make(chan *Result, 1)
	go func() {
		res, err := p.Invoke(context.Background(), []byte(`{"op":"sleep","ms":700}`))
		if err != nil {
			t.Errorf("in-flight invoke: %v", err)
		}
		inFlight <- res
	}()
	time.Sleep(200 * time.Millisecond)
	p.Swap(newBinary)
	after := invoke(t, p, `{"op":"env","var":"LAMBDA_TASK_ROOT"}`)
	if got := decode[fixtureResponse](t, after.Payload).Value; got != filepath.Dir(newBinary) {
		t.Errorf("after swap the function ran from %q, want %q", got, filepath.Dir(newBinary))
	}
	res := <-inFlight
	if res == nil || res.FunctionError != "" {
		t.Fatalf("in-flight invocation failed across the swap: %+v", res)
	}
	if pid := decode[fixtureResponse](t, res.Payload).PID; pid != before.PID {
		t.Errorf("in-flight invocation ran in %d, want the old process %d", pid, before.PID)
	}
	time.Sleep(100 * time.Millisecond)
	if n := p.Processes(); n != 1 {
		t.Errorf("%d processes after the swap settled, want 1 (old one retired)", n)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestCancelledCallerDoesNotStopTheFunction(t *testing.T) {
	p, out := newPool(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := p.Invoke(ctx, []byte(`{"op":"sleep","ms":400,"print":"still running"}`))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the caller's deadline", err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(out.String(), "REPORT RequestId") {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "REPORT RequestId") {
		t.Errorf("the abandoned invocation never finished:\n%s", out.String())
	}
}

func TestJSONPlatformLines(t *testing.T) {
	p, out := newPool(t, func(c *Config) { c.LogFormat = "JSON" })
	res := invoke(t, p, `{"op":"echo"}`)
	var report struct {
		Type   string `json:"type"`
		Record struct {
			RequestID string `json:"requestId"`
			Status    string `json:"status"`
			Metrics   struct {
				DurationMs     float64 `json:"durationMs"`
				MemorySizeMB   int     `json:"memorySizeMB"`
				InitDurationMs float64 `json:"initDurationMs"`
			} `json:"metrics"`
		} `json:"record"`
	}
	line := lineContaining(out.String(), `"platform.report"`)
	if line == "" {
		t.Fatalf("no platform.report line in:\n%s", out.String())
	}
	if err := json.Unmarshal([]byte(line), &report); err != nil {
		t.Fatalf("report line %q is not JSON: %v", line, err)
	}
	if report.Record.RequestID != res.RequestID || report.Record.Status != "success" || report.Record.Metrics.MemorySizeMB != 128 || report.Record.Metrics.InitDurationMs <= 0 {
		t.Errorf("report = %+v", report)
	}
	quiet, qout := newPool(t, func(c *Config) { c.SystemLogLevel = "WARN" })
	invoke(t, quiet, `{"op":"echo"}`)
	if strings.Contains(qout.String(), "REPORT") {
		t.Errorf("SystemLogLevel WARN still printed platform lines:\n%s", qout.String())
	}
}

// TestKillFailsTheInvocationInFlight: killing the function's processes
// mid-invocation fails that invocation as a crash, and the next one runs
// in a new process.
func TestKillFailsTheInvocationInFlight(t *testing.T) {
	p, _ := newPool(t, nil)
	warm := decode[fixtureResponse](t, invoke(t, p, `{"op":"echo"}`).Payload)
	done := make(chan *Result, 1)
	go func() { done <- invoke(t, p, `{"op":"sleep","ms":3000}`) }()
	for p.Stats().Invocations < 2 {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if n := p.Kill(); n != 1 {
		t.Errorf("Kill killed %d processes, want 1", n)
	}
	select {
	case res := <-done:
		if res.FunctionError != "Unhandled" || res.ErrorType != "Runtime.ExitError" {
			t.Errorf("killed invocation = %q/%q (%s), want Unhandled/Runtime.ExitError", res.FunctionError, res.ErrorType, res.Payload)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the killed invocation did not end")
	}
	after := invoke(t, p, `{"op":"echo"}`)
	if after.FunctionError != "" || decode[fixtureResponse](t, after.Payload).PID == warm.PID {
		t.Errorf("after the kill: %s (pid %d, before %d)", after.Payload, decode[fixtureResponse](t, after.Payload).PID, warm.PID)
	}
}

// TestDrainLetsInvocationsInFlightFinish: a draining pool refuses new
// invocations at once (also one waiting for a free process) while the one
// in flight runs to its end; Wait returns when it has.
func TestDrainLetsInvocationsInFlightFinish(t *testing.T) {
	p, out := newPool(t, func(c *Config) { c.Concurrency = 1 })
	invoke(t, p, `{"op":"echo"}`)
	inFlight := make(chan *Result, 1)
	go func() {
		res, err := p.Invoke(context.Background(), []byte(`{"op":"sleep","ms":800}`))
		if err != nil {
			t.Errorf("in-flight invoke: %v", err)
		}
		inFlight <- res
	}()
	waitUntil(t, "the second invocation started", func() bool { return p.Stats().Invocations >= 2 })
	waiting := make(chan error, 1)
	go func() {
		_, err := p.Invoke(context.Background(), []byte(`{"op":"echo"}`))
		waiting <- err
	}()
	p.Drain()
	if _, err := p.Invoke(context.Background(), []byte(`{"op":"echo"}`)); !errors.Is(err, ErrClosed) {
		t.Errorf("invoke while draining = %v, want ErrClosed", err)
	}
	if err := <-waiting; !errors.Is(err, ErrClosed) {
		t.Errorf("invoke waiting for a process = %v, want ErrClosed", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Wait(ctx); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	// Its REPORT line is written as it ends: both invocations' are there.
	if n := strings.Count(out.String(), "REPORT RequestId"); n != 2 {
		t.Errorf("Wait returned with %d invocations ended, want 2:\n%s", n, out.String())
	}
	if res := <-inFlight; res == nil || res.FunctionError != "" {
		t.Errorf("the invocation in flight = %+v, want it finished", res)
	}
	// Wait gives up with its context.
	q, _ := newPool(t, nil)
	go func() { _, _ = q.Invoke(context.Background(), []byte(`{"op":"sleep","ms":3000}`)) }()
	waitUntil(t, "the invocation started", func() bool { return q.Stats().Invocations >= 1 })
	q.Drain()
	short, cancelShort := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancelShort()
	if err := q.Wait(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait past its deadline = %v, want DeadlineExceeded", err)
	}
}

// waitUntil polls cond until it holds, failing the test after 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
