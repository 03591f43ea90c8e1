package dynamo

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/notify"
	"github.com/claimsdesk/backend/shared/orders"
	"github.com/claimsdesk/backend/shared/qrcode"
	"github.com/claimsdesk/backend/shared/webhook"
	"github.com/claimsdesk/backend/shared/workflow"
)

// The storage schema: one record type per kind of item, with its own
// attribute names (dynamodbav tags), and explicit conversions to and from
// the domain types. The domain types' JSON tags belong to the API and play
// no part here, so renaming an API field cannot rename a stored attribute
// (schema_test.go pins every name). Records hold only basic types, times
// and other records: no domain type, embedded or not.
//
// Times are written only when set: a zero time.Time is left out of the
// item (records tag every time omitempty and marshal sets OmitEmptyTime),
// so that attribute_not_exists and if_not_exists see it as absent. Items
// written before held "0001-01-01T00:00:00Z" instead, which reads as the
// zero time all the same.
//
// Documents kept whole as JSON in a doc attribute (history entries, outbox
// events, catalog entries, roster managers) have JSON records of their own
// here too; an outbox event's payload is the events package's versioned
// wire format and is kept as it is.

// storable is a record stored as a whole item; marshal takes nothing else.
type storable interface{ storedItem() }

// marshal encodes an item by its record's attribute names, leaving zero
// times out.
func marshal(v storable) (map[string]types.AttributeValue, error) {
	m, err := attributevalue.MarshalMapWithOptions(v, func(o *attributevalue.EncoderOptions) { o.OmitEmptyTime = true })
	if err != nil {
		return nil, fmt.Errorf("marshal %T: %w", v, err)
	}
	return m, nil
}

// unmarshal decodes an item (or the attributes of one) into a record.
func unmarshal(m map[string]types.AttributeValue, v any) error {
	if err := attributevalue.UnmarshalMap(m, v); err != nil {
		return fmt.Errorf("unmarshal %T: %w", v, err)
	}
	return nil
}

