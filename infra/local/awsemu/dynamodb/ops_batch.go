package dynamodb

import (
	"reflect"
	"strings"
	"time"
)

const (
	maxBatchGetKeys      = 100
	maxBatchWriteItems   = 25
	maxTransactItems     = 100
	idempotencyWindow    = 10 * time.Minute
	msgDuplicateKeys     = "Provided list of item keys contains duplicates"
	msgMultipleOnOneItem = "Transaction request cannot include multiple operations on one item"
)

type keysAndAttributes struct {
	legacyParams
	Keys                     []item
	ConsistentRead           bool
	ProjectionExpression     *string
	ExpressionAttributeNames map[string]string
}

type batchGetInput struct {
	RequestItems           map[string]keysAndAttributes
	ReturnConsumedCapacity string
}

type batchGetOutput struct {
	Responses        map[string][]item
	UnprocessedKeys  map[string]keysAndAttributes
	ConsumedCapacity []*consumedCapacity `json:",omitempty"`
}

type tableKey struct {
	table string
	key   [4]string
}

func (s *Server) batchGetItem(body []byte) (any, error) {
	var in batchGetInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := validateReturnConsumedCapacity(in.ReturnConsumedCapacity); err != nil {
		return nil, err
	}
	if len(in.RequestItems) == 0 {
		return nil, validationErr("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	total := 0
	projs := map[string]*projection{}
	for name, req := range in.RequestItems {
		if err := req.check(); err != nil {
			return nil, err
		}
		if len(req.Keys) > maxBatchGetKeys {
			return nil, validationErr("1 validation error detected: Value at 'requestItems.%s.member.keys' failed to satisfy constraint: Member must have length less than or equal to 100", name)
		}
		if len(req.Keys) == 0 {
			return nil, validationErr("1 validation error detected: Value at 'requestItems.%s.member.keys' failed to satisfy constraint: Member must have length greater than or equal to 1", name)
		}
		total += len(req.Keys)
		ctx, err := newExprContext(req.ExpressionAttributeNames, nil, req.ExpressionAttributeNames != nil, false)
		if err != nil {
			return nil, err
		}
		proj, err := ctx.parseProjection(req.ProjectionExpression)
		if err != nil {
			return nil, err
		}
		if err := ctx.finish(); err != nil {
			return nil, err
		}
		projs[name] = proj
	}
	if total > maxBatchGetKeys {
		return nil, validationErr("Too many items requested for the BatchGetItem call")
	}
	out := &batchGetOutput{Responses: map[string][]item{}, UnprocessedKeys: map[string]keysAndAttributes{}}
	caps := newCapacityList(false)
	found := 0
	err := func() *apiError {
		s.mu.RLock()
		defer s.mu.RUnlock()
		for name, req := range in.RequestItems {
			t, err := s.tableLocked(name)
			if err != nil {
				return err
			}
			seen := map[[4]string]bool{}
			items := []item{}
			c := caps.get(name)
			for _, key := range req.Keys {
				k, err := t.keyFromParam(key)
				if err != nil {
					return err
				}
				if seen[k] {
					return validationErr(msgDuplicateKeys)
				}
				seen[k] = true
				it := t.get(k)
				u := readUnits(it.size())
				if !req.ConsistentRead {
					u /= 2
				}
				c.units += u
				if it == nil {
					continue
				}
				found++
				if p := projs[name]; p != nil {
					it = p.apply(it)
				}
				items = append(items, it)
			}
			out.Responses[name] = items
		}
		return nil
	}()
	if err != nil {
		return nil, err
	}
	s.addRead(found, caps.total())
	out.ConsumedCapacity = caps.wire(in.ReturnConsumedCapacity)
	return out, nil
}

type writeRequest struct {
	PutRequest *struct {
		Item item
	}
	DeleteRequest *struct {
		Key item
	}
}

type batchWriteInput struct {
	RequestItems                map[string][]writeRequest
	ReturnConsumedCapacity      string
	ReturnItemCollectionMetrics string
}

type batchWriteOutput struct {
	UnprocessedItems map[string][]writeRequest
	ConsumedCapacity []*consumedCapacity `json:",omitempty"`
}

func (s *Server) batchWriteItem(body []byte) (any, error) {
	var in batchWriteInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := validateReturnConsumedCapacity(in.ReturnConsumedCapacity); err != nil {
		return nil, err
	}
	if len(in.RequestItems) == 0 {
		return nil, validationErr("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	total := 0
	for _, reqs := range in.RequestItems {
		total += len(reqs)
		if len(reqs) == 0 {
			return nil, validationErr("1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]")
		}
		for _, r := range reqs {
			if (r.PutRequest == nil) == (r.DeleteRequest == nil) {
				return nil, validationErr("Supplied WriteRequest must contain exactly one of PutRequest or DeleteRequest")
			}
		}
	}
	if total > maxBatchWriteItems {
		return nil, validationErr("Too many items requested for the BatchWriteItem call")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	caps := newCapacityList(true)
	seen := map[tableKey]bool{}
	var muts []mutation
	// Validate everything first so a bad request changes nothing.
	for name, reqs := range in.RequestItems {
		t, err := s.tableLocked(name)
		if err != nil {
			return nil, err
		}
		for _, r := range reqs {
			var k [4]string
			var put item
			if r.PutRequest != nil {
				if err := t.validateItem(r.PutRequest.Item); err != nil {
					return nil, err
				}
				put = r.PutRequest.Item
				k = t.primaryKey(put)
			} else {
				var kerr *apiError
				if k, kerr = t.keyFromParam(r.DeleteRequest.Key); kerr != nil {
					return nil, kerr
				}
			}
			tk := tableKey{name, k}
			if seen[tk] {
				return nil, validationErr(msgDuplicateKeys)
			}
			seen[tk] = true
			old := t.get(k)
			caps.get(name).addWrite(t, old, put, 1)
			if put != nil || old != nil {
				muts = append(muts, mutation{t: t, key: k, put: put})
			}
		}
	}
	if err := s.commitLocked(muts); err != nil {
		return nil, err
	}
	s.addWrite(caps.total())
	return &batchWriteOutput{UnprocessedItems: map[string][]writeRequest{}, ConsumedCapacity: caps.wire(in.ReturnConsumedCapacity)}, nil
}

type txCommon struct {
	exprParams
	TableName                           string
	ConditionExpression                 *string
	ReturnValuesOnConditionCheckFailure string
}

type txKeyed struct {
	txCommon
	Key item
}

type txPut struct {
	txCommon
	Item item
}

type txUpdate struct {
	txCommon
	Key              item
	UpdateExpression *string
}

type transactWriteItem struct {
	ConditionCheck *txKeyed
	Put            *txPut
	Delete         *txKeyed
	Update         *txUpdate
}

type transactWriteInput struct {
	TransactItems               []transactWriteItem
	ClientRequestToken          *string
	ReturnConsumedCapacity      string
	ReturnItemCollectionMetrics string
}

type transactWriteOutput struct {
	ConsumedCapacity []*consumedCapacity `json:",omitempty"`
}

// txnToken remembers a successful TransactWriteItems for the idempotency window.
type txnToken struct {
	items []transactWriteItem
	at    time.Time
	out   *transactWriteOutput
}

// txAction is a validated transaction action.
type txAction struct {
	kind   string
	common *txCommon
	t      *table
	key    [4]string
	keyArg item
	put    item
	upd    *update
	cond   *condition
}

func (s *Server) transactWriteItems(body []byte) (any, error) {
	var in transactWriteInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := validateReturnConsumedCapacity(in.ReturnConsumedCapacity); err != nil {
		return nil, err
	}
	if len(in.TransactItems) == 0 {
		return nil, validationErr("1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(in.TransactItems) > maxTransactItems {
		return nil, validationErr("1 validation error detected at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return nil, newAPIError(codeInternal, "server is closed")
	}
	now := s.now()
	for tok, rec := range s.tokens {
		if now.Sub(rec.at) > idempotencyWindow {
			delete(s.tokens, tok)
		}
	}
	if in.ClientRequestToken != nil {
		if rec := s.tokens[*in.ClientRequestToken]; rec != nil {
			if !reflect.DeepEqual(rec.items, in.TransactItems) {
				return nil, newAPIError(codeIdempotentMismatch, "The provided ClientRequestToken is already in use with different request parameters")
			}
			return rec.out, nil
		}
	}
	actions := make([]*txAction, len(in.TransactItems))
	seen := map[tableKey]bool{}
	for i, ti := range in.TransactItems {
		a, err := s.prepareTxAction(ti)
		if err != nil {
			return nil, err
		}
		tk := tableKey{a.t.meta.Name, a.key}
		if seen[tk] {
			return nil, validationErr(msgMultipleOnOneItem)
		}
		seen[tk] = true
		actions[i] = a
	}
	reasons := make([]cancellationReason, len(actions))
	failed := false
	caps := newCapacityList(true)
	var muts []mutation
	for i, a := range actions {
		old := a.t.get(a.key)
		reasons[i] = cancellationReason{Code: "None"}
		if a.cond != nil {
			ok, err := a.cond.match(old)
			if err != nil {
				return nil, err
			}
			if !ok {
				reasons[i] = cancellationReason{Code: "ConditionalCheckFailed", Message: msgConditionalFailed, Item: returnOnFailure(a.common.ReturnValuesOnConditionCheckFailure, old)}
				failed = true
				continue
			}
		}
		var next item
		switch a.kind {
		case "ConditionCheck":
			caps.get(a.t.meta.Name).units += writeUnits(old.size()) * 2
			continue
		case "Put":
			next = a.put
		case "Update":
			var err *apiError
			next, err = applyUpdate(a.t, a.upd, old, a.keyArg)
			if err != nil {
				reasons[i] = cancellationReason{Code: "ValidationError", Message: err.Message}
				failed = true
				continue
			}
		case "Delete":
			if old == nil {
				caps.get(a.t.meta.Name).addWrite(a.t, nil, nil, 2)
				continue
			}
		}
		caps.get(a.t.meta.Name).addWrite(a.t, old, next, 2)
		muts = append(muts, mutation{t: a.t, key: a.key, put: next})
	}
	if failed {
		codes := make([]string, len(reasons))
		for i, r := range reasons {
			codes[i] = r.Code
		}
		return nil, &apiError{
			Code:    codeTransactionCanceled,
			Message: "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]",
			Reasons: reasons,
		}
	}
	if err := s.commitLocked(muts); err != nil {
		return nil, err
	}
	s.addWrite(caps.total())
	s.addTransaction(len(in.TransactItems))
	out := &transactWriteOutput{ConsumedCapacity: caps.wire(in.ReturnConsumedCapacity)}
	if in.ClientRequestToken != nil {
		s.tokens[*in.ClientRequestToken] = &txnToken{items: in.TransactItems, at: now, out: out}
	}
	return out, nil
}

// prepareTxAction validates one action statically (errors fail the whole
// request with ValidationException, as in DynamoDB). The caller holds s.mu.
func (s *Server) prepareTxAction(ti transactWriteItem) (*txAction, *apiError) {
	n := 0
	a := &txAction{}
	if ti.ConditionCheck != nil {
		n++
		a.kind, a.common, a.keyArg = "ConditionCheck", &ti.ConditionCheck.txCommon, ti.ConditionCheck.Key
	}
	if ti.Put != nil {
		n++
		a.kind, a.common, a.put = "Put", &ti.Put.txCommon, ti.Put.Item
	}
	if ti.Delete != nil {
		n++
		a.kind, a.common, a.keyArg = "Delete", &ti.Delete.txCommon, ti.Delete.Key
	}
	if ti.Update != nil {
		n++
		a.kind, a.common, a.keyArg = "Update", &ti.Update.txCommon, ti.Update.Key
	}
	if n != 1 {
		return nil, validationErr("TransactItems can only contain one of Check, Put, Update or Delete")
	}
	if err := firstErr(validateTableName(a.common.TableName), validateReturnOnFailure(a.common.ReturnValuesOnConditionCheckFailure)); err != nil {
		return nil, err
	}
	t, err := s.tableLocked(a.common.TableName)
	if err != nil {
		return nil, err
	}
	a.t = t
	ctx, err := a.common.context()
	if err != nil {
		return nil, err
	}
	if a.kind == "ConditionCheck" && a.common.ConditionExpression == nil {
		return nil, validationErr("1 validation error detected: Value null at 'transactItems.1.member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null")
	}
	if a.kind == "Update" {
		if ti.Update.UpdateExpression == nil {
			return nil, validationErr("1 validation error detected: Value null at 'transactItems.1.member.update.updateExpression' failed to satisfy constraint: Member must not be null")
		}
		if a.upd, err = ctx.parseUpdate(ti.Update.UpdateExpression, t.keys); err != nil {
			return nil, err
		}
	}
	if a.cond, err = ctx.parseCondition(exprCondition, a.common.ConditionExpression); err != nil {
		return nil, err
	}
	if err := ctx.finish(); err != nil {
		return nil, err
	}
	if a.kind == "Put" {
		if a.put == nil {
			return nil, validationErr("1 validation error detected: Value null at 'transactItems.1.member.put.item' failed to satisfy constraint: Member must not be null")
		}
		if err := t.validateItem(a.put); err != nil {
			return nil, err
		}
		a.key = t.primaryKey(a.put)
		return a, nil
	}
	if a.key, err = t.keyFromParam(a.keyArg); err != nil {
		return nil, err
	}
	return a, nil
}

type transactGetInput struct {
	TransactItems []struct {
		Get *struct {
			TableName                string
			Key                      item
			ProjectionExpression     *string
			ExpressionAttributeNames map[string]string
		}
	}
	ReturnConsumedCapacity string
}

type itemResponse struct {
	Item item `json:",omitempty"`
}

type transactGetOutput struct {
	Responses        []itemResponse
	ConsumedCapacity []*consumedCapacity `json:",omitempty"`
}

func (s *Server) transactGetItems(body []byte) (any, error) {
	var in transactGetInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := validateReturnConsumedCapacity(in.ReturnConsumedCapacity); err != nil {
		return nil, err
	}
	if len(in.TransactItems) == 0 {
		return nil, validationErr("1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(in.TransactItems) > maxTransactItems {
		return nil, validationErr("1 validation error detected at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100.")
	}
	projs := make([]*projection, len(in.TransactItems))
	for i, ti := range in.TransactItems {
		if ti.Get == nil {
			return nil, validationErr("1 validation error detected: Value null at 'transactItems.%d.member.get' failed to satisfy constraint: Member must not be null", i+1)
		}
		ctx, err := newExprContext(ti.Get.ExpressionAttributeNames, nil, ti.Get.ExpressionAttributeNames != nil, false)
		if err != nil {
			return nil, err
		}
		if projs[i], err = ctx.parseProjection(ti.Get.ProjectionExpression); err != nil {
			return nil, err
		}
		if err := ctx.finish(); err != nil {
			return nil, err
		}
	}
	out := &transactGetOutput{Responses: make([]itemResponse, len(in.TransactItems))}
	caps := newCapacityList(false)
	found := 0
	err := func() *apiError {
		s.mu.RLock()
		defer s.mu.RUnlock()
		seen := map[tableKey]bool{}
		for i, ti := range in.TransactItems {
			t, err := s.tableLocked(ti.Get.TableName)
			if err != nil {
				return err
			}
			k, err := t.keyFromParam(ti.Get.Key)
			if err != nil {
				return err
			}
			tk := tableKey{t.meta.Name, k}
			if seen[tk] {
				return validationErr(msgMultipleOnOneItem)
			}
			seen[tk] = true
			it := t.get(k)
			caps.get(t.meta.Name).units += readUnits(it.size()) * 2
			if it != nil {
				found++
				if projs[i] != nil {
					it = projs[i].apply(it)
				}
				out.Responses[i].Item = it
			}
		}
		return nil
	}()
	if err != nil {
		return nil, err
	}
	s.addRead(found, caps.total())
	out.ConsumedCapacity = caps.wire(in.ReturnConsumedCapacity)
	return out, nil
}
