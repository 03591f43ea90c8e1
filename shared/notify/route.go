package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/visibility"
	"github.com/claimsdesk/backend/shared/webhook"
	"github.com/claimsdesk/backend/shared/workflow"
)

// The keys of the deliveries an event can cause.
const (
	KeyClaimantMail    = "mail:claimant"
	KeySupervisorsMail = "mail:supervisors"
	KeySupervisorsNote = "note:" + SupervisorsInbox
)

// KeyManagerMail is the key of the mail to a manager.
func KeyManagerMail(id string) string { return "mail:manager:" + id }

// KeyNote is the key of the note to an inbox.
func KeyNote(recipient string) string { return "note:" + recipient }

// KeyDocument is the key of the making of a document of kind.
func KeyDocument(kind claims.DocumentKind) string { return "document:" + string(kind) }

// KeyWebhook is the key of the delivery to a webhook target.
func KeyWebhook(targetID string) string { return "webhook:" + targetID }

// claimantStages are the stages whose entry the claimant is told about.
var claimantStages = map[string]string{
	string(workflow.WaitingForCustomer): kindWaiting,
	string(workflow.Implementation):     kindImplementation,
	string(workflow.Closed):             kindClosed,
	string(workflow.Rejected):           kindRejected,
	string(workflow.Withdrawn):          kindWithdrawn,
}

// Plan returns the deliveries event e causes, each once:
//
//	claim.received        claimant mail (with the tracking link); the assignee's mail and note,
//	                      or, when nobody took the claim, the supervisors' mail and note
//	claim.stage_changed   claimant mail on entering waiting_for_customer, implementation,
//	                      closed, rejected, withdrawn; for a claim with a dealer, a note in the
//	                      dealer's inbox at the same stages (on closing, asking them to rate it)
//	claim.assigned        the new assignee's mail and note
//	claim.message_posted  from the claims department: claimant mail and the dealer's note; from
//	                      the claimant or dealer: the assignee's mail and note (the supervisors'
//	                      without one)
//	claim.sla_warning     the assignee's mail and note (the supervisors' without one)
//	claim.escalated       the supervisors' mail and note
//	claim.rated           a low score (1-2), or the comment that follows one: the supervisors'
//	                      mail and note
//	quality.surge_detected  the quality engineers' mail (the supervisors' address when none is
//	                      configured) and the supervisors' note
//	report.mail_due       a mail to each recipient of the report subscription, with their own
//	                      unsubscribe link; no note, no webhook
//	every other type      a webhook to each active target subscribed to it
//	documents             each document the event calls for (Documents.Kinds): the claim's
//	                      PDF on claim.received and claim.updated, the decision letter on
//	                      entering implementation or rejected, which the claimant's mail of
//	                      that event carries
//
// Claimant mail needs the claimant's email; supervisors' mail the configured
// address; a manager's mail their email on the roster. It returns an Invalid
// error for event data that cannot be read, and other errors when the
// roster, the targets or the claim could not be read.
func (n *Notifier) Plan(ctx context.Context, e events.Event) ([]Delivery, error) {
	var p plan
	var err error
	switch e.Type {
	case events.ClaimReceived:
		err = n.planReceived(ctx, e, &p)
	case events.StageChanged:
		err = n.planStageChanged(ctx, e, &p)
	case events.Assigned:
		var d events.Assignment
		if err = decode(e, &d); err == nil {
			data := mailData{Number: number(d.Number, e), Reason: d.Reason}
			if prev, perr := n.manager(ctx, d.Previous); perr == nil && prev != nil {
				data.Previous = prev.Name
			} else if d.Previous != "" {
				data.Previous = d.Previous
			}
			err = n.toManager(ctx, e, d.Assignee, kindReassigned, data, &p)
		}
	case events.MessagePosted:
		err = n.planMessage(ctx, e, &p)
	case events.Rated:
		err = n.planRated(ctx, e, &p)
	case events.SurgeDetected:
		err = n.planSurge(ctx, e, &p)
	case events.SLAWarning:
		var d events.SLA
		if err = decode(e, &d); err == nil {
			data := n.slaData(d, e)
			if d.Assignee != "" {
				err = n.toManager(ctx, e, d.Assignee, kindSLAWarning, data, &p)
			} else {
				err = n.toSupervisors(e, kindSLAWarning, data, &p)
			}
		}
	case events.ReportMailDue:
		err = n.planReportMail(e, &p)
	case events.Escalated:
		var esc events.Escalation
		if err = decode(e, &esc); err == nil {
			d := events.SLA(esc)
			data := n.slaData(d, e)
			if m, merr := n.manager(ctx, d.Assignee); merr == nil && m != nil {
				data.Manager = m.Name
			} else if d.Assignee != "" {
				data.Manager = d.Assignee
			}
			err = n.toSupervisors(e, kindEscalated, data, &p)
		}
	}
	if err != nil {
		return nil, err
	}
	if err := n.planDocuments(e, &p); err != nil {
		return nil, err
	}
	if err := n.planWebhooks(ctx, e, &p); err != nil {
		return nil, err
	}
	for _, d := range p.list {
		if d.Mail != nil {
			d.Mail.DeliveryID = e.ID + "/" + d.Key
		}
	}
	return p.list, nil
}

