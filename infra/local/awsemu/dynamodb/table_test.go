package dynamodb

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
)

func TestCreateTableValidation(t *testing.T) {
	env := newTestEnv(t, Config{})
	mustCreate(t, env.client, simpleTable("exists"))
	attr := func(name string, typ types.ScalarAttributeType) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: typ}
	}
	key := func(name string, typ types.KeyType) types.KeySchemaElement {
		return types.KeySchemaElement{AttributeName: aws.String(name), KeyType: typ}
	}
	tests := []struct {
		name    string
		mutate  func(in *dynamodb.CreateTableInput)
		code    string
		message string
	}{
		{"exists", func(in *dynamodb.CreateTableInput) { in.TableName = aws.String("exists") },
			"ResourceInUseException", "Table already exists: exists"},
		{"unused attribute definition", func(in *dynamodb.CreateTableInput) {
			in.AttributeDefinitions = append(in.AttributeDefinitions, attr("extra", types.ScalarAttributeTypeS))
		}, "ValidationException", "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"},
		{"unused attribute definition with index", func(in *dynamodb.CreateTableInput) {
			in.AttributeDefinitions = append(in.AttributeDefinitions, attr("extra", types.ScalarAttributeTypeS), attr("g", types.ScalarAttributeTypeS))
			in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{IndexName: aws.String("Gidx"), KeySchema: []types.KeySchemaElement{key("g", types.KeyTypeHash)},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}
		}, "ValidationException", "One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [PK, SK, extra, g], keys used: [PK, SK, g]"},
		{"undefined key attribute", func(in *dynamodb.CreateTableInput) { in.AttributeDefinitions = in.AttributeDefinitions[:1] },
			"ValidationException", "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [SK], AttributeDefinitions: [PK]"},
		{"range key first", func(in *dynamodb.CreateTableInput) {
			in.KeySchema[0], in.KeySchema[1] = in.KeySchema[1], in.KeySchema[0]
		},
			"ValidationException", "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"},
		{"provisioned without throughput", func(in *dynamodb.CreateTableInput) { in.BillingMode = types.BillingModeProvisioned },
			"ValidationException", "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"},
		{"on-demand with throughput", func(in *dynamodb.CreateTableInput) {
			in.ProvisionedThroughput = &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}
		}, "ValidationException", "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"},
		{"lsi on hash-only table", func(in *dynamodb.CreateTableInput) {
			in.AttributeDefinitions = []types.AttributeDefinition{attr("PK", types.ScalarAttributeTypeS), attr("SK", types.ScalarAttributeTypeS)}
			in.KeySchema = in.KeySchema[:1]
			in.LocalSecondaryIndexes = []types.LocalSecondaryIndex{{IndexName: aws.String("Lidx"), KeySchema: []types.KeySchemaElement{key("PK", types.KeyTypeHash), key("SK", types.KeyTypeRange)},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}
		}, "ValidationException", "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex"},
		{"bad attribute type", func(in *dynamodb.CreateTableInput) { in.AttributeDefinitions[0].AttributeType = "BOOL" },
			"ValidationException", "1 validation error detected: Value 'BOOL' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]"},
		{"duplicate index name", func(in *dynamodb.CreateTableInput) {
			in.AttributeDefinitions = append(in.AttributeDefinitions, attr("g", types.ScalarAttributeTypeS))
			g := types.GlobalSecondaryIndex{IndexName: aws.String("Gidx"), KeySchema: []types.KeySchemaElement{key("g", types.KeyTypeHash)}, Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}
			in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{g, g}
		}, "ValidationException", "One or more parameter values were invalid: Duplicate index name: Gidx"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := simpleTable(fmt.Sprintf("new%d", i))
			in.BillingMode = types.BillingModePayPerRequest
			tt.mutate(in)
			_, err := env.client.CreateTable(ctx, in)
			code, msg := apiErr(err)
			if diff := cmp.Diff([2]string{tt.code, tt.message}, [2]string{code, msg}); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDescribeTable(t *testing.T) {
	env := newTestEnv(t, Config{})
	in := claimsTable("claims")
	in.SSESpecification = &types.SSESpecification{Enabled: aws.Bool(true)}
	in.Tags = []types.Tag{{Key: aws.String("app"), Value: aws.String("guestbook")}}
	mustCreate(t, env.client, in)
	mustPut(t, env.client, "claims", av{"PK": s("a"), "SK": s("b"), "GSI1PK": s("x"), "GSI1SK": s("y")})
	mustPut(t, env.client, "claims", av{"PK": s("a"), "SK": s("c")})
	out, err := env.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("claims")})
	if err != nil {
		t.Fatalf("DescribeTable: %v", err)
	}
	tb := out.Table
	type gsi struct {
		Name, Status, Arn, Projection string
		Count                         int64
	}
	type summary struct {
		Status, Arn, Billing, SSE string
		Items                     int64
		SizePositive, HasCreated  bool
		Keys                      []string
		GSIs                      []gsi
	}
	got := summary{Status: string(tb.TableStatus), Arn: aws.ToString(tb.TableArn), Billing: string(tb.BillingModeSummary.BillingMode),
		SSE: string(tb.SSEDescription.Status), Items: aws.ToInt64(tb.ItemCount), SizePositive: aws.ToInt64(tb.TableSizeBytes) > 0, HasCreated: tb.CreationDateTime != nil && !tb.CreationDateTime.IsZero()}
	for _, k := range tb.KeySchema {
		got.Keys = append(got.Keys, aws.ToString(k.AttributeName)+"/"+string(k.KeyType))
	}
	for _, g := range tb.GlobalSecondaryIndexes {
		got.GSIs = append(got.GSIs, gsi{aws.ToString(g.IndexName), string(g.IndexStatus), aws.ToString(g.IndexArn), string(g.Projection.ProjectionType), aws.ToInt64(g.ItemCount)})
	}
	want := summary{Status: "ACTIVE", Arn: "arn:aws:dynamodb:eu-central-1:123456789012:table/claims", Billing: "PAY_PER_REQUEST", SSE: "ENABLED",
		Items: 2, SizePositive: true, HasCreated: true, Keys: []string{"PK/HASH", "SK/RANGE"},
		GSIs: []gsi{
			{"GSI1", "ACTIVE", "arn:aws:dynamodb:eu-central-1:123456789012:table/claims/index/GSI1", "ALL", 1},
			{"GSI2", "ACTIVE", "arn:aws:dynamodb:eu-central-1:123456789012:table/claims/index/GSI2", "KEYS_ONLY", 0},
		}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("description mismatch (-want +got):\n%s", diff)
	}
	tags, err := env.client.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: tb.TableArn})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "guestbook" {
		t.Errorf("ListTagsOfResource = %v, %v; want app=guestbook", tags, err)
	}
	// The SDK waiter must see the table as existing immediately.
	w := dynamodb.NewTableExistsWaiter(env.client)
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("claims")}, 5e9); err != nil {
		t.Errorf("TableExistsWaiter: %v", err)
	}
}

