package dynamodb

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
)

func simpleTable(name string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("PK"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("SK"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("PK"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("SK"), KeyType: types.KeyTypeRange},
		},
	}
}

func TestPutGetRoundTrip(t *testing.T) {
	env := newTestEnv(t, Config{})
	mustCreate(t, env.client, simpleTable("tbl"))
	mustPut(t, env.client, "tbl", av{
		"PK": s("p"), "SK": s("s"),
		"str": s("héllo \"quoted\"\n"), "empty": s(""),
		"n1": n("1.50"), "n2": n("007"), "n3": n("-0.000120"), "big": n("12345678901234567890123456789012345678"),
		"bin": b([]byte{0, 1, 2, 255}), "t": bl(true), "nul": &types.AttributeValueMemberNULL{Value: true},
		"list": l(s("a"), n("1"), m(av{"x": s("y")})), "map": m(av{"deep": m(av{"n": n("10.0")})}),
		"ss": ss("b", "a"), "ns": ns("2", "1.0"), "bs": &types.AttributeValueMemberBS{Value: [][]byte{{1}, {2}}},
	})
	got := mustGet(t, env.client, "tbl", av{"PK": s("p"), "SK": s("s")})
	want := map[string]any{
		"PK": "p", "SK": "s",
		"str": "héllo \"quoted\"\n", "empty": "",
		"n1": num("1.5"), "n2": num("7"), "n3": num("-0.00012"), "big": num("12345678901234567890123456789012345678"),
		"bin": []byte{0, 1, 2, 255}, "t": true, "nul": nil,
		"list": []any{"a", num("1"), map[string]any{"x": "y"}}, "map": map[string]any{"deep": map[string]any{"n": num("10")}},
		"ss": []string{"a", "b"}, "ns": []num{"1", "2"}, "bs": [][]byte{{1}, {2}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("item mismatch (-want +got):\n%s", diff)
	}
	out, err := env.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: av{"PK": s("p"), "SK": s("missing")}})
	if err != nil || out.Item != nil {
		t.Errorf("GetItem missing = %v, %v; want no item", out.Item, err)
	}
}

func TestItemValidationErrors(t *testing.T) {
	env := newTestEnv(t, Config{})
	in := claimsTable("tbl")
	mustCreate(t, env.client, in)
	big := strings.Repeat("x", 400*1024)
	tests := []struct {
		name    string
		call    func() error
		code    string
		message string
	}{
		{"missing hash key", func() error {
			_, err := env.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: av{"SK": s("s")}})
			return err
		}, "ValidationException", "One or more parameter values were invalid: Missing the key PK in the item"},
		{"wrong key type", func() error {
			_, err := env.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: av{"PK": n("1"), "SK": s("s")}})
			return err
		}, "ValidationException", "One or more parameter values were invalid: Type mismatch for key PK expected: S actual: N"},
		{"empty key string", func() error {
			_, err := env.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: av{"PK": s(""), "SK": s("s")}})
			return err
		}, "ValidationException", "One or more parameter values were invalid: An AttributeValue may not contain an empty string. Key: PK"},
		{"gsi key wrong type", func() error {
			_, err := env.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: av{"PK": s("p"), "SK": s("s"), "due": s("soon")}})
			return err
		}, "ValidationException", "One or more parameter values were invalid: Type mismatch for Index Key due Expected: N Actual: S IndexName: GSI2"},
		{"item too large", func() error {
			_, err := env.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: av{"PK": s("p"), "SK": s("s"), "data": s(big)}})
			return err
		}, "ValidationException", "Item size has exceeded the maximum allowed size"},
		{"empty set", func() error {
			_, err := env.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: av{"PK": s("p"), "SK": s("s"), "tags": &types.AttributeValueMemberSS{Value: []string{}}}})
			return err
		}, "ValidationException", "One or more parameter values were invalid: An string set  may not be empty"},
		{"duplicate set members", func() error {
			_, err := env.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: av{"PK": s("p"), "SK": s("s"), "tags": ss("a", "a")}})
			return err
		}, "ValidationException", "One or more parameter values were invalid: Input collection [a, a] contains duplicates."},
		{"invalid number", func() error {
			_, err := env.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: av{"PK": s("p"), "SK": s("s"), "n": n("12abc")}})
			return err
		}, "ValidationException", "A value provided cannot be converted into a number"},
		{"too many digits", func() error {
			_, err := env.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: av{"PK": s("p"), "SK": s("s"), "n": n("1234567890123456789012345678901234567890")}})
			return err
		}, "ValidationException", "Attempting to store more than 38 significant digits in a Number"},
		{"get with extra key attribute", func() error {
			_, err := env.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: av{"PK": s("p"), "SK": s("s"), "x": s("y")}})
			return err
		}, "ValidationException", "The provided key element does not match the schema"},
		{"get with wrong key type", func() error {
			_, err := env.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: av{"PK": s("p"), "SK": n("1")}})
			return err
		}, "ValidationException", "The provided key element does not match the schema"},
		{"missing table", func() error {
			_, err := env.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("nope"), Item: av{"PK": s("p"), "SK": s("s")}})
			return err
		}, "ResourceNotFoundException", "Requested resource not found"},
		{"put return values", func() error {
			_, err := env.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: av{"PK": s("p"), "SK": s("s")}, ReturnValues: types.ReturnValueAllNew})
			return err
		}, "ValidationException", "Return values set to invalid value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg := apiErr(tt.call())
			if diff := cmp.Diff([2]string{tt.code, tt.message}, [2]string{code, msg}); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
	out, err := env.client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("tbl")})
	if err != nil || out.Count != 0 {
		t.Errorf("after rejected writes Scan count = %d, %v; want 0", out.Count, err)
	}
}

