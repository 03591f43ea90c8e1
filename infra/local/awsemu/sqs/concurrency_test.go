package sqs_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/go-cmp/cmp"
)

// TestConcurrentConsumers runs 20 long-polling consumers against 4
// producers sending 1000 messages in batches and checks that every message
// is delivered exactly once and deleted exactly once.
func TestConcurrentConsumers(t *testing.T) {
	if testing.Short() {
		t.Skip("1000 messages through 20 consumers, twice: skipped under -short")
	}
	const (
		total     = 1000
		producers = 4
		consumers = 20
	)
	for _, tc := range []struct {
		name string
		dir  bool
	}{{"in memory", false}, {"persisted", true}} {
		t.Run(tc.name, func(t *testing.T) {
			ec := envConfig{}
			if tc.dir {
				ec.dir = t.TempDir()
			}
			e := newEnv(t, ec)
			url := aws.String(e.createQueue("load", nil))
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()

			var (
				mu        sync.Mutex
				sent      = map[string]bool{}
				delivered = map[string]int{}
				deleted   = map[string]int{}
				done      atomic.Int64
				wg        sync.WaitGroup
			)
			for c := 0; c < consumers; c++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for done.Load() < total && ctx.Err() == nil {
						out, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
						if err != nil {
							if ctx.Err() == nil {
								t.Errorf("ReceiveMessage: %v", err)
							}
							return
						}
						for _, m := range out.Messages {
							id := aws.ToString(m.MessageId)
							mu.Lock()
							delivered[id]++
							mu.Unlock()
							if _, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: m.ReceiptHandle}); err != nil {
								t.Errorf("DeleteMessage: %v", err)
								return
							}
							mu.Lock()
							deleted[id]++
							mu.Unlock()
							done.Add(1)
						}
					}
				}()
			}
			var pwg sync.WaitGroup
			for p := 0; p < producers; p++ {
				pwg.Add(1)
				go func() {
					defer pwg.Done()
					for b := 0; b < total/producers/10; b++ {
						var entries []types.SendMessageBatchRequestEntry
						for i := 0; i < 10; i++ {
							entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint("e", i)), MessageBody: aws.String(fmt.Sprintf("p%d-b%d-m%d", p, b, i))})
						}
						out, err := e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: url, Entries: entries})
						if err != nil || len(out.Failed) > 0 {
							t.Errorf("SendMessageBatch: %v (failed %v)", err, out)
							return
						}
						mu.Lock()
						for _, s := range out.Successful {
							sent[aws.ToString(s.MessageId)] = true
						}
						mu.Unlock()
					}
				}()
			}
			pwg.Wait()
			wg.Wait()
			if ctx.Err() != nil {
				t.Fatalf("timed out with %d of %d messages done", done.Load(), total)
			}
			if len(sent) != total {
				t.Fatalf("sent %d distinct messages, want %d", len(sent), total)
			}
			var lost, twice []string
			for id := range sent {
				if delivered[id] == 0 {
					lost = append(lost, id)
				}
				if delivered[id] > 1 || deleted[id] > 1 {
					twice = append(twice, id)
				}
			}
			if len(lost) > 0 || len(twice) > 0 || len(delivered) != total {
				t.Errorf("lost %d, delivered or deleted twice %d, delivered %d distinct; want 0, 0, %d", len(lost), len(twice), len(delivered), total)
			}
			counts := e.attrs(*url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
			if diff := cmp.Diff(map[string]string{"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}, counts); diff != "" {
				t.Errorf("queue not empty at the end (-want +got):\n%s", diff)
			}
		})
	}
}