func TestListAndDeleteTables(t *testing.T) {
	env := newTestEnv(t, Config{})
	for _, name := range []string{"delta", "alpha", "charlie", "bravo"} {
		mustCreate(t, env.client, simpleTable(name))
	}
	var names []string
	var start *string
	pages := 0
	for {
		out, err := env.client.ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(3), ExclusiveStartTableName: start})
		if err != nil {
			t.Fatalf("ListTables: %v", err)
		}
		pages++
		names = append(names, out.TableNames...)
		if out.LastEvaluatedTableName == nil {
			break
		}
		start = out.LastEvaluatedTableName
	}
	if diff := cmp.Diff([]string{"alpha", "bravo", "charlie", "delta"}, names); diff != "" {
		t.Errorf("table names mismatch (-want +got):\n%s", diff)
	}
	if pages != 2 {
		t.Errorf("pages = %d, want 2", pages)
	}
	del, err := env.client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("bravo")})
	if err != nil || del.TableDescription.TableStatus != types.TableStatusDeleting {
		t.Fatalf("DeleteTable = %v, %v; want DELETING description", del, err)
	}
	_, err = env.client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("bravo")})
	code, msg := apiErr(err)
	if diff := cmp.Diff([2]string{"ResourceNotFoundException", "Requested resource not found: Table: bravo not found"}, [2]string{code, msg}); diff != "" {
		t.Errorf("second delete mismatch (-want +got):\n%s", diff)
	}
	_, err = env.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("bravo"), Item: av{"PK": s("a"), "SK": s("b")}})
	if code, _ := apiErr(err); code != "ResourceNotFoundException" {
		t.Errorf("put into deleted table = %v; want ResourceNotFoundException", err)
	}
}

