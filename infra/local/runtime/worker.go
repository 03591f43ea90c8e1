package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// errNotDelivered means a warm process died before it picked the invocation
// up; the pool retries on a fresh process because the function never ran.
var errNotDelivered = errors.New("process exited before the invocation was delivered")

// worker is one execution environment: a bootstrap process and the Runtime API
// server it talks to.
type worker struct {
	pool   *Pool
	gen    int64
	binary string

	cmd     *exec.Cmd
	ln      net.Listener
	srv     *http.Server
	tmp     string
	started time.Time

	initOnce  sync.Once
	initDone  chan struct{}
	initDur   time.Duration
	initError atomic.Pointer[[]byte]
	served    atomic.Int64

	invokeCh chan *invocation
	current  atomic.Pointer[invocation]
	exited   chan struct{}
	exitErr  error
	stopping chan struct{}
	stopOnce sync.Once
	lastUsed time.Time

	logMu sync.Mutex
	tail  *bytes.Buffer // log lines of the current invocation
}

func startWorker(p *Pool, binary string, gen int64) (*worker, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for runtime api: %w", err)
	}
	tmp, err := tempDirFor(p.cfg.TempDir, p.cfg.LogicalID)
	if err != nil {
		ln.Close()
		return nil, err
	}
	w := &worker{
		pool:     p,
		gen:      gen,
		binary:   binary,
		ln:       ln,
		tmp:      tmp,
		initDone: make(chan struct{}),
		invokeCh: make(chan *invocation, 1),
		exited:   make(chan struct{}),
		stopping: make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", w.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", w.response)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", w.invokeError)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", w.initErrorHandler)
	w.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	// Init Duration counts from here: exec plus the runtime's own start-up.
	w.started = time.Now()
	go func() { _ = w.srv.Serve(ln) }()

	cmd := exec.Command(binary)
	cmd.Dir = dirOf(binary)
	cmd.Env = append(append([]string{}, p.cfg.Env...),
		"AWS_LAMBDA_RUNTIME_API="+ln.Addr().String(),
		"TMPDIR="+tmp,
		"LAMBDA_TASK_ROOT="+cmd.Dir,
		"AWS_LAMBDA_LOG_STREAM_NAME="+logStreamName(),
	)
	out := &lineWriter{w: w}
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.WaitDelay = time.Second
	setProcessAttributes(cmd)
	if err := cmd.Start(); err != nil {
		w.srv.Close()
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("exec %s: %w", binary, err)
	}
	w.cmd = cmd
	go func() {
		w.exitErr = cmd.Wait()
		out.flush()
		close(w.exited)
	}()
	return w, nil
}

func dirOf(path string) string {
	if i := strings.LastIndexByte(path, os.PathSeparator); i > 0 {
		return path[:i]
	}
	return "."
}

func logStreamName() string {
	return time.Now().UTC().Format("2006/01/02") + "/[$LATEST]" + strings.ReplaceAll(newRequestID(), "-", "")
}

func (w *worker) alive() bool {
	select {
	case <-w.exited:
		return false
	case <-w.stopping:
		return false
	default:
		return true
	}
}

// stop kills the process group and shuts the Runtime API server down.
func (w *worker) stop() {
	w.stopOnce.Do(func() {
		close(w.stopping)
		killProcessGroup(w.cmd)
		select {
		case <-w.exited:
		case <-time.After(5 * time.Second):
		}
		w.srv.Close()
		os.RemoveAll(w.tmp)
		w.pool.forget(w)
	})
}

