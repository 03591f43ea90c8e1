package dynamo

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/claimsdesk/backend/shared/catalog"
)

const catalogPK = "CATALOG"

type catalogItem struct {
	PK     string `json:"PK"`
	SK     string `json:"SK"`
	Entity string `json:"entity"`
	Doc    string `json:"doc"`
}

// Catalog reads the whole catalog with one query.
func (s *Store) Catalog(ctx context.Context) (*catalog.Catalog, error) {
	c := &catalog.Catalog{}
	p := dynamodb.NewQueryPaginator(s.client, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(catalogPK)},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read catalog: %w", err)
		}
		for _, item := range page.Items {
			var it catalogItem
			if err := unmarshal(item, &it); err != nil {
				return nil, err
			}
			switch it.Entity {
			case "category":
				var cat catalog.Category
				if err := json.Unmarshal([]byte(it.Doc), &cat); err != nil {
					return nil, fmt.Errorf("decode category %s: %w", it.SK, err)
				}
				c.Categories = append(c.Categories, cat)
			case "type":
				var t catalog.Type
				if err := json.Unmarshal([]byte(it.Doc), &t); err != nil {
					return nil, fmt.Errorf("decode type %s: %w", it.SK, err)
				}
				c.Types = append(c.Types, t)
			case "rootcause":
				var r catalog.RootCause
				if err := json.Unmarshal([]byte(it.Doc), &r); err != nil {
					return nil, fmt.Errorf("decode root cause %s: %w", it.SK, err)
				}
				c.RootCauses = append(c.RootCauses, r)
			}
		}
	}
	c.Sort()
	return c, nil
}

func catalogEntry(kind, id string, v any) (map[string]types.AttributeValue, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %s %s: %w", kind, id, err)
	}
	sk := map[string]string{"category": "CATEGORY#", "type": "TYPE#", "rootcause": "ROOTCAUSE#"}[kind] + id
	return marshal(catalogItem{PK: catalogPK, SK: sk, Entity: kind, Doc: string(b)})
}

// PutCategory creates or replaces a category.
func (s *Store) PutCategory(ctx context.Context, c catalog.Category) error {
	item, err := catalogEntry("category", c.ID, c)
	if err != nil {
		return err
	}
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}); err != nil {
		return fmt.Errorf("put category %s: %w", c.ID, err)
	}
	return nil
}

// PutType creates or replaces a type.
func (s *Store) PutType(ctx context.Context, t catalog.Type) error {
	item, err := catalogEntry("type", t.ID, t)
	if err != nil {
		return err
	}
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}); err != nil {
		return fmt.Errorf("put type %s: %w", t.ID, err)
	}
	return nil
}

// SeedCatalog adds the categories and types of c that the table does not have
// yet; entries an administrator changed are left alone. It returns how many it
// added.
func (s *Store) SeedCatalog(ctx context.Context, c *catalog.Catalog) (int, error) {
	added := 0
	add := func(kind, id string, v any) error {
		item, err := catalogEntry(kind, id, v)
		if err != nil {
			return err
		}
		_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")})
		switch {
		case err == nil:
			added++
		case isConditionFailed(err, -1):
		default:
			return fmt.Errorf("seed %s %s: %w", kind, id, err)
		}
		return nil
	}
	for _, cat := range c.Categories {
		if err := add("category", cat.ID, cat); err != nil {
			return added, err
		}
	}
	for _, t := range c.Types {
		if err := add("type", t.ID, t); err != nil {
			return added, err
		}
	}
	for _, r := range c.RootCauses {
		if err := add("rootcause", r.ID, r); err != nil {
			return added, err
		}
	}
	return added, nil
}

// PutRootCause creates or replaces a root cause.
func (s *Store) PutRootCause(ctx context.Context, r catalog.RootCause) error {
	item, err := catalogEntry("rootcause", r.ID, r)
	if err != nil {
		return err
	}
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}); err != nil {
		return fmt.Errorf("put root cause %s: %w", r.ID, err)
	}
	return nil
}
