package chat_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/casework"
	"github.com/claimsdesk/backend/shared/chat"
	"github.com/claimsdesk/backend/shared/chat/chattest"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/workflow"
)

var ctx = context.Background()

var (
	customer   = casework.Caller{Claimant: true}
	dealer     = &auth.Principal{UserID: "d-1", Roles: []auth.Role{auth.Dealer}, DealerID: "D-1"}
	otherDeal  = &auth.Principal{UserID: "d-2", Roles: []auth.Role{auth.Dealer}, DealerID: "D-2"}
	manager    = &auth.Principal{UserID: "m-1", Username: "Ольга", Roles: []auth.Role{auth.Manager}}
	otherMgr   = &auth.Principal{UserID: "m-2", Roles: []auth.Role{auth.Manager}}
	supervisor = &auth.Principal{UserID: "s-1", Roles: []auth.Role{auth.Supervisor}}
	admin      = &auth.Principal{UserID: "a-1", Roles: []auth.Role{auth.Admin}}
	integrator = &auth.Principal{UserID: "i-1", Roles: []auth.Role{auth.Integration}}
)

func as(p *auth.Principal) casework.Caller { return casework.Caller{Principal: p} }

func newEnv(t *testing.T, stage claims.Stage) (*chattest.Env, string) {
	t.Helper()
	e := chattest.NewEnv()
	c := chattest.Claim(1, stage)
	if stage == workflow.WaitingForCustomer {
		c.PreviousStage = workflow.Diagnostics
	}
	e.Store.Put(c)
	return e, c.ID
}

func TestPostByTheCustomer(t *testing.T) {
	e, id := newEnv(t, workflow.Diagnostics)
	msg, cl, err := e.Chat.Post(ctx, customer, id, 0, chat.Post{Body: "  Корпус греется\r\nдо 80 °C\u200b  "})
	if err != nil {
		t.Fatal(err)
	}
	want := claims.Message{ID: msg.ID, Author: "claimant", AuthorRole: chat.RoleClaimant, AuthorName: "Анна Смирнова",
		Body: "Корпус греется\nдо 80 °C", At: chattest.Now}
	if diff := cmp.Diff(want, *msg); diff != "" {
		t.Errorf("message mismatch (-want +got):\n%s", diff)
	}
	if cl.Version != 2 || cl.Stage != workflow.Diagnostics {
		t.Errorf("claim after the message: version %d, stage %s", cl.Version, cl.Stage)
	}
	if diff := cmp.Diff([]claims.Message{want}, e.Store.Messages(id)); diff != "" {
		t.Errorf("stored messages mismatch (-want +got):\n%s", diff)
	}

	// The history says who wrote how much, never what.
	h := e.Store.History(id)
	last := h[len(h)-1]
	n := utf8.RuneCountInString(want.Body)
	wantAfter := map[string]any{"message": msg.ID, "authorRole": "claimant", "length": n, "attachments": 0}
	if last.Type != chat.EventPosted || last.Actor != "claimant" || !cmp.Equal(wantAfter, last.After) {
		t.Errorf("history entry %s by %s: %v", last.Type, last.Actor, last.After)
	}
	if seq, ok := claims.VerifyChain(h); !ok {
		t.Errorf("history chain broken at %d", seq)
	}
	b, _ := json.Marshal(h)
	if strings.Contains(string(b), "греется") {
		t.Error("the message text is in the history")
	}

	// One outbox event for the notifier, written and published.
	if len(e.Store.Outbox) != 1 || len(e.Publisher.Events) != 1 || e.Store.Outbox[0].ID != e.Publisher.Events[0].ID {
		t.Fatalf("outbox %v, published %v", e.Store.Outbox, e.Publisher.Events)
	}
	ev := e.Store.Outbox[0]
	var data events.Message
	if err := json.Unmarshal(ev.Data, &data); err != nil {
		t.Fatal(err)
	}
	wantData := events.Message{Number: id, MessageID: msg.ID, AuthorRole: "claimant", AuthorName: "Анна Смирнова", Length: n,
		Stage: "diagnostics", Assignee: "m-1", DealerID: "D-1", Email: "anna@example.com", Language: "ru"}
	if ev.Type != events.MessagePosted || ev.ClaimID != id {
		t.Errorf("event %s on %s", ev.Type, ev.ClaimID)
	}
	if diff := cmp.Diff(wantData, data); diff != "" {
		t.Errorf("event data mismatch (-want +got):\n%s", diff)
	}
}

