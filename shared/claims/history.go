package claims

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/orders"
)

// Event is one entry of a claim's append-only history: who changed what,
// when, with the values before and after. Entries are hash-chained: each
// Hash covers the entry and the previous entry's Hash, so editing or
// removing a stored entry breaks every later link.
type Event struct {
	Seq    int            `json:"seq"`
	Type   string         `json:"type"`
	Actor  string         `json:"actor"`
	At     time.Time      `json:"at"`
	Before map[string]any `json:"before,omitempty"`
	After  map[string]any `json:"after,omitempty"`
	Note   string         `json:"note,omitempty"`
	// PrevHash and Hash are left out of the views that do not show the
	// chain (visibility); the digest always covers PrevHash (sealedEvent).
	PrevHash string `json:"prevHash,omitempty"`
	Hash     string `json:"hash,omitempty"`
}

// sealedEvent is the encoding a Hash covers: Event's fields with PrevHash and
// Hash always written, as the chain was first sealed. Event's own encoding
// may leave them out; the digest must not change with it.
type sealedEvent struct {
	Seq      int            `json:"seq"`
	Type     string         `json:"type"`
	Actor    string         `json:"actor"`
	At       time.Time      `json:"at"`
	Before   map[string]any `json:"before,omitempty"`
	After    map[string]any `json:"after,omitempty"`
	Note     string         `json:"note,omitempty"`
	PrevHash string         `json:"prevHash"`
	Hash     string         `json:"hash"`
}

// History event types written by intake.
const (
	EventCreated         = "claim.created"
	EventAttachmentAdded = "attachment.added"
)

// Seal links e after prev (the previous entry's Hash, "" for the first) and
// computes its Hash.
func (e *Event) Seal(prev string) error {
	e.PrevHash = prev
	h, err := e.digest()
	if err != nil {
		return err
	}
	e.Hash = h
	return nil
}

func (e *Event) digest() (string, error) {
	c := sealedEvent(*e)
	c.Hash = ""
	c.At = c.At.UTC()
	// encoding/json sorts map keys, which makes the encoding canonical.
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode history event %d: %w", e.Seq, err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// VerifyChain checks a history in Seq order: consecutive sequence numbers,
// each entry linked to the previous one and each Hash matching its content.
// It returns the Seq of the first broken entry and false, or 0 and true.
func VerifyChain(events []Event) (int, bool) {
	prev := ""
	for i, e := range events {
		if e.Seq != i+1 || e.PrevHash != prev {
			return e.Seq, false
		}
		h, err := e.digest()
		if err != nil || h != e.Hash {
			return e.Seq, false
		}
		prev = e.Hash
	}
	return 0, true
}

// Change is one versioned change of a stored claim: its new state (Version
// already incremented), the history entry sealed onto the chain, and what
// the change adds (files, outbox events). Storage applies it atomically if
// the stored version is still PrevVersion.
type Change struct {
	Claim *Claim
	// Before is the claim as the change found it (nil when the caller did
	// not read it): storage moves what depends on the old state, such as
	// the list entries of a revised decision.
	Before      *Claim
	PrevVersion int
	Event       Event
	Files       []Attachment
	Outbox      []events.Event
	// Messages are chat messages the change posts.
	Messages []Message
	// Orders are orders the change creates (with this claim as source).
	Orders []orders.Order
	// RateLimits are counters the change must keep within their limits
	// (the public side's messages); exhausted, the change is refused.
	RateLimits []RateLimit
}

// RateLimit is a counter a write must keep at or under Limit until Expires,
// checked and counted in the write's own transaction.
type RateLimit struct {
	Key     string
	Limit   int
	Expires time.Time
}

// HourlyLimit is the counter of key for the clock hour of now, allowing
// perHour writes (kept until the hour after next).
func HourlyLimit(key string, perHour int, now time.Time) RateLimit {
	hour := now.UTC().Truncate(time.Hour)
	return RateLimit{Key: key + "#" + hour.Format("2006010215"), Limit: perHour, Expires: hour.Add(2 * time.Hour)}
}

// Next prepares the history entry of the claim's next change: the next
// sequence number, sealed after the claim's history head. It advances the
// claim's version, history head and update time to match.
func Next(c *Claim, typ, actor string, at time.Time, before, after map[string]any) (Event, error) {
	e, err := Record(c, typ, actor, at, before, after)
	if err != nil {
		return Event{}, err
	}
	c.Version++
	c.UpdatedAt = at.UTC()
	return e, nil
}

// Record prepares a history entry that records something about the claim
// without changing it (a document generated): sealed after the history
// head, which it advances; Version and UpdatedAt stay.
func Record(c *Claim, typ, actor string, at time.Time, before, after map[string]any) (Event, error) {
	e := Event{Seq: c.HistoryHead() + 1, Type: typ, Actor: actor, At: at.UTC(), Before: before, After: after}
	if err := e.Seal(c.HistoryHash); err != nil {
		return Event{}, err
	}
	c.HistorySeq = e.Seq
	c.HistoryHash = e.Hash
	return e, nil
}

// HistoryHead is the sequence number of the claim's latest history entry.
func (c *Claim) HistoryHead() int {
	if c.HistorySeq > 0 {
		return c.HistorySeq
	}
	return c.Version
}
