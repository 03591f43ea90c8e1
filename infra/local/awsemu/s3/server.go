// Package s3 is the local stack's embedded Amazon S3 endpoint: an
// http.Handler that speaks the S3 REST API (path-style only) so that the app,
// its AWS SDK clients and browsers can run against it on one machine.
//
// Storage and most operations come from gofakes3, with its bbolt backend when
// a directory is configured and its memory backend otherwise. This package
// adds what the app relies on and gofakes3 lacks: presigned URL verification,
// browser POST uploads checked against their policy, bucket CORS with
// preflight handling, the bucket settings the CloudFormation template applies,
// and decoding of the SDK's aws-chunked uploads.
//
// It is infrastructure for local runs and tests only: it must not import any
// code of the application it serves or any other emulator, and nothing
// outside the local stack should import it.
//
// Layer: local.
package s3

import (
	"context"
	"encoding/xml"
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
	"sync/atomic"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3bolt"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	bolt "go.etcd.io/bbolt"
)

// Config configures a Server.
type Config struct {
	// Dir is where objects (a bbolt file) and bucket settings (a JSON file)
	// are persisted. Empty keeps everything in memory.
	Dir string
	// Region is the region buckets live in, such as "eu-central-1". When set,
	// presigned URLs and POST policies scoped to another region are refused,
	// as S3 refuses them.
	Region string
	// Credentials maps access key IDs to secret keys. Secrets verify presigned
	// URLs and POST policies; header-signed requests only need a known key.
	Credentials map[string]string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives one line per request; nil discards.
	Logger *slog.Logger
}

// Server is an in-process S3 endpoint. It is safe for concurrent use.
type Server struct {
	region      string
	credentials map[string]string
	now         func() time.Time
	log         *slog.Logger

	backend  gofakes3.Backend
	fake     http.Handler
	settings *settingsStore
	db       *bolt.DB // nil in memory mode

	requestSeq atomic.Uint64
	closeOnce  sync.Once
	closeErr   error
}

const (
	boltFile = "s3.bolt"
	// lockTimeout is how long New waits for the bbolt file lock before
	// deciding that another live Server holds the directory.
	lockTimeout = 500 * time.Millisecond
)

// New opens the store in cfg.Dir (or memory) and returns a Server. It fails
// when cfg.Credentials is empty, when the directory cannot be created or read,
// or when another live Server holds the directory.
func New(cfg Config) (*Server, error) {
	if len(cfg.Credentials) == 0 {
		return nil, errors.New("new S3 server: Config.Credentials is empty; at least one access key is needed to sign requests")
	}
	s := &Server{
		region:      cfg.Region,
		credentials: make(map[string]string, len(cfg.Credentials)),
		now:         cfg.Now,
		log:         cfg.Logger,
	}
	for k, v := range cfg.Credentials {
		s.credentials[k] = v
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	clock := timeSource{s.now}

	if cfg.Dir == "" {
		s.backend = s3mem.New(s3mem.WithTimeSource(clock))
		s.settings, _ = loadSettings("")
	} else {
		if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
			return nil, fmt.Errorf("new S3 server: create %s: %w", cfg.Dir, err)
		}
		path := filepath.Join(cfg.Dir, boltFile)
		db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("new S3 server: %s is locked by another running S3 server; stop it or use another directory: %w", path, err)
		}
		if err != nil {
			return nil, fmt.Errorf("new S3 server: open %s: %w", path, err)
		}
		settings, err := loadSettings(filepath.Join(cfg.Dir, settingsFile))
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("new S3 server: %w", err)
		}
		s.db = db
		s.settings = settings
		s.backend = s3bolt.New(db, s3bolt.WithTimeSource(clock))
	}

	s.fake = gofakes3.New(s.backend,
		gofakes3.WithTimeSource(clock),
		// Clock skew is checked in authenticate, before the signing headers
		// are stripped.
		gofakes3.WithTimeSkewLimit(0),
		// Versioning documents are stored, not enforced, and the bbolt
		// backend cannot version; keep both modes alike.
		gofakes3.WithoutVersioning(),
		gofakes3.WithLogger(gofakesLogger{s.log}),
	).Server()
	return s, nil
}

// Close releases the store. Later requests fail; Close may be called more
// than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		if s.db != nil {
			if err := s.db.Close(); err != nil {
				s.closeErr = fmt.Errorf("close S3 store: %w", err)
			}
		}
	})
	return s.closeErr
}

