package dynamo

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/assignment"
)

const (
	rosterPK = "ROSTER"
)

func managerSK(id string) string { return "MANAGER#" + id }

// customerProfileKey is the key of the profile item intake writes.
func customerProfileKey(id string) map[string]types.AttributeValue {
	return key("CUSTOMER#"+id, "#PROFILE")
}

func decodeManager(item map[string]types.AttributeValue) (*assignment.Manager, int64, error) {
	var r managerRecord
	if err := unmarshal(item, &r); err != nil {
		return nil, 0, err
	}
	var d managerDoc
	if err := json.Unmarshal([]byte(r.Doc), &d); err != nil {
		return nil, 0, fmt.Errorf("decode manager %s: %w", r.SK, err)
	}
	m := d.manager()
	return &m, r.Rev, nil
}

func encodeManager(m *assignment.Manager) (string, error) {
	b, err := json.Marshal(newManagerDoc(m))
	if err != nil {
		return "", fmt.Errorf("encode manager %s: %w", m.ID, err)
	}
	return string(b), nil
}

// Roster reads every claims manager with one query, sorted by ID (the
// round-robin order). Workload is left empty (see OpenWorkload).
func (s *Store) Roster(ctx context.Context) (*assignment.Roster, error) {
	r := &assignment.Roster{Managers: []assignment.Manager{}}
	p := dynamodb.NewQueryPaginator(s.client, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :sk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(rosterPK), ":sk": str("MANAGER#")},
		ConsistentRead:            aws.Bool(true),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read roster: %w", err)
		}
		for _, item := range page.Items {
			m, _, err := decodeManager(item)
			if err != nil {
				return nil, err
			}
			r.Managers = append(r.Managers, *m)
		}
	}
	r.Sort()
	return r, nil
}

// PutManager creates or replaces a manager.
func (s *Store) PutManager(ctx context.Context, m assignment.Manager) error {
	doc, err := encodeManager(&m)
	if err != nil {
		return err
	}
	_, err = s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:        aws.String(s.table),
		Key:              key(rosterPK, managerSK(m.ID)),
		UpdateExpression: aws.String("SET entity = :entity, doc = :doc, rev = if_not_exists(rev, :zero) + :one"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":entity": str("manager"), ":doc": str(doc), ":zero": num(0), ":one": num(1),
		},
	})
	if err != nil {
		return fmt.Errorf("put manager %s: %w", m.ID, err)
	}
	return nil
}

func (s *Store) manager(ctx context.Context, id string) (*assignment.Manager, int64, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key(rosterPK, managerSK(id)), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, 0, fmt.Errorf("get manager %s: %w", id, err)
	}
	if out.Item == nil {
		return nil, 0, notFound("manager " + id)
	}
	return decodeManager(out.Item)
}

// ManagerByID returns one manager; apperr.NotFound when id is not on the
// roster.
func (s *Store) ManagerByID(ctx context.Context, id string) (*assignment.Manager, error) {
	m, _, err := s.manager(ctx, id)
	return m, err
}

// UpdateManager changes a manager by read-modify-write: change gets the
// stored manager and edits it (its error is returned as is); the write is
// conditional on nobody having written in between, and retried a few times
// when somebody did. Errors: apperr.NotFound for an unknown manager,
// apperr.Conflict when the retries run out.
func (s *Store) UpdateManager(ctx context.Context, id string, change func(m *assignment.Manager) error) (*assignment.Manager, error) {
	for range 4 {
		m, rev, err := s.manager(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := change(m); err != nil {
			return nil, err
		}
		m.ID = id
		doc, err := encodeManager(m)
		if err != nil {
			return nil, err
		}
		_, err = s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                 aws.String(s.table),
			Key:                       key(rosterPK, managerSK(id)),
			UpdateExpression:          aws.String("SET doc = :doc, rev = :next"),
			ConditionExpression:       aws.String("rev = :rev"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":doc": str(doc), ":rev": num(rev), ":next": num(rev + 1)},
		})
		switch {
		case err == nil:
			return m, nil
		case isConditionFailed(err, -1):
			continue
		default:
			return nil, fmt.Errorf("update manager %s: %w", id, err)
		}
	}
	return nil, apperr.Errorf(apperr.Conflict, "manager %s is being changed by someone else; try again", id)
}

