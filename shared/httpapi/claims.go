package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/kb"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/lazyre"
	"github.com/claimsdesk/backend/shared/orders"
	"github.com/claimsdesk/backend/shared/quality"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/visibility"
	"github.com/claimsdesk/backend/shared/workflow"
)

// MaxClaimBody bounds a claim request body.
const MaxClaimBody = 256 << 10

// ClaimsAPI is the signed-in API: intake, the registry, uploads, the catalog.
type ClaimsAPI struct {
	Intake   *intake.Service
	Registry *registry.Service
	Changes  intake.ChangeStore
	Catalog  catalog.Source
	Keys     *keys.Keys
	// Orders, when set, adds the claim's orders to its detail view.
	Orders *OrdersAPI
	// Alerts, when set, links a claim of an alerted series and type to its
	// alert (for staff).
	Alerts AlertLinker
	// Articles, when set, suggests knowledge base articles in a claim's
	// detail (for staff).
	Articles ArticleSuggester
	// SelfHelp, when set, counts a claim filed with a Kb-View header as
	// following the self-help that view showed (the cabinet's).
	SelfHelp SelfHelp
}

// ArticleSuggester finds the articles a claim's detail suggests (kb.Shelf).
type ArticleSuggester interface {
	ForClaim(ctx context.Context, typeID, model, rootCause string) ([]kb.Suggestion, error)
}

// AlertLinker finds the alert a claim's detail links to (quality.Service).
type AlertLinker interface {
	AlertFor(ctx context.Context, c *claims.Claim) (*quality.Ref, error)
}

// ClaimDetail is the answer of GET /v1/claims/{id}: the claim with its
// files and history, the source order it names (when mirrored from the ERP)
// and the orders created from it.
type ClaimDetail struct {
	*registry.View
	SourceOrder *orders.Order  `json:"sourceOrder,omitempty"`
	Orders      []orders.Order `json:"orders"`
	// QualityAlert is the open (acknowledged, muted) defect surge alert of
	// the claim's series and type; staff only.
	QualityAlert *quality.Ref `json:"qualityAlert,omitempty"`
	// Articles are the published knowledge base articles matching the
	// claim's type, model and root cause, the most used first; staff only.
	Articles []kb.Suggestion `json:"articles,omitempty"`
}

// Register adds the routes of the ClaimsFunction.
func (a *ClaimsAPI) Register(r *apigw.Router) {
	RegisterMe(r)
	r.Handle("GET /v1/catalog", a.catalog)
	r.Handle("POST /v1/uploads", a.upload)
	r.Handle("POST /v1/claims", a.create)
	r.Handle("GET /v1/claims", a.list, RegistryParams()...)
	r.Handle("GET /v1/claims/{id}", a.get)
	r.Handle("POST /v1/claims/{id}/attachments", a.claimUpload)
	r.Handle("PUT /v1/claims/{id}/attachments/{uploadId}", a.attach)
}

// ClaimRequest is the body of POST /v1/claims.
type ClaimRequest struct {
	Channel       string                 `json:"channel"`
	Claimant      claims.Claimant        `json:"claimant"`
	DealerID      string                 `json:"dealerId"`
	Product       claims.Product         `json:"product"`
	Order         claims.Order           `json:"order"`
	CategoryID    string                 `json:"categoryId"`
	TypeID        string                 `json:"typeId"`
	Essence       string                 `json:"essence"`
	DesiredResult string                 `json:"desiredResult"`
	DesiredFix    string                 `json:"desiredFix"`
	Priority      string                 `json:"priority"`
	Language      string                 `json:"language"`
	Attachments   []intake.AttachmentRef `json:"attachments"`
}

// ClaimResponse is a created claim.
type ClaimResponse struct {
	Claim       *claims.Claim `json:"claim"`
	TrackingURL string        `json:"trackingUrl"`
}

var idempotencyKeyPattern = lazyre.New(`^[A-Za-z0-9_.:-]{1,128}$`)

func (a *ClaimsAPI) catalog(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if req.Principal == nil {
		return nil, apperr.Errorf(apperr.Unauthorized, "sign-in required")
	}
	cat, err := a.Catalog.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	if !req.Principal.HasAny(auth.Manager, auth.Supervisor, auth.Admin) {
		return apigw.JSON(http.StatusOK, cat.ForClaimants()), nil
	}
	return apigw.JSON(http.StatusOK, cat.Active()), nil
}