// convert maps a slice, keeping nil apart from empty (a nil list is
// stored as NULL or left out, an empty one as an empty list).
func convert[T, U any](in []T, f func(T) U) []U {
	if in == nil {
		return nil
	}
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// claimRecord is a claim: CLAIM#<id> / #META, on the stage (GSI1),
// assignee (GSI2), worklist (GSI4) and SLA due (GSI5) indexes.
type claimRecord struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Entity string `dynamodbav:"entity"`
	GSI1PK string `dynamodbav:"GSI1PK,omitempty"`
	GSI1SK string `dynamodbav:"GSI1SK,omitempty"`
	GSI2PK string `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK string `dynamodbav:"GSI2SK,omitempty"`
	// GSI4 is the worklist: open assigned claims by urgency.
	GSI4PK string `dynamodbav:"GSI4PK,omitempty"`
	GSI4SK string `dynamodbav:"GSI4SK,omitempty"`
	// GSI5 holds the claims the SLA check must look at, by when.
	GSI5PK string `dynamodbav:"GSI5PK,omitempty"`
	GSI5SK string `dynamodbav:"GSI5SK,omitempty"`

	ID             string           `dynamodbav:"id"`
	Channel        string           `dynamodbav:"channel"`
	Claimant       claimantRecord   `dynamodbav:"claimant"`
	CustomerID     string           `dynamodbav:"customerId"`
	DealerID       string           `dynamodbav:"dealerId,omitempty"`
	Product        productRecord    `dynamodbav:"product"`
	Order          claimOrderRecord `dynamodbav:"order"`
	CategoryID     string           `dynamodbav:"categoryId"`
	TypeID         string           `dynamodbav:"typeId"`
	Essence        string           `dynamodbav:"essence"`
	DesiredResult  string           `dynamodbav:"desiredResult"`
	DesiredFix     string           `dynamodbav:"desiredFix,omitempty"`
	Priority       string           `dynamodbav:"priority"`
	Stage          string           `dynamodbav:"stage"`
	Assignee       string           `dynamodbav:"assignee,omitempty"`
	Language       string           `dynamodbav:"language"`
	QRCode         string           `dynamodbav:"qrCode,omitempty"`
	MissingZones   []string         `dynamodbav:"missingZones,omitempty"`
	PreviousStage  string           `dynamodbav:"previousStage,omitempty"`
	StageEnteredAt time.Time        `dynamodbav:"stageEnteredAt,omitempty"`
	DueAt          time.Time        `dynamodbav:"dueAt,omitempty"`
	SLA            *slaRecord       `dynamodbav:"sla,omitempty"`
	Tasks          []taskRecord     `dynamodbav:"tasks,omitempty"`
	Decision       *decisionRecord  `dynamodbav:"decision,omitempty"`
	Satisfaction   *ratingRecord    `dynamodbav:"satisfaction,omitempty"`
	Orders         []string         `dynamodbav:"orders,omitempty"`
	Flags          []flagRecord     `dynamodbav:"flags,omitempty"`
	HistoryHash    string           `dynamodbav:"historyHash,omitempty"`
	HistorySeq     int              `dynamodbav:"historySeq,omitempty"`
	CreatedBy      string           `dynamodbav:"createdBy"`
	CreatedAt      time.Time        `dynamodbav:"createdAt,omitempty"`
	UpdatedAt      time.Time        `dynamodbav:"updatedAt,omitempty"`
	Version        int              `dynamodbav:"version"`
}

func (claimRecord) storedItem() {}

type claimantRecord struct {
	Name    string `dynamodbav:"name"`
	Email   string `dynamodbav:"email,omitempty"`
	Phone   string `dynamodbav:"phone,omitempty"`
	Company string `dynamodbav:"company,omitempty"`
	TaxID   string `dynamodbav:"taxId,omitempty"`
}

type productRecord struct {
	Model        string `dynamodbav:"model"`
	Name         string `dynamodbav:"name,omitempty"`
	Category     string `dynamodbav:"category,omitempty"`
	Series       string `dynamodbav:"series,omitempty"`
	Serial       string `dynamodbav:"serial,omitempty"`
	PurchaseDate string `dynamodbav:"purchaseDate,omitempty"`
}

// claimOrderRecord is the source order a claim names.
type claimOrderRecord struct {
	Reference string                 `dynamodbav:"reference,omitempty"`
	Items     []claimOrderItemRecord `dynamodbav:"items,omitempty"`
}

type claimOrderItemRecord struct {
	SKU      string  `dynamodbav:"sku"`
	Name     string  `dynamodbav:"name,omitempty"`
	Quantity float64 `dynamodbav:"quantity"`
	Unit     string  `dynamodbav:"unit,omitempty"`
}

type slaRecord struct {
	Policy           string    `dynamodbav:"policy,omitempty"`
	FirstResponseDue time.Time `dynamodbav:"firstResponseDue,omitempty"`
	RespondedAt      time.Time `dynamodbav:"respondedAt,omitempty"`
	ResolutionDue    time.Time `dynamodbav:"resolutionDue,omitempty"`
	StatutoryDue     time.Time `dynamodbav:"statutoryDue,omitempty"`
	PausedAt         time.Time `dynamodbav:"pausedAt,omitempty"`
	StageLeftSeconds int64     `dynamodbav:"stageLeftSeconds,omitempty"`
	Warned           []string  `dynamodbav:"warned,omitempty"`
	Breached         []string  `dynamodbav:"breached,omitempty"`
	Level            int       `dynamodbav:"level,omitempty"`
	NextCheck        time.Time `dynamodbav:"nextCheck,omitempty"`
	ResolvedAt       time.Time `dynamodbav:"resolvedAt,omitempty"`
}

type taskRecord struct {
	ID       string    `dynamodbav:"id"`
	Stage    string    `dynamodbav:"stage,omitempty"`
	Title    string    `dynamodbav:"title"`
	TitleEN  string    `dynamodbav:"titleEn,omitempty"`
	Required bool      `dynamodbav:"required"`
	Owner    string    `dynamodbav:"owner"`
	Due      time.Time `dynamodbav:"due,omitempty"`
	DoneAt   time.Time `dynamodbav:"doneAt,omitempty"`
	DoneBy   string    `dynamodbav:"doneBy,omitempty"`
	Note     string    `dynamodbav:"note,omitempty"`
	Source   string    `dynamodbav:"source"`
}

type decisionRecord struct {
	WarrantyCase             bool        `dynamodbav:"warrantyCase"`
	FaultParty               string      `dynamodbav:"faultParty"`
	CulpritDepartment        string      `dynamodbav:"culpritDepartment,omitempty"`
	CulpritEmployee          string      `dynamodbav:"culpritEmployee,omitempty"`
	RootCause                string      `dynamodbav:"rootCause,omitempty"`
	Resolution               string      `dynamodbav:"resolution"`
	Cost                     moneyRecord `dynamodbav:"cost"`
	Instructions             string      `dynamodbav:"instructions"`
	IncidentAnalysisRequired bool        `dynamodbav:"incidentAnalysisRequired,omitempty"`
	DecidedBy                string      `dynamodbav:"decidedBy,omitempty"`
	DecidedAt                time.Time   `dynamodbav:"decidedAt,omitempty"`
	Revision                 int         `dynamodbav:"revision"`
	SolvedWith               string      `dynamodbav:"solvedWith,omitempty"`
}

// flagRecord is one of a claim's flags (claims.Flag).
type flagRecord struct {
	Kind        string            `dynamodbav:"kind"`
	Reason      map[string]string `dynamodbav:"reason,omitempty"`
	Related     []string          `dynamodbav:"related,omitempty"`
	FlaggedAt   time.Time         `dynamodbav:"flaggedAt,omitempty"`
	DismissedAt time.Time         `dynamodbav:"dismissedAt,omitempty"`
	DismissedBy string            `dynamodbav:"dismissedBy,omitempty"`
	DismissNote string            `dynamodbav:"dismissNote,omitempty"`
}

type ratingRecord struct {
	Score       int       `dynamodbav:"score"`
	Comment     string    `dynamodbav:"comment,omitempty"`
	RatedAt     time.Time `dynamodbav:"ratedAt,omitempty"`
	RatedBy     string    `dynamodbav:"ratedBy"`
	CommentedAt time.Time `dynamodbav:"commentedAt,omitempty"`
}

func newRatingRecord(r *claims.Satisfaction) *ratingRecord {
	if r == nil {
		return nil
	}
	return &ratingRecord{Score: r.Score, Comment: r.Comment, RatedAt: r.RatedAt, RatedBy: r.RatedBy, CommentedAt: r.CommentedAt}
}

func (r *ratingRecord) satisfaction() *claims.Satisfaction {
	if r == nil {
		return nil
	}
	return &claims.Satisfaction{Score: r.Score, Comment: r.Comment, RatedAt: r.RatedAt, RatedBy: r.RatedBy, CommentedAt: r.CommentedAt}
}

type moneyRecord struct {
	Amount   int64  `dynamodbav:"amount"`
	Currency string `dynamodbav:"currency"`
}

func newClaimRecord(c *claims.Claim) claimRecord {
	r := claimRecord{
		PK: claimPK(c.ID), SK: metaSK, Entity: "claim",
		ID: c.ID, Channel: string(c.Channel),
		Claimant:   claimantRecord{Name: c.Claimant.Name, Email: c.Claimant.Email, Phone: c.Claimant.Phone, Company: c.Claimant.Company, TaxID: c.Claimant.TaxID},
		CustomerID: c.CustomerID, DealerID: c.DealerID,
		Product: productRecord{Model: c.Product.Model, Name: c.Product.Name, Category: c.Product.Category, Series: c.Product.Series,
			Serial: c.Product.Serial, PurchaseDate: c.Product.PurchaseDate},
		Order: claimOrderRecord{Reference: c.Order.Reference, Items: convert(c.Order.Items, func(it claims.OrderItem) claimOrderItemRecord {
			return claimOrderItemRecord{SKU: it.SKU, Name: it.Name, Quantity: it.Quantity, Unit: it.Unit}
		})},
		CategoryID: c.CategoryID, TypeID: c.TypeID, Essence: c.Essence, DesiredResult: string(c.DesiredResult), DesiredFix: c.DesiredFix,
		Priority: string(c.Priority), Stage: string(c.Stage), Assignee: c.Assignee, Language: c.Language, QRCode: c.QRCode,
		MissingZones: c.MissingZones, PreviousStage: string(c.PreviousStage), StageEnteredAt: c.StageEnteredAt, DueAt: c.DueAt,
		Tasks: convert(c.Tasks, func(t claims.Task) taskRecord {
			return taskRecord{ID: t.ID, Stage: string(t.Stage), Title: t.Title, TitleEN: t.TitleEN, Required: t.Required, Owner: t.Owner,
				Due: t.Due, DoneAt: t.DoneAt, DoneBy: t.DoneBy, Note: t.Note, Source: t.Source}
		}),
		Orders: c.Orders, HistoryHash: c.HistoryHash, HistorySeq: c.HistorySeq, CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Version: c.Version,
	}
	r.Satisfaction = newRatingRecord(c.Satisfaction)
	r.Flags = convert(c.Flags, func(f claims.Flag) flagRecord {
		return flagRecord{Kind: string(f.Kind), Reason: f.Reason, Related: f.Related, FlaggedAt: f.FlaggedAt,
			DismissedAt: f.DismissedAt, DismissedBy: f.DismissedBy, DismissNote: f.DismissNote}
	})
	if s := c.SLA; s != nil {
		r.SLA = &slaRecord{Policy: s.Policy, FirstResponseDue: s.FirstResponseDue, RespondedAt: s.RespondedAt, ResolutionDue: s.ResolutionDue,
			StatutoryDue: s.StatutoryDue, PausedAt: s.PausedAt, StageLeftSeconds: s.StageLeftSeconds, Warned: s.Warned, Breached: s.Breached,
			Level: s.Level, NextCheck: s.NextCheck, ResolvedAt: s.ResolvedAt}
	}
	if d := c.Decision; d != nil {
		r.Decision = &decisionRecord{WarrantyCase: d.WarrantyCase, FaultParty: d.FaultParty, CulpritDepartment: d.CulpritDepartment,
			CulpritEmployee: d.CulpritEmployee, RootCause: d.RootCause, Resolution: string(d.Resolution), SolvedWith: d.SolvedWith,
			Cost: moneyRecord{Amount: d.Cost.Amount, Currency: d.Cost.Currency}, Instructions: d.Instructions,
			IncidentAnalysisRequired: d.IncidentAnalysisRequired, DecidedBy: d.DecidedBy, DecidedAt: d.DecidedAt, Revision: d.Revision}
	}
	r.GSI1PK, r.GSI1SK = "STAGE#"+string(c.Stage), sortKey(c)
	if c.Assignee != "" {
		r.GSI2PK, r.GSI2SK = "ASSIGNEE#"+c.Assignee, sortKey(c)
		if !workflow.Terminal(c.Stage) {
			r.GSI4PK, r.GSI4SK = "WORK#"+c.Assignee, WorklistKey(c)
		}
	}
	if c.SLA != nil && !c.SLA.NextCheck.IsZero() && !workflow.Terminal(c.Stage) {
		r.GSI5PK, r.GSI5SK = SLADue, c.SLA.NextCheck.UTC().Format(timeLayout)+"#"+c.ID
	}
	return r
}

func (r *claimRecord) claim() claims.Claim {
	c := claims.Claim{
		ID: r.ID, Channel: claims.Channel(r.Channel),
		Claimant:   claims.Claimant{Name: r.Claimant.Name, Email: r.Claimant.Email, Phone: r.Claimant.Phone, Company: r.Claimant.Company, TaxID: r.Claimant.TaxID},
		CustomerID: r.CustomerID, DealerID: r.DealerID,
		Product: claims.Product{Model: r.Product.Model, Name: r.Product.Name, Category: r.Product.Category, Series: r.Product.Series,
			Serial: r.Product.Serial, PurchaseDate: r.Product.PurchaseDate},
		Order: claims.Order{Reference: r.Order.Reference, Items: convert(r.Order.Items, func(it claimOrderItemRecord) claims.OrderItem {
			return claims.OrderItem{SKU: it.SKU, Name: it.Name, Quantity: it.Quantity, Unit: it.Unit}
		})},
		CategoryID: r.CategoryID, TypeID: r.TypeID, Essence: r.Essence, DesiredResult: claims.DesiredResult(r.DesiredResult), DesiredFix: r.DesiredFix,
		Priority: catalog.Priority(r.Priority), Stage: claims.Stage(r.Stage), Assignee: r.Assignee, Language: r.Language, QRCode: r.QRCode,
		MissingZones: r.MissingZones, PreviousStage: claims.Stage(r.PreviousStage), StageEnteredAt: r.StageEnteredAt, DueAt: r.DueAt,
		Tasks: convert(r.Tasks, func(t taskRecord) claims.Task {
			return claims.Task{ID: t.ID, Stage: claims.Stage(t.Stage), Title: t.Title, TitleEN: t.TitleEN, Required: t.Required, Owner: t.Owner,
				Due: t.Due, DoneAt: t.DoneAt, DoneBy: t.DoneBy, Note: t.Note, Source: t.Source}
		}),
		Orders: r.Orders, HistoryHash: r.HistoryHash, HistorySeq: r.HistorySeq, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version,
	}
	c.Satisfaction = r.Satisfaction.satisfaction()
	c.Flags = convert(r.Flags, func(f flagRecord) claims.Flag {
		return claims.Flag{Kind: claims.FlagKind(f.Kind), Reason: f.Reason, Related: f.Related, FlaggedAt: f.FlaggedAt,
			DismissedAt: f.DismissedAt, DismissedBy: f.DismissedBy, DismissNote: f.DismissNote}
	})
	if c.HistorySeq == 0 {
		// Written before the history head was kept apart from the
		// version, when the two were equal.
		c.HistorySeq = c.Version
	}
	if s := r.SLA; s != nil {
		c.SLA = &claims.SLA{Policy: s.Policy, FirstResponseDue: s.FirstResponseDue, RespondedAt: s.RespondedAt, ResolutionDue: s.ResolutionDue,
			StatutoryDue: s.StatutoryDue, PausedAt: s.PausedAt, StageLeftSeconds: s.StageLeftSeconds, Warned: s.Warned, Breached: s.Breached,
			Level: s.Level, NextCheck: s.NextCheck, ResolvedAt: s.ResolvedAt}
	}
	if d := r.Decision; d != nil {
		c.Decision = &claims.Decision{WarrantyCase: d.WarrantyCase, FaultParty: d.FaultParty, CulpritDepartment: d.CulpritDepartment,
			CulpritEmployee: d.CulpritEmployee, RootCause: d.RootCause, Resolution: claims.Resolution(d.Resolution), SolvedWith: d.SolvedWith,
			Cost: claims.Money{Amount: d.Cost.Amount, Currency: d.Cost.Currency}, Instructions: d.Instructions,
			IncidentAnalysisRequired: d.IncidentAnalysisRequired, DecidedBy: d.DecidedBy, DecidedAt: d.DecidedAt, Revision: d.Revision}
	}
	return c
}

// fileRecord is an attachment of a claim: CLAIM#<id> / FILE#<at>#<id>,
// with the object's key in the bucket.
type fileRecord struct {
	PK          string    `dynamodbav:"PK"`
	SK          string    `dynamodbav:"SK"`
	Entity      string    `dynamodbav:"entity"`
	ID          string    `dynamodbav:"id"`
	Zone        string    `dynamodbav:"zone"`
	FileName    string    `dynamodbav:"fileName"`
	ContentType string    `dynamodbav:"contentType"`
	Size        int64     `dynamodbav:"size"`
	UploadedAt  time.Time `dynamodbav:"uploadedAt,omitempty"`
	UploadedBy  string    `dynamodbav:"uploadedBy"`
	S3Key       string    `dynamodbav:"s3Key"`
}

func (fileRecord) storedItem() {}

func newFileRecord(claimID string, a claims.Attachment) fileRecord {
	return fileRecord{
		PK: claimPK(claimID), SK: "FILE#" + a.UploadedAt.UTC().Format(timeLayout) + "#" + a.ID, Entity: "file",
		ID: a.ID, Zone: a.Zone, FileName: a.FileName, ContentType: a.ContentType, Size: a.Size, UploadedAt: a.UploadedAt,
		UploadedBy: a.UploadedBy, S3Key: a.Key,
	}
}

func (r *fileRecord) attachment() claims.Attachment {
	return claims.Attachment{ID: r.ID, Zone: r.Zone, Key: r.S3Key, FileName: r.FileName, ContentType: r.ContentType, Size: r.Size,
		UploadedAt: r.UploadedAt, UploadedBy: r.UploadedBy}
}

// messageRecord is a chat message: CLAIM#<id> / MSG#<at>#<id>.
type messageRecord struct {
	PK          string             `dynamodbav:"PK"`
	SK          string             `dynamodbav:"SK"`
	Entity      string             `dynamodbav:"entity"`
	ID          string             `dynamodbav:"id"`
	Author      string             `dynamodbav:"author"`
	AuthorRole  string             `dynamodbav:"authorRole"`
	AuthorName  string             `dynamodbav:"authorName,omitempty"`
	Body        string             `dynamodbav:"body"`
	Attachments []attachmentRecord `dynamodbav:"attachments,omitempty"`
	At          time.Time          `dynamodbav:"at,omitempty"`
}

func (messageRecord) storedItem() {}

// attachmentRecord is a file of a message. It has no key in the bucket:
// messages never stored one (chat.AttachmentKey derives it).
type attachmentRecord struct {
	ID          string    `dynamodbav:"id"`
	Zone        string    `dynamodbav:"zone"`
	FileName    string    `dynamodbav:"fileName"`
	ContentType string    `dynamodbav:"contentType"`
	Size        int64     `dynamodbav:"size"`
	UploadedAt  time.Time `dynamodbav:"uploadedAt,omitempty"`
	UploadedBy  string    `dynamodbav:"uploadedBy"`
}

func newMessageRecord(claimID string, m claims.Message) messageRecord {
	return messageRecord{
		PK: claimPK(claimID), SK: "MSG#" + m.At.UTC().Format(timeLayout) + "#" + m.ID, Entity: "message",
		ID: m.ID, Author: m.Author, AuthorRole: m.AuthorRole, AuthorName: m.AuthorName, Body: m.Body, At: m.At,
		Attachments: convert(m.Attachments, func(a claims.Attachment) attachmentRecord {
			return attachmentRecord{ID: a.ID, Zone: a.Zone, FileName: a.FileName, ContentType: a.ContentType, Size: a.Size,
				UploadedAt: a.UploadedAt, UploadedBy: a.UploadedBy}
		}),
	}
}

func (r *messageRecord) message() claims.Message {
	return claims.Message{
		ID: r.ID, Author: r.Author, AuthorRole: r.AuthorRole, AuthorName: r.AuthorName, Body: r.Body, At: r.At,
		Attachments: convert(r.Attachments, func(a attachmentRecord) claims.Attachment {
			return claims.Attachment{ID: a.ID, Zone: a.Zone, FileName: a.FileName, ContentType: a.ContentType, Size: a.Size,
				UploadedAt: a.UploadedAt, UploadedBy: a.UploadedBy}
		}),
	}
}

// eventRecord is a history entry: CLAIM#<id> / EVENT#<seq>, the entry as
// a JSON document (historyDoc) so that its hash verifies after a round
// trip.
type eventRecord struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Entity string `dynamodbav:"entity"`
	Seq    int    `dynamodbav:"seq"`
	Doc    string `dynamodbav:"doc"`
}

func (eventRecord) storedItem() {}

// historyDoc is a history entry's document.
type historyDoc struct {
	Seq      int            `json:"seq"`
	Type     string         `json:"type"`
	Actor    string         `json:"actor"`
	At       time.Time      `json:"at"`
	Before   map[string]any `json:"before,omitempty"`
	After    map[string]any `json:"after,omitempty"`
	Note     string         `json:"note,omitempty"`
	PrevHash string         `json:"prevHash,omitempty"`
	Hash     string         `json:"hash,omitempty"`
}

func eventSK(seq int) string { return fmt.Sprintf("EVENT#%06d", seq) }

func newEventRecord(claimID string, e claims.Event) (eventRecord, error) {
	b, err := json.Marshal(historyDoc{Seq: e.Seq, Type: e.Type, Actor: e.Actor, At: e.At, Before: e.Before, After: e.After, Note: e.Note,
		PrevHash: e.PrevHash, Hash: e.Hash})
	if err != nil {
		return eventRecord{}, fmt.Errorf("encode history event %d of claim %s: %w", e.Seq, claimID, err)
	}
	return eventRecord{PK: claimPK(claimID), SK: eventSK(e.Seq), Entity: "event", Seq: e.Seq, Doc: string(b)}, nil
}

func (r *eventRecord) event() (claims.Event, error) {
	var d historyDoc
	if err := json.Unmarshal([]byte(r.Doc), &d); err != nil {
		return claims.Event{}, fmt.Errorf("decode history event %s %s: %w", r.PK, r.SK, err)
	}
	return claims.Event{Seq: d.Seq, Type: d.Type, Actor: d.Actor, At: d.At, Before: d.Before, After: d.After, Note: d.Note,
		PrevHash: d.PrevHash, Hash: d.Hash}, nil
}

// outboxRecord is an outbox event: CLAIM#<id> / OUTBOX#<event id> (an
// event of no claim, as a report mail's: OUTBOX#<event id> / OUTBOX#<event
// id>), on the pending index (GSI3) until the notifier receives it.
type outboxRecord struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Entity string `dynamodbav:"entity"`
	GSI3PK string `dynamodbav:"GSI3PK,omitempty"`
	GSI3SK string `dynamodbav:"GSI3SK,omitempty"`
	Doc    string `dynamodbav:"doc"`
	// ReceivedAt (MarkReceived) and Relays (Postpone) are written by
	// updates only.
	ReceivedAt string `dynamodbav:"receivedAt,omitempty"`
	Relays     int    `dynamodbav:"relays,omitempty"`
}

func (outboxRecord) storedItem() {}

// outboxDoc is an outbox event's document: the envelope, with the
// payload as the events package encoded it.
type outboxDoc struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	ClaimID string          `json:"claimId"`
	At      time.Time       `json:"at"`
	Actor   string          `json:"actor,omitempty"`
	Version int             `json:"version,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// outboxPK is the partition of an event's outbox record: its claim's, or
// its own for an event of no claim.
func outboxPK(e events.Event) string {
	if e.ClaimID == "" {
		return "OUTBOX#" + e.ID
	}
	return claimPK(e.ClaimID)
}

func newOutboxRecord(e events.Event) (outboxRecord, error) {
	b, err := json.Marshal(outboxDoc{ID: e.ID, Type: e.Type, ClaimID: e.ClaimID, At: e.At, Actor: e.Actor, Version: e.Version, Data: e.Data})
	if err != nil {
		return outboxRecord{}, fmt.Errorf("encode outbox event %s: %w", e.ID, err)
	}
	return outboxRecord{
		PK: outboxPK(e), SK: "OUTBOX#" + e.ID, Entity: "outbox",
		GSI3PK: PendingOutbox, GSI3SK: e.At.UTC().Format(timeLayout) + "#" + e.ID, Doc: string(b),
	}, nil
}

func (r *outboxRecord) event() (events.Event, error) {
	var d outboxDoc
	if err := json.Unmarshal([]byte(r.Doc), &d); err != nil {
		return events.Event{}, fmt.Errorf("decode outbox event %s: %w", r.SK, err)
	}
	return events.Event{ID: d.ID, Type: d.Type, ClaimID: d.ClaimID, At: d.At, Actor: d.Actor, Version: d.Version, Data: d.Data}, nil
}

// indexRecord is a list entry: IDX#<dim>#<value> / <created>#<claim id>.
type indexRecord struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	Entity  string `dynamodbav:"entity"`
	ClaimID string `dynamodbav:"claimId"`
}

