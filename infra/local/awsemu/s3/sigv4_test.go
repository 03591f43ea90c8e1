package s3

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The vectors below are the worked examples of the S3 API reference
// ("Signature Calculations for the Authorization Header" and "Authenticating
// Requests: Using Query Parameters"), all signed by the documentation's
// example key on 2013-05-24 for examplebucket in us-east-1.
const (
	docAccessKey = "AKIAIOSFODNN7EXAMPLE"
	docSecret    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	docAmzDate   = "20130524T000000Z"
	docHost      = "examplebucket.s3.amazonaws.com"
	emptySHA256  = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

func TestSigV4DocumentedExamples(t *testing.T) {
	welcomeSHA256 := sha256Hex("Welcome to Amazon S3.")
	tests := []struct {
		name          string
		method        string
		uri           string
		query         []queryParam
		headers       map[string]string
		signedHeaders []string
		payload       string
		// wantRequestHash is only printed by the documentation for some
		// examples; when set it says which half of the computation is wrong.
		wantRequestHash string
		wantSignature   string
	}{
		{
			name:   "GET object presigned URL",
			method: "GET",
			uri:    "/test.txt",
			query: []queryParam{
				{"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
				{"X-Amz-Credential", docAccessKey + "/20130524/us-east-1/s3/aws4_request"},
				{"X-Amz-Date", docAmzDate},
				{"X-Amz-Expires", "86400"},
				{"X-Amz-SignedHeaders", "host"},
			},
			headers:         map[string]string{"host": docHost},
			signedHeaders:   []string{"host"},
			payload:         unsignedPayload,
			wantRequestHash: "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04",
			wantSignature:   "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
		},
		{
			name:   "GET object with Range header",
			method: "GET",
			uri:    "/test.txt",
			headers: map[string]string{
				"host": docHost, "range": "bytes=0-9", "x-amz-content-sha256": emptySHA256, "x-amz-date": docAmzDate,
			},
			signedHeaders:   []string{"host", "range", "x-amz-content-sha256", "x-amz-date"},
			payload:         emptySHA256,
			wantRequestHash: "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972",
			wantSignature:   "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
		},
		{
			name:   "PUT object",
			method: "PUT",
			uri:    "/test%24file.text",
			headers: map[string]string{
				"date": "Fri, 24 May 2013 00:00:00 GMT", "host": docHost, "x-amz-content-sha256": welcomeSHA256,
				"x-amz-date": docAmzDate, "x-amz-storage-class": "REDUCED_REDUNDANCY",
			},
			signedHeaders: []string{"date", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-storage-class"},
			payload:       welcomeSHA256,
			wantSignature: "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
		},
		{
			name:          "GET bucket lifecycle",
			method:        "GET",
			uri:           "/",
			query:         []queryParam{{"lifecycle", ""}},
			headers:       map[string]string{"host": docHost, "x-amz-content-sha256": emptySHA256, "x-amz-date": docAmzDate},
			signedHeaders: []string{"host", "x-amz-content-sha256", "x-amz-date"},
			payload:       emptySHA256,
			wantSignature: "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
		},
		{
			name:   "GET bucket list objects, parameters given out of order",
			method: "GET",
			uri:    "/",
			// Reversed on purpose: canonicalQuery must sort them.
			query:         []queryParam{{"prefix", "J"}, {"max-keys", "2"}},
			headers:       map[string]string{"host": docHost, "x-amz-content-sha256": emptySHA256, "x-amz-date": docAmzDate},
			signedHeaders: []string{"host", "x-amz-content-sha256", "x-amz-date"},
			payload:       emptySHA256,
			wantSignature: "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			creq := canonicalRequest(tt.method, tt.uri, canonicalQuery(tt.query), tt.headers, tt.signedHeaders, tt.payload)
			if tt.wantRequestHash != "" {
				if diff := cmp.Diff(tt.wantRequestHash, sha256Hex(creq)); diff != "" {
					t.Errorf("canonical request hash mismatch (-want +got):\n%s\ncanonical request:\n%s", diff, creq)
				}
			}
			sts := stringToSign(docAmzDate, credentialScope("20130524", "us-east-1", "s3"), creq)
			got := signature(signingKey(docSecret, "20130524", "us-east-1", "s3"), sts)
			if diff := cmp.Diff(tt.wantSignature, got); diff != "" {
				t.Errorf("signature mismatch (-want +got):\n%s\nstring to sign:\n%s", diff, sts)
			}
		})
	}
}

func TestSigningKeyDocumentedExample(t *testing.T) {
	// "Deriving the signing key" in the IAM SigV4 reference uses a different
	// example secret (with '+') and the iam service.
	got := hex.EncodeToString(signingKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam"))
	want := "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("signing key mismatch (-want +got):\n%s", diff)
	}
}

func TestURIEncode(t *testing.T) {
	tests := []struct {
		in          string
		encodeSlash bool
		want        string
	}{
		{"photos/été 2013/a+b (1)~x_y-z.jpg", false, "photos/%C3%A9t%C3%A9%202013/a%2Bb%20%281%29~x_y-z.jpg"},
		{"AKID/20130524/us-east-1/s3/aws4_request", true, "AKID%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"},
		{"content-type;host", true, "content-type%3Bhost"},
		{"", true, ""},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, uriEncode(tt.in, tt.encodeSlash)); diff != "" {
			t.Errorf("uriEncode(%q, %v) mismatch (-want +got):\n%s", tt.in, tt.encodeSlash, diff)
		}
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
