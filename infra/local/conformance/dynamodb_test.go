package conformance

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// item renders an attribute map deterministically.
func item(m map[string]types.AttributeValue) string {
	if m == nil {
		return "<none>"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + value(m[k])
	}
	return "{" + strings.Join(parts, " ") + "}"
}

func value(v types.AttributeValue) string {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return "S:" + x.Value
	case *types.AttributeValueMemberN:
		return "N:" + x.Value
	case *types.AttributeValueMemberBOOL:
		return fmt.Sprintf("BOOL:%v", x.Value)
	case *types.AttributeValueMemberNULL:
		return "NULL"
	case *types.AttributeValueMemberSS:
		s := append([]string(nil), x.Value...)
		sort.Strings(s)
		return "SS:" + strings.Join(s, ",")
	case *types.AttributeValueMemberL:
		parts := make([]string, len(x.Value))
		for i, e := range x.Value {
			parts[i] = value(e)
		}
		return "L:[" + strings.Join(parts, ",") + "]"
	case *types.AttributeValueMemberM:
		return "M:" + item(x.Value)
	case *types.AttributeValueMemberB:
		return fmt.Sprintf("B:%x", x.Value)
	}
	return fmt.Sprintf("%T", v)
}

func items(list []map[string]types.AttributeValue) string {
	parts := make([]string, len(list))
	for i, m := range list {
		parts[i] = item(m)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": s(pk), "SK": s(sk)}
}

const table = "conformance-table"

func dynamoScenario(ctx context.Context, t *testing.T, c *clients, tr *transcript) {
	t.Helper()
	db := c.ddb
	add := func(op, label string, v any, err error) { tr.add("dynamodb", op, label, v, err) }

	created, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String(table),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("PK"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("SK"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("GSI1PK"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("GSI1SK"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("PK"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("SK"), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String("GSI1"),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("GSI1PK"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("GSI1SK"), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err == nil {
		add("CreateTable", "", fmt.Sprintf("name=%s keys=%d indexes=%d", aws.ToString(created.TableDescription.TableName), len(created.TableDescription.KeySchema), len(created.TableDescription.GlobalSecondaryIndexes)), nil)
	} else {
		add("CreateTable", "", nil, err)
	}
	_, err = db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("PK"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("PK"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	add("CreateTable", "exists", nil, err)

	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err == nil {
		var idx []string
		for _, g := range desc.Table.GlobalSecondaryIndexes {
			idx = append(idx, aws.ToString(g.IndexName)+":"+string(g.IndexStatus))
		}
		add("DescribeTable", "", fmt.Sprintf("status=%s indexes=%v arn=%s", desc.Table.TableStatus, idx, aws.ToString(desc.Table.TableArn)), nil)
	} else {
		add("DescribeTable", "", nil, err)
	}
	_, err = db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("missing")})
	add("DescribeTable", "missing", nil, err)

	ttl, err := db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String(table),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("ttl"), Enabled: aws.Bool(true)},
	})
	if err == nil {
		add("UpdateTimeToLive", "", fmt.Sprintf("%s=%v", aws.ToString(ttl.TimeToLiveSpecification.AttributeName), aws.ToBool(ttl.TimeToLiveSpecification.Enabled)), nil)
	} else {
		add("UpdateTimeToLive", "", nil, err)
	}
	dttl, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(table)})
	if err == nil {
		add("DescribeTimeToLive", "", fmt.Sprintf("%s %s", dttl.TimeToLiveDescription.TimeToLiveStatus, aws.ToString(dttl.TimeToLiveDescription.AttributeName)), nil)
	} else {
		add("DescribeTimeToLive", "", nil, err)
	}
	pitr, err := db.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{
		TableName:                        aws.String(table),
		PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)},
	})
	if err == nil {
		add("UpdateContinuousBackups", "", string(pitr.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus), nil)
	} else {
		add("UpdateContinuousBackups", "", nil, err)
	}
	lt, err := db.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err == nil {
		add("ListTables", "", lt.TableNames, nil)
	} else {
		add("ListTables", "", nil, err)
	}

	order := map[string]types.AttributeValue{
		"PK": s("ORDER#1"), "SK": s("META"), "GSI1PK": s("SELLER#7"), "GSI1SK": s("2026-11-01T10:00:00Z"),
		"stage": s("new"), "version": n("1"), "tags": &types.AttributeValueMemberSS{Value: []string{"noise", "heat"}},
		// DynamoDB normalises numbers ("1250.50" reads back as "1250.5"); moto
		// does not, so the scenario stores a normal form.
		"amount": n("1250.5"),
	}
	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: order, ConditionExpression: aws.String("attribute_not_exists(PK)")})
	add("PutItem", "new", nil, err)
	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: order, ConditionExpression: aws.String("attribute_not_exists(PK)")})
	add("PutItem", "duplicate", nil, err)
	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{"PK": s("x")}})
	add("PutItem", "missing sort key", nil, err)
	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{"PK": n("1"), "SK": s("x")}})
	add("PutItem", "key of the wrong type", nil, err)

	got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key("ORDER#1", "META"), ConsistentRead: aws.Bool(true)})
	if err == nil {
		add("GetItem", "", item(got.Item), nil)
	} else {
		add("GetItem", "", nil, err)
	}
	got, err = db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(table), Key: key("ORDER#1", "META"),
		ProjectionExpression: aws.String("#s, amount"), ExpressionAttributeNames: map[string]string{"#s": "stage"},
	})
	if err == nil {
		add("GetItem", "projection", item(got.Item), nil)
	} else {
		add("GetItem", "projection", nil, err)
	}
	got, err = db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key("ORDER#404", "META")})
	if err == nil {
		add("GetItem", "absent", item(got.Item), nil)
	} else {
		add("GetItem", "absent", nil, err)
	}

	upd, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(table),
		Key:                       key("ORDER#1", "META"),
		UpdateExpression:          aws.String("SET #s = :s, version = version + :one REMOVE tags"),
		ConditionExpression:       aws.String("version = :v"),
		ExpressionAttributeNames:  map[string]string{"#s": "stage"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": s("diagnostics"), ":one": n("1"), ":v": n("1")},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err == nil {
		add("UpdateItem", "optimistic lock", item(upd.Attributes), nil)
	} else {
		add("UpdateItem", "optimistic lock", nil, err)
	}
	_, err = db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(table),
		Key:                       key("ORDER#1", "META"),
		UpdateExpression:          aws.String("SET #s = :s"),
		ConditionExpression:       aws.String("version = :v"),
		ExpressionAttributeNames:  map[string]string{"#s": "stage"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": s("decision"), ":v": n("1")},
	})
	add("UpdateItem", "stale version", nil, err)
	for i := range 2 {
		counter, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                 aws.String(table),
			Key:                       key("COUNTER", "orders#2026"),
			UpdateExpression:          aws.String("ADD n :one"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1")},
			ReturnValues:              types.ReturnValueUpdatedNew,
		})
		if err == nil {
			// Only the counter: moto also returns the key attributes of an
			// item the update created, DynamoDB does not.
			add("UpdateItem", fmt.Sprintf("counter %d", i+1), value(counter.Attributes["n"]), nil)
		} else {
			add("UpdateItem", fmt.Sprintf("counter %d", i+1), nil, err)
		}
	}

	var writes []types.WriteRequest
	for i := 1; i <= 5; i++ {
		writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
			"PK": s("ORDER#1"), "SK": s(fmt.Sprintf("EVENT#%04d", i)), "kind": s(map[bool]string{true: "message", false: "stage"}[i%2 == 0]),
			"GSI1PK": s("SELLER#7"), "GSI1SK": s(fmt.Sprintf("2026-11-0%dT10:00:00Z", i+1)),
		}}})
	}
	bw, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: writes}})
	if err == nil {
		add("BatchWriteItem", "", fmt.Sprintf("unprocessed=%d", len(bw.UnprocessedItems)), nil)
	} else {
		add("BatchWriteItem", "", nil, err)
	}

	page1, err := db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("ORDER#1"), ":p": s("EVENT#")},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(2),
	})
	if err == nil {
		add("Query", "newest events, page 1", fmt.Sprintf("%s count=%d more=%v", items(page1.Items), page1.Count, page1.LastEvaluatedKey != nil), nil)
		page2, err := db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(table),
			KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :p)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("ORDER#1"), ":p": s("EVENT#")},
			ScanIndexForward:          aws.Bool(false),
			Limit:                     aws.Int32(2),
			ExclusiveStartKey:         page1.LastEvaluatedKey,
		})
		if err == nil {
			add("Query", "newest events, page 2", fmt.Sprintf("%s count=%d", items(page2.Items), page2.Count), nil)
		} else {
			add("Query", "newest events, page 2", nil, err)
		}
	} else {
		add("Query", "newest events, page 1", nil, err)
	}
	between, err := db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		KeyConditionExpression:    aws.String("PK = :pk AND SK BETWEEN :a AND :b"),
		FilterExpression:          aws.String("kind = :k"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("ORDER#1"), ":a": s("EVENT#0002"), ":b": s("EVENT#0004"), ":k": s("message")},
	})
	if err == nil {
		add("Query", "between with filter", fmt.Sprintf("%s count=%d scanned=%d", items(between.Items), between.Count, between.ScannedCount), nil)
	} else {
		add("Query", "between with filter", nil, err)
	}
	gsi, err := db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		IndexName:                 aws.String("GSI1"),
		KeyConditionExpression:    aws.String("GSI1PK = :d AND GSI1SK >= :from"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": s("SELLER#7"), ":from": s("2026-11-04")},
		ProjectionExpression:      aws.String("SK"),
	})
	if err == nil {
		add("Query", "index", fmt.Sprintf("%s count=%d", items(gsi.Items), gsi.Count), nil)
	} else {
		add("Query", "index", nil, err)
	}
	cnt, err := db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("ORDER#1")},
		Select:                    types.SelectCount,
	})
	if err == nil {
		add("Query", "count", fmt.Sprintf("count=%d items=%d", cnt.Count, len(cnt.Items)), nil)
	} else {
		add("Query", "count", nil, err)
	}
	_, err = db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		IndexName:                 aws.String("GSI1"),
		KeyConditionExpression:    aws.String("GSI1PK = :d"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": s("SELLER#7")},
		ConsistentRead:            aws.Bool(true),
	})
	add("Query", "consistent read on an index", nil, err)

	bg, err := db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		table: {Keys: []map[string]types.AttributeValue{key("ORDER#1", "EVENT#0001"), key("ORDER#1", "EVENT#0005"), key("ORDER#1", "EVENT#9999")}},
	}})
	if err == nil {
		got := bg.Responses[table]
		sort.Slice(got, func(i, j int) bool { return item(got[i]) < item(got[j]) })
		add("BatchGetItem", "", fmt.Sprintf("%s unprocessed=%d", items(got), len(bg.UnprocessedKeys)), nil)
	} else {
		add("BatchGetItem", "", nil, err)
	}

	_, err = db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: aws.String(table), Key: key("ORDER#1", "META"),
			UpdateExpression:          aws.String("SET #s = :s, version = version + :one"),
			ConditionExpression:       aws.String("version = :v"),
			ExpressionAttributeNames:  map[string]string{"#s": "stage"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":s": s("decision"), ":one": n("1"), ":v": n("2")},
		}},
		{Put: &types.Put{TableName: aws.String(table), Item: map[string]types.AttributeValue{"PK": s("ORDER#1"), "SK": s("EVENT#0006"), "kind": s("stage")},
			ConditionExpression: aws.String("attribute_not_exists(SK)")}},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String(table), Key: key("COUNTER", "orders#2026"), ConditionExpression: aws.String("n >= :one"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1")}}},
	}})
	add("TransactWriteItems", "commit", nil, err)
	_, err = db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(table), Item: map[string]types.AttributeValue{"PK": s("ORDER#1"), "SK": s("EVENT#0007")}}},
		{Update: &types.Update{
			TableName: aws.String(table), Key: key("ORDER#1", "META"),
			UpdateExpression:          aws.String("SET #s = :s"),
			ConditionExpression:       aws.String("version = :v"),
			ExpressionAttributeNames:  map[string]string{"#s": "stage"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":s": s("closed"), ":v": n("2")},
		}},
	}})
	var tce *types.TransactionCanceledException
	if errorsAs(err, &tce) {
		var reasons []string
		for _, r := range tce.CancellationReasons {
			reasons = append(reasons, aws.ToString(r.Code))
		}
		add("TransactWriteItems", "stale version cancels all", fmt.Sprintf("cancelled %v", reasons), nil)
	} else {
		add("TransactWriteItems", "stale version cancels all", nil, err)
	}
	got, err = db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key("ORDER#1", "EVENT#0007")})
	if err == nil {
		add("GetItem", "nothing half-written", item(got.Item), nil)
	} else {
		add("GetItem", "nothing half-written", nil, err)
	}
	_, err = db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(table), Item: key("ORDER#2", "META")}},
		{Delete: &types.Delete{TableName: aws.String(table), Key: key("ORDER#2", "META")}},
	}})
	add("TransactWriteItems", "two actions on one item", nil, err)

	tg, err := db.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		// No projection here: moto ignores ProjectionExpression in TransactGetItems.
		{Get: &types.Get{TableName: aws.String(table), Key: key("ORDER#1", "META")}},
		{Get: &types.Get{TableName: aws.String(table), Key: key("COUNTER", "orders#2026")}},
		{Get: &types.Get{TableName: aws.String(table), Key: key("ORDER#404", "META")}},
	}})
	if err == nil {
		var out []string
		for _, r := range tg.Responses {
			out = append(out, item(r.Item))
		}
		add("TransactGetItems", "", out, nil)
	} else {
		add("TransactGetItems", "", nil, err)
	}

	del, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: key("ORDER#1", "EVENT#0006"), ReturnValues: types.ReturnValueAllOld})
	if err == nil {
		add("DeleteItem", "", item(del.Attributes), nil)
	} else {
		add("DeleteItem", "", nil, err)
	}
	_, err = db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: key("ORDER#1", "META"), ConditionExpression: aws.String("#s = :s"),
		ExpressionAttributeNames: map[string]string{"#s": "stage"}, ExpressionAttributeValues: map[string]types.AttributeValue{":s": s("new")}})
	add("DeleteItem", "condition fails", nil, err)

	_, err = db.UpdateTable(ctx, &dynamodb.UpdateTableInput{
		TableName: aws.String(table),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("GSI2PK"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("GSI2SK"), AttributeType: types.ScalarAttributeTypeS},
		},
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
			IndexName: aws.String("GSI2"),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("GSI2PK"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("GSI2SK"), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		}}},
	})
	add("UpdateTable", "add index", nil, err)
	desc, err = db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err == nil {
		var idx []string
		for _, g := range desc.Table.GlobalSecondaryIndexes {
			idx = append(idx, aws.ToString(g.IndexName))
		}
		sort.Strings(idx)
		add("DescribeTable", "after adding an index", idx, nil)
	} else {
		add("DescribeTable", "after adding an index", nil, err)
	}
}
