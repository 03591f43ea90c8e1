package runner_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/claimsdesk/backend/shared/benchtest"
	"github.com/claimsdesk/backend/shared/exports"
)

// BenchmarkRun measures a job of 20,000 claims on fakes (the registry's
// store in memory, the file handed to memory): what the runner and the
// file cost apart from DynamoDB and S3, with the peak of the heap while it
// runs (the claims in memory included).
func BenchmarkRun(b *testing.B) {
	for _, format := range []string{"xlsx", "csv"} {
		b.Run(format, func(b *testing.B) {
			r := newRig(b, fixture(20_000))
			benchtest.Peak(b, format+"-KB", func() ([]byte, error) {
				id := r.queued(supervisor, format, exports.Filters{Series: "2026-11"})
				if err := r.runner.Run(context.Background(), id); err != nil {
					return nil, err
				}
				j, _ := r.store.Job(id)
				if j.Status != exports.Done || j.Rows != 20_000 {
					return nil, fmt.Errorf("job %+v", j)
				}
				f, _ := r.files.File(j.Key)
				delete(r.files.Files, j.Key)
				return f, nil
			})
		})
	}
}
