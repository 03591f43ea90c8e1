package snsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/events"
)

// fakeSNS records PublishBatch calls; failCall fails a whole call (by its
// index), failEntry fails entries by their message's event ID.
type fakeSNS struct {
	calls     []*sns.PublishBatchInput
	failCall  map[int]bool
	failEntry map[string]bool
}

func (f *fakeSNS) PublishBatch(_ context.Context, in *sns.PublishBatchInput, _ ...func(*sns.Options)) (*sns.PublishBatchOutput, error) {
	n := len(f.calls)
	f.calls = append(f.calls, in)
	if f.failCall[n] {
		return nil, errors.New("connection reset")
	}
	out := &sns.PublishBatchOutput{}
	for _, e := range in.PublishBatchRequestEntries {
		var ev events.Event
		_ = json.Unmarshal([]byte(aws.ToString(e.Message)), &ev)
		if f.failEntry[ev.ID] {
			out.Failed = append(out.Failed, types.BatchResultErrorEntry{Id: e.Id, Code: aws.String("InternalError"), Message: aws.String("try again"), SenderFault: false})
			continue
		}
		out.Successful = append(out.Successful, types.PublishBatchResultEntry{Id: e.Id, MessageId: aws.String("m-" + ev.ID)})
	}
	return out, nil
}

func eventsN(n int) []events.Event {
	out := make([]events.Event, n)
	for i := range out {
		out[i] = events.Event{ID: fmt.Sprintf("ev-%02d", i), Type: events.StageChanged, ClaimID: "RC-1", At: time.Date(2026, 3, 1, 12, 0, i, 0, time.UTC)}
	}
	out[0].Type = events.ClaimReceived
	return out
}

const topic = "arn:aws:sns:eu-central-1:123456789012:claims-EventsTopic"

func TestPublishInBatchesOfTen(t *testing.T) {
	f := &fakeSNS{}
	p, err := NewPublisher(PublisherConfig{Client: f, TopicARN: topic})
	if err != nil {
		t.Fatal(err)
	}
	evs := eventsN(23)
	if err := p.Publish(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, c := range f.calls {
		sizes = append(sizes, len(c.PublishBatchRequestEntries))
		if aws.ToString(c.TopicArn) != topic {
			t.Errorf("TopicArn = %s", aws.ToString(c.TopicArn))
		}
	}
	if diff := cmp.Diff([]int{10, 10, 3}, sizes); diff != "" {
		t.Errorf("batch sizes mismatch (-want +got):\n%s", diff)
	}
	first := f.calls[0].PublishBatchRequestEntries[0]
	var got events.Event
	if err := json.Unmarshal([]byte(aws.ToString(first.Message)), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(evs[0], got); diff != "" {
		t.Errorf("message body mismatch (-want +got):\n%s", diff)
	}
	attr := first.MessageAttributes[EventTypeAttribute]
	if aws.ToString(attr.DataType) != "String" || aws.ToString(attr.StringValue) != events.ClaimReceived || len(first.MessageAttributes) != 1 {
		t.Errorf("message attributes = %+v, want eventType=%s only", first.MessageAttributes, events.ClaimReceived)
	}
	if p.Publish(context.Background(), nil) != nil || len(f.calls) != 3 {
		t.Errorf("publishing nothing made a call")
	}
}

func TestPublishNamesWhatFailed(t *testing.T) {
	for _, tc := range []struct {
		name string
		fake *fakeSNS
		want []string
	}{
		{"entries refused", &fakeSNS{failEntry: map[string]bool{"ev-03": true, "ev-12": true}}, []string{"ev-03", "ev-12"}},
		{"a whole call fails, the next goes on", &fakeSNS{failCall: map[int]bool{0: true}}, []string{"ev-00", "ev-01", "ev-02", "ev-03", "ev-04", "ev-05", "ev-06", "ev-07", "ev-08", "ev-09"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := NewPublisher(PublisherConfig{Client: tc.fake, TopicARN: topic})
			err := p.Publish(context.Background(), eventsN(15))
			if err == nil {
				t.Fatal("Publish succeeded")
			}
			if len(tc.fake.calls) != 2 {
				t.Errorf("%d calls, want 2 (a failure does not stop the next batch)", len(tc.fake.calls))
			}
			if want := fmt.Sprintf("%d of 15 not published (%s)", len(tc.want), strings.Join(tc.want, ", ")); !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
		})
	}
}

func TestNewPublisherRefusesMissing(t *testing.T) {
	if _, err := NewPublisher(PublisherConfig{Client: &fakeSNS{}}); err == nil || !strings.Contains(err.Error(), "TopicARN") {
		t.Errorf("NewPublisher without a topic: %v, want an error naming TopicARN", err)
	}
}
