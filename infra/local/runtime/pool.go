// Package runtime runs a Lambda function's real bootstrap binaries as local
// processes under a Lambda Runtime API (2018-06-01) of their own, the way the
// Lambda service runs them: one invocation at a time per process, a pool of
// processes per function bounded by its concurrency, the function's timeout
// enforced by killing the process, crashed processes replaced, and START/END/
// REPORT platform log lines with durations and memory.
//
// It knows nothing about templates, HTTP APIs or event sources; it must not
// import AWS SDK packages.
//
// Layer: local.
package runtime

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// MaxPayload is Lambda's limit for synchronous request and response payloads.
const MaxPayload = 6 * 1024 * 1024

// initTimeout is how long a process may take to reach its first /next.
const initTimeout = 10 * time.Second

// ErrThrottled is returned when a function with reserved concurrency has every
// execution environment busy, as Lambda answers with TooManyRequestsException.
var ErrThrottled = errors.New("rate exceeded: reserved concurrency of the function is in use (TooManyRequestsException)")

// ErrClosed is returned by Invoke after Close.
var ErrClosed = errors.New("function pool is closed")

// Config describes one function to run.
type Config struct {
	// LogicalID names the function in logs (the template's logical ID).
	LogicalID string
	// FunctionName and ARN are what the runtime is told it is.
	FunctionName string
	ARN          string
	// Binary is the path of the bootstrap executable.
	Binary string
	// Env holds the function's variables ("KEY=value"); the Runtime API address
	// and per-process values are added by the pool.
	Env      []string
	Timeout  time.Duration
	MemoryMB int
	// Concurrency bounds the number of processes. When Reserved is true the
	// bound is the function's reserved concurrency and excess invocations fail
	// with ErrThrottled; otherwise they wait for a free process, standing in for
	// Lambda scaling out.
	Concurrency int
	Reserved    bool
	// LogFormat is "JSON" or "Text" (LoggingConfig.LogFormat); it shapes the
	// platform lines. SystemLogLevel above INFO suppresses them, as in Lambda.
	LogFormat      string
	SystemLogLevel string
	// TempDir is where each process gets its own TMPDIR (Lambda's /tmp).
	TempDir string
	// Output receives the function's stdout/stderr lines and the platform lines.
	Output io.Writer
	// Logger receives the pool's own diagnostics (crashes, timeouts).
	Logger *slog.Logger
	// IdleTimeout stops processes idle for longer; 0 keeps them (Lambda reaps
	// idle environments after some minutes).
	IdleTimeout time.Duration
}

// Result is the outcome of one invocation.
type Result struct {
	RequestID string
	// Payload is the function's response, or the error document
	// {"errorMessage","errorType",...} when FunctionError is set.
	Payload []byte
	// FunctionError is "" on success and "Unhandled" when the function
	// returned an error, panicked, crashed, timed out or failed to initialise.
	FunctionError string
	// ErrorType is the errorType of a failed invocation (for example
	// "Sandbox.Timedout" or "Runtime.ExitError").
	ErrorType    string
	Duration     time.Duration
	InitDuration time.Duration // non-zero on a cold start
	MaxMemoryMB  int
	// Log is the tail (at most 4 KB) of what the invocation logged, platform
	// lines included, as Lambda returns with LogType Tail.
	Log []byte
}

// Stats counts a pool's lifetime events.
type Stats struct {
	Invocations, ColdStarts, Errors, Timeouts, Crashes, Throttles int64
}

// Pool runs one function.
type Pool struct {
	cfg   Config
	slots chan struct{}

	mu       sync.Mutex
	binary   string
	gen      int64
	idle     []*worker
	all      map[*worker]struct{}
	closed   bool
	stopped  chan struct{}
	draining chan struct{}
	drain    sync.Once
	// inflight counts the invocations accepted and not yet ended.
	inflight sync.WaitGroup

	invocations, coldStarts, errorCount, timeouts, crashes, throttles atomic.Int64
}

