package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/deps"
	"github.com/claimsdesk/backend/shared/lazyre"
	"github.com/claimsdesk/backend/shared/visibility"
)

// SupervisorsInbox is the role inbox every supervisor reads.
const SupervisorsInbox = "role:supervisors"

// UserInbox is the inbox of one user.
func UserInbox(userID string) string { return "user:" + userID }

// DealerInbox is the inbox a dealer's users (and the dealer's own system)
// read: what the claims department asks of the dealer.
func DealerInbox(dealerID string) string { return "dealer:" + dealerID }

// Note is an in-app notification in one recipient's inbox.
type Note struct {
	ID string `json:"id"`
	// Recipient is "user:<userId>", "role:supervisors" or "dealer:<dealerId>".
	Recipient string    `json:"recipient"`
	ClaimID   string    `json:"claimId"`
	EventType string    `json:"eventType"`
	EventID   string    `json:"eventId"`
	Title     string    `json:"title"`
	Text      string    `json:"text"`
	TitleEN   string    `json:"titleEn"`
	TextEN    string    `json:"textEn"`
	At        time.Time `json:"at"`
	Read      bool      `json:"read"`
	ReadAt    time.Time `json:"readAt,omitzero"`
}

// NoteID is the ID of the note an event leaves in an inbox: the time (hex
// milliseconds) and a digest of the event and recipient, so a redelivered
// event writes the same note again, never a second one, and the ID tells
// the storage where the note is.
func NoteID(at time.Time, eventID, recipient string) string {
	sum := sha256.Sum256([]byte(eventID + "\x00" + recipient))
	return fmt.Sprintf("%012x-%s", at.UnixMilli(), hex.EncodeToString(sum[:8]))
}

var noteIDPattern = lazyre.New(`^[0-9a-f]{12}-[0-9a-f]{16}$`)

