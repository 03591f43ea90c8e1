package dynamodb

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"slices"
	"strings"
)

type createTableInput struct {
	TableName                 string
	AttributeDefinitions      []attrDef
	KeySchema                 []keyElem
	GlobalSecondaryIndexes    *[]indexDef
	LocalSecondaryIndexes     *[]indexDef
	BillingMode               string
	ProvisionedThroughput     *throughputSpec
	SSESpecification          *sseSpec
	Tags                      []tag
	DeletionProtectionEnabled bool
}

type tableDescOutput struct {
	TableDescription *tableDesc
}

func validTableName(name string) *apiError {
	if len(name) < 3 || len(name) > 255 {
		return validationErr("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c == '-' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return validationErr("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+", name)
		}
	}
	return nil
}

// validateKeySchema checks one key schema (table or index) against the
// attribute definitions.
func validateKeySchema(elems []keyElem, types map[string]string, where string) *apiError {
	if len(elems) == 0 {
		return validationErr("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must have length greater than or equal to 1", where)
	}
	if len(elems) > 2 {
		parts := make([]string, len(elems))
		for i, e := range elems {
			parts[i] = fmt.Sprintf("KeySchemaElement(attributeName=%s, keyType=%s)", e.AttributeName, e.KeyType)
		}
		return validationErr("1 validation error detected: Value '[%s]' at '%s' failed to satisfy constraint: Member must have length less than or equal to 2", strings.Join(parts, ", "), where)
	}
	for i, e := range elems {
		if e.KeyType != "HASH" && e.KeyType != "RANGE" {
			return validationErr("1 validation error detected: Value '%s' at '%s.%d.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]", e.KeyType, where, i+1)
		}
	}
	if elems[0].KeyType != "HASH" {
		return validationErr("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
	}
	if len(elems) == 2 {
		if elems[1].KeyType != "RANGE" {
			return validationErr("Too many hash keys specified.  All Dynamo DB tables must have exactly one hash key")
		}
		if elems[0].AttributeName == elems[1].AttributeName {
			return validationErr("Both the Hash Key and the Range Key element in the KeySchema have the same name")
		}
	}
	for _, e := range elems {
		if _, ok := types[e.AttributeName]; !ok {
			return validationErr("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]", e.AttributeName, strings.Join(sortedKeys(types), ", "))
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func validateProjection(p *projectionSpec, name string) *apiError {
	if p == nil {
		return validationErr("1 validation error detected: Value null at 'projection' failed to satisfy constraint: Member must not be null (index %s)", name)
	}
	switch p.ProjectionType {
	case "ALL", "KEYS_ONLY":
		if len(p.NonKeyAttributes) > 0 {
			return validationErr("One or more parameter values were invalid: ProjectionType is %s, but NonKeyAttributes is specified", p.ProjectionType)
		}
	case "INCLUDE":
		if len(p.NonKeyAttributes) == 0 {
			return validationErr("One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified")
		}
	case "":
		return validationErr("One or more parameter values were invalid: Unknown ProjectionType: null")
	default:
		return validationErr("1 validation error detected: Value '%s' at 'projection.projectionType' failed to satisfy constraint: Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]", p.ProjectionType)
	}
	return nil
}

func (s *Server) createTable(body []byte) (any, error) {
	var in createTableInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	meta, err := s.buildTableMeta(&in)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return nil, newAPIError(codeInternal, "server is closed")
	}
	if s.tables[in.TableName] != nil {
		return nil, newAPIError(codeResourceInUse, "Table already exists: %s", in.TableName)
	}
	if lerr := s.logDDLLocked(logOp{Op: opCreate, Table: meta.Name, Meta: meta}); lerr != nil {
		return nil, lerr
	}
	t := newTable(*meta, s.tableARN(meta.Name))
	s.tables[meta.Name] = t
	s.log.Info("dynamodb table created", slog.String("table", meta.Name))
	return &tableDescOutput{TableDescription: s.describe(t, "ACTIVE")}, nil
}

func (s *Server) buildTableMeta(in *createTableInput) (*tableMeta, *apiError) {
	if err := validTableName(in.TableName); err != nil {
		return nil, err
	}
	billing := in.BillingMode
	switch billing {
	case "":
		billing = "PROVISIONED"
	case "PROVISIONED", "PAY_PER_REQUEST":
	default:
		return nil, validationErr("1 validation error detected: Value '%s' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]", billing)
	}
	if billing == "PAY_PER_REQUEST" && in.ProvisionedThroughput != nil {
		return nil, validationErr("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
	}
	if billing == "PROVISIONED" && in.ProvisionedThroughput == nil {
		return nil, validationErr("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
	}
	types := map[string]string{}
	for i, d := range in.AttributeDefinitions {
		switch d.AttributeType {
		case "S", "N", "B":
		default:
			return nil, validationErr("1 validation error detected: Value '%s' at 'attributeDefinitions.%d.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]", d.AttributeType, i+1)
		}
		if _, dup := types[d.AttributeName]; dup {
			return nil, validationErr("Cannot have two attributes with the same name")
		}
		types[d.AttributeName] = d.AttributeType
	}
	if err := validateKeySchema(in.KeySchema, types, "keySchema"); err != nil {
		return nil, err
	}
	used := map[string]bool{}
	for _, e := range in.KeySchema {
		used[e.AttributeName] = true
	}
	hashName := in.KeySchema[0].AttributeName
	names := map[string]bool{}
	if in.GlobalSecondaryIndexes != nil && len(*in.GlobalSecondaryIndexes) == 0 {
		return nil, validationErr("One or more parameter values were invalid: List of GlobalSecondaryIndexes is empty")
	}
	if in.LocalSecondaryIndexes != nil && len(*in.LocalSecondaryIndexes) == 0 {
		return nil, validationErr("One or more parameter values were invalid: List of LocalSecondaryIndexes is empty")
	}
	var gsis, lsis []indexDef
	if in.GlobalSecondaryIndexes != nil {
		gsis = *in.GlobalSecondaryIndexes
	}
	if in.LocalSecondaryIndexes != nil {
		lsis = *in.LocalSecondaryIndexes
	}
	for i := range gsis {
		g := &gsis[i]
		if err := s.validateIndexDef(g, types, names, billing, true); err != nil {
			return nil, err
		}
		for _, e := range g.KeySchema {
			used[e.AttributeName] = true
		}
	}
	for i := range lsis {
		l := &lsis[i]
		if err := s.validateIndexDef(l, types, names, billing, false); err != nil {
			return nil, err
		}
		if len(in.KeySchema) != 2 {
			return nil, validationErr("One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex")
		}
		if len(l.KeySchema) != 2 {
			return nil, validationErr("One or more parameter values were invalid: Index KeySchema does not have a range key for index: %s", l.IndexName)
		}
		if l.KeySchema[0].AttributeName != hashName {
			return nil, validationErr("One or more parameter values were invalid: Table KeySchema and Index KeySchema must have the same hash key for index: %s", l.IndexName)
		}
		for _, e := range l.KeySchema {
			used[e.AttributeName] = true
		}
	}
	if len(used) != len(types) {
		var unused []string
		for n := range types {
			if !used[n] {
				unused = append(unused, n)
			}
		}
		slices.Sort(unused)
		if len(gsis)+len(lsis) == 0 {
			return nil, validationErr("One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions")
		}
		return nil, validationErr("One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [%s], keys used: [%s]", strings.Join(sortedKeys(types), ", "), strings.Join(sortedKeys(used), ", "))
	}
	now := s.epoch()
	meta := &tableMeta{
		Name: in.TableName, ID: newUUID(), AttrDefs: in.AttributeDefinitions, KeySchema: in.KeySchema,
		GSIs: gsis, LSIs: lsis, BillingMode: billing, Throughput: in.ProvisionedThroughput,
		CreatedAt: now, SSE: in.SSESpecification, Tags: in.Tags, DeletionProtection: in.DeletionProtectionEnabled,
	}
	if billing == "PAY_PER_REQUEST" {
		meta.BillingModeUpdatedAt = now
	}
	return meta, nil
}

func (s *Server) validateIndexDef(d *indexDef, types map[string]string, names map[string]bool, billing string, global bool) *apiError {
	if len(d.IndexName) < 3 || len(d.IndexName) > 255 {
		return validationErr("1 validation error detected: Value '%s' at 'indexName' failed to satisfy constraint: Member must have length greater than or equal to 3", d.IndexName)
	}
	if names[d.IndexName] {
		return validationErr("One or more parameter values were invalid: Duplicate index name: %s", d.IndexName)
	}
	names[d.IndexName] = true
	if err := validateKeySchema(d.KeySchema, types, "keySchema"); err != nil {
		return err
	}
	if err := validateProjection(d.Projection, d.IndexName); err != nil {
		return err
	}
	if global {
		if billing == "PROVISIONED" && d.ProvisionedThroughput == nil {
			return validationErr("One or more parameter values were invalid: ProvisionedThroughput must be specified for index: %s", d.IndexName)
		}
		if billing == "PAY_PER_REQUEST" && d.ProvisionedThroughput != nil {
			return validationErr("One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: %s when BillingMode is PAY_PER_REQUEST", d.IndexName)
		}
	}
	return nil
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// describe renders a table description; the caller holds s.mu.
func (s *Server) describe(t *table, status string) *tableDesc {
	m := t.meta
	d := &tableDesc{
		AttributeDefinitions: m.AttrDefs, TableName: m.Name, KeySchema: m.KeySchema, TableStatus: status,
		CreationDateTime: m.CreatedAt, TableSizeBytes: t.size, ItemCount: t.itemCount(), TableArn: t.arn, TableID: m.ID,
		DeletionProtectionEnabled: m.DeletionProtection,
		BillingModeSummary:        &billingModeSummary{BillingMode: m.BillingMode, LastUpdateToPayPerRequestDateTime: m.BillingModeUpdatedAt},
	}
	if m.Throughput != nil {
		d.ProvisionedThroughput = throughputDesc{ReadCapacityUnits: m.Throughput.ReadCapacityUnits, WriteCapacityUnits: m.Throughput.WriteCapacityUnits}
	}
	for _, ix := range t.indexes {
		proj := projectionSpec{ProjectionType: ix.projType}
		if ix.def.Projection != nil {
			proj.NonKeyAttributes = ix.def.Projection.NonKeyAttributes
		}
		if ix.global {
			g := gsiDesc{IndexName: ix.def.IndexName, KeySchema: ix.def.KeySchema, Projection: proj, IndexStatus: "ACTIVE",
				IndexSizeBytes: ix.size, ItemCount: int64(ix.tree.Len()), IndexArn: ix.arn}
			if ix.def.ProvisionedThroughput != nil {
				g.ProvisionedThroughput = throughputDesc{ReadCapacityUnits: ix.def.ProvisionedThroughput.ReadCapacityUnits, WriteCapacityUnits: ix.def.ProvisionedThroughput.WriteCapacityUnits}
			}
			d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, g)
		} else {
			d.LocalSecondaryIndexes = append(d.LocalSecondaryIndexes, lsiDesc{IndexName: ix.def.IndexName, KeySchema: ix.def.KeySchema, Projection: proj,
				IndexSizeBytes: ix.size, ItemCount: int64(ix.tree.Len()), IndexArn: ix.arn})
		}
	}
	if m.SSE != nil && m.SSE.Enabled != nil && *m.SSE.Enabled {
		d.SSEDescription = &sseDesc{Status: "ENABLED", SSEType: "KMS", KMSMasterKeyArn: "arn:aws:kms:" + s.region + ":" + s.acct + ":key/" + m.ID}
		if m.SSE.KMSMasterKeyID != "" {
			d.SSEDescription.KMSMasterKeyArn = m.SSE.KMSMasterKeyID
		}
	}
	return d
}

type tableNameInput struct {
	TableName string
}

func (s *Server) describeTable(body []byte) (any, error) {
	var in tableNameInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := validateTableName(in.TableName); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.tableLocked(in.TableName)
	if err != nil {
		if err.Code == codeResourceNotFound {
			err.Message = fmt.Sprintf("Requested resource not found: Table: %s not found", in.TableName)
		}
		return nil, err
	}
	return map[string]*tableDesc{"Table": s.describe(t, "ACTIVE")}, nil
}

type listTablesInput struct {
	ExclusiveStartTableName *string
	Limit                   *int
}

type listTablesOutput struct {
	TableNames             []string
	LastEvaluatedTableName *string `json:",omitempty"`
}

func (s *Server) listTables(body []byte) (any, error) {
	var in listTablesInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	limit := 100
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 100 {
			return nil, validationErr("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100", *in.Limit)
		}
		limit = *in.Limit
	}
	s.mu.RLock()
	names := sortedKeys(s.tables)
	s.mu.RUnlock()
	start := 0
	if in.ExclusiveStartTableName != nil {
		start, _ = slices.BinarySearch(names, *in.ExclusiveStartTableName)
		if start < len(names) && names[start] == *in.ExclusiveStartTableName {
			start++
		}
	}
	out := &listTablesOutput{TableNames: []string{}}
	end := min(start+limit, len(names))
	if start < end {
		out.TableNames = names[start:end]
	}
	if end < len(names) {
		last := names[end-1]
		out.LastEvaluatedTableName = &last
	}
	return out, nil
}

func (s *Server) deleteTable(body []byte) (any, error) {
	var in tableNameInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := validateTableName(in.TableName); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.tableLocked(in.TableName)
	if err != nil {
		if err.Code == codeResourceNotFound {
			err.Message = fmt.Sprintf("Requested resource not found: Table: %s not found", in.TableName)
		}
		return nil, err
	}
	if t.meta.DeletionProtection {
		return nil, validationErr("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
	}
	if lerr := s.logDDLLocked(logOp{Op: opDrop, Table: in.TableName}); lerr != nil {
		return nil, lerr
	}
	desc := s.describe(t, "DELETING")
	delete(s.tables, in.TableName)
	return &tableDescOutput{TableDescription: desc}, nil
}

type gsiUpdate struct {
	Create *indexDef
	Delete *struct{ IndexName string }
	Update *struct {
		IndexName             string
		ProvisionedThroughput *throughputSpec
	}
}

type updateTableInput struct {
	TableName                   string
	AttributeDefinitions        []attrDef
	BillingMode                 string
	ProvisionedThroughput       *throughputSpec
	GlobalSecondaryIndexUpdates []gsiUpdate
	DeletionProtectionEnabled   *bool
	SSESpecification            *sseSpec
	StreamSpecification         *struct{ StreamEnabled bool }
}

func (s *Server) updateTable(body []byte) (any, error) {
	var in updateTableInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := validateTableName(in.TableName); err != nil {
		return nil, err
	}
	if in.BillingMode == "" && in.ProvisionedThroughput == nil && len(in.GlobalSecondaryIndexUpdates) == 0 &&
		in.DeletionProtectionEnabled == nil && in.SSESpecification == nil && in.StreamSpecification == nil {
		return nil, validationErr("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.tableLocked(in.TableName)
	if err != nil {
		return nil, err
	}
	meta := t.meta.clone()
	switch in.BillingMode {
	case "":
	case "PROVISIONED", "PAY_PER_REQUEST":
		if in.BillingMode == "PROVISIONED" && in.ProvisionedThroughput == nil && meta.BillingMode != "PROVISIONED" {
			return nil, validationErr("One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED")
		}
		if in.BillingMode == "PAY_PER_REQUEST" && meta.BillingMode != "PAY_PER_REQUEST" {
			meta.BillingModeUpdatedAt = s.epoch()
			meta.Throughput = nil
		}
		meta.BillingMode = in.BillingMode
	default:
		return nil, validationErr("1 validation error detected: Value '%s' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]", in.BillingMode)
	}
	if in.ProvisionedThroughput != nil {
		if meta.BillingMode == "PAY_PER_REQUEST" {
			return nil, validationErr("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
		}
		meta.Throughput = in.ProvisionedThroughput
	}
	if in.DeletionProtectionEnabled != nil {
		meta.DeletionProtection = *in.DeletionProtectionEnabled
	}
	if in.SSESpecification != nil {
		meta.SSE = in.SSESpecification
	}
	if uerr := s.applyGSIUpdates(&meta, in.AttributeDefinitions, in.GlobalSecondaryIndexUpdates); uerr != nil {
		return nil, uerr
	}
	if lerr := s.logDDLLocked(logOp{Op: opMeta, Table: meta.Name, Meta: &meta}); lerr != nil {
		return nil, lerr
	}
	t.applyMeta(meta)
	return &tableDescOutput{TableDescription: s.describe(t, "ACTIVE")}, nil
}

// applyGSIUpdates edits meta for GlobalSecondaryIndexUpdates; like DynamoDB it
// allows one index creation or deletion per call.
func (s *Server) applyGSIUpdates(meta *tableMeta, defs []attrDef, updates []gsiUpdate) *apiError {
	if len(updates) == 0 {
		return nil
	}
	creates := 0
	for _, u := range updates {
		if u.Create != nil || u.Delete != nil {
			creates++
		}
	}
	if creates > 1 {
		return newAPIError(codeLimitExceeded, "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table")
	}
	types := map[string]string{}
	for _, d := range meta.AttrDefs {
		types[d.AttributeName] = d.AttributeType
	}
	for _, d := range defs {
		if old, ok := types[d.AttributeName]; ok && old != d.AttributeType {
			return validationErr("Cannot change the type of existing attribute %s", d.AttributeName)
		}
		if _, ok := types[d.AttributeName]; !ok {
			types[d.AttributeName] = d.AttributeType
			meta.AttrDefs = append(meta.AttrDefs, d)
		}
	}
	for _, u := range updates {
		n := 0
		for _, set := range []bool{u.Create != nil, u.Delete != nil, u.Update != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			return validationErr("One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Create, Update, or Delete must be specified")
		}
		switch {
		case u.Create != nil:
			names := map[string]bool{}
			for _, g := range meta.GSIs {
				names[g.IndexName] = true
			}
			for _, l := range meta.LSIs {
				names[l.IndexName] = true
			}
			if names[u.Create.IndexName] {
				return validationErr("One or more parameter values were invalid: Index with name: %s already exists", u.Create.IndexName)
			}
			if err := s.validateIndexDef(u.Create, types, names, meta.BillingMode, true); err != nil {
				return err
			}
			meta.GSIs = append(meta.GSIs, *u.Create)
		case u.Delete != nil:
			i := slices.IndexFunc(meta.GSIs, func(g indexDef) bool { return g.IndexName == u.Delete.IndexName })
			if i < 0 {
				return newAPIError(codeResourceNotFound, "Requested resource not found: Index: %s not found", u.Delete.IndexName)
			}
			meta.GSIs = slices.Delete(meta.GSIs, i, i+1)
		case u.Update != nil:
			i := slices.IndexFunc(meta.GSIs, func(g indexDef) bool { return g.IndexName == u.Update.IndexName })
			if i < 0 {
				return newAPIError(codeResourceNotFound, "Requested resource not found: Index: %s not found", u.Update.IndexName)
			}
			meta.GSIs[i].ProvisionedThroughput = u.Update.ProvisionedThroughput
		}
	}
	// Drop definitions no key uses any more, as DynamoDB does.
	used := map[string]bool{}
	for _, e := range meta.KeySchema {
		used[e.AttributeName] = true
	}
	for _, ix := range append(slices.Clone(meta.GSIs), meta.LSIs...) {
		for _, e := range ix.KeySchema {
			used[e.AttributeName] = true
		}
	}
	meta.AttrDefs = slices.DeleteFunc(meta.AttrDefs, func(d attrDef) bool { return !used[d.AttributeName] })
	return nil
}

type ttlSpec struct {
	Enabled       *bool
	AttributeName string
}

type updateTTLInput struct {
	TableName               string
	TimeToLiveSpecification *ttlSpec
}

func (s *Server) updateTimeToLive(body []byte) (any, error) {
	var in updateTTLInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := validateTableName(in.TableName); err != nil {
		return nil, err
	}
	spec := in.TimeToLiveSpecification
	if spec == nil || spec.Enabled == nil || spec.AttributeName == "" {
		return nil, validationErr("1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.tableLocked(in.TableName)
	if err != nil {
		return nil, err
	}
	meta := t.meta.clone()
	if *spec.Enabled && meta.TTLEnabled {
		return nil, validationErr("TimeToLive is already enabled")
	}
	if !*spec.Enabled && !meta.TTLEnabled {
		return nil, validationErr("TimeToLive is already disabled")
	}
	if !*spec.Enabled && meta.TTLAttr != spec.AttributeName {
		return nil, validationErr("TimeToLive is active on a different AttributeName: current AttributeName is %s", meta.TTLAttr)
	}
	meta.TTLEnabled = *spec.Enabled
	meta.TTLAttr = spec.AttributeName
	if lerr := s.logDDLLocked(logOp{Op: opMeta, Table: meta.Name, Meta: &meta}); lerr != nil {
		return nil, lerr
	}
	t.applyMeta(meta)
	return map[string]*ttlSpec{"TimeToLiveSpecification": spec}, nil
}

func (s *Server) describeTimeToLive(body []byte) (any, error) {
	var in tableNameInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := validateTableName(in.TableName); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.tableLocked(in.TableName)
	if err != nil {
		return nil, err
	}
	desc := map[string]string{"TimeToLiveStatus": "DISABLED"}
	if t.meta.TTLEnabled {
		desc = map[string]string{"TimeToLiveStatus": "ENABLED", "AttributeName": t.meta.TTLAttr}
	}
	return map[string]any{"TimeToLiveDescription": desc}, nil
}

type updatePITRInput struct {
	TableName                        string
	PointInTimeRecoverySpecification *struct {
		PointInTimeRecoveryEnabled *bool
	}
}

func (s *Server) continuousBackups(t *table) map[string]any {
	pitr := map[string]any{"PointInTimeRecoveryStatus": "DISABLED"}
	if t.meta.PITR {
		now := s.epoch()
		pitr = map[string]any{"PointInTimeRecoveryStatus": "ENABLED", "EarliestRestorableDateTime": t.meta.PITRSince, "LatestRestorableDateTime": now, "RecoveryPeriodInDays": 35}
	}
	return map[string]any{"ContinuousBackupsDescription": map[string]any{"ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": pitr}}
}

func (s *Server) updateContinuousBackups(body []byte) (any, error) {
	var in updatePITRInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := validateTableName(in.TableName); err != nil {
		return nil, err
	}
	if in.PointInTimeRecoverySpecification == nil || in.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled == nil {
		return nil, validationErr("1 validation error detected: Value null at 'pointInTimeRecoverySpecification' failed to satisfy constraint: Member must not be null")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[in.TableName]
	if t == nil || s.closed.Load() {
		return nil, newAPIError(codeTableNotFound, "Table not found: %s", in.TableName)
	}
	meta := t.meta.clone()
	enabled := *in.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled
	if enabled && !meta.PITR {
		meta.PITRSince = s.epoch()
	}
	meta.PITR = enabled
	if lerr := s.logDDLLocked(logOp{Op: opMeta, Table: meta.Name, Meta: &meta}); lerr != nil {
		return nil, lerr
	}
	t.applyMeta(meta)
	return s.continuousBackups(t), nil
}

func (s *Server) describeContinuousBackups(body []byte) (any, error) {
	var in tableNameInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.tables[in.TableName]
	if t == nil || s.closed.Load() {
		return nil, newAPIError(codeTableNotFound, "Table not found: %s", in.TableName)
	}
	return s.continuousBackups(t), nil
}

type tagInput struct {
	ResourceArn string
	Tags        []tag
	TagKeys     []string
	NextToken   *string
}

// tableByARNLocked resolves a table ARN (or its index ARN's table).
func (s *Server) tableByARNLocked(arn string) (*table, *apiError) {
	prefix := "arn:aws:dynamodb:" + s.region + ":" + s.acct + ":table/"
	name, ok := strings.CutPrefix(arn, prefix)
	if !ok || s.closed.Load() {
		return nil, newAPIError(codeResourceNotFound, "Requested resource not found: ResourcArn: %s not found", arn)
	}
	t := s.tables[name]
	if t == nil {
		return nil, newAPIError(codeResourceNotFound, "Requested resource not found: ResourcArn: %s not found", arn)
	}
	return t, nil
}

func (s *Server) tagResource(body []byte) (any, error) {
	var in tagInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if len(in.Tags) == 0 {
		return nil, validationErr("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.tableByARNLocked(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	meta := t.meta.clone()
	for _, nt := range in.Tags {
		if i := slices.IndexFunc(meta.Tags, func(x tag) bool { return x.Key == nt.Key }); i >= 0 {
			meta.Tags[i] = nt
		} else {
			meta.Tags = append(meta.Tags, nt)
		}
	}
	if lerr := s.logDDLLocked(logOp{Op: opMeta, Table: meta.Name, Meta: &meta}); lerr != nil {
		return nil, lerr
	}
	t.applyMeta(meta)
	return struct{}{}, nil
}

func (s *Server) untagResource(body []byte) (any, error) {
	var in tagInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.tableByARNLocked(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	meta := t.meta.clone()
	meta.Tags = slices.DeleteFunc(meta.Tags, func(x tag) bool { return slices.Contains(in.TagKeys, x.Key) })
	if lerr := s.logDDLLocked(logOp{Op: opMeta, Table: meta.Name, Meta: &meta}); lerr != nil {
		return nil, lerr
	}
	t.applyMeta(meta)
	return struct{}{}, nil
}

func (s *Server) listTagsOfResource(body []byte) (any, error) {
	var in tagInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.tableByARNLocked(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	tags := t.meta.Tags
	if tags == nil {
		tags = []tag{}
	}
	return map[string][]tag{"Tags": tags}, nil
}
