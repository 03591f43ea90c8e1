package notify_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/notify"
)

// inboxStore is an in-memory notify.InboxStore.
type inboxStore struct {
	notes map[string][]notify.Note // by recipient, any order
}

func (s *inboxStore) Notes(_ context.Context, q notify.NoteQuery) (*notify.NotePage, error) {
	all := slices.Clone(s.notes[q.Recipient])
	slices.SortFunc(all, func(a, b notify.Note) int { return -strings.Compare(a.ID, b.ID) })
	var out []notify.Note
	for _, n := range all {
		if (q.Before == "" || n.ID < q.Before) && (!q.Unread || !n.Read) {
			out = append(out, n)
		}
	}
	page := &notify.NotePage{}
	if len(out) > q.Limit {
		out, page.More = out[:q.Limit], true
	}
	page.Notes = out
	return page, nil
}

func (s *inboxStore) MarkNoteRead(_ context.Context, recipient, id string, at time.Time) (*notify.Note, error) {
	for i, n := range s.notes[recipient] {
		if n.ID == id {
			if !n.Read {
				s.notes[recipient][i].Read, s.notes[recipient][i].ReadAt = true, at
			}
			n := s.notes[recipient][i]
			return &n, nil
		}
	}
	return nil, apperr.Errorf(apperr.NotFound, "no note")
}

func inboxFixture() (*notify.Inbox, *inboxStore) {
	s := &inboxStore{notes: map[string][]notify.Note{}}
	add := func(recipient string, minute int, read bool) {
		t := at.Add(time.Duration(minute) * time.Minute)
		id := fmt.Sprintf("ev-%s-%d", recipient, minute)
		s.notes[recipient] = append(s.notes[recipient], notify.Note{ID: notify.NoteID(t, id, recipient), Recipient: recipient, EventID: id, At: t, Read: read, ClaimID: "RC-2026-000001"})
	}
	for _, m := range []int{1, 3, 5} {
		add("user:sup-1", m, m == 3)
	}
	for _, m := range []int{2, 4} {
		add(notify.SupervisorsInbox, m, false)
	}
	add("user:m-1", 6, false)
	add(notify.DealerInbox("DLR-1"), 7, false)
	add(notify.DealerInbox("DLR-2"), 8, false)
	in, err := notify.NewInbox(notify.InboxConfig{Store: s, CursorKey: []byte("cursor-key"), Now: func() time.Time { return at.Add(time.Hour) }})
	if err != nil {
		panic(err)
	}
	return in, s
}

func minutes(notes []notify.Note) []int {
	var out []int
	for _, n := range notes {
		out = append(out, int(n.At.Sub(at)/time.Minute))
	}
	return out
}

func TestInboxListsOwnAndRoleNotes(t *testing.T) {
	inbox, _ := inboxFixture()
	ctx := context.Background()
	sup := &auth.Principal{UserID: "sup-1", Roles: []auth.Role{auth.Supervisor}}
	page, err := inbox.List(ctx, sup, notify.InboxQuery{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{5, 4, 3}, minutes(page.Notes)); diff != "" || page.Next == "" {
		t.Fatalf("first page (-want +got):\n%s (next %q)", diff, page.Next)
	}
	page, err = inbox.List(ctx, sup, notify.InboxQuery{Limit: 3, Cursor: page.Next})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{2, 1}, minutes(page.Notes)); diff != "" || page.Next != "" {
		t.Errorf("second page (-want +got):\n%s (next %q)", diff, page.Next)
	}
	page, _ = inbox.List(ctx, sup, notify.InboxQuery{Unread: true})
	if diff := cmp.Diff([]int{5, 4, 2, 1}, minutes(page.Notes)); diff != "" {
		t.Errorf("unread (-want +got):\n%s", diff)
	}
	// A manager sees only their own.
	mgr := &auth.Principal{UserID: "m-1", Roles: []auth.Role{auth.Manager}}
	page, _ = inbox.List(ctx, mgr, notify.InboxQuery{})
	if diff := cmp.Diff([]int{6}, minutes(page.Notes)); diff != "" {
		t.Errorf("manager's notes (-want +got):\n%s", diff)
	}
	// A dealer's users and the dealer's own system read the dealer's inbox,
	// not another dealer's.
	for _, p := range []*auth.Principal{
		{UserID: "d", Roles: []auth.Role{auth.Dealer}, DealerID: "DLR-1"},
		{UserID: "dealer-system", Roles: []auth.Role{auth.Integration}, DealerID: "DLR-1"},
	} {
		page, err := inbox.List(ctx, p, notify.InboxQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]int{7}, minutes(page.Notes)); diff != "" {
			t.Errorf("%s's notes (-want +got):\n%s", p.UserID, diff)
		}
	}
	// Nobody else's inbox and no notes for the company's integrations.
	errs := map[string]struct {
		p    *auth.Principal
		q    notify.InboxQuery
		code apperr.Code
	}{
		"integration":             {&auth.Principal{UserID: "erp", Roles: []auth.Role{auth.Integration}}, notify.InboxQuery{}, apperr.Forbidden},
		"nobody":                  {nil, notify.InboxQuery{}, apperr.Unauthorized},
		"forged cursor":           {sup, notify.InboxQuery{Cursor: "eyJpIjpbXX0.AAAA"}, apperr.Invalid},
		"another's cursor":        {mgr, notify.InboxQuery{Cursor: firstCursor(t, inbox, sup)}, apperr.Invalid},
		"cursor of another query": {sup, notify.InboxQuery{Unread: true, Cursor: firstCursor(t, inbox, sup)}, apperr.Invalid},
		"limit":                   {sup, notify.InboxQuery{Limit: 1000}, apperr.Invalid},
	}
	for name, tt := range errs {
		if _, err := inbox.List(ctx, tt.p, tt.q); apperr.CodeOf(err) != tt.code {
			t.Errorf("%s: %v, want %s", name, err, tt.code)
		}
	}
}

