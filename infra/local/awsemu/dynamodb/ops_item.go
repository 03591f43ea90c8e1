package dynamodb

import (
	"encoding/json"
)

// legacyParams are the pre-expression parameters; the app and its tools use
// expressions only, so they are rejected instead of half-implemented.
type legacyParams struct {
	Expected            json.RawMessage
	ConditionalOperator json.RawMessage
	AttributesToGet     json.RawMessage
	AttributeUpdates    json.RawMessage
	KeyConditions       json.RawMessage
	QueryFilter         json.RawMessage
	ScanFilter          json.RawMessage
}

func (l *legacyParams) check() *apiError {
	for name, v := range map[string]json.RawMessage{
		"Expected": l.Expected, "ConditionalOperator": l.ConditionalOperator, "AttributesToGet": l.AttributesToGet,
		"AttributeUpdates": l.AttributeUpdates, "KeyConditions": l.KeyConditions, "QueryFilter": l.QueryFilter, "ScanFilter": l.ScanFilter,
	} {
		if len(v) > 0 && string(v) != "null" {
			return validationErr("The legacy parameter %s is not supported by this DynamoDB emulator; use expressions instead", name)
		}
	}
	return nil
}

// exprParams are the placeholder maps every expression-bearing request has.
type exprParams struct {
	ExpressionAttributeNames  map[string]string
	ExpressionAttributeValues item
}

func (p *exprParams) context() (*exprContext, *apiError) {
	return newExprContext(p.ExpressionAttributeNames, p.ExpressionAttributeValues, p.ExpressionAttributeNames != nil, p.ExpressionAttributeValues != nil)
}

func validateTableName(name string) *apiError {
	if name == "" {
		return validationErr("1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null")
	}
	return nil
}

func validateReturnValues(rv string, allowed ...string) *apiError {
	if rv == "" || rv == "NONE" {
		return nil
	}
	for _, a := range allowed {
		if rv == a {
			return nil
		}
	}
	if len(allowed) == 1 {
		return validationErr("Return values set to invalid value")
	}
	return validationErr("1 validation error detected: Value '%s' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]", rv)
}

func validateReturnOnFailure(rv string) *apiError {
	switch rv {
	case "", "NONE", "ALL_OLD":
		return nil
	}
	return validationErr("1 validation error detected: Value '%s' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]", rv)
}

type writeOutput struct {
	Attributes       item              `json:",omitempty"`
	ConsumedCapacity *consumedCapacity `json:",omitempty"`
}

type putItemInput struct {
	legacyParams
	exprParams
	TableName                           string
	Item                                item
	ConditionExpression                 *string
	ReturnValues                        string
	ReturnConsumedCapacity              string
	ReturnValuesOnConditionCheckFailure string
}

