package sqs

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// maxRequestBytes bounds a request body. A batch of ten 256 KiB messages
// whose characters all need JSON escaping stays well below it.
const maxRequestBytes = 16 << 20

const targetPrefix = "AmazonSQS."

// Config configures a Server.
type Config struct {
	// Dir is where queues and messages are persisted; "" keeps them in
	// memory only.
	Dir string
	// Region goes into queue ARNs, e.g. "eu-central-1".
	Region string
	// AccountID goes into queue URLs and ARNs, e.g. "123456789012".
	AccountID string
	// Now is the clock; nil means time.Now. Tests inject a fake clock.
	Now func() time.Time
	// Logger receives one line per request; nil discards.
	Logger *slog.Logger
}

// Server is an in-process SQS endpoint. It is an http.Handler and safe for
// concurrent use.
type Server struct {
	cfg Config
	log *slog.Logger
	now func() time.Time

	mu       sync.Mutex
	queues   map[string]*queue
	order    uint64 // creation order of the latest queue
	msgSeq   uint64 // ordering of messages across queues
	fifoSeq  uint64 // last FIFO sequence number handed out
	tasks    []*moveTask
	store    *store
	pending  []record
	closed   chan struct{}
	isClosed bool

	statsMu sync.Mutex
	stats   map[string]int64
}

// New returns a Server. With cfg.Dir set it loads the queues and messages
// persisted there, ignoring a torn last record, and compacts the log. It
// returns an error when the directory or its log cannot be read or written.
func New(cfg Config) (*Server, error) {
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "123456789012"
	}
	s := &Server{
		cfg:    cfg,
		log:    cfg.Logger,
		now:    cfg.Now,
		queues: map[string]*queue{},
		closed: make(chan struct{}),
		stats:  map[string]int64{},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if cfg.Dir != "" {
		st, err := openStore(cfg.Dir, s)
		if err != nil {
			return nil, fmt.Errorf("open sqs store in %s: %w", cfg.Dir, err)
		}
		s.store = st
	}
	return s, nil
}

// Close wakes long-polling receivers, compacts the log and closes it. The
// Server answers no request after Close. It returns an error when the final
// compaction or close fails.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.isClosed {
		return nil
	}
	s.isClosed = true
	close(s.closed)
	if s.store == nil {
		return nil
	}
	if err := s.store.compact(s); err != nil {
		s.store.close()
		return fmt.Errorf("compact sqs log: %w", err)
	}
	if err := s.store.close(); err != nil {
		return fmt.Errorf("close sqs log: %w", err)
	}
	return nil
}

// Stats returns how many requests each operation has received, keyed by the
// operation name (for example "SendMessage"). Requests with an unknown target
// are counted under their target. It never fails.
func (s *Server) Stats() map[string]int64 {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	out := make(map[string]int64, len(s.stats))
	for k, v := range s.stats {
		out[k] = v
	}
	return out
}

func (s *Server) count(op string) {
	s.statsMu.Lock()
	s.stats[op]++
	s.statsMu.Unlock()
}

// request carries what a handler needs from the HTTP request besides its body.
type request struct {
	ctx  context.Context
	host string
}

type handler func(s *Server, r request, body []byte) (any, error)

// decode adapts an operation taking a typed input to a handler.
func decode[In any](fn func(*Server, request, *In) (any, error)) handler {
	return func(s *Server, r request, body []byte) (any, error) {
		in := new(In)
		if len(bytes.TrimSpace(body)) > 0 {
			if err := json.Unmarshal(body, in); err != nil {
				return nil, errorf(codeSerialization, "Request body is not valid JSON for this operation: %v", err)
			}
		}
		return fn(s, r, in)
	}
}

var handlers = map[string]handler{
	"CreateQueue":                  decode(opCreateQueue),
	"GetQueueUrl":                  decode(opGetQueueURL),
	"ListQueues":                   decode(opListQueues),
	"DeleteQueue":                  decode(opDeleteQueue),
	"GetQueueAttributes":           decode(opGetQueueAttributes),
	"SetQueueAttributes":           decode(opSetQueueAttributes),
	"PurgeQueue":                   decode(opPurgeQueue),
	"TagQueue":                     decode(opTagQueue),
	"UntagQueue":                   decode(opUntagQueue),
	"ListQueueTags":                decode(opListQueueTags),
	"ListDeadLetterSourceQueues":   decode(opListDeadLetterSourceQueues),
	"SendMessage":                  decode(opSendMessage),
	"SendMessageBatch":             decode(opSendMessageBatch),
	"ReceiveMessage":               decode(opReceiveMessage),
	"DeleteMessage":                decode(opDeleteMessage),
	"DeleteMessageBatch":           decode(opDeleteMessageBatch),
	"ChangeMessageVisibility":      decode(opChangeMessageVisibility),
	"ChangeMessageVisibilityBatch": decode(opChangeMessageVisibilityBatch),
	"StartMessageMoveTask":         decode(opStartMessageMoveTask),
	"ListMessageMoveTasks":         decode(opListMessageMoveTasks),
	"CancelMessageMoveTask":        decode(opCancelMessageMoveTask),
}

