package dynamodb

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Server.
type Config struct {
	// Dir is the persistence directory; "" keeps everything in memory.
	Dir string
	// Region is used in ARNs, e.g. "eu-central-1".
	Region string
	// AccountID is used in ARNs, e.g. "123456789012".
	AccountID string
	// Now is the clock for TTL, timestamps and idempotency windows; nil means time.Now.
	Now func() time.Time
	// Logger receives operational logs; nil discards them.
	Logger *slog.Logger
	// TTLSweepInterval is the period of the background TTL sweeper; 0 means
	// 30s and a negative value disables the sweeper (SweepTTL still works).
	TTLSweepInterval time.Duration
}

// Stats are cumulative counters since New or the last ResetStats.
type Stats struct {
	// Requests counts requests per operation name, including failed ones.
	Requests map[string]int64
	// ItemsRead counts items examined by reads, including items a filter
	// dropped: the sum of ScannedCount plus items found by point reads.
	ItemsRead int64
	// ReadCapacityUnits and WriteCapacityUnits sum the capacity consumed,
	// whether or not the request asked for ReturnConsumedCapacity.
	ReadCapacityUnits  float64
	WriteCapacityUnits float64
	// Transactions and TransactionItems count committed TransactWriteItems
	// requests and the items they held.
	Transactions     int64
	TransactionItems int64
}

// Server is an in-process DynamoDB endpoint. It is safe for concurrent use;
// every operation is atomic and serializable: one RWMutex guards the store,
// which the benchmarks show keeps point reads and index queries well under a
// millisecond with 100 000 items.
type Server struct {
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
	region string
	acct   string

	mu     sync.RWMutex
	tables map[string]*table
	tokens map[string]*txnToken
	closed atomic.Bool
	disk   *persister

	stopSweep chan struct{}
	sweepDone chan struct{}
	closeOnce sync.Once
	closeErr  error

	statsMu sync.Mutex
	stats   Stats

	reqPrefix string
	reqSeq    atomic.Uint64
}

// New creates a server and, when cfg.Dir is set, locks the directory and
// loads the persisted state (snapshot plus log, ignoring a torn last record).
// It fails when another live Server holds the directory.
func New(cfg Config) (*Server, error) {
	s := &Server{
		cfg:    cfg,
		log:    cfg.Logger,
		now:    cfg.Now,
		region: cfg.Region,
		acct:   cfg.AccountID,
		tables: map[string]*table{},
		tokens: map[string]*txnToken{},
		stats:  Stats{Requests: map[string]int64{}},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.region == "" {
		s.region = "us-east-1"
	}
	if s.acct == "" {
		s.acct = "000000000000"
	}
	var rb [6]byte
	_, _ = rand.Read(rb[:])
	s.reqPrefix = strings.ToUpper(fmt.Sprintf("%x", rb))
	if cfg.Dir != "" {
		d, err := openPersister(cfg.Dir, s.log)
		if err != nil {
			return nil, fmt.Errorf("open dynamodb data dir %s: %w", cfg.Dir, err)
		}
		if err := d.load(s.applyLogOp); err != nil {
			d.close()
			return nil, fmt.Errorf("load dynamodb state from %s: %w", cfg.Dir, err)
		}
		if err := d.compact(s.snapshotOps()); err != nil {
			d.close()
			return nil, fmt.Errorf("compact dynamodb state in %s: %w", cfg.Dir, err)
		}
		s.disk = d
	}
	interval := cfg.TTLSweepInterval
	if interval == 0 {
		interval = 30 * time.Second
	}
	if interval > 0 {
		s.stopSweep = make(chan struct{})
		s.sweepDone = make(chan struct{})
		go s.sweepLoop(interval)
	}
	return s, nil
}

// Close stops the TTL sweeper and, when persistent, compacts the state into a
// snapshot and releases the directory. Requests after Close fail with
// InternalServerError.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		if s.stopSweep != nil {
			close(s.stopSweep)
			<-s.sweepDone
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.closed.Store(true)
		if s.disk != nil {
			if err := s.disk.compact(s.snapshotOps()); err != nil {
				s.closeErr = fmt.Errorf("compact dynamodb state on close: %w", err)
			}
			if err := s.disk.close(); err != nil && s.closeErr == nil {
				s.closeErr = fmt.Errorf("close dynamodb data dir: %w", err)
			}
		}
	})
	return s.closeErr
}

