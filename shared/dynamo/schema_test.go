package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/notify"
	"github.com/claimsdesk/backend/shared/orders"
	"github.com/claimsdesk/backend/shared/qrcode"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/webhook"
)

// storedAttributes is the storage schema, pinned: the attribute names of
// every kind of item (by entity attribute; COUNTER has none), nested ones
// as parent.name and parent[].name, the keys of JSON documents as
// doc.name. Changing a name here is a migration of stored data: items
// already written keep the old name.
var storedAttributes = map[string][]string{
	"claim": {
		"GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI4PK", "GSI4SK", "GSI5PK", "GSI5SK", "PK", "SK",
		"assignee", "categoryId", "channel",
		"claimant", "claimant.company", "claimant.email", "claimant.name", "claimant.phone", "claimant.taxId",
		"createdAt", "createdBy", "customerId", "dealerId",
		"decision", "decision.cost", "decision.cost.amount", "decision.cost.currency", "decision.culpritDepartment",
		"decision.culpritEmployee", "decision.decidedAt", "decision.decidedBy", "decision.faultParty",
		"decision.incidentAnalysisRequired", "decision.instructions", "decision.resolution", "decision.revision",
		"decision.rootCause", "decision.solvedWith", "decision.warrantyCase",
		"desiredFix", "desiredResult", "dueAt", "entity", "essence",
		"flags", "flags[].dismissNote", "flags[].dismissedAt", "flags[].dismissedBy", "flags[].flaggedAt", "flags[].kind",
		"flags[].reason", "flags[].related", "historyHash", "historySeq", "id", "language", "missingZones",
		"order", "order.items", "order.items[].name", "order.items[].quantity", "order.items[].sku", "order.items[].unit",
		"order.reference", "orders", "previousStage", "priority",
		"product", "product.category", "product.model", "product.name", "product.purchaseDate", "product.serial", "product.series",
		"qrCode",
		"satisfaction", "satisfaction.comment", "satisfaction.commentedAt", "satisfaction.ratedAt", "satisfaction.ratedBy", "satisfaction.score",
		"sla", "sla.breached", "sla.firstResponseDue", "sla.level", "sla.nextCheck", "sla.pausedAt", "sla.policy",
		"sla.resolutionDue", "sla.resolvedAt", "sla.respondedAt", "sla.stageLeftSeconds", "sla.statutoryDue", "sla.warned",
		"stage", "stageEnteredAt",
		"tasks", "tasks[].doneAt", "tasks[].doneBy", "tasks[].due", "tasks[].id", "tasks[].note", "tasks[].owner",
		"tasks[].required", "tasks[].source", "tasks[].stage", "tasks[].title", "tasks[].titleEn",
		"typeId", "updatedAt", "version",
	},
	"document": {
		"PK", "SK", "audience", "contentType", "createdAt", "createdBy", "entity", "fileName", "id", "kind", "language",
		"pages", "s3Key", "size", "source", "title", "values", "version",
	},
	"agg":     {"PK", "SK", "day", "dim", "entity", counterPrefix + "<counter>", "scope", "value"},
	"aggfact": {"PK", "SK", "cells", "entity", "kind", "stamp"},
	"file":    {"PK", "SK", "contentType", "entity", "fileName", "id", "s3Key", "size", "uploadedAt", "uploadedBy", "zone"},
	"message": {
		"PK", "SK", "at", "attachments", "attachments[].contentType", "attachments[].fileName", "attachments[].id",
		"attachments[].size", "attachments[].uploadedAt", "attachments[].uploadedBy", "attachments[].zone",
		"author", "authorName", "authorRole", "body", "entity", "id",
	},
	"event": {
		"PK", "SK", "doc", "doc.actor", "doc.after", "doc.at", "doc.before", "doc.hash", "doc.note", "doc.prevHash",
		"doc.seq", "doc.type", "entity", "seq",
	},
	"outbox": {
		"GSI3PK", "GSI3SK", "PK", "SK", "doc", "doc.actor", "doc.at", "doc.claimId", "doc.data", "doc.id", "doc.type",
		"doc.version", "entity", "receivedAt", "relays",
	},
	"index":    {"PK", "SK", "claimId", "entity"},
	"tracking": {"PK", "SK", "claimId", "entity"},
	"essence":  {"PK", "SK", "at", "claimId", "entity", "ttl"},
	"contact":  {"PK", "SK", "customerId", "entity"},
	"customer": {
		"PK", "SK", "claims", "company", "email", "entity", "firstSeen", "lastSeen", "name", "personalManager",
		"personalManagerAt", "personalManagerOrder", "phone", "taxId",
	},
	"idempotency": {"PK", "SK", "bodyHash", "claimId", "entity", "lease", "number", "owner", "ttl", "turn"},
	"rate":        {"PK", "SK", "entity", "n", "ttl"},
	"COUNTER":     {"PK", "SK", "n", "turn#<pool>"},
	"order": {
		"PK", "SK", "createdAt", "createdBy", "currency", "customer", "customer.company", "customer.email",
		"customer.name", "customer.phone", "customer.taxId", "dealerId", "entity", "erpVersion", "items",
		"items[].name", "items[].price", "items[].quantity", "items[].sku", "items[].unit", "kind", "note",
		"number", "salesManager", "sourceClaim", "status", "updatedAt",
	},
	"dealerorder": {"PK", "SK", "entity", "number"},
	"category":    {"PK", "SK", "doc", "doc.active", "doc.description", "doc.id", "doc.name", "doc.order", "entity"},
	"type": {
		"PK", "SK", "doc", "doc.active", "doc.categoryId", "doc.defaultPriority", "doc.id", "doc.instructions", "doc.name",
		"doc.order", "doc.photoZones", "doc.photoZones[].hint", "doc.photoZones[].id", "doc.photoZones[].max",
		"doc.photoZones[].maxBytes", "doc.photoZones[].mediaTypes", "doc.photoZones[].min", "doc.photoZones[].title",
		"doc.requiredFields", "doc.sampleDocuments", "doc.sampleDocuments[].title", "doc.sampleDocuments[].url", "doc.warrantyMonths", "entity",
	},
	"rootcause": {"PK", "SK", "doc", "doc.active", "doc.group", "doc.id", "doc.name", "entity"},
	"model":     {"PK", "SK", "doc", "doc.active", "doc.id", "doc.name", "entity"},
	"manager": {
		"PK", "SK", "doc", "doc.absences", "doc.absences[].from", "doc.absences[].kind", "doc.absences[].note",
		"doc.absences[].to", "doc.active", "doc.categories", "doc.email", "doc.id", "doc.name", "doc.productLines",
		"doc.substitute", "entity", "rev",
	},
	"config": {"PK", "SK", "doc", "entity", "updatedAt"},
	"qr": {
		"PK", "SK", "batchId", "code", "entity", "id", "issuedAt", "issuedBy", "kind", "model", "note", "productName",
		"reason", "revoked", "revokedAt", "revokedBy", "serial", "series",
	},
	"qrbatch": {
		"PK", "SK", "batchId", "code", "entity", "id", "issuedAt", "issuedBy", "kind", "model", "note", "productName",
		"reason", "revoked", "revokedAt", "revokedBy", "serial", "series",
	},
	"delivery": {
		"PK", "SK", "at", "attempt", "claims", "entity", "leaseUntil", "repeatedAt", "repeats", "status", "ttl", "unknownAt",
	},
	"note": {
		"GSI1PK", "GSI1SK", "PK", "SK", "at", "claimId", "entity", "eventId", "eventType", "id", "read", "readAt",
		"recipient", "text", "textEn", "title", "titleEn", "ttl",
	},
	"webhook": {
		"PK", "SK", "active", "dealerId", "description", "entity", "events", "id", "updatedAt", "updatedBy", "url",
	},
	"qday":         {"PK", "SK", "claims", "entity"},
	"qmodelday":    {"PK", "SK", "claims", "entity"},
	"qmodelseries": {"PK", "SK", "entity"},
	"qseries":      {"PK", "SK", "entity", "firstDay", "model"},
	"qcurrent":     {"PK", "SK", "alertId", "entity"},
	"shipments": {
		"PK", "SK", "entity", "erpVersion", "model", "series", "shipments", "shipments[].date", "shipments[].month",
		"shipments[].units", "totalUnits", "updatedAt", "updatedBy",
	},
	"qalert": {
		"GSI1PK", "GSI1SK", "PK", "SK", "doc", "doc.acknowledgedAt", "doc.acknowledgedBy", "doc.announcedAt", "doc.announcements",
		"doc.claims", "doc.closedAt", "doc.closedBy", "doc.finding", "doc.finding.dailyExpected", "doc.finding.days",
		"doc.finding.expected", "doc.finding.observed", "doc.finding.ratio", "doc.finding.statistic", "doc.finding.threshold",
		"doc.id", "doc.model", "doc.mutedBy", "doc.mutedUntil", "doc.note", "doc.raisedAt", "doc.series", "doc.status",
		"doc.typeId", "doc.unitsInService", "doc.window", "doc.window.days", "doc.window.from", "doc.window.to", "entity", "rev",
	},
	"report_subscription": {
		"GSI1PK", "GSI1SK", "GSI5PK", "GSI5SK", "PK", "SK", "doc", "doc.active", "doc.createdAt", "doc.createdBy",
		"doc.dealerId", "doc.formats", "doc.id", "doc.language", "doc.lastRun", "doc.lastRun.at", "doc.lastRun.digest",
		"doc.lastRun.period", "doc.lastRun.status", "doc.nextRun", "doc.onlyWhenChanged", "doc.ownerDealer", "doc.period",
		"doc.query", "doc.query.filter", "doc.query.groupBy", "doc.query.measures", "doc.query.period", "doc.query.thenBy", "doc.recipients",
		"doc.report", "doc.schedule", "doc.schedule.at", "doc.schedule.day", "doc.schedule.frequency",
		"doc.schedule.startsOn", "doc.schedule.timeZone", "doc.schedule.weekday", "doc.skipWhenEmpty", "doc.unsubscribed",
		"doc.updatedAt", "entity", "version",
	},
	"kb_article": {"GSI1PK", "GSI1SK", "PK", "SK", "doc", "doc.audience", "doc.body", "doc.categories", "doc.createdAt", "doc.createdBy", "doc.files", "doc.files[].contentType", "doc.files[].fileName", "doc.files[].id", "doc.files[].kind", "doc.files[].size", "doc.html", "doc.id", "doc.language", "doc.models", "doc.owners", "doc.publishedAt", "doc.rootCauses", "doc.status", "doc.title", "doc.types", "doc.updatedAt", "doc.updatedBy", "doc.version", "entity", "version"},
	"kb_version": {"PK", "SK", "doc", "doc.article", "doc.article.audience", "doc.article.body", "doc.article.categories", "doc.article.createdAt", "doc.article.createdBy", "doc.article.files", "doc.article.files[].contentType", "doc.article.files[].fileName", "doc.article.files[].id", "doc.article.files[].kind", "doc.article.files[].size", "doc.article.html", "doc.article.id", "doc.article.language", "doc.article.models", "doc.article.owners", "doc.article.publishedAt", "doc.article.rootCauses", "doc.article.status", "doc.article.title", "doc.article.types", "doc.article.updatedAt", "doc.article.updatedBy", "doc.article.version", "doc.at", "doc.by", "doc.fields", "doc.note", "doc.status", "doc.version", "entity"},
	"kb_view":    {"PK", "SK", "articles", "claimId", "day", "entity", "filedAt", "ttl", "typeId"},
	"kb_stat":    {"PK", "SK", "entity", "filed", "shown"},
	"kb_link":    {"PK", "SK", "doc", "doc.audience", "doc.categories", "doc.id", "doc.language", "doc.models", "doc.publishedAt", "doc.rootCauses", "doc.status", "doc.title", "doc.types", "doc.updatedAt", "doc.version", "entity"},
	"report_run": {
		"PK", "SK", "attempt", "entity", "eventId", "finishedAt", "leaseUntil", "startedAt", "status", "takeovers", "ttl",
	},
	"export": {
		"GSI1PK", "GSI1SK", "PK", "SK", "attempt", "attempts", "audience", "contentType", "counted", "createdAt", "dealerId",
		"entity", "fileName", "filters", "filters.assignee", "filters.categoryId", "filters.culpritDepartment", "filters.customerId",
		"filters.dealerId", "filters.faultParty", "filters.flag", "filters.from", "filters.order", "filters.resolution", "filters.rootCause", "filters.serial",
		"filters.series", "filters.stage", "filters.to", "filters.typeId", "filters.warrantyCase", "finishedAt", "format", "id",
		"idempotencyKey", "language", "lastError", "leaseUntil", "reason", "requestHash", "requeuedAt", "roles", "rows", "s3Key", "size",
		"startedAt", "status", "ttl", "userId",
	},
	"kbindex": {"PK", "SK", "docs", "entity", "s3Key", "size", "updatedAt", "version"},
}

