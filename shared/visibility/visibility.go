// Package visibility is the one rule of what each audience sees of a claim:
// the claim itself, its history, its files, its messages, its orders and the
// events its changes publish. Every path that shows claim data outside the
// claims department goes through it: the registry's list and detail views,
// the history, the conversation, the order views, the answers to a dealer's
// own changes, the tracking page, the claimant's mails and the webhooks to a
// dealer's own system.
//
// The audiences:
//
//	Staff        managers, supervisors and admins: everything.
//	Integration  the company's own systems (ERP, CRM) signed in with an
//	             integrations account that carries no dealer: they work inside
//	             the company and see what staff see.
//	Dealer       a dealer's users, and a dealer's own system (an integrations
//	             account that carries a dealer, a webhook target with a
//	             dealer): the dealer's claims without the internals.
//	Claimant     the customer (the tracking page, the mails): what the dealer
//	             sees.
//
// Internal, never shown to a dealer or a claimant: the decision's culprit
// department and employee, root cause, who decided and whether it calls for
// an incident analysis; tasks and the investigation plan; the SLA's policy,
// warnings, breaches, escalation level and check times and the stage's due
// time (only the statutory deadline is the customer's); the history's hash
// chain, its internal entries (reassignments, edits, tasks, SLA checks) and
// the reasons and notes of the others (except what the claimant is asked or
// told: why the claim waits for them, why it was rejected); who in the claims
// department did something (shown as StaffActor); an order's notes, the
// customer's personal (sales) manager and who created it; the QR code a
// claim was filed from; the claim's flags (suspected duplicates, filed after
// the warranty), their reasons and the claims they link to, and their
// history entries. The assignee's user ID and a message's author name
// stay: they tell the claimant's side who handles the claim. Staff cannot
// post internal chat messages: every message is the claimant's to read. The
// in-app notes (package notify) go to staff inboxes only.
//
// The functions take values and return redacted copies; they never change
// what they are given. The package imports only domain packages (auth,
// claims, orders, outbox, workflow): no AWS, no storage, no HTTP.
//
// Layer: domain.
package visibility

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/orders"
	"github.com/claimsdesk/backend/shared/workflow"
)

// Audience is who is shown claim data.
type Audience string

// The audiences; see the package comment.
const (
	Staff       Audience = "staff"
	Integration Audience = "integration"
	Dealer      Audience = "dealer"
	Claimant    Audience = "claimant"
)

// StaffActor stands for a member of the claims department (or the company's
// systems) wherever the claimant's side sees who did something.
const StaffActor = "staff"

// Of returns the audience of a signed-in principal: staff for managers,
// supervisors and admins; Integration for an integrations account without a
// dealer; Dealer for a dealer's user or an integrations account that carries
// a dealer. A principal without a known role, or nil, is a Claimant (the
// least it can be shown).
func Of(p *auth.Principal) Audience {
	switch {
	case p == nil:
		return Claimant
	case p.HasAny(auth.Manager, auth.Supervisor, auth.Admin):
		return Staff
	case p.Has(auth.Dealer):
		return Dealer
	case p.Has(auth.Integration) && p.DealerID != "":
		return Dealer
	case p.Has(auth.Integration):
		return Integration
	}
	return Claimant
}

// Internal reports whether the audience sees the claims department's
// internals.
func (a Audience) Internal() bool { return a == Staff || a == Integration }

// SeesQualityAlerts reports whether an audience is shown the defect surge
// alert of a claim's series (the company's own finding about its
// production): the claims department and the company's systems, never a
// dealer or the claimant.
func SeesQualityAlerts(a Audience) bool { return a.Internal() }

// DealerScope returns the dealer a principal's view is limited to: a
// dealer's user, or an integrations account that carries a dealer (a
// dealer's own system). "" for everyone else.
func DealerScope(p *auth.Principal) string {
	if p == nil || p.HasAny(auth.Manager, auth.Supervisor, auth.Admin) {
		return ""
	}
	if p.HasAny(auth.Dealer, auth.Integration) {
		return p.DealerID
	}
	return ""
}

// Actor is how the audience sees the actor of a change: staff and the
// company's systems as StaffActor on the claimant's side; the claimant, the
// public, the system and a dealer's users as they are.
func Actor(a Audience, id string) string {
	if a.Internal() {
		return id
	}
	role, _, ok := strings.Cut(id, ":")
	if !ok || role == "dealers" {
		return id
	}
	return StaffActor
}

// Claim returns what the audience sees of a claim.
func Claim(a Audience, c claims.Claim) claims.Claim {
	if a.Internal() {
		return c
	}
	c.Tasks = nil
	c.Decision = Decision(a, c.Decision)
	c.DueAt = time.Time{}
	c.SLA = slaFor(c.SLA)
	c.HistoryHash = ""
	c.QRCode = ""
	c.Flags = nil
	c.CreatedBy = Actor(a, c.CreatedBy)
	// Slices the caller may still hold are copied, not shared.
	c.MissingZones = append([]string(nil), c.MissingZones...)
	c.Orders = append([]string(nil), c.Orders...)
	return c
}

