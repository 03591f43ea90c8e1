// Package s3files keeps claim attachments in the private S3 bucket: browsers
// upload straight to it through presigned POST policies (type and size
// enforced by S3), and get files through short-lived presigned GET links.
// The functions never stream file bodies.
//
// Only this package (and the functions' main packages) may import the S3 SDK.
//
// Layer: adapter.
package s3files

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/awsenv"
	"github.com/claimsdesk/backend/shared/deps"
	"github.com/claimsdesk/backend/shared/intake"
)

// ClientOptions configures the S3 client for the endpoint in use: an
// S3-compatible endpoint set through AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL
// is addressed path-style (bucket in the path), which every such endpoint
// supports; AWS itself keeps virtual-hosted style.
func ClientOptions(o *s3.Options) {
	if os.Getenv("AWS_ENDPOINT_URL_S3") != "" || os.Getenv("AWS_ENDPOINT_URL") != "" {
		o.UsePathStyle = true
	}
}

// NewClient returns the S3 client of a function: cfg with the endpoint
// configured for S3 (AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else
// AWS's) and ClientOptions. Only the functions that keep files build one.
func NewClient(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = awsenv.BaseEndpoint("S3") }, ClientOptions)
}

// Files stores files in one bucket.
type Files struct {
	client  *s3.Client
	presign *s3.PresignClient
	bucket  string
}

// Config wires Files; both fields are required.
type Config struct {
	// Client is the S3 client (NewClient).
	Client *s3.Client
	// Bucket is the attachments bucket (BUCKET_NAME).
	Bucket string
}

// New returns Files on cfg.Bucket. It returns an Internal error naming
// what cfg lacks.
func New(cfg Config) (*Files, error) {
	if err := deps.Check("s3files", deps.Need("Client", cfg.Client), deps.Need("Bucket", cfg.Bucket)); err != nil {
		return nil, err
	}
	return &Files{client: cfg.Client, presign: s3.NewPresignClient(cfg.Client), bucket: cfg.Bucket}, nil
}

// PresignUpload returns a presigned POST for one file: S3 refuses a size
// outside MinBytes..MaxBytes (EntityTooSmall, EntityTooLarge; MinBytes is at
// least 1), another key, and (when the spec names one) another content type.
func (f *Files) PresignUpload(ctx context.Context, spec intake.UploadSpec) (*intake.Upload, error) {
	conditions := []any{[]any{"content-length-range", max(spec.MinBytes, 1), spec.MaxBytes}}
	in := &s3.PutObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(spec.Key)}
	values := map[string]string{}
	if spec.ContentType != "" {
		in.ContentType = aws.String(spec.ContentType)
		conditions = append(conditions, []any{"eq", "$Content-Type", spec.ContentType})
		values["Content-Type"] = spec.ContentType
	}
	for k, v := range spec.Metadata {
		name := "x-amz-meta-" + k
		// Header values must be ASCII: percent-encode file names.
		v = url.QueryEscape(v)
		conditions = append(conditions, []any{"eq", "$" + name, v})
		values[name] = v
	}
	if spec.RedirectURL != "" {
		conditions = append(conditions, []any{"eq", "$success_action_redirect", spec.RedirectURL})
		values["success_action_redirect"] = spec.RedirectURL
	}
	post, err := f.presign.PresignPostObject(ctx, in, func(o *s3.PresignPostOptions) {
		o.Expires = spec.TTL
		o.Conditions = conditions
	})
	if err != nil {
		return nil, fmt.Errorf("presign upload %s: %w", spec.Key, err)
	}
	fields := map[string]string{}
	for k, v := range post.Values {
		fields[k] = v
	}
	for k, v := range values {
		fields[k] = v
	}
	return &intake.Upload{URL: post.URL, Fields: fields}, nil
}

