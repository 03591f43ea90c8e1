package s3files

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// DeleteFile deletes the object under key (a file the functions wrote and
// replaced, such as a superseded version of the knowledge base's search
// index). Deleting a key that holds nothing is not an error. In the
// versioned bucket the data stays as a noncurrent version until the
// bucket's lifecycle rule expires it.
func (f *Files) DeleteFile(ctx context.Context, key string) error {
	_, err := f.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(key)})
	if err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}
