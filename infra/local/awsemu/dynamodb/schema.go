package dynamodb

// Wire and persisted shapes of table metadata. The same structs are written
// to the persistence log, so renaming a field changes the on-disk format.

type attrDef struct {
	AttributeName string
	AttributeType string
}

type keyElem struct {
	AttributeName string
	KeyType       string
}

type projectionSpec struct {
	ProjectionType   string   `json:",omitempty"`
	NonKeyAttributes []string `json:",omitempty"`
}

type throughputSpec struct {
	ReadCapacityUnits  int64
	WriteCapacityUnits int64
}

type sseSpec struct {
	Enabled        *bool  `json:",omitempty"`
	SSEType        string `json:",omitempty"`
	KMSMasterKeyID string `json:"KMSMasterKeyId,omitempty"`
}

type tag struct {
	Key   string
	Value string
}

// indexDef is a secondary index as declared in CreateTable or UpdateTable.
type indexDef struct {
	IndexName             string
	KeySchema             []keyElem
	Projection            *projectionSpec `json:",omitempty"`
	ProvisionedThroughput *throughputSpec `json:",omitempty"`
}

// tableMeta is everything about a table except its items.
type tableMeta struct {
	Name                 string
	ID                   string
	AttrDefs             []attrDef
	KeySchema            []keyElem
	GSIs                 []indexDef `json:",omitempty"`
	LSIs                 []indexDef `json:",omitempty"`
	BillingMode          string
	Throughput           *throughputSpec `json:",omitempty"`
	CreatedAt            float64
	BillingModeUpdatedAt float64  `json:",omitempty"`
	SSE                  *sseSpec `json:",omitempty"`
	Tags                 []tag    `json:",omitempty"`
	TTLEnabled           bool     `json:",omitempty"`
	TTLAttr              string   `json:",omitempty"`
	PITR                 bool     `json:",omitempty"`
	PITRSince            float64  `json:",omitempty"`
	DeletionProtection   bool     `json:",omitempty"`
}

// clone deep-copies the slices that DDL operations modify, so a failed
// UpdateTable never leaves half-applied metadata behind.
func (m tableMeta) clone() tableMeta {
	m.AttrDefs = append([]attrDef(nil), m.AttrDefs...)
	m.KeySchema = append([]keyElem(nil), m.KeySchema...)
	m.GSIs = append([]indexDef(nil), m.GSIs...)
	m.LSIs = append([]indexDef(nil), m.LSIs...)
	m.Tags = append([]tag(nil), m.Tags...)
	return m
}

// Descriptions returned by CreateTable, DescribeTable, UpdateTable, DeleteTable.

type throughputDesc struct {
	NumberOfDecreasesToday int64
	ReadCapacityUnits      int64
	WriteCapacityUnits     int64
}

type billingModeSummary struct {
	BillingMode                       string
	LastUpdateToPayPerRequestDateTime float64 `json:",omitempty"`
}

type gsiDesc struct {
	IndexName             string
	KeySchema             []keyElem
	Projection            projectionSpec
	IndexStatus           string
	Backfilling           bool
	ProvisionedThroughput throughputDesc
	IndexSizeBytes        int64
	ItemCount             int64
	IndexArn              string
}

type lsiDesc struct {
	IndexName      string
	KeySchema      []keyElem
	Projection     projectionSpec
	IndexSizeBytes int64
	ItemCount      int64
	IndexArn       string
}

type sseDesc struct {
	Status          string
	SSEType         string
	KMSMasterKeyArn string `json:",omitempty"`
}

type tableDesc struct {
	AttributeDefinitions      []attrDef
	TableName                 string
	KeySchema                 []keyElem
	TableStatus               string
	CreationDateTime          float64
	ProvisionedThroughput     throughputDesc
	TableSizeBytes            int64
	ItemCount                 int64
	TableArn                  string
	TableID                   string              `json:"TableId"`
	BillingModeSummary        *billingModeSummary `json:",omitempty"`
	LocalSecondaryIndexes     []lsiDesc           `json:",omitempty"`
	GlobalSecondaryIndexes    []gsiDesc           `json:",omitempty"`
	SSEDescription            *sseDesc            `json:",omitempty"`
	DeletionProtectionEnabled bool
}
