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
			var r catalogRecord
			if err := unmarshal(item, &r); err != nil {
				return nil, err
			}
			switch r.Entity {
			case "category":
				var d categoryDoc
				if err := json.Unmarshal([]byte(r.Doc), &d); err != nil {
					return nil, fmt.Errorf("decode category %s: %w", r.SK, err)
				}
				c.Categories = append(c.Categories, d.category())
			case "type":
				var d typeDoc
				if err := json.Unmarshal([]byte(r.Doc), &d); err != nil {
					return nil, fmt.Errorf("decode type %s: %w", r.SK, err)
				}
				c.Types = append(c.Types, d.catalogType())
			case "rootcause":
				var d rootCauseDoc
				if err := json.Unmarshal([]byte(r.Doc), &d); err != nil {
					return nil, fmt.Errorf("decode root cause %s: %w", r.SK, err)
				}
				c.RootCauses = append(c.RootCauses, d.rootCause())
			case "model":
				var d modelDoc
				if err := json.Unmarshal([]byte(r.Doc), &d); err != nil {
					return nil, fmt.Errorf("decode model %s: %w", r.SK, err)
				}
				c.Models = append(c.Models, d.model())
			}
		}
	}
	c.Sort()
	return c, nil
}

// catalogEntry is the item of a catalog entry of kind ("category",
// "type", "rootcause"), doc its document (categoryDoc, typeDoc,
// rootCauseDoc).
func catalogEntry(kind, id string, doc any) (map[string]types.AttributeValue, error) {
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode %s %s: %w", kind, id, err)
	}
	sk := map[string]string{"category": "CATEGORY#", "type": "TYPE#", "rootcause": "ROOTCAUSE#", "model": "MODEL#"}[kind] + id
	return marshal(catalogRecord{PK: catalogPK, SK: sk, Entity: kind, Doc: string(b)})
}

// PutCategory creates or replaces a category.
func (s *Store) PutCategory(ctx context.Context, c catalog.Category) error {
	item, err := catalogEntry("category", c.ID, newCategoryDoc(c))
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
	item, err := catalogEntry("type", t.ID, newTypeDoc(t))
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
	add := func(kind, id string, doc any) error {
		item, err := catalogEntry(kind, id, doc)
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
		if err := add("category", cat.ID, newCategoryDoc(cat)); err != nil {
			return added, err
		}
	}
	for _, t := range c.Types {
		if err := add("type", t.ID, newTypeDoc(t)); err != nil {
			return added, err
		}
	}
	for _, r := range c.RootCauses {
		if err := add("rootcause", r.ID, newRootCauseDoc(r)); err != nil {
			return added, err
		}
	}
	for _, m := range c.Models {
		if err := add("model", m.ID, newModelDoc(m)); err != nil {
			return added, err
		}
	}
	return added, nil
}

// PutRootCause creates or replaces a root cause.
func (s *Store) PutRootCause(ctx context.Context, r catalog.RootCause) error {
	item, err := catalogEntry("rootcause", r.ID, newRootCauseDoc(r))
	if err != nil {
		return err
	}
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}); err != nil {
		return fmt.Errorf("put root cause %s: %w", r.ID, err)
	}
	return nil
}

// PutModel creates or replaces a product model.
func (s *Store) PutModel(ctx context.Context, m catalog.Model) error {
	item, err := catalogEntry("model", m.ID, newModelDoc(m))
	if err != nil {
		return err
	}
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}); err != nil {
		return fmt.Errorf("put model %s: %w", m.ID, err)
	}
	return nil
}
