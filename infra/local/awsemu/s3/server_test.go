package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"
)

// testBody returns n deterministic, non-repeating-looking bytes.
func testBody(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "line %d of the claim evidence\n", i)
	}
	return b.String()[:n]
}

func TestPutGetRoundTripWithSDKChecksums(t *testing.T) {
	// Over HTTP the SDK sends the checksum as a header; over HTTPS it streams
	// the body as aws-chunked with the checksum in a trailer.
	body := testBody(200 << 10) // several aws-chunked chunks
	for _, transport := range []struct {
		name string
		tls  bool
	}{{"http", false}, {"https", true}} {
		env := newTestEnv(t, envOptions{tls: transport.tls})
		env.createBucket(t, testBucket)
		tests := []struct {
			name      string
			algorithm types.ChecksumAlgorithm // "" = the SDK default (CRC32)
			// The SDK refuses unseekable bodies without TLS.
			unseekable bool
		}{
			{name: "default"},
			{name: "default unseekable", unseekable: true},
			{name: "CRC32C", algorithm: types.ChecksumAlgorithmCrc32c},
			{name: "SHA1", algorithm: types.ChecksumAlgorithmSha1},
			{name: "SHA256", algorithm: types.ChecksumAlgorithmSha256},
			{name: "CRC64NVME", algorithm: types.ChecksumAlgorithmCrc64nvme},
		}
		for _, tt := range tests {
			if tt.unseekable && !transport.tls {
				continue
			}
			t.Run(transport.name+"/"+tt.name, func(t *testing.T) {
				key := "claims/C-1/" + tt.name + ".txt"
				var reader io.Reader = strings.NewReader(body)
				if tt.unseekable {
					reader = io.MultiReader(reader)
				}
				_, err := env.client.PutObject(context.Background(), &awss3.PutObjectInput{
					Bucket:             aws.String(testBucket),
					Key:                aws.String(key),
					Body:               reader,
					ContentLength:      aws.Int64(int64(len(body))),
					ContentType:        aws.String("text/plain"),
					ContentDisposition: aws.String(`attachment; filename="evidence.txt"`),
					Metadata:           map[string]string{"claim-id": "C-1"},
					ChecksumAlgorithm:  tt.algorithm,
				})
				if err != nil {
					t.Fatalf("PutObject: %v", err)
				}
				// Make sure the intended framing was exercised.
				alg := strings.ToLower(string(tt.algorithm))
				if alg == "" {
					alg = "crc32"
				}
				want := "header x-amz-checksum-" + alg
				if transport.tls {
					want = "aws-chunked trailer x-amz-checksum-" + alg
				}
				if diff := cmp.Diff(want, framing(env.lastRequest(http.MethodPut))); diff != "" {
					t.Errorf("request framing mismatch (-want +got):\n%s", diff)
				}
				got, err := env.getObject(t, testBucket, key)
				if err != nil {
					t.Fatalf("GetObject: %v", err)
				}
				wantObj := storedObject{Body: body, ContentType: "text/plain",
					ContentDisposition: `attachment; filename="evidence.txt"`, Metadata: map[string]string{"claim-id": "C-1"}}
				if diff := cmp.Diff(wantObj, got); diff != "" {
					t.Errorf("object mismatch (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// framing describes how a request carried its checksum.
func framing(h http.Header) string {
	if hasToken(h.Get("Content-Encoding"), "aws-chunked") {
		return "aws-chunked trailer " + h.Get("X-Amz-Trailer")
	}
	for name := range h {
		if alg, ok := strings.CutPrefix(strings.ToLower(name), "x-amz-checksum-"); ok && checksumAlgorithms[alg] != nil {
			return "header " + strings.ToLower(name)
		}
	}
	return "none"
}

func TestPutObjectWithWrongChecksumIsRejected(t *testing.T) {
	for _, tls := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", tls), func(t *testing.T) {
			env := newTestEnv(t, envOptions{tls: tls})
			env.createBucket(t, testBucket)
			_, err := env.client.PutObject(context.Background(), &awss3.PutObjectInput{
				Bucket: aws.String(testBucket), Key: aws.String("k"), Body: strings.NewReader("payload"),
				ChecksumCRC32: aws.String("AAAAAA=="),
			})
			if diff := cmp.Diff("BadDigest", errorCode(err)); diff != "" {
				t.Errorf("PutObject error mismatch (-want +got):\n%s", diff)
			}
			_, err = env.getObject(t, testBucket, "k")
			if diff := cmp.Diff("NoSuchKey", errorCode(err)); diff != "" {
				t.Errorf("GetObject after rejected put mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBucketOperations(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t, envOptions{})
	_, err := env.client.CreateBucket(ctx, &awss3.CreateBucketInput{
		Bucket: aws.String(testBucket),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{
			LocationConstraint: types.BucketLocationConstraint(testRegion),
		},
	})
	if err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}

	tests := []struct {
		name string
		call func() (any, error)
		want any
		code string
	}{
		{
			name: "create again",
			call: func() (any, error) {
				_, err := env.client.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(testBucket)})
				return nil, err
			},
			code: "BucketAlreadyOwnedByYou",
		},
		{
			name: "create in another region",
			call: func() (any, error) {
				_, err := env.client.CreateBucket(ctx, &awss3.CreateBucketInput{
					Bucket: aws.String("elsewhere"),
					CreateBucketConfiguration: &types.CreateBucketConfiguration{
						LocationConstraint: types.BucketLocationConstraintUsWest2,
					},
				})
				return nil, err
			},
			code: "IllegalLocationConstraintException",
		},
		{
			name: "head",
			call: func() (any, error) {
				out, err := env.client.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: aws.String(testBucket)})
				if err != nil {
					return nil, err
				}
				return aws.ToString(out.BucketRegion), nil
			},
			want: testRegion,
		},
		{
			name: "head missing",
			call: func() (any, error) {
				_, err := env.client.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: aws.String("missing")})
				return nil, err
			},
			code: "NotFound",
		},
		{
			name: "list",
			call: func() (any, error) {
				out, err := env.client.ListBuckets(ctx, &awss3.ListBucketsInput{})
				if err != nil {
					return nil, err
				}
				var names []string
				for _, b := range out.Buckets {
					names = append(names, aws.ToString(b.Name))
				}
				return names, nil
			},
			want: []string{testBucket},
		},
		{
			name: "location",
			call: func() (any, error) {
				out, err := env.client.GetBucketLocation(ctx, &awss3.GetBucketLocationInput{Bucket: aws.String(testBucket)})
				if err != nil {
					return nil, err
				}
				return string(out.LocationConstraint), nil
			},
			want: testRegion,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.call()
			if diff := cmp.Diff(tt.code, errorCode(err)); diff != "" {
				t.Fatalf("error code mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("result mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestObjectOperations(t *testing.T) {
	ctx := context.Background()
	for _, tls := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", tls), func(t *testing.T) {
			env := newTestEnv(t, envOptions{tls: tls})
			env.createBucket(t, testBucket)
			keys := []string{"docs/a.txt", "docs/b.txt", "docs/sub/c.txt", "img/x.png", "root.txt"}
			for _, k := range keys {
				env.putObject(t, testBucket, k, "content of "+k, "text/plain")
			}

			t.Run("list", func(t *testing.T) {
				tests := []struct {
					name         string
					in           awss3.ListObjectsV2Input
					wantKeys     []string
					wantPrefixes []string
				}{
					{"prefix and delimiter", awss3.ListObjectsV2Input{Prefix: aws.String("docs/"), Delimiter: aws.String("/")},
						[]string{"docs/a.txt", "docs/b.txt"}, []string{"docs/sub/"}},
					{"delimiter", awss3.ListObjectsV2Input{Delimiter: aws.String("/")},
						[]string{"root.txt"}, []string{"docs/", "img/"}},
					{"pages of two", awss3.ListObjectsV2Input{MaxKeys: aws.Int32(2)}, keys, nil},
				}
				for _, tt := range tests {
					t.Run(tt.name, func(t *testing.T) {
						in := tt.in
						in.Bucket = aws.String(testBucket)
						var gotKeys, gotPrefixes []string
						pages := 0
						p := awss3.NewListObjectsV2Paginator(env.client, &in)
						for p.HasMorePages() {
							out, err := p.NextPage(ctx)
							if err != nil {
								t.Fatalf("ListObjectsV2: %v", err)
							}
							pages++
							for _, o := range out.Contents {
								gotKeys = append(gotKeys, aws.ToString(o.Key))
							}
							for _, cp := range out.CommonPrefixes {
								gotPrefixes = append(gotPrefixes, aws.ToString(cp.Prefix))
							}
						}
						if diff := cmp.Diff(tt.wantKeys, gotKeys); diff != "" {
							t.Errorf("keys mismatch (-want +got):\n%s", diff)
						}
						if diff := cmp.Diff(tt.wantPrefixes, gotPrefixes); diff != "" {
							t.Errorf("prefixes mismatch (-want +got):\n%s", diff)
						}
						if in.MaxKeys != nil && pages != 3 {
							t.Errorf("listed %d pages, want 3", pages)
						}
					})
				}
			})

			t.Run("range", func(t *testing.T) {
				out, err := env.client.GetObject(ctx, &awss3.GetObjectInput{
					Bucket: aws.String(testBucket), Key: aws.String("root.txt"), Range: aws.String("bytes=0-6"),
				})
				if err != nil {
					t.Fatalf("GetObject: %v", err)
				}
				defer out.Body.Close()
				body, _ := io.ReadAll(out.Body)
				got := []string{string(body), aws.ToString(out.ContentRange)}
				want := []string{"content", "bytes 0-6/19"}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("ranged GET mismatch (-want +got):\n%s", diff)
				}
			})

			t.Run("head", func(t *testing.T) {
				out, err := env.client.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(testBucket), Key: aws.String("root.txt")})
				if err != nil {
					t.Fatalf("HeadObject: %v", err)
				}
				sum := md5.Sum([]byte("content of root.txt"))
				got := []string{aws.ToString(out.ETag), aws.ToString(out.ContentType), fmt.Sprint(aws.ToInt64(out.ContentLength))}
				want := []string{`"` + hex.EncodeToString(sum[:]) + `"`, "text/plain", "19"}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("HeadObject mismatch (-want +got):\n%s", diff)
				}
			})

			t.Run("copy", func(t *testing.T) {
				_, err := env.client.CopyObject(ctx, &awss3.CopyObjectInput{
					Bucket: aws.String(testBucket), Key: aws.String("copies/a b+c.txt"), CopySource: aws.String(testBucket + "/docs/a.txt"),
				})
				if err != nil {
					t.Fatalf("CopyObject: %v", err)
				}
				got, err := env.getObject(t, testBucket, "copies/a b+c.txt")
				if err != nil {
					t.Fatalf("GetObject: %v", err)
				}
				if diff := cmp.Diff(storedObject{Body: "content of docs/a.txt", ContentType: "text/plain"}, got); diff != "" {
					t.Errorf("copied object mismatch (-want +got):\n%s", diff)
				}
			})

			t.Run("multipart", func(t *testing.T) {
				key := "big/upload.bin"
				create, err := env.client.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{
					Bucket: aws.String(testBucket), Key: aws.String(key), ContentType: aws.String("application/octet-stream"),
				})
				if err != nil {
					t.Fatalf("CreateMultipartUpload: %v", err)
				}
				parts := []string{testBody(5 << 20), testBody(1 << 10)}
				var completed []types.CompletedPart
				for i, p := range parts {
					out, err := env.client.UploadPart(ctx, &awss3.UploadPartInput{
						Bucket: aws.String(testBucket), Key: aws.String(key), UploadId: create.UploadId,
						PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader([]byte(p)),
					})
					if err != nil {
						t.Fatalf("UploadPart %d: %v", i+1, err)
					}
					completed = append(completed, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(i + 1))})
				}
				_, err = env.client.CompleteMultipartUpload(ctx, &awss3.CompleteMultipartUploadInput{
					Bucket: aws.String(testBucket), Key: aws.String(key), UploadId: create.UploadId,
					MultipartUpload: &types.CompletedMultipartUpload{Parts: completed},
				})
				if err != nil {
					t.Fatalf("CompleteMultipartUpload: %v", err)
				}
				got, err := env.getObject(t, testBucket, key)
				if err != nil {
					t.Fatalf("GetObject: %v", err)
				}
				if got.Body != parts[0]+parts[1] {
					t.Errorf("multipart object has %d bytes, want %d equal to the parts", len(got.Body), len(parts[0])+len(parts[1]))
				}
			})

			t.Run("delete", func(t *testing.T) {
				if _, err := env.client.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(testBucket), Key: aws.String("root.txt")}); err != nil {
					t.Fatalf("DeleteObject: %v", err)
				}
				_, err := env.getObject(t, testBucket, "root.txt")
				if diff := cmp.Diff("NoSuchKey", errorCode(err)); diff != "" {
					t.Errorf("GetObject after delete mismatch (-want +got):\n%s", diff)
				}
				_, err = env.client.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String(testBucket)})
				if diff := cmp.Diff("BucketNotEmpty", errorCode(err)); diff != "" {
					t.Errorf("DeleteBucket of non-empty bucket mismatch (-want +got):\n%s", diff)
				}

				list, err := env.client.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String(testBucket)})
				if err != nil {
					t.Fatalf("ListObjectsV2: %v", err)
				}
				var ids []types.ObjectIdentifier
				for _, o := range list.Contents {
					ids = append(ids, types.ObjectIdentifier{Key: o.Key})
				}
				out, err := env.client.DeleteObjects(ctx, &awss3.DeleteObjectsInput{
					Bucket: aws.String(testBucket), Delete: &types.Delete{Objects: ids},
				})
				if err != nil {
					t.Fatalf("DeleteObjects: %v", err)
				}
				if len(out.Deleted) != len(ids) || len(out.Errors) != 0 {
					t.Errorf("DeleteObjects deleted %d and failed %d, want %d and 0", len(out.Deleted), len(out.Errors), len(ids))
				}
				if _, err := env.client.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String(testBucket)}); err != nil {
					t.Fatalf("DeleteBucket: %v", err)
				}
				_, err = env.client.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: aws.String(testBucket)})
				if diff := cmp.Diff("NotFound", errorCode(err)); diff != "" {
					t.Errorf("HeadBucket after delete mismatch (-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestBucketSettingsDocuments(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t, envOptions{})
	env.createBucket(t, testBucket)
	b := aws.String(testBucket)

	tests := []struct {
		name     string
		get      func() (any, error)
		put      func() error
		wantCode string // GET before PUT
		before   any
		after    any
	}{
		{
			name: "encryption",
			get: func() (any, error) {
				out, err := env.client.GetBucketEncryption(ctx, &awss3.GetBucketEncryptionInput{Bucket: b})
				if err != nil {
					return nil, err
				}
				r := out.ServerSideEncryptionConfiguration.Rules[0]
				return []string{string(r.ApplyServerSideEncryptionByDefault.SSEAlgorithm), aws.ToString(r.ApplyServerSideEncryptionByDefault.KMSMasterKeyID)}, nil
			},
			put: func() error {
				_, err := env.client.PutBucketEncryption(ctx, &awss3.PutBucketEncryptionInput{Bucket: b,
					ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
						ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{
							SSEAlgorithm: types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String("alias/claims"),
						},
					}}}})
				return err
			},
			before: []string{"AES256", ""},
			after:  []string{"aws:kms", "alias/claims"},
		},
		{
			name: "public access block",
			get: func() (any, error) {
				out, err := env.client.GetPublicAccessBlock(ctx, &awss3.GetPublicAccessBlockInput{Bucket: b})
				if err != nil {
					return nil, err
				}
				c := out.PublicAccessBlockConfiguration
				return []bool{aws.ToBool(c.BlockPublicAcls), aws.ToBool(c.BlockPublicPolicy), aws.ToBool(c.IgnorePublicAcls), aws.ToBool(c.RestrictPublicBuckets)}, nil
			},
			put: func() error {
				_, err := env.client.PutPublicAccessBlock(ctx, &awss3.PutPublicAccessBlockInput{Bucket: b,
					PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{
						BlockPublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true),
					}})
				return err
			},
			wantCode: "NoSuchPublicAccessBlockConfiguration",
			after:    []bool{true, true, true, true},
		},
		{
			name: "versioning",
			get: func() (any, error) {
				out, err := env.client.GetBucketVersioning(ctx, &awss3.GetBucketVersioningInput{Bucket: b})
				if err != nil {
					return nil, err
				}
				return string(out.Status), nil
			},
			put: func() error {
				_, err := env.client.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{Bucket: b,
					VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
				return err
			},
			before: "",
			after:  "Enabled",
		},
		{
			name: "lifecycle",
			get: func() (any, error) {
				out, err := env.client.GetBucketLifecycleConfiguration(ctx, &awss3.GetBucketLifecycleConfigurationInput{Bucket: b})
				if err != nil {
					return nil, err
				}
				r := out.Rules[0]
				return []string{aws.ToString(r.ID), string(r.Status), fmt.Sprint(aws.ToInt32(r.Expiration.Days))}, nil
			},
			put: func() error {
				_, err := env.client.PutBucketLifecycleConfiguration(ctx, &awss3.PutBucketLifecycleConfigurationInput{Bucket: b,
					LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{{
						ID: aws.String("expire-tmp"), Status: types.ExpirationStatusEnabled,
						Filter:     &types.LifecycleRuleFilter{Prefix: aws.String("tmp/")},
						Expiration: &types.LifecycleExpiration{Days: aws.Int32(7)},
					}}}})
				return err
			},
			wantCode: "NoSuchLifecycleConfiguration",
			after:    []string{"expire-tmp", "Enabled", "7"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.get()
			if diff := cmp.Diff(tt.wantCode, errorCode(err)); diff != "" {
				t.Fatalf("GET before PUT error mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.before, got); diff != "" {
				t.Errorf("GET before PUT mismatch (-want +got):\n%s", diff)
			}
			if err := tt.put(); err != nil {
				t.Fatalf("PUT: %v", err)
			}
			got, err = tt.get()
			if err != nil {
				t.Fatalf("GET after PUT: %v", err)
			}
			if diff := cmp.Diff(tt.after, got); diff != "" {
				t.Errorf("GET after PUT mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAuthentication(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	env.createBucket(t, testBucket)
	env.putObject(t, testBucket, "doc.txt", "secret claim", "text/plain")

	t.Run("anonymous browser GET", func(t *testing.T) {
		got := do(t, newRequest(t, http.MethodGet, env.http.URL+"/"+testBucket+"/doc.txt", nil))
		want := httpResult{Status: http.StatusForbidden, Error: s3Error{Code: "AccessDenied", Message: "Access Denied"}}
		if diff := cmp.Diff(want, got, cmpStatusAndError); diff != "" {
			t.Errorf("response mismatch (-want +got):\n%s", diff)
		}
	})

	tests := []struct {
		name      string
		accessKey string
		secret    string
		wantCode  string
	}{
		{"known key", testAccessKey, testSecret, ""},
		{"unknown key", "AKIDUNKNOWN", testSecret, "InvalidAccessKeyId"},
		// Header signatures are not recomputed (see checkAuthorizationHeader).
		{"known key, other secret", testAccessKey, "not-the-secret", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := env.sdkClient(tt.accessKey, tt.secret)
			_, err := client.HeadObject(context.Background(), &awss3.HeadObjectInput{Bucket: aws.String(testBucket), Key: aws.String("doc.txt")})
			// HEAD responses have no body, so the SDK only sees the status.
			want := map[string]string{"": "", "InvalidAccessKeyId": "Forbidden"}[tt.wantCode]
			if diff := cmp.Diff(want, errorCode(err)); diff != "" {
				t.Errorf("HeadObject error mismatch (-want +got):\n%s", diff)
			}
			_, err = client.ListObjectsV2(context.Background(), &awss3.ListObjectsV2Input{Bucket: aws.String(testBucket)})
			if diff := cmp.Diff(tt.wantCode, errorCode(err)); diff != "" {
				t.Errorf("ListObjectsV2 error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// cmpStatusAndError compares only what the tests assert of a response.
var cmpStatusAndError = cmp.Comparer(func(a, b httpResult) bool {
	return a.Status == b.Status && a.Error == b.Error
})

func TestPersistenceAcrossRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	first := newTestEnv(t, envOptions{dir: dir})
	first.createBucket(t, testBucket)
	first.putObject(t, testBucket, "claims/C-7/photo.jpg", "jpeg bytes", "image/jpeg")
	corsRules := []types.CORSRule{{AllowedOrigins: []string{"http://localhost:5173"}, AllowedMethods: []string{"GET", "POST"}}}
	if _, err := first.client.PutBucketCors(ctx, &awss3.PutBucketCorsInput{Bucket: aws.String(testBucket),
		CORSConfiguration: &types.CORSConfiguration{CORSRules: corsRules}}); err != nil {
		t.Fatalf("PutBucketCors: %v", err)
	}
	if _, err := first.client.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{Bucket: aws.String(testBucket),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatalf("PutBucketVersioning: %v", err)
	}
	first.http.Close()
	if err := first.srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	second := newTestEnv(t, envOptions{dir: dir})
	obj, err := second.getObject(t, testBucket, "claims/C-7/photo.jpg")
	if err != nil {
		t.Fatalf("GetObject after restart: %v", err)
	}
	if diff := cmp.Diff(storedObject{Body: "jpeg bytes", ContentType: "image/jpeg"}, obj); diff != "" {
		t.Errorf("object after restart mismatch (-want +got):\n%s", diff)
	}
	cors, err := second.client.GetBucketCors(ctx, &awss3.GetBucketCorsInput{Bucket: aws.String(testBucket)})
	if err != nil {
		t.Fatalf("GetBucketCors after restart: %v", err)
	}
	if diff := cmp.Diff(corsRules, cors.CORSRules, cmpCORSRule); diff != "" {
		t.Errorf("CORS rules after restart mismatch (-want +got):\n%s", diff)
	}
	versioning, err := second.client.GetBucketVersioning(ctx, &awss3.GetBucketVersioningInput{Bucket: aws.String(testBucket)})
	if err != nil {
		t.Fatalf("GetBucketVersioning after restart: %v", err)
	}
	if diff := cmp.Diff(types.BucketVersioningStatusEnabled, versioning.Status); diff != "" {
		t.Errorf("versioning after restart mismatch (-want +got):\n%s", diff)
	}
}

func TestDirectoryHeldByAnotherServer(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{Dir: dir, Region: testRegion, Credentials: map[string]string{testAccessKey: testSecret}}
	first, err := New(cfg)
	if err != nil {
		t.Fatalf("first New: %v", err)
	}
	_, err = New(cfg)
	if err == nil || !strings.Contains(err.Error(), "locked by another running S3 server") {
		t.Errorf("second New error = %v, want one saying the directory is locked", err)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	again, err := New(cfg)
	if err != nil {
		t.Fatalf("New after Close: %v", err)
	}
	if err := again.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestNewRequiresCredentials(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("New without credentials succeeded, want an error")
	}
}
