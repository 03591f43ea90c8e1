package dynamodb

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
)

func TestBatchGetItem(t *testing.T) {
	env := newTestEnv(t, Config{})
	mustCreate(t, env.client, simpleTable("tbl"))
	for i := 0; i < 5; i++ {
		mustPut(t, env.client, "tbl", av{"PK": s(fmt.Sprint(i)), "SK": s("s"), "v": n(fmt.Sprint(i)), "extra": s("x")})
	}
	out, err := env.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		"tbl": {Keys: []av{{"PK": s("1"), "SK": s("s")}, {"PK": s("3"), "SK": s("s")}, {"PK": s("missing"), "SK": s("s")}},
			ProjectionExpression: aws.String("PK, #v"), ExpressionAttributeNames: map[string]string{"#v": "v"}},
	}, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil {
		t.Fatalf("BatchGetItem: %v", err)
	}
	got := map[string]any{}
	for _, it := range out.Responses["tbl"] {
		p := plainItem(it)
		got[p["PK"].(string)] = p
	}
	want := map[string]any{"1": map[string]any{"PK": "1", "v": num("1")}, "3": map[string]any{"PK": "3", "v": num("3")}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("responses mismatch (-want +got):\n%s", diff)
	}
	if len(out.UnprocessedKeys) != 0 {
		t.Errorf("UnprocessedKeys = %v, want empty", out.UnprocessedKeys)
	}
	if len(out.ConsumedCapacity) != 1 || aws.ToFloat64(out.ConsumedCapacity[0].CapacityUnits) != 1.5 {
		t.Errorf("ConsumedCapacity = %+v; want 1.5 units (3 eventually consistent reads)", out.ConsumedCapacity)
	}

	tooMany := make([]av, 101)
	for i := range tooMany {
		tooMany[i] = av{"PK": s(fmt.Sprint(i)), "SK": s("s")}
	}
	tests := []struct {
		name    string
		keys    []av
		code    string
		message string
	}{
		{"duplicates", []av{{"PK": s("1"), "SK": s("s")}, {"PK": s("1"), "SK": s("s")}}, "ValidationException", "Provided list of item keys contains duplicates"},
		{"too many", tooMany, "ValidationException", "1 validation error detected: Value at 'requestItems.tbl.member.keys' failed to satisfy constraint: Member must have length less than or equal to 100"},
		{"bad key", []av{{"PK": s("1")}}, "ValidationException", "The provided key element does not match the schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"tbl": {Keys: tt.keys}}})
			code, msg := apiErr(err)
			if diff := cmp.Diff([2]string{tt.code, tt.message}, [2]string{code, msg}); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBatchWriteItem(t *testing.T) {
	env := newTestEnv(t, Config{})
	mustCreate(t, env.client, simpleTable("tbl"))
	mustPut(t, env.client, "tbl", av{"PK": s("old"), "SK": s("s")})
	put := func(pk string) types.WriteRequest {
		return types.WriteRequest{PutRequest: &types.PutRequest{Item: av{"PK": s(pk), "SK": s("s")}}}
	}
	out, err := env.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		"tbl": {put("a"), put("b"), {DeleteRequest: &types.DeleteRequest{Key: av{"PK": s("old"), "SK": s("s")}}}},
	}})
	if err != nil {
		t.Fatalf("BatchWriteItem: %v", err)
	}
	if len(out.UnprocessedItems) != 0 {
		t.Errorf("UnprocessedItems = %v, want empty", out.UnprocessedItems)
	}
	scan, _ := env.client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("tbl")})
	var pks []string
	for _, it := range scan.Items {
		pks = append(pks, it["PK"].(*types.AttributeValueMemberS).Value)
	}
	if diff := cmp.Diff([]string{"a", "b"}, pks); diff != "" {
		t.Errorf("table contents mismatch (-want +got):\n%s", diff)
	}
	many := make([]types.WriteRequest, 26)
	for i := range many {
		many[i] = put(fmt.Sprint(i))
	}
	tests := []struct {
		name    string
		reqs    map[string][]types.WriteRequest
		code    string
		message string
	}{
		{"duplicates", map[string][]types.WriteRequest{"tbl": {put("x"), put("x")}}, "ValidationException", "Provided list of item keys contains duplicates"},
		{"too many", map[string][]types.WriteRequest{"tbl": many}, "ValidationException", "Too many items requested for the BatchWriteItem call"},
		{"missing table", map[string][]types.WriteRequest{"nope": {put("x")}}, "ResourceNotFoundException", "Requested resource not found"},
		{"invalid item", map[string][]types.WriteRequest{"tbl": {put("y"), {PutRequest: &types.PutRequest{Item: av{"PK": s("z")}}}}}, "ValidationException", "One or more parameter values were invalid: Missing the key SK in the item"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: tt.reqs})
			code, msg := apiErr(err)
			if diff := cmp.Diff([2]string{tt.code, tt.message}, [2]string{code, msg}); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if got := mustGet(t, env.client, "tbl", av{"PK": s("y"), "SK": s("s")}); got != nil {
		t.Errorf("rejected batch wrote %v", got)
	}
}

