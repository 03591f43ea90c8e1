// Package reportmail is report subscriptions: who gets which report by mail,
// over which relative period (yesterday, last week, ...), on which schedule,
// in which files and language. It holds the subscription model, its
// validation (400s naming the field), the schedule's firing times and the
// periods' days, and the service behind the subscription API: who may
// create, read, change, delete a subscription, and the one-click
// unsubscribe of one recipient.
//
// Building and sending the mails is package reportdelivery's; this package
// draws no file, so the unsubscribe page links no spreadsheet library. It
// imports no AWS package.
//
// Layer: domain.
package reportmail

import (
	"context"
	"fmt"
	htmlpkg "html"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/deps"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/lazyre"
	"github.com/claimsdesk/backend/shared/visibility"
)

var dealerIDPattern = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// MaxRecipients bounds a subscription's recipients (SES takes 50 a mail;
// each recipient gets a mail of their own, with their unsubscribe link).
const MaxRecipients = 50

// The formats of the files a mail carries (the HTML summary is always
// there).
const (
	FormatPDF  = "pdf"
	FormatXLSX = "xlsx"
)

// Formats lists the formats.
var Formats = []string{FormatPDF, FormatXLSX}

// Query is the report a subscription mails: the reports API's query
// parameters.
type Query struct {
	// GroupBy is the dimension of every report but dynamics; ThenBy a
	// second one (a pair the aggregates keep).
	GroupBy string `json:"groupBy,omitempty"`
	ThenBy  string `json:"thenBy,omitempty"`
	// Filter limits dynamics to one value: "<dimension>:<value>".
	Filter string `json:"filter,omitempty"`
	// Measures are the columns (the report's defaults when empty).
	Measures []string `json:"measures,omitempty"`
	// Period groups dynamics' days: day, week, month, quarter, year.
	Period string `json:"period,omitempty"`
}