// schemaRecord is how an entity is stored: its record type (nil for items
// written by update expressions alone) and, for a JSON document in its doc
// attribute, the document's type.
type schemaRecord struct {
	record, doc reflect.Type
}

// schema maps every entity of storedAttributes to its record.
var schema = map[string]schemaRecord{
	"claim":               {record: reflect.TypeFor[claimRecord]()},
	"file":                {record: reflect.TypeFor[fileRecord]()},
	"agg":                 {},
	"aggfact":             {record: reflect.TypeFor[factRecord]()},
	"document":            {record: reflect.TypeFor[documentRecord]()},
	"message":             {record: reflect.TypeFor[messageRecord]()},
	"event":               {record: reflect.TypeFor[eventRecord](), doc: reflect.TypeFor[historyDoc]()},
	"outbox":              {record: reflect.TypeFor[outboxRecord](), doc: reflect.TypeFor[outboxDoc]()},
	"index":               {record: reflect.TypeFor[indexRecord]()},
	"tracking":            {record: reflect.TypeFor[trackingRecord]()},
	"essence":             {record: reflect.TypeFor[essenceRecord]()},
	"contact":             {record: reflect.TypeFor[contactRecord]()},
	"customer":            {record: reflect.TypeFor[customerRecord]()},
	"idempotency":         {record: reflect.TypeFor[idempotencyRecord]()},
	"rate":                {},
	"COUNTER":             {},
	"order":               {record: reflect.TypeFor[orderRecord]()},
	"dealerorder":         {record: reflect.TypeFor[dealerOrderRecord]()},
	"category":            {record: reflect.TypeFor[catalogRecord](), doc: reflect.TypeFor[categoryDoc]()},
	"type":                {record: reflect.TypeFor[catalogRecord](), doc: reflect.TypeFor[typeDoc]()},
	"rootcause":           {record: reflect.TypeFor[catalogRecord](), doc: reflect.TypeFor[rootCauseDoc]()},
	"model":               {record: reflect.TypeFor[catalogRecord](), doc: reflect.TypeFor[modelDoc]()},
	"manager":             {record: reflect.TypeFor[managerRecord](), doc: reflect.TypeFor[managerDoc]()},
	"config":              {record: reflect.TypeFor[configRecord]()},
	"qr":                  {record: reflect.TypeFor[qrRecord]()},
	"qrbatch":             {record: reflect.TypeFor[qrRecord]()},
	"delivery":            {record: reflect.TypeFor[deliveryRecord]()},
	"note":                {record: reflect.TypeFor[noteRecord]()},
	"webhook":             {record: reflect.TypeFor[targetRecord]()},
	"qday":                {record: reflect.TypeFor[qdayRecord]()},
	"qmodelday":           {record: reflect.TypeFor[qdayRecord]()},
	"qmodelseries":        {record: reflect.TypeFor[qmodelSeriesRecord]()},
	"qseries":             {record: reflect.TypeFor[qseriesRecord]()},
	"qcurrent":            {record: reflect.TypeFor[qcurrentRecord]()},
	"shipments":           {record: reflect.TypeFor[shipmentsRecord]()},
	"qalert":              {record: reflect.TypeFor[alertRecord](), doc: reflect.TypeFor[alertDoc]()},
	"report_subscription": {record: reflect.TypeFor[subscriptionRecord](), doc: reflect.TypeFor[subscriptionDoc]()},
	"report_run":          {record: reflect.TypeFor[runRecord]()},
	"export":              {record: reflect.TypeFor[exportRecord]()},
	"kb_article":          {record: reflect.TypeFor[articleRecord](), doc: reflect.TypeFor[articleDoc]()},
	"kb_version":          {record: reflect.TypeFor[articleVersionRecord](), doc: reflect.TypeFor[articleVersionDoc]()},
	"kb_link":             {record: reflect.TypeFor[articleLinkRecord](), doc: reflect.TypeFor[articleSummaryDoc]()},
	"kb_view":             {record: reflect.TypeFor[kbViewRecord]()},
	"kb_stat":             {},
	"kbindex":             {record: reflect.TypeFor[kbIndexRecord]()},
}