// New returns a pool for cfg; processes start on demand.
func New(cfg Config) (*Pool, error) {
	if cfg.Binary == "" {
		return nil, fmt.Errorf("function %s: no binary", cfg.LogicalID)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 3 * time.Second
	}
	if cfg.MemoryMB <= 0 {
		cfg.MemoryMB = 128
	}
	if cfg.Concurrency <= 0 && !cfg.Reserved {
		cfg.Concurrency = 4
	}
	if cfg.Output == nil {
		cfg.Output = io.Discard
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.TempDir == "" {
		cfg.TempDir = os.TempDir()
	}
	p := &Pool{
		cfg:      cfg,
		slots:    make(chan struct{}, cfg.Concurrency),
		binary:   cfg.Binary,
		all:      map[*worker]struct{}{},
		stopped:  make(chan struct{}),
		draining: make(chan struct{}),
	}
	if cfg.IdleTimeout > 0 {
		go p.reapIdle()
	}
	return p, nil
}

// Config returns the pool's configuration.
func (p *Pool) Config() Config { return p.cfg }

// Stats returns the pool's counters.
func (p *Pool) Stats() Stats {
	return Stats{
		Invocations: p.invocations.Load(),
		ColdStarts:  p.coldStarts.Load(),
		Errors:      p.errorCount.Load(),
		Timeouts:    p.timeouts.Load(),
		Crashes:     p.crashes.Load(),
		Throttles:   p.throttles.Load(),
	}
}

// Swap makes new invocations use binary. Idle processes of the old binary stop
// now; busy ones finish their invocation first, so nothing in flight is dropped.
func (p *Pool) Swap(binary string) {
	p.mu.Lock()
	p.binary = binary
	p.gen++
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, w := range idle {
		w.stop()
	}
}

// Drain makes the pool refuse new invocations (ErrClosed, also for those
// waiting for a free process) while the ones in flight go on; Wait waits
// for them. It is the first half of a graceful stop.
func (p *Pool) Drain() {
	// Under the lock acquireSlot counts invocations with: every invocation
	// accepted before is counted before Wait can start.
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drain.Do(func() { close(p.draining) })
}

// Wait waits until every invocation the pool accepted has ended (each ends
// by its function's timeout at the latest), or ctx ends (its error).
func (p *Pool) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		p.inflight.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for %s's invocations in flight: %w", p.cfg.LogicalID, ctx.Err())
	}
}

// Close stops every process; invocations in flight fail.
func (p *Pool) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.stopped)
	workers := make([]*worker, 0, len(p.all))
	for w := range p.all {
		workers = append(workers, w)
	}
	p.idle = nil
	p.mu.Unlock()
	for _, w := range workers {
		w.stop()
	}
}

// Invoke runs one invocation synchronously. It returns an error only when the
// invocation could not run at all (ErrThrottled, ErrClosed, a cancelled ctx
// while waiting for a process, or a binary that cannot be executed); function
// failures are reported in Result.FunctionError. If ctx ends while the function
// runs, Invoke returns ctx's error at once and the invocation still runs to its
// end in the background, as it would in Lambda.
func (p *Pool) Invoke(ctx context.Context, payload []byte) (*Result, error) {
	if len(payload) > MaxPayload {
		return &Result{
			RequestID:     newRequestID(),
			Payload:       errorDocument("RequestEntityTooLarge", fmt.Sprintf("Request must be smaller than %d bytes for the InvokeFunction operation", MaxPayload)),
			FunctionError: "Unhandled",
			ErrorType:     "RequestEntityTooLarge",
		}, nil
	}
	if err := p.acquireSlot(ctx); err != nil {
		return nil, err
	}
	type outcome struct {
		res *Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		defer p.inflight.Done()
		defer func() { <-p.slots }()
		inv := newInvocation(payload, p.cfg.Timeout)
		// A warm process may die between invocations; the event was never
		// delivered, so it runs on a fresh process instead.
		for attempt := 0; ; attempt++ {
			w, cold, err := p.worker()
			if err != nil {
				done <- outcome{nil, err}
				return
			}
			res, err := w.run(inv, cold)
			p.release(w)
			if errors.Is(err, errNotDelivered) && attempt < 3 {
				continue
			}
			done <- outcome{res, err}
			return
		}
	}()
	select {
	case o := <-done:
		return o.res, o.err
	case <-ctx.Done():
		return nil, fmt.Errorf("invoke %s: %w", p.cfg.LogicalID, ctx.Err())
	}
}

// acquireSlot takes a process slot for an invocation and counts it in
// flight; ErrClosed once the pool drains or is closed.
func (p *Pool) acquireSlot(ctx context.Context) error {
	if err := p.take(ctx); err != nil {
		return err
	}
	// Counted under the lock Close and Drain's callers see, and checked
	// again: an invocation accepted as the pool began to drain is refused.
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.draining:
		<-p.slots
		return ErrClosed
	default:
	}
	if p.closed {
		<-p.slots
		return ErrClosed
	}
	p.inflight.Add(1)
	return nil
}

