package dynamodb

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
)

// pooledClient bounds the connections so a thousand goroutines share a pool
// instead of opening a socket each.
func pooledClient(url string) *dynamodb.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxConnsPerHost = 32
	tr.MaxIdleConnsPerHost = 32
	return dynamodb.New(dynamodb.Options{
		Region: "eu-central-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		HTTPClient:  &http.Client{Transport: tr},
	})
}

func TestConcurrentConditionalPuts(t *testing.T) {
	env := newTestEnv(t, Config{})
	c := pooledClient(env.http.URL)
	mustCreate(t, c, simpleTable("tbl"))
	var ok, failed, other atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: av{"PK": s("one"), "SK": s("key"), "writer": n(fmt.Sprint(i))},
				ConditionExpression: aws.String("attribute_not_exists(PK)")})
			var ccf *types.ConditionalCheckFailedException
			switch {
			case err == nil:
				ok.Add(1)
			case errors.As(err, &ccf):
				failed.Add(1)
			default:
				other.Add(1)
				t.Errorf("unexpected error: %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if diff := cmp.Diff([3]int64{1, 199, 0}, [3]int64{ok.Load(), failed.Load(), other.Load()}); diff != "" {
		t.Errorf("(succeeded, condition failed, other) mismatch (-want +got):\n%s", diff)
	}
}

func TestConcurrentCounterIncrements(t *testing.T) {
	env := newTestEnv(t, Config{Dir: t.TempDir()})
	c := pooledClient(env.http.URL)
	mustCreate(t, c, simpleTable("tbl"))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < 1000; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("tbl"), Key: av{"PK": s("counter"), "SK": s("c")},
				UpdateExpression: aws.String("ADD hits :one"), ExpressionAttributeValues: av{":one": n("1")}}); err != nil {
				t.Errorf("UpdateItem: %v", err)
			}
			// Readers run alongside the writers.
			if _, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: av{"PK": s("counter"), "SK": s("c")}}); err != nil {
				t.Errorf("GetItem: %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if diff := cmp.Diff(num("1000"), mustGet(t, c, "tbl", av{"PK": s("counter"), "SK": s("c")})["hits"]); diff != "" {
		t.Errorf("counter mismatch (-want +got):\n%s", diff)
	}
}