var timeType = reflect.TypeFor[time.Time]()

// elem strips pointers and slices off t.
func elem(t reflect.Type) (reflect.Type, bool) {
	list := false
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		if t.Kind() == reflect.Slice {
			list = true
		}
		t = t.Elem()
	}
	return t, list
}

// isRecordStruct reports whether t is a struct whose fields are names of
// the schema (a record of this package, not a time).
func isRecordStruct(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t != timeType
}

// tagName is the name a field is stored under (tag key "dynamodbav" for
// items, "json" for documents).
func tagName(f reflect.StructField, key string) string {
	name, _, _ := strings.Cut(f.Tag.Get(key), ",")
	return name
}

// typeNames lists the names t's tags give, nested ones under prefix.
func typeNames(prefix string, t reflect.Type, key string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name := tagName(f, key)
		if name == "" || name == "-" {
			continue
		}
		out = append(out, prefix+name)
		et, list := elem(f.Type)
		if isRecordStruct(et) {
			sub := prefix + name + "."
			if list {
				sub = prefix + name + "[]."
			}
			out = append(out, typeNames(sub, et, key)...)
		}
	}
	return out
}

// schemaNames lists the names an entity's record (and document) declare.
func schemaNames(r schemaRecord) []string {
	if r.record == nil {
		return nil
	}
	names := typeNames("", r.record, "dynamodbav")
	if r.doc != nil {
		names = append(names, typeNames("doc.", r.doc, "json")...)
	}
	return names
}

