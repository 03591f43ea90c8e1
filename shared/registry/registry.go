// Package registry is the claims registry: who may list and open which
// claims, how a list query maps to one key or index (never a scan), cursor
// pagination, and a claim's detail view with short-lived file links and its
// history. Managers see the claims assigned to them, dealers (and a
// dealer's own system) their own, supervisors, admins and the company's
// integrations everything; anything else is "not found". What each of them
// sees of a claim is package visibility's rule, applied here to every list
// and view.
//
// It declares the storage interfaces it needs and imports no AWS package.
//
// Layer: domain.
package registry

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/deps"
	"github.com/claimsdesk/backend/shared/visibility"
)

// The list dimensions: each is served by one key or index.
const (
	DimStage    = "stage"    // the claim's GSI1
	DimAssignee = "assignee" // the claim's GSI2
	DimDealer   = "dealer"
	DimCategory = "category"
	DimType     = "type"
	DimCustomer = "customer"
	DimSerial   = "serial"
	DimSeries   = "series"
	DimMonth    = "month" // every claim, by creation month
	DimOrder    = "order" // claims against a source order
	// The decision's dimensions: their index entries follow the decision
	// (written when it is recorded, moved when it is revised).
	DimWarranty   = "warranty"   // "true" or "false"
	DimResolution = "resolution" // claims.Resolution
	DimRootCause  = "rootcause"  // a root cause of the catalog
	DimFaultParty = "fault"      // claims.FaultParties
	DimCulprit    = "culprit"    // the culprit department
	// DimFlag lists the claims with an active flag of a kind (or of any
	// kind: claims.AnyFlag); its entries follow the flags (written at
	// intake, removed when a flag is dismissed).
	DimFlag = "flag"
)

// FlagDims returns the flag dimension values of a claim's active flags:
// each kind, and claims.AnyFlag when there is one.
func FlagDims(c *claims.Claim) [][2]string {
	var out [][2]string
	for _, f := range c.ActiveFlags() {
		if dv := [2]string{DimFlag, string(f.Kind)}; !slices.Contains(out, dv) {
			out = append(out, dv)
		}
	}
	if len(out) > 0 {
		out = append(out, [2]string{DimFlag, claims.AnyFlag})
	}
	return out
}

// DecisionDims returns the decision's list dimensions and their values (none
// for an undecided claim, none for an empty value).
func DecisionDims(d *claims.Decision) [][2]string {
	if d == nil {
		return nil
	}
	out := [][2]string{{DimWarranty, strconv.FormatBool(d.WarrantyCase)}}
	for _, dv := range [][2]string{
		{DimResolution, string(d.Resolution)}, {DimRootCause, d.RootCause},
		{DimFaultParty, d.FaultParty}, {DimCulprit, d.CulpritDepartment},
	} {
		if dv[1] != "" {
			out = append(out, dv)
		}
	}
	return out
}

// ListSpec is one page of a list served by a single key or index.
type ListSpec struct {
	Dim, Value string
	// From and To bound the creation time (zero = open).
	From, To time.Time
	Limit    int
	// Start continues after a previous page ("" = first page).
	Start string
}

// ListPage is a page of claims, newest first.
type ListPage struct {
	Claims []claims.Claim
	// Next continues the list; "" when there is no more.
	Next string
}

// Detail is a claim with its attachments and history.
type Detail struct {
	Claim       claims.Claim
	Attachments []claims.Attachment
	History     []claims.Event
	Messages    []claims.Message
	// Documents are the generated documents, oldest first.
	Documents []claims.Document
}

// Store reads claims.
type Store interface {
	ListClaims(ctx context.Context, spec ListSpec) (*ListPage, error)
	// ClaimDetail returns apperr.NotFound for an unknown claim.
	ClaimDetail(ctx context.Context, id string) (*Detail, error)
	// Worklist returns a manager's open claims, most urgent first.
	Worklist(ctx context.Context, assignee string, limit int, start string) (*ListPage, error)
}

// Links makes short-lived download links.
type Links interface {
	DownloadURL(ctx context.Context, key, fileName, contentType string, ttl time.Duration) (string, error)
}

// LinkTTL is how long a file link in a detail view works.
const LinkTTL = 10 * time.Minute

// Service answers registry queries.
type Service struct {
	store     Store
	links     Links
	cursorKey []byte
	now       func() time.Time
}