// planDocuments adds the documents the event calls for; the claimant's mail
// of the event carries those meant for the claimant (the decision letter).
func (n *Notifier) planDocuments(e events.Event, p *plan) error {
	if n.cfg.Documents == nil {
		return nil
	}
	kinds, err := n.cfg.Documents.Kinds(e)
	if err != nil {
		return err
	}
	for _, k := range kinds {
		p.add(Delivery{Key: KeyDocument(k), Document: &DocumentJob{Kind: k}})
		if k != claims.DocDecisionLetter {
			continue
		}
		for _, d := range p.list {
			if d.Key == KeyClaimantMail && d.Mail != nil {
				d.Mail.Documents = append(d.Mail.Documents, k)
			}
		}
	}
	return nil
}

// plan collects deliveries, each key once.
type plan struct {
	list []Delivery
	seen map[string]bool
}

func (p *plan) add(d Delivery) {
	if p.seen == nil {
		p.seen = map[string]bool{}
	}
	if p.seen[d.Key] {
		return
	}
	p.seen[d.Key] = true
	p.list = append(p.list, d)
}

// decode reads an event's payload; an event that cannot be read is
// Invalid (it can never be delivered).
func decode(e events.Event, p events.Payload) error {
	if len(e.Data) == 0 {
		return apperr.InvalidField("data", "a "+e.Type+" event needs data")
	}
	if err := e.Decode(p); err != nil {
		return apperr.InvalidField("data", err.Error())
	}
	return nil
}

// number is the claim number of the event's data, else its claim ID.
func number(n string, e events.Event) string {
	if n != "" {
		return n
	}
	return e.ClaimID
}

// trackingLink is the claimant's link to the claim on base ("" without one).
func (n *Notifier) trackingLink(base, claimID string) string {
	if base == "" {
		base = n.cfg.PublicBaseURL
	}
	if base == "" || n.cfg.Keys == nil {
		return ""
	}
	return strings.TrimRight(base, "/") + "/t/" + n.cfg.Keys.TrackingToken(claimID)
}

func (n *Notifier) planReceived(ctx context.Context, e events.Event, p *plan) error {
	var d events.Received
	if err := decode(e, &d); err != nil {
		return err
	}
	num := number(d.Number, e)
	if d.Email != "" {
		data := mailData{Name: d.ClaimantName, Number: num, Model: d.ProductModel, Link: n.trackingLink(d.BaseURL, e.ClaimID)}
		if err := n.toClaimant(kindReceived, d.Language, d.Email, data, p); err != nil {
			return err
		}
	}
	staff := mailData{Number: num, Model: d.ProductModel, Claimant: d.ClaimantName}
	if d.Assignee != "" {
		return n.toManager(ctx, e, d.Assignee, kindAssignedNew, staff, p)
	}
	return n.toSupervisors(e, kindUnassigned, staff, p)
}