// channelFor decides the channel a principal files through and the dealer the
// claim belongs to: dealers file for their own dealership only.
func channelFor(p *auth.Principal, requested, dealerID string) (claims.Channel, string, error) {
	ch := claims.Channel(requested)
	switch {
	case p.Has(auth.Dealer):
		if p.DealerID == "" {
			return "", "", apperr.Errorf(apperr.Forbidden, "the account has no dealer")
		}
		if dealerID != "" && !strings.EqualFold(dealerID, p.DealerID) {
			return "", "", apperr.Errorf(apperr.Forbidden, "dealers file claims for their own dealership only")
		}
		if ch == "" {
			ch = claims.ChannelAPI
		}
		if ch != claims.ChannelAPI && ch != claims.ChannelDealerForm {
			return "", "", apperr.InvalidField("channel", "dealers file through api or dealer_form")
		}
		return ch, p.DealerID, nil
	case p.HasAny(auth.Manager, auth.Supervisor):
		if ch == "" {
			ch = claims.ChannelPhone
		}
		if ch != claims.ChannelPhone && ch != claims.ChannelAPI {
			return "", "", apperr.InvalidField("channel", "staff register claims through phone or api")
		}
		return ch, dealerID, nil
	case p.Has(auth.Integration):
		if ch == "" {
			ch = claims.ChannelAPI
		}
		if ch != claims.ChannelAPI {
			return "", "", apperr.InvalidField("channel", "integrations file through api")
		}
		// A dealer's own system files for its dealership only.
		if own := visibility.DealerScope(p); own != "" {
			if dealerID != "" && !strings.EqualFold(dealerID, own) {
				return "", "", apperr.Errorf(apperr.Forbidden, "this integration files claims for dealer %s only", own)
			}
			dealerID = own
		}
		return ch, dealerID, nil
	}
	return "", "", apperr.Errorf(apperr.Forbidden, "this role cannot file claims")
}

func actorOf(p *auth.Principal) intake.Actor {
	for _, r := range []auth.Role{auth.Supervisor, auth.Manager, auth.Dealer, auth.Integration, auth.Admin} {
		if p.Has(r) {
			return intake.Actor{UserID: p.UserID, Role: string(r)}
		}
	}
	return intake.Actor{UserID: p.UserID, Role: "user"}
}

func userScope(p *auth.Principal) string { return "user:" + p.UserID }

func (a *ClaimsAPI) create(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	p := req.Principal
	if err := auth.Require(p, auth.Dealer, auth.Manager, auth.Supervisor, auth.Integration); err != nil {
		return nil, err
	}
	var body ClaimRequest
	if err := req.DecodeJSON(&body, MaxClaimBody); err != nil {
		return nil, err
	}
	ch, dealer, err := channelFor(p, body.Channel, body.DealerID)
	if err != nil {
		return nil, err
	}
	prio := catalog.Priority(body.Priority)
	if prio != "" && !p.HasAny(auth.Manager, auth.Supervisor) {
		return nil, apperr.InvalidField("priority", "only claims staff set the priority")
	}
	sub := intake.Submission{
		Draft: claims.Draft{
			Channel: ch, Claimant: body.Claimant, DealerID: dealer, Product: body.Product, Order: body.Order,
			CategoryID: body.CategoryID, TypeID: body.TypeID, Essence: body.Essence,
			DesiredResult: claims.DesiredResult(body.DesiredResult), DesiredFix: body.DesiredFix,
			Priority: prio, Language: body.Language,
		},
		Attachments: body.Attachments,
		Actor:       actorOf(p),
		UploadScope: userScope(p),
		BaseURL:     req.BaseURL,
	}
	if k := req.Header("idempotency-key"); k != "" {
		if !idempotencyKeyPattern.MatchString(k) {
			return nil, apperr.InvalidField("Idempotency-Key", "1-128 characters: letters, digits, _ . : -")
		}
		sub.Idempotency = &intake.IdempotencyKey{Scope: "user:" + p.UserID, Key: k, BodyHash: intake.BodyHash(req.Body)}
	}
	view := req.Header("kb-view")
	if view != "" && !kb.ValidViewToken(view) {
		return nil, apperr.InvalidField("Kb-View", "the view token the self-help was asked with (16-64 letters, digits, _ or -)")
	}
	res, err := a.Intake.Submit(ctx, sub)
	if err != nil {
		return nil, err
	}
	if view != "" && a.SelfHelp != nil && res.Created {
		// A failure here costs one count, never the claim (the function's
		// logger is the default one: app.Logger).
		if err := a.SelfHelp.Filed(ctx, view, res.Claim.ID); err != nil {
			slog.ErrorContext(ctx, "self-help view not marked filed", "claimId", res.Claim.ID, "error", err.Error())
		}
	}
	shown := visibility.Claim(visibility.Of(p), *res.Claim)
	out := apigw.JSON(http.StatusCreated, ClaimResponse{Claim: &shown, TrackingURL: req.BaseURL + "/t/" + res.TrackingToken})
	if !res.Created {
		out.Status = http.StatusOK
		out.Headers["idempotent-replayed"] = "true"
	}
	out.Headers["location"] = "/v1/claims/" + res.Claim.ID
	return out, nil
}

func (a *ClaimsAPI) list(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	page, err := a.Registry.List(ctx, req.Principal, RegistryQuery(req))
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, page), nil
}