func (indexRecord) storedItem() {}

// essenceRecord is the latest claim a claimant filed with an essence:
// ESSENCE#<claims.EssenceIndexKeys> / #ESSENCE, kept (TTL) for
// claims.RepeatWindow.
type essenceRecord struct {
	PK      string    `dynamodbav:"PK"`
	SK      string    `dynamodbav:"SK"`
	Entity  string    `dynamodbav:"entity"`
	ClaimID string    `dynamodbav:"claimId"`
	At      time.Time `dynamodbav:"at"`
	TTL     int64     `dynamodbav:"ttl"`
}

func (essenceRecord) storedItem() {}

// trackingRecord points a tracking token's hash to its claim:
// TRACK#<hash> / #TRACK.
type trackingRecord struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	Entity  string `dynamodbav:"entity"`
	ClaimID string `dynamodbav:"claimId"`
}

func (trackingRecord) storedItem() {}

// contactRecord points a contact alias to its customer:
// CONTACT#<contact> / #CONTACT.
type contactRecord struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	Entity     string `dynamodbav:"entity"`
	CustomerID string `dynamodbav:"customerId"`
}

func (contactRecord) storedItem() {}

// customerRecord is what the Store reads of a customer profile
// (CUSTOMER#<id> / #PROFILE). Profiles are written by update expressions
// only (customerUpdate, personalManagerUpdate, SetPersonalManager), whose
// attribute names schema_test.go pins with the rest.
type customerRecord struct {
	PersonalManager string `dynamodbav:"personalManager"`
}