// ActiveManager reports whether userID is an active claims manager of the
// roster (what a supervisor's reassignment checks).
func (s *Store) ActiveManager(ctx context.Context, userID string) (bool, error) {
	if userID == "" {
		return false, nil
	}
	m, _, err := s.manager(ctx, userID)
	switch {
	case apperr.Is(err, apperr.NotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return m.Active, nil
}

// SeedRoster adds the managers the roster does not have yet; managers a
// supervisor has changed are left alone. It returns how many it added.
func (s *Store) SeedRoster(ctx context.Context, managers []assignment.Manager) (int, error) {
	added := 0
	for i := range managers {
		m := &managers[i]
		doc, err := encodeManager(m)
		if err != nil {
			return added, err
		}
		item, err := marshal(managerRecord{PK: rosterPK, SK: managerSK(m.ID), Entity: "manager", Doc: doc, Rev: 1})
		if err != nil {
			return added, err
		}
		_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")})
		switch {
		case err == nil:
			added++
		case isConditionFailed(err, -1):
		default:
			return added, fmt.Errorf("seed manager %s: %w", m.ID, err)
		}
	}
	return added, nil
}

// PersonalManager returns the customer's personal manager ("" when the
// customer has none, or no profile yet: a first claim creates the profile).
func (s *Store) PersonalManager(ctx context.Context, customerID string) (string, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:            aws.String(s.table),
		Key:                  customerProfileKey(customerID),
		ProjectionExpression: aws.String("personalManager"),
		ConsistentRead:       aws.Bool(true),
	})
	if err != nil {
		return "", fmt.Errorf("personal manager of %s: %w", customerID, err)
	}
	if v, ok := out.Item["personalManager"].(*types.AttributeValueMemberS); ok {
		return v.Value, nil
	}
	return "", nil
}

// SetPersonalManager records the customer's personal manager on the
// customer profile (managerID "" removes it). Errors: apperr.NotFound when
// the customer has no profile.
func (s *Store) SetPersonalManager(ctx context.Context, customerID, managerID string) error {
	in := &dynamodb.UpdateItemInput{
		TableName:           aws.String(s.table),
		Key:                 customerProfileKey(customerID),
		ConditionExpression: aws.String("attribute_exists(PK)"),
		UpdateExpression:    aws.String("REMOVE personalManager"),
	}
	if managerID != "" {
		in.UpdateExpression = aws.String("SET personalManager = :m")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":m": str(assignment.PersonalKey(managerID))}
	}
	_, err := s.client.UpdateItem(ctx, in)
	switch {
	case isConditionFailed(err, -1):
		return notFound("customer " + customerID)
	case err != nil:
		return fmt.Errorf("set personal manager of %s: %w", customerID, err)
	}
	return nil
}

// OpenWorkload counts the open claims of each manager on the worklist index
// (GSI4, one count query per manager). The index is eventually consistent, so
// the counts may lag a little, which the assignment tolerates.
func (s *Store) OpenWorkload(ctx context.Context, managerIDs []string) (map[string]int, error) {
	out := make(map[string]int, len(managerIDs))
	for _, id := range managerIDs {
		p := dynamodb.NewQueryPaginator(s.client, &dynamodb.QueryInput{
			TableName:                 aws.String(s.table),
			IndexName:                 aws.String("GSI4"),
			KeyConditionExpression:    aws.String("GSI4PK = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str("WORK#" + id)},
			Select:                    types.SelectCount,
		})
		n := 0
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("open workload of %s: %w", id, err)
			}
			n += int(page.Count)
		}
		out[id] = n
	}
	return out, nil
}
