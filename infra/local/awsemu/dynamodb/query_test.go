package dynamodb

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
)

func numericSortTable(name string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("PK"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("seq"), AttributeType: types.ScalarAttributeTypeN},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("PK"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("seq"), KeyType: types.KeyTypeRange},
		},
	}
}

func querySeqs(t *testing.T, c *dynamodb.Client, in *dynamodb.QueryInput) []string {
	t.Helper()
	out, err := c.Query(ctx, in)
	if err != nil {
		t.Fatalf("Query %s: %v", aws.ToString(in.KeyConditionExpression), err)
	}
	var got []string
	for _, it := range out.Items {
		got = append(got, it["seq"].(*types.AttributeValueMemberN).Value)
	}
	return got
}

func TestQueryNumericOrdering(t *testing.T) {
	env := newTestEnv(t, Config{})
	mustCreate(t, env.client, numericSortTable("nums"))
	for _, v := range []string{"10", "9", "-1", "1.5", "100", "-20.5", "0", "1e3", "2"} {
		mustPut(t, env.client, "nums", av{"PK": s("p"), "seq": n(v)})
	}
	mustPut(t, env.client, "nums", av{"PK": s("other"), "seq": n("5")})
	tests := []struct {
		name    string
		cond    string
		values  av
		forward bool
		want    []string
	}{
		{"all ascending", "PK = :p", nil, true, []string{"-20.5", "-1", "0", "1.5", "2", "9", "10", "100", "1000"}},
		{"all descending", "PK = :p", nil, false, []string{"1000", "100", "10", "9", "2", "1.5", "0", "-1", "-20.5"}},
		{"less than", "PK = :p AND seq < :v", av{":v": n("9")}, true, []string{"-20.5", "-1", "0", "1.5", "2"}},
		{"less or equal descending", "PK = :p AND seq <= :v", av{":v": n("9")}, false, []string{"9", "2", "1.5", "0", "-1", "-20.5"}},
		{"greater than", "seq > :v AND PK = :p", av{":v": n("9")}, true, []string{"10", "100", "1000"}},
		{"greater or equal descending", "(PK = :p) and (seq >= :v)", av{":v": n("9")}, false, []string{"1000", "100", "10", "9"}},
		{"equal", "PK = :p AND seq = :v", av{":v": n("1.50")}, true, []string{"1.5"}},
		{"between", "PK = :p AND seq BETWEEN :lo AND :hi", av{":lo": n("-1"), ":hi": n("10")}, true, []string{"-1", "0", "1.5", "2", "9", "10"}},
		{"between descending", "PK = :p AND seq between :lo and :hi", av{":lo": n("-1"), ":hi": n("10")}, false, []string{"10", "9", "2", "1.5", "0", "-1"}},
		{"value on the left", "PK = :p AND :v < seq", av{":v": n("100")}, true, []string{"1000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := querySeqs(t, env.client, &dynamodb.QueryInput{TableName: aws.String("nums"), KeyConditionExpression: aws.String(tt.cond),
				ExpressionAttributeValues: merge(tt.values, av{":p": s("p")}), ScanIndexForward: aws.Bool(tt.forward)})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("order mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestQueryStringSortKey(t *testing.T) {
	env := newTestEnv(t, Config{})
	mustCreate(t, env.client, simpleTable("tbl"))
	for _, sk := range []string{"ORDER#2", "ORDER#10", "ORDER#1", "META", "NOTE#b", "NOTE#a", "Z", "ä"} {
		mustPut(t, env.client, "tbl", av{"PK": s("c1"), "SK": s(sk)})
	}
	sks := func(in *dynamodb.QueryInput) []string {
		in.TableName = aws.String("tbl")
		out, err := env.client.Query(ctx, in)
		if err != nil {
			t.Fatalf("Query: %v", err)
		}
		var got []string
		for _, it := range out.Items {
			got = append(got, it["SK"].(*types.AttributeValueMemberS).Value)
		}
		return got
	}
	tests := []struct {
		name    string
		cond    string
		values  av
		forward bool
		want    []string
	}{
		{"utf8 byte order", "PK = :p", nil, true, []string{"META", "NOTE#a", "NOTE#b", "ORDER#1", "ORDER#10", "ORDER#2", "Z", "ä"}},
		{"begins_with", "PK = :p AND begins_with(SK, :pre)", av{":pre": s("ORDER#")}, true, []string{"ORDER#1", "ORDER#10", "ORDER#2"}},
		{"begins_with descending", "begins_with(SK, :pre) AND PK = :p", av{":pre": s("NOTE#")}, false, []string{"NOTE#b", "NOTE#a"}},
		{"between strings", "PK = :p AND SK BETWEEN :a AND :b", av{":a": s("N"), ":b": s("ORDER#1")}, true, []string{"NOTE#a", "NOTE#b", "ORDER#1"}},
		{"names placeholders", "#pk = :p AND #sk > :v", av{":v": s("Z")}, true, []string{"ä"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &dynamodb.QueryInput{KeyConditionExpression: aws.String(tt.cond), ExpressionAttributeValues: merge(tt.values, av{":p": s("c1")}), ScanIndexForward: aws.Bool(tt.forward)}
			if strings.Contains(tt.cond, "#") {
				in.ExpressionAttributeNames = map[string]string{"#pk": "PK", "#sk": "SK"}
			}
			if diff := cmp.Diff(tt.want, sks(in)); diff != "" {
				t.Errorf("result mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// loadClaims puts n claims; even ones are "open" in GSI1 (odd ones lack the
// GSI1 keys, so the index is sparse) and every claim has a GSI2 due date.
func loadClaims(t *testing.T, c *dynamodb.Client, table string, count int) {
	t.Helper()
	for i := 0; i < count; i++ {
		it := av{"PK": s(fmt.Sprintf("CLAIM#%03d", i)), "SK": s("META"), "amount": n(fmt.Sprint(i * 10)), "GSI2PK": s("due"), "due": n(fmt.Sprint(1000 + i)),
			"note": s(fmt.Sprintf("claim %d", i))}
		if i%2 == 0 {
			it["GSI1PK"] = s("STATUS#open")
			it["GSI1SK"] = s(fmt.Sprintf("2024-01-%02d#%03d", i%28+1, i))
		}
		mustPut(t, c, table, it)
	}
}

func TestQueryIndexPaginationWithFilter(t *testing.T) {
	env := newTestEnv(t, Config{})
	mustCreate(t, env.client, claimsTable("claims"))
	loadClaims(t, env.client, "claims", 60)

	var got []string
	var start av
	pages, scanned, counted := 0, 0, 0
	for {
		out, err := env.client.Query(ctx, &dynamodb.QueryInput{
			TableName: aws.String("claims"), IndexName: aws.String("GSI1"),
			KeyConditionExpression:    aws.String("GSI1PK = :s"),
			FilterExpression:          aws.String("attribute_exists(amount) AND NOT contains(note, :one)"),
			ExpressionAttributeValues: av{":s": s("STATUS#open"), ":one": s("1")},
			Limit:                     aws.Int32(7), ExclusiveStartKey: start,
		})
		if err != nil {
			t.Fatalf("Query page %d: %v", pages, err)
		}
		pages++
		scanned += int(out.ScannedCount)
		counted += int(out.Count)
		for _, it := range out.Items {
			got = append(got, it["GSI1SK"].(*types.AttributeValueMemberS).Value)
		}
		if out.LastEvaluatedKey == nil {
			break
		}
		if diff := cmp.Diff([]string{"GSI1PK", "GSI1SK", "PK", "SK"}, sortedAttrNames(out.LastEvaluatedKey)); diff != "" {
			t.Fatalf("LastEvaluatedKey attributes mismatch (-want +got):\n%s", diff)
		}
		start = out.LastEvaluatedKey
	}
	var want []string
	for i := 0; i < 60; i += 2 {
		if !strings.Contains(fmt.Sprintf("claim %d", i), "1") {
			want = append(want, fmt.Sprintf("2024-01-%02d#%03d", i%28+1, i))
		}
	}
	slicesSort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paged results mismatch (-want +got):\n%s", diff)
	}
	// 30 sparse-index entries in pages of 7: 5 pages (7,7,7,7,2), all scanned.
	if diff := cmp.Diff([3]int{5, 30, len(want)}, [3]int{pages, scanned, counted}); diff != "" {
		t.Errorf("pages/scanned/count mismatch (-want +got):\n%s", diff)
	}
}

func TestQueryLimitAtLastItemStillReturnsKey(t *testing.T) {
	env := newTestEnv(t, Config{})
	mustCreate(t, env.client, numericSortTable("nums"))
	for _, v := range []string{"1", "2", "3"} {
		mustPut(t, env.client, "nums", av{"PK": s("p"), "seq": n(v)})
	}
	out, err := env.client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("nums"), KeyConditionExpression: aws.String("PK = :p"),
		ExpressionAttributeValues: av{":p": s("p")}, Limit: aws.Int32(3)})
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	if diff := cmp.Diff(map[string]any{"PK": "p", "seq": num("3")}, plainItem(out.LastEvaluatedKey)); diff != "" {
		t.Errorf("LastEvaluatedKey mismatch (-want +got):\n%s", diff)
	}
	out, err = env.client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("nums"), KeyConditionExpression: aws.String("PK = :p"),
		ExpressionAttributeValues: av{":p": s("p")}, ExclusiveStartKey: out.LastEvaluatedKey})
	if err != nil {
		t.Fatalf("Query next page: %v", err)
	}
	if out.Count != 0 || out.LastEvaluatedKey != nil || out.Items == nil {
		t.Errorf("last page = count %d, key %v, items %v; want empty page without key", out.Count, out.LastEvaluatedKey, out.Items)
	}
	out, err = env.client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("nums"), KeyConditionExpression: aws.String("PK = :p"),
		ExpressionAttributeValues: av{":p": s("p")}, Limit: aws.Int32(4)})
	if err != nil || out.LastEvaluatedKey != nil {
		t.Errorf("Limit above result size = key %v, %v; want no LastEvaluatedKey", out.LastEvaluatedKey, err)
	}
}

func TestIndexProjectionsAndSparseIndex(t *testing.T) {
	env := newTestEnv(t, Config{})
	in := claimsTable("claims")
	in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("owner_id"), AttributeType: types.ScalarAttributeTypeS})
	in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
		IndexName:  aws.String("ByOwner"),
		KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("owner_id"), KeyType: types.KeyTypeHash}},
		Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"amount"}},
	})
	mustCreate(t, env.client, in)
	mustPut(t, env.client, "claims", av{"PK": s("C#1"), "SK": s("META"), "GSI2PK": s("due"), "due": n("5"), "owner_id": s("u1"), "amount": n("10"), "note": s("x")})
	mustPut(t, env.client, "claims", av{"PK": s("C#2"), "SK": s("META"), "amount": n("20")})

	tests := []struct {
		name  string
		in    dynamodb.QueryInput
		want  []map[string]any
		count int32
	}{
		{name: "keys only", in: dynamodb.QueryInput{IndexName: aws.String("GSI2"), KeyConditionExpression: aws.String("GSI2PK = :v"), ExpressionAttributeValues: av{":v": s("due")}},
			want: []map[string]any{{"PK": "C#1", "SK": "META", "GSI2PK": "due", "due": num("5")}}, count: 1},
		{name: "include", in: dynamodb.QueryInput{IndexName: aws.String("ByOwner"), KeyConditionExpression: aws.String("owner_id = :v"), ExpressionAttributeValues: av{":v": s("u1")}},
			want: []map[string]any{{"PK": "C#1", "SK": "META", "owner_id": "u1", "amount": num("10")}}, count: 1},
		{name: "projection expression on index", in: dynamodb.QueryInput{IndexName: aws.String("ByOwner"), KeyConditionExpression: aws.String("owner_id = :v"), ExpressionAttributeValues: av{":v": s("u1")},
			ProjectionExpression: aws.String("amount, note")},
			want: []map[string]any{{"amount": num("10")}}, count: 1},
		{name: "filter sees projection only", in: dynamodb.QueryInput{IndexName: aws.String("ByOwner"), KeyConditionExpression: aws.String("owner_id = :v"),
			FilterExpression: aws.String("attribute_exists(note)"), ExpressionAttributeValues: av{":v": s("u1")}},
			want: []map[string]any{}, count: 0},
		{name: "sparse index omits items without keys", in: dynamodb.QueryInput{IndexName: aws.String("GSI1"), KeyConditionExpression: aws.String("GSI1PK = :v"), ExpressionAttributeValues: av{":v": s("x")}},
			want: []map[string]any{}, count: 0},
		{name: "select count", in: dynamodb.QueryInput{IndexName: aws.String("GSI2"), KeyConditionExpression: aws.String("GSI2PK = :v"), ExpressionAttributeValues: av{":v": s("due")}, Select: types.SelectCount},
			want: nil, count: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.in
			q.TableName = aws.String("claims")
			out, err := env.client.Query(ctx, &q)
			if err != nil {
				t.Fatalf("Query: %v", err)
			}
			got := plainItems(out.Items)
			if out.Items == nil {
				got = nil
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("items mismatch (-want +got):\n%s", diff)
			}
			if out.Count != tt.count {
				t.Errorf("Count = %d, want %d", out.Count, tt.count)
			}
		})
	}
}