func (s *Server) putItem(body []byte) (any, error) {
	var in putItemInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := firstErr(in.check(), validateTableName(in.TableName), validateReturnValues(in.ReturnValues, "ALL_OLD"),
		validateReturnConsumedCapacity(in.ReturnConsumedCapacity), validateReturnOnFailure(in.ReturnValuesOnConditionCheckFailure)); err != nil {
		return nil, err
	}
	if in.Item == nil {
		return nil, validationErr("1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null")
	}
	ctx, err := in.context()
	if err != nil {
		return nil, err
	}
	cond, err := ctx.parseCondition(exprCondition, in.ConditionExpression)
	if err != nil {
		return nil, err
	}
	if err := ctx.finish(); err != nil {
		return nil, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.tableLocked(in.TableName)
	if err != nil {
		return nil, err
	}
	if err := t.validateItem(in.Item); err != nil {
		return nil, err
	}
	k := t.primaryKey(in.Item)
	old := t.get(k)
	c := &capacity{table: t.meta.Name, write: true}
	c.addWrite(t, old, in.Item, 1)
	if cond != nil {
		ok, merr := cond.match(old)
		if merr != nil {
			return nil, merr
		}
		if !ok {
			s.addWrite(writeUnits(max(in.Item.size(), old.size())))
			return nil, conditionalFailed(returnOnFailure(in.ReturnValuesOnConditionCheckFailure, old))
		}
	}
	if cerr := s.commitLocked([]mutation{{t: t, key: k, put: in.Item}}); cerr != nil {
		return nil, cerr
	}
	s.addWrite(c.total())
	out := &writeOutput{ConsumedCapacity: c.wire(in.ReturnConsumedCapacity)}
	if in.ReturnValues == "ALL_OLD" {
		out.Attributes = old
	}
	return out, nil
}

func returnOnFailure(mode string, old item) item {
	if mode == "ALL_OLD" {
		return old
	}
	return nil
}

func firstErr(errs ...*apiError) *apiError {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

type getItemInput struct {
	legacyParams
	TableName                string
	Key                      item
	ConsistentRead           bool
	ProjectionExpression     *string
	ExpressionAttributeNames map[string]string
	ReturnConsumedCapacity   string
}

type getItemOutput struct {
	Item             *item             `json:",omitempty"`
	ConsumedCapacity *consumedCapacity `json:",omitempty"`
}

func (o *getItemOutput) appendJSON(b []byte) []byte {
	b = append(b, '{')
	if o.Item != nil {
		b = append(b, `"Item":`...)
		b = o.Item.appendJSON(b)
	}
	if o.ConsumedCapacity != nil {
		if cc, err := json.Marshal(o.ConsumedCapacity); err == nil {
			if o.Item != nil {
				b = append(b, ',')
			}
			b = append(b, `"ConsumedCapacity":`...)
			b = append(b, cc...)
		}
	}
	return append(b, '}')
}

func (s *Server) getItem(body []byte) (any, error) {
	var in getItemInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := firstErr(in.check(), validateTableName(in.TableName), validateReturnConsumedCapacity(in.ReturnConsumedCapacity)); err != nil {
		return nil, err
	}
	ctx, err := newExprContext(in.ExpressionAttributeNames, nil, in.ExpressionAttributeNames != nil, false)
	if err != nil {
		return nil, err
	}
	proj, err := ctx.parseProjection(in.ProjectionExpression)
	if err != nil {
		return nil, err
	}
	if err := ctx.finish(); err != nil {
		return nil, err
	}
	it, name, lerr := func() (item, string, *apiError) {
		s.mu.RLock()
		defer s.mu.RUnlock()
		t, err := s.tableLocked(in.TableName)
		if err != nil {
			return nil, "", err
		}
		k, err := t.keyFromParam(in.Key)
		if err != nil {
			return nil, "", err
		}
		return t.get(k), t.meta.Name, nil
	}()
	if lerr != nil {
		return nil, lerr
	}
	c := &capacity{table: name, units: readUnits(it.size())}
	if !in.ConsistentRead {
		c.units /= 2
	}
	found := 0
	if it != nil {
		found = 1
	}
	s.addRead(found, c.units)
	out := &getItemOutput{ConsumedCapacity: c.wire(in.ReturnConsumedCapacity)}
	if it != nil {
		if proj != nil {
			it = proj.apply(it)
		}
		out.Item = &it
	}
	return out, nil
}

type updateItemInput struct {
	legacyParams
	exprParams
	TableName                           string
	Key                                 item
	UpdateExpression                    *string
	ConditionExpression                 *string
	ReturnValues                        string
	ReturnConsumedCapacity              string
	ReturnValuesOnConditionCheckFailure string
}

func (s *Server) updateItem(body []byte) (any, error) {
	var in updateItemInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := firstErr(in.check(), validateTableName(in.TableName),
		validateReturnValues(in.ReturnValues, "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"),
		validateReturnConsumedCapacity(in.ReturnConsumedCapacity), validateReturnOnFailure(in.ReturnValuesOnConditionCheckFailure)); err != nil {
		return nil, err
	}
	ctx, err := in.context()
	if err != nil {
		return nil, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.tableLocked(in.TableName)
	if err != nil {
		return nil, err
	}
	upd, err := ctx.parseUpdate(in.UpdateExpression, t.keys)
	if err != nil {
		return nil, err
	}
	cond, err := ctx.parseCondition(exprCondition, in.ConditionExpression)
	if err != nil {
		return nil, err
	}
	if err := ctx.finish(); err != nil {
		return nil, err
	}
	k, err := t.keyFromParam(in.Key)
	if err != nil {
		return nil, err
	}
	old := t.get(k)
	if cond != nil {
		ok, merr := cond.match(old)
		if merr != nil {
			return nil, merr
		}
		if !ok {
			s.addWrite(writeUnits(old.size()))
			return nil, conditionalFailed(returnOnFailure(in.ReturnValuesOnConditionCheckFailure, old))
		}
	}
	next, err := applyUpdate(t, upd, old, in.Key)
	if err != nil {
		return nil, err
	}
	c := &capacity{table: t.meta.Name, write: true}
	c.addWrite(t, old, next, 1)
	if cerr := s.commitLocked([]mutation{{t: t, key: k, put: next}}); cerr != nil {
		return nil, cerr
	}
	s.addWrite(c.total())
	out := &writeOutput{ConsumedCapacity: c.wire(in.ReturnConsumedCapacity)}
	out.Attributes = updateReturn(in.ReturnValues, upd, old, next)
	return out, nil
}

// applyUpdate computes the item an UpdateItem (or transactional Update)
// produces; like DynamoDB it creates the item when it does not exist.
func applyUpdate(t *table, upd *update, old, key item) (item, *apiError) {
	base := old
	if base == nil {
		base = key.clone()
	}
	next := base
	if upd != nil {
		var err *apiError
		next, err = upd.apply(base)
		if err != nil {
			return nil, err
		}
	}
	if err := t.validateItem(next); err != nil {
		if err.Message == "Item size has exceeded the maximum allowed size" {
			return nil, validationErr("Item size to update has exceeded the maximum allowed size")
		}
		return nil, err
	}
	return next, nil
}

func updateReturn(mode string, upd *update, old, next item) item {
	switch mode {
	case "ALL_OLD":
		return old
	case "ALL_NEW":
		return next
	case "UPDATED_OLD", "UPDATED_NEW":
		src := next
		if mode == "UPDATED_OLD" {
			src = old
		}
		if upd == nil || src == nil {
			return nil
		}
		// Like DynamoDB, return just the document paths the update named
		// (m.a, not the whole map m).
		pr := &projection{root: &projNode{}}
		for _, a := range upd.actions {
			pr.add(a.path)
		}
		return pr.apply(src)
	}
	return nil
}

type deleteItemInput struct {
	legacyParams
	exprParams
	TableName                           string
	Key                                 item
	ConditionExpression                 *string
	ReturnValues                        string
	ReturnConsumedCapacity              string
	ReturnValuesOnConditionCheckFailure string
}

func (s *Server) deleteItem(body []byte) (any, error) {
	var in deleteItemInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := firstErr(in.check(), validateTableName(in.TableName), validateReturnValues(in.ReturnValues, "ALL_OLD"),
		validateReturnConsumedCapacity(in.ReturnConsumedCapacity), validateReturnOnFailure(in.ReturnValuesOnConditionCheckFailure)); err != nil {
		return nil, err
	}
	ctx, err := in.context()
	if err != nil {
		return nil, err
	}
	cond, err := ctx.parseCondition(exprCondition, in.ConditionExpression)
	if err != nil {
		return nil, err
	}
	if err := ctx.finish(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.tableLocked(in.TableName)
	if err != nil {
		return nil, err
	}
	k, err := t.keyFromParam(in.Key)
	if err != nil {
		return nil, err
	}
	old := t.get(k)
	c := &capacity{table: t.meta.Name, write: true}
	c.addWrite(t, old, nil, 1)
	if cond != nil {
		ok, merr := cond.match(old)
		if merr != nil {
			return nil, merr
		}
		if !ok {
			s.addWrite(writeUnits(old.size()))
			return nil, conditionalFailed(returnOnFailure(in.ReturnValuesOnConditionCheckFailure, old))
		}
	}
	if old != nil {
		if cerr := s.commitLocked([]mutation{{t: t, key: k}}); cerr != nil {
			return nil, cerr
		}
	}
	s.addWrite(c.total())
	out := &writeOutput{ConsumedCapacity: c.wire(in.ReturnConsumedCapacity)}
	if in.ReturnValues == "ALL_OLD" {
		out.Attributes = old
	}
	return out, nil
}