func TestUpdateTableGSI(t *testing.T) {
	env := newTestEnv(t, Config{})
	mustCreate(t, env.client, simpleTable("tbl"))
	for i := 0; i < 10; i++ {
		it := av{"PK": s(fmt.Sprintf("p%d", i)), "SK": s("s")}
		if i%3 == 0 {
			it["email"] = s(fmt.Sprintf("user%d@example.com", i))
		}
		mustPut(t, env.client, "tbl", it)
	}
	mustPut(t, env.client, "tbl", av{"PK": s("bad"), "SK": s("s"), "email": n("7")})
	create := func(name string) types.GlobalSecondaryIndexUpdate {
		return types.GlobalSecondaryIndexUpdate{Create: &types.CreateGlobalSecondaryIndexAction{
			IndexName:  aws.String(name),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("email"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		}}
	}
	defs := []types.AttributeDefinition{{AttributeName: aws.String("email"), AttributeType: types.ScalarAttributeTypeS}}
	_, err := env.client.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("tbl"), AttributeDefinitions: defs,
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{create("A"), create("B")}})
	if code, _ := apiErr(err); code != "LimitExceededException" {
		t.Errorf("two index creations = %v; want LimitExceededException", err)
	}
	out, err := env.client.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("tbl"), AttributeDefinitions: defs,
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{create("ByEmail")}})
	if err != nil {
		t.Fatalf("UpdateTable create GSI: %v", err)
	}
	if len(out.TableDescription.GlobalSecondaryIndexes) != 1 || aws.ToInt64(out.TableDescription.GlobalSecondaryIndexes[0].ItemCount) != 4 {
		t.Errorf("new index description = %+v; want one ACTIVE index backfilled with 4 items", out.TableDescription.GlobalSecondaryIndexes)
	}
	q, err := env.client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("tbl"), IndexName: aws.String("ByEmail"),
		KeyConditionExpression: aws.String("email = :e"), ExpressionAttributeValues: av{":e": s("user6@example.com")}})
	if err != nil {
		t.Fatalf("query new index: %v", err)
	}
	if diff := cmp.Diff([]map[string]any{{"PK": "p6", "SK": "s", "email": "user6@example.com"}}, plainItems(q.Items)); diff != "" {
		t.Errorf("backfilled index mismatch (-want +got):\n%s", diff)
	}
	// New writes maintain the index, and its key type is now enforced.
	mustPut(t, env.client, "tbl", av{"PK": s("new"), "SK": s("s"), "email": s("user6@example.com")})
	q, _ = env.client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("tbl"), IndexName: aws.String("ByEmail"),
		KeyConditionExpression: aws.String("email = :e"), ExpressionAttributeValues: av{":e": s("user6@example.com")}})
	if q == nil || q.Count != 2 {
		t.Errorf("index after new write has %v items; want 2", q)
	}
	_, err = env.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: av{"PK": s("x"), "SK": s("s"), "email": n("1")}})
	if code, _ := apiErr(err); code != "ValidationException" {
		t.Errorf("write with wrong index key type = %v; want ValidationException", err)
	}
	_, err = env.client.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("tbl"),
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String("ByEmail")}}}})
	if err != nil {
		t.Fatalf("delete GSI: %v", err)
	}
	_, err = env.client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("tbl"), IndexName: aws.String("ByEmail"),
		KeyConditionExpression: aws.String("email = :e"), ExpressionAttributeValues: av{":e": s("x")}})
	if code, _ := apiErr(err); code != "ValidationException" {
		t.Errorf("query deleted index = %v; want ValidationException", err)
	}
	d, _ := env.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("tbl")})
	if len(d.Table.AttributeDefinitions) != 2 {
		t.Errorf("attribute definitions after index deletion = %d; want 2", len(d.Table.AttributeDefinitions))
	}
	bm, err := env.client.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("tbl"), BillingMode: types.BillingModeProvisioned,
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)}})
	if err != nil || bm.TableDescription.BillingModeSummary.BillingMode != types.BillingModeProvisioned {
		t.Errorf("switch to PROVISIONED = %v; want PROVISIONED", err)
	}
}

