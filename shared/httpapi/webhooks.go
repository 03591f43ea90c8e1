package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/webhook"
)

// WebhookStore keeps the webhook targets.
type WebhookStore interface {
	// WebhookTargets returns every target, by ID.
	WebhookTargets(ctx context.Context) ([]webhook.Target, error)
	// WebhookTarget returns apperr.NotFound for an unknown target.
	WebhookTarget(ctx context.Context, id string) (*webhook.Target, error)
	// PutWebhookTarget creates or replaces a target and reports whether it
	// is new.
	PutWebhookTarget(ctx context.Context, t webhook.Target) (bool, error)
}

// WebhooksAPI manages the company's systems that receive events (the CRM,
// the ERP, dealers' systems): administrators only.
type WebhooksAPI struct {
	Store WebhookStore
	// Key derives each target's signing secret (keys.Keys.Webhook).
	Key []byte
	// Guard refuses targets inside the network (nil: every such target
	// is refused).
	Guard *webhook.Guard
	Now   func() time.Time
}

// Register adds the webhook routes of the AdminFunction.
func (a *WebhooksAPI) Register(r *apigw.Router) {
	r.Handle("GET /v1/admin/webhooks", a.list)
	r.Handle("GET /v1/admin/webhooks/{id}", a.get)
	r.Handle("PUT /v1/admin/webhooks/{id}", a.put)
}

// WebhookTargetList is the body of GET /v1/admin/webhooks.
type WebhookTargetList struct {
	Targets []webhook.Target `json:"targets"`
}

// WebhookTargetInput is the body of PUT /v1/admin/webhooks/{id}: the whole
// target. An omitted active is true.
type WebhookTargetInput struct {
	ID          string   `json:"id"`
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	DealerID    string   `json:"dealerId"`
	Active      *bool    `json:"active"`
	Description string   `json:"description"`
}

// WebhookTargetCreated is the answer to a PUT: the target as stored and the
// secret its deliveries are signed with.
type WebhookTargetCreated struct {
	webhook.Target
	// Secret keys X-ClaimsDesk-Signature; it is derived, the same on every
	// PUT of the target, and shown only here.
	Secret string `json:"secret"`
}

func (a *WebhooksAPI) list(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := admin(req); err != nil {
		return nil, err
	}
	targets, err := a.Store.WebhookTargets(ctx)
	if err != nil {
		return nil, err
	}
	if targets == nil {
		targets = []webhook.Target{}
	}
	return apigw.JSON(http.StatusOK, WebhookTargetList{Targets: targets}), nil
}

func (a *WebhooksAPI) get(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := admin(req); err != nil {
		return nil, err
	}
	id := req.Param("id")
	if !webhook.ValidID(id) {
		return nil, apperr.Errorf(apperr.NotFound, "webhook target not found")
	}
	t, err := a.Store.WebhookTarget(ctx, id)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, t), nil
}

func (a *WebhooksAPI) put(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := admin(req); err != nil {
		return nil, err
	}
	var in WebhookTargetInput
	if err := req.DecodeJSON(&in, 16<<10); err != nil {
		return nil, err
	}
	id := req.Param("id")
	if in.ID != "" && in.ID != id {
		return nil, apperr.InvalidField("id", "must match the URL")
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	t := webhook.Target{ID: id, URL: in.URL, Events: in.Events, DealerID: in.DealerID, Active: in.Active == nil || *in.Active,
		Description: in.Description, UpdatedAt: now().UTC(), UpdatedBy: req.Principal.UserID}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	guard := a.Guard
	if guard == nil {
		guard = &webhook.Guard{}
	}
	if msg := guard.CheckTarget(ctx, t.URL); msg != "" {
		return nil, apperr.InvalidField("url", msg)
	}
	created, err := a.Store.PutWebhookTarget(ctx, t)
	if err != nil {
		return nil, err
	}
	body := WebhookTargetCreated{Target: t, Secret: webhook.Secret(a.Key, t.ID)}
	if !created {
		return apigw.JSON(http.StatusOK, body), nil
	}
	res := apigw.JSON(http.StatusCreated, body)
	res.Headers["location"] = "/v1/admin/webhooks/" + t.ID
	return res, nil
}
