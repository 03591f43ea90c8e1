package s3

import (
	"encoding/base64"
	"hash/crc32"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func crc32Base64(s string) string {
	sum := crc32.ChecksumIEEE([]byte(s))
	return base64.StdEncoding.EncodeToString([]byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)})
}

func TestPrepareBodyDecodesAWSChunked(t *testing.T) {
	const payload = "Hello world, this is the claim."
	good := crc32Base64(payload)
	chunked := func(trailer string) string {
		return "b\r\n" + payload[:11] + "\r\n" + strconv.FormatInt(int64(len(payload)-11), 16) + "\r\n" + payload[11:] + "\r\n0\r\n" + trailer + "\r\n"
	}
	tests := []struct {
		name        string
		headers     map[string]string
		body        string
		wantBody    string
		wantErrCode string // gofakes3/S3 code surfacing from the read
		wantHeaders map[string]string
	}{
		{
			name: "unsigned with trailing checksum",
			headers: map[string]string{
				"Content-Encoding": "aws-chunked", "X-Amz-Content-Sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
				"X-Amz-Trailer": "x-amz-checksum-crc32", "X-Amz-Decoded-Content-Length": strconv.Itoa(len(payload)),
			},
			body:        chunked("x-amz-checksum-crc32:" + good + "\r\n"),
			wantBody:    payload,
			wantHeaders: map[string]string{"Content-Length": strconv.Itoa(len(payload))},
		},
		{
			name: "signed chunks, other encodings kept",
			headers: map[string]string{
				"Content-Encoding": "aws-chunked,gzip", "X-Amz-Content-Sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
				"X-Amz-Decoded-Content-Length": strconv.Itoa(len(payload)),
			},
			body: strings.Replace(strings.Replace(chunked(""), "b\r\n", "b;chunk-signature="+strings.Repeat("a", 64)+"\r\n", 1),
				"0\r\n", "0;chunk-signature="+strings.Repeat("b", 64)+"\r\n", 1),
			wantBody:    payload,
			wantHeaders: map[string]string{"Content-Length": strconv.Itoa(len(payload)), "Content-Encoding": "gzip"},
		},
		{
			name: "trailing checksum mismatch",
			headers: map[string]string{
				"Content-Encoding": "aws-chunked", "X-Amz-Trailer": "x-amz-checksum-crc32",
				"X-Amz-Decoded-Content-Length": strconv.Itoa(len(payload)),
			},
			body:        chunked("x-amz-checksum-crc32:AAAAAA==\r\n"),
			wantErrCode: "BadDigest",
		},
		{
			name: "announced trailer missing",
			headers: map[string]string{
				"Content-Encoding": "aws-chunked", "X-Amz-Trailer": "x-amz-checksum-crc32",
				"X-Amz-Decoded-Content-Length": strconv.Itoa(len(payload)),
			},
			body:        chunked(""),
			wantErrCode: "IncompleteBody",
		},
		{
			name: "truncated",
			headers: map[string]string{
				"Content-Encoding": "aws-chunked", "X-Amz-Decoded-Content-Length": strconv.Itoa(len(payload)),
			},
			body:        "b\r\nHello",
			wantErrCode: "IncompleteBody",
		},
		{
			name:        "plain body with checksum header",
			headers:     map[string]string{"X-Amz-Checksum-Crc32": good, "X-Amz-Sdk-Checksum-Algorithm": "CRC32"},
			body:        payload,
			wantBody:    payload,
			wantHeaders: map[string]string{},
		},
		{
			name:        "plain body with wrong checksum header",
			headers:     map[string]string{"X-Amz-Checksum-Crc32": "AAAAAA=="},
			body:        payload,
			wantErrCode: "BadDigest",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.NewRequest(http.MethodPut, "http://localhost/b/k", strings.NewReader(tt.body))
			if err != nil {
				t.Fatalf("NewRequest: %v", err)
			}
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			if err := prepareBody(r); err != nil {
				t.Fatalf("prepareBody: %v", err)
			}
			got, err := io.ReadAll(r.Body)
			var code string
			if err != nil {
				code = (&Server{log: slog.New(slog.DiscardHandler)}).toAPIError(r, err, "").Code
			}
			if diff := cmp.Diff(tt.wantErrCode, code); diff != "" {
				t.Fatalf("read error mismatch (-want +got):\n%s\nerror: %v", diff, err)
			}
			if tt.wantErrCode != "" {
				return
			}
			if diff := cmp.Diff(tt.wantBody, string(got)); diff != "" {
				t.Errorf("body mismatch (-want +got):\n%s", diff)
			}
			// Only the decoded framing remains; transfer headers are gone.
			gotHeaders := map[string]string{}
			for name := range r.Header {
				gotHeaders[name] = r.Header.Get(name)
			}
			if diff := cmp.Diff(tt.wantHeaders, gotHeaders); diff != "" {
				t.Errorf("headers after prepareBody mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