// idempotencyRecord is an idempotency key's record (IDEM#<scope>#<key> /
// #IDEM): held by Owner until Lease (Unix milliseconds; 0 once released,
// with the Number and Turn the attempt took) while ClaimID is empty, then
// the claim the key made.
type idempotencyRecord struct {
	PK       string `dynamodbav:"PK"`
	SK       string `dynamodbav:"SK"`
	Entity   string `dynamodbav:"entity"`
	BodyHash string `dynamodbav:"bodyHash"`
	ClaimID  string `dynamodbav:"claimId,omitempty"`
	Owner    string `dynamodbav:"owner,omitempty"`
	Lease    int64  `dynamodbav:"lease,omitempty"`
	Number   string `dynamodbav:"number,omitempty"`
	Turn     int64  `dynamodbav:"turn,omitempty"`
	TTL      int64  `dynamodbav:"ttl"`
}

func (idempotencyRecord) storedItem() {}

func (it *idempotencyRecord) record() *intake.IdempotencyRecord {
	rec := &intake.IdempotencyRecord{BodyHash: it.BodyHash, ClaimID: it.ClaimID, Owner: it.Owner, Number: it.Number, Turn: it.Turn}
	if it.Lease > 0 {
		rec.LeaseUntil = time.UnixMilli(it.Lease).UTC()
	}
	return rec
}