// ServeHTTP answers one SQS JSON 1.0 request (POST /, X-Amz-Target:
// AmazonSQS.<Operation>). A failed request gets HTTP 400 (405 for a method
// other than POST, 500 or 503 when the server cannot serve it), a body
// {"__type":"com.amazonaws.sqs#<Code>","message":"..."} and an
// x-amzn-query-error header "<legacy code>;Sender". Codes are those of SQS:
// QueueDoesNotExist (legacy AWS.SimpleQueueService.NonExistentQueue),
// QueueNameExists (QueueAlreadyExists), InvalidParameterValue,
// InvalidParameterCombination, InvalidAttributeName, InvalidAttributeValue,
// MissingParameter, InvalidAddress, InvalidMessageContents,
// MessageAttributesInvalid, ReceiptHandleIsInvalid, MessageNotInflight,
// TooManyEntriesInBatchRequest, EmptyBatchRequest, BatchEntryIdsNotDistinct,
// InvalidBatchEntryId, BatchRequestTooLong, PurgeQueueInProgress,
// ResourceNotFoundException, SerializationException, UnsupportedOperation and
// InternalError.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	requestID := newUUID()
	w.Header().Set("x-amzn-RequestId", requestID)
	op, isSQS := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	if !isSQS {
		op = r.Header.Get("X-Amz-Target")
	}
	s.count(op)

	resp, err := s.serve(w, r, op, isSQS)
	status := http.StatusOK
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			s.log.Error("sqs request failed", "request_id", requestID, "op", op, "err", err)
			ae = errInternal()
		}
		status = ae.Status
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("x-amzn-query-error", ae.legacyCode()+";"+ae.fault())
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + ae.Code, "message": ae.Message})
		s.log.Debug("sqs request", "request_id", requestID, "op", op, "status", status, "code", ae.Code, "message", ae.Message, "duration", time.Since(start))
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(resp)
	s.log.Debug("sqs request", "request_id", requestID, "op", op, "status", status, "duration", time.Since(start))
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, op string, isSQS bool) (any, error) {
	if r.Method != http.MethodPost {
		return nil, &apiError{Code: codeUnsupportedOperation, Status: http.StatusMethodNotAllowed, Message: "Only POST requests are supported by the SQS JSON protocol."}
	}
	h, ok := handlers[op]
	if !isSQS || !ok {
		return nil, errorf(codeUnsupportedOperation, "The operation %s is not supported by the local SQS emulator.", op)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	if err != nil {
		return nil, errorf(codeInvalidParameterValue, "The request body could not be read: %v", err)
	}
	s.mu.Lock()
	closed := s.isClosed
	s.mu.Unlock()
	if closed {
		return nil, &apiError{Code: codeInternalError, Status: http.StatusServiceUnavailable, Message: "The local SQS emulator is shut down."}
	}
	return h(s, request{ctx: r.Context(), host: r.Host}, body)
}

// locked runs fn under the server lock and writes the log records fn queued
// before returning, so every reply follows its durable record.
func (s *Server) locked(fn func() (any, error)) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.isClosed {
		return nil, &apiError{Code: codeInternalError, Status: http.StatusServiceUnavailable, Message: "The local SQS emulator is shut down."}
	}
	out, err := fn()
	if ferr := s.flushLocked(); ferr != nil {
		return nil, ferr
	}
	return out, err
}

func (s *Server) nowMillis() int64 { return s.now().UnixMilli() }

func (s *Server) queueARN(name string) string {
	return "arn:aws:sqs:" + s.cfg.Region + ":" + s.cfg.AccountID + ":" + name
}

func (s *Server) queueURL(host, name string) string {
	if host == "" {
		host = "localhost"
	}
	return "http://" + host + "/" + s.cfg.AccountID + "/" + name
}

// queueByARN finds a queue of this region and account by ARN.
func (s *Server) queueByARN(arn string) *queue {
	prefix := s.queueARN("")
	name, ok := strings.CutPrefix(arn, prefix)
	if !ok {
		return nil
	}
	return s.queues[name]
}

// lookupQueue resolves a QueueUrl by its last two path segments, account and
// name, ignoring the host as the brief asks.
func (s *Server) lookupQueue(queueURL *string) (*queue, *apiError) {
	if queueURL == nil || *queueURL == "" {
		return nil, errMissing("QueueUrl")
	}
	raw := *queueURL
	path := raw
	if u, err := url.Parse(raw); err == nil && u.Scheme != "" {
		path = u.Path
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) < 2 {
		return nil, errorf(codeInvalidAddress, "The address %s is not valid for this endpoint.", raw)
	}
	account, name := parts[len(parts)-2], parts[len(parts)-1]
	if account != s.cfg.AccountID {
		return nil, errQueueDoesNotExist()
	}
	q, ok := s.queues[name]
	if !ok {
		return nil, errQueueDoesNotExist()
	}
	return q, nil
}

func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return hex.EncodeToString(b)
}