// Head returns up to n leading bytes of an object.
func (f *Files) Head(ctx context.Context, key string, n int) ([]byte, error) {
	out, err := f.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(key), Range: aws.String(fmt.Sprintf("bytes=0-%d", n-1))})
	if err != nil {
		return nil, fmt.Errorf("read head of %s: %w", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(io.LimitReader(out.Body, int64(n)))
	if err != nil {
		return nil, fmt.Errorf("read head of %s: %w", key, err)
	}
	return b, nil
}

// Origin is the scheme and host browsers upload to (for the pages' content
// security policy): where the client's endpoint rules send the bucket's
// requests. It resolves the endpoint as a request would, without building
// and signing one (a tenth of the time, at every cold start of the public
// site).
func (f *Files) Origin(ctx context.Context) (string, error) {
	o := f.client.Options()
	ep, err := o.EndpointResolverV2.ResolveEndpoint(ctx, s3.EndpointParameters{
		Bucket: aws.String(f.bucket), Region: aws.String(o.Region), Endpoint: o.BaseEndpoint,
		UseFIPS:                        aws.Bool(o.EndpointOptions.UseFIPSEndpoint == aws.FIPSEndpointStateEnabled),
		UseDualStack:                   aws.Bool(o.EndpointOptions.UseDualStackEndpoint == aws.DualStackEndpointStateEnabled),
		ForcePathStyle:                 aws.Bool(o.UsePathStyle),
		Accelerate:                     aws.Bool(o.UseAccelerate),
		DisableMultiRegionAccessPoints: aws.Bool(o.DisableMultiRegionAccessPoints),
		UseArnRegion:                   aws.Bool(o.UseARNRegion),
	})
	if err != nil {
		return "", fmt.Errorf("s3 origin of bucket %s: %w", f.bucket, err)
	}
	return ep.URI.Scheme + "://" + ep.URI.Host, nil
}

// Stat returns an object's content type, size and metadata (decoded);
// apperr.NotFound when there is none.
func (f *Files) Stat(ctx context.Context, key string) (*intake.Object, error) {
	out, err := f.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(key)})
	if err != nil {
		var nf *types.NotFound
		var ae smithy.APIError
		if errors.As(err, &nf) || (errors.As(err, &ae) && (ae.ErrorCode() == "NotFound" || ae.ErrorCode() == "NoSuchKey")) {
			return nil, apperr.Errorf(apperr.NotFound, "no file %s", key)
		}
		return nil, fmt.Errorf("stat %s: %w", key, err)
	}
	meta := map[string]string{}
	for k, v := range out.Metadata {
		if d, err := url.QueryUnescape(v); err == nil {
			v = d
		}
		meta[strings.ToLower(k)] = v
	}
	return &intake.Object{ContentType: aws.ToString(out.ContentType), Size: aws.ToInt64(out.ContentLength), Metadata: meta}, nil
}

// DownloadURL returns a presigned GET of key valid for ttl that downloads
// under fileName (inline for images and PDFs, which browsers show safely).
func (f *Files) DownloadURL(ctx context.Context, key, fileName, contentType string, ttl time.Duration) (string, error) {
	disposition := "attachment"
	if strings.HasPrefix(contentType, "image/") || contentType == "application/pdf" || strings.HasPrefix(contentType, "video/") {
		disposition = "inline"
	}
	in := &s3.GetObjectInput{
		Bucket:                     aws.String(f.bucket),
		Key:                        aws.String(key),
		ResponseContentDisposition: aws.String(fmt.Sprintf("%s; filename*=UTF-8''%s", disposition, url.PathEscape(fileName))),
		ResponseContentType:        aws.String(contentType),
	}
	req, err := f.presign.PresignGetObject(ctx, in, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", fmt.Errorf("presign download %s: %w", key, err)
	}
	return req.URL, nil
}

// PutFile stores body under key with its content type (a generated
// document: the functions write only files they made).
func (f *Files) PutFile(ctx context.Context, key, contentType string, body []byte) error {
	_, err := f.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(f.bucket), Key: aws.String(key), ContentType: aws.String(contentType),
		Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body))),
	})
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// PutStream stores size bytes read from body under key (a file built on
// disk: an export), with its content type and a Content-Disposition that
// names it fileName.
func (f *Files) PutStream(ctx context.Context, key, contentType, fileName string, body io.Reader, size int64) error {
	_, err := f.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(f.bucket), Key: aws.String(key), ContentType: aws.String(contentType),
		ContentDisposition: aws.String("attachment; filename*=UTF-8''" + url.PathEscape(fileName)),
		Body:               body, ContentLength: aws.Int64(size),
	})
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// ReadFile returns the object under key; apperr.NotFound when there is
// none, apperr.TooLarge when it is larger than limit bytes.
func (f *Files) ReadFile(ctx context.Context, key string, limit int64) ([]byte, error) {
	out, err := f.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(key)})
	if err != nil {
		var nk *types.NoSuchKey
		if errors.As(err, &nk) {
			return nil, apperr.Errorf(apperr.NotFound, "no file %s", key)
		}
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	defer out.Body.Close()
	if n := aws.ToInt64(out.ContentLength); n > limit {
		return nil, apperr.Errorf(apperr.TooLarge, "file %s has %d bytes, more than %d", key, n, limit)
	}
	b, err := io.ReadAll(io.LimitReader(out.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	if int64(len(b)) > limit {
		return nil, apperr.Errorf(apperr.TooLarge, "file %s is larger than %d bytes", key, limit)
	}
	return b, nil
}
