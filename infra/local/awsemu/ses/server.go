package ses

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// maxRequestBytes bounds a request body: a 40 MB raw message grows by a third
// when base64-encoded into JSON.
const maxRequestBytes = 60 << 20

// Error codes, sent in the x-amzn-ErrorType header.
const (
	codeBadRequest       = "BadRequestException"
	codeMessageRejected  = "MessageRejected"
	codeNotFound         = "NotFoundException"
	codeAlreadyExists    = "AlreadyExistsException"
	codeLimitExceeded    = "LimitExceededException"
	codeUnknownOperation = "UnknownOperationException"
	codeInternal         = "InternalServiceErrorException"
)

// Config configures a Server.
type Config struct {
	// Dir holds identities.json and the outbox directory; "" keeps
	// identities and mails in memory only.
	Dir string
	// Region appears in error messages and Message-ID domains, e.g.
	// "eu-central-1".
	Region string
	// AccountID is the account the identities belong to, e.g. "123456789012".
	AccountID string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives one line per request and per accepted mail; nil
	// discards.
	Logger *slog.Logger
}

// Server is an in-process SES v2 endpoint. It is an http.Handler and safe for
// concurrent use.
type Server struct {
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
	outbox string

	mu         sync.Mutex
	identities map[string]*identity
	identSeq   uint64
	sent       []Mail
	lastFile   time.Time
	closed     bool
}