func TestTransactWriteItems(t *testing.T) {
	env := newTestEnv(t, Config{})
	mustCreate(t, env.client, simpleTable("tbl"))
	mustPut(t, env.client, "tbl", av{"PK": s("acct"), "SK": s("A"), "balance": n("100")})
	mustPut(t, env.client, "tbl", av{"PK": s("acct"), "SK": s("B"), "balance": n("0")})
	transfer := func(amount string, token *string) error {
		_, err := env.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{ClientRequestToken: token, TransactItems: []types.TransactWriteItem{
			{Update: &types.Update{TableName: aws.String("tbl"), Key: av{"PK": s("acct"), "SK": s("A")},
				UpdateExpression: aws.String("SET balance = balance - :a"), ConditionExpression: aws.String("balance >= :a"),
				ExpressionAttributeValues: av{":a": n(amount)}, ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
			{Update: &types.Update{TableName: aws.String("tbl"), Key: av{"PK": s("acct"), "SK": s("B")},
				UpdateExpression: aws.String("SET balance = balance + :a"), ExpressionAttributeValues: av{":a": n(amount)}}},
			{Put: &types.Put{TableName: aws.String("tbl"), Item: av{"PK": s("log"), "SK": s("t-" + amount)}, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		}})
		return err
	}
	if err := transfer("30", nil); err != nil {
		t.Fatalf("transfer 30: %v", err)
	}
	err := transfer("80", nil)
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		t.Fatalf("transfer 80 = %v; want TransactionCanceledException", err)
	}
	if diff := cmp.Diff("Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None, None]", aws.ToString(tce.Message)); diff != "" {
		t.Errorf("message mismatch (-want +got):\n%s", diff)
	}
	type reason struct {
		Code, Message string
		Item          map[string]any
	}
	var reasons []reason
	for _, r := range tce.CancellationReasons {
		reasons = append(reasons, reason{aws.ToString(r.Code), aws.ToString(r.Message), plainItem(r.Item)})
	}
	want := []reason{
		{"ConditionalCheckFailed", "The conditional request failed", map[string]any{"PK": "acct", "SK": "A", "balance": num("70")}},
		{Code: "None"}, {Code: "None"},
	}
	if diff := cmp.Diff(want, reasons); diff != "" {
		t.Errorf("cancellation reasons mismatch (-want +got):\n%s", diff)
	}
	balances := func() [2]any {
		return [2]any{mustGet(t, env.client, "tbl", av{"PK": s("acct"), "SK": s("A")})["balance"], mustGet(t, env.client, "tbl", av{"PK": s("acct"), "SK": s("B")})["balance"]}
	}
	if diff := cmp.Diff([2]any{num("70"), num("30")}, balances()); diff != "" {
		t.Errorf("balances after cancelled transfer (-want +got):\n%s", diff)
	}
	if got := mustGet(t, env.client, "tbl", av{"PK": s("log"), "SK": s("t-80")}); got != nil {
		t.Errorf("cancelled transaction wrote %v", got)
	}

	_, err = env.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String("tbl"), Key: av{"PK": s("acct"), "SK": s("A")}, ConditionExpression: aws.String("attribute_exists(PK)")}},
		{Delete: &types.Delete{TableName: aws.String("tbl"), Key: av{"PK": s("acct"), "SK": s("A")}}},
	}})
	code, msg := apiErr(err)
	if diff := cmp.Diff([2]string{"ValidationException", "Transaction request cannot include multiple operations on one item"}, [2]string{code, msg}); diff != "" {
		t.Errorf("same-item error mismatch (-want +got):\n%s", diff)
	}
	_, err = env.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: aws.String("tbl"), Key: av{"PK": s("acct"), "SK": s("A")}, UpdateExpression: aws.String("ADD balance :x"), ExpressionAttributeValues: av{":x": n("1")}}},
		{Put: &types.Put{TableName: aws.String("nope"), Item: av{"PK": s("x"), "SK": s("y")}}},
	}})
	if code, _ := apiErr(err); code != "ResourceNotFoundException" {
		t.Errorf("transaction on missing table = %v; want ResourceNotFoundException", err)
	}
	if diff := cmp.Diff([2]any{num("70"), num("30")}, balances()); diff != "" {
		t.Errorf("balances after rejected transactions (-want +got):\n%s", diff)
	}
}