// Subscription is one report mailed on a schedule.
type Subscription struct {
	ID string `json:"id"`
	// Report is the named report (analytics.Reports).
	Report string `json:"report"`
	Query  Query  `json:"query"`
	// DealerID limits the figures to one dealer's claims ("" = every
	// claim; a dealer's subscription always has theirs).
	DealerID string `json:"dealerId,omitempty"`
	// Period is the relative period (Periods).
	Period   string   `json:"period"`
	Schedule Schedule `json:"schedule"`
	// Recipients get a mail each.
	Recipients []string `json:"recipients"`
	// Formats are the attached files (the HTML summary always comes).
	Formats  []string `json:"formats"`
	Language string   `json:"language"`
	// SkipWhenEmpty sends nothing for a period without figures.
	SkipWhenEmpty bool `json:"skipWhenEmpty"`
	// OnlyWhenChanged sends nothing when the figures are those of the
	// last mail.
	OnlyWhenChanged bool `json:"onlyWhenChanged"`
	Active          bool `json:"active"`
	// NextRun is when the schedule fires next (none while inactive).
	NextRun *time.Time `json:"nextRun,omitempty"`
	// Last is the last period mailed or skipped.
	Last *LastRun `json:"lastRun,omitempty"`
	// Unsubscribed are the recipients who left through their link.
	Unsubscribed []string `json:"unsubscribed,omitempty"`
	// CreatedBy is the user who created it; OwnerDealer their dealer when
	// a dealer did (only that dealer's users see it).
	CreatedBy   string    `json:"createdBy"`
	OwnerDealer string    `json:"ownerDealer,omitempty"`
	Version     int       `json:"version"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// LastRun is what a subscription's last run did.
type LastRun struct {
	// Period is the span's key ("2026-12-07_2026-12-13").
	Period string `json:"period"`
	// Status is "sent", "skipped_empty" or "skipped_unchanged".
	Status string    `json:"status"`
	At     time.Time `json:"at"`
	// Digest is the figures' digest of the last mail sent.
	Digest string `json:"digest,omitempty"`
}

// The outcomes of a run.
const (
	StatusSent             = "sent"
	StatusSkippedEmpty     = "skipped_empty"
	StatusSkippedUnchanged = "skipped_unchanged"
	// StatusNoRecipients: everybody left before the mail went out.
	StatusNoRecipients = "no_recipients"
)

// Input is what a client sends to create or replace a subscription.
type Input struct {
	Report          string   `json:"report"`
	Query           Query    `json:"query"`
	DealerID        string   `json:"dealerId,omitempty"`
	Period          string   `json:"period"`
	Schedule        Schedule `json:"schedule"`
	Recipients      []string `json:"recipients"`
	Formats         []string `json:"formats"`
	Language        string   `json:"language"`
	SkipWhenEmpty   bool     `json:"skipWhenEmpty"`
	OnlyWhenChanged bool     `json:"onlyWhenChanged"`
	// Active defaults to true.
	Active *bool `json:"active,omitempty"`
	// Version is the version replaced (PUT; optional: a stale one is a
	// conflict).
	Version int `json:"version,omitempty"`
}

// AnalyticsQuery returns the report query of a subscription for a span.
func (s *Subscription) AnalyticsQuery(span Span) analytics.Query {
	q := analytics.Query{Name: s.Report, From: span.From, To: span.To, Period: s.Query.Period,
		GroupBy: analytics.Dim(s.Query.GroupBy), ThenBy: analytics.Dim(s.Query.ThenBy), Measures: slices.Clone(s.Query.Measures), Scope: analytics.AllScope}
	if s.Query.Filter != "" {
		dim, value, _ := strings.Cut(s.Query.Filter, ":")
		q.FilterDim, q.FilterValue = analytics.Dim(dim), value
	}
	if s.DealerID != "" {
		q.Scope = analytics.DealerScope(s.DealerID)
	}
	return q
}

// validate checks an input as of now and normalises it (addresses trimmed
// and deduplicated, formats sorted, language defaulted): Invalid naming
// every field at fault.
func (in *Input) validate(now time.Time, company *time.Location) error {
	var f []apperr.FieldError
	add := func(field, msg string) { f = append(f, apperr.FieldError{Field: field, Message: msg}) }
	if !slices.Contains(analytics.Reports, in.Report) {
		add("report", fmt.Sprintf("%q is not a report: one of %s", in.Report, strings.Join(analytics.Reports, ", ")))
	} else {
		// The reports API's own check of the query, over any span.
		day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		sub := Subscription{Report: in.Report, Query: in.Query}
		q := sub.AnalyticsQuery(Span{From: day, To: day})
		if err := q.Validate(); err != nil {
			if e, ok := apperr.As(err); ok && len(e.Fields) > 0 {
				for _, fe := range e.Fields {
					add("query."+fe.Field, fe.Message)
				}
			} else if ok {
				add("query", e.Message)
			}
		}
		if in.Query.Filter != "" && !strings.Contains(in.Query.Filter, ":") {
			add("query.filter", "a dimension and a value as <dimension>:<value>, e.g. category:defect")
		}
	}
	if !slices.Contains(Periods, in.Period) {
		add("period", "one of "+strings.Join(Periods, ", "))
	}
	if in.DealerID != "" && !dealerIDPattern.MatchString(in.DealerID) {
		add("dealerId", "a dealer ID: 1-64 letters, digits and _ . -")
	}
	switch n := len(in.Recipients); {
	case n == 0:
		add("recipients", "at least one address")
	case n > MaxRecipients:
		add("recipients", fmt.Sprintf("at most %d addresses, got %d", MaxRecipients, n))
	}
	seen := map[string]bool{}
	var to []string
	for i, r := range in.Recipients {
		a, err := mail.ParseAddress(strings.TrimSpace(r))
		if err != nil || a.Name != "" || !strings.Contains(a.Address[strings.LastIndex(a.Address, "@")+1:], ".") || len(a.Address) > 254 {
			add(fmt.Sprintf("recipients[%d]", i), fmt.Sprintf("%q is not a mail address", r))
			continue
		}
		if k := strings.ToLower(a.Address); !seen[k] {
			seen[k] = true
			to = append(to, a.Address)
		}
	}
	in.Recipients = to
	formats := []string{}
	for i, fm := range in.Formats {
		if !slices.Contains(Formats, fm) {
			add(fmt.Sprintf("formats[%d]", i), "one of "+strings.Join(Formats, ", "))
		} else if !slices.Contains(formats, fm) {
			formats = append(formats, fm)
		}
	}
	slices.Sort(formats)
	in.Formats = formats
	switch in.Language {
	case "":
		in.Language = "ru"
	case "ru", "en":
	default:
		add("language", "ru or en")
	}
	if err := in.Schedule.Validate("schedule", now, company); err != nil {
		if e, ok := apperr.As(err); ok {
			if len(e.Fields) == 0 {
				add("schedule", e.Message)
			}
			f = append(f, e.Fields...)
		}
	}
	return apperr.Validation(f)
}

// Store keeps subscriptions.
type Store interface {
	// PutSubscription writes s: a new one when prevVersion is 0 (Conflict
	// when its ID is taken), else over the stored one of prevVersion
	// (Conflict when it is another, NotFound when there is none).
	PutSubscription(ctx context.Context, s *Subscription, prevVersion int) error
	// GetSubscription returns NotFound for an unknown ID.
	GetSubscription(ctx context.Context, id string) (*Subscription, error)
	// ListSubscriptions returns the subscriptions dealers of ownerDealer
	// created, or every one when ownerDealer is "".
	ListSubscriptions(ctx context.Context, ownerDealer string) ([]Subscription, error)
	// DeleteSubscription deletes one and its run records; NotFound for an
	// unknown ID.
	DeleteSubscription(ctx context.Context, id string) error
}

// Config wires a Service; Store and Keys are required.
type Config struct {
	Store Store
	Keys  *keys.Keys
	// Location is the company's time zone (schedules without their own).
	Location *time.Location
	Now      func() time.Time
}

// Service is the subscriptions' API behind the HTTP edge.
type Service struct {
	cfg Config
}

// New returns a Service; an Internal error names what cfg lacks.
func New(cfg Config) (*Service, error) {
	if err := deps.Check("reportmail", deps.Need("Store", cfg.Store), deps.Need("Keys", cfg.Keys)); err != nil {
		return nil, err
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{cfg: cfg}, nil
}

// Keys returns the keys the service signs with.
func (s *Service) Keys() *keys.Keys { return s.cfg.Keys }

// mayManage checks that p may keep subscriptions at all: supervisors,
// admins and dealers (their users and their systems).
func mayManage(p *auth.Principal) error {
	if err := auth.Require(p, auth.Supervisor, auth.Admin, auth.Dealer, auth.Integration); err != nil {
		return err
	}
	switch {
	case p.HasAny(auth.Supervisor, auth.Admin):
		return nil
	case visibility.Of(p) == visibility.Dealer && visibility.DealerScope(p) != "":
		return nil
	}
	return apperr.Errorf(apperr.Forbidden, "report subscriptions are for supervisors, admins and dealers")
}

// scope applies who p is to an input: a dealer's figures are their own,
// without the claims department's dimensions and the managers' report.
func scope(p *auth.Principal, in *Input) error {
	if p.HasAny(auth.Supervisor, auth.Admin) {
		return nil
	}
	own := visibility.DealerScope(p)
	if in.DealerID != "" && in.DealerID != own {
		return apperr.Errorf(apperr.Forbidden, "a dealer subscribes to their own figures only")
	}
	in.DealerID = own
	if in.Report == analytics.ReportManagers {
		return apperr.Errorf(apperr.Forbidden, "the managers' report is the claims department's")
	}
	dim, _, _ := strings.Cut(in.Query.Filter, ":")
	for _, d := range []string{in.Query.GroupBy, in.Query.ThenBy, dim} {
		if analytics.Dim(d).Internal() {
			return apperr.Errorf(apperr.Forbidden, "the %s dimension is the claims department's", d)
		}
	}
	return nil
}

// visible reports whether p may see sub: staff every one, a dealer those
// their dealer's users created.
func visible(p *auth.Principal, sub *Subscription) bool {
	if p.HasAny(auth.Supervisor, auth.Admin) {
		return true
	}
	own := visibility.DealerScope(p)
	return own != "" && sub.OwnerDealer == own
}

// NextRun computes when an active subscription fires next after now (nil
// when inactive or without recipients).
func (s *Service) NextRun(sub *Subscription, now time.Time) *time.Time {
	if !sub.Active || len(sub.Recipients) == 0 {
		return nil
	}
	if t, ok := sub.Schedule.Next(now, s.cfg.Location); ok {
		return &t
	}
	return nil
}

// Create stores a new subscription of p's: Invalid naming the field,
// Forbidden for what p may not subscribe to.
func (s *Service) Create(ctx context.Context, p *auth.Principal, in Input) (*Subscription, error) {
	if err := mayManage(p); err != nil {
		return nil, err
	}
	now := s.cfg.Now().UTC()
	if err := in.validate(now, s.cfg.Location); err != nil {
		return nil, err
	}
	if err := scope(p, &in); err != nil {
		return nil, err
	}
	sub := &Subscription{ID: "rs-" + events.NewID(now), CreatedBy: p.UserID, CreatedAt: now, Version: 1}
	if !p.HasAny(auth.Supervisor, auth.Admin) {
		sub.OwnerDealer = visibility.DealerScope(p)
	}
	s.apply(sub, in, now)
	if err := s.cfg.Store.PutSubscription(ctx, sub, 0); err != nil {
		return nil, fmt.Errorf("create subscription: %w", err)
	}
	return sub, nil
}

func (s *Service) apply(sub *Subscription, in Input, now time.Time) {
	sub.Report, sub.Query, sub.DealerID, sub.Period, sub.Schedule = in.Report, in.Query, in.DealerID, in.Period, in.Schedule
	sub.Recipients, sub.Formats, sub.Language = in.Recipients, in.Formats, in.Language
	sub.SkipWhenEmpty, sub.OnlyWhenChanged = in.SkipWhenEmpty, in.OnlyWhenChanged
	sub.Active = in.Active == nil || *in.Active
	sub.UpdatedAt = now
	// A recipient named again is subscribed again.
	sub.Unsubscribed = slices.DeleteFunc(sub.Unsubscribed, func(u string) bool {
		return slices.ContainsFunc(sub.Recipients, func(r string) bool { return strings.EqualFold(r, u) })
	})
	sub.NextRun = s.NextRun(sub, now)
}

// Get returns a subscription p may see; NotFound otherwise.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id string) (*Subscription, error) {
	if err := mayManage(p); err != nil {
		return nil, err
	}
	sub, err := s.cfg.Store.GetSubscription(ctx, id)
	if err != nil {
		return nil, err
	}
	if !visible(p, sub) {
		return nil, apperr.Errorf(apperr.NotFound, "subscription %s not found", id)
	}
	return sub, nil
}

// List returns the subscriptions p may see.
func (s *Service) List(ctx context.Context, p *auth.Principal) ([]Subscription, error) {
	if err := mayManage(p); err != nil {
		return nil, err
	}
	owner := ""
	if !p.HasAny(auth.Supervisor, auth.Admin) {
		owner = visibility.DealerScope(p)
	}
	return s.cfg.Store.ListSubscriptions(ctx, owner)
}

// Update replaces a subscription p may see: as Create, plus NotFound and
// Conflict (in.Version given and not the stored one).
func (s *Service) Update(ctx context.Context, p *auth.Principal, id string, in Input) (*Subscription, error) {
	sub, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if in.Version != 0 && in.Version != sub.Version {
		return nil, apperr.Errorf(apperr.Conflict, "subscription %s is at version %d, not %d", id, sub.Version, in.Version)
	}
	now := s.cfg.Now().UTC()
	if err := in.validate(now, s.cfg.Location); err != nil {
		return nil, err
	}
	if err := scope(p, &in); err != nil {
		return nil, err
	}
	prev := sub.Version
	s.apply(sub, in, now)
	sub.Version++
	if err := s.cfg.Store.PutSubscription(ctx, sub, prev); err != nil {
		return nil, fmt.Errorf("update subscription %s: %w", id, err)
	}
	return sub, nil
}

// Delete deletes a subscription p may see; NotFound otherwise.
func (s *Service) Delete(ctx context.Context, p *auth.Principal, id string) error {
	if _, err := s.Get(ctx, p, id); err != nil {
		return err
	}
	return s.cfg.Store.DeleteSubscription(ctx, id)
}

// Unsubscribed is what an unsubscribe did.
type Unsubscribed struct {
	SubscriptionID string
	Email          string
	// Already: the address had left before.
	Already bool
}

// Unsubscribe takes the recipient a signed unsubscribe token names off its
// subscription (the last one leaving deactivates it); a token used again
// finds the address gone and is no error. NotFound for a token that names
// no subscription or none of its recipients.
// UnsubscribeTarget returns whom an unsubscribe link would take off which
// subscription (Already: off it already), changing nothing: the page a
// link opens asks before it acts, so that a mail scanner following links
// unsubscribes nobody. NotFound for a link that is not valid.
func (s *Service) UnsubscribeTarget(ctx context.Context, token string) (*Unsubscribed, error) {
	id := keys.UnsubscribeSubscription(token)
	invalid := apperr.Errorf(apperr.NotFound, "this unsubscribe link is not valid")
	if id == "" {
		return nil, invalid
	}
	sub, err := s.cfg.Store.GetSubscription(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	if email, ok := s.cfg.Keys.UnsubscribeRecipient(token, sub.Unsubscribed); ok {
		return &Unsubscribed{SubscriptionID: id, Email: email, Already: true}, nil
	}
	if email, ok := s.cfg.Keys.UnsubscribeRecipient(token, sub.Recipients); ok {
		return &Unsubscribed{SubscriptionID: id, Email: email}, nil
	}
	return nil, invalid
}

func (s *Service) Unsubscribe(ctx context.Context, token string) (*Unsubscribed, error) {
	id := keys.UnsubscribeSubscription(token)
	invalid := apperr.Errorf(apperr.NotFound, "this unsubscribe link is not valid")
	if id == "" {
		return nil, invalid
	}
	for range 3 {
		sub, err := s.cfg.Store.GetSubscription(ctx, id)
		if apperr.Is(err, apperr.NotFound) {
			return nil, invalid
		}
		if err != nil {
			return nil, err
		}
		if email, ok := s.cfg.Keys.UnsubscribeRecipient(token, sub.Unsubscribed); ok {
			return &Unsubscribed{SubscriptionID: id, Email: email, Already: true}, nil
		}
		email, ok := s.cfg.Keys.UnsubscribeRecipient(token, sub.Recipients)
		if !ok {
			return nil, invalid
		}
		now := s.cfg.Now().UTC()
		prev := sub.Version
		sub.Recipients = slices.DeleteFunc(sub.Recipients, func(r string) bool { return r == email })
		sub.Unsubscribed = append(sub.Unsubscribed, email)
		if len(sub.Recipients) == 0 {
			sub.Active = false
		}
		sub.NextRun = s.NextRun(sub, now)
		sub.UpdatedAt = now
		sub.Version++
		err = s.cfg.Store.PutSubscription(ctx, sub, prev)
		if apperr.Is(err, apperr.Conflict) {
			continue // changed meanwhile: read it again
		}
		if err != nil {
			return nil, fmt.Errorf("unsubscribe from %s: %w", id, err)
		}
		return &Unsubscribed{SubscriptionID: id, Email: email}, nil
	}
	return nil, apperr.Errorf(apperr.Conflict, "subscription %s keeps changing; try again", id)
}

// UnsubscribeURL is a recipient's one-click unsubscribe link on the public
// site base.
func UnsubscribeURL(base string, k *keys.Keys, subscriptionID, email string) string {
	return strings.TrimRight(base, "/") + "/unsubscribe/" + k.UnsubscribeToken(subscriptionID, email)
}

// Personalize puts a recipient's unsubscribe link where
// events.UnsubscribePlaceholder stands in a report mail's body
// (HTML-escaped when html).
func Personalize(body, link string, html bool) string {
	if html {
		link = htmlpkg.EscapeString(link)
	}
	return strings.ReplaceAll(body, events.UnsubscribePlaceholder, link)
}