func TestWhoMayPost(t *testing.T) {
	tests := []struct {
		name     string
		caller   casework.Caller
		assignee string
		role     string
		author   string
		code     apperr.Code
	}{
		{name: "customer", caller: customer, role: chat.RoleClaimant, author: "claimant"},
		{name: "the claim's dealer", caller: as(dealer), role: chat.RoleDealer, author: "dealers:d-1"},
		{name: "the claim's manager", caller: as(manager), role: chat.RoleManager, author: "managers:m-1"},
		{name: "a supervisor", caller: as(supervisor), role: chat.RoleSupervisor, author: "supervisors:s-1"},
		{name: "a supervisor managing the claim", caller: as(supervisor), assignee: "s-1", role: chat.RoleManager, author: "supervisors:s-1"},
		{name: "another dealer", caller: as(otherDeal), code: apperr.NotFound},
		{name: "another manager", caller: as(otherMgr), code: apperr.NotFound},
		{name: "an admin", caller: as(admin), code: apperr.NotFound},
		{name: "an integration", caller: as(integrator), code: apperr.NotFound},
		{name: "nobody", caller: casework.Caller{}, code: apperr.Unauthorized},
		{name: "the system", caller: casework.Caller{System: true}, code: apperr.Forbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := chattest.NewEnv()
			c := chattest.Claim(7, workflow.Decision)
			if tc.assignee != "" {
				c.Assignee = tc.assignee
			}
			e.Store.Put(c)
			msg, _, err := e.Chat.Post(ctx, tc.caller, c.ID, 0, chat.Post{Body: "Когда будет решение?"})
			if got := apperr.CodeOf(err); got != tc.code {
				t.Fatalf("error %v, want code %q", err, tc.code)
			}
			if tc.code != "" {
				if n := len(e.Store.Messages(c.ID)); n != 0 || len(e.Store.Outbox) != 0 {
					t.Errorf("refused message stored anyway: %d messages, %d events", n, len(e.Store.Outbox))
				}
				return
			}
			if msg.AuthorRole != tc.role || msg.Author != tc.author {
				t.Errorf("author %s (%s), want %s (%s)", msg.Author, msg.AuthorRole, tc.author, tc.role)
			}
		})
	}
}

func TestPostUnknownClaim(t *testing.T) {
	e, _ := newEnv(t, workflow.New)
	for _, id := range []string{"RC-2026-000999", "nonsense", ""} {
		if _, _, err := e.Chat.Post(ctx, as(supervisor), id, 0, chat.Post{Body: "x"}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("%q: %v, want not found", id, err)
		}
	}
}