func TestConditionalPutReturnsOldItem(t *testing.T) {
	env := newTestEnv(t, Config{})
	mustCreate(t, env.client, simpleTable("tbl"))
	put := func(v string) error {
		_, err := env.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String("tbl"), Item: av{"PK": s("p"), "SK": s("s"), "v": s(v)},
			ConditionExpression:                 aws.String("attribute_not_exists(PK)"),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		return err
	}
	if err := put("first"); err != nil {
		t.Fatalf("first conditional put: %v", err)
	}
	err := put("second")
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("second put error = %v; want ConditionalCheckFailedException", err)
	}
	want := map[string]any{"PK": "p", "SK": "s", "v": "first"}
	if diff := cmp.Diff(want, plainItem(ccf.Item)); diff != "" {
		t.Errorf("ConditionalCheckFailed Item mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff("The conditional request failed", aws.ToString(ccf.Message)); diff != "" {
		t.Errorf("message mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, mustGet(t, env.client, "tbl", av{"PK": s("p"), "SK": s("s")})); diff != "" {
		t.Errorf("stored item mismatch (-want +got):\n%s", diff)
	}
	// Without ReturnValuesOnConditionCheckFailure no item is returned.
	_, err = env.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: av{"PK": s("p"), "SK": s("s")},
		ConditionExpression: aws.String("v = :x"), ExpressionAttributeValues: av{":x": s("nope")}})
	if !errors.As(err, &ccf) || ccf.Item != nil {
		t.Errorf("put without ALL_OLD = %v (item %v); want ConditionalCheckFailedException without item", err, ccf.Item)
	}
	// ReturnValues ALL_OLD on success.
	out, err := env.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: av{"PK": s("p"), "SK": s("s"), "v": s("third")}, ReturnValues: types.ReturnValueAllOld})
	if err != nil {
		t.Fatalf("put ALL_OLD: %v", err)
	}
	if diff := cmp.Diff(want, plainItem(out.Attributes)); diff != "" {
		t.Errorf("ALL_OLD mismatch (-want +got):\n%s", diff)
	}
}