// storedNames lists the names in a stored value v (an item's attributes
// as plain Go values, or a parsed JSON document), descending into the
// nested records t declares; what t does not declare is listed as it is
// (so that a name nobody declared shows up too).
func storedNames(prefix string, v map[string]any, t reflect.Type, key string) []string {
	fields := map[string]reflect.Type{}
	if t != nil {
		for i := range t.NumField() {
			f := t.Field(i)
			fields[tagName(f, key)] = f.Type
		}
	}
	var out []string
	for name, val := range v {
		shown := name
		if strings.HasPrefix(name, "turn#") {
			shown = "turn#<pool>" // a pool's round-robin turn
		}
		if prefix == "" && strings.HasPrefix(name, counterPrefix) {
			shown = counterPrefix + "<counter>" // an aggregate cell's counter
		}
		out = append(out, prefix+shown)
		ft, ok := fields[name]
		if !ok {
			continue
		}
		et, _ := elem(ft)
		if !isRecordStruct(et) {
			continue
		}
		switch val := val.(type) {
		case map[string]any:
			out = append(out, storedNames(prefix+name+".", val, et, key)...)
		case []any:
			for _, e := range val {
				if m, ok := e.(map[string]any); ok {
					out = append(out, storedNames(prefix+name+"[].", m, et, key)...)
				}
			}
		}
	}
	return out
}

// plain turns attribute values into plain Go values (maps, lists,
// strings) for storedNames.
func plain(av types.AttributeValue) any {
	switch v := av.(type) {
	case *types.AttributeValueMemberM:
		m := map[string]any{}
		for k, e := range v.Value {
			m[k] = plain(e)
		}
		return m
	case *types.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			l[i] = plain(e)
		}
		return l
	case *types.AttributeValueMemberS:
		return v.Value
	}
	return nil
}

// itemNames lists the names of one stored item of entity, its document's
// keys included.
func itemNames(t *testing.T, entity string, item map[string]types.AttributeValue) []string {
	t.Helper()
	r := schema[entity]
	names := storedNames("", plain(&types.AttributeValueMemberM{Value: item}).(map[string]any), r.record, "dynamodbav")
	if r.doc != nil {
		var doc map[string]any
		if err := json.Unmarshal([]byte(item["doc"].(*types.AttributeValueMemberS).Value), &doc); err != nil {
			t.Fatalf("%s %s: doc is not a JSON object: %v", entity, itemKey(item), err)
		}
		names = append(names, storedNames("doc.", doc, r.doc, "json")...)
	}
	return names
}

// uniqueSorted returns names sorted, each once.
func uniqueSorted(names []string) []string {
	out := slices.Clone(names)
	sort.Strings(out)
	return slices.Compact(out)
}

