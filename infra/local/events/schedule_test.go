package events_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/claimsdesk/backend/infra/local/events"
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// fakeClock fires After channels when Advance moves past their time.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.waiters = append(c.waiters, waiter{c.now.Add(d), ch})
	return ch
}

func (c *fakeClock) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var keep []waiter
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
		} else {
			keep = append(keep, w)
		}
	}
	c.waiters = keep
	c.mu.Unlock()
}

type calls struct {
	mu       sync.Mutex
	payloads [][]byte
	fail     bool
}

func (c *calls) invoke(_ context.Context, p []byte) (events.Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.payloads = append(c.payloads, p)
	if c.fail {
		return events.Result{FunctionError: "Unhandled"}, nil
	}
	return events.Result{Payload: []byte("null")}, nil
}

func (c *calls) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.payloads)
}

func startSchedule(t *testing.T, s *events.Schedule) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func TestScheduleRuleDeliversScheduledEvent(t *testing.T) {
	clock := &fakeClock{now: t0}
	c := &calls{}
	startSchedule(t, &events.Schedule{
		Type: "Schedule", Expression: "rate(5 minutes)", RuleName: "guestbook-Digest-Every5",
		Region: "eu-central-1", AccountID: "123456789012", Invoke: c.invoke, Logger: discard(), Clock: clock,
	})
	eventually(t, 2*time.Second, "the timer", func() bool { return clock.pending() == 1 })
	clock.Advance(4 * time.Minute)
	time.Sleep(50 * time.Millisecond)
	if c.count() != 0 {
		t.Fatalf("fired before 5 minutes")
	}
	clock.Advance(time.Minute)
	eventually(t, 2*time.Second, "the first invocation", func() bool { return c.count() == 1 })
	var ev lambdaevents.CloudWatchEvent
	if err := json.Unmarshal(c.payloads[0], &ev); err != nil {
		t.Fatal(err)
	}
	if ev.DetailType != "Scheduled Event" || ev.Source != "aws.events" || !ev.Time.Equal(t0.Add(5*time.Minute)) ||
		len(ev.Resources) != 1 || ev.Resources[0] != "arn:aws:events:eu-central-1:123456789012:rule/guestbook-Digest-Every5" {
		t.Errorf("event = %+v", ev)
	}
	eventually(t, 2*time.Second, "the next timer", func() bool { return clock.pending() == 1 })
	clock.Advance(5 * time.Minute)
	eventually(t, 2*time.Second, "the second invocation", func() bool { return c.count() == 2 })
}

func TestScheduleV2InputVerbatimInTimeZone(t *testing.T) {
	clock := &fakeClock{now: t0} // 12:00 in Moscow
	c := &calls{}
	startSchedule(t, &events.Schedule{
		Type: "ScheduleV2", Expression: "cron(30 12 * * ? *)", Timezone: "Europe/Moscow", Input: `{"report":"daily"}`, HasInput: true,
		RuleName: "guestbook-Reports-Daily", Invoke: c.invoke, Logger: discard(), Clock: clock,
	})
	eventually(t, 2*time.Second, "the timer", func() bool { return clock.pending() == 1 })
	clock.Advance(29 * time.Minute)
	time.Sleep(50 * time.Millisecond)
	if c.count() != 0 {
		t.Fatalf("fired before 12:30 Moscow time")
	}
	clock.Advance(time.Minute)
	eventually(t, 2*time.Second, "the invocation", func() bool { return c.count() == 1 })
	if got := string(c.payloads[0]); got != `{"report":"daily"}` {
		t.Errorf("payload = %s, want the Input verbatim", got)
	}
}

func TestScheduledInvocationRetriesTwice(t *testing.T) {
	clock := &fakeClock{now: t0}
	c := &calls{fail: true}
	startSchedule(t, &events.Schedule{
		Type: "ScheduleV2", Expression: "at(2026-11-23T09:10:00)", RuleName: "once",
		Invoke: c.invoke, Logger: discard(), Clock: clock,
	})
	eventually(t, 2*time.Second, "the timer", func() bool { return clock.pending() == 1 })
	clock.Advance(10 * time.Minute)
	eventually(t, 2*time.Second, "the first attempt", func() bool { return c.count() == 1 })
	eventually(t, 2*time.Second, "the retry timer", func() bool { return clock.pending() == 1 })
	clock.Advance(time.Minute)
	eventually(t, 2*time.Second, "the first retry", func() bool { return c.count() == 2 })
	eventually(t, 2*time.Second, "the second retry timer", func() bool { return clock.pending() == 1 })
	clock.Advance(2 * time.Minute)
	eventually(t, 2*time.Second, "the second retry", func() bool { return c.count() == 3 })
	clock.Advance(time.Hour)
	time.Sleep(100 * time.Millisecond)
	if n := c.count(); n != 3 {
		t.Errorf("%d attempts, want 3 (one plus two retries)", n)
	}
}
