package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// result is what a client observes of a response.
type result struct {
	Status  int
	Headers map[string][]string // only the headers a case names
	Body    string
}

func observe(w *httptest.ResponseRecorder, names []string) result {
	res := result{Status: w.Code, Body: w.Body.String(), Headers: map[string][]string{}}
	for _, n := range names {
		if v, ok := w.Result().Header[http.CanonicalHeaderKey(n)]; ok {
			res.Headers[n] = v
		}
	}
	return res
}

func TestResponseMapping(t *testing.T) {
	internal := result{Status: 500, Headers: map[string][]string{"Content-Type": {"application/json"}}, Body: `{"message":"Internal Server Error"}`}
	tests := []struct {
		name    string
		respond func(context.Context, string, []byte) (InvokeResult, error)
		want    result
	}{
		{
			name:    "structured response",
			respond: respondWith(`{"statusCode":201,"headers":{"content-type":"application/json","Location":"/v1/orders/1","x-multi":"a, b"},"body":"{\"id\":\"1\"}"}`),
			want: result{Status: 201, Headers: map[string][]string{
				"Content-Type": {"application/json"}, "Location": {"/v1/orders/1"}, "X-Multi": {"a, b"}, "Set-Cookie": nil,
			}, Body: `{"id":"1"}`},
		},
		{
			name:    "cookies become Set-Cookie headers",
			respond: respondWith(`{"statusCode":200,"cookies":["a=1; Path=/; HttpOnly","b=2; Secure"],"headers":{"content-type":"text/plain"},"body":"hi"}`),
			want: result{Status: 200, Headers: map[string][]string{
				"Content-Type": {"text/plain"}, "Set-Cookie": {"a=1; Path=/; HttpOnly", "b=2; Secure"},
			}, Body: "hi"},
		},
		{
			name:    "multiValueHeaders are ignored",
			respond: respondWith(`{"statusCode":200,"multiValueHeaders":{"x-a":["1","2"]},"body":"x"}`),
			want:    result{Status: 200, Headers: map[string][]string{"X-A": nil, "Content-Type": nil}, Body: "x"},
		},
		{
			name:    "base64 body is decoded",
			respond: respondWith(`{"statusCode":200,"headers":{"content-type":"image/png"},"isBase64Encoded":true,"body":"iVBORw0KGgo="}`),
			want:    result{Status: 200, Headers: map[string][]string{"Content-Type": {"image/png"}}, Body: "\x89PNG\r\n\x1a\n"},
		},
		{
			name:    "no content type is not sniffed",
			respond: respondWith(`{"statusCode":200,"body":"<html><body>hi</body></html>"}`),
			want:    result{Status: 200, Headers: map[string][]string{"Content-Type": nil}, Body: "<html><body>hi</body></html>"},
		},
		{
			name:    "object without statusCode is the body",
			respond: respondWith(`{"id":"1","headers":"not a map"}`),
			want:    result{Status: 200, Headers: map[string][]string{"Content-Type": {"application/json"}}, Body: `{"id":"1","headers":"not a map"}`},
		},
		{
			name:    "JSON string is the body",
			respond: respondWith(`"hello"`),
			want:    result{Status: 200, Headers: map[string][]string{"Content-Type": {"application/json"}}, Body: `"hello"`},
		},
		{
			name:    "JSON number is the body",
			respond: respondWith(`42`),
			want:    result{Status: 200, Headers: map[string][]string{"Content-Type": {"application/json"}}, Body: `42`},
		},
		{
			name:    "JSON array is the body",
			respond: respondWith(`[1,"a"]`),
			want:    result{Status: 200, Headers: map[string][]string{"Content-Type": {"application/json"}}, Body: `[1,"a"]`},
		},
		{name: "invalid JSON", respond: respondWith(`{"statusCode":200,`), want: internal},
		{name: "plain text payload", respond: respondWith(`hello`), want: internal},
		{name: "statusCode zero", respond: respondWith(`{"statusCode":0,"body":""}`), want: internal},
		{name: "statusCode above 599", respond: respondWith(`{"statusCode":600}`), want: internal},
		{name: "statusCode as a string", respond: respondWith(`{"statusCode":"200"}`), want: internal},
		{name: "header value not a string", respond: respondWith(`{"statusCode":200,"headers":{"x":1}}`), want: internal},
		{name: "bad base64", respond: respondWith(`{"statusCode":200,"isBase64Encoded":true,"body":"***"}`), want: internal},
		{
			name: "function error",
			respond: func(context.Context, string, []byte) (InvokeResult, error) {
				return InvokeResult{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"boom","errorType":"errorString"}`)}, nil
			},
			want: internal,
		},
		{
			name: "invoker error such as Lambda throttling",
			respond: func(context.Context, string, []byte) (InvokeResult, error) {
				return InvokeResult{}, errors.New("TooManyRequestsException: Rate Exceeded")
			},
			want: internal,
		},
		{
			name: "response over 6 MB",
			respond: func(context.Context, string, []byte) (InvokeResult, error) {
				return InvokeResult{Payload: []byte(`"` + strings.Repeat("a", MaxInvokePayload) + `"`)}, nil
			},
			want: internal,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{respond: tt.respond}
			g := newTestGateway(t, inv, func(c *Config) { c.Routes = []Route{{Method: "ANY", Path: "/r", Function: "f"}} })
			w := serve(g, request{target: "/r"}.build())
			names := make([]string, 0, len(tt.want.Headers))
			for n := range tt.want.Headers {
				names = append(names, n)
			}
			got := observe(w, names)
			// Headers the case expects to be absent are listed with nil.
			for n, v := range tt.want.Headers {
				if v == nil {
					if _, present := got.Headers[n]; !present {
						got.Headers[n] = nil
					}
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
			if inv.callCount() != 1 {
				t.Errorf("function invoked %d times, want 1", inv.callCount())
			}
			if w.Header().Get("Apigw-Requestid") == "" || w.Header().Get("Date") == "" {
				t.Errorf("apigw-requestid or date missing: %v", w.Header())
			}
		})
	}
}

func TestIntegrationTimeout(t *testing.T) {
	tests := []struct {
		name    string
		respond func(ctx context.Context, release <-chan struct{}) (InvokeResult, error)
	}{
		{"invoker honours its context", func(ctx context.Context, _ <-chan struct{}) (InvokeResult, error) {
			<-ctx.Done()
			return InvokeResult{}, fmt.Errorf("invoke: %w", ctx.Err())
		}},
		{"invoker ignores its context", func(_ context.Context, release <-chan struct{}) (InvokeResult, error) {
			<-release
			return InvokeResult{Payload: []byte(`"late"`)}, nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			defer close(release)
			var sawCancel = make(chan bool, 1)
			inv := &fakeInvoker{respond: func(ctx context.Context, _ string, _ []byte) (InvokeResult, error) {
				res, err := tt.respond(ctx, release)
				sawCancel <- ctx.Err() != nil
				return res, err
			}}
			g := newTestGateway(t, inv, func(c *Config) {
				c.Routes = []Route{{Method: "GET", Path: "/slow", Function: "f", Timeout: 50 * time.Millisecond}}
			})
			start := time.Now()
			w := serve(g, request{target: "/slow"}.build())
			elapsed := time.Since(start)
			got := result{Status: w.Code, Body: w.Body.String(), Headers: map[string][]string{"Content-Type": w.Result().Header["Content-Type"]}}
			want := result{Status: 503, Body: `{"message":"Service Unavailable"}`, Headers: map[string][]string{"Content-Type": {"application/json"}}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
			if elapsed > 2*time.Second {
				t.Errorf("request took %s with a 50ms timeout", elapsed)
			}
			if tt.name == "invoker honours its context" && !<-sawCancel {
				t.Error("the invoke context was not cancelled")
			}
		})
	}
}

func TestPayloadLimits(t *testing.T) {
	tooLarge := result{Status: 413, Body: `{"message":"Request Entity Too Large"}`}
	tests := []struct {
		name       string
		req        func() *http.Request
		want       result
		wantInvoke bool
	}{
		{
			name: "declared body over 10 MB",
			req: func() *http.Request {
				r := request{method: "POST", target: "/r", headers: [][2]string{{"Content-Type", "application/json"}}}.build()
				r.Body = io.NopCloser(strings.NewReader("{}"))
				r.ContentLength = MaxRequestBody + 1
				return r
			},
			want: tooLarge,
		},
		{
			name: "streamed body over 10 MB",
			req: func() *http.Request {
				r := request{method: "POST", target: "/r", headers: [][2]string{{"Content-Type", "text/plain"}}}.build()
				r.Body = io.NopCloser(io.LimitReader(zeroReader{}, MaxRequestBody+100))
				r.ContentLength = -1
				return r
			},
			want: tooLarge,
		},
		{
			name: "binary body whose base64 exceeds 6 MB",
			req: func() *http.Request {
				return request{method: "POST", target: "/r", headers: [][2]string{{"Content-Type", "application/pdf"}}, body: bytes.Repeat([]byte{1}, 5<<20)}.build()
			},
			want: tooLarge,
		},
		{
			name: "text body plus event envelope over 6 MB",
			req: func() *http.Request {
				return request{method: "POST", target: "/r", headers: [][2]string{{"Content-Type", "text/plain"}}, body: bytes.Repeat([]byte("a"), MaxInvokePayload-100)}.build()
			},
			want: tooLarge,
		},
		{
			name: "binary body just under the event limit",
			req: func() *http.Request {
				return request{method: "POST", target: "/r", headers: [][2]string{{"Content-Type", "application/pdf"}}, body: bytes.Repeat([]byte{1}, 4<<20)}.build()
			},
			want:       result{Status: 200, Body: `{"ok":true}`},
			wantInvoke: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{}
			g := newTestGateway(t, inv, func(c *Config) { c.Routes = []Route{{Method: "POST", Path: "/r", Function: "f"}} })
			w := serve(g, tt.req())
			got := result{Status: w.Code, Body: w.Body.String()}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
			if invoked := inv.callCount() > 0; invoked != tt.wantInvoke {
				t.Errorf("invoked = %v, want %v", invoked, tt.wantInvoke)
			}
			if tt.wantInvoke {
				if n := len(inv.calls[0].payload); n > MaxInvokePayload {
					t.Errorf("event of %d bytes exceeds the limit", n)
				}
			}
		})
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestOverRealServer checks what net/http itself adds or would add on a
// real connection: no sniffed Content-Type, a Date, unique request IDs.
func TestOverRealServer(t *testing.T) {
	inv := &fakeInvoker{respond: respondWith(`{"statusCode":200,"body":"<html>hi</html>"}`)}
	g := newTestGateway(t, inv, func(c *Config) {
		c.Routes = []Route{{Method: "GET", Path: "/page", Function: "f"}}
		c.Now = time.Now
	})
	srv := httptest.NewServer(g)
	defer srv.Close()
	ids := map[string]bool{}
	for range 3 {
		resp, err := http.Get(srv.URL + "/page")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got := []string{resp.Status, string(body), fmt.Sprint(resp.Header["Content-Type"]), fmt.Sprint(resp.Header.Get("Date") != "")}
		if diff := cmp.Diff([]string{"200 OK", "<html>hi</html>", "[]", "true"}, got); diff != "" {
			t.Errorf("response mismatch (-want +got):\n%s", diff)
		}
		ids[resp.Header.Get("Apigw-Requestid")] = true
	}
	if len(ids) != 3 {
		t.Errorf("request IDs not unique: %v", ids)
	}
	ev := inv.lastEvent(t)
	port := srv.Listener.Addr().String()[strings.LastIndex(srv.Listener.Addr().String(), ":")+1:]
	if diff := cmp.Diff(port, lookup(ev, "headers.x-forwarded-port")); diff != "" {
		t.Errorf("x-forwarded-port mismatch (-want +got):\n%s", diff)
	}
}