// TestStoredAttributeNames pins the storage schema: the names the Store
// writes, entity by entity, are storedAttributes, whatever the domain
// types' JSON tags say. It fails when someone renames a stored attribute
// (a record's tag), adds one without pinning it, or lets the storage take
// its names from elsewhere again.
func TestStoredAttributeNames(t *testing.T) {
	for entity := range storedAttributes {
		if _, ok := schema[entity]; !ok {
			t.Fatalf("entity %s has attribute names but no record in schema", entity)
		}
	}

	// What the Store writes: every kind of item, every field set at least
	// once (writeEveryEntity), against the project's table.
	t.Run("written", func(t *testing.T) {
		p := st.Services(t)
		s := mustStore(t, p.Clients.DynamoDB)
		writeEveryEntity(t, s)
		got := map[string][]string{}
		for _, item := range tableItems(t, p.Clients.DynamoDB, "claims-Table") {
			entity := entityOf(item)
			if _, ok := schema[entity]; !ok {
				t.Errorf("item %s of an entity %q the schema does not know", itemKey(item), entity)
				continue
			}
			got[entity] = append(got[entity], itemNames(t, entity, item)...)
		}
		for entity := range got {
			got[entity] = uniqueSorted(got[entity])
		}
		if diff := cmp.Diff(storedAttributes, got); diff != "" {
			t.Errorf("stored attribute names mismatch (-pinned +written):\n%s", diff)
		}
	})

	// What the records declare: every name a record's tags give is pinned
	// (a field the scenario does not set would otherwise go unnoticed).
	t.Run("declared", func(t *testing.T) {
		for entity, r := range schema {
			pinned := storedAttributes[entity]
			for _, name := range schemaNames(r) {
				if !slices.Contains(pinned, name) {
					t.Errorf("%s: %v declares %q, which storedAttributes does not pin", entity, r.record, name)
				}
			}
		}
	})

	// Where the names come from: records' own tags only. A record holds
	// no domain type, embedded or as a field (whose JSON tags, or Go field
	// names, would become attribute names), and its names are its tags:
	// so renaming a JSON tag of claims.Claim, orders.Order, ... changes
	// nothing stored.
	t.Run("independent of the API", func(t *testing.T) {
		seen := map[reflect.Type]bool{}
		for entity, r := range schema {
			if r.record != nil {
				checkRecord(t, entity, r.record, "dynamodbav", "json", seen)
			}
			if r.doc != nil {
				checkRecord(t, entity, r.doc, "json", "dynamodbav", seen)
			}
		}
	})

	// The encoder reads dynamodbav tags, not json ones.
	t.Run("tag key", func(t *testing.T) {
		m, err := marshal(tagProbe{Value: "v"})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := m["stored"]; !ok || len(m) != 1 {
			t.Errorf("a field tagged json:\"api\" dynamodbav:\"stored\" is stored as %v, want stored", keysOf(m))
		}
	})
}

// tagProbe has a JSON name and a stored name.
type tagProbe struct {
	Value string `json:"api" dynamodbav:"stored"`
}

func (tagProbe) storedItem() {}

func keysOf(m map[string]types.AttributeValue) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkRecord fails the test for a field of t (and of the records it
// nests) that is embedded, has no name of its own under key, carries a tag
// of the other key, or holds a type from outside this package (but for
// times and, in documents, raw JSON).
func checkRecord(t *testing.T, entity string, rt reflect.Type, key, other string, seen map[reflect.Type]bool) {
	t.Helper()
	if seen[rt] {
		return
	}
	seen[rt] = true
	own := reflect.TypeFor[claimRecord]().PkgPath()
	for i := range rt.NumField() {
		f := rt.Field(i)
		where := entity + ": " + rt.Name() + "." + f.Name
		if f.Anonymous {
			t.Errorf("%s is embedded: its type's tags would name stored attributes", where)
		}
		if name := tagName(f, key); name == "" {
			t.Errorf("%s has no %s name", where, key)
		}
		if f.Tag.Get(other) != "" {
			t.Errorf("%s has a %s tag too: one name per field", where, other)
		}
		ft, _ := elem(f.Type)
		for ft.Kind() == reflect.Map {
			ft = ft.Elem()
		}
		switch {
		case ft == timeType:
		case ft == reflect.TypeFor[json.RawMessage]() && key == "json":
		case ft.PkgPath() == "":
			// A basic type (string, int64, bool, float64, any).
		case ft.PkgPath() == own && isRecordStruct(ft):
			checkRecord(t, entity, ft, key, other, seen)
		default:
			t.Errorf("%s is a %v: records hold basic types, times and records of this package only", where, f.Type)
		}
	}
}

// TestItemsAsBefore: the Store writes today the very items the code before
// issue #9 wrote, attribute by attribute and value by value, but for one
// intended change: a zero time, written then as "0001-01-01T00:00:00Z", is
// now left out. testdata/items-before-issue-9.json holds what that code
// wrote from writeEveryEntity (the commit that added the file wrote it with
// its own Store, which still named attributes by the JSON tags); it must
// never be written again by later code.
func TestItemsAsBefore(t *testing.T) {
	before := legacyItems(t)
	p := st.Services(t)
	writeEntitiesOfIssue9(t, mustStore(t, p.Clients.DynamoDB))
	now := tableItems(t, p.Clients.DynamoDB, "claims-Table")

	normal := func(items []map[string]types.AttributeValue) map[string]any {
		out := map[string]any{}
		for _, item := range items {
			m := plainAll(&types.AttributeValueMemberM{Value: item}).(map[string]any)
			for _, a := range volatileAttributes[entityOf(item)] {
				if _, ok := m[a]; ok {
					m[a] = "(the time of the run)"
				}
			}
			out[itemKey(item)] = m
		}
		return out
	}
	want := normal(before)
	dropZeroTimes(want)
	got := normal(now)
	// Issue #10 keeps the history head's sequence number beside the
	// version; until a record (a generated document) moves it on, it is the
	// version, which is what the claims written before it read as.
	for k, item := range got {
		m := item.(map[string]any)
		if m["entity"] == (typedValue{"S", "claim"}) && m["historySeq"] == m["version"] {
			delete(m, "historySeq")
		}
		// Issue #12 writes, beside each new claim, its claimant's essence
		// items for the repeat check: new items, read by nothing older.
		if m["entity"] == (typedValue{"S", "essence"}) {
			delete(got, k)
		}
	}
	// Issue #13 lists each source order under its dealer (entity
	// dealerorder), written with the order; orders stored before have none
	// until the ERP sends them again.
	for k, item := range got {
		if item.(map[string]any)["entity"] == (typedValue{"S", "dealerorder"}) {
			delete(got, k)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("items mismatch (-before issue #9, zero times dropped +now):\n%s", diff)
	}
}

// zeroTime is how the code before issue #9 stored a zero time.Time.
const zeroTime = "0001-01-01T00:00:00Z"

// dropZeroTimes removes the zero times from plain items, at every depth.
func dropZeroTimes(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if e == (typedValue{"S", zeroTime}) {
				delete(v, k)
				continue
			}
			dropZeroTimes(e)
		}
	case []any:
		for _, e := range v {
			dropZeroTimes(e)
		}
	}
}