// orderRecord is an order: ORDER#<number> / #ORDER.
type orderRecord struct {
	PK           string              `dynamodbav:"PK"`
	SK           string              `dynamodbav:"SK"`
	Entity       string              `dynamodbav:"entity"`
	Number       string              `dynamodbav:"number"`
	Kind         string              `dynamodbav:"kind"`
	Customer     orderCustomerRecord `dynamodbav:"customer"`
	DealerID     string              `dynamodbav:"dealerId,omitempty"`
	Items        []orderItemRecord   `dynamodbav:"items"`
	Currency     string              `dynamodbav:"currency,omitempty"`
	Status       string              `dynamodbav:"status"`
	SourceClaim  string              `dynamodbav:"sourceClaim,omitempty"`
	SalesManager string              `dynamodbav:"salesManager,omitempty"`
	Note         string              `dynamodbav:"note,omitempty"`
	ERPVersion   int64               `dynamodbav:"erpVersion"`
	CreatedBy    string              `dynamodbav:"createdBy"`
	CreatedAt    time.Time           `dynamodbav:"createdAt,omitempty"`
	UpdatedAt    time.Time           `dynamodbav:"updatedAt,omitempty"`
}

func (orderRecord) storedItem() {}

type orderCustomerRecord struct {
	Name    string `dynamodbav:"name,omitempty"`
	Email   string `dynamodbav:"email,omitempty"`
	Phone   string `dynamodbav:"phone,omitempty"`
	Company string `dynamodbav:"company,omitempty"`
	TaxID   string `dynamodbav:"taxId,omitempty"`
}

