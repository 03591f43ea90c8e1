package schedule

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// scheduledEvent is the envelope of an EventBridge "Scheduled Event"; the
// field order follows what AWS sends.
type scheduledEvent struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// ScheduledEvent returns the JSON that an EventBridge rule (SAM event type
// "Schedule") delivers when it has no Input: the "Scheduled Event" envelope
// from source "aws.events" with a fresh version 4 UUID as id, at (the
// scheduled time) in UTC without fractional seconds as time, the rule's ARN
// as the only resource and an empty detail. The ARN's partition follows the
// region (aws, aws-cn or aws-us-gov). It returns no error.
func ScheduledEvent(ruleName, region, account string, at time.Time) []byte {
	ev := scheduledEvent{
		Version:    "0",
		ID:         newUUID(),
		DetailType: "Scheduled Event",
		Source:     "aws.events",
		Account:    account,
		Time:       at.UTC().Format("2006-01-02T15:04:05Z"),
		Region:     region,
		Resources:  []string{fmt.Sprintf("arn:%s:events:%s:%s:rule/%s", partition(region), region, account, ruleName)},
		Detail:     json.RawMessage("{}"),
	}
	b, err := json.Marshal(ev)
	if err != nil {
		// Strings and a constant raw message always marshal.
		panic(fmt.Sprintf("schedule: marshal scheduled event: %v", err))
	}
	return b
}

// RulePayload returns what a "Schedule" event source delivers to its
// function: input verbatim when it is set, the ScheduledEvent envelope for
// ruleName when input is empty. EventBridge only accepts an Input that is
// valid JSON, so RulePayload returns an error, wrapping the
// *json.SyntaxError, when input is not.
func RulePayload(input string, ruleName, region, account string, at time.Time) ([]byte, error) {
	if input == "" {
		return ScheduledEvent(ruleName, region, account, at), nil
	}
	// Unmarshalling into a RawMessage checks the syntax without building values,
	// so numbers too large for float64 stay valid, as they are in JSON.
	var raw json.RawMessage
	if err := json.Unmarshal([]byte(input), &raw); err != nil {
		return nil, fmt.Errorf("rule %s: Input is not valid JSON: %w", ruleName, err)
	}
	return []byte(input), nil
}

// SchedulerPayload returns what an EventBridge Scheduler ("ScheduleV2")
// target receives: input verbatim, whatever it holds, or "{}" when input is
// empty. It returns no error.
func SchedulerPayload(input string) []byte {
	if input == "" {
		return []byte("{}")
	}
	return []byte(input)
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails; it crashes the program instead
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// partition returns the ARN partition of region.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}