func TestTimeToLiveAndBackupsConfig(t *testing.T) {
	env := newTestEnv(t, Config{})
	mustCreate(t, env.client, simpleTable("tbl"))
	d, err := env.client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("tbl")})
	if err != nil || d.TimeToLiveDescription.TimeToLiveStatus != types.TimeToLiveStatusDisabled {
		t.Fatalf("initial TTL = %v, %v; want DISABLED", d, err)
	}
	_, err = env.client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("tbl"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("expires")}})
	if err != nil {
		t.Fatalf("UpdateTimeToLive: %v", err)
	}
	d, _ = env.client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("tbl")})
	if diff := cmp.Diff([2]string{"ENABLED", "expires"}, [2]string{string(d.TimeToLiveDescription.TimeToLiveStatus), aws.ToString(d.TimeToLiveDescription.AttributeName)}); diff != "" {
		t.Errorf("TTL description mismatch (-want +got):\n%s", diff)
	}
	_, err = env.client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("tbl"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("expires")}})
	code, msg := apiErr(err)
	if diff := cmp.Diff([2]string{"ValidationException", "TimeToLive is already enabled"}, [2]string{code, msg}); diff != "" {
		t.Errorf("re-enable mismatch (-want +got):\n%s", diff)
	}
	pitr, err := env.client.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{TableName: aws.String("tbl"),
		PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)}})
	if err != nil || pitr.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus != types.PointInTimeRecoveryStatusEnabled {
		t.Fatalf("UpdateContinuousBackups = %v, %v; want ENABLED", pitr, err)
	}
	db, err := env.client.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String("tbl")})
	if err != nil || db.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus != types.PointInTimeRecoveryStatusEnabled {
		t.Errorf("DescribeContinuousBackups = %v, %v; want ENABLED", db, err)
	}
	_, err = env.client.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String("nope")})
	if code, _ := apiErr(err); code != "TableNotFoundException" {
		t.Errorf("DescribeContinuousBackups missing table = %v; want TableNotFoundException", err)
	}
}

func TestTags(t *testing.T) {
	env := newTestEnv(t, Config{})
	mustCreate(t, env.client, simpleTable("tbl"))
	arn := aws.String("arn:aws:dynamodb:eu-central-1:123456789012:table/tbl")
	if _, err := env.client.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: arn, Tags: []types.Tag{
		{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}}}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	if _, err := env.client.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: arn, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("3")}}}); err != nil {
		t.Fatalf("TagResource overwrite: %v", err)
	}
	if _, err := env.client.UntagResource(ctx, &dynamodb.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"b"}}); err != nil {
		t.Fatalf("UntagResource: %v", err)
	}
	out, err := env.client.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: arn})
	if err != nil {
		t.Fatalf("ListTagsOfResource: %v", err)
	}
	got := map[string]string{}
	for _, tg := range out.Tags {
		got[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	if diff := cmp.Diff(map[string]string{"a": "3"}, got); diff != "" {
		t.Errorf("tags mismatch (-want +got):\n%s", diff)
	}
	_, err = env.client.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String("arn:aws:dynamodb:eu-central-1:123456789012:table/nope")})
	if code, _ := apiErr(err); code != "ResourceNotFoundException" {
		t.Errorf("tags of missing table = %v; want ResourceNotFoundException", err)
	}
}