type orderItemRecord struct {
	SKU      string  `dynamodbav:"sku"`
	Name     string  `dynamodbav:"name,omitempty"`
	Quantity float64 `dynamodbav:"quantity"`
	Unit     string  `dynamodbav:"unit,omitempty"`
	Price    int64   `dynamodbav:"price,omitempty"`
}

func orderPK(number string) string { return "ORDER#" + number }

// dealerOrderRecord lists a source order under its dealer, newest first:
// IDX#DEALERORDER#<DEALER> / <createdAt>#<number>. It never changes: the
// order is read by its number, and one the ERP moved to another dealer is
// left out when read (its new dealer gets an entry of its own).
type dealerOrderRecord struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Entity string `dynamodbav:"entity"`
	Number string `dynamodbav:"number"`
}

func (dealerOrderRecord) storedItem() {}

func dealerOrdersPK(dealerID string) string { return indexPK("DEALERORDER", dealerID) }

func newDealerOrderRecord(o orders.Order) dealerOrderRecord {
	return dealerOrderRecord{PK: dealerOrdersPK(o.DealerID), SK: o.CreatedAt.UTC().Format(timeLayout) + "#" + o.Number, Entity: "dealerorder", Number: o.Number}
}

func newOrderRecord(o orders.Order) orderRecord {
	return orderRecord{
		PK: orderPK(o.Number), SK: "#ORDER", Entity: "order",
		Number: o.Number, Kind: string(o.Kind),
		Customer: orderCustomerRecord{Name: o.Customer.Name, Email: o.Customer.Email, Phone: o.Customer.Phone, Company: o.Customer.Company, TaxID: o.Customer.TaxID},
		DealerID: o.DealerID,
		Items: convert(o.Items, func(it orders.Item) orderItemRecord {
			return orderItemRecord{SKU: it.SKU, Name: it.Name, Quantity: it.Quantity, Unit: it.Unit, Price: it.Price}
		}),
		Currency: o.Currency, Status: o.Status, SourceClaim: o.SourceClaim, SalesManager: o.SalesManager, Note: o.Note,
		ERPVersion: o.ERPVersion, CreatedBy: o.CreatedBy, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt,
	}
}