// typedValue is a scalar attribute value with its type (a number and a
// string of the same digits differ).
type typedValue struct{ Type, Value string }

// plainAll is plain with every value kept, typed.
func plainAll(av types.AttributeValue) any {
	switch v := av.(type) {
	case *types.AttributeValueMemberM:
		m := map[string]any{}
		for k, e := range v.Value {
			m[k] = plainAll(e)
		}
		return m
	case *types.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			l[i] = plainAll(e)
		}
		return l
	case *types.AttributeValueMemberS:
		return typedValue{"S", v.Value}
	case *types.AttributeValueMemberN:
		return typedValue{"N", v.Value}
	case *types.AttributeValueMemberBOOL:
		return typedValue{"BOOL", map[bool]string{true: "true", false: "false"}[v.Value]}
	case *types.AttributeValueMemberNULL:
		return typedValue{"NULL", ""}
	case *types.AttributeValueMemberSS:
		return typedValue{"SS", strings.Join(v.Value, "\x00")}
	case *types.AttributeValueMemberNS:
		return typedValue{"NS", strings.Join(v.Value, "\x00")}
	}
	return typedValue{"?", ""}
}

// legacyItems reads testdata/items-before-issue-9.json.
func legacyItems(t *testing.T) []map[string]types.AttributeValue {
	t.Helper()
	b, err := os.ReadFile("testdata/items-before-issue-9.json")
	if err != nil {
		t.Fatal(err)
	}
	items, err := parseItems(b)
	if err != nil {
		t.Fatalf("testdata/items-before-issue-9.json: %v", err)
	}
	return items
}

// TestItemsWrittenBeforeRead: a table written by the code before issue #9
// reads exactly as one written today, through every read of the Store; its
// zero times ("0001-01-01T00:00:00Z") read as zero.
func TestItemsWrittenBeforeRead(t *testing.T) {
	old := st.Services(t)
	var writes []types.WriteRequest
	for _, item := range legacyItems(t) {
		writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	for start := 0; start < len(writes); start += 25 {
		req := map[string][]types.WriteRequest{"claims-Table": writes[start:min(start+25, len(writes))]}
		for len(req) > 0 {
			out, err := old.Clients.DynamoDB.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: req})
			if err != nil {
				t.Fatalf("load the items written before issue #9: %v", err)
			}
			req = out.UnprocessedItems
		}
	}
	cur := st.Services(t)
	writeEntitiesOfIssue9(t, mustStore(t, cur.Clients.DynamoDB))

	want := readEverything(t, mustStore(t, cur.Clients.DynamoDB))
	got := readEverything(t, mustStore(t, old.Clients.DynamoDB))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reads mismatch (-written today +written before issue #9):\n%s", diff)
	}

	c := got.Details["RC-2026-000002"].Claim
	if !c.DueAt.IsZero() || !c.SLA.FirstResponseDue.IsZero() || !c.SLA.NextCheck.IsZero() || !c.Tasks[0].DoneAt.IsZero() || !c.Tasks[0].Open() {
		t.Errorf("claim 2 written before issue #9: due %v, first response due %v, next check %v, task done %v: want zero times",
			c.DueAt, c.SLA.FirstResponseDue, c.SLA.NextCheck, c.Tasks[0].DoneAt)
	}
}

// everything is what the Store reads back of writeEveryEntity's items.
type everything struct {
	Details     map[string]*registry.Detail
	Lists       map[string][]string
	Worklist    []string
	Due         []string
	Pending     []events.Event
	Tracking    map[string]string
	Contact     string
	Idempotency map[string]any
	Personal    map[string]string
	Orders      []orders.Order
	QR          []qrcode.Record
	Catalog     *catalog.Catalog
	Roster      []assignment.Manager
	Config      string
	Targets     []webhook.Target
	Notes       map[string]*notify.NotePage
	Deliveries  map[string]DeliveryRecord
	Done        map[string]bool
}