func (n *Notifier) planStageChanged(ctx context.Context, e events.Event, p *plan) error {
	var d events.StageChange
	if err := decode(e, &d); err != nil {
		return err
	}
	kind, told := claimantStages[d.To]
	if !told {
		return nil
	}
	if d.Email != "" {
		data := mailData{
			Name: d.ClaimantName, Number: number(d.Number, e), Link: n.trackingLink("", e.ClaimID),
			stage: d.To, resolution: d.Resolution, Reason: visibility.StageReason(visibility.Claimant, d.To, d.Reason),
			Instructions: d.Instructions, Warranty: d.WarrantyCase,
		}
		if kind == kindClosed {
			data.Rate = rateLinks(data.Link, d.Language)
		}
		if err := n.toClaimant(kind, d.Language, d.Email, data, p); err != nil {
			return err
		}
	}
	// The claim's dealer hears of what the claimant hears of, in the
	// dealer's inbox; on closing, they are asked to rate it.
	dealer, err := n.dealerOf(ctx, e)
	if err != nil || dealer == "" {
		return err
	}
	note := kindDealerStage
	if d.To == string(workflow.Closed) {
		note = kindRateRequest
	}
	data := mailData{Number: number(d.Number, e), stage: d.To, Reason: visibility.StageReason(visibility.Dealer, d.To, d.Reason)}
	return n.note(e, DealerInbox(dealer), note, data, p)
}

// planRated calls the supervisors to a low rating (and to the comment that
// follows one).
func (n *Notifier) planRated(ctx context.Context, e events.Event, p *plan) error {
	var d events.Rating
	if err := decode(e, &d); err != nil {
		return err
	}
	if !d.Low {
		return nil
	}
	data := mailData{Number: number(d.Number, e), Score: d.Score, Comment: d.Comment, authorRole: "claimant"}
	if strings.HasPrefix(d.RatedBy, "dealers:") {
		data.authorRole = "dealer"
	}
	if m, err := n.manager(ctx, d.Assignee); err == nil && m != nil {
		data.Manager = m.Name
	} else if d.Assignee != "" {
		data.Manager = d.Assignee
	}
	return n.toSupervisors(e, kindLowRating, data, p)
}

func (n *Notifier) planMessage(ctx context.Context, e events.Event, p *plan) error {
	var d events.Message
	if err := decode(e, &d); err != nil {
		return err
	}
	num := number(d.Number, e)
	switch d.AuthorRole {
	case events.AuthorManager, events.AuthorSupervisor:
		if d.Email != "" {
			data := mailData{Number: num, Link: n.trackingLink("", e.ClaimID)}
			if err := n.toClaimant(kindNewMessage, d.Language, d.Email, data, p); err != nil {
				return err
			}
		}
		if d.DealerID == "" {
			return nil
		}
		return n.note(e, DealerInbox(d.DealerID), kindDealerMessage, mailData{Number: num}, p)
	case events.AuthorClaimant, events.AuthorDealer:
		data := mailData{Number: num, authorRole: d.AuthorRole, AuthorName: d.AuthorName}
		if d.Assignee != "" {
			return n.toManager(ctx, e, d.Assignee, kindMessageIn, data, p)
		}
		return n.toSupervisors(e, kindMessageIn, data, p)
	}
	return nil
}

func (n *Notifier) slaData(d events.SLA, e events.Event) mailData {
	return mailData{Number: number(d.Number, e), sla: true, clock: d.Clock, due: d.Due, loc: n.cfg.Location, Level: d.Level, stage: d.Stage}
}

// toClaimant adds the claimant's mail.
func (n *Notifier) toClaimant(kind, lang, email string, data mailData, p *plan) error {
	m, err := renderMail(kind, lang, data, email)
	if err != nil {
		return err
	}
	p.add(Delivery{Key: KeyClaimantMail, Mail: &m})
	return nil
}

