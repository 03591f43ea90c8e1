package s3

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// cmpCORSRule compares SDK CORS rules by their exported fields.
var cmpCORSRule = cmpOptions(cmpopts.IgnoreUnexported(types.CORSRule{}), cmpopts.EquateEmpty())

// appCORSRules are rules like the ones the stack's template sets: the web app
// may upload and read, anyone may read.
func appCORSRules() []types.CORSRule {
	return []types.CORSRule{
		{
			AllowedOrigins: []string{"http://localhost:5173", "https://*.guestbook.example"},
			AllowedMethods: []string{"GET", "PUT", "POST"},
			AllowedHeaders: []string{"content-type", "x-amz-*"},
			ExposeHeaders:  []string{"ETag"},
			MaxAgeSeconds:  aws.Int32(3000),
		},
		{
			AllowedOrigins: []string{"*"},
			AllowedMethods: []string{"GET"},
		},
	}
}

func putCORS(t *testing.T, env *testEnv, rules []types.CORSRule) error {
	t.Helper()
	_, err := env.client.PutBucketCors(context.Background(), &awss3.PutBucketCorsInput{
		Bucket: aws.String(testBucket), CORSConfiguration: &types.CORSConfiguration{CORSRules: rules},
	})
	return err
}

func TestBucketCORSConfiguration(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t, envOptions{})
	env.createBucket(t, testBucket)

	_, err := env.client.GetBucketCors(ctx, &awss3.GetBucketCorsInput{Bucket: aws.String(testBucket)})
	if diff := cmp.Diff("NoSuchCORSConfiguration", errorCode(err)); diff != "" {
		t.Errorf("GetBucketCors before put mismatch (-want +got):\n%s", diff)
	}

	invalid := []struct {
		name  string
		rules []types.CORSRule
		code  string
	}{
		{"unsupported method", []types.CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"PATCH"}}}, "InvalidRequest"},
		{"two wildcards in origin", []types.CORSRule{{AllowedOrigins: []string{"https://*.*.example"}, AllowedMethods: []string{"GET"}}}, "InvalidRequest"},
		{"two wildcards in header", []types.CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}, AllowedHeaders: []string{"x-*-*"}}}, "InvalidRequest"},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.code, errorCode(putCORS(t, env, tt.rules))); diff != "" {
				t.Errorf("PutBucketCors error mismatch (-want +got):\n%s", diff)
			}
		})
	}

	if err := putCORS(t, env, appCORSRules()); err != nil {
		t.Fatalf("PutBucketCors: %v", err)
	}
	out, err := env.client.GetBucketCors(ctx, &awss3.GetBucketCorsInput{Bucket: aws.String(testBucket)})
	if err != nil {
		t.Fatalf("GetBucketCors: %v", err)
	}
	if diff := cmp.Diff(appCORSRules(), out.CORSRules, cmpCORSRule); diff != "" {
		t.Errorf("CORS rules mismatch (-want +got):\n%s", diff)
	}

	if _, err := env.client.DeleteBucketCors(ctx, &awss3.DeleteBucketCorsInput{Bucket: aws.String(testBucket)}); err != nil {
		t.Fatalf("DeleteBucketCors: %v", err)
	}
	_, err = env.client.GetBucketCors(ctx, &awss3.GetBucketCorsInput{Bucket: aws.String(testBucket)})
	if diff := cmp.Diff("NoSuchCORSConfiguration", errorCode(err)); diff != "" {
		t.Errorf("GetBucketCors after delete mismatch (-want +got):\n%s", diff)
	}
}

// corsHeaders picks the CORS response headers out of h.
func corsHeaders(h http.Header) map[string]string {
	got := map[string]string{}
	for name := range h {
		if strings.HasPrefix(name, "Access-Control-") || name == "Vary" {
			got[name] = h.Get(name)
		}
	}
	return got
}