func (r *orderRecord) order() orders.Order {
	return orders.Order{
		Number: r.Number, Kind: orders.Kind(r.Kind),
		Customer: orders.Customer{Name: r.Customer.Name, Email: r.Customer.Email, Phone: r.Customer.Phone, Company: r.Customer.Company, TaxID: r.Customer.TaxID},
		DealerID: r.DealerID,
		Items: convert(r.Items, func(it orderItemRecord) orders.Item {
			return orders.Item{SKU: it.SKU, Name: it.Name, Quantity: it.Quantity, Unit: it.Unit, Price: it.Price}
		}),
		Currency: r.Currency, Status: r.Status, SourceClaim: r.SourceClaim, SalesManager: r.SalesManager, Note: r.Note,
		ERPVersion: r.ERPVersion, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

// qrRecord is an issued QR code: QR#<id> / #QR, and its batch's copy
// QRBATCH#<batch> / QR#<position> (entity qrbatch).
type qrRecord struct {
	PK          string    `dynamodbav:"PK"`
	SK          string    `dynamodbav:"SK"`
	Entity      string    `dynamodbav:"entity"`
	ID          string    `dynamodbav:"id"`
	Code        string    `dynamodbav:"code"`
	Kind        string    `dynamodbav:"kind"`
	Model       string    `dynamodbav:"model"`
	ProductName string    `dynamodbav:"productName,omitempty"`
	Series      string    `dynamodbav:"series,omitempty"`
	Serial      string    `dynamodbav:"serial,omitempty"`
	BatchID     string    `dynamodbav:"batchId"`
	Note        string    `dynamodbav:"note,omitempty"`
	IssuedBy    string    `dynamodbav:"issuedBy"`
	IssuedAt    time.Time `dynamodbav:"issuedAt,omitempty"`
	Revoked     bool      `dynamodbav:"revoked"`
	// RevokedAt is absent until the code is revoked: revocation keeps the
	// first time it writes (if_not_exists).
	RevokedAt time.Time `dynamodbav:"revokedAt,omitempty"`
	RevokedBy string    `dynamodbav:"revokedBy,omitempty"`
	Reason    string    `dynamodbav:"reason,omitempty"`
}

func (qrRecord) storedItem() {}

func newQRRecord(pk, sk, entity string, q qrcode.Record) qrRecord {
	return qrRecord{
		PK: pk, SK: sk, Entity: entity,
		ID: q.ID, Code: q.Code, Kind: q.Kind, Model: q.Model, ProductName: q.ProductName, Series: q.Series, Serial: q.Serial,
		BatchID: q.BatchID, Note: q.Note, IssuedBy: q.IssuedBy, IssuedAt: q.IssuedAt,
		Revoked: q.Revoked, RevokedAt: q.RevokedAt, RevokedBy: q.RevokedBy, Reason: q.Reason,
	}
}

func (r *qrRecord) record() qrcode.Record {
	return qrcode.Record{
		ID: r.ID, Code: r.Code, Kind: r.Kind, Model: r.Model, ProductName: r.ProductName, Series: r.Series, Serial: r.Serial,
		BatchID: r.BatchID, Note: r.Note, IssuedBy: r.IssuedBy, IssuedAt: r.IssuedAt,
		Revoked: r.Revoked, RevokedAt: r.RevokedAt, RevokedBy: r.RevokedBy, Reason: r.Reason,
	}
}

// catalogRecord is a catalog entry: CATALOG / CATEGORY#<id>, TYPE#<id> or
// ROOTCAUSE#<id>, the entry as a JSON document (categoryDoc, typeDoc,
// rootCauseDoc).
type catalogRecord struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Entity string `dynamodbav:"entity"`
	Doc    string `dynamodbav:"doc"`
}

func (catalogRecord) storedItem() {}

type categoryDoc struct {
	ID          string            `json:"id"`
	Name        map[string]string `json:"name"`
	Description map[string]string `json:"description,omitempty"`
	Order       int               `json:"order"`
	Active      bool              `json:"active"`
}

type typeDoc struct {
	ID              string            `json:"id"`
	CategoryID      string            `json:"categoryId"`
	Name            map[string]string `json:"name"`
	Instructions    map[string]string `json:"instructions"`
	SampleDocuments []documentDoc     `json:"sampleDocuments,omitempty"`
	PhotoZones      []photoZoneDoc    `json:"photoZones"`
	RequiredFields  []string          `json:"requiredFields"`
	DefaultPriority string            `json:"defaultPriority"`
	WarrantyMonths  int               `json:"warrantyMonths,omitempty"`
	Order           int               `json:"order"`
	Active          bool              `json:"active"`
}

type documentDoc struct {
	Title map[string]string `json:"title"`
	URL   string            `json:"url"`
}

type photoZoneDoc struct {
	ID         string            `json:"id"`
	Title      map[string]string `json:"title"`
	Hint       map[string]string `json:"hint,omitempty"`
	Min        int               `json:"min"`
	Max        int               `json:"max"`
	MediaTypes []string          `json:"mediaTypes"`
	MaxBytes   int64             `json:"maxBytes"`
}

type rootCauseDoc struct {
	ID     string            `json:"id"`
	Name   map[string]string `json:"name"`
	Group  string            `json:"group"`
	Active bool              `json:"active"`
}

func newCategoryDoc(c catalog.Category) categoryDoc {
	return categoryDoc{ID: c.ID, Name: c.Name, Description: c.Description, Order: c.Order, Active: c.Active}
}

func (d categoryDoc) category() catalog.Category {
	return catalog.Category{ID: d.ID, Name: d.Name, Description: d.Description, Order: d.Order, Active: d.Active}
}

func newTypeDoc(t catalog.Type) typeDoc {
	return typeDoc{
		ID: t.ID, CategoryID: t.CategoryID, Name: t.Name, Instructions: t.Instructions,
		SampleDocuments: convert(t.SampleDocuments, func(d catalog.Document) documentDoc { return documentDoc{Title: d.Title, URL: d.URL} }),
		PhotoZones: convert(t.PhotoZones, func(z catalog.PhotoZone) photoZoneDoc {
			return photoZoneDoc{ID: z.ID, Title: z.Title, Hint: z.Hint, Min: z.Min, Max: z.Max, MediaTypes: z.MediaTypes, MaxBytes: z.MaxBytes}
		}),
		RequiredFields: t.RequiredFields, DefaultPriority: string(t.DefaultPriority), WarrantyMonths: t.WarrantyMonths, Order: t.Order, Active: t.Active,
	}
}

func (d typeDoc) catalogType() catalog.Type {
	return catalog.Type{
		ID: d.ID, CategoryID: d.CategoryID, Name: d.Name, Instructions: d.Instructions,
		SampleDocuments: convert(d.SampleDocuments, func(d documentDoc) catalog.Document { return catalog.Document{Title: d.Title, URL: d.URL} }),
		PhotoZones: convert(d.PhotoZones, func(z photoZoneDoc) catalog.PhotoZone {
			return catalog.PhotoZone{ID: z.ID, Title: z.Title, Hint: z.Hint, Min: z.Min, Max: z.Max, MediaTypes: z.MediaTypes, MaxBytes: z.MaxBytes}
		}),
		RequiredFields: d.RequiredFields, DefaultPriority: catalog.Priority(d.DefaultPriority), WarrantyMonths: d.WarrantyMonths, Order: d.Order, Active: d.Active,
	}
}

func newRootCauseDoc(r catalog.RootCause) rootCauseDoc {
	return rootCauseDoc{ID: r.ID, Name: r.Name, Group: r.Group, Active: r.Active}
}

func (d rootCauseDoc) rootCause() catalog.RootCause {
	return catalog.RootCause{ID: d.ID, Name: d.Name, Group: d.Group, Active: d.Active}
}

// modelDoc is a product model of the catalog: CATALOG / MODEL#<id>.
type modelDoc struct {
	ID     string            `json:"id"`
	Name   map[string]string `json:"name"`
	Active bool              `json:"active"`
}

func newModelDoc(m catalog.Model) modelDoc { return modelDoc{ID: m.ID, Name: m.Name, Active: m.Active} }

func (d modelDoc) model() catalog.Model {
	return catalog.Model{ID: d.ID, Name: d.Name, Active: d.Active}
}

// managerRecord is a roster entry: ROSTER / MANAGER#<id>, the manager as
// a JSON document (managerDoc), with a revision for read-modify-write
// updates.
type managerRecord struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Entity string `dynamodbav:"entity"`
	Doc    string `dynamodbav:"doc"`
	Rev    int64  `dynamodbav:"rev"`
}

func (managerRecord) storedItem() {}