// run delivers inv to the process and waits for its outcome.
func (w *worker) run(inv *invocation, cold bool) (*Result, error) {
	p := w.pool
	p.invocations.Add(1)
	res := &Result{RequestID: inv.id}
	w.beginTail()
	if cold {
		select {
		case <-w.initDone:
			res.InitDuration = w.initDur
		case <-w.exited:
			// Init failed: the process exited before asking for work.
			res.InitDuration = time.Since(w.started)
			payload := w.exitDocument(inv.id)
			errType := "Runtime.ExitError"
			if ie := w.initError.Load(); ie != nil {
				payload = *ie
				errType = errorTypeOf(payload, "Runtime.InitError")
			}
			p.errorCount.Add(1)
			p.crashes.Add(1)
			p.cfg.Logger.Error("function init failed", "function", p.cfg.LogicalID, "requestId", inv.id, "errorType", errType, "error", string(payload))
			w.platformLine(res, "error", errType)
			res.Payload, res.FunctionError, res.ErrorType = payload, "Unhandled", errType
			res.Log = w.endTail()
			return res, nil
		case <-time.After(initTimeout):
			res.InitDuration = time.Since(w.started)
			w.stop()
			p.errorCount.Add(1)
			p.timeouts.Add(1)
			msg := fmt.Sprintf("%s %s Init phase timed out after %.2f seconds", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), inv.id, initTimeout.Seconds())
			p.cfg.Logger.Error("function init timed out", "function", p.cfg.LogicalID, "requestId", inv.id)
			w.platformLine(res, "timeout", "Sandbox.Timedout")
			res.Payload, res.FunctionError, res.ErrorType = errorDocument("Sandbox.Timedout", msg), "Unhandled", "Sandbox.Timedout"
			res.Log = w.endTail()
			return res, nil
		}
	}
	w.platformStart(inv.id)
	w.invokeCh <- inv
	select {
	case <-inv.delivered:
	case <-w.exited:
		select {
		case <-inv.delivered:
		default:
			// The process died while idle: the function never saw this
			// invocation, so the pool may run it elsewhere.
			select {
			case <-w.invokeCh:
			default:
			}
			w.endTail()
			return nil, errNotDelivered
		}
	}
	start := inv.deliveredAt
	timer := time.NewTimer(time.Until(inv.deadline))
	defer timer.Stop()
	select {
	case <-inv.done:
	case <-w.exited:
		w.crashed(inv)
	case <-timer.C:
		msg := fmt.Sprintf("%s %s Task timed out after %.2f seconds", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), inv.id, inv.timeout.Seconds())
		if inv.complete(errorDocument("Sandbox.Timedout", msg), true, "Sandbox.Timedout") {
			p.timeouts.Add(1)
			p.cfg.Logger.Error("function timed out", "function", p.cfg.LogicalID, "requestId", inv.id, "timeout", inv.timeout.String())
			w.writeLine([]byte(msg))
			w.stop()
		}
	case <-w.stopping:
		inv.complete(errorDocument("Runtime.ExitError", fmt.Sprintf("RequestId: %s Error: execution environment was shut down", inv.id)), true, "Runtime.ExitError")
	}
	<-inv.done
	res.Duration = time.Since(start)
	res.MaxMemoryMB = maxMemoryMB(w.cmd)
	res.Payload = inv.response
	w.served.Add(1)
	status := "success"
	if inv.failed {
		res.FunctionError = "Unhandled"
		res.ErrorType = inv.errType
		p.errorCount.Add(1)
		status = "error"
		if inv.errType == "Sandbox.Timedout" {
			status = "timeout"
		}
	}
	w.current.Store(nil)
	w.platformLine(res, status, res.ErrorType)
	res.Log = w.endTail()
	return res, nil
}