// ServeHTTP serves one S3 request. Request-level failures are written as S3
// XML error documents; see authenticate, postObject and preflight for the
// codes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rw := &responseWriter{ResponseWriter: w}
	rw.Header().Set("X-Amz-Request-Id", fmt.Sprintf("%016X", s.requestSeq.Add(1)))
	rw.Header().Set("Server", "AmazonS3")

	var errorCode string
	if err := s.serve(rw, r); err != nil {
		if rw.wroteHeader {
			// Too late for an error document; the client sees a short body.
			s.log.LogAttrs(r.Context(), slog.LevelError, "s3 response failed after headers were sent",
				slog.String("request_id", rw.Header().Get("X-Amz-Request-Id")),
				slog.String("error", err.Error()))
		} else {
			errorCode = s.writeError(rw, r, err)
		}
	}
	if !rw.wroteHeader {
		// Handlers such as gofakes3's HeadObject leave the status implicit;
		// write it here so that the CORS headers are still rewritten.
		rw.WriteHeader(http.StatusOK)
	}

	level := slog.LevelDebug
	switch {
	case rw.status >= 500:
		level = slog.LevelError
	case rw.status >= 400:
		level = slog.LevelInfo
	}
	attrs := []slog.Attr{
		slog.String("request_id", rw.Header().Get("X-Amz-Request-Id")),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", rw.status),
		slog.Duration("duration", time.Since(start)),
	}
	if errorCode != "" {
		attrs = append(attrs, slog.String("error_code", errorCode))
	}
	s.log.LogAttrs(r.Context(), level, "s3 request", attrs...)
}

// bucketSubresourcesNotImplemented and objectSubresourcesNotImplemented are
// S3 subresources that gofakes3 does not know; without this check it would
// treat, say, PUT ?acl on an object as an upload that overwrites the object.
var (
	bucketSubresourcesNotImplemented = []string{
		"accelerate", "acl", "analytics", "intelligent-tiering", "inventory", "logging", "metrics",
		"notification", "object-lock", "policyStatus", "replication", "requestPayment", "website",
	}
	objectSubresourcesNotImplemented = []string{
		"acl", "attributes", "legal-hold", "restore", "retention", "select", "tagging", "torrent",
	}
)

func (s *Server) serve(w *responseWriter, r *http.Request) error {
	bucket, key := splitPath(r.URL.Path)
	if r.Method == http.MethodOptions {
		return s.preflight(w, r, bucket)
	}
	w.cors = s.actualRequestCORS(r, bucket)
	if bucket != "" && isPostUpload(r, key) {
		return s.postObject(w, r, bucket)
	}
	if err := s.authenticate(r); err != nil {
		return err
	}
	if err := prepareBody(r); err != nil {
		return err
	}

	q := r.URL.Query()
	switch {
	case bucket == "":
		// ListBuckets and anything else at the root go to gofakes3.
	case key == "":
		if q.Has("cors") {
			switch r.Method {
			case http.MethodGet:
				return s.withBucket(bucket, func() error { return s.getBucketCORS(w, bucket) })
			case http.MethodPut:
				return s.withBucket(bucket, func() error { return s.putBucketCORS(w, r, bucket) })
			case http.MethodDelete:
				return s.withBucket(bucket, func() error { return s.deleteBucketCORS(w, bucket) })
			}
			return &apiError{Code: "MethodNotAllowed", Message: "The specified method is not allowed against this resource."}
		}
		for name, spec := range documentSubresources {
			if q.Has(name) {
				return s.withBucket(bucket, func() error { return s.serveDocument(w, r, bucket, name, spec) })
			}
		}
		for _, name := range bucketSubresourcesNotImplemented {
			if q.Has(name) {
				return errNotImplemented()
			}
		}
		if q.Has("location") && r.Method == http.MethodGet {
			return s.withBucket(bucket, func() error { return s.getBucketLocation(w) })
		}
		if !hasSubresource(q) {
			switch r.Method {
			case http.MethodPut:
				return s.createBucket(w, r, bucket)
			case http.MethodHead:
				if s.region != "" {
					w.Header().Set("X-Amz-Bucket-Region", s.region)
				}
			case http.MethodDelete:
				s.fake.ServeHTTP(w, r)
				if w.status == http.StatusNoContent {
					if err := s.settings.dropBucket(bucket); err != nil {
						s.log.LogAttrs(r.Context(), slog.LevelError, "drop settings of deleted bucket",
							slog.String("bucket", bucket), slog.String("error", err.Error()))
					}
				}
				return nil
			}
		}
	default:
		for _, name := range objectSubresourcesNotImplemented {
			if q.Has(name) {
				return errNotImplemented()
			}
		}
	}
	s.fake.ServeHTTP(w, r)
	return nil
}

// hasSubresource reports whether a bucket request names a subresource, as
// opposed to operation hints (x-id) and presigning parameters.
func hasSubresource(q url.Values) bool {
	for name := range q {
		if name != "x-id" && !strings.HasPrefix(name, "X-Amz-") {
			return true
		}
	}
	return false
}

