package dynamodb

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// testEnv is a server behind httptest plus an SDK client pointed at it,
// which is exactly how the application talks to the emulator.
type testEnv struct {
	srv    *Server
	client *dynamodb.Client
	http   *httptest.Server
}

func newTestEnv(t testing.TB, cfg Config) *testEnv {
	t.Helper()
	if cfg.Region == "" {
		cfg.Region = "eu-central-1"
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "123456789012"
	}
	if cfg.TTLSweepInterval == 0 {
		cfg.TTLSweepInterval = -1
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hs := httptest.NewServer(srv)
	env := &testEnv{srv: srv, http: hs, client: newClient(hs.URL)}
	t.Cleanup(func() {
		hs.Close()
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return env
}

func newClient(url string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:           "eu-central-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		RetryMaxAttempts: 1,
	})
}

var ctx = context.Background()

// Attribute value shorthands.
func s(v string) types.AttributeValue     { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue     { return &types.AttributeValueMemberN{Value: v} }
func b(v []byte) types.AttributeValue     { return &types.AttributeValueMemberB{Value: v} }
func bl(v bool) types.AttributeValue      { return &types.AttributeValueMemberBOOL{Value: v} }
func ss(v ...string) types.AttributeValue { return &types.AttributeValueMemberSS{Value: v} }
func ns(v ...string) types.AttributeValue { return &types.AttributeValueMemberNS{Value: v} }
func l(v ...types.AttributeValue) types.AttributeValue {
	return &types.AttributeValueMemberL{Value: v}
}
func m(v map[string]types.AttributeValue) types.AttributeValue {
	return &types.AttributeValueMemberM{Value: v}
}

type av = map[string]types.AttributeValue

// num marks a DynamoDB number in plain() output so "7" and 7 cannot be confused.
type num string

// plain converts SDK attribute values into comparable Go values for cmp.Diff.
func plain(v types.AttributeValue) any {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return x.Value
	case *types.AttributeValueMemberN:
		return num(x.Value)
	case *types.AttributeValueMemberB:
		return x.Value
	case *types.AttributeValueMemberBOOL:
		return x.Value
	case *types.AttributeValueMemberNULL:
		return nil
	case *types.AttributeValueMemberL:
		out := make([]any, len(x.Value))
		for i, e := range x.Value {
			out[i] = plain(e)
		}
		return out
	case *types.AttributeValueMemberM:
		return plainItem(x.Value)
	case *types.AttributeValueMemberSS:
		out := slices.Clone(x.Value)
		sort.Strings(out)
		return out
	case *types.AttributeValueMemberNS:
		out := make([]num, len(x.Value))
		for i, e := range x.Value {
			out[i] = num(e)
		}
		slices.Sort(out)
		return out
	case *types.AttributeValueMemberBS:
		return x.Value
	}
	return v
}

func plainItem(it av) map[string]any {
	if it == nil {
		return nil
	}
	out := make(map[string]any, len(it))
	for k, v := range it {
		out[k] = plain(v)
	}
	return out
}

func plainItems(items []av) []map[string]any {
	out := make([]map[string]any, len(items))
	for i, it := range items {
		out[i] = plainItem(it)
	}
	return out
}

// apiErr returns the error code and message of an SDK error ("" when nil).
func apiErr(err error) (string, string) {
	if err == nil {
		return "", ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	return "non-api-error", err.Error()
}

// mustCreate creates the table, defaulting to on-demand billing.
func mustCreate(t testing.TB, c *dynamodb.Client, in *dynamodb.CreateTableInput) {
	t.Helper()
	if in.BillingMode == "" {
		in.BillingMode = types.BillingModePayPerRequest
	}
	if _, err := c.CreateTable(ctx, in); err != nil {
		t.Fatalf("CreateTable %s: %v", aws.ToString(in.TableName), err)
	}
}

// claimsTable is the shape the app uses: PK/SK strings plus a sparse GSI1
// (GSI1PK S, GSI1SK S) and a numeric GSI2 (GSI2PK S, due N).
func claimsTable(name string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("PK"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("SK"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("GSI1PK"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("GSI1SK"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("GSI2PK"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("due"), AttributeType: types.ScalarAttributeTypeN},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("PK"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("SK"), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			{
				IndexName: aws.String("GSI1"),
				KeySchema: []types.KeySchemaElement{
					{AttributeName: aws.String("GSI1PK"), KeyType: types.KeyTypeHash},
					{AttributeName: aws.String("GSI1SK"), KeyType: types.KeyTypeRange},
				},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
			},
			{
				IndexName: aws.String("GSI2"),
				KeySchema: []types.KeySchemaElement{
					{AttributeName: aws.String("GSI2PK"), KeyType: types.KeyTypeHash},
					{AttributeName: aws.String("due"), KeyType: types.KeyTypeRange},
				},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
			},
		},
	}
}

func mustPut(t testing.TB, c *dynamodb.Client, table string, it av) {
	t.Helper()
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: it}); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
}

func mustGet(t testing.TB, c *dynamodb.Client, table string, key av) map[string]any {
	t.Helper()
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	return plainItem(out.Item)
}

// fixedClock is a settable clock for TTL and idempotency tests.
type fixedClock struct{ t time.Time }

func (c *fixedClock) now() time.Time { return c.t }

func slicesSort(xs []string) { slices.Sort(xs) }

func sortedAttrNames(it av) []string {
	out := make([]string, 0, len(it))
	for k := range it {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