// Claims returns what the audience sees of each claim.
func Claims(a Audience, cs []claims.Claim) []claims.Claim {
	out := make([]claims.Claim, len(cs))
	for i, c := range cs {
		out[i] = Claim(a, c)
	}
	return out
}

// Decision returns what the audience sees of a decision (nil for none): the
// claimant's side sees whether it is a warranty case, who is at fault (the
// company, the customer, the carrier, the supplier), the resolution, its
// cost and the instructions, when and at which revision; not the culprit,
// the root cause, who decided nor the incident analysis.
func Decision(a Audience, d *claims.Decision) *claims.Decision {
	if d == nil {
		return nil
	}
	if a.Internal() {
		c := *d
		return &c
	}
	return &claims.Decision{
		WarrantyCase: d.WarrantyCase, FaultParty: d.FaultParty, Resolution: d.Resolution, Cost: d.Cost,
		Instructions: d.Instructions, DecidedAt: d.DecidedAt, Revision: d.Revision,
	}
}

// slaFor keeps of an SLA state the statutory deadline (the customer's right
// under consumer law) and when the claim was resolved; nil when neither.
func slaFor(s *claims.SLA) *claims.SLA {
	if s == nil || (s.StatutoryDue.IsZero() && s.ResolvedAt.IsZero()) {
		return nil
	}
	return &claims.SLA{StatutoryDue: s.StatutoryDue, ResolvedAt: s.ResolvedAt}
}

// claimantEntries are the history entries the claimant's side sees, each
// with the values of it they see (nil: the entry without values).
var claimantEntries = map[string][]string{
	claims.EventCreated:         {"stage", "channel", "categoryId", "typeId", "attachments"},
	claims.EventAttachmentAdded: {"zone", "fileName"},
	"stage.changed":             {"stage"},
	"decision.recorded":         {"resolution", "warrantyCase", "instructions"},
	"decision.revised":          {"resolution", "warrantyCase", "instructions"},
	"message.posted":            {"authorRole", "attachments"},
	"order.created":             {"number", "kind"},
	claims.EventRated:           {"score", "comment", "ratedBy"},
	claims.EventCommented:       {"comment"},
	// Only the entries of documents the claimant's side sees (Entry).
	claims.EventDocumentGenerated: {"document", "kind", "title", "version"},
}

// Entry returns what the audience sees of a history entry, and false when
// it does not see the entry at all. The claimant's side sees the entries of
// claimantEntries, with only their claimant-facing values, the actor as
// Actor shows it, no note and no hash chain (the hashes cover the internal
// values).
func Entry(a Audience, e claims.Event) (claims.Event, bool) {
	if a.Internal() {
		return e, true
	}
	keep, ok := claimantEntries[e.Type]
	if !ok {
		return claims.Event{}, false
	}
	if e.Type == claims.EventDocumentGenerated {
		audience, _ := e.After["audience"].(string)
		if !SeesDocument(a, claims.Document{Audience: audience}) {
			return claims.Event{}, false
		}
	}
	out := claims.Event{Seq: e.Seq, Type: e.Type, Actor: Actor(a, e.Actor), At: e.At,
		Before: pick(e.Before, keep), After: pick(e.After, keep)}
	if e.Type == "stage.changed" {
		to, _ := e.After["stage"].(string)
		reason, _ := e.After["reason"].(string)
		if r := StageReason(a, to, reason); r != "" {
			if out.After == nil {
				out.After = map[string]any{}
			}
			out.After["reason"] = r
		}
	}
	return out, true
}

// History returns what the audience sees of a history, in order (never nil).
func History(a Audience, events []claims.Event) []claims.Event {
	out := make([]claims.Event, 0, len(events))
	for _, e := range events {
		if v, ok := Entry(a, e); ok {
			out = append(out, v)
		}
	}
	return out
}

// StageReason returns the reason of a move to stage to as the audience sees
// it: the claimant is told why their claim waits for them (what is asked)
// and why it was rejected; the reasons of other moves (a send-back for
// rework, a withdrawal by a supervisor) stay inside.
func StageReason(a Audience, to, reason string) string {
	if a.Internal() {
		return reason
	}
	switch claims.Stage(to) {
	case workflow.WaitingForCustomer, workflow.Rejected:
		return reason
	}
	return ""
}

func pick(m map[string]any, keys []string) map[string]any {
	var out map[string]any
	for _, k := range keys {
		if v, ok := m[k]; ok {
			if out == nil {
				out = map[string]any{}
			}
			out[k] = v
		}
	}
	return out
}

// Attachment returns what the audience sees of a file: who uploaded it as
// Actor shows it.
func Attachment(a Audience, f claims.Attachment) claims.Attachment {
	f.UploadedBy = Actor(a, f.UploadedBy)
	return f
}