// toManager adds the manager's mail (when the roster has their email) and
// note.
func (n *Notifier) toManager(ctx context.Context, e events.Event, id, kind string, data mailData, p *plan) error {
	if id == "" {
		return nil
	}
	m, err := n.manager(ctx, id)
	if err != nil {
		return err
	}
	if m != nil && m.Email != "" {
		data.Name = m.Name
		mail, err := renderMail(kind, n.cfg.StaffLanguage, data, m.Email)
		if err != nil {
			return err
		}
		p.add(Delivery{Key: KeyManagerMail(id), Mail: &mail})
		data.Name = ""
	}
	return n.note(e, UserInbox(id), kind, data, p)
}

// toSupervisors adds the supervisors' mail (when an address is configured)
// and the note in their role inbox.
func (n *Notifier) toSupervisors(e events.Event, kind string, data mailData, p *plan) error {
	if n.cfg.SupervisorsEmail != "" {
		m, err := renderMail(kind, n.cfg.StaffLanguage, data, n.cfg.SupervisorsEmail)
		if err != nil {
			return err
		}
		p.add(Delivery{Key: KeySupervisorsMail, Mail: &m})
	}
	return n.note(e, SupervisorsInbox, kind, data, p)
}

// note adds the in-app note of kind for recipient.
func (n *Notifier) note(e events.Event, recipient, kind string, data mailData, p *plan) error {
	if n.cfg.Notes == nil {
		return nil
	}
	title, text, titleEN, textEN, err := renderNote(kind, data)
	if err != nil {
		return err
	}
	at := e.At
	if at.IsZero() {
		at = n.cfg.Now()
	}
	at = at.UTC().Truncate(time.Millisecond)
	p.add(Delivery{Key: KeyNote(recipient), Note: &Note{
		ID: NoteID(at, e.ID, recipient), Recipient: recipient, ClaimID: e.ClaimID, EventType: e.Type, EventID: e.ID,
		Title: title, Text: text, TitleEN: titleEN, TextEN: textEN, At: at,
	}})
	return nil
}

// planWebhooks adds a delivery to each target that wants the event. The
// targets are read for every event (one query), so a target registered or
// changed a moment ago gets the next event.
func (n *Notifier) planWebhooks(ctx context.Context, e events.Event, p *plan) error {
	if n.cfg.Targets == nil || n.cfg.Poster == nil || e.ClaimID == "" {
		// Events of no claim (report mails) go to no webhook.
		return nil
	}
	targets, err := n.cfg.Targets.WebhookTargets(ctx)
	if err != nil {
		return fmt.Errorf("webhook targets: %w", err)
	}
	dealer, known := "", false
	for _, t := range targets {
		if t.DealerID != "" {
			// Read the claim's dealer only for a target that would take
			// the event from its dealer.
			if !t.Wants(e.Type, t.DealerID) {
				continue
			}
			if !known {
				if dealer, err = n.dealerOf(ctx, e); err != nil {
					return err
				}
				known = true
			}
		}
		if !t.Wants(e.Type, dealer) {
			continue
		}
		shown := e
		if t.DealerID != "" {
			// A dealer's own system gets what the dealer sees of the event.
			var ok bool
			if shown, ok, err = visibility.Event(visibility.Dealer, e); err != nil {
				return apperr.InvalidField("data", err.Error())
			} else if !ok {
				continue
			}
		}
		d, err := webhook.NewDelivery(shown, t)
		if err != nil {
			return err
		}
		p.add(Delivery{Key: KeyWebhook(t.ID), Webhook: &WebhookDelivery{Target: t, Delivery: d}})
	}
	return nil
}

// dealerOf returns the dealer of the event's claim ("" for none): from the
// data of the events that carry it, else from the claim.
func (n *Notifier) dealerOf(ctx context.Context, e events.Event) (string, error) {
	switch e.Type {
	case events.ClaimReceived, events.MessagePosted:
		var d struct {
			DealerID string `json:"dealerId"`
		}
		_ = json.Unmarshal(e.Data, &d)
		return d.DealerID, nil
	}
	if n.cfg.Claims == nil {
		return "", nil
	}
	c, err := n.cfg.Claims.GetClaim(ctx, e.ClaimID)
	switch {
	case apperr.Is(err, apperr.NotFound):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("dealer of claim %s: %w", e.ClaimID, err)
	}
	return c.DealerID, nil
}