func TestUpdateItem(t *testing.T) {
	env := newTestEnv(t, Config{})
	mustCreate(t, env.client, simpleTable("tbl"))
	key := av{"PK": s("p"), "SK": s("s")}
	mustPut(t, env.client, "tbl", av{"PK": s("p"), "SK": s("s"), "big": n("12345678901234567890123"), "count": n("5"),
		"tags": ss("a", "b"), "labels": ss("a", "b"), "lst": l(s("x")), "m": m(av{"nested": n("1"), "other": s("kept")}), "gone": s("bye"), "price": n("9.99")})
	tests := []struct {
		name   string
		in     dynamodb.UpdateItemInput
		want   map[string]any // Attributes returned
		stored map[string]any // subset checked after the update
	}{
		{
			name: "set add remove delete with UPDATED_NEW",
			in: dynamodb.UpdateItemInput{
				UpdateExpression:          aws.String("SET #st = :s, m.nested = m.nested + :one, lst = list_append(lst, :l) ADD #c :one, tags :t REMOVE gone DELETE labels :d"),
				ExpressionAttributeNames:  map[string]string{"#st": "status", "#c": "count"},
				ExpressionAttributeValues: av{":s": s("OPEN"), ":one": n("1"), ":l": l(s("y")), ":t": ss("c"), ":d": ss("a")},
				ReturnValues:              types.ReturnValueUpdatedNew,
			},
			want:   map[string]any{"status": "OPEN", "m": map[string]any{"nested": num("2")}, "lst": []any{"x", "y"}, "count": num("6"), "tags": []string{"a", "b", "c"}, "labels": []string{"b"}},
			stored: map[string]any{"big": num("12345678901234567890123"), "price": num("9.99"), "count": num("6")},
		},
		{
			name: "if_not_exists keeps existing and UPDATED_OLD",
			in: dynamodb.UpdateItemInput{
				UpdateExpression:          aws.String("set price = if_not_exists(price, :p), created = if_not_exists(created, :now)"),
				ExpressionAttributeValues: av{":p": n("1"), ":now": n("1700000000")},
				ReturnValues:              types.ReturnValueUpdatedOld,
			},
			want:   map[string]any{"price": num("9.99")},
			stored: map[string]any{"price": num("9.99"), "created": num("1700000000")},
		},
		{
			name: "exact decimal arithmetic",
			in: dynamodb.UpdateItemInput{
				UpdateExpression:          aws.String("SET amount = if_not_exists(amount, :zero) + :a + :b ADD big :one"),
				ExpressionAttributeValues: av{":zero": n("0"), ":a": n("19.99"), ":b": n("0.01"), ":one": n("1")},
				ReturnValues:              types.ReturnValueUpdatedNew,
			},
			want: map[string]any{"amount": num("20"), "big": num("12345678901234567890124")},
		},
		{
			name: "ALL_NEW after subtract",
			in: dynamodb.UpdateItemInput{
				UpdateExpression:          aws.String("SET price = price - :d"),
				ExpressionAttributeValues: av{":d": n("0.99")},
				ReturnValues:              types.ReturnValueAllNew,
			},
			stored: map[string]any{"price": num("9")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.TableName, in.Key = aws.String("tbl"), key
			out, err := env.client.UpdateItem(ctx, &in)
			if err != nil {
				t.Fatalf("UpdateItem: %v", err)
			}
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, plainItem(out.Attributes)); diff != "" {
					t.Errorf("Attributes mismatch (-want +got):\n%s", diff)
				}
			}
			got := mustGet(t, env.client, "tbl", key)
			for k, v := range tt.stored {
				if diff := cmp.Diff(v, got[k]); diff != "" {
					t.Errorf("stored %s mismatch (-want +got):\n%s", k, diff)
				}
			}
		})
	}
	if got := mustGet(t, env.client, "tbl", key); got["gone"] != nil {
		t.Errorf("REMOVE left gone = %v", got["gone"])
	}
}

func TestUpdateItemCreatesItem(t *testing.T) {
	env := newTestEnv(t, Config{})
	mustCreate(t, env.client, simpleTable("tbl"))
	out, err := env.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String("tbl"), Key: av{"PK": s("new"), "SK": s("s")},
		UpdateExpression: aws.String("ADD hits :one SET title = :t"), ExpressionAttributeValues: av{":one": n("1"), ":t": s("x")},
		ReturnValues: types.ReturnValueAllNew,
	})
	if err != nil {
		t.Fatalf("UpdateItem: %v", err)
	}
	want := map[string]any{"PK": "new", "SK": "s", "hits": num("1"), "title": "x"}
	if diff := cmp.Diff(want, plainItem(out.Attributes)); diff != "" {
		t.Errorf("ALL_NEW mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, mustGet(t, env.client, "tbl", av{"PK": s("new"), "SK": s("s")})); diff != "" {
		t.Errorf("stored mismatch (-want +got):\n%s", diff)
	}
}