func TestPostValidation(t *testing.T) {
	scope := chat.TrackScope(claims.Number(2026, 1))
	files := func(f *chattest.Files) {
		f.Put(scope, chattest.UploadID(1), "image/jpeg", "a.jpg", chattest.JPEG, 0)
		f.Put(scope, chattest.UploadID(2), "image/jpeg", "fake.jpg", chattest.PDF, 0)
		f.Put(scope, chattest.UploadID(3), "text/plain", "notes.txt", []byte("just some text, not a photo"), 0)
		f.Put(scope, chattest.UploadID(4), "image/png", "huge.png", chattest.PNG, 5<<20)
		f.Put(scope, chattest.UploadID(5), "", "empty.png", chattest.PNG, -1)
		f.Put(chat.UserScope(claims.Number(2026, 1), "d-1"), chattest.UploadID(6), "image/jpeg", "dealer.jpg", chattest.JPEG, 0)
	}
	ref := func(zone string, n int) chat.AttachmentRef {
		return chat.AttachmentRef{Zone: zone, UploadID: chattest.UploadID(n)}
	}
	tests := []struct {
		name   string
		post   chat.Post
		fields []string
	}{
		{"empty body", chat.Post{Body: ""}, []string{"body"}},
		{"only spaces and controls", chat.Post{Body: " \t\u200b\x00\n "}, []string{"body"}},
		{"too long", chat.Post{Body: strings.Repeat("я", chat.MaxBody+1)}, []string{"body"}},
		{"too many files", chat.Post{Body: "фото", Attachments: slices.Repeat([]chat.AttachmentRef{ref("", 1)}, chat.MaxAttachments+1)}, []string{"attachments"}},
		{"unknown zone", chat.Post{Body: "фото", Attachments: []chat.AttachmentRef{ref("roof", 1)}}, []string{"attachments[0].zone"}},
		{"malformed upload ID", chat.Post{Body: "фото", Attachments: []chat.AttachmentRef{{Zone: "product", UploadID: "../../etc/passwd"}}}, []string{"attachments[0].uploadId"}},
		{"attached twice", chat.Post{Body: "фото", Attachments: []chat.AttachmentRef{ref("product", 1), ref("", 1)}}, []string{"attachments[1].uploadId"}},
		{"no such upload", chat.Post{Body: "фото", Attachments: []chat.AttachmentRef{ref("product", 99)}}, []string{"attachments[0].uploadId"}},
		{"another scope's upload", chat.Post{Body: "фото", Attachments: []chat.AttachmentRef{ref("product", 6)}}, []string{"attachments[0].uploadId"}},
		{"content is not what was declared", chat.Post{Body: "фото", Attachments: []chat.AttachmentRef{ref("", 2)}}, []string{"attachments[0]"}},
		{"type not accepted", chat.Post{Body: "фото", Attachments: []chat.AttachmentRef{ref("", 3)}}, []string{"attachments[0]"}},
		{"photo in the video zone", chat.Post{Body: "фото", Attachments: []chat.AttachmentRef{ref("video", 1)}}, []string{"attachments[0]"}},
		{"too large for every zone", chat.Post{Body: "фото", Attachments: []chat.AttachmentRef{ref("", 4)}}, []string{"attachments[0]"}},
		{"empty file", chat.Post{Body: "фото", Attachments: []chat.AttachmentRef{ref("", 5)}}, []string{"attachments[0]"}},
		{"every problem at once", chat.Post{Body: "", Attachments: []chat.AttachmentRef{ref("roof", 1), ref("", 3)}}, []string{"attachments[0].zone", "attachments[1]", "body"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, id := newEnv(t, workflow.Diagnostics)
			files(e.Files)
			_, _, err := e.Chat.Post(ctx, customer, id, 0, tc.post)
			ae, ok := apperr.As(err)
			if !ok || ae.Code != apperr.Invalid {
				t.Fatalf("error %v, want invalid", err)
			}
			var got []string
			for _, f := range ae.Fields {
				got = append(got, f.Field)
			}
			sort.Strings(got)
			if diff := cmp.Diff(tc.fields, got); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s\n%v", diff, ae.Fields)
			}
			if len(e.Store.Messages(id)) != 0 || len(e.Store.History(id)) != 1 {
				t.Error("an invalid message changed the claim")
			}
		})
	}
}