func readEverything(t *testing.T, s *Store) everything {
	t.Helper()
	ctx := context.Background()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("read %s: %v", what, err)
		}
	}
	var e everything
	var err error
	e.Details = map[string]*registry.Detail{}
	for _, id := range []string{"RC-2026-000001", "RC-2026-000002"} {
		e.Details[id], err = s.ClaimDetail(ctx, id)
		must("claim "+id, err)
		c, err := s.GetClaim(ctx, id)
		must("claim "+id, err)
		if diff := cmp.Diff(&e.Details[id].Claim, c); diff != "" {
			t.Errorf("GetClaim and ClaimDetail of %s differ (-detail +get):\n%s", id, diff)
		}
	}
	ids := func(cs []claims.Claim) []string {
		var out []string
		for _, c := range cs {
			out = append(out, fmt.Sprintf("%s v%d", c.ID, c.Version))
		}
		return out
	}
	e.Lists = map[string][]string{}
	for _, spec := range []registry.ListSpec{
		{Dim: registry.DimStage, Value: "decision"}, {Dim: registry.DimStage, Value: "new"}, {Dim: registry.DimAssignee, Value: "mgr-1"},
		{Dim: DimDealer, Value: "D-100"}, {Dim: DimMonth, Value: "2026-03"}, {Dim: DimOrder, Value: "SO-77"},
		{Dim: registry.DimResolution, Value: "replace"}, {Dim: registry.DimResolution, Value: "repair"}, {Dim: registry.DimFaultParty, Value: "supplier"},
	} {
		spec.Limit = 10
		page, err := s.ListClaims(ctx, spec)
		must("list "+spec.Dim, err)
		e.Lists[spec.Dim+"="+spec.Value] = ids(page.Claims)
	}
	wl, err := s.Worklist(ctx, "mgr-1", 10, "")
	must("worklist", err)
	e.Worklist = ids(wl.Claims)
	due, _, err := s.DueClaims(ctx, scenarioAt.Add(1000*time.Hour), 10, "")
	must("due claims", err)
	e.Due = ids(due)
	e.Pending, err = s.PendingEvents(ctx, scenarioAt.Add(1000*time.Hour), 10)
	must("pending events", err)
	e.Tracking = map[string]string{}
	for _, tok := range []string{"token-1", "token-2"} {
		e.Tracking[tok], err = s.ClaimIDByTracking(ctx, keys.TrackingHash(tok))
		must("tracking", err)
	}
	e.Contact, err = s.CustomerByContact(ctx, "phone:+79161234567")
	must("contact", err)
	e.Idempotency = map[string]any{}
	for _, k := range [][2]string{{"dealers", "k-1"}, {"form", "k-2"}} {
		e.Idempotency[k[1]], err = s.IdempotencyRecord(ctx, k[0], k[1])
		must("idempotency record", err)
	}
	e.Personal = map[string]string{}
	for _, id := range []string{e.Details["RC-2026-000001"].Claim.CustomerID, e.Details["RC-2026-000002"].Claim.CustomerID} {
		e.Personal[id], err = s.PersonalManager(ctx, id)
		must("personal manager", err)
	}
	e.Orders, err = s.OrdersByNumber(ctx, []string{"SO-77", "RW-RC-2026-000001-1"})
	must("orders", err)
	o, err := s.Order(ctx, "SO-77")
	must("order", err)
	if diff := cmp.Diff(&e.Orders[0], o); diff != "" {
		t.Errorf("Order and OrdersByNumber differ (-batch +get):\n%s", diff)
	}
	e.QR, err = s.QRBatch(ctx, "B1")
	must("qr batch", err)
	for _, id := range []string{"Q1", "Q2"} {
		q, err := s.QRCode(ctx, id)
		must("qr code", err)
		e.QR = append(e.QR, *q)
	}
	e.Catalog, err = s.Catalog(ctx)
	must("catalog", err)
	r, err := s.Roster(ctx)
	must("roster", err)
	e.Roster = r.Managers
	cfg, err := s.ConfigDoc(ctx, "calendar")
	must("config", err)
	e.Config = string(cfg)
	e.Targets, err = s.WebhookTargets(ctx)
	must("webhook targets", err)
	e.Notes = map[string]*notify.NotePage{}
	for _, q := range []notify.NoteQuery{{Recipient: "user:mgr-1"}, {Recipient: "role:supervisors"}, {Recipient: "user:mgr-1", Unread: true}} {
		q.Limit = 10
		e.Notes[q.Recipient+map[bool]string{true: " unread"}[q.Unread]], err = s.Notes(ctx, q)
		must("notes", err)
	}
	e.Deliveries, err = s.DeliveryRecords(ctx, "0000000000020000000000000000002")
	must("deliveries", err)
	e.Done, err = s.DoneDeliveries(ctx, "0000000000020000000000000000002")
	must("done deliveries", err)
	return e
}

// filled returns a T with every field set (strings, numbers, times, one
// element in every list and map, pointers allocated), so that a round
// trip shows each field stored and read back, including fields added to
// the domain types after this test was written.
func filled[T any]() T {
	var v T
	n := 0
	fillValue(reflect.ValueOf(&v).Elem(), &n)
	return v
}

func fillValue(v reflect.Value, n *int) {
	*n++
	switch {
	case v.Type() == timeType:
		v.Set(reflect.ValueOf(scenarioAt.Add(time.Duration(*n) * time.Hour)))
		return
	case v.Type() == reflect.TypeFor[json.RawMessage]():
		v.SetBytes([]byte(fmt.Sprintf(`{"n":%d}`, *n)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(*n))
	case reflect.Float64:
		v.SetFloat(float64(*n) + 0.5)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillValue(v.Elem(), n)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fillValue(v.Index(0), n)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fillValue(k, n)
		if e.Kind() == reflect.Interface {
			e.Set(reflect.ValueOf(fmt.Sprintf("s%d", *n)))
		} else {
			fillValue(e, n)
		}
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillValue(v.Field(i), n)
			}
		}
	default:
		panic(fmt.Sprintf("filled: no value for a %v", v.Type()))
	}
}