func TestTransactWriteIdempotency(t *testing.T) {
	clock := &fixedClock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	env := newTestEnv(t, Config{Now: clock.now})
	mustCreate(t, env.client, simpleTable("tbl"))
	incr := func(token, by string) error {
		_, err := env.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{ClientRequestToken: aws.String(token), TransactItems: []types.TransactWriteItem{
			{Update: &types.Update{TableName: aws.String("tbl"), Key: av{"PK": s("c"), "SK": s("s")}, UpdateExpression: aws.String("ADD n :by"), ExpressionAttributeValues: av{":by": n(by)}}},
		}})
		return err
	}
	counter := func() any { return mustGet(t, env.client, "tbl", av{"PK": s("c"), "SK": s("s")})["n"] }
	steps := []struct {
		name    string
		token   string
		by      string
		advance time.Duration
		code    string
		want    num
	}{
		{"first call applies", "tok-1", "1", 0, "", "1"},
		{"retry with same payload is not re-applied", "tok-1", "1", time.Minute, "", "1"},
		{"same token different payload", "tok-1", "2", time.Minute, "IdempotentParameterMismatchException", "1"},
		{"new token applies", "tok-2", "5", 0, "", "6"},
		{"token expires after ten minutes", "tok-1", "1", 10 * time.Minute, "", "7"},
	}
	for _, st := range steps {
		clock.t = clock.t.Add(st.advance)
		code, _ := apiErr(incr(st.token, st.by))
		if diff := cmp.Diff([2]any{st.code, st.want}, [2]any{code, counter()}); diff != "" {
			t.Errorf("%s: (code, counter) mismatch (-want +got):\n%s", st.name, diff)
		}
	}
}

func TestTransactGetItems(t *testing.T) {
	env := newTestEnv(t, Config{})
	mustCreate(t, env.client, simpleTable("tbl"))
	mustPut(t, env.client, "tbl", av{"PK": s("a"), "SK": s("s"), "v": s("1"), "w": s("2")})
	out, err := env.client.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal, TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: aws.String("tbl"), Key: av{"PK": s("a"), "SK": s("s")}, ProjectionExpression: aws.String("v")}},
		{Get: &types.Get{TableName: aws.String("tbl"), Key: av{"PK": s("missing"), "SK": s("s")}}},
	}})
	if err != nil {
		t.Fatalf("TransactGetItems: %v", err)
	}
	var got []map[string]any
	for _, r := range out.Responses {
		got = append(got, plainItem(r.Item))
	}
	if diff := cmp.Diff([]map[string]any{{"v": "1"}, nil}, got); diff != "" {
		t.Errorf("responses mismatch (-want +got):\n%s", diff)
	}
	if len(out.ConsumedCapacity) != 1 || aws.ToFloat64(out.ConsumedCapacity[0].CapacityUnits) != 4 {
		t.Errorf("ConsumedCapacity = %+v; want 4 units (2 transactional reads)", out.ConsumedCapacity)
	}
}
