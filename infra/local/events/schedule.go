package events

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/claimsdesk/backend/infra/local/schedule"
)

// Clock is the time source of the schedule runner; tests drive a fake one.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// RealClock is the wall clock.
var RealClock Clock = realClock{}

// Schedule is one Schedule (EventBridge rule) or ScheduleV2 (EventBridge
// Scheduler) event of a function.
type Schedule struct {
	Type       string // "Schedule" or "ScheduleV2"
	Expression string
	Timezone   string // ScheduleV2 only
	Input      string
	HasInput   bool
	RuleName   string
	Region     string
	AccountID  string
	Invoke     InvokeFunc
	Logger     *slog.Logger
	Clock      Clock
	// RetryDelays are the asynchronous-invocation retries after a function
	// error; Lambda's default is two retries, about one and two minutes apart.
	RetryDelays []time.Duration
}

// DefaultRetryDelays are Lambda's asynchronous invocation retries.
var DefaultRetryDelays = []time.Duration{time.Minute, 2 * time.Minute}

// Parse validates the expression and returns it with the time zone applied.
// Rate schedules count from anchor (the rule's creation).
func (s *Schedule) Parse(anchor time.Time) (schedule.Expression, error) {
	loc := time.UTC
	if s.Timezone != "" {
		l, err := time.LoadLocation(s.Timezone)
		if err != nil {
			return nil, fmt.Errorf("schedule %s: time zone %q: %w", s.RuleName, s.Timezone, err)
		}
		loc = l
	}
	expr, err := schedule.Parse(s.Expression, loc, schedule.WithAnchor(anchor))
	if err != nil {
		return nil, fmt.Errorf("schedule %s: %w", s.RuleName, err)
	}
	return expr, nil
}

// Payload returns the event delivered for a firing at t.
func (s *Schedule) Payload(t time.Time) ([]byte, error) {
	if s.Type == "ScheduleV2" {
		return schedule.SchedulerPayload(s.Input), nil
	}
	input := ""
	if s.HasInput {
		input = s.Input
	}
	return schedule.RulePayload(input, s.RuleName, s.Region, s.AccountID, t)
}

// Run fires the schedule until ctx ends or the expression has no more times.
func (s *Schedule) Run(ctx context.Context) error {
	clock := s.Clock
	if clock == nil {
		clock = RealClock
	}
	expr, err := s.Parse(clock.Now())
	if err != nil {
		return err
	}
	for {
		next := expr.Next(clock.Now())
		if next.IsZero() {
			s.Logger.Info("schedule has no further fire times", "rule", s.RuleName)
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-clock.After(next.Sub(clock.Now())):
		}
		payload, err := s.Payload(next.UTC())
		if err != nil {
			return err
		}
		// Asynchronous invocation: the schedule does not wait for retries.
		go s.deliver(ctx, payload, next)
	}
}

// deliver invokes asynchronously, retrying function errors like Lambda's
// asynchronous invocation does.
func (s *Schedule) deliver(ctx context.Context, payload []byte, at time.Time) {
	clock := s.Clock
	if clock == nil {
		clock = RealClock
	}
	delays := s.RetryDelays
	if delays == nil {
		delays = DefaultRetryDelays
	}
	for attempt := 0; ; attempt++ {
		res, err := s.Invoke(ctx, payload)
		if err == nil && res.FunctionError == "" {
			return
		}
		reason := "function error"
		if err != nil {
			reason = err.Error()
		}
		if attempt >= len(delays) {
			s.Logger.Error("scheduled invocation failed, no retries left", "rule", s.RuleName, "scheduledAt", at.UTC().Format(time.RFC3339), "reason", reason)
			return
		}
		s.Logger.Warn("scheduled invocation failed, retrying", "rule", s.RuleName, "attempt", attempt+1, "reason", reason)
		select {
		case <-ctx.Done():
			return
		case <-clock.After(delays[attempt]):
		}
	}
}