// withBucket runs fn if the bucket exists and returns NoSuchBucket otherwise.
func (s *Server) withBucket(bucket string, fn func() error) error {
	ok, err := s.backend.BucketExists(bucket)
	if err != nil {
		return fmt.Errorf("check bucket %s: %w", bucket, err)
	}
	if !ok {
		return errNoSuchBucket(bucket)
	}
	return fn()
}

// createBucket checks the LocationConstraint against the configured region
// and answers BucketAlreadyOwnedByYou for an existing bucket, since every
// bucket here belongs to the one local account; the rest is gofakes3's.
func (s *Server) createBucket(w *responseWriter, r *http.Request, bucket string) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxDocumentSize))
	if err != nil {
		return fmt.Errorf("create bucket %s: read body: %w", bucket, err)
	}
	if len(strings.TrimSpace(string(body))) > 0 {
		var cfg struct {
			LocationConstraint string
		}
		if err := xml.Unmarshal(body, &cfg); err != nil {
			return errMalformedXML()
		}
		if s.region != "" && cfg.LocationConstraint != "" && cfg.LocationConstraint != s.region {
			return &apiError{Code: "IllegalLocationConstraintException",
				Message: "The " + cfg.LocationConstraint + " location constraint is incompatible for the region specific endpoint this request was sent to."}
		}
	}
	exists, err := s.backend.BucketExists(bucket)
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", bucket, err)
	}
	if exists {
		return &apiError{Code: "BucketAlreadyOwnedByYou",
			Message: "Your previous request to create the named bucket succeeded and you already own it.",
			Fields:  []errorField{{"BucketName", bucket}}}
	}
	r.Body = io.NopCloser(strings.NewReader(""))
	r.ContentLength = 0
	s.fake.ServeHTTP(w, r)
	return nil
}

// getBucketLocation reports the configured region; gofakes3 always answers
// us-east-1, whose LocationConstraint is empty.
func (s *Server) getBucketLocation(w http.ResponseWriter) error {
	region := s.region
	if region == "us-east-1" {
		region = ""
	}
	return writeXML(w, http.StatusOK, &struct {
		XMLName xml.Name `xml:"LocationConstraint"`
		Xmlns   string   `xml:"xmlns,attr"`
		Value   string   `xml:",chardata"`
	}{Xmlns: s3Xmlns, Value: region})
}

// splitPath splits a path-style URL path into bucket and key.
func splitPath(p string) (bucket, key string) {
	p = strings.TrimPrefix(p, "/")
	bucket, key, _ = strings.Cut(p, "/")
	return bucket, key
}

func writeXML(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write XML response: %w", err)
	}
	if err := xml.NewEncoder(w).Encode(v); err != nil {
		return fmt.Errorf("write XML response: %w", err)
	}
	return nil
}

// responseWriter applies the bucket's CORS rules to the response. gofakes3
// sets blanket "Access-Control-Allow-Origin: *" headers on every response;
// they are replaced here, when the status is written, by the rule-based
// headers (or none), which is what a browser would see from S3.
type responseWriter struct {
	http.ResponseWriter
	cors        http.Header
	status      int
	wroteHeader bool
}

// hiddenResponseHeaders are request headers gofakes3 stores as object
// metadata and would echo on GET, which S3 never does.
var hiddenResponseHeaders = []string{"X-Amz-Acl", "X-Amz-Copy-Source", "X-Amz-Metadata-Directive", "X-Amz-Tagging"}

func (w *responseWriter) WriteHeader(status int) {
	if w.wroteHeader {
		return
	}
	w.wroteHeader = true
	w.status = status
	h := w.Header()
	for name := range h {
		if strings.HasPrefix(name, "Access-Control-") {
			delete(h, name)
		}
	}
	for _, name := range hiddenResponseHeaders {
		h.Del(name)
	}
	for name, values := range w.cors {
		h[name] = values
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// timeSource adapts Config.Now to gofakes3.
type timeSource struct{ now func() time.Time }

func (t timeSource) Now() time.Time                   { return t.now().In(gmt) }
func (t timeSource) Since(at time.Time) time.Duration { return t.now().Sub(at) }

// gmt is UTC under the name S3 uses in HTTP dates.
var gmt = time.FixedZone("GMT", 0)

// gofakesLogger forwards gofakes3's messages to slog; its INFO lines trace
// every request and are only useful when debugging gofakes3 itself.
type gofakesLogger struct{ log *slog.Logger }

func (l gofakesLogger) Print(level gofakes3.LogLevel, v ...any) {
	lvl := slog.LevelDebug
	switch level {
	case gofakes3.LogErr:
		lvl = slog.LevelError
	case gofakes3.LogWarn:
		lvl = slog.LevelWarn
	}
	l.log.Log(context.Background(), lvl, "gofakes3: "+strings.TrimSpace(fmt.Sprintln(v...)))
}