func firstCursor(t *testing.T, inbox *notify.Inbox, p *auth.Principal) string {
	t.Helper()
	page, err := inbox.List(context.Background(), p, notify.InboxQuery{Limit: 1})
	if err != nil || page.Next == "" {
		t.Fatalf("no cursor: %v", err)
	}
	return page.Next
}

func TestInboxMarkRead(t *testing.T) {
	inbox, s := inboxFixture()
	ctx := context.Background()
	sup := &auth.Principal{UserID: "sup-1", Roles: []auth.Role{auth.Supervisor}}
	mgr := &auth.Principal{UserID: "m-1", Roles: []auth.Role{auth.Manager}}
	role := s.notes[notify.SupervisorsInbox][0]
	own := s.notes["user:m-1"][0]
	n, err := inbox.MarkRead(ctx, sup, role.ID)
	if err != nil || !n.Read || !n.ReadAt.Equal(at.Add(time.Hour)) {
		t.Errorf("supervisor reads the role inbox's note = %+v, %v", n, err)
	}
	if n, err := inbox.MarkRead(ctx, mgr, own.ID); err != nil || !n.Read {
		t.Errorf("manager reads own note = %+v, %v", n, err)
	}
	for name, id := range map[string]string{"the supervisors' note": role.ID, "a supervisor's note": s.notes["user:sup-1"][0].ID, "not an ID": "../../x"} {
		if _, err := inbox.MarkRead(ctx, mgr, id); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("manager marks %s read: %v, want not found", name, err)
		}
	}
	if _, err := inbox.MarkRead(ctx, &auth.Principal{UserID: "d", Roles: []auth.Role{auth.Dealer}}, own.ID); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("dealer: %v, want forbidden", err)
	}
}

func TestNoteIDs(t *testing.T) {
	id := notify.NoteID(at, "ev-1", "user:m-1")
	if id != notify.NoteID(at, "ev-1", "user:m-1") || id == notify.NoteID(at, "ev-1", "user:m-2") || id == notify.NoteID(at, "ev-2", "user:m-1") {
		t.Errorf("note IDs are not one per event and recipient")
	}
	if got, ok := notify.NoteTime(id); !ok || !got.Equal(at) {
		t.Errorf("NoteTime(%s) = %v, %v", id, got, ok)
	}
	if later := notify.NoteID(at.Add(time.Millisecond), "ev-0", "user:m-1"); later <= id {
		t.Errorf("IDs do not sort by time: %s <= %s", later, id)
	}
	for _, bad := range []string{"", "x", strings.Repeat("g", 12) + "-" + strings.Repeat("0", 16), id + "0"} {
		if _, ok := notify.NoteTime(bad); ok {
			t.Errorf("NoteTime(%q) accepted", bad)
		}
	}
}