func (w *worker) crashed(inv *invocation) {
	// A response may have raced with the exit.
	select {
	case <-inv.done:
		return
	default:
	}
	doc := w.exitDocument(inv.id)
	if inv.complete(doc, true, "Runtime.ExitError") {
		w.pool.crashes.Add(1)
		w.pool.cfg.Logger.Error("function process exited during an invocation", "function", w.pool.cfg.LogicalID, "requestId", inv.id, "error", exitString(w.exitErr))
		w.writeLine([]byte(fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %s\nRuntime.ExitError", inv.id, exitString(w.exitErr))))
	}
}

func (w *worker) exitDocument(id string) []byte {
	return errorDocument("Runtime.ExitError", fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %s", id, exitString(w.exitErr)))
}

func exitString(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

func errorTypeOf(doc []byte, fallback string) string {
	var e struct {
		ErrorType string `json:"errorType"`
	}
	if json.Unmarshal(doc, &e) == nil && e.ErrorType != "" {
		return e.ErrorType
	}
	return fallback
}

// ---- Runtime API handlers

func (w *worker) next(rw http.ResponseWriter, r *http.Request) {
	w.initOnce.Do(func() {
		w.initDur = time.Since(w.started)
		close(w.initDone)
	})
	select {
	case inv := <-w.invokeCh:
		w.current.Store(inv)
		inv.markDelivered()
		h := rw.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", w.pool.cfg.ARN)
		h.Set("Lambda-Runtime-Trace-Id", traceID())
		h.Set("Content-Type", "application/json")
		rw.WriteHeader(http.StatusOK)
		_, _ = rw.Write(inv.payload)
	case <-r.Context().Done():
	case <-w.stopping:
		http.Error(rw, `{"errorMessage":"shutting down","errorType":"Runtime.Shutdown"}`, http.StatusGone)
	}
}

func (w *worker) invocationFor(rw http.ResponseWriter, r *http.Request) *invocation {
	inv := w.current.Load()
	if inv == nil || inv.id != r.PathValue("id") {
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(http.StatusBadRequest)
		_, _ = rw.Write(errorDocument("InvalidRequestID", "Invalid request ID"))
		return nil
	}
	return inv
}

func (w *worker) response(rw http.ResponseWriter, r *http.Request) {
	inv := w.invocationFor(rw, r)
	if inv == nil {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	if err != nil {
		inv.complete(errorDocument("Runtime.ResponseError", "reading the response failed: "+err.Error()), true, "Runtime.ResponseError")
		rw.WriteHeader(http.StatusBadRequest)
		return
	}
	if et := r.Trailer.Get("Lambda-Runtime-Function-Error-Type"); et != "" {
		inv.complete(errorDocument(et, "the function failed while streaming its response"), true, et)
		rw.WriteHeader(http.StatusAccepted)
		return
	}
	if len(body) > MaxPayload {
		msg := fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", MaxPayload)
		inv.complete(errorDocument("Function.ResponseSizeTooLarge", msg), true, "Function.ResponseSizeTooLarge")
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(http.StatusRequestEntityTooLarge)
		_, _ = rw.Write(errorDocument("RequestEntityTooLarge", msg))
		return
	}
	inv.complete(body, false, "")
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(http.StatusAccepted)
	_, _ = rw.Write([]byte(`{"status":"OK"}`))
}

func (w *worker) invokeError(rw http.ResponseWriter, r *http.Request) {
	inv := w.invocationFor(rw, r)
	if inv == nil {
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxPayload))
	errType := r.Header.Get("Lambda-Runtime-Function-Error-Type")
	if !json.Valid(body) || len(body) == 0 {
		body = errorDocument(nonEmpty(errType, "Runtime.Unknown"), string(body))
	}
	errType = errorTypeOf(body, nonEmpty(errType, "Runtime.Unknown"))
	inv.complete(body, true, errType)
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(http.StatusAccepted)
	_, _ = rw.Write([]byte(`{"status":"OK"}`))
}

func (w *worker) initErrorHandler(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxPayload))
	if !json.Valid(body) || len(body) == 0 {
		body = errorDocument(nonEmpty(r.Header.Get("Lambda-Runtime-Function-Error-Type"), "Runtime.InitError"), string(body))
	}
	w.initError.Store(&body)
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(http.StatusAccepted)
	_, _ = rw.Write([]byte(`{"status":"OK"}`))
}

func nonEmpty(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

func traceID() string {
	id := strings.ReplaceAll(newRequestID(), "-", "")
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", time.Now().Unix(), id[:24], id[16:32])
}

// ---- logs

// lineWriter splits the process's output into lines, forwards them and keeps
// the current invocation's tail.
type lineWriter struct {
	w   *worker
	buf []byte
}

func (l *lineWriter) Write(b []byte) (int, error) {
	l.buf = append(l.buf, b...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.w.writeLine(l.buf[:i])
		l.buf = l.buf[i+1:]
	}
	if len(l.buf) > 256*1024 {
		l.w.writeLine(l.buf)
		l.buf = nil
	}
	return len(b), nil
}

func (l *lineWriter) flush() {
	if len(l.buf) > 0 {
		l.w.writeLine(l.buf)
		l.buf = nil
	}
}

const tailLimit = 4096

func (w *worker) writeLine(line []byte) {
	out := make([]byte, 0, len(line)+1)
	out = append(out, line...)
	out = append(out, '\n')
	_, _ = w.pool.cfg.Output.Write(out)
	w.logMu.Lock()
	if w.tail != nil {
		w.tail.Write(out)
		if w.tail.Len() > 4*tailLimit {
			b := w.tail.Bytes()
			keep := append([]byte(nil), b[len(b)-tailLimit:]...)
			w.tail.Reset()
			w.tail.Write(keep)
		}
	}
	w.logMu.Unlock()
}

func (w *worker) beginTail() {
	w.logMu.Lock()
	w.tail = &bytes.Buffer{}
	w.logMu.Unlock()
}

func (w *worker) endTail() []byte {
	w.logMu.Lock()
	defer w.logMu.Unlock()
	if w.tail == nil {
		return nil
	}
	b := w.tail.Bytes()
	if len(b) > tailLimit {
		b = b[len(b)-tailLimit:]
	}
	w.tail = nil
	return append([]byte(nil), b...)
}

func (w *worker) systemLogs() bool {
	switch strings.ToUpper(w.pool.cfg.SystemLogLevel) {
	case "WARN", "ERROR", "FATAL":
		return false
	}
	return true
}

func (w *worker) jsonLogs() bool { return strings.EqualFold(w.pool.cfg.LogFormat, "JSON") }

func (w *worker) platformStart(id string) {
	if !w.systemLogs() {
		return
	}
	if w.jsonLogs() {
		w.writeJSONLine("platform.start", map[string]any{"requestId": id, "version": "$LATEST"})
		return
	}
	w.writeLine([]byte("START RequestId: " + id + " Version: $LATEST"))
}

// platformLine writes the END and REPORT lines of an invocation.
func (w *worker) platformLine(res *Result, status, errType string) {
	if !w.systemLogs() {
		return
	}
	p := w.pool
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	billed := (res.Duration + res.InitDuration + time.Millisecond - 1) / time.Millisecond
	if w.jsonLogs() {
		metrics := map[string]any{
			"durationMs":       ms(res.Duration),
			"billedDurationMs": int64(billed),
			"memorySizeMB":     p.cfg.MemoryMB,
			"maxMemoryUsedMB":  res.MaxMemoryMB,
		}
		if res.InitDuration > 0 {
			metrics["initDurationMs"] = ms(res.InitDuration)
		}
		record := map[string]any{"requestId": res.RequestID, "metrics": metrics, "status": status}
		if errType != "" {
			record["errorType"] = errType
		}
		w.writeJSONLine("platform.runtimeDone", map[string]any{"requestId": res.RequestID, "status": status})
		w.writeJSONLine("platform.report", record)
		return
	}
	w.writeLine([]byte("END RequestId: " + res.RequestID))
	line := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB",
		res.RequestID, ms(res.Duration), int64(billed), p.cfg.MemoryMB, res.MaxMemoryMB)
	if res.InitDuration > 0 {
		line += fmt.Sprintf("\tInit Duration: %.2f ms", ms(res.InitDuration))
	}
	if status != "success" {
		line += "\tStatus: " + status
		if errType != "" {
			line += "\tError Type: " + errType
		}
	}
	w.writeLine([]byte(line))
}

func (w *worker) writeJSONLine(typ string, record map[string]any) {
	b, _ := json.Marshal(map[string]any{
		"time":   time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		"type":   typ,
		"record": record,
	})
	w.writeLine(b)
}