func (p *Pool) take(ctx context.Context) error {
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	select {
	case <-p.draining:
		closed = true
	default:
	}
	if closed {
		return ErrClosed
	}
	if p.cfg.Reserved {
		if p.cfg.Concurrency == 0 {
			p.throttles.Add(1)
			return ErrThrottled
		}
		select {
		case p.slots <- struct{}{}:
			return nil
		default:
			p.throttles.Add(1)
			return ErrThrottled
		}
	}
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for a free %s process: %w", p.cfg.LogicalID, ctx.Err())
	case <-p.stopped:
		return ErrClosed
	case <-p.draining:
		return ErrClosed
	}
}

// worker returns an idle process of the current binary, or starts one.
func (p *Pool) worker() (*worker, bool, error) {
	p.mu.Lock()
	for len(p.idle) > 0 {
		w := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if w.alive() && w.gen == p.gen {
			p.mu.Unlock()
			return w, false, nil
		}
		go w.stop()
	}
	binary, gen := p.binary, p.gen
	p.mu.Unlock()
	w, err := startWorker(p, binary, gen)
	if err != nil {
		return nil, false, fmt.Errorf("start %s: %w", p.cfg.LogicalID, err)
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		w.stop()
		return nil, false, ErrClosed
	}
	p.all[w] = struct{}{}
	p.mu.Unlock()
	p.coldStarts.Add(1)
	return w, true, nil
}

// release returns a healthy process to the idle list.
func (p *Pool) release(w *worker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !w.alive() || w.gen != p.gen || p.closed {
		delete(p.all, w)
		go w.stop()
		return
	}
	w.lastUsed = time.Now()
	p.idle = append(p.idle, w)
}

func (p *Pool) forget(w *worker) {
	p.mu.Lock()
	delete(p.all, w)
	for i, x := range p.idle {
		if x == w {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			break
		}
	}
	p.mu.Unlock()
}

func (p *Pool) reapIdle() {
	t := time.NewTicker(p.cfg.IdleTimeout / 2)
	defer t.Stop()
	for {
		select {
		case <-p.stopped:
			return
		case <-t.C:
		}
		cutoff := time.Now().Add(-p.cfg.IdleTimeout)
		p.mu.Lock()
		var keep, stale []*worker
		for _, w := range p.idle {
			if w.lastUsed.Before(cutoff) {
				stale = append(stale, w)
			} else {
				keep = append(keep, w)
			}
		}
		p.idle = keep
		for _, w := range stale {
			delete(p.all, w)
		}
		p.mu.Unlock()
		for _, w := range stale {
			w.stop()
		}
	}
}

// Kill kills every process of the function with SIGKILL, as a crash or an
// out-of-memory kill would in Lambda: invocations in flight fail with
// Runtime.ExitError and the next ones start fresh processes. It returns how
// many processes it killed (fault tests use it).
func (p *Pool) Kill() int {
	p.mu.Lock()
	ws := make([]*worker, 0, len(p.all))
	for w := range p.all {
		ws = append(ws, w)
	}
	p.mu.Unlock()
	for _, w := range ws {
		killProcessGroup(w.cmd)
	}
	return len(ws)
}

// Processes returns how many processes the pool currently runs.
func (p *Pool) Processes() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.all)
}

type invocation struct {
	id       string
	payload  []byte
	timeout  time.Duration
	deadline time.Time

	// delivered is closed when the runtime takes the invocation from /next;
	// deliveredAt and deadline are set just before.
	delivered     chan struct{}
	deliveredOnce sync.Once
	deliveredAt   time.Time

	once     sync.Once
	done     chan struct{}
	response []byte
	errType  string
	failed   bool
}

func newInvocation(payload []byte, timeout time.Duration) *invocation {
	return &invocation{id: newRequestID(), payload: payload, timeout: timeout, done: make(chan struct{}), delivered: make(chan struct{})}
}

// markDelivered starts the invocation's clock: the deadline counts from the
// moment the runtime receives the event.
func (inv *invocation) markDelivered() {
	inv.deliveredOnce.Do(func() {
		inv.deliveredAt = time.Now()
		inv.deadline = inv.deliveredAt.Add(inv.timeout)
		close(inv.delivered)
	})
}

// complete records the outcome once; later outcomes (a response after a
// timeout) are ignored.
func (inv *invocation) complete(response []byte, failed bool, errType string) bool {
	ok := false
	inv.once.Do(func() {
		inv.response = response
		inv.failed = failed
		inv.errType = errType
		close(inv.done)
		ok = true
	})
	return ok
}

func errorDocument(errType, message string) []byte {
	b, _ := json.Marshal(map[string]string{"errorMessage": message, "errorType": errType})
	return b
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func tempDirFor(base, logicalID string) (string, error) {
	dir, err := os.MkdirTemp(base, logicalID+"-")
	if err != nil {
		return "", fmt.Errorf("create tmp dir: %w", err)
	}
	return filepath.Clean(dir), nil
}