// Config wires a Service; Store, Links and CursorKey are required.
type Config struct {
	Store Store
	// Links makes the detail view's file links (the bucket); without them
	// (the list exports) the registry lists claims only, and a detail view
	// is an Internal error.
	Links Links
	// CursorKey signs pagination cursors (keys.Keys.Cursor).
	CursorKey []byte
	// Now is the clock of link expiry times (default time.Now).
	Now func() time.Time
}

// New returns a Service. It returns an Internal error naming each required
// dependency cfg lacks (a typed nil counts as none).
func New(cfg Config) (*Service, error) {
	if err := deps.Check("registry", deps.Need("Store", cfg.Store), deps.Need("CursorKey", cfg.CursorKey)); err != nil {
		return nil, err
	}
	cfg.Links = deps.Optional(cfg.Links)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{store: cfg.Store, links: cfg.Links, cursorKey: cfg.CursorKey, now: cfg.Now}, nil
}

// Query is a list request.
type Query struct {
	Stage, CategoryID, TypeID, DealerID, CustomerID, Serial, Series, Assignee string
	// Order is the source order's number (order.reference).
	Order string
	// The decision filters: WarrantyCase (nil = either), Resolution,
	// RootCause, FaultParty, CulpritDepartment. Root cause and culprit
	// department are internal: only staff filter by them.
	WarrantyCase                                         *bool
	Resolution, RootCause, FaultParty, CulpritDepartment string
	// Flag lists the claims with an active flag of a kind, or of any kind
	// (claims.AnyFlag): staff only.
	Flag     string
	From, To time.Time
	Cursor   string
	Limit    int
}

// Page is a page of the registry.
type Page struct {
	Claims []claims.Claim `json:"claims"`
	Next   string         `json:"next,omitempty"`
}

// SeesAll reports whether a principal may see every claim: supervisors,
// admins and the company's integrations (an integrations account that
// carries a dealer is that dealer's system and sees the dealer's claims).
func SeesAll(p *auth.Principal) bool {
	return p.HasAny(auth.Supervisor, auth.Admin) || (p.Has(auth.Integration) && visibility.DealerScope(p) == "")
}

// CanSee reports whether p may open c.
func CanSee(p *auth.Principal, c *claims.Claim) bool {
	switch {
	case p == nil:
		return false
	case SeesAll(p):
		return true
	case p.Has(auth.Manager) && c.Assignee == p.UserID:
		return true
	}
	d := visibility.DealerScope(p)
	return d != "" && c.DealerID == d
}

// cursor is what a page token carries.
type cursor struct {
	Dim   string `json:"d"`
	Value string `json:"v"`
	Start string `json:"s,omitempty"`
	Month string `json:"m,omitempty"`
}

// oldestMonth bounds a list without filters and period.
const oldestMonth = "2020-01"

// monthsPerPage bounds the empty months a page walks through.
const monthsPerPage = 24