type managerDoc struct {
	ID           string       `json:"id"`
	Name         string       `json:"name"`
	Email        string       `json:"email"`
	Categories   []string     `json:"categories"`
	ProductLines []string     `json:"productLines"`
	Active       bool         `json:"active"`
	Substitute   string       `json:"substitute,omitempty"`
	Absences     []absenceDoc `json:"absences"`
}

type absenceDoc struct {
	From string `json:"from"`
	To   string `json:"to"`
	Kind string `json:"kind"`
	Note string `json:"note,omitempty"`
}

func newManagerDoc(m *assignment.Manager) managerDoc {
	return managerDoc{
		ID: m.ID, Name: m.Name, Email: m.Email, Categories: m.Categories, ProductLines: m.ProductLines, Active: m.Active, Substitute: m.Substitute,
		Absences: convert(m.Absences, func(a assignment.Absence) absenceDoc {
			return absenceDoc{From: a.From, To: a.To, Kind: string(a.Kind), Note: a.Note}
		}),
	}
}

func (d managerDoc) manager() assignment.Manager {
	return assignment.Manager{
		ID: d.ID, Name: d.Name, Email: d.Email, Categories: d.Categories, ProductLines: d.ProductLines, Active: d.Active, Substitute: d.Substitute,
		Absences: convert(d.Absences, func(a absenceDoc) assignment.Absence {
			return assignment.Absence{From: a.From, To: a.To, Kind: assignment.AbsenceKind(a.Kind), Note: a.Note}
		}),
	}
}

// configRecord is a reference document: CONFIG / <name>, kept whole as
// the caller's JSON.
type configRecord struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Entity    string `dynamodbav:"entity"`
	Doc       string `dynamodbav:"doc"`
	UpdatedAt string `dynamodbav:"updatedAt"`
}

func (configRecord) storedItem() {}

// noteRecord is an in-app note: INBOX#<recipient> / NOTE#<at>#<id>; unread
// notes are also on GSI1 under UNREAD#<recipient> (a sparse index: reading
// a note takes it off).
type noteRecord struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Entity    string `dynamodbav:"entity"`
	GSI1PK    string `dynamodbav:"GSI1PK,omitempty"`
	GSI1SK    string `dynamodbav:"GSI1SK,omitempty"`
	TTL       int64  `dynamodbav:"ttl"`
	ID        string `dynamodbav:"id"`
	Recipient string `dynamodbav:"recipient"`
	ClaimID   string `dynamodbav:"claimId"`
	EventType string `dynamodbav:"eventType"`
	EventID   string `dynamodbav:"eventId"`
	Title     string `dynamodbav:"title"`
	Text      string `dynamodbav:"text"`
	TitleEN   string `dynamodbav:"titleEn"`
	TextEN    string `dynamodbav:"textEn"`
	At        string `dynamodbav:"at"`
	Read      bool   `dynamodbav:"read"`
	ReadAt    string `dynamodbav:"readAt,omitempty"`
}

func (noteRecord) storedItem() {}

// newNoteRecord is note n under sort key sk: on the unread index until
// it is read.
func newNoteRecord(n notify.Note, sk string) noteRecord {
	r := noteRecord{
		PK: inboxPK(n.Recipient), SK: sk, Entity: "note", TTL: n.At.Add(NoteTTL).Unix(),
		ID: n.ID, Recipient: n.Recipient, ClaimID: n.ClaimID, EventType: n.EventType, EventID: n.EventID,
		Title: n.Title, Text: n.Text, TitleEN: n.TitleEN, TextEN: n.TextEN, At: n.At.UTC().Format(time.RFC3339Nano), Read: n.Read,
	}
	if n.Read {
		r.ReadAt = n.ReadAt.UTC().Format(time.RFC3339Nano)
	} else {
		r.GSI1PK, r.GSI1SK = unreadPK(n.Recipient), sk
	}
	return r
}

func (it *noteRecord) note() notify.Note {
	n := notify.Note{ID: it.ID, Recipient: it.Recipient, ClaimID: it.ClaimID, EventType: it.EventType, EventID: it.EventID,
		Title: it.Title, Text: it.Text, TitleEN: it.TitleEN, TextEN: it.TextEN, Read: it.Read}
	n.At, _ = time.Parse(time.RFC3339Nano, it.At)
	if it.ReadAt != "" {
		n.ReadAt, _ = time.Parse(time.RFC3339Nano, it.ReadAt)
	}
	return n
}

// targetRecord is a webhook target: WEBHOOK / TARGET#<id>.
type targetRecord struct {
	PK          string    `dynamodbav:"PK"`
	SK          string    `dynamodbav:"SK"`
	Entity      string    `dynamodbav:"entity"`
	ID          string    `dynamodbav:"id"`
	URL         string    `dynamodbav:"url"`
	Events      []string  `dynamodbav:"events"`
	DealerID    string    `dynamodbav:"dealerId,omitempty"`
	Active      bool      `dynamodbav:"active"`
	Description string    `dynamodbav:"description,omitempty"`
	UpdatedAt   time.Time `dynamodbav:"updatedAt,omitempty"`
	UpdatedBy   string    `dynamodbav:"updatedBy"`
}

func (targetRecord) storedItem() {}

func newTargetRecord(t webhook.Target) targetRecord {
	return targetRecord{PK: webhookPK, SK: targetSK(t.ID), Entity: "webhook", ID: t.ID, URL: t.URL, Events: t.Events, DealerID: t.DealerID,
		Active: t.Active, Description: t.Description, UpdatedAt: t.UpdatedAt, UpdatedBy: t.UpdatedBy}
}

func (r *targetRecord) target() webhook.Target {
	return webhook.Target{ID: r.ID, URL: r.URL, Events: r.Events, DealerID: r.DealerID, Active: r.Active, Description: r.Description,
		UpdatedAt: r.UpdatedAt, UpdatedBy: r.UpdatedBy}
}

// deliveryRecord is what the Store reads of a delivery (DELIVERY#<event
// id> / <delivery key>), which update expressions write
// (ClaimDelivery, ReleaseDelivery, MarkDeliveryDone).
type deliveryRecord struct {
	Key        string `dynamodbav:"SK"`
	Status     string `dynamodbav:"status"`
	Attempt    string `dynamodbav:"attempt"`
	LeaseUntil int64  `dynamodbav:"leaseUntil"`
	Claims     int    `dynamodbav:"claims"`
	Repeats    int    `dynamodbav:"repeats"`
}
