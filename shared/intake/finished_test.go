package intake_test

import (
	"context"
	"strings"
	"testing"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/intake"
)

// TestAttachToFinishedClaim: a closed, rejected or withdrawn claim takes no
// more files (409 naming its stage, nothing written); a file it already has
// is still answered, so a retried request does not fail.
func TestAttachToFinishedClaim(t *testing.T) {
	for _, stage := range []claims.Stage{"closed", "rejected", "withdrawn"} {
		e := newEnv(t)
		cs, d := filedWithoutProductPhoto(t, e)
		d.Claim.Stage = stage
		e.files.put(dealerScope, uploadID(10), "image/jpeg", "lid.jpg", jpegBytes, 0)
		_, err := e.svc.Attach(context.Background(), cs, intake.AttachRequest{
			ClaimID: d.Claim.ID, Zone: "product", UploadID: uploadID(10), Scope: dealerScope, Actor: dealer,
		})
		if e, ok := apperr.As(err); !ok || e.Code != apperr.Conflict || !strings.Contains(e.Message, string(stage)) {
			t.Errorf("%s: %v, want 409 naming the stage", stage, err)
		}
		if len(cs.applied) != 0 {
			t.Errorf("%s: %d changes written", stage, len(cs.applied))
		}
		have := d.Attachments[0]
		got, err := e.svc.Attach(context.Background(), cs, intake.AttachRequest{
			ClaimID: d.Claim.ID, Zone: have.Zone, UploadID: have.ID, Scope: dealerScope, Actor: dealer,
		})
		if err != nil || got.ID != have.ID {
			t.Errorf("%s: the file it has: %v", stage, err)
		}
	}
}
