package intake

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/workflow"
)

// ChangeStore reads a claim with its history and applies versioned changes.
type ChangeStore interface {
	ClaimDetail(ctx context.Context, id string) (*registry.Detail, error)
	ApplyChange(ctx context.Context, ch *claims.Change) error
}

// AttachRequest registers an uploaded file on an existing claim.
type AttachRequest struct {
	ClaimID  string
	Zone     string
	UploadID string
	// Scope is the upload scope the file was presigned for.
	Scope string
	Actor Actor
}

// Attach verifies an upload and adds it to the claim with a history entry.
// Callers check that the actor may change the claim. Errors: NotFound,
// Invalid (naming the field), Conflict when the claim is finished (closed,
// rejected, withdrawn: a file already attached is still answered), the zone
// is full or a concurrent change won.
func (s *Service) Attach(ctx context.Context, cs ChangeStore, r AttachRequest) (*claims.Attachment, error) {
	d, err := cs.ClaimDetail(ctx, r.ClaimID)
	if err != nil {
		return nil, err
	}
	cat, err := s.cfg.Catalog.Catalog(ctx)
	if err != nil {
		return nil, fmt.Errorf("attach: %w", err)
	}
	t, ok := cat.Type(d.Claim.TypeID)
	if !ok {
		return nil, fmt.Errorf("attach: claim %s has unknown type %s", d.Claim.ID, d.Claim.TypeID)
	}
	zone, ok := t.Zone(r.Zone)
	if !ok {
		return nil, apperr.InvalidField("zone", "this claim's type has no such photo zone")
	}
	if !ValidUploadID(r.UploadID) {
		return nil, apperr.InvalidField("uploadId", "not an upload ID")
	}
	count := 0
	for _, a := range d.Attachments {
		if a.ID == r.UploadID {
			a := a
			return &a, nil // already attached: idempotent
		}
		if a.Zone == zone.ID {
			count++
		}
	}
	if err := workflow.Finished(&d.Claim); err != nil {
		return nil, err
	}
	if count >= zone.Max {
		return nil, apperr.Errorf(apperr.Conflict, "the zone %s already has its %d files", zone.ID, zone.Max)
	}
	now := s.cfg.Now().UTC()
	a, fe := s.verifyUpload(ctx, zone, UploadKey(r.Scope, r.UploadID), r.UploadID, now)
	if fe != nil {
		field := "file"
		if fe.Field != "" {
			field = strings.TrimPrefix(fe.Field, ".")
		}
		return nil, apperr.InvalidField(field, fe.Message)
	}
	a.UploadedBy = r.Actor.String()
	name := a.FileName
	c := d.Claim
	prev := c.Version
	if count+1 >= zone.Min {
		c.MissingZones = slices.DeleteFunc(slices.Clone(c.MissingZones), func(z string) bool { return z == zone.ID })
	}
	ev, err := claims.Next(&c, claims.EventAttachmentAdded, r.Actor.String(), now, nil,
		map[string]any{"zone": zone.ID, "fileName": name, "size": a.Size})
	if err != nil {
		return nil, err
	}
	if err := cs.ApplyChange(ctx, &claims.Change{Claim: &c, PrevVersion: prev, Event: ev, Files: []claims.Attachment{*a}}); err != nil {
		return nil, err
	}
	return a, nil
}
