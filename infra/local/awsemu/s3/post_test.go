package s3

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
	"github.com/johannesboyne/gofakes3"
)

// formFile is the file part of a browser form.
type formFile struct {
	filename    string
	contentType string
	body        io.Reader
}

// postFormRequest builds a multipart POST the way a browser sends a form:
// fields in order, then the file. The body is streamed through a pipe so
// that large files are never held in memory by the test either.
func postFormRequest(t *testing.T, target string, fields [][2]string, file *formFile) *http.Request {
	t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for _, f := range fields {
			if err := mw.WriteField(f[0], f[1]); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		if file != nil {
			h := make(map[string][]string)
			h["Content-Disposition"] = []string{`form-data; name="file"; filename="` + file.filename + `"`}
			h["Content-Type"] = []string{file.contentType}
			part, err := mw.CreatePart(h)
			if err != nil {
				pw.CloseWithError(err)
				return
			}
			if _, err := io.Copy(part, file.body); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	req := newRequest(t, http.MethodPost, target, pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", "http://localhost:5173")
	return req
}

// presignedFields returns the presigned POST fields in a stable order with
// overrides applied; an empty override value removes the field.
func presignedFields(values map[string]string, overrides map[string]string, extra [][2]string) [][2]string {
	merged := map[string]string{}
	for k, v := range values {
		merged[k] = v
	}
	for k, v := range overrides {
		if v == "" {
			delete(merged, k)
			continue
		}
		merged[k] = v
	}
	names := make([]string, 0, len(merged))
	for k := range merged {
		names = append(names, k)
	}
	sort.Strings(names)
	fields := make([][2]string, 0, len(names)+len(extra))
	for _, k := range names {
		fields = append(fields, [2]string{k, merged[k]})
	}
	return append(fields, extra...)
}

// postUploadConditions are what the app's upload endpoint asks for: images
// of up to 1 KiB under uploads/, tagged with their claim.
func postUploadConditions() []any {
	return []any{
		[]any{"starts-with", "$key", "uploads/"},
		[]any{"starts-with", "$Content-Type", "image/"},
		[]any{"content-length-range", 1, 1024},
		map[string]string{"x-amz-meta-claim-id": "C-1"},
	}
}

func TestPostPolicyUpload(t *testing.T) {
	const pngBody = "\x89PNG fake image"
	tests := []struct {
		name       string
		accessKey  string // defaults to testAccessKey
		conditions []any  // extra conditions on top of postUploadConditions
		expires    time.Duration
		advance    time.Duration
		overrides  map[string]string // form fields replacing presigned ones
		extra      [][2]string       // fields appended after the presigned ones
		// policyJSON, when set, replaces the policy by this document signed
		// with the test secret.
		policyJSON string
		file       *formFile // defaults to photo.png holding pngBody
		noFile     bool

		want       httpResult
		wantKey    string // object stored on success
		wantStored storedObject
		// wantLocation is the Location header, for redirects.
		wantLocation string
		// wantResponse is the PostResponse document, for 201.
		wantResponse *postResponse
	}{
		{
			name:       "stored, 204 by default",
			want:       httpResult{Status: http.StatusNoContent},
			wantKey:    "uploads/photo.png",
			wantStored: storedObject{Body: pngBody, ContentType: "image/png", Metadata: map[string]string{"claim-id": "C-1"}},
		},
		{
			name:       "201 with a PostResponse document",
			conditions: []any{map[string]string{"success_action_status": "201"}},
			extra:      [][2]string{{"success_action_status", "201"}},
			want:       httpResult{Status: http.StatusCreated},
			wantKey:    "uploads/photo.png",
			wantStored: storedObject{Body: pngBody, ContentType: "image/png", Metadata: map[string]string{"claim-id": "C-1"}},
			wantResponse: &postResponse{
				Bucket: testBucket, Key: "uploads/photo.png", ETag: md5ETag(pngBody),
			},
		},
		{
			name:         "303 to success_action_redirect",
			conditions:   []any{[]any{"starts-with", "$success_action_redirect", "http://localhost:5173/"}},
			extra:        [][2]string{{"success_action_redirect", "http://localhost:5173/done?claim=C-1"}},
			want:         httpResult{Status: http.StatusSeeOther},
			wantKey:      "uploads/photo.png",
			wantStored:   storedObject{Body: pngBody, ContentType: "image/png", Metadata: map[string]string{"claim-id": "C-1"}},
			wantLocation: "http://localhost:5173/done?bucket=" + testBucket + "&claim=C-1&etag=" + url.QueryEscape(md5ETag(pngBody)) + "&key=uploads%2Fphoto.png",
		},
		{
			name:      "x-ignore- fields need no condition",
			extra:     [][2]string{{"x-ignore-tracking", "abc"}},
			want:      httpResult{Status: http.StatusNoContent},
			wantKey:   "uploads/fixed-name.png",
			overrides: map[string]string{"key": "uploads/fixed-name.png"},
			wantStored: storedObject{Body: pngBody, ContentType: "image/png",
				Metadata: map[string]string{"claim-id": "C-1"}},
		},
		{
			name: "file too large",
			file: &formFile{filename: "big.png", contentType: "image/png", body: strings.NewReader(strings.Repeat("x", 1025))},
			want: httpResult{Status: http.StatusBadRequest, Error: s3Error{Code: "EntityTooLarge",
				Message: "Your proposed upload exceeds the maximum allowed size", ProposedSize: "1025", MaxSizeAllowed: "1024"}},
		},
		{
			name:       "file too small",
			conditions: []any{[]any{"content-length-range", 100, 1024}},
			want: httpResult{Status: http.StatusBadRequest, Error: s3Error{Code: "EntityTooSmall",
				Message: "Your proposed upload is smaller than the minimum allowed size", ProposedSize: "15", MinSizeAllowed: "100"}},
		},
		{
			name:      "content type outside the allowed prefix",
			overrides: map[string]string{"Content-Type": "text/html"},
			want: httpResult{Status: http.StatusForbidden, Error: s3Error{Code: "AccessDenied",
				Message: `Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", "image/"]`}},
		},
		{
			name:      "key outside the allowed prefix",
			overrides: map[string]string{"key": "claims/other/${filename}"},
			want: httpResult{Status: http.StatusForbidden, Error: s3Error{Code: "AccessDenied",
				Message: `Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "uploads/"]`}},
		},
		{
			name:  "extra field",
			extra: [][2]string{{"x-amz-meta-uploaded-by", "mallory"}},
			want: httpResult{Status: http.StatusForbidden, Error: s3Error{Code: "AccessDenied",
				Message: "Invalid according to Policy: Extra input fields: x-amz-meta-uploaded-by"}},
		},
		{
			name:    "expired policy",
			expires: time.Minute,
			advance: 2 * time.Minute,
			want: httpResult{Status: http.StatusForbidden, Error: s3Error{Code: "AccessDenied",
				Message: "Invalid according to Policy: Policy expired."}},
		},
		{
			name:      "bad signature",
			overrides: map[string]string{"X-Amz-Signature": strings.Repeat("0", 64)},
			want:      signatureMismatch,
		},
		{
			name:      "unknown access key",
			accessKey: "AKIDUNKNOWN",
			want: httpResult{Status: http.StatusForbidden, Error: s3Error{Code: "InvalidAccessKeyId",
				Message: "The AWS Access Key Id you provided does not exist in our records."}},
		},
		{
			name:       "malformed policy",
			policyJSON: `{"expiration": "2030-01-01T00:00:00Z", "conditions": [`,
			want: httpResult{Status: http.StatusBadRequest, Error: s3Error{Code: "InvalidArgument",
				Message: "Invalid Policy: Invalid JSON."}},
		},
		{
			name:   "missing file",
			noFile: true,
			want: httpResult{Status: http.StatusBadRequest, Error: s3Error{Code: "InvalidArgument",
				Message: "POST requires exactly one file upload per request."}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, envOptions{})
			env.createBucket(t, testBucket)
			accessKey := tt.accessKey
			if accessKey == "" {
				accessKey = testAccessKey
			}
			expires := tt.expires
			if expires == 0 {
				expires = 15 * time.Minute
			}
			presigner := awss3.NewPresignClient(env.sdkClient(accessKey, testSecret))
			post, err := presigner.PresignPostObject(context.Background(), &awss3.PutObjectInput{
				Bucket: aws.String(testBucket), Key: aws.String("uploads/${filename}"),
			}, func(o *awss3.PresignPostOptions) {
				o.Expires = expires
				o.Conditions = append(postUploadConditions(), tt.conditions...)
			})
			if err != nil {
				t.Fatalf("PresignPostObject: %v", err)
			}

			overrides := map[string]string{"Content-Type": "image/png", "x-amz-meta-claim-id": "C-1"}
			if tt.policyJSON != "" {
				policy := base64.StdEncoding.EncodeToString([]byte(tt.policyJSON))
				cred := strings.Split(post.Values["X-Amz-Credential"], "/")
				overrides["policy"] = policy
				overrides["X-Amz-Signature"] = signature(signingKey(testSecret, cred[1], cred[2], "s3"), policy)
			}
			for k, v := range tt.overrides {
				overrides[k] = v
			}
			file := tt.file
			if file == nil && !tt.noFile {
				file = &formFile{filename: "photo.png", contentType: "application/octet-stream", body: strings.NewReader(pngBody)}
			}
			env.clock.Advance(tt.advance)

			got := do(t, postFormRequest(t, post.URL, presignedFields(post.Values, overrides, tt.extra), file))
			if diff := cmp.Diff(tt.want, got, cmpStatusAndError); diff != "" {
				t.Fatalf("response mismatch (-want +got):\n%s\nbody: %s", diff, got.Body)
			}
			// The browser may read the response: CORS headers come from the
			// bucket's rules, of which there are none here.
			if v := got.Header.Get("Access-Control-Allow-Origin"); v != "" {
				t.Errorf("Access-Control-Allow-Origin = %q on a bucket without CORS rules, want none", v)
			}
			if tt.wantKey == "" {
				list, err := env.client.ListObjectsV2(context.Background(), &awss3.ListObjectsV2Input{Bucket: aws.String(testBucket)})
				if err != nil {
					t.Fatalf("ListObjectsV2: %v", err)
				}
				if len(list.Contents) != 0 {
					t.Errorf("rejected upload stored %d objects, want none", len(list.Contents))
				}
				return
			}
			if diff := cmp.Diff(md5ETag(pngBody), got.Header.Get("ETag")); diff != "" {
				t.Errorf("ETag mismatch (-want +got):\n%s", diff)
			}
			stored, err := env.getObject(t, testBucket, tt.wantKey)
			if err != nil {
				t.Fatalf("GetObject: %v", err)
			}
			if diff := cmp.Diff(tt.wantStored, stored); diff != "" {
				t.Errorf("stored object mismatch (-want +got):\n%s", diff)
			}
			if tt.wantLocation != "" {
				if diff := cmp.Diff(tt.wantLocation, got.Header.Get("Location")); diff != "" {
					t.Errorf("Location mismatch (-want +got):\n%s", diff)
				}
			}
			if tt.wantResponse != nil {
				var doc postResponse
				if err := xml.Unmarshal([]byte(got.Body), &doc); err != nil {
					t.Fatalf("decode PostResponse %q: %v", got.Body, err)
				}
				want := *tt.wantResponse
				want.XMLName = xml.Name{Local: "PostResponse"}
				want.Location = env.http.URL + "/" + testBucket + "/uploads/photo.png"
				if diff := cmp.Diff(want, doc); diff != "" {
					t.Errorf("PostResponse mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func md5ETag(s string) string {
	sum := md5.Sum([]byte(s))
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// measuringBackend records what PutObject receives instead of storing it,
// so that the memory test measures the upload path and not the store.
type measuringBackend struct {
	gofakes3.Backend

	mu   sync.Mutex
	size int64
	sum  string
}

func (b *measuringBackend) PutObject(bucket, key string, meta map[string]string, input io.Reader, size int64, _ *gofakes3.PutConditions) (gofakes3.PutObjectResult, error) {
	h := md5.New()
	n, err := io.Copy(h, input)
	if err != nil {
		return gofakes3.PutObjectResult{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.size, b.sum = n, hex.EncodeToString(h.Sum(nil))
	if n != size {
		return gofakes3.PutObjectResult{}, gofakes3.ErrIncompleteBody
	}
	return gofakes3.PutObjectResult{}, nil
}

// patternReader yields n bytes of a repeating pattern without allocating.
type patternReader struct{ n, off int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.n {
		b = b[:p.n]
	}
	for i := range b {
		b[i] = byte((p.off + int64(i)) % 251)
	}
	p.n -= int64(len(b))
	p.off += int64(len(b))
	return len(b), nil
}

func TestPostUpload50MBStaysWithinModestMemory(t *testing.T) {
	const size = 50 << 20
	env := newTestEnv(t, envOptions{})
	env.createBucket(t, testBucket)
	backend := &measuringBackend{Backend: env.srv.backend}
	env.srv.backend = backend

	post, err := env.presign.PresignPostObject(context.Background(), &awss3.PutObjectInput{
		Bucket: aws.String(testBucket), Key: aws.String("uploads/${filename}"),
	}, func(o *awss3.PresignPostOptions) {
		o.Conditions = []any{
			[]any{"starts-with", "$key", "uploads/"},
			[]any{"content-length-range", 1, 100 << 20},
		}
	})
	if err != nil {
		t.Fatalf("PresignPostObject: %v", err)
	}
	clientSum := md5.New()
	file := &formFile{filename: "scan.tiff", contentType: "image/tiff",
		body: io.TeeReader(&patternReader{n: size}, clientSum)}
	req := postFormRequest(t, post.URL, presignedFields(post.Values, nil, nil), file)

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got := do(t, req)
	runtime.ReadMemStats(&after)

	if diff := cmp.Diff(httpResult{Status: http.StatusNoContent}, got, cmpStatusAndError); diff != "" {
		t.Fatalf("response mismatch (-want +got):\n%s\nbody: %s", diff, got.Body)
	}
	backend.mu.Lock()
	gotUpload := []any{backend.size, backend.sum}
	backend.mu.Unlock()
	if diff := cmp.Diff([]any{int64(size), hex.EncodeToString(clientSum.Sum(nil))}, gotUpload); diff != "" {
		t.Errorf("uploaded file mismatch (-want +got):\n%s", diff)
	}
	// Client and server share this process, so this bounds both; buffering
	// the file anywhere would allocate at least its 50 MiB.
	const budget = 8 << 20
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("a %d MiB upload allocated %.1f MiB", size>>20, float64(allocated)/(1<<20))
	if allocated > budget {
		t.Errorf("a %d MiB upload allocated %.1f MiB, want at most %d MiB", size>>20, float64(allocated)/(1<<20), budget>>20)
	}
}