// List returns a page of claims p may see, matching q. It returns Forbidden
// when q asks for another dealer's or manager's claims, Invalid for a bad
// cursor or period.
func (s *Service) List(ctx context.Context, p *auth.Principal, q Query) (*Page, error) {
	if err := auth.Require(p, auth.Dealer, auth.Manager, auth.Supervisor, auth.Admin, auth.Integration); err != nil {
		return nil, err
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return nil, apperr.InvalidField("to", "must not be before from")
	}
	if q.Limit <= 0 {
		q.Limit = 25
	}
	q.Limit = min(q.Limit, 100)
	switch {
	case SeesAll(p):
	case p.Has(auth.Manager):
		if q.Assignee != "" && q.Assignee != p.UserID {
			return nil, apperr.Errorf(apperr.Forbidden, "managers list their own claims")
		}
		q.Assignee = p.UserID
	default:
		dealer := visibility.DealerScope(p)
		if dealer == "" {
			return nil, apperr.Errorf(apperr.Forbidden, "the account has no dealer")
		}
		// A filter on an internal field would reveal it by which claims
		// it returns.
		if q.RootCause != "" {
			return nil, &apperr.Error{Code: apperr.Forbidden, Message: "dealers cannot filter by internal fields",
				Fields: []apperr.FieldError{{Field: "rootCause", Message: "staff only"}}}
		}
		if q.CulpritDepartment != "" {
			return nil, &apperr.Error{Code: apperr.Forbidden, Message: "dealers cannot filter by internal fields",
				Fields: []apperr.FieldError{{Field: "culpritDepartment", Message: "staff only"}}}
		}
		if q.Flag != "" {
			return nil, &apperr.Error{Code: apperr.Forbidden, Message: "dealers cannot filter by internal fields",
				Fields: []apperr.FieldError{{Field: "flag", Message: "staff only"}}}
		}
		if q.DealerID != "" && !strings.EqualFold(q.DealerID, dealer) {
			return nil, apperr.Errorf(apperr.Forbidden, "dealers list their own claims")
		}
		q.DealerID = dealer
	}
	dim, value := primary(q)
	var c cursor
	if q.Cursor != "" {
		var err error
		if c, err = s.decodeCursor(q.Cursor); err != nil {
			return nil, err
		}
		if c.Dim != dim || c.Value != value {
			return nil, apperr.InvalidField("cursor", "the cursor belongs to another query")
		}
	} else {
		c = cursor{Dim: dim, Value: value}
		if dim == DimMonth {
			to := s.now()
			if !q.To.IsZero() {
				to = q.To
			}
			c.Month = to.UTC().Format("2006-01")
		}
	}
	aud := visibility.Of(p)
	page := &Page{Claims: []claims.Claim{}}
	for walked := 0; ; walked++ {
		spec := ListSpec{Dim: c.Dim, Value: c.Value, From: q.From, To: q.To, Limit: q.Limit, Start: c.Start}
		if c.Dim == DimMonth {
			spec.Value = c.Month
		}
		res, err := s.store.ListClaims(ctx, spec)
		if err != nil {
			return nil, err
		}
		for _, cl := range res.Claims {
			if matches(&cl, q) && CanSee(p, &cl) {
				page.Claims = append(page.Claims, visibility.Claim(aud, cl))
			}
		}
		if res.Next != "" {
			c.Start = res.Next
			page.Next = s.encodeCursor(c)
			return page, nil
		}
		if c.Dim != DimMonth {
			return page, nil
		}
		prev, ok := previousMonth(c.Month, q.From)
		if !ok {
			return page, nil
		}
		c.Month, c.Start = prev, ""
		if len(page.Claims) >= q.Limit || walked >= monthsPerPage {
			page.Next = s.encodeCursor(c)
			return page, nil
		}
	}
}

// primary picks the most selective filter with its own key or index.
func primary(q Query) (string, string) {
	switch {
	case q.Assignee != "":
		return DimAssignee, q.Assignee
	case q.Serial != "":
		return DimSerial, q.Serial
	case q.Order != "":
		return DimOrder, q.Order
	case q.CustomerID != "":
		return DimCustomer, q.CustomerID
	case q.Flag != "":
		return DimFlag, q.Flag
	case q.DealerID != "":
		return DimDealer, q.DealerID
	case q.RootCause != "":
		return DimRootCause, q.RootCause
	case q.CulpritDepartment != "":
		return DimCulprit, q.CulpritDepartment
	case q.Series != "":
		return DimSeries, q.Series
	case q.TypeID != "":
		return DimType, q.TypeID
	case q.Resolution != "":
		return DimResolution, q.Resolution
	case q.FaultParty != "":
		return DimFaultParty, q.FaultParty
	case q.CategoryID != "":
		return DimCategory, q.CategoryID
	case q.WarrantyCase != nil:
		return DimWarranty, strconv.FormatBool(*q.WarrantyCase)
	case q.Stage != "":
		return DimStage, q.Stage
	}
	return DimMonth, ""
}

// matches applies the filters the chosen index did not.
func matches(c *claims.Claim, q Query) bool {
	eq := func(want, got string) bool { return want == "" || strings.EqualFold(want, got) }
	in := func(t time.Time) bool {
		return (q.From.IsZero() || !t.Before(q.From)) && (q.To.IsZero() || !t.After(q.To))
	}
	return eq(q.Stage, string(c.Stage)) && eq(q.CategoryID, c.CategoryID) && eq(q.TypeID, c.TypeID) &&
		eq(q.DealerID, c.DealerID) && eq(q.CustomerID, c.CustomerID) && eq(q.Serial, c.Product.Serial) &&
		eq(q.Series, c.Product.Series) && eq(q.Order, c.Order.Reference) && eq(q.Assignee, c.Assignee) && in(c.CreatedAt) && decided(c.Decision, q) &&
		(q.Flag == "" || c.Flagged(q.Flag))
}

