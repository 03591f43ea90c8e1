package schedule

import (
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// fixtureID is the id in testdata/scheduled_event.json.
const fixtureID = "00000000-0000-4000-8000-000000000000"

// withFixtureID replaces the random id so that payloads compare byte for byte.
func withFixtureID(t *testing.T, payload []byte) (string, []byte) {
	t.Helper()
	var ev struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatalf("decode %s: %v", payload, err)
	}
	re := regexp.MustCompile(`"id":"` + regexp.QuoteMeta(ev.ID) + `"`)
	return ev.ID, re.ReplaceAll(payload, []byte(`"id":"`+fixtureID+`"`))
}

func TestScheduledEventMatchesFixture(t *testing.T) {
	want, err := os.ReadFile("testdata/scheduled_event.json")
	if err != nil {
		t.Fatal(err)
	}
	// A Moscow time with a fraction: time must still be whole-second UTC.
	at := time.Date(2026, 11, 23, 13, 0, 0, 999_000_000, mustLoad(t, "Europe/Moscow"))
	id, got := withFixtureID(t, ScheduledEvent("weekly-report", "eu-central-1", "123456789012", at))
	if !uuidV4.MatchString(id) {
		t.Errorf("id %q is not a version 4 UUID", id)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("ScheduledEvent mismatch (-want +got):\n%s", diff)
	}
}

func TestScheduledEventDecodesIntoLambdaEvents(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	payload := ScheduledEvent("nightly-sla", "us-east-1", "123456789012", at)
	want := events.CloudWatchEvent{
		Version:    "0",
		DetailType: "Scheduled Event",
		Source:     "aws.events",
		AccountID:  "123456789012",
		Time:       at,
		Region:     "us-east-1",
		Resources:  []string{"arn:aws:events:us-east-1:123456789012:rule/nightly-sla"},
		Detail:     json.RawMessage("{}"),
	}
	var cw events.CloudWatchEvent
	if err := json.Unmarshal(payload, &cw); err != nil {
		t.Fatalf("decode into CloudWatchEvent: %v", err)
	}
	if !uuidV4.MatchString(cw.ID) {
		t.Errorf("id %q is not a version 4 UUID", cw.ID)
	}
	cw.ID = ""
	if diff := cmp.Diff(want, cw); diff != "" {
		t.Errorf("CloudWatchEvent mismatch (-want +got):\n%s", diff)
	}
	var eb events.EventBridgeEvent
	if err := json.Unmarshal(payload, &eb); err != nil {
		t.Fatalf("decode into EventBridgeEvent: %v", err)
	}
	eb.ID = ""
	if diff := cmp.Diff(want, eb); diff != "" {
		t.Errorf("EventBridgeEvent mismatch (-want +got):\n%s", diff)
	}
}

func TestScheduledEventIDsDiffer(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id, _ := withFixtureID(t, ScheduledEvent("r", "us-east-1", "123456789012", start))
		if seen[id] {
			t.Fatalf("id %s repeated", id)
		}
		seen[id] = true
	}
}

func TestScheduledEventPartition(t *testing.T) {
	tests := []struct {
		region, want string
	}{
		{"eu-west-1", "arn:aws:events:eu-west-1:123456789012:rule/r"},
		{"cn-north-1", "arn:aws-cn:events:cn-north-1:123456789012:rule/r"},
		{"us-gov-west-1", "arn:aws-us-gov:events:us-gov-west-1:123456789012:rule/r"},
	}
	for _, tt := range tests {
		var ev events.CloudWatchEvent
		if err := json.Unmarshal(ScheduledEvent("r", tt.region, "123456789012", start), &ev); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{tt.want}, ev.Resources); diff != "" {
			t.Errorf("%s: resources mismatch (-want +got):\n%s", tt.region, diff)
		}
	}
}

func TestRulePayload(t *testing.T) {
	fixture, err := os.ReadFile("testdata/scheduled_event.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		input   string
		want    string // with the envelope's id replaced by fixtureID
		wantErr bool
	}{
		{name: "no input delivers the envelope", input: "", want: string(fixture)},
		{name: "object verbatim", input: `{ "report" : "weekly",  "n": 1 }`, want: `{ "report" : "weekly",  "n": 1 }`},
		{name: "string verbatim", input: `"run"`, want: `"run"`},
		{name: "huge number is still JSON", input: `1e999`, want: `1e999`},
		{name: "plain text is rejected", input: `run now`, wantErr: true},
		{name: "trailing data is rejected", input: `{"a":1} x`, wantErr: true},
		{name: "whitespace only is rejected", input: `  `, wantErr: true},
	}
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RulePayload(tt.input, "weekly-report", "eu-central-1", "123456789012", at)
			if tt.wantErr {
				var syntaxErr *json.SyntaxError
				if !errors.As(err, &syntaxErr) {
					t.Fatalf("RulePayload(%q) = %q, %v; want a wrapped *json.SyntaxError", tt.input, got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("RulePayload(%q): %v", tt.input, err)
			}
			if tt.input == "" {
				_, got = withFixtureID(t, got)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("payload mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSchedulerPayload(t *testing.T) {
	tests := []struct {
		input, want string
	}{
		{"", "{}"},
		{"TEST_PAYLOAD", "TEST_PAYLOAD"},
		{`{"report":"monthly"}`, `{"report":"monthly"}`},
		{" ", " "},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, string(SchedulerPayload(tt.input))); diff != "" {
			t.Errorf("SchedulerPayload(%q) mismatch (-want +got):\n%s", tt.input, diff)
		}
	}
}