func TestQueryValidationErrors(t *testing.T) {
	env := newTestEnv(t, Config{})
	mustCreate(t, env.client, claimsTable("claims"))
	tests := []struct {
		name    string
		in      dynamodb.QueryInput
		code    string
		message string
	}{
		{"consistent read on gsi", dynamodb.QueryInput{IndexName: aws.String("GSI1"), ConsistentRead: aws.Bool(true), KeyConditionExpression: aws.String("GSI1PK = :v"), ExpressionAttributeValues: av{":v": s("x")}},
			"ValidationException", "Consistent reads are not supported on global secondary indexes"},
		{"missing hash key", dynamodb.QueryInput{KeyConditionExpression: aws.String("SK = :v"), ExpressionAttributeValues: av{":v": s("x")}},
			"ValidationException", "Query condition missed key schema element: PK"},
		{"non-equality on hash", dynamodb.QueryInput{KeyConditionExpression: aws.String("PK > :v"), ExpressionAttributeValues: av{":v": s("x")}},
			"ValidationException", "Query key condition not supported"},
		{"unused value", dynamodb.QueryInput{KeyConditionExpression: aws.String("PK = :v"), ExpressionAttributeValues: av{":v": s("x"), ":x": s("y")}},
			"ValidationException", "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}"},
		{"missing value", dynamodb.QueryInput{KeyConditionExpression: aws.String("PK = :v"), ExpressionAttributeValues: av{":w": s("x")}},
			"ValidationException", "Invalid KeyConditionExpression: An expression attribute value used in expression is not defined; attribute value: :v"},
		{"type mismatch", dynamodb.QueryInput{KeyConditionExpression: aws.String("PK = :v"), ExpressionAttributeValues: av{":v": n("1")}},
			"ValidationException", "One or more parameter values were invalid: Condition parameter type does not match schema type"},
		{"or in key condition", dynamodb.QueryInput{KeyConditionExpression: aws.String("PK = :v OR PK = :w"), ExpressionAttributeValues: av{":v": s("x"), ":w": s("y")}},
			"ValidationException", "Invalid operator used in KeyConditionExpression: OR"},
		{"begins_with on number", dynamodb.QueryInput{IndexName: aws.String("GSI2"), KeyConditionExpression: aws.String("GSI2PK = :v AND begins_with(due, :d)"), ExpressionAttributeValues: av{":v": s("x"), ":d": s("1")}},
			"ValidationException", "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
		{"unknown index", dynamodb.QueryInput{IndexName: aws.String("Nope"), KeyConditionExpression: aws.String("PK = :v"), ExpressionAttributeValues: av{":v": s("x")}},
			"ValidationException", "The table does not have the specified index: Nope"},
		{"no key condition", dynamodb.QueryInput{},
			"ValidationException", "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."},
		{"select all attributes on keys-only gsi", dynamodb.QueryInput{IndexName: aws.String("GSI2"), Select: types.SelectAllAttributes, KeyConditionExpression: aws.String("GSI2PK = :v"), ExpressionAttributeValues: av{":v": s("x")}},
			"ValidationException", "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index GSI2 because its projection type is not ALL"},
		{"bad start key", dynamodb.QueryInput{KeyConditionExpression: aws.String("PK = :v"), ExpressionAttributeValues: av{":v": s("x")}, ExclusiveStartKey: av{"PK": s("x")}},
			"ValidationException", "The provided starting key is invalid: The provided key element does not match the schema"},
		{"missing table", dynamodb.QueryInput{TableName: aws.String("nope"), KeyConditionExpression: aws.String("PK = :v"), ExpressionAttributeValues: av{":v": s("x")}},
			"ResourceNotFoundException", "Requested resource not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.in
			if q.TableName == nil {
				q.TableName = aws.String("claims")
			}
			_, err := env.client.Query(ctx, &q)
			code, msg := apiErr(err)
			if diff := cmp.Diff([2]string{tt.code, tt.message}, [2]string{code, msg}); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestQueryPageSizeLimit(t *testing.T) {
	env := newTestEnv(t, Config{})
	mustCreate(t, env.client, numericSortTable("nums"))
	blob := strings.Repeat("x", 100*1024)
	for i := 0; i < 15; i++ {
		mustPut(t, env.client, "nums", av{"PK": s("p"), "seq": n(fmt.Sprint(i)), "blob": s(blob)})
	}
	out, err := env.client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("nums"), KeyConditionExpression: aws.String("PK = :p"),
		ExpressionAttributeValues: av{":p": s("p")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	// Each item is ~100 KB, so the 1 MB page ends with the 11th item.
	if out.Count != 11 || out.LastEvaluatedKey == nil {
		t.Errorf("first page count = %d, key = %v; want 11 items and a LastEvaluatedKey", out.Count, out.LastEvaluatedKey)
	}
}

func TestScan(t *testing.T) {
	env := newTestEnv(t, Config{})
	mustCreate(t, env.client, claimsTable("claims"))
	loadClaims(t, env.client, "claims", 40)
	seen := map[string]int{}
	total := 0
	for seg := int32(0); seg < 3; seg++ {
		var start av
		for {
			out, err := env.client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("claims"), Segment: aws.Int32(seg), TotalSegments: aws.Int32(3),
				Limit: aws.Int32(4), ExclusiveStartKey: start, FilterExpression: aws.String("amount >= :min"), ExpressionAttributeValues: av{":min": n("100")}})
			if err != nil {
				t.Fatalf("Scan segment %d: %v", seg, err)
			}
			for _, it := range out.Items {
				seen[it["PK"].(*types.AttributeValueMemberS).Value]++
				total++
			}
			if out.LastEvaluatedKey == nil {
				break
			}
			start = out.LastEvaluatedKey
		}
	}
	if len(seen) != 30 || total != 30 {
		t.Errorf("segmented scan found %d distinct / %d total items; want 30 / 30", len(seen), total)
	}
	out, err := env.client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("claims"), IndexName: aws.String("GSI1"), Select: types.SelectCount})
	if err != nil || out.Count != 20 {
		t.Errorf("index scan count = %d, %v; want 20", out.Count, err)
	}
	_, err = env.client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("claims"), Segment: aws.Int32(3), TotalSegments: aws.Int32(3)})
	code, msg := apiErr(err)
	if diff := cmp.Diff([2]string{"ValidationException", "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 3 is not less than TotalSegments: 3"}, [2]string{code, msg}); diff != "" {
		t.Errorf("segment error mismatch (-want +got):\n%s", diff)
	}
}

