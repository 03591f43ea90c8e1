package sns

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"
)

// maxRequestBytes bounds a request body: a batch of 256 KiB whose characters
// all need percent-encoding stays below it.
const maxRequestBytes = 4 << 20

const xmlNamespace = "http://sns.amazonaws.com/doc/2010-03-31/"

// Attribute is a message attribute as SNS delivers it to a queue: DataType
// "String", "Number", "Binary" or "String.Array" (or one of them with a custom
// suffix), and StringValue or, for Binary types, BinaryValue.
type Attribute struct {
	DataType    string
	StringValue string
	BinaryValue []byte
}

// QueueMessage is one message delivered to a subscribed SQS queue.
type QueueMessage struct {
	Body       string
	Attributes map[string]Attribute
}

// DeliverFunc hands a message to the SQS queue with the given ARN. An error
// is logged and the message dropped, as SNS does once its retries to a
// missing queue run out.
type DeliverFunc func(ctx context.Context, queueARN string, m QueueMessage) error

// Config configures a Server.
type Config struct {
	// Dir is where topics and subscriptions are kept; "" keeps them in
	// memory only.
	Dir string
	// Region goes into ARNs, e.g. "eu-central-1".
	Region string
	// AccountID goes into ARNs, e.g. "123456789012".
	AccountID string
	// DeliverToQueue delivers to `sqs` subscriptions; nil drops their
	// messages (logged).
	DeliverToQueue DeliverFunc
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives one line per request and per failed delivery; nil
	// discards.
	Logger *slog.Logger
}

// Server is an in-process SNS endpoint. It is an http.Handler and safe for
// concurrent use.
type Server struct {
	cfg Config
	log *slog.Logger
	now func() time.Time

	mu       sync.Mutex
	topics   map[string]*topic        // by ARN
	subs     map[string]*subscription // by ARN
	order    uint64
	isClosed bool

	statsMu sync.Mutex
	stats   map[string]int64
}