func TestPostWithAttachments(t *testing.T) {
	e, id := newEnv(t, workflow.Diagnostics)
	scope := chat.UserScope(id, "d-1")
	e.Files.Put(scope, chattest.UploadID(1), "image/jpeg", "корпус.jpg", chattest.JPEG, 0)
	e.Files.Put(scope, chattest.UploadID(2), "", "акт.pdf", chattest.PDF, 0)
	e.Files.Put(scope, chattest.UploadID(3), "image/jpg", "", chattest.JPEG, 2<<20)
	msg, _, err := e.Chat.Post(ctx, as(dealer), id, 0, chat.Post{Body: "Фото и акт", Attachments: []chat.AttachmentRef{
		{Zone: "product", UploadID: chattest.UploadID(1)},
		// Without a zone: the first zone taking the file.
		{UploadID: chattest.UploadID(2)},
		// Too big for product photos (1 MB), fits the documents (4 MB).
		{UploadID: chattest.UploadID(3)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []claims.Attachment{
		{ID: chattest.UploadID(1), Zone: "product", Key: intake.UploadKey(scope, chattest.UploadID(1)), FileName: "корпус.jpg", ContentType: "image/jpeg", Size: int64(len(chattest.JPEG)), UploadedAt: chattest.Now, UploadedBy: "dealers:d-1"},
		{ID: chattest.UploadID(2), Zone: "documents", Key: intake.UploadKey(scope, chattest.UploadID(2)), FileName: "акт.pdf", ContentType: "application/pdf", Size: int64(len(chattest.PDF)), UploadedAt: chattest.Now, UploadedBy: "dealers:d-1"},
		{ID: chattest.UploadID(3), Zone: "documents", Key: intake.UploadKey(scope, chattest.UploadID(3)), FileName: "file", ContentType: "image/jpeg", Size: 2 << 20, UploadedAt: chattest.Now, UploadedBy: "dealers:d-1"},
	}
	if diff := cmp.Diff(want, msg.Attachments); diff != "" {
		t.Errorf("attachments mismatch (-want +got):\n%s", diff)
	}
	if after := e.Store.History(id)[1].After; after["attachments"] != 3 {
		t.Errorf("history counts %v attachments", after["attachments"])
	}
	// Even when the table drops the keys, the files can be found.
	stored := e.Store.Messages(id)[0]
	for i := range stored.Attachments {
		if got := chat.AttachmentKey(id, &stored, &stored.Attachments[i]); got != want[i].Key {
			t.Errorf("AttachmentKey %d = %q, want %q", i, got, want[i].Key)
		}
	}
}

func TestPostAttachmentToATypeWithoutFiles(t *testing.T) {
	e := chattest.NewEnv()
	c := chattest.Claim(3, workflow.New)
	c.TypeID = "staff_conduct"
	e.Store.Put(c)
	e.Files.Put(chat.TrackScope(c.ID), chattest.UploadID(1), "image/jpeg", "a.jpg", chattest.JPEG, 0)
	_, _, err := e.Chat.Post(ctx, customer, c.ID, 0, chat.Post{Body: "фото", Attachments: []chat.AttachmentRef{{UploadID: chattest.UploadID(1)}}})
	if ae, ok := apperr.As(err); !ok || len(ae.Fields) != 1 || ae.Fields[0].Field != "attachments" {
		t.Errorf("error %v, want invalid attachments", err)
	}
	if _, _, err := e.Chat.Post(ctx, customer, c.ID, 0, chat.Post{Body: "без фото"}); err != nil {
		t.Errorf("text only: %v", err)
	}
}

func TestPostStorageFailure(t *testing.T) {
	e, id := newEnv(t, workflow.Diagnostics)
	e.Files.StatErr = errors.New("s3 down")
	_, _, err := e.Chat.Post(ctx, customer, id, 0, chat.Post{Body: "фото", Attachments: []chat.AttachmentRef{{UploadID: chattest.UploadID(1)}}})
	if apperr.CodeOf(err) != apperr.Internal || !strings.Contains(err.Error(), "s3 down") {
		t.Errorf("error %v, want the wrapped storage error", err)
	}
}

func TestFinishedClaimsAreReadOnly(t *testing.T) {
	for _, stage := range []claims.Stage{workflow.Closed, workflow.Rejected, workflow.Withdrawn} {
		e, id := newEnv(t, stage)
		for _, c := range []casework.Caller{customer, as(manager), as(supervisor)} {
			if _, _, err := e.Chat.Post(ctx, c, id, 0, chat.Post{Body: "Ещё вопрос"}); !apperr.Is(err, apperr.Conflict) {
				t.Errorf("%s: %v, want conflict", stage, err)
			}
		}
		c := chattest.Claim(1, stage)
		if _, err := e.Chat.UploadZone(ctx, &c, "", "image/jpeg"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("%s: upload zone: %v, want conflict", stage, err)
		}
	}
}

func TestPostChecksTheVersion(t *testing.T) {
	e, id := newEnv(t, workflow.Diagnostics)
	if _, cl, err := e.Chat.Post(ctx, as(manager), id, 1, chat.Post{Body: "Первое"}); err != nil || cl.Version != 2 {
		t.Fatalf("version 1: %v", err)
	}
	_, _, err := e.Chat.Post(ctx, as(manager), id, 1, chat.Post{Body: "Второе"})
	ae, ok := apperr.As(err)
	if !ok || ae.Code != apperr.Conflict || ae.Details["currentVersion"] != 2 {
		t.Errorf("stale version: %v", err)
	}
}

func TestCustomerAnswerResumesTheClaim(t *testing.T) {
	tests := []struct {
		name    string
		caller  casework.Caller
		resumes bool
	}{
		{"customer", customer, true},
		{"dealer", as(dealer), true},
		{"manager", as(manager), false},
		{"supervisor", as(supervisor), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, id := newEnv(t, workflow.WaitingForCustomer)
			_, cl, err := e.Chat.Post(ctx, tc.caller, id, 0, chat.Post{Body: "Фото приложил, серийный SN-77"})
			if err != nil {
				t.Fatal(err)
			}
			var types []string
			for _, ev := range e.Store.History(id) {
				types = append(types, ev.Type)
			}
			stored, _ := e.Store.GetClaim(ctx, id)
			if !tc.resumes {
				if cl.Stage != workflow.WaitingForCustomer || stored.Stage != workflow.WaitingForCustomer || len(types) != 2 {
					t.Errorf("stage %s, history %v: the staff's message resumed the claim", stored.Stage, types)
				}
				return
			}
			if diff := cmp.Diff([]string{claims.EventCreated, chat.EventPosted, "stage.changed"}, types); diff != "" {
				t.Errorf("history mismatch (-want +got):\n%s", diff)
			}
			last := e.Store.History(id)[2]
			if last.Actor != "system" || last.After["reason"] != chat.ResumeReason || last.After["stage"] != "diagnostics" {
				t.Errorf("resume entry by %s: %v", last.Actor, last.After)
			}
			if cl.Stage != workflow.Diagnostics || stored.Stage != workflow.Diagnostics || cl.Version != 3 || stored.PreviousStage != "" {
				t.Errorf("claim returned %s v%d, stored %s (previous %q)", cl.Stage, cl.Version, stored.Stage, stored.PreviousStage)
			}
			var kinds []string
			for _, ev := range e.Publisher.Events {
				kinds = append(kinds, ev.Type)
			}
			if diff := cmp.Diff([]string{events.MessagePosted, events.StageChanged}, kinds); diff != "" {
				t.Errorf("events mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResumeFailureKeepsTheMessage(t *testing.T) {
	e := chattest.NewEnv()
	c := chattest.Claim(1, workflow.WaitingForCustomer) // no previous stage to return to
	e.Store.Put(c)
	msg, cl, err := e.Chat.Post(ctx, customer, c.ID, 0, chat.Post{Body: "Ответ"})
	if err != nil || msg == nil {
		t.Fatalf("post: %v", err)
	}
	if cl.Stage != workflow.WaitingForCustomer || len(e.Store.Messages(c.ID)) != 1 {
		t.Errorf("stage %s, %d messages", cl.Stage, len(e.Store.Messages(c.ID)))
	}
}

func TestOpenAndList(t *testing.T) {
	e, id := newEnv(t, workflow.Diagnostics)
	at := chattest.Now.Add(-time.Hour)
	e.Store.AddMessage(id, claims.Message{ID: "b", AuthorRole: "manager", Body: "второе", At: at.Add(time.Minute)})
	e.Store.AddMessage(id, claims.Message{ID: "a", AuthorRole: "claimant", Body: "первое", At: at})
	e.Store.AddMessage(id, claims.Message{ID: "c", AuthorRole: "claimant", Body: "третье", At: at.Add(time.Minute)})
	for _, p := range []*auth.Principal{dealer, manager, supervisor} {
		d, err := e.Chat.Open(ctx, p, id)
		if err != nil {
			t.Fatalf("%s: %v", p.UserID, err)
		}
		var ids []string
		for _, m := range e.Chat.List(ctx, d) {
			ids = append(ids, m.ID)
		}
		if diff := cmp.Diff([]string{"a", "b", "c"}, ids); diff != "" {
			t.Errorf("order mismatch (-want +got):\n%s", diff)
		}
	}
	for _, p := range []*auth.Principal{otherDeal, otherMgr, admin, integrator} {
		if _, err := e.Chat.Open(ctx, p, id); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("%s: %v, want not found", p.UserID, err)
		}
	}
	if _, err := e.Chat.Open(ctx, nil, id); !apperr.Is(err, apperr.Unauthorized) {
		t.Errorf("nobody: %v", err)
	}
	if _, err := e.Chat.Open(ctx, supervisor, "RC-2026-000404"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("unknown claim: %v", err)
	}
	if got := e.Chat.List(ctx, &registry.Detail{}); got == nil || len(got) != 0 {
		t.Errorf("List of no messages = %#v, want empty", got)
	}
}

func TestUploadZone(t *testing.T) {
	e := chattest.NewEnv()
	c := chattest.Claim(1, workflow.Diagnostics)
	none := c
	none.TypeID = "staff_conduct"
	tests := []struct {
		name              string
		claim             *claims.Claim
		zone, contentType string
		want              string
		code              apperr.Code
		field             string
	}{
		{"photo picks the first photo zone", &c, "", "image/jpeg", "product", "", ""},
		{"alias", &c, "", "IMAGE/JPG", "product", "", ""},
		{"video", &c, "", "video/quicktime", "video", "", ""},
		{"PDF", &c, "", "application/pdf", "documents", "", ""},
		{"zone given", &c, "documents", "image/jpeg", "documents", "", ""},
		{"unknown zone", &c, "roof", "image/jpeg", "", apperr.Invalid, "zone"},
		{"unknown type of file", &c, "", "application/zip", "", apperr.UnsupportedMedia, "contentType"},
		{"no type given", &c, "", "", "", apperr.UnsupportedMedia, "contentType"},
		{"type without files", &none, "", "image/jpeg", "", apperr.Invalid, "zone"},
	}
	for _, tc := range tests {
		got, err := e.Chat.UploadZone(ctx, tc.claim, tc.zone, tc.contentType)
		if tc.code == "" {
			if err != nil || got != tc.want {
				t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
			}
			continue
		}
		ae, ok := apperr.As(err)
		if !ok || ae.Code != tc.code || len(ae.Fields) != 1 || ae.Fields[0].Field != tc.field {
			t.Errorf("%s: %v, want %s on %s", tc.name, err, tc.code, tc.field)
		}
	}
}

func TestAttachmentKey(t *testing.T) {
	id := claims.Number(2026, 5)
	up := chattest.UploadID(9)
	tests := []struct {
		name string
		msg  claims.Message
		att  claims.Attachment
		want string
	}{
		{"stored key wins", claims.Message{AuthorRole: "manager", Author: "managers:m-1"}, claims.Attachment{ID: up, Key: "uploads/x/y"}, "uploads/x/y"},
		{"customer", claims.Message{AuthorRole: "claimant", Author: "claimant"}, claims.Attachment{ID: up}, intake.UploadKey(chat.TrackScope(id), up)},
		{"user", claims.Message{AuthorRole: "dealer", Author: "dealers:d-1"}, claims.Attachment{ID: up}, intake.UploadKey(chat.UserScope(id, "d-1"), up)},
		{"bad upload ID", claims.Message{AuthorRole: "dealer", Author: "dealers:d-1"}, claims.Attachment{ID: "../x"}, ""},
		{"unknown author", claims.Message{AuthorRole: "dealer", Author: "dealer"}, claims.Attachment{ID: up}, ""},
	}
	for _, tc := range tests {
		if got := chat.AttachmentKey(id, &tc.msg, &tc.att); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
