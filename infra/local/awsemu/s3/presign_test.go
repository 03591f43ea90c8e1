package s3

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
)

func TestPresignedGet(t *testing.T) {
	const key = "claims/C-1/report.pdf"
	tests := []struct {
		name string
		// presigner defaults to the env's own presign client.
		presigner func(env *testEnv) *awss3.PresignClient
		expires   time.Duration
		// alter edits the presigned URL before the browser uses it.
		alter   func(u string) string
		advance time.Duration // server clock moved forward before the GET
		want    httpResult
		// wantHeaders are checked on success.
		wantHeaders map[string]string
	}{
		{
			name: "valid, with response header overrides",
			want: httpResult{Status: http.StatusOK, Body: "%PDF report"},
			wantHeaders: map[string]string{
				"Content-Disposition": `attachment; filename="report C-1.pdf"`,
				"Content-Type":        "application/pdf",
			},
		},
		{
			name:    "expired",
			expires: time.Minute,
			advance: 2 * time.Minute,
			want:    httpResult{Status: http.StatusForbidden, Error: s3Error{Code: "AccessDenied", Message: "Request has expired"}},
		},
		{
			name:  "tampered key",
			alter: func(u string) string { return strings.Replace(u, "report.pdf", "other.pdf", 1) },
			want:  signatureMismatch,
		},
		{
			name:  "tampered response override",
			alter: func(u string) string { return strings.Replace(u, "application%2Fpdf", "text%2Fhtml", 1) },
			want:  signatureMismatch,
		},
		{
			name: "wrong secret",
			presigner: func(env *testEnv) *awss3.PresignClient {
				return awss3.NewPresignClient(env.sdkClient(testAccessKey, "guessed-secret"))
			},
			want: signatureMismatch,
		},
		{
			name: "unknown access key",
			presigner: func(env *testEnv) *awss3.PresignClient {
				return awss3.NewPresignClient(env.sdkClient("AKIDUNKNOWN", testSecret))
			},
			want: httpResult{Status: http.StatusForbidden, Error: s3Error{Code: "InvalidAccessKeyId",
				Message: "The AWS Access Key Id you provided does not exist in our records."}},
		},
		{
			name:  "expiry longer than a week",
			alter: func(u string) string { return strings.Replace(u, "X-Amz-Expires=900", "X-Amz-Expires=604801", 1) },
			want: httpResult{Status: http.StatusBadRequest, Error: s3Error{Code: "AuthorizationQueryParametersError",
				Message: "X-Amz-Expires must be less than a week (in seconds) that is 604800"}},
		},
		{
			name: "signed for another region",
			presigner: func(env *testEnv) *awss3.PresignClient {
				return awss3.NewPresignClient(env.client, func(o *awss3.PresignOptions) {
					o.ClientOptions = append(o.ClientOptions, func(o *awss3.Options) { o.Region = "us-east-1" })
				})
			},
			want: httpResult{Status: http.StatusBadRequest, Error: s3Error{Code: "AuthorizationQueryParametersError",
				Message: "Error parsing the X-Amz-Credential parameter; the region 'us-east-1' is wrong; expecting 'eu-central-1'"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, envOptions{})
			env.createBucket(t, testBucket)
			env.putObject(t, testBucket, key, "%PDF report", "application/octet-stream")
			env.putObject(t, testBucket, "claims/C-1/other.pdf", "%PDF other", "application/pdf")

			presigner := env.presign
			if tt.presigner != nil {
				presigner = tt.presigner(env)
			}
			expires := tt.expires
			if expires == 0 {
				expires = 15 * time.Minute
			}
			req, err := presigner.PresignGetObject(context.Background(), &awss3.GetObjectInput{
				Bucket:                     aws.String(testBucket),
				Key:                        aws.String(key),
				ResponseContentDisposition: aws.String(`attachment; filename="report C-1.pdf"`),
				ResponseContentType:        aws.String("application/pdf"),
			}, awss3.WithPresignExpires(expires))
			if err != nil {
				t.Fatalf("PresignGetObject: %v", err)
			}
			u := req.URL
			if tt.alter != nil {
				u = tt.alter(u)
			}
			env.clock.Advance(tt.advance)

			got := do(t, newRequest(t, http.MethodGet, u, nil))
			if diff := cmp.Diff(tt.want, got, cmpStatusErrorBody); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
			for name, want := range tt.wantHeaders {
				if diff := cmp.Diff(want, got.Header.Get(name)); diff != "" {
					t.Errorf("header %s mismatch (-want +got):\n%s", name, diff)
				}
			}
		})
	}
}

var signatureMismatch = httpResult{Status: http.StatusForbidden, Error: s3Error{Code: "SignatureDoesNotMatch",
	Message: "The request signature we calculated does not match the signature you provided. Check your key and signing method."}}

// cmpStatusErrorBody compares status and error, and the body of successful
// responses.
var cmpStatusErrorBody = cmp.Comparer(func(a, b httpResult) bool {
	if a.Status != b.Status || a.Error != b.Error {
		return false
	}
	return a.Status >= 300 || a.Body == b.Body
})

func TestPresignedPut(t *testing.T) {
	tests := []struct {
		name        string
		contentType string // sent by the browser; the URL is signed for image/png
		want        httpResult
		wantStored  *storedObject
		wantGetCode string
	}{
		{
			name:        "matching content type",
			contentType: "image/png",
			want:        httpResult{Status: http.StatusOK},
			wantStored:  &storedObject{Body: "PNG bytes", ContentType: "image/png"},
		},
		{
			name:        "different content type",
			contentType: "text/html",
			want:        signatureMismatch,
			wantGetCode: "NoSuchKey",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, envOptions{})
			env.createBucket(t, testBucket)
			const key = "uploads/photo 1.png"
			req, err := env.presign.PresignPutObject(context.Background(), &awss3.PutObjectInput{
				Bucket: aws.String(testBucket), Key: aws.String(key), ContentType: aws.String("image/png"),
			})
			if err != nil {
				t.Fatalf("PresignPutObject: %v", err)
			}
			put := newRequest(t, http.MethodPut, req.URL, strings.NewReader("PNG bytes"))
			put.Header.Set("Content-Type", tt.contentType)
			got := do(t, put)
			if diff := cmp.Diff(tt.want, got, cmpStatusAndError); diff != "" {
				t.Errorf("PUT response mismatch (-want +got):\n%s", diff)
			}

			obj, err := env.getObject(t, testBucket, key)
			if diff := cmp.Diff(tt.wantGetCode, errorCode(err)); diff != "" {
				t.Fatalf("GetObject error mismatch (-want +got):\n%s", diff)
			}
			if tt.wantStored != nil {
				if diff := cmp.Diff(*tt.wantStored, obj); diff != "" {
					t.Errorf("stored object mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}