func TestUpdateItemErrors(t *testing.T) {
	env := newTestEnv(t, Config{})
	mustCreate(t, env.client, simpleTable("tbl"))
	mustPut(t, env.client, "tbl", av{"PK": s("p"), "SK": s("s"), "name": s("x"), "n": n("1"), "m": m(av{"a": s("b")})})
	tests := []struct {
		name    string
		expr    string
		names   map[string]string
		values  av
		cond    string
		code    string
		message string
	}{
		{name: "key attribute", expr: "SET PK = :v", values: av{":v": s("x")}, code: "ValidationException",
			message: "One or more parameter values were invalid: Cannot update attribute PK. This attribute is part of the key"},
		{name: "overlapping paths", expr: "SET m = :v REMOVE m.a", values: av{":v": s("x")}, code: "ValidationException",
			message: "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m], path two: [m, a]"},
		{name: "missing operand attribute", expr: "SET n = absent + :v", values: av{":v": n("1")}, code: "ValidationException",
			message: "The provided expression refers to an attribute that does not exist in the item"},
		{name: "add to string", expr: "ADD #nm :v", names: map[string]string{"#nm": "name"}, values: av{":v": n("1")}, code: "ValidationException",
			message: "An operand in the update expression has an incorrect data type"},
		{name: "add string operand", expr: "ADD n :v", values: av{":v": s("x")}, code: "ValidationException",
			message: "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING"},
		{name: "reserved word", expr: "SET name = :v", values: av{":v": s("x")}, code: "ValidationException",
			message: "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: name"},
		{name: "unused value", expr: "SET a = :v", values: av{":v": s("x"), ":w": s("y")}, code: "ValidationException",
			message: "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}"},
		{name: "unused name", expr: "SET a = :v", names: map[string]string{"#x": "x"}, values: av{":v": s("x")}, code: "ValidationException",
			message: "Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}"},
		{name: "undefined value", expr: "SET a = :nope", values: av{":v": s("x")}, code: "ValidationException",
			message: "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :nope"},
		{name: "undefined name", expr: "SET #nope = :v", values: av{":v": s("x")}, code: "ValidationException",
			message: "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #nope"},
		{name: "invalid nested path", expr: "SET absent.a = :v", values: av{":v": s("x")}, code: "ValidationException",
			message: "The document path provided in the update expression is invalid for update"},
		{name: "condition fails", expr: "SET a = :v", values: av{":v": s("x"), ":n": n("2")}, cond: "n = :n", code: "ConditionalCheckFailedException",
			message: "The conditional request failed"},
		{name: "syntax error", expr: "SET a = ", values: nil, code: "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &dynamodb.UpdateItemInput{TableName: aws.String("tbl"), Key: av{"PK": s("p"), "SK": s("s")}, UpdateExpression: aws.String(tt.expr),
				ExpressionAttributeNames: tt.names, ExpressionAttributeValues: tt.values}
			if tt.cond != "" {
				in.ConditionExpression = aws.String(tt.cond)
			}
			_, err := env.client.UpdateItem(ctx, in)
			code, msg := apiErr(err)
			if tt.message == "" {
				msg = ""
			}
			if diff := cmp.Diff([2]string{tt.code, tt.message}, [2]string{code, msg}); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
	want := map[string]any{"PK": "p", "SK": "s", "name": "x", "n": num("1"), "m": map[string]any{"a": "b"}}
	if diff := cmp.Diff(want, mustGet(t, env.client, "tbl", av{"PK": s("p"), "SK": s("s")})); diff != "" {
		t.Errorf("item changed by failed updates (-want +got):\n%s", diff)
	}
}

func TestDeleteItem(t *testing.T) {
	env := newTestEnv(t, Config{})
	mustCreate(t, env.client, simpleTable("tbl"))
	key := av{"PK": s("p"), "SK": s("s")}
	mustPut(t, env.client, "tbl", av{"PK": s("p"), "SK": s("s"), "state": s("open")})
	_, err := env.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("tbl"), Key: key,
		ConditionExpression: aws.String("#s = :closed"), ExpressionAttributeNames: map[string]string{"#s": "state"},
		ExpressionAttributeValues: av{":closed": s("closed")}, ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("conditional delete error = %v; want ConditionalCheckFailedException", err)
	}
	if diff := cmp.Diff(map[string]any{"PK": "p", "SK": "s", "state": "open"}, plainItem(ccf.Item)); diff != "" {
		t.Errorf("failure item mismatch (-want +got):\n%s", diff)
	}
	out, err := env.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("tbl"), Key: key, ReturnValues: types.ReturnValueAllOld})
	if err != nil {
		t.Fatalf("DeleteItem: %v", err)
	}
	if diff := cmp.Diff(map[string]any{"PK": "p", "SK": "s", "state": "open"}, plainItem(out.Attributes)); diff != "" {
		t.Errorf("ALL_OLD mismatch (-want +got):\n%s", diff)
	}
	if got := mustGet(t, env.client, "tbl", key); got != nil {
		t.Errorf("item still present: %v", got)
	}
	out, err = env.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("tbl"), Key: key, ReturnValues: types.ReturnValueAllOld})
	if err != nil || out.Attributes != nil {
		t.Errorf("deleting a missing item = %v, %v; want success without attributes", out.Attributes, err)
	}
}