func TestLocalSecondaryIndex(t *testing.T) {
	env := newTestEnv(t, Config{})
	in := simpleTable("tbl")
	in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("created"), AttributeType: types.ScalarAttributeTypeN})
	in.LocalSecondaryIndexes = []types.LocalSecondaryIndex{{
		IndexName:  aws.String("ByCreated"),
		KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("PK"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("created"), KeyType: types.KeyTypeRange}},
		Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
	}}
	mustCreate(t, env.client, in)
	for i, created := range []string{"30", "10", "20"} {
		mustPut(t, env.client, "tbl", av{"PK": s("c"), "SK": s(fmt.Sprint(i)), "created": n(created), "body": s("text")})
	}
	mustPut(t, env.client, "tbl", av{"PK": s("c"), "SK": s("no-created")})
	q := func(sel types.Select) []map[string]any {
		out, err := env.client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("tbl"), IndexName: aws.String("ByCreated"), ConsistentRead: aws.Bool(true),
			KeyConditionExpression: aws.String("PK = :c AND created > :min"), ExpressionAttributeValues: av{":c": s("c"), ":min": n("10")}, Select: sel})
		if err != nil {
			t.Fatalf("Query LSI: %v", err)
		}
		return plainItems(out.Items)
	}
	if diff := cmp.Diff([]map[string]any{{"PK": "c", "SK": "2", "created": num("20")}, {"PK": "c", "SK": "0", "created": num("30")}}, q("")); diff != "" {
		t.Errorf("projected LSI query mismatch (-want +got):\n%s", diff)
	}
	// A local index can fetch non-projected attributes from the table.
	if diff := cmp.Diff([]map[string]any{{"PK": "c", "SK": "2", "created": num("20"), "body": "text"}, {"PK": "c", "SK": "0", "created": num("30"), "body": "text"}}, q(types.SelectAllAttributes)); diff != "" {
		t.Errorf("ALL_ATTRIBUTES LSI query mismatch (-want +got):\n%s", diff)
	}
}