// Attachments returns what the audience sees of each file (never nil).
func Attachments(a Audience, fs []claims.Attachment) []claims.Attachment {
	out := make([]claims.Attachment, len(fs))
	for i, f := range fs {
		out[i] = Attachment(a, f)
	}
	return out
}

// SeesDocument reports whether the audience sees a generated document:
// staff and the company's systems see every one; the claim's dealer and
// the claimant see those meant for the claimant's side (claims.ForClaimant),
// never the claims department's own copies.
func SeesDocument(a Audience, d claims.Document) bool {
	return a.Internal() || d.Audience == claims.ForClaimant
}

// Documents returns the documents the audience sees, in order (never nil),
// with who made them as Actor shows it and without the request they were
// filled from where it was the claims department's.
func Documents(a Audience, ds []claims.Document) []claims.Document {
	out := make([]claims.Document, 0, len(ds))
	for _, d := range ds {
		if SeesDocument(a, d) {
			d.CreatedBy = Actor(a, d.CreatedBy)
			out = append(out, d)
		}
	}
	return out
}

// Message returns what the audience sees of a chat message: all of it (no
// message is internal), with its author and its files' uploader as Actor
// shows them. The author's name, as they signed, stays.
func Message(a Audience, m claims.Message) claims.Message {
	m.Author = Actor(a, m.Author)
	if m.Attachments != nil {
		m.Attachments = Attachments(a, m.Attachments)
	}
	return m
}

// Messages returns what the audience sees of each message.
func Messages(a Audience, ms []claims.Message) []claims.Message {
	if ms == nil {
		return nil
	}
	out := make([]claims.Message, len(ms))
	for i, m := range ms {
		out[i] = Message(a, m)
	}
	return out
}

// Order returns what the audience sees of an order: the claimant's side
// does not see the customer's personal (sales) manager, the claims
// department's note on an order created from a claim, nor who created it
// (shown as Actor shows it).
func Order(a Audience, o orders.Order) orders.Order {
	if a.Internal() {
		return o
	}
	o.SalesManager = ""
	o.Note = ""
	o.CreatedBy = Actor(a, o.CreatedBy)
	o.Items = append([]orders.Item(nil), o.Items...)
	return o
}

// eventFields are the data fields of each event type a dealer's own system
// receives (webhook.DealerEventTypes); anything else, including fields added
// to an event later, stays inside until it is listed here.
var eventFields = map[string][]string{
	events.ClaimReceived:    {"number", "channel", "claimantName", "email", "language", "dealerId", "categoryId", "typeId", "productModel", "assignee"},
	events.StageChanged:     {"from", "to", "number", "email", "language", "assignee", "instructions", "claimantName", "resolution", "warrantyCase"},
	events.DecisionRecorded: {"number", "warrantyCase", "resolution", "revision"},
	events.OrderCreated:     {"number", "kind", "claim", "sourceOrder", "warrantyCase", "customer", "dealerId", "items", "currency"},
	events.MessagePosted:    {"number", "messageId", "authorRole", "authorName", "length", "attachments", "stage", "assignee", "dealerId", "language"},
	// The rating is the claimant's side's own: all of it but the flag
	// that calls the supervisors.
	events.Rated: {"number", "score", "comment", "commented", "ratedBy", "dealerId", "assignee"},
}

// Event returns what the audience sees of an outbox event (a webhook
// payload), and false when it does not see the event at all: a dealer's
// system receives the claim-facing event types with only their
// claim-facing data (a stage change's reason as StageReason shows it) and
// the actor as Actor shows it. It returns an error for data that is not a
// JSON object.
func Event(a Audience, e events.Event) (events.Event, bool, error) {
	if a.Internal() {
		return e, true, nil
	}
	keep, ok := eventFields[e.Type]
	if !ok {
		return events.Event{}, false, nil
	}
	out := e
	out.Actor = Actor(a, e.Actor)
	if len(e.Data) == 0 {
		return out, true, nil
	}
	var data map[string]any
	if err := json.Unmarshal(e.Data, &data); err != nil {
		return events.Event{}, false, fmt.Errorf("%s event %s: data is not an object: %w", e.Type, e.ID, err)
	}
	shown := pick(data, keep)
	if shown == nil {
		shown = map[string]any{}
	}
	if e.Type == events.StageChanged {
		to, _ := data["to"].(string)
		reason, _ := data["reason"].(string)
		if r := StageReason(a, to, reason); r != "" {
			shown["reason"] = r
		}
	}
	b, err := json.Marshal(shown)
	if err != nil {
		return events.Event{}, false, fmt.Errorf("%s event %s: %w", e.Type, e.ID, err)
	}
	out.Data = b
	return out, true, nil
}

// SeesArticle reports whether audience a may read a knowledge base article
// of status and audience ("staff" or "public"): the claims department and
// the company's systems every article, drafts included; dealers and
// claimants only the published public ones.
func SeesArticle(a Audience, status, audience string) bool {
	return a.Internal() || status == "published" && audience == "public"
}
