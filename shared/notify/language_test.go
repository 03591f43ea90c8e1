package notify_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode"

	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/notify"
)

// words splits a text into its words (runs of letters).
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
}

func isCyrillic(w string) bool {
	for _, r := range w {
		if unicode.Is(unicode.Cyrillic, r) {
			return true
		}
	}
	return false
}

func isLatin(w string) bool {
	for _, r := range w {
		if !unicode.Is(unicode.Latin, r) {
			return false
		}
	}
	return true
}

// foreignWords returns the words of text that are not in lang and not part
// of what the event's data (names, numbers, texts people typed, links)
// brought in: a Cyrillic word in an English text, a Latin one in a Russian
// text.
func foreignWords(text, lang string, data map[string]bool) []string {
	var out []string
	for _, w := range words(text) {
		if data[strings.ToLower(w)] {
			continue
		}
		if (lang == "en" && isCyrillic(w)) || (lang == "ru" && isLatin(w)) {
			out = append(out, w)
		}
	}
	return out
}

// dataWords collects the words of every string value in an event's data.
func dataWords(t *testing.T, e events.Event, extra ...string) map[string]bool {
	t.Helper()
	var v any
	if err := json.Unmarshal(e.Data, &v); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	add := func(s string) {
		for _, w := range words(s) {
			out[strings.ToLower(w)] = true
		}
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			add(v)
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	for _, s := range extra {
		add(s)
	}
	return out
}

// TestEveryTextInOneLanguage renders every delivery of every event kind
// with the claims department working in Russian and in English: each note's
// Russian title and text are Russian and its English ones English, staff
// mail is in the staff's language and claimant mail in the claim's, with
// the names of stages, clocks, decisions and authors in the text's own
// language ("Passed: срок первого ответа" fails).
func TestEveryTextInOneLanguage(t *testing.T) {
	byName := map[string]events.Event{}
	add := func(name, typ string, data any) { byName[name] = event(t, typ, data) }
	add("received, assigned", events.ClaimReceived, received("anna@example.com", "m-1"))
	add("received, nobody took it", events.ClaimReceived, received("anna@example.com", ""))
	for _, to := range []string{"waiting_for_customer", "implementation", "closed", "rejected", "withdrawn"} {
		d := stage(to, "anna@example.com")
		add(to+" (en claim)", events.StageChanged, d)
		d.Language = "ru"
		add(to+" (ru claim)", events.StageChanged, d)
	}
	add("reassigned", events.Assigned, map[string]any{"number": "RC-2026-000001", "assignee": "m-2", "previous": "m-1", "reason": "отпуск"})
	add("claimant writes", events.MessagePosted, posted(events.AuthorClaimant, "m-1"))
	add("dealer writes, nobody assigned", events.MessagePosted, posted(events.AuthorDealer, ""))
	add("manager writes", events.MessagePosted, posted(events.AuthorManager, "m-1"))
	for _, clock := range []string{"stage:diagnostics", "firstResponse", "resolution", "statutory"} {
		d := sla("m-1")
		d.Clock = clock
		add("deadline close, "+clock, events.SLAWarning, d)
		d.Assignee = ""
		add("deadline close, nobody assigned, "+clock, events.SLAWarning, d)
		d.Assignee = "m-2"
		add("escalated, "+clock, events.Escalated, d)
	}
	add("low rating by the claimant", events.Rated, events.Rating{Number: "RC-2026-000001", Score: 1, Low: true, Comment: "Долго и невежливо", RatedBy: "claimant", Assignee: "m-1"})
	add("low rating by the dealer", events.Rated, events.Rating{Number: "RC-2026-000001", Score: 2, Low: true, RatedBy: "dealers:d-1", DealerID: "DLR-1"})
	kinds := map[string]bool{}
	for _, staff := range []string{"ru", "en"} {
		f := newFixtureWith(t, func(c *notify.Config) { c.StaffLanguage = staff })
		for name, e := range byName {
			plan, err := f.n.Plan(context.Background(), e)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var claimLang string
			var d struct {
				Language string `json:"language"`
			}
			_ = json.Unmarshal(e.Data, &d)
			claimLang = d.Language
			allowed := dataWords(t, e, "https://claims.example.com/t/"+f.keys.TrackingToken(e.ClaimID), "/rating?score=", "MSK",
				"Ирина Соколова", "Алексей Кузнецов", "irina@claimsdesk.example", "alexey@claimsdesk.example")
			check := func(what, lang, text string) {
				t.Helper()
				if bad := foreignWords(text, lang, allowed); len(bad) > 0 {
					t.Errorf("staff %s, %s: %s (%s) has %q:\n%s", staff, name, what, lang, bad, text)
				}
			}
			for _, dl := range plan {
				switch {
				case dl.Note != nil:
					kinds["note:"+dl.Note.EventType] = true
					check("note title", "ru", dl.Note.Title)
					check("note text", "ru", dl.Note.Text)
					check("note English title", "en", dl.Note.TitleEN)
					check("note English text", "en", dl.Note.TextEN)
				case dl.Mail != nil:
					lang := staff
					if dl.Key == notify.KeyClaimantMail {
						lang = claimLang
						if lang != "en" {
							lang = "ru"
						}
					}
					kinds["mail:"+lang+":"+e.Type] = true
					check(dl.Key+" subject", lang, dl.Mail.Subject)
					check(dl.Key+" text", lang, dl.Mail.Text)
				}
			}
		}
	}
	// Every event type that writes something was rendered.
	for _, k := range []string{"note:" + events.ClaimReceived, "note:" + events.Assigned, "note:" + events.MessagePosted, "note:" + events.SLAWarning,
		"note:" + events.Escalated, "mail:ru:" + events.StageChanged, "mail:en:" + events.StageChanged, "mail:en:" + events.Escalated, "mail:ru:" + events.SLAWarning} {
		if !kinds[k] {
			t.Errorf("nothing rendered for %s", k)
		}
	}
}