// Stats returns a copy of the cumulative counters.
func (s *Server) Stats() Stats {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	out := s.stats
	out.Requests = make(map[string]int64, len(s.stats.Requests))
	for k, v := range s.stats.Requests {
		out.Requests[k] = v
	}
	return out
}

// ResetStats zeroes the counters.
func (s *Server) ResetStats() {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	s.stats = Stats{Requests: map[string]int64{}}
}

func (s *Server) countRequest(op string) {
	s.statsMu.Lock()
	s.stats.Requests[op]++
	s.statsMu.Unlock()
}

func (s *Server) addRead(items int, rcu float64) {
	s.statsMu.Lock()
	s.stats.ItemsRead += int64(items)
	s.stats.ReadCapacityUnits += rcu
	s.statsMu.Unlock()
}

func (s *Server) addWrite(wcu float64) {
	s.statsMu.Lock()
	s.stats.WriteCapacityUnits += wcu
	s.statsMu.Unlock()
}

func (s *Server) addTransaction(items int) {
	s.statsMu.Lock()
	s.stats.Transactions++
	s.stats.TransactionItems += int64(items)
	s.statsMu.Unlock()
}

type handlerFunc func(s *Server, body []byte) (any, error)

var handlers = map[string]handlerFunc{
	"CreateTable":               (*Server).createTable,
	"DescribeTable":             (*Server).describeTable,
	"ListTables":                (*Server).listTables,
	"DeleteTable":               (*Server).deleteTable,
	"UpdateTable":               (*Server).updateTable,
	"UpdateTimeToLive":          (*Server).updateTimeToLive,
	"DescribeTimeToLive":        (*Server).describeTimeToLive,
	"UpdateContinuousBackups":   (*Server).updateContinuousBackups,
	"DescribeContinuousBackups": (*Server).describeContinuousBackups,
	"TagResource":               (*Server).tagResource,
	"UntagResource":             (*Server).untagResource,
	"ListTagsOfResource":        (*Server).listTagsOfResource,
	"PutItem":                   (*Server).putItem,
	"GetItem":                   (*Server).getItem,
	"UpdateItem":                (*Server).updateItem,
	"DeleteItem":                (*Server).deleteItem,
	"Query":                     (*Server).query,
	"Scan":                      (*Server).scan,
	"BatchGetItem":              (*Server).batchGetItem,
	"BatchWriteItem":            (*Server).batchWriteItem,
	"TransactWriteItems":        (*Server).transactWriteItems,
	"TransactGetItems":          (*Server).transactGetItems,
	"DescribeEndpoints":         (*Server).describeEndpoints,
	"DescribeLimits":            (*Server).describeLimits,
}

const targetPrefix = "DynamoDB_20120810."

// ServeHTTP serves the DynamoDB JSON 1.0 protocol: POST / with
// X-Amz-Target: DynamoDB_20120810.<Operation>; signatures are not checked.
// Errors use DynamoDB's codes: ValidationException, ResourceNotFoundException,
// ResourceInUseException, ConditionalCheckFailedException,
// TransactionCanceledException, IdempotentParameterMismatchException,
// LimitExceededException, TableNotFoundException (continuous backups),
// SerializationException (malformed JSON), UnknownOperationException, and
// InternalServerError (HTTP 500; also after Close).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := fmt.Sprintf("%s%040d", s.reqPrefix, s.reqSeq.Add(1))
	if r.Method == http.MethodGet {
		// DynamoDB answers GET / with a health line; handy behind a router.
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "healthy: dynamodb."+s.region+".amazonaws.com ")
		return
	}
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, targetPrefix)
	h := handlers[op]
	if !ok || h == nil || r.Method != http.MethodPost {
		s.writeError(w, reqID, "", newAPIError(codeUnknownOperation, "Unknown operation: %s", target))
		return
	}
	s.countRequest(op)
	if s.closed.Load() {
		s.writeError(w, reqID, op, newAPIError(codeInternal, "server is closed"))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		s.writeError(w, reqID, op, newAPIError(codeSerialization, "read request body: %v", err))
		return
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	resp, err := s.call(h, op, body)
	if err != nil {
		s.writeError(w, reqID, op, err)
		return
	}
	var out []byte
	if fast, ok := resp.(jsonAppender); ok {
		out = fast.appendJSON(make([]byte, 0, 4096))
	} else {
		out, err = json.Marshal(resp)
	}
	if err != nil {
		s.writeError(w, reqID, op, fmt.Errorf("encode %s response: %w", op, err))
		return
	}
	writeBody(w, reqID, http.StatusOK, out)
}