// throughItem stores a record as an item and reads it back as the Store
// does.
func throughItem[R storable](t *testing.T, r R) R {
	t.Helper()
	m, err := marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var out R
	if err := unmarshal(m, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// throughJSON stores a document as JSON and reads it back.
func throughJSON[D any](t *testing.T, d D) D {
	t.Helper()
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var out D
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// roundTrip checks that a domain value, fully set and zero, comes back
// from storage as it went in (but for what drop says storage never kept).
func roundTrip[T any](t *testing.T, store func(T) T, drop func(*T)) {
	t.Helper()
	var zero T
	for name, in := range map[string]T{"every field set": filled[T](), "zero": zero} {
		want := in
		if drop != nil {
			want = throughJSON(t, in) // a deep copy to edit
			drop(&want)
		}
		if diff := cmp.Diff(want, store(in)); diff != "" {
			t.Errorf("%T, %s: round trip mismatch (-stored +read):\n%s", in, name, diff)
		}
	}
}

// TestRecordsKeepEveryField: every field of every stored domain type goes
// through its record and back unchanged, zero times and nil lists
// included. A field added to a domain type and not to its record fails
// here.
func TestRecordsKeepEveryField(t *testing.T) {
	roundTrip(t, func(c claims.Claim) claims.Claim {
		r := throughItem(t, newClaimRecord(&c))
		return r.claim()
	}, nil)
	roundTrip(t, func(a claims.Attachment) claims.Attachment {
		r := throughItem(t, newFileRecord("RC-2026-000001", a))
		return r.attachment()
	}, nil)
	roundTrip(t, func(m claims.Message) claims.Message {
		r := throughItem(t, newMessageRecord("RC-2026-000001", m))
		return r.message()
	}, func(m *claims.Message) {
		// A message's files never had their key stored (chat.AttachmentKey
		// derives it).
		for i := range m.Attachments {
			m.Attachments[i].Key = ""
		}
	})
	roundTrip(t, func(e claims.Event) claims.Event {
		r, err := newEventRecord("RC-2026-000001", e)
		if err != nil {
			t.Fatal(err)
		}
		r = throughItem(t, r)
		got, err := r.event()
		if err != nil {
			t.Fatal(err)
		}
		return got
	}, nil)
	roundTrip(t, func(e events.Event) events.Event {
		r, err := newOutboxRecord(e)
		if err != nil {
			t.Fatal(err)
		}
		r = throughItem(t, r)
		got, err := r.event()
		if err != nil {
			t.Fatal(err)
		}
		return got
	}, nil)
	roundTrip(t, func(o orders.Order) orders.Order {
		r := throughItem(t, newOrderRecord(o))
		return r.order()
	}, nil)
	roundTrip(t, func(q qrcode.Record) qrcode.Record {
		r := throughItem(t, newQRRecord("QR#Q1", "#QR", "qr", q))
		return r.record()
	}, nil)
	roundTrip(t, func(w webhook.Target) webhook.Target {
		r := throughItem(t, newTargetRecord(w))
		return r.target()
	}, nil)
	roundTrip(t, func(n notify.Note) notify.Note {
		r := throughItem(t, newNoteRecord(n, "NOTE#x"))
		return r.note()
	}, nil)
	roundTrip(t, func(c catalog.Category) catalog.Category { return throughJSON(t, newCategoryDoc(c)).category() }, nil)
	roundTrip(t, func(c catalog.Type) catalog.Type { return throughJSON(t, newTypeDoc(c)).catalogType() }, nil)
	roundTrip(t, func(c catalog.RootCause) catalog.RootCause { return throughJSON(t, newRootCauseDoc(c)).rootCause() }, nil)
	roundTrip(t, func(m assignment.Manager) assignment.Manager { return throughJSON(t, newManagerDoc(&m)).manager() }, nil)
}

// TestZeroTimesAreLeftOut: a time that is not set is not stored (the
// encoder alone would write "0001-01-01T00:00:00Z"), so that conditions
// and updates see it as absent: attribute_not_exists holds and
// if_not_exists takes the new value.
func TestZeroTimesAreLeftOut(t *testing.T) {
	p := st.Services(t)
	s := mustStore(t, p.Clients.DynamoDB)
	writeEveryEntity(t, s)
	ctx := context.Background()
	get := func(pk, sk string) map[string]any {
		t.Helper()
		out, err := p.Clients.DynamoDB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: key(pk, sk), ConsistentRead: aws.Bool(true)})
		if err != nil || out.Item == nil {
			t.Fatalf("get %s %s: %v", pk, sk, err)
		}
		return plain(&types.AttributeValueMemberM{Value: out.Item}).(map[string]any)
	}
	names := func(m any) []string {
		var out []string
		for k := range m.(map[string]any) {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}

	c := get("CLAIM#RC-2026-000002", "#META")
	if _, ok := c["dueAt"]; ok {
		t.Errorf("claim without a due time has dueAt %v", c["dueAt"])
	}
	if diff := cmp.Diff([]string{"policy"}, names(c["sla"])); diff != "" {
		t.Errorf("SLA with no clock started: attributes mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"due", "id", "owner", "required", "source", "title"}, names(c["tasks"].([]any)[0])); diff != "" {
		t.Errorf("open task: attributes mismatch (-want +got):\n%s", diff)
	}
	if q := get("QR#Q1", "#QR"); q["revokedAt"] != nil {
		t.Errorf("QR code never revoked has revokedAt %v", q["revokedAt"])
	}

	due := scenarioAt.Add(72 * time.Hour)
	_, err := p.Clients.DynamoDB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key("CLAIM#RC-2026-000002", metaSK),
		ConditionExpression:       aws.String("attribute_not_exists(dueAt) AND attribute_not_exists(sla.nextCheck) AND attribute_not_exists(tasks[0].doneAt)"),
		UpdateExpression:          aws.String("SET dueAt = if_not_exists(dueAt, :t), sla.nextCheck = if_not_exists(sla.nextCheck, :t)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": str(due.Format(time.RFC3339Nano))},
	})
	if err != nil {
		t.Fatalf("update conditional on the zero times being absent: %v", err)
	}
	got, err := s.GetClaim(ctx, "RC-2026-000002")
	if err != nil {
		t.Fatal(err)
	}
	if !got.DueAt.Equal(due) || !got.SLA.NextCheck.Equal(due) {
		t.Errorf("after if_not_exists: due %v, next check %v; want both %v", got.DueAt, got.SLA.NextCheck, due)
	}
}

// mustStore is a Store on the project's table behind client.
func mustStore(t *testing.T, client *dynamodb.Client) *Store {
	t.Helper()
	s, err := New(Config{Client: client, Table: "claims-Table"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