// RegistryQuery reads a registry query from a request's parameters (checked
// by the router: RegistryParams).
func RegistryQuery(req *apigw.Request) registry.Query {
	get := req.Query.Get
	q := registry.Query{
		Stage: get("stage"), CategoryID: get("categoryId"), TypeID: get("typeId"),
		DealerID: get("dealerId"), CustomerID: get("customerId"), Serial: get("serial"),
		Series: get("series"), Order: get("order"), Assignee: get("assignee"), Cursor: get("cursor"),
		Resolution: get("resolution"), RootCause: get("rootCause"), FaultParty: get("faultParty"),
		CulpritDepartment: claims.CleanText(get("culpritDepartment")),
		Flag:              get("flag"),
		Limit:             pageLimit(req),
	}
	if v := get("warrantyCase"); v != "" {
		w := v == "true"
		q.WarrantyCase = &w
	}
	q.From, _ = apigw.ParseTime(get("from"), false)
	q.To, _ = apigw.ParseTime(get("to"), true)
	return q
}

// pageLimit reads the page size the router checked (limitParam); 0 when
// absent: the list's default.
func pageLimit(req *apigw.Request) int {
	n, _ := strconv.Atoi(req.Query.Get("limit"))
	return n
}

func (a *ClaimsAPI) get(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	v, err := a.Registry.Get(ctx, req.Principal, req.Param("id"))
	if err != nil {
		return nil, err
	}
	out := ClaimDetail{View: v, Orders: []orders.Order{}}
	// v is already as the caller may see it (registry); ClaimOrders applies
	// the same rule to the orders.
	if a.Orders != nil {
		co, err := a.Orders.ClaimOrders(ctx, req.Principal, &v.Claim)
		if err != nil {
			return nil, err
		}
		out.SourceOrder, out.Orders = co.SourceOrder, co.Orders
	}
	if a.Alerts != nil && visibility.SeesQualityAlerts(visibility.Of(req.Principal)) {
		if out.QualityAlert, err = a.Alerts.AlertFor(ctx, &v.Claim); err != nil {
			return nil, err
		}
	}
	if a.Articles != nil && visibility.Of(req.Principal).Internal() {
		rootCause := ""
		if v.Claim.Decision != nil {
			rootCause = v.Claim.Decision.RootCause
		}
		if out.Articles, err = a.Articles.ForClaim(ctx, v.Claim.TypeID, v.Claim.Product.Model, rootCause); err != nil {
			return nil, err
		}
	}
	return apigw.JSON(http.StatusOK, out), nil
}

func (a *ClaimsAPI) upload(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	p := req.Principal
	if err := auth.Require(p, auth.Dealer, auth.Manager, auth.Supervisor, auth.Integration); err != nil {
		return nil, err
	}
	var body intake.UploadRequest
	if err := req.DecodeJSON(&body, 8<<10); err != nil {
		return nil, err
	}
	body.Scope = userScope(p)
	t, err := a.Intake.PresignUpload(ctx, body)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusCreated, t), nil
}

// editable returns the claim when p may add to it: its dealer, its manager,
// supervisors and integrations; NotFound otherwise.
func (a *ClaimsAPI) editable(ctx context.Context, p *auth.Principal, id string) (*registry.Detail, error) {
	if err := auth.Require(p, auth.Dealer, auth.Manager, auth.Supervisor, auth.Integration); err != nil {
		return nil, err
	}
	return a.Registry.Visible(ctx, p, id)
}

func claimScope(id string, p *auth.Principal) string { return "claim:" + id + ":" + p.UserID }

// claimUploadRequest is the body of POST /v1/claims/{id}/attachments.
type claimUploadRequest struct {
	Zone        string `json:"zone"`
	FileName    string `json:"fileName"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
}

func (a *ClaimsAPI) claimUpload(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	v, err := a.editable(ctx, req.Principal, req.Param("id"))
	if err != nil {
		return nil, err
	}
	// No file goes to a finished claim: do not invite one.
	if err := workflow.Finished(&v.Claim); err != nil {
		return nil, err
	}
	var body claimUploadRequest
	if err := req.DecodeJSON(&body, 8<<10); err != nil {
		return nil, err
	}
	t, err := a.Intake.PresignUpload(ctx, intake.UploadRequest{
		Scope: claimScope(v.Claim.ID, req.Principal), TypeID: v.Claim.TypeID, Zone: body.Zone,
		FileName: body.FileName, ContentType: body.ContentType, Size: body.Size, Filed: true,
	})
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusCreated, t), nil
}

func (a *ClaimsAPI) attach(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	v, err := a.editable(ctx, req.Principal, req.Param("id"))
	if err != nil {
		return nil, err
	}
	var body struct {
		Zone string `json:"zone"`
	}
	if err := req.DecodeJSON(&body, 1<<10); err != nil {
		return nil, err
	}
	att, err := a.Intake.Attach(ctx, a.Changes, intake.AttachRequest{
		ClaimID: v.Claim.ID, Zone: body.Zone, UploadID: req.Param("uploadId"),
		Scope: claimScope(v.Claim.ID, req.Principal), Actor: actorOf(req.Principal),
	})
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, visibility.Attachment(visibility.Of(req.Principal), *att)), nil
}