// apiError is an SES error response.
type apiError struct {
	Code    string
	Status  int
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errorf(code string, status int, format string, args ...any) *apiError {
	return &apiError{Code: code, Status: status, Message: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *apiError {
	return errorf(codeBadRequest, http.StatusBadRequest, format, args...)
}

// New returns a Server. With cfg.Dir set it creates the outbox directory and
// loads the identities persisted there. It returns an error when the
// directory cannot be created or identities.json cannot be read.
func New(cfg Config) (*Server, error) {
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "123456789012"
	}
	s := &Server{cfg: cfg, log: cfg.Logger, now: cfg.Now, identities: map[string]*identity{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if cfg.Dir == "" {
		return s, nil
	}
	outbox, err := filepath.Abs(filepath.Join(cfg.Dir, "outbox"))
	if err != nil {
		return nil, fmt.Errorf("resolve outbox under %s: %w", cfg.Dir, err)
	}
	if err := os.MkdirAll(outbox, 0o755); err != nil {
		return nil, fmt.Errorf("create outbox %s: %w", outbox, err)
	}
	s.outbox = outbox
	if err := s.loadIdentities(); err != nil {
		return nil, fmt.Errorf("load ses identities from %s: %w", cfg.Dir, err)
	}
	return s, nil
}

// Close stops the Server from accepting requests. Identities and mails are
// already on disk, so it has nothing to flush and never fails.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

// Outbox returns the absolute path of the directory accepted mails are
// written to, or "" when the Server keeps them in memory.
func (s *Server) Outbox() string { return s.outbox }

// Sent returns the mails this Server instance accepted, oldest first. It
// works in memory mode too; mails from earlier instances are in the outbox.
func (s *Server) Sent() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Mail, len(s.sent))
	for i, m := range s.sent {
		out[i] = m.clone()
	}
	return out
}

// ServeHTTP answers one SES v2 REST-JSON request: SendEmail,
// CreateEmailIdentity, GetEmailIdentity, ListEmailIdentities,
// DeleteEmailIdentity and GetAccount. A failed request gets its status, an
// x-amzn-ErrorType header and a body {"message":"..."}. Codes:
// BadRequestException (400), MessageRejected (400, unverified sender or
// oversized raw message), AlreadyExistsException (400),
// LimitExceededException (400), NotFoundException (404),
// UnknownOperationException (404, an operation the emulator does not
// implement) and InternalServiceErrorException (500, 503 after Close).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	requestID := newUUID()
	w.Header().Set("x-amzn-RequestId", requestID)
	op, resp, err := s.route(w, r)
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			s.log.Error("ses request failed", "request_id", requestID, "op", op, "err", err)
			ae = errorf(codeInternal, http.StatusInternalServerError, "Internal service error.")
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-amzn-ErrorType", ae.Code)
		w.WriteHeader(ae.Status)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": ae.Message})
		s.log.Debug("ses request", "request_id", requestID, "op", op, "status", ae.Status, "code", ae.Code, "message", ae.Message, "duration", time.Since(start))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(resp)
	s.log.Debug("ses request", "request_id", requestID, "op", op, "status", http.StatusOK, "duration", time.Since(start))
}

// route dispatches on method and path. It returns the operation name for logs.
func (s *Server) route(w http.ResponseWriter, r *http.Request) (string, any, error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return "", nil, errorf(codeInternal, http.StatusServiceUnavailable, "The local SES emulator is shut down.")
	}
	path := strings.TrimSuffix(r.URL.EscapedPath(), "/")
	body := func(v any) error {
		raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return errorf(codeMessageRejected, http.StatusBadRequest, "Message length is more than %d bytes.", maxRawMessageBytes)
			}
			return badRequest("The request body could not be read: %v", err)
		}
		if len(strings.TrimSpace(string(raw))) == 0 {
			return nil
		}
		if err := json.Unmarshal(raw, v); err != nil {
			return badRequest("The request body is not valid JSON for this operation: %v", err)
		}
		return nil
	}
	const identities = "/v2/email/identities"
	switch {
	case path == "/v2/email/outbound-emails" && r.Method == http.MethodPost:
		var in sendEmailInput
		if err := body(&in); err != nil {
			return "SendEmail", nil, err
		}
		out, err := s.sendEmail(&in)
		return "SendEmail", out, err
	case path == identities && r.Method == http.MethodPost:
		var in createIdentityInput
		if err := body(&in); err != nil {
			return "CreateEmailIdentity", nil, err
		}
		out, err := s.createIdentity(&in)
		return "CreateEmailIdentity", out, err
	case path == identities && r.Method == http.MethodGet:
		// Older SDKs list identities with GET and query parameters.
		in := listIdentitiesInput{NextToken: optional(r.URL.Query().Get("NextToken"))}
		if ps := r.URL.Query().Get("PageSize"); ps != "" {
			var n int
			if _, err := fmt.Sscan(ps, &n); err != nil {
				return "ListEmailIdentities", nil, badRequest("PageSize must be a number.")
			}
			in.PageSize = &n
		}
		out, err := s.listIdentities(&in)
		return "ListEmailIdentities", out, err
	case path == "/v2/email/list-identities" && r.Method == http.MethodPost:
		var in listIdentitiesInput
		if err := body(&in); err != nil {
			return "ListEmailIdentities", nil, err
		}
		out, err := s.listIdentities(&in)
		return "ListEmailIdentities", out, err
	case strings.HasPrefix(path, identities+"/") && !strings.Contains(strings.TrimPrefix(path, identities+"/"), "/"):
		name, err := url.PathUnescape(strings.TrimPrefix(path, identities+"/"))
		if err != nil {
			return "", nil, badRequest("The identity in the path is not correctly escaped.")
		}
		switch r.Method {
		case http.MethodGet:
			out, err := s.getIdentity(name)
			return "GetEmailIdentity", out, err
		case http.MethodDelete:
			out, err := s.deleteIdentity(name)
			return "DeleteEmailIdentity", out, err
		}
	case path == "/v2/email/account" && r.Method == http.MethodGet:
		return "GetAccount", s.getAccount(), nil
	}
	return "", nil, errorf(codeUnknownOperation, http.StatusNotFound, "The operation %s %s is not supported by the local SES emulator.", r.Method, path)
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
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

// writeFileAtomic writes data to a temporary file next to path, syncs it and
// renames it into place, so readers never see a partial file.
func writeFileAtomic(path string, data []byte) error {
	dir, base := filepath.Split(path)
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("create temporary file for %s: %w", path, err)
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("chmod %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("rename %s to %s: %w", tmp, path, err)
	}
	return nil
}