// New returns a Server. With cfg.Dir set it loads the topics and
// subscriptions kept there. It returns an error when that file exists but
// cannot be read or parsed.
func New(cfg Config) (*Server, error) {
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "123456789012"
	}
	s := &Server{cfg: cfg, log: cfg.Logger, now: cfg.Now, topics: map[string]*topic{}, subs: map[string]*subscription{}, stats: map[string]int64{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if cfg.Dir != "" {
		if err := s.load(); err != nil {
			return nil, fmt.Errorf("load sns state from %s: %w", cfg.Dir, err)
		}
	}
	return s, nil
}

// Close makes the Server refuse further requests. State is already on disk.
// It never fails.
func (s *Server) Close() error {
	s.mu.Lock()
	s.isClosed = true
	s.mu.Unlock()
	return nil
}

// Stats returns how many requests each action has received, keyed by the
// action name (for example "Publish"). It never fails.
func (s *Server) Stats() map[string]int64 {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	out := make(map[string]int64, len(s.stats))
	for k, v := range s.stats {
		out[k] = v
	}
	return out
}

type handler func(s *Server, ctx context.Context, form url.Values) (any, error)

var handlers = map[string]handler{
	"CreateTopic":               opCreateTopic,
	"DeleteTopic":               opDeleteTopic,
	"ListTopics":                opListTopics,
	"GetTopicAttributes":        opGetTopicAttributes,
	"SetTopicAttributes":        opSetTopicAttributes,
	"Subscribe":                 opSubscribe,
	"Unsubscribe":               opUnsubscribe,
	"ListSubscriptions":         opListSubscriptions,
	"ListSubscriptionsByTopic":  opListSubscriptionsByTopic,
	"GetSubscriptionAttributes": opGetSubscriptionAttributes,
	"SetSubscriptionAttributes": opSetSubscriptionAttributes,
	"Publish":                   opPublish,
	"PublishBatch":              opPublishBatch,
}

// ServeHTTP answers one SNS query-protocol request (POST / with an
// application/x-www-form-urlencoded body carrying Action and Version). A
// success is <ActionResponse><ActionResult>...</ActionResult>
// <ResponseMetadata>; a failure an <ErrorResponse> with SNS's code and HTTP
// status: NotFound (404), InvalidParameter, ParameterValueInvalid,
// TooManyEntriesInBatchRequest, EmptyBatchRequest, BatchEntryIdsNotDistinct,
// InvalidBatchEntryId, BatchRequestTooLong, InvalidAction (400) and
// InternalError (500, 503 after Close).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	requestID := newUUID()
	w.Header().Set("x-amzn-RequestId", requestID)
	action, resp, err := s.serve(w, r)
	s.statsMu.Lock()
	s.stats[action]++
	s.statsMu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			s.log.Error("sns request failed", "request_id", requestID, "action", action, "err", err)
			ae = errInternal()
		}
		w.WriteHeader(ae.Status)
		fault := "Sender"
		if ae.Status >= 500 {
			fault = "Receiver"
		}
		var b bytes.Buffer
		b.WriteString(`<ErrorResponse xmlns="` + xmlNamespace + `"><Error><Type>` + fault + `</Type><Code>`)
		_ = xml.EscapeText(&b, []byte(ae.Code))
		b.WriteString(`</Code><Message>`)
		_ = xml.EscapeText(&b, []byte(ae.Message))
		b.WriteString(`</Message></Error><RequestId>` + requestID + `</RequestId></ErrorResponse>`)
		_, _ = w.Write(b.Bytes())
		s.log.Debug("sns request", "request_id", requestID, "action", action, "status", ae.Status, "code", ae.Code, "message", ae.Message, "duration", time.Since(start))
		return
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<` + action + `Response xmlns="` + xmlNamespace + `">`)
	if resp != nil {
		enc := xml.NewEncoder(&b)
		if merr := enc.EncodeElement(resp, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); merr != nil {
			s.log.Error("sns response encoding failed", "request_id", requestID, "action", action, "err", merr)
		}
	}
	b.WriteString(`<ResponseMetadata><RequestId>` + requestID + `</RequestId></ResponseMetadata></` + action + `Response>`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.Bytes())
	s.log.Debug("sns request", "request_id", requestID, "action", action, "status", http.StatusOK, "duration", time.Since(start))
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) (string, any, error) {
	if r.Method != http.MethodPost {
		return r.Method, nil, &apiError{Code: codeInvalidAction, Status: http.StatusMethodNotAllowed, Message: "Only POST requests are supported by the local SNS emulator."}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	if err != nil {
		return "", nil, errorf(codeInvalidParameter, "The request body could not be read: %v", err)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return "", nil, errorf(codeInvalidParameter, "The request body is not a valid form: %v", err)
	}
	action := form.Get("Action")
	h, ok := handlers[action]
	if !ok {
		return action, nil, errorf(codeInvalidAction, "The action %s is not valid for this endpoint.", action)
	}
	s.mu.Lock()
	closed := s.isClosed
	s.mu.Unlock()
	if closed {
		return action, nil, &apiError{Code: codeInternalError, Status: http.StatusServiceUnavailable, Message: "The local SNS emulator is shut down."}
	}
	out, err := h(s, r.Context(), form)
	return action, out, err
}

// locked runs fn under the server lock and, when fn changed something,
// saves the state before the reply.
func (s *Server) locked(fn func() (changed bool, out any, err error)) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	changed, out, err := fn()
	if changed {
		if serr := s.saveLocked(); serr != nil {
			s.log.Error("sns state save failed", "dir", s.cfg.Dir, "err", serr)
			return nil, errInternal()
		}
	}
	return out, err
}

func (s *Server) topicARN(name string) string {
	return "arn:aws:sns:" + s.cfg.Region + ":" + s.cfg.AccountID + ":" + name
}

// ---- persistence

const stateFile = "sns.json"

type state struct {
	Topics        []*topic        `json:"topics"`
	Subscriptions []*subscription `json:"subscriptions"`
}

func (s *Server) load() error {
	data, err := os.ReadFile(filepath.Join(s.cfg.Dir, stateFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("parse %s: %w", stateFile, err)
	}
	for _, t := range st.Topics {
		s.topics[t.ARN] = t
		s.order = max(s.order, t.Order)
	}
	for _, sub := range st.Subscriptions {
		if p := sub.Attrs[attrFilterPolicy]; p != "" {
			f, perr := parseFilterPolicy(p, sub.Attrs[attrFilterPolicyScope])
			if perr != nil {
				return fmt.Errorf("subscription %s: %w", sub.ARN, perr)
			}
			sub.filter = f
		}
		s.subs[sub.ARN] = sub
		s.order = max(s.order, sub.Order)
	}
	return nil
}

// saveLocked writes the state to a temporary file and renames it over the
// old one, so a crash leaves one or the other.
func (s *Server) saveLocked() error {
	if s.cfg.Dir == "" {
		return nil
	}
	st := state{Topics: s.sortedTopics(), Subscriptions: s.sortedSubs("")}
	data, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	if err := os.MkdirAll(s.cfg.Dir, 0o755); err != nil {
		return fmt.Errorf("create directory: %w", err)
	}
	path := filepath.Join(s.cfg.Dir, stateFile)
	if err := os.WriteFile(path+".tmp", data, 0o644); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return fmt.Errorf("rename: %w", err)
	}
	return nil
}

func (s *Server) sortedTopics() []*topic {
	out := make([]*topic, 0, len(s.topics))
	for _, t := range s.topics {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Order < out[j].Order })
	return out
}

// sortedSubs lists the subscriptions, of one topic when topicARN is set, in
// creation order.
func (s *Server) sortedSubs(topicARN string) []*subscription {
	out := make([]*subscription, 0, len(s.subs))
	for _, sub := range s.subs {
		if topicARN == "" || sub.TopicARN == topicARN {
			out = append(out, sub)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Order < out[j].Order })
	return out
}

// ---- errors

// Error codes the server returns, as SNS's query protocol names them.
const (
	codeNotFound                 = "NotFound"
	codeInvalidParameter         = "InvalidParameter"
	codeParameterValueInvalid    = "ParameterValueInvalid"
	codeTooManyEntries           = "TooManyEntriesInBatchRequest"
	codeEmptyBatch               = "EmptyBatchRequest"
	codeBatchEntryIDsNotDistinct = "BatchEntryIdsNotDistinct"
	codeInvalidBatchEntryID      = "InvalidBatchEntryId"
	codeBatchRequestTooLong      = "BatchRequestTooLong"
	codeInvalidAction            = "InvalidAction"
	codeInternalError            = "InternalError"
)

// apiError is an SNS error response: the code, its HTTP status and message.
type apiError struct {
	Code    string
	Status  int
	Message string
}

// Error returns the code and message, the form that ends up in logs.
func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errorf(code, format string, args ...any) *apiError {
	return &apiError{Code: code, Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

func errInvalid(format string, args ...any) *apiError {
	return errorf(codeInvalidParameter, "Invalid parameter: "+format, args...)
}

func errTopicNotFound() *apiError {
	return &apiError{Code: codeNotFound, Status: http.StatusNotFound, Message: "Topic does not exist"}
}

func errSubscriptionNotFound() *apiError {
	return &apiError{Code: codeNotFound, Status: http.StatusNotFound, Message: "Subscription does not exist"}
}

func errInternal() *apiError {
	return &apiError{Code: codeInternalError, Status: http.StatusInternalServerError, Message: "We encountered an internal error. Please try again."}
}

// ---- query-protocol input and XML output helpers

// formMap reads a map serialised as prefix.entry.N.<keyName>/<valueName>.
func formMap(form url.Values, prefix, keyName, valueName string) map[string]string {
	var out map[string]string
	for n := 1; ; n++ {
		base := prefix + ".entry." + strconv.Itoa(n) + "."
		k, ok := form[base+keyName]
		if !ok {
			return out
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k[0]] = form.Get(base + valueName)
	}
}

// optional returns a form value and whether it was given.
func optional(form url.Values, key string) (string, bool) {
	v, ok := form[key]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

type xmlEntry struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

type xmlMap struct {
	Entries []xmlEntry `xml:"entry"`
}

func toXMLMap(m map[string]string) xmlMap {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := xmlMap{Entries: make([]xmlEntry, len(keys))}
	for i, k := range keys {
		out.Entries[i] = xmlEntry{Key: k, Value: m[k]}
	}
	return out
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