// jsonAppender is implemented by the responses that carry many items; it
// skips encoding/json, which re-scans every MarshalJSON result.
type jsonAppender interface {
	appendJSON(b []byte) []byte
}

// call runs a handler, turning a panic into an internal error so one bad
// request cannot take the connection (or the local stack) down.
func (s *Server) call(h handlerFunc, op string, body []byte) (resp any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in %s: %v\n%s", op, r, debug.Stack())
		}
	}()
	return h(s, body)
}

func writeBody(w http.ResponseWriter, reqID string, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	h.Set("x-amzn-RequestId", reqID)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError is the one place errors become wire responses. Errors that are
// not *apiError are internal failures: logged with the request ID and
// reported without their text.
func (s *Server) writeError(w http.ResponseWriter, reqID, op string, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		s.log.Error("dynamodb request failed", slog.String("request_id", reqID), slog.String("operation", op), slog.Any("error", err))
		ae = newAPIError(codeInternal, "Internal server error")
	}
	body := map[string]any{"__type": errorTypePrefix + ae.Code}
	if ae.Code == codeTransactionCanceled {
		// The SDK's TransactionCanceledException shape spells it "Message".
		body["Message"] = ae.Message
		body["CancellationReasons"] = ae.Reasons
	} else {
		body["message"] = ae.Message
	}
	if ae.Item != nil {
		body["Item"] = ae.Item
	}
	out, mErr := json.Marshal(body)
	if mErr != nil {
		out = []byte(`{"__type":"` + errorTypePrefix + codeInternal + `","message":"Internal server error"}`)
	}
	writeBody(w, reqID, ae.status(), out)
}

// decode unmarshals a request body; attribute-value validation errors keep
// their ValidationException, anything else is a SerializationException.
func decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		var ae *apiError
		if errors.As(err, &ae) {
			return ae
		}
		return newAPIError(codeSerialization, "%s", err.Error())
	}
	return nil
}

// tableLocked returns the named table; the caller holds s.mu.
func (s *Server) tableLocked(name string) (*table, *apiError) {
	if s.closed.Load() {
		return nil, newAPIError(codeInternal, "server is closed")
	}
	t := s.tables[name]
	if t == nil {
		return nil, resourceNotFound()
	}
	return t, nil
}

func (s *Server) tableARN(name string) string {
	return "arn:aws:dynamodb:" + s.region + ":" + s.acct + ":table/" + name
}

func (s *Server) epoch() float64 {
	return float64(s.now().UnixMilli()) / 1000
}

// mutation is one item write computed under the lock and not yet applied.
type mutation struct {
	t   *table
	key [4]string
	put item // nil deletes
}

// commitLocked logs the mutations as one record (so a transaction is all or
// nothing on replay) and then applies them. The caller holds s.mu for writing.
func (s *Server) commitLocked(muts []mutation) error {
	if len(muts) == 0 {
		return nil
	}
	if s.disk != nil {
		ops := make([]logOp, len(muts))
		for i, m := range muts {
			if m.put != nil {
				ops[i] = logOp{Op: opPut, Table: m.t.meta.Name, Item: m.put}
			} else {
				ops[i] = logOp{Op: opDelete, Table: m.t.meta.Name, Item: keyItem(m.t.get(m.key), m.t.keys)}
			}
		}
		if err := s.disk.append(ops); err != nil {
			return fmt.Errorf("append %d mutations to log: %w", len(muts), err)
		}
	}
	for _, m := range muts {
		if m.put != nil {
			m.t.put(m.put)
		} else {
			m.t.remove(m.key)
		}
	}
	return nil
}

// logDDLLocked records a DDL change before it is applied.
func (s *Server) logDDLLocked(op logOp) error {
	if s.disk == nil {
		return nil
	}
	if err := s.disk.append([]logOp{op}); err != nil {
		return fmt.Errorf("append %s %s to log: %w", op.Op, op.Table, err)
	}
	return nil
}

func (s *Server) describeEndpoints(_ []byte) (any, error) {
	return map[string]any{"Endpoints": []map[string]any{{"Address": "dynamodb." + s.region + ".amazonaws.com", "CachePeriodInMinutes": 1440}}}, nil
}

func (s *Server) describeLimits(_ []byte) (any, error) {
	return map[string]int64{"AccountMaxReadCapacityUnits": 80000, "AccountMaxWriteCapacityUnits": 80000, "TableMaxReadCapacityUnits": 40000, "TableMaxWriteCapacityUnits": 40000}, nil
}
