package s3files_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/s3files"
)

// TestNewRefusesEachMissingDependency: no client (a typed nil included) or
// no bucket, and New names it instead of returning Files that fail every
// upload.
func TestNewRefusesEachMissingDependency(t *testing.T) {
	var nilClient *s3.Client
	client := s3.New(s3.Options{Region: "eu-central-1"})
	for _, tt := range []struct {
		missing string
		cfg     s3files.Config
	}{
		{"Client", s3files.Config{Bucket: "b"}},
		{"Client", s3files.Config{Client: nilClient, Bucket: "b"}},
		{"Bucket", s3files.Config{Client: client}},
	} {
		f, err := s3files.New(tt.cfg)
		if e, ok := apperr.As(err); f != nil || !ok || e.Code != apperr.Internal || len(e.Fields) != 1 || e.Fields[0].Field != tt.missing {
			t.Errorf("New without %s = %v, %v; want an Internal error naming it", tt.missing, f, err)
		}
	}
}

// TestOriginIsWhereUploadsGo: the origin the pages allow in their content
// security policy is the one a presigned upload posts to, on AWS
// (virtual-hosted, FIPS, dual-stack) and on an S3-compatible endpoint
// (path-style).
func TestOriginIsWhereUploadsGo(t *testing.T) {
	tests := []struct {
		name string
		opts func(*s3.Options)
		want string
	}{
		{"AWS", func(*s3.Options) {}, "https://claims-attachments.s3.eu-central-1.amazonaws.com"},
		{"AWS, FIPS and dual-stack", func(o *s3.Options) {
			o.EndpointOptions.UseFIPSEndpoint = aws.FIPSEndpointStateEnabled
			o.EndpointOptions.UseDualStackEndpoint = aws.DualStackEndpointStateEnabled
		}, "https://claims-attachments.s3-fips.dualstack.eu-central-1.amazonaws.com"},
		{"an S3-compatible endpoint", func(o *s3.Options) { o.BaseEndpoint, o.UsePathStyle = aws.String("http://127.0.0.1:4566"), true }, "http://127.0.0.1:4566"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := s3.NewFromConfig(aws.Config{Region: "eu-central-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}, tt.opts)
			f, err := s3files.New(s3files.Config{Client: client, Bucket: "claims-attachments"})
			if err != nil {
				t.Fatal(err)
			}
			origin, err := f.Origin(context.Background())
			if err != nil || origin != tt.want {
				t.Fatalf("Origin = %q, %v; want %q", origin, err, tt.want)
			}
			up, err := f.PresignUpload(context.Background(), intake.UploadSpec{Key: "uploads/x/1", MaxBytes: 10, TTL: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(up.URL)
			if err != nil || u.Scheme+"://"+u.Host != origin {
				t.Errorf("the upload posts to %s, the origin is %s", up.URL, origin)
			}
		})
	}
}
