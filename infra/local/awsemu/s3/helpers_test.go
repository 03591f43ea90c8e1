package s3

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

const (
	testRegion    = "eu-central-1"
	testAccessKey = "AKIDLOCALTEST"
	testSecret    = "local/secret+key"
	testBucket    = "claims-documents"
)

// testClock follows the real clock plus an offset, because the SDK signs with
// the real time while expiry tests need the server to live in the future.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// testEnv is a Server behind an httptest server with an SDK client.
type testEnv struct {
	srv     *Server
	http    *httptest.Server
	clock   *testClock
	client  *awss3.Client
	presign *awss3.PresignClient

	mu       sync.Mutex
	requests map[string]http.Header // last request headers by method
}

// lastRequest returns the headers of the last request with method.
func (e *testEnv) lastRequest(method string) http.Header {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.requests[method]
}

type envOptions struct {
	dir string
	tls bool
}

func newTestEnv(t *testing.T, opts envOptions) *testEnv {
	t.Helper()
	clock := &testClock{}
	srv, err := New(Config{
		Dir:         opts.dir,
		Region:      testRegion,
		Credentials: map[string]string{testAccessKey: testSecret},
		Now:         clock.Now,
		Logger:      testLogger(t),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	env := &testEnv{srv: srv, clock: clock, requests: map[string]http.Header{}}
	// Record the headers the client sent, before the server rewrites them.
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		env.mu.Lock()
		env.requests[r.Method] = r.Header.Clone()
		env.mu.Unlock()
		srv.ServeHTTP(w, r)
	})
	var hs *httptest.Server
	if opts.tls {
		hs = httptest.NewTLSServer(handler)
	} else {
		hs = httptest.NewServer(handler)
	}
	env.http = hs
	t.Cleanup(func() {
		hs.Close()
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	env.client = env.sdkClient(testAccessKey, testSecret)
	env.presign = awss3.NewPresignClient(env.client)
	return env
}

// testLogger logs through t only when S3_TEST_LOG is set; the request lines
// are noise otherwise.
func testLogger(t *testing.T) *slog.Logger {
	if os.Getenv("S3_TEST_LOG") == "" {
		return nil
	}
	return slog.New(slog.NewJSONHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// sdkClient returns an SDK client configured as the app configures its
// client for a custom endpoint. The checksum modes are what
// config.LoadDefaultConfig resolves by default; awss3.New alone would leave
// them unset and skip the default CRC32 checksums.
func (e *testEnv) sdkClient(accessKey, secret string) *awss3.Client {
	return awss3.New(awss3.Options{
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
		Region:                     testRegion,
		BaseEndpoint:               aws.String(e.http.URL),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(accessKey, secret, ""),
		HTTPClient:                 e.http.Client(),
		Retryer:                    aws.NopRetryer{},
	})
}

func (e *testEnv) createBucket(t *testing.T, bucket string) {
	t.Helper()
	_, err := e.client.CreateBucket(context.Background(), &awss3.CreateBucketInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("CreateBucket %s: %v", bucket, err)
	}
}

func (e *testEnv) putObject(t *testing.T, bucket, key, body, contentType string) {
	t.Helper()
	_, err := e.client.PutObject(context.Background(), &awss3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body), ContentType: aws.String(contentType),
	})
	if err != nil {
		t.Fatalf("PutObject %s/%s: %v", bucket, key, err)
	}
}

// storedObject is what a test checks of an object read back through the SDK.
type storedObject struct {
	Body               string
	ContentType        string
	ContentDisposition string
	ContentEncoding    string
	Metadata           map[string]string
}

func (e *testEnv) getObject(t *testing.T, bucket, key string) (storedObject, error) {
	t.Helper()
	out, err := e.client.GetObject(context.Background(), &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return storedObject{}, err
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("read %s/%s: %v", bucket, key, err)
	}
	obj := storedObject{Body: string(body), ContentType: aws.ToString(out.ContentType),
		ContentDisposition: aws.ToString(out.ContentDisposition), ContentEncoding: aws.ToString(out.ContentEncoding),
		Metadata: out.Metadata}
	if len(obj.Metadata) == 0 {
		obj.Metadata = nil
	}
	return obj, nil
}

// errorCode returns the S3 error code of an SDK error, or "" for nil.
func errorCode(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "not an API error: " + err.Error()
}

// s3Error is the part of an S3 XML error document the tests look at.
type s3Error struct {
	Code           string
	Message        string
	ProposedSize   string
	MinSizeAllowed string
	MaxSizeAllowed string
}

// httpResult is what a browser-style request observed.
type httpResult struct {
	Status int
	Error  s3Error
	Body   string
	Header http.Header
}

// browser is an HTTP client that, unlike a browser, reports redirects
// instead of following them, so that tests can check them.
var browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func do(t *testing.T, req *http.Request) httpResult {
	t.Helper()
	resp, err := browser.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read response of %s %s: %v", req.Method, req.URL, err)
	}
	res := httpResult{Status: resp.StatusCode, Body: string(body), Header: resp.Header}
	if resp.StatusCode >= 300 && bytes.Contains(body, []byte("<Error>")) {
		if err := xml.Unmarshal(body, &res.Error); err != nil {
			t.Fatalf("decode error document %q: %v", body, err)
		}
	}
	return res
}

func newRequest(t *testing.T, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatalf("new request %s %s: %v", method, url, err)
	}
	return req
}

func cmpOptions(opts ...cmp.Option) cmp.Options { return cmp.Options(opts) }