// NoteTime returns the time a note ID carries; ok is false for anything
// that is not a note ID.
func NoteTime(id string) (time.Time, bool) {
	if !noteIDPattern.MatchString(id) {
		return time.Time{}, false
	}
	ms, err := strconv.ParseInt(id[:12], 16, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(ms).UTC(), true
}

// NoteQuery asks for a page of one inbox, newest first.
type NoteQuery struct {
	Recipient string
	Unread    bool
	Limit     int
	// Before continues after the note with this ID ("" = from the newest).
	Before string
}

// NotePage is a page of one inbox.
type NotePage struct {
	Notes []Note
	// More is set when the inbox has older notes.
	More bool
}

// InboxStore keeps the notes.
type InboxStore interface {
	// Notes returns a page of an inbox, newest first.
	Notes(ctx context.Context, q NoteQuery) (*NotePage, error)
	// MarkNoteRead marks a note of an inbox read and returns it;
	// apperr.NotFound when the inbox has no such note.
	MarkNoteRead(ctx context.Context, recipient, id string, at time.Time) (*Note, error)
}

// Inbox is the in-app notifications of the signed-in claims department:
// each user's own notes and, for supervisors, the supervisors' role inbox.
type Inbox struct {
	cfg InboxConfig
}

// InboxConfig wires an Inbox; Store and CursorKey are required.
type InboxConfig struct {
	Store InboxStore
	// CursorKey signs page cursors (keys.Keys.Cursor).
	CursorKey []byte
	// Now is the clock of reading times (default time.Now).
	Now func() time.Time
}

// NewInbox returns an Inbox. It returns an Internal error naming each
// required dependency cfg lacks (a typed nil counts as none).
func NewInbox(cfg InboxConfig) (*Inbox, error) {
	if err := deps.Check("notify inbox", deps.Need("Store", cfg.Store), deps.Need("CursorKey", cfg.CursorKey)); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Inbox{cfg: cfg}, nil
}

// InboxQuery is a request for a page of the caller's notes.
type InboxQuery struct {
	Unread bool
	Limit  int
	Cursor string
}

// InboxPage is a page of the caller's notes, newest first.
type InboxPage struct {
	Notes []Note `json:"notes"`
	// Next is the cursor of the next page ("" on the last one).
	Next string `json:"next,omitempty"`
}

// inboxes returns the inboxes p reads: a dealer's users and the dealer's
// own system the dealer's, staff their own (and supervisors the
// supervisors'). Errors: Unauthorized, Forbidden for the company's
// integrations (they get webhooks).
func inboxes(p *auth.Principal) ([]string, error) {
	if d := visibility.DealerScope(p); d != "" {
		return []string{DealerInbox(d)}, nil
	}
	if err := auth.Require(p, auth.Manager, auth.Supervisor, auth.Admin); err != nil {
		return nil, err
	}
	out := []string{UserInbox(p.UserID)}
	if p.Has(auth.Supervisor) {
		out = append(out, SupervisorsInbox)
	}
	return out, nil
}

// noteCursor is what a page cursor carries: the query and where it stopped.
type noteCursor struct {
	Inboxes []string `json:"i"`
	Unread  bool     `json:"u,omitempty"`
	Before  string   `json:"b"`
}

// List returns a page of p's notes, newest first; supervisors' pages merge
// their own inbox with the supervisors'. Errors: Unauthorized, Forbidden
// (the company's integrations), Invalid naming "limit" or "cursor".
func (s *Inbox) List(ctx context.Context, p *auth.Principal, q InboxQuery) (*InboxPage, error) {
	boxes, err := inboxes(p)
	if err != nil {
		return nil, err
	}
	switch {
	case q.Limit == 0:
		q.Limit = 25
	case q.Limit < 1 || q.Limit > 100:
		return nil, apperr.InvalidField("limit", "1..100")
	}
	before := ""
	if q.Cursor != "" {
		c, err := s.decodeCursor(q.Cursor)
		if err != nil {
			return nil, err
		}
		if !slices.Equal(c.Inboxes, boxes) || c.Unread != q.Unread {
			return nil, apperr.InvalidField("cursor", "the cursor belongs to another query")
		}
		before = c.Before
	}
	var all []Note
	more := false
	for _, box := range boxes {
		page, err := s.cfg.Store.Notes(ctx, NoteQuery{Recipient: box, Unread: q.Unread, Limit: q.Limit, Before: before})
		if err != nil {
			return nil, fmt.Errorf("notes of %s: %w", box, err)
		}
		all = append(all, page.Notes...)
		more = more || page.More
	}
	// Note IDs start with their time, so ID order is time order in every
	// inbox (the storage's sort key ends with the ID).
	slices.SortStableFunc(all, func(a, b Note) int { return -strings.Compare(a.ID, b.ID) })
	if len(all) > q.Limit {
		all, more = all[:q.Limit], true
	}
	out := &InboxPage{Notes: all}
	if out.Notes == nil {
		out.Notes = []Note{}
	}
	if more && len(all) > 0 {
		out.Next = s.encodeCursor(noteCursor{Inboxes: boxes, Unread: q.Unread, Before: all[len(all)-1].ID})
	}
	return out, nil
}

// MarkRead marks one of p's notes (or, for a supervisor, one of the
// supervisors' inbox) read and returns it; marking a read note again keeps
// its first reading time. Errors: Unauthorized, Forbidden (the company's
// integrations), NotFound for another's note or an unknown ID.
func (s *Inbox) MarkRead(ctx context.Context, p *auth.Principal, id string) (*Note, error) {
	boxes, err := inboxes(p)
	if err != nil {
		return nil, err
	}
	if _, ok := NoteTime(id); !ok {
		return nil, apperr.Errorf(apperr.NotFound, "notification not found")
	}
	for _, box := range boxes {
		n, err := s.cfg.Store.MarkNoteRead(ctx, box, id, s.cfg.Now().UTC())
		if apperr.Is(err, apperr.NotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("mark notification %s read: %w", id, err)
		}
		return n, nil
	}
	return nil, apperr.Errorf(apperr.NotFound, "notification not found")
}

func (s *Inbox) encodeCursor(c noteCursor) string {
	b, _ := json.Marshal(c)
	m := hmac.New(sha256.New, s.cfg.CursorKey)
	m.Write([]byte("notes:"))
	m.Write(b)
	return base64.RawURLEncoding.EncodeToString(b) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:12])
}

func (s *Inbox) decodeCursor(token string) (noteCursor, error) {
	bad := apperr.InvalidField("cursor", "not a cursor from this API")
	body, sig, ok := strings.Cut(token, ".")
	if !ok {
		return noteCursor{}, bad
	}
	b, err1 := base64.RawURLEncoding.DecodeString(body)
	mac, err2 := base64.RawURLEncoding.DecodeString(sig)
	if err1 != nil || err2 != nil {
		return noteCursor{}, bad
	}
	m := hmac.New(sha256.New, s.cfg.CursorKey)
	m.Write([]byte("notes:"))
	m.Write(b)
	if !hmac.Equal(mac, m.Sum(nil)[:12]) {
		return noteCursor{}, bad
	}
	var c noteCursor
	if err := json.Unmarshal(b, &c); err != nil {
		return noteCursor{}, bad
	}
	if _, ok := NoteTime(c.Before); !ok {
		return noteCursor{}, bad
	}
	return c, nil
}