func TestConditionExpressions(t *testing.T) {
	env := newTestEnv(t, Config{})
	mustCreate(t, env.client, simpleTable("tbl"))
	mustPut(t, env.client, "tbl", av{"PK": s("p"), "SK": s("s"), "state": s("OPEN"), "amount": n("150"), "tags": ss("a", "b"),
		"lineItems": l(s("x"), s("y"), s("z")), "creator": m(av{"id": s("u1")}), "payload": b([]byte{})})
	tests := []struct {
		cond   string
		names  map[string]string
		values av
		want   bool
	}{
		{cond: "attribute_exists(PK)", want: true},
		{cond: "attribute_not_exists(PK)", want: false},
		{cond: "#s = :o AND amount BETWEEN :lo AND :hi", names: map[string]string{"#s": "state"}, values: av{":o": s("OPEN"), ":lo": n("100"), ":hi": n("200")}, want: true},
		{cond: "#s = :o and amount > :hi", names: map[string]string{"#s": "state"}, values: av{":o": s("OPEN"), ":hi": n("200")}, want: false},
		{cond: "begins_with(#s, :p) or amount < :lo", names: map[string]string{"#s": "state"}, values: av{":p": s("OP"), ":lo": n("1")}, want: true},
		{cond: "contains(tags, :t)", values: av{":t": s("b")}, want: true},
		{cond: "size(lineItems) = :three", values: av{":three": n("3")}, want: true},
		{cond: "size(tags) > :three", values: av{":three": n("3")}, want: false},
		{cond: "creator.id = :u", values: av{":u": s("u1")}, want: true},
		{cond: "#s IN (:a, :b)", names: map[string]string{"#s": "state"}, values: av{":a": s("CLOSED"), ":b": s("OPEN")}, want: true},
		{cond: "NOT (amount = :x)", values: av{":x": n("150")}, want: false},
		{cond: "amount = :x", values: av{":x": n("150.000")}, want: true},
		{cond: "attribute_type(amount, :t)", values: av{":t": s("N")}, want: true},
		{cond: "attribute_exists(payload) AND size(payload) = :zero", values: av{":zero": n("0")}, want: true},
		{cond: "amount < :str", values: av{":str": s("999")}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.cond, func(t *testing.T) {
			_, err := env.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("tbl"), Key: av{"PK": s("p"), "SK": s("s")},
				UpdateExpression: aws.String("SET touched = :true"), ConditionExpression: aws.String(tt.cond),
				ExpressionAttributeNames: tt.names, ExpressionAttributeValues: merge(tt.values, av{":true": bl(true)})})
			code, msg := apiErr(err)
			if code != "" && code != "ConditionalCheckFailedException" {
				t.Fatalf("unexpected error %s: %s", code, msg)
			}
			if diff := cmp.Diff(tt.want, err == nil); diff != "" {
				t.Errorf("condition result mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func merge(a, b av) av {
	out := av{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func TestGetItemProjection(t *testing.T) {
	env := newTestEnv(t, Config{})
	mustCreate(t, env.client, simpleTable("tbl"))
	mustPut(t, env.client, "tbl", av{"PK": s("p"), "SK": s("s"), "a": s("1"), "b": s("2"), "m": m(av{"x": s("1"), "y": s("2")}), "l": l(s("0"), s("1"), s("2"))})
	out, err := env.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: av{"PK": s("p"), "SK": s("s")},
		ProjectionExpression: aws.String("a, #m.x, l[2], l[0]"), ExpressionAttributeNames: map[string]string{"#m": "m"}})
	if err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	want := map[string]any{"a": "1", "m": map[string]any{"x": "1"}, "l": []any{"0", "2"}}
	if diff := cmp.Diff(want, plainItem(out.Item)); diff != "" {
		t.Errorf("projection mismatch (-want +got):\n%s", diff)
	}
	_, err = env.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: av{"PK": s("p"), "SK": s("s")},
		ProjectionExpression: aws.String("a, a")})
	code, msg := apiErr(err)
	if diff := cmp.Diff([2]string{"ValidationException", "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"}, [2]string{code, msg}); diff != "" {
		t.Errorf("overlap error mismatch (-want +got):\n%s", diff)
	}
}
