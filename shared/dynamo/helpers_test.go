package dynamo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/dynamo"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/keys"
)

// table is the project's table as template.yaml provisions it locally.
const table = "claims-Table"

// testDB is a Store on a freshly provisioned table, with the raw client for
// checks the Store has no method for.
type testDB struct {
	store  *dynamo.Store
	client *dynamodb.Client
}

func newDB(t *testing.T) *testDB {
	t.Helper()
	p := st.Services(t)
	store, err := dynamo.New(dynamo.Config{Client: p.Clients.DynamoDB, Table: table})
	if err != nil {
		t.Fatal(err)
	}
	return &testDB{store: store, client: p.Clients.DynamoDB}
}

// itemCount counts every item in the table (a test may scan; the Store never does).
func (db *testDB) itemCount(t *testing.T) int {
	t.Helper()
	n := 0
	p := dynamodb.NewScanPaginator(db.client, &dynamodb.ScanInput{TableName: aws.String(table), Select: types.SelectCount, ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		n += int(page.Count)
	}
	return n
}

// item reads one item by key; nil when absent.
func (db *testDB) item(t *testing.T, pk, sk string) map[string]types.AttributeValue {
	t.Helper()
	out, err := db.client.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk}},
	})
	if err != nil {
		t.Fatalf("get %s %s: %v", pk, sk, err)
	}
	return out.Item
}

// base is when the fixture claims are filed.
var base = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// claimOpts vary a fixture claim.
type claimOpts struct {
	at                                             time.Time
	email, phone, dealer, category, typeID, serial string
	series, stage, assignee                        string
	attachments                                    int
	idem                                           *intake.Idempotency
}

// newClaim builds everything intake writes for claim n, as intake.Submit
// would: normalised claimant, sealed first event, tracking hash, outbox event.
func newClaim(t *testing.T, n int, o claimOpts) *intake.NewClaim {
	t.Helper()
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	if o.at.IsZero() {
		o.at = base.Add(time.Duration(n) * time.Minute)
	}
	def(&o.email, "ivan.petrov@example.com")
	def(&o.dealer, "D-100")
	def(&o.category, "defect")
	def(&o.typeID, "cosmetic")
	def(&o.serial, fmt.Sprintf("SN-%05d", n))
	def(&o.series, "KX-2025")
	def(&o.stage, string(claims.StageNew))
	claimant := claims.Claimant{Name: "Ivan Petrov", Email: o.email, Phone: o.phone, Company: "Petrov LLC"}
	customerID := intake.CustomerID(claimant.CustomerKey())
	c := &claims.Claim{
		ID:            claims.Number(o.at.Year(), int64(n)),
		Channel:       claims.ChannelQR,
		Claimant:      claimant,
		CustomerID:    customerID,
		DealerID:      o.dealer,
		Product:       claims.Product{Model: "KX-200", Name: "Kettle", Series: o.series, Serial: o.serial, PurchaseDate: "2025-11-02"},
		Order:         claims.Order{Reference: "SO-77", Items: []claims.OrderItem{{SKU: "KX-200-W", Name: "Kettle, white", Quantity: 2, Unit: "pcs"}}},
		CategoryID:    o.category,
		TypeID:        o.typeID,
		Essence:       "The lid is scratched\nall over.",
		DesiredResult: claims.Repair,
		DesiredFix:    "Replace the lid",
		Priority:      catalog.Low,
		Stage:         claims.Stage(o.stage),
		Assignee:      o.assignee,
		Language:      "ru",
		QRCode:        "QR7",
		CreatedBy:     "public",
		CreatedAt:     o.at,
		UpdatedAt:     o.at,
		Version:       1,
	}
	var files []claims.Attachment
	for i := range o.attachments {
		id := fmt.Sprintf("%020d%04d", n, i)
		files = append(files, claims.Attachment{
			ID: id, Zone: []string{"product", "defect"}[i%2], Key: "uploads/0a1b2c/" + id, FileName: fmt.Sprintf("photo-%d.jpg", i),
			ContentType: "image/jpeg", Size: int64(1000 + i), UploadedAt: o.at, UploadedBy: "public",
		})
	}
	ev := claims.Event{Seq: 1, Type: claims.EventCreated, Actor: "public", At: o.at, After: map[string]any{
		"stage": o.stage, "channel": "qr", "priority": "low", "categoryId": o.category, "typeId": o.typeID, "attachments": len(files),
	}}
	if err := ev.Seal(""); err != nil {
		t.Fatal(err)
	}
	c.HistoryHash, c.HistorySeq = ev.Hash, ev.Seq
	received, err := events.NewRaw(events.ClaimReceived, c.ID, "public", o.at, events.Received{
		Number: c.ID, Channel: "qr", ClaimantName: claimant.Name, Email: claimant.Email, Language: "ru",
		BaseURL: "https://claims.example", CategoryID: o.category, TypeID: o.typeID, ProductModel: "KX-200",
	})
	if err != nil {
		t.Fatal(err)
	}
	nc := &intake.NewClaim{
		Claim: c, Attachments: files, Event: ev, TrackingHash: keys.TrackingHash("token-" + c.ID),
		Customer:    intake.Customer{ID: customerID, Claimant: claimant, At: o.at},
		Idempotency: o.idem, Outbox: []events.Event{received},
	}
	if o.email != "" && o.phone != "" {
		nc.ContactAliases = []string{"phone:" + o.phone}
	}
	return nc
}

// create stores claims, failing the test on error.
func (db *testDB) create(t *testing.T, ncs ...*intake.NewClaim) {
	t.Helper()
	for _, nc := range ncs {
		if err := db.store.CreateClaim(context.Background(), nc); err != nil {
			t.Fatalf("CreateClaim %s: %v", nc.Claim.ID, err)
		}
	}
}

// viaJSON returns v as it comes back from JSON (numbers in maps become float64).
func viaJSON[T any](t *testing.T, v T) T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// unmarshalItem decodes an item by the json tags, as the Store does.
func unmarshalItem(m map[string]types.AttributeValue, v any) error {
	return attributevalue.UnmarshalMapWithOptions(m, v, func(o *attributevalue.DecoderOptions) { o.TagKey = "json" })
}

// pendingOutbox lists the IDs of the events on the pending outbox index.
func (db *testDB) pendingOutbox(t *testing.T) []string {
	t.Helper()
	out, err := db.client.Query(context.Background(), &dynamodb.QueryInput{
		TableName: aws.String(table), IndexName: aws.String("GSI3"),
		KeyConditionExpression:    aws.String("GSI3PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: dynamo.PendingOutbox}},
	})
	if err != nil {
		t.Fatalf("query pending outbox: %v", err)
	}
	var ids []string
	for _, item := range out.Items {
		var doc struct {
			Doc string `json:"doc"`
		}
		if err := unmarshalItem(item, &doc); err != nil {
			t.Fatal(err)
		}
		var e events.Event
		if err := json.Unmarshal([]byte(doc.Doc), &e); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	return ids
}
