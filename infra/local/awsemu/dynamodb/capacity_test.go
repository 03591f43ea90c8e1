package dynamodb

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
)

// capSummary flattens ConsumedCapacity for comparison.
type capSummary struct {
	Table   string
	Total   float64
	Read    float64
	Write   float64
	OnTable float64
	GSI     map[string]float64
}

func summarize(c *types.ConsumedCapacity) capSummary {
	if c == nil {
		return capSummary{}
	}
	out := capSummary{Table: aws.ToString(c.TableName), Total: aws.ToFloat64(c.CapacityUnits), Read: aws.ToFloat64(c.ReadCapacityUnits), Write: aws.ToFloat64(c.WriteCapacityUnits)}
	if c.Table != nil {
		out.OnTable = aws.ToFloat64(c.Table.CapacityUnits)
	}
	for k, v := range c.GlobalSecondaryIndexes {
		if out.GSI == nil {
			out.GSI = map[string]float64{}
		}
		out.GSI[k] = aws.ToFloat64(v.CapacityUnits)
	}
	return out
}

// TestConsumedCapacity checks the figures for a known item size: PK "p" (3
// bytes), SK "s" (3), GSI1PK "g" (7), GSI1SK "h" (7) and a 1500-byte "data"
// string (1504) make 1524 bytes: 2 write units, 1 read unit.
func TestConsumedCapacity(t *testing.T) {
	env := newTestEnv(t, Config{})
	mustCreate(t, env.client, claimsTable("claims"))
	data := strings.Repeat("x", 1500)
	item := func(pk string) av {
		return av{"PK": s(pk), "SK": s("s"), "GSI1PK": s("g"), "GSI1SK": s("h"), "data": s(data)}
	}
	key := av{"PK": s("p"), "SK": s("s")}
	idx := types.ReturnConsumedCapacityIndexes
	steps := []struct {
		name string
		call func() (*types.ConsumedCapacity, error)
		want capSummary
	}{
		{"put with ALL-projected index", func() (*types.ConsumedCapacity, error) {
			out, err := env.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("claims"), Item: item("p"), ReturnConsumedCapacity: idx})
			return out.ConsumedCapacity, err
		}, capSummary{Table: "claims", Total: 4, Write: 4, OnTable: 2, GSI: map[string]float64{"GSI1": 2}}},
		{"strongly consistent get", func() (*types.ConsumedCapacity, error) {
			out, err := env.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("claims"), Key: key, ConsistentRead: aws.Bool(true), ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
			return out.ConsumedCapacity, err
		}, capSummary{Table: "claims", Total: 1, Read: 1}},
		{"eventually consistent get", func() (*types.ConsumedCapacity, error) {
			out, err := env.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("claims"), Key: key, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
			return out.ConsumedCapacity, err
		}, capSummary{Table: "claims", Total: 0.5, Read: 0.5}},
		{"update changing index key writes delete and put", func() (*types.ConsumedCapacity, error) {
			out, err := env.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("claims"), Key: key, UpdateExpression: aws.String("SET GSI1SK = :v"),
				ExpressionAttributeValues: av{":v": s("i")}, ReturnConsumedCapacity: idx})
			return out.ConsumedCapacity, err
		}, capSummary{Table: "claims", Total: 6, Write: 6, OnTable: 2, GSI: map[string]float64{"GSI1": 4}}},
		{"update adding one index's keys and removing another's", func() (*types.ConsumedCapacity, error) {
			out, err := env.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("claims"), Key: key, UpdateExpression: aws.String("SET GSI2PK = :d, due = :n REMOVE GSI1PK"),
				ExpressionAttributeValues: av{":d": s("d"), ":n": n("5")}, ReturnConsumedCapacity: idx})
			return out.ConsumedCapacity, err
		}, capSummary{Table: "claims", Total: 5, Write: 5, OnTable: 2, GSI: map[string]float64{"GSI1": 2, "GSI2": 1}}},
		{"update leaving keys-only projection unchanged costs nothing there", func() (*types.ConsumedCapacity, error) {
			out, err := env.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("claims"), Key: key, UpdateExpression: aws.String("SET note = :v"),
				ExpressionAttributeValues: av{":v": s("x")}, ReturnConsumedCapacity: idx})
			return out.ConsumedCapacity, err
		}, capSummary{Table: "claims", Total: 2, Write: 2, OnTable: 2}},
		{"transactional put costs double", func() (*types.ConsumedCapacity, error) {
			out, err := env.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{ReturnConsumedCapacity: idx, TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: aws.String("claims"), Item: item("q")}}}})
			if err != nil {
				return nil, err
			}
			return &out.ConsumedCapacity[0], nil
		}, capSummary{Table: "claims", Total: 8, Write: 8, OnTable: 4, GSI: map[string]float64{"GSI1": 4}}},
		{"query sums item sizes before rounding", func() (*types.ConsumedCapacity, error) {
			mustPut(t, env.client, "claims", av{"PK": s("p"), "SK": s("t"), "data": s(data)})
			mustPut(t, env.client, "claims", av{"PK": s("p"), "SK": s("u"), "data": s(data)})
			out, err := env.client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("claims"), KeyConditionExpression: aws.String("PK = :p"),
				ExpressionAttributeValues: av{":p": s("p")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
			if out != nil && out.Count != 3 {
				t.Errorf("query count = %d, want 3", out.Count)
			}
			return out.ConsumedCapacity, err
		}, capSummary{Table: "claims", Total: 1, Read: 1}},
		{"delete", func() (*types.ConsumedCapacity, error) {
			out, err := env.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("claims"), Key: av{"PK": s("q"), "SK": s("s")}, ReturnConsumedCapacity: idx})
			return out.ConsumedCapacity, err
		}, capSummary{Table: "claims", Total: 4, Write: 4, OnTable: 2, GSI: map[string]float64{"GSI1": 2}}},
	}
	for _, st := range steps {
		c, err := st.call()
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if diff := cmp.Diff(st.want, summarize(c)); diff != "" {
			t.Errorf("%s: capacity mismatch (-want +got):\n%s", st.name, diff)
		}
	}
	stats := env.srv.Stats()
	if stats.WriteCapacityUnits != 4+6+5+2+8+2+2+4 || stats.ReadCapacityUnits != 1+0.5+1 {
		t.Errorf("Stats capacity = %v read / %v write; want 2.5 / 33", stats.ReadCapacityUnits, stats.WriteCapacityUnits)
	}
	if stats.ItemsRead != 2+3 || stats.Requests["PutItem"] != 3 {
		t.Errorf("Stats = %+v; want 5 items read and 3 PutItem requests", stats)
	}
	env.srv.ResetStats()
	if got := env.srv.Stats(); got.ItemsRead != 0 || len(got.Requests) != 0 {
		t.Errorf("after ResetStats = %+v", got)
	}
}