// decided applies the decision filters: a claim without a decision matches
// none of them.
func decided(d *claims.Decision, q Query) bool {
	if q.WarrantyCase == nil && q.Resolution == "" && q.RootCause == "" && q.FaultParty == "" && q.CulpritDepartment == "" {
		return true
	}
	if d == nil {
		return false
	}
	eq := func(want, got string) bool { return want == "" || strings.EqualFold(want, got) }
	return (q.WarrantyCase == nil || *q.WarrantyCase == d.WarrantyCase) && eq(q.Resolution, string(d.Resolution)) &&
		eq(q.RootCause, d.RootCause) && eq(q.FaultParty, d.FaultParty) && eq(q.CulpritDepartment, d.CulpritDepartment)
}

func previousMonth(month string, from time.Time) (string, bool) {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return "", false
	}
	prev := t.AddDate(0, -1, 0)
	floor := oldestMonth
	if !from.IsZero() {
		floor = from.UTC().Format("2006-01")
	}
	if p := prev.Format("2006-01"); p >= floor {
		return p, true
	}
	return "", false
}

func (s *Service) encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	m := hmac.New(sha256.New, s.cursorKey)
	m.Write(b)
	return base64.RawURLEncoding.EncodeToString(b) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:12])
}

func (s *Service) decodeCursor(token string) (cursor, error) {
	bad := apperr.InvalidField("cursor", "not a cursor from this API")
	body, sig, ok := strings.Cut(token, ".")
	if !ok {
		return cursor{}, bad
	}
	b, err1 := base64.RawURLEncoding.DecodeString(body)
	mac, err2 := base64.RawURLEncoding.DecodeString(sig)
	if err1 != nil || err2 != nil {
		return cursor{}, bad
	}
	m := hmac.New(sha256.New, s.cursorKey)
	m.Write(b)
	if !hmac.Equal(mac, m.Sum(nil)[:12]) {
		return cursor{}, bad
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil {
		return cursor{}, bad
	}
	return c, nil
}

// AttachmentView is an attachment with a temporary download link.
type AttachmentView struct {
	claims.Attachment
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// DocumentView is a generated document with a temporary download link and
// who may see it.
type DocumentView struct {
	claims.Document
	// VisibleTo names who sees the document: "staff", and for the
	// claimant's side's documents "dealer" and "claimant" too.
	VisibleTo []string  `json:"visibleTo"`
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// View is a claim as the API shows it.
type View struct {
	Claim       claims.Claim     `json:"claim"`
	Attachments []AttachmentView `json:"attachments"`
	Documents   []DocumentView   `json:"documents"`
	History     []claims.Event   `json:"history"`
}

// Get returns a claim p may see; apperr.NotFound otherwise (whether or not
// it exists, so IDs cannot be probed).
func (s *Service) Get(ctx context.Context, p *auth.Principal, id string) (*View, error) {
	d, err := s.Visible(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, d)
}

// Visible returns a claim's detail as p may see it (visibility's rule for
// p's audience) without download links; apperr.NotFound as Get.
func (s *Service) Visible(ctx context.Context, p *auth.Principal, id string) (*Detail, error) {
	if err := auth.Require(p, auth.Dealer, auth.Manager, auth.Supervisor, auth.Admin, auth.Integration); err != nil {
		return nil, err
	}
	if !claims.ValidNumber(id) {
		return nil, apperr.Errorf(apperr.NotFound, "claim not found")
	}
	d, err := s.store.ClaimDetail(ctx, id)
	if err != nil {
		return nil, err
	}
	if !CanSee(p, &d.Claim) {
		return nil, apperr.Errorf(apperr.NotFound, "claim not found")
	}
	Redact(visibility.Of(p), d)
	return d, nil
}

// Staff reports whether p sees a claim's internals (staff, and the
// company's own integrations): visibility.Of(p).Internal().
func Staff(p *auth.Principal) bool { return visibility.Of(p).Internal() }

// Redact leaves in a detail what the audience sees of it (package
// visibility): the claim, its history, its files and its messages.
func Redact(a visibility.Audience, d *Detail) {
	if a.Internal() {
		return
	}
	d.Claim = visibility.Claim(a, d.Claim)
	d.History = visibility.History(a, d.History)
	d.Attachments = visibility.Attachments(a, d.Attachments)
	d.Messages = visibility.Messages(a, d.Messages)
	d.Documents = visibility.Documents(a, d.Documents)
}

func (s *Service) view(ctx context.Context, d *Detail) (*View, error) {
	if s.links == nil {
		return nil, errNoLinks
	}
	v := &View{Claim: d.Claim, Attachments: []AttachmentView{}, History: d.History}
	if v.History == nil {
		v.History = []claims.Event{}
	}
	exp := s.now().Add(LinkTTL).UTC()
	for _, a := range d.Attachments {
		url, err := s.links.DownloadURL(ctx, a.Key, a.FileName, a.ContentType, LinkTTL)
		if err != nil {
			return nil, fmt.Errorf("claim %s: %w", d.Claim.ID, err)
		}
		v.Attachments = append(v.Attachments, AttachmentView{Attachment: a, URL: url, ExpiresAt: exp})
	}
	docs, err := s.DocumentViews(ctx, d.Claim.ID, d.Documents)
	if err != nil {
		return nil, err
	}
	v.Documents = docs
	return v, nil
}

// DocumentViews returns documents (as their audience sees them already)
// with download links valid for LinkTTL, newest first (never nil).
func (s *Service) DocumentViews(ctx context.Context, claimID string, ds []claims.Document) ([]DocumentView, error) {
	if s.links == nil {
		return nil, errNoLinks
	}
	out := make([]DocumentView, 0, len(ds))
	exp := s.now().Add(LinkTTL).UTC()
	for i := len(ds) - 1; i >= 0; i-- {
		d := ds[i]
		url, err := s.links.DownloadURL(ctx, d.Key, d.FileName, d.ContentType, LinkTTL)
		if err != nil {
			return nil, fmt.Errorf("claim %s: %w", claimID, err)
		}
		who := []string{"staff"}
		if visibility.SeesDocument(visibility.Claimant, d) {
			who = append(who, "dealer", "claimant")
		}
		out = append(out, DocumentView{Document: d, VisibleTo: who, URL: url, ExpiresAt: exp})
	}
	return out, nil
}

// errNoLinks is the error of a view asked of a registry built without links.
var errNoLinks = errors.New("registry: this function makes no download links")

// Detail returns a claim's full detail without access checks, for callers
// that authorised otherwise (the tracking link).
func (s *Service) Detail(ctx context.Context, id string) (*Detail, error) {
	return s.store.ClaimDetail(ctx, id)
}

// WorkItem is a claim on a worklist with its open tasks.
type WorkItem struct {
	Claim claims.Claim `json:"claim"`
	// Overdue is set when the stage's due time has passed.
	Overdue bool `json:"overdue"`
	// OpenTasks are the claim's tasks not done yet.
	OpenTasks []claims.Task `json:"openTasks"`
}

// Worklist is a page of a manager's open claims.
type Worklist struct {
	Assignee string     `json:"assignee"`
	Items    []WorkItem `json:"items"`
	Next     string     `json:"next,omitempty"`
}

// Worklist returns the open claims assigned to a manager, most urgent
// first by the rule of sla.CompareUrgency (breached and escalated first,
// then due time, then priority), one index query per page. Managers see
// their own; supervisors and admins anyone's.
func (s *Service) Worklist(ctx context.Context, p *auth.Principal, assignee, token string, limit int) (*Worklist, error) {
	if err := auth.Require(p, auth.Manager, auth.Supervisor, auth.Admin); err != nil {
		return nil, err
	}
	if assignee == "" {
		assignee = p.UserID
	}
	if assignee != p.UserID && !p.HasAny(auth.Supervisor, auth.Admin) {
		return nil, apperr.Errorf(apperr.Forbidden, "managers see their own worklist")
	}
	start := ""
	if token != "" {
		c, err := s.decodeCursor(token)
		if err != nil {
			return nil, err
		}
		if c.Dim != "worklist" || c.Value != assignee {
			return nil, apperr.InvalidField("cursor", "not a cursor of this list")
		}
		start = c.Start
	}
	if limit == 0 {
		limit = 50
	}
	page, err := s.store.Worklist(ctx, assignee, limit, start)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := &Worklist{Assignee: assignee, Items: []WorkItem{}}
	for _, c := range page.Claims {
		it := WorkItem{Claim: c, Overdue: !c.DueAt.IsZero() && now.After(c.DueAt), OpenTasks: []claims.Task{}}
		for _, t := range c.Tasks {
			if t.Open() {
				it.OpenTasks = append(it.OpenTasks, t)
			}
		}
		out.Items = append(out.Items, it)
	}
	if page.Next != "" {
		out.Next = s.encodeCursor(cursor{Dim: "worklist", Value: assignee, Start: page.Next})
	}
	return out, nil
}