func TestCORSPreflight(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	env.createBucket(t, testBucket)
	env.createBucket(t, "no-cors")
	if err := putCORS(t, env, appCORSRules()); err != nil {
		t.Fatalf("PutBucketCors: %v", err)
	}
	const vary = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
	notAllowed := s3Error{Code: "CORSResponse", Message: "This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."}

	tests := []struct {
		name        string
		bucket      string
		origin      string
		method      string
		headers     string
		want        httpResult
		wantHeaders map[string]string
	}{
		{
			name: "app origin uploading with headers", origin: "http://localhost:5173", method: "PUT",
			headers: "Content-Type, X-Amz-Meta-Claim-Id",
			want:    httpResult{Status: http.StatusOK},
			wantHeaders: map[string]string{
				"Access-Control-Allow-Origin":      "http://localhost:5173",
				"Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Methods":     "GET, PUT, POST",
				"Access-Control-Allow-Headers":     "content-type, x-amz-meta-claim-id",
				"Access-Control-Expose-Headers":    "ETag",
				"Access-Control-Max-Age":           "3000",
				"Vary":                             vary,
			},
		},
		{
			name: "wildcard subdomain posting a form", origin: "https://app.guestbook.example", method: "POST",
			want: httpResult{Status: http.StatusOK},
			wantHeaders: map[string]string{
				"Access-Control-Allow-Origin":      "https://app.guestbook.example",
				"Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Methods":     "GET, PUT, POST",
				"Access-Control-Expose-Headers":    "ETag",
				"Access-Control-Max-Age":           "3000",
				"Vary":                             vary,
			},
		},
		{
			name: "any origin reading", origin: "https://elsewhere.example", method: "GET",
			want: httpResult{Status: http.StatusOK},
			wantHeaders: map[string]string{
				"Access-Control-Allow-Origin":  "*",
				"Access-Control-Allow-Methods": "GET",
				"Vary":                         vary,
			},
		},
		{
			name: "any origin uploading", origin: "https://elsewhere.example", method: "PUT",
			want:        httpResult{Status: http.StatusForbidden, Error: notAllowed},
			wantHeaders: map[string]string{"Vary": vary},
		},
		{
			name: "app origin with a header not allowed", origin: "http://localhost:5173", method: "PUT", headers: "authorization",
			want:        httpResult{Status: http.StatusForbidden, Error: notAllowed},
			wantHeaders: map[string]string{"Vary": vary},
		},
		{
			name: "lookalike origin", origin: "https://guestbook.example.evil", method: "PUT",
			want:        httpResult{Status: http.StatusForbidden, Error: notAllowed},
			wantHeaders: map[string]string{"Vary": vary},
		},
		{
			name: "no Origin", method: "GET",
			want:        httpResult{Status: http.StatusBadRequest, Error: s3Error{Code: "BadRequest", Message: "Insufficient information. Origin request header needed."}},
			wantHeaders: map[string]string{},
		},
		{
			name: "bucket without CORS", bucket: "no-cors", origin: "http://localhost:5173", method: "GET",
			want:        httpResult{Status: http.StatusForbidden, Error: s3Error{Code: "CORSResponse", Message: "CORS is not enabled for this bucket."}},
			wantHeaders: map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bucket := tt.bucket
			if bucket == "" {
				bucket = testBucket
			}
			req := newRequest(t, http.MethodOptions, env.http.URL+"/"+bucket+"/uploads/photo.png", nil)
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			req.Header.Set("Access-Control-Request-Method", tt.method)
			if tt.headers != "" {
				req.Header.Set("Access-Control-Request-Headers", tt.headers)
			}
			got := do(t, req)
			if diff := cmp.Diff(tt.want, got, cmpStatusAndError); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantHeaders, corsHeaders(got.Header)); diff != "" {
				t.Errorf("CORS headers mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCORSOnActualRequests(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	env.createBucket(t, testBucket)
	if err := putCORS(t, env, []types.CORSRule{appCORSRules()[0]}); err != nil {
		t.Fatalf("PutBucketCors: %v", err)
	}
	env.putObject(t, testBucket, "doc.txt", "claim", "text/plain")
	presigned, err := env.presign.PresignGetObject(context.Background(), &awss3.GetObjectInput{
		Bucket: aws.String(testBucket), Key: aws.String("doc.txt"),
	})
	if err != nil {
		t.Fatalf("PresignGetObject: %v", err)
	}
	const vary = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
	allowed := map[string]string{
		"Access-Control-Allow-Origin":      "http://localhost:5173",
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Methods":     "GET, PUT, POST",
		"Access-Control-Expose-Headers":    "ETag",
		"Access-Control-Max-Age":           "3000",
		"Vary":                             vary,
	}

	presignedHead, err := env.presign.PresignHeadObject(context.Background(), &awss3.HeadObjectInput{
		Bucket: aws.String(testBucket), Key: aws.String("doc.txt"),
	})
	if err != nil {
		t.Fatalf("PresignHeadObject: %v", err)
	}

	tests := []struct {
		name        string
		method      string
		url         string
		origin      string
		wantStatus  int
		wantHeaders map[string]string
	}{
		{"allowed origin", http.MethodGet, presigned.URL, "http://localhost:5173", http.StatusOK, allowed},
		// Browsers need the headers to read error documents too.
		{"allowed origin, error response", http.MethodGet, env.http.URL + "/" + testBucket + "/doc.txt", "http://localhost:5173", http.StatusForbidden, allowed},
		{"other origin", http.MethodGet, presigned.URL, "https://elsewhere.example", http.StatusOK, map[string]string{"Vary": vary}},
		// No blanket "*" headers left over from gofakes3.
		{"no origin", http.MethodGet, presigned.URL, "", http.StatusOK, map[string]string{}},
		// HEAD leaves its status implicit in gofakes3.
		{"HEAD, method not in the rule", http.MethodHead, presignedHead.URL, "http://localhost:5173", http.StatusOK, map[string]string{"Vary": vary}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newRequest(t, tt.method, tt.url, nil)
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			got := do(t, req)
			if got.Status != tt.wantStatus {
				t.Errorf("status = %d, want %d; body: %s", got.Status, tt.wantStatus, got.Body)
			}
			if diff := cmp.Diff(tt.wantHeaders, corsHeaders(got.Header)); diff != "" {
				t.Errorf("CORS headers mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
