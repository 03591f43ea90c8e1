package dynamo

// The knowledge base's items:
//
//	KB#<id>                 #ARTICLE        an article (its Markdown and sanitized HTML as a JSON
//	                                        document); GSI1 = KB#ARTICLES / <updatedAt>#<id>
//	                                        (every article, last changed first)
//	KB#<id>                 V#<000000n>     a version: who, when, which fields, the article as
//	                                        it was (JSON document)
//	KBLINK#<kind>#<value>   KB#<id>         an article's link to a catalog entry (category, type,
//	                                        model, rootCause), with the article's summary: the
//	                                        articles of a type are one Query

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/kb"
)

const (
	kbArticleSK = "#ARTICLE"
	kbListPK    = "KB#ARTICLES"
)

func kbPK(id string) string                      { return "KB#" + id }
func kbVersionSK(v int) string                   { return fmt.Sprintf("V#%09d", v) }
func kbLinkPK(kind kb.LinkKind, v string) string { return "KBLINK#" + string(kind) + "#" + v }
func kbListSK(a *kb.Article) string              { return a.UpdatedAt.UTC().Format(time.RFC3339Nano) + "#" + a.ID }

// articleRecord is an article: KB#<id> / #ARTICLE, the article as a JSON
// document (articleDoc), its version for optimistic writes.
type articleRecord struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	GSI1PK  string `dynamodbav:"GSI1PK"`
	GSI1SK  string `dynamodbav:"GSI1SK"`
	Entity  string `dynamodbav:"entity"`
	Version int    `dynamodbav:"version"`
	Doc     string `dynamodbav:"doc"`
}

func (articleRecord) storedItem() {}

// articleVersionRecord is one version: KB#<id> / V#<n>, the change and the
// article as it was (articleVersionDoc).
type articleVersionRecord struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Entity string `dynamodbav:"entity"`
	Doc    string `dynamodbav:"doc"`
}

func (articleVersionRecord) storedItem() {}

// articleLinkRecord is an article's link to a catalog entry:
// KBLINK#<kind>#<value> / KB#<id>, with the article's summary (articleSummaryDoc).
type articleLinkRecord struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Entity string `dynamodbav:"entity"`
	Doc    string `dynamodbav:"doc"`
}

func (articleLinkRecord) storedItem() {}

type articleFileDoc struct {
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	FileName    string `json:"fileName"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
}

type articleDoc struct {
	ID          string           `json:"id"`
	Title       string           `json:"title"`
	Body        string           `json:"body"`
	HTML        string           `json:"html"`
	Language    string           `json:"language"`
	Audience    string           `json:"audience"`
	Status      string           `json:"status"`
	Categories  []string         `json:"categories,omitempty"`
	Types       []string         `json:"types,omitempty"`
	Models      []string         `json:"models,omitempty"`
	RootCauses  []string         `json:"rootCauses,omitempty"`
	Files       []articleFileDoc `json:"files,omitempty"`
	Owners      []string         `json:"owners,omitempty"`
	Version     int              `json:"version"`
	CreatedAt   time.Time        `json:"createdAt"`
	CreatedBy   string           `json:"createdBy"`
	UpdatedAt   time.Time        `json:"updatedAt"`
	UpdatedBy   string           `json:"updatedBy"`
	PublishedAt time.Time        `json:"publishedAt,omitzero"`
}

type articleVersionDoc struct {
	Version int        `json:"version"`
	At      time.Time  `json:"at"`
	By      string     `json:"by"`
	Fields  []string   `json:"fields"`
	Status  string     `json:"status"`
	Note    string     `json:"note,omitempty"`
	Article articleDoc `json:"article"`
}

type articleSummaryDoc struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Language    string    `json:"language"`
	Audience    string    `json:"audience"`
	Status      string    `json:"status"`
	Categories  []string  `json:"categories,omitempty"`
	Types       []string  `json:"types,omitempty"`
	Models      []string  `json:"models,omitempty"`
	RootCauses  []string  `json:"rootCauses,omitempty"`
	Version     int       `json:"version"`
	UpdatedAt   time.Time `json:"updatedAt"`
	PublishedAt time.Time `json:"publishedAt,omitzero"`
}

func newArticleDoc(a kb.Article) articleDoc {
	return articleDoc{ID: a.ID, Title: a.Title, Body: a.Body, HTML: a.HTML, Language: a.Language, Audience: string(a.Audience),
		Status: string(a.Status), Categories: a.Categories, Types: a.Types, Models: a.Models, RootCauses: a.RootCauses,
		Files: convert(a.Files, func(f kb.File) articleFileDoc {
			return articleFileDoc{ID: f.ID, Kind: f.Kind, FileName: f.FileName, ContentType: f.ContentType, Size: f.Size}
		}),
		Owners: a.Owners, Version: a.Version, CreatedAt: a.CreatedAt, CreatedBy: a.CreatedBy, UpdatedAt: a.UpdatedAt,
		UpdatedBy: a.UpdatedBy, PublishedAt: a.PublishedAt}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (d articleDoc) article() kb.Article {
	return kb.Article{ID: d.ID, Title: d.Title, Body: d.Body, HTML: d.HTML, Language: d.Language, Audience: kb.Audience(d.Audience),
		Status: kb.Status(d.Status), Categories: nonNil(d.Categories), Types: nonNil(d.Types), Models: nonNil(d.Models),
		RootCauses: nonNil(d.RootCauses),
		Files: convert(d.Files, func(f articleFileDoc) kb.File {
			return kb.File{ID: f.ID, Kind: f.Kind, FileName: f.FileName, ContentType: f.ContentType, Size: f.Size}
		}),
		Owners: nonNil(d.Owners), Version: d.Version, CreatedAt: d.CreatedAt, CreatedBy: d.CreatedBy, UpdatedAt: d.UpdatedAt,
		UpdatedBy: d.UpdatedBy, PublishedAt: d.PublishedAt}
}

func newSummaryDoc(s kb.Summary) articleSummaryDoc {
	return articleSummaryDoc{ID: s.ID, Title: s.Title, Language: s.Language, Audience: string(s.Audience), Status: string(s.Status),
		Categories: s.Categories, Types: s.Types, Models: s.Models, RootCauses: s.RootCauses, Version: s.Version,
		UpdatedAt: s.UpdatedAt, PublishedAt: s.PublishedAt}
}

func (d articleSummaryDoc) summary() kb.Summary {
	return kb.Summary{ID: d.ID, Title: d.Title, Language: d.Language, Audience: kb.Audience(d.Audience), Status: kb.Status(d.Status),
		Categories: nonNil(d.Categories), Types: nonNil(d.Types), Models: nonNil(d.Models), RootCauses: nonNil(d.RootCauses),
		Version: d.Version, UpdatedAt: d.UpdatedAt, PublishedAt: d.PublishedAt}
}

func jsonDoc(what string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", what, err)
	}
	return string(b), nil
}

// PutArticle implements kb.Store: the article (conditional on prev's
// version, or on its absence), its version and its links, one transaction.
func (s *Store) PutArticle(ctx context.Context, a kb.Article, prev *kb.Article, rev kb.Revision) error {
	doc, err := jsonDoc("article "+a.ID, newArticleDoc(a))
	if err != nil {
		return err
	}
	item, err := marshal(articleRecord{PK: kbPK(a.ID), SK: kbArticleSK, GSI1PK: kbListPK, GSI1SK: kbListSK(&a), Entity: "kb_article",
		Version: a.Version, Doc: doc})
	if err != nil {
		return err
	}
	put := &types.Put{TableName: aws.String(s.table), Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}
	if prev != nil {
		put.ConditionExpression = aws.String("version = :v")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": num(int64(prev.Version))}
	}
	items := []types.TransactWriteItem{{Put: put}}
	vdoc, err := jsonDoc("article version", articleVersionDoc{Version: rev.Version, At: rev.At, By: rev.By, Fields: rev.Fields,
		Status: string(rev.Status), Note: rev.Note, Article: newArticleDoc(rev.Article)})
	if err != nil {
		return err
	}
	vitem, err := marshal(articleVersionRecord{PK: kbPK(a.ID), SK: kbVersionSK(rev.Version), Entity: "kb_version", Doc: vdoc})
	if err != nil {
		return err
	}
	items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: vitem,
		ConditionExpression: aws.String("attribute_not_exists(PK)")}})
	sdoc, err := jsonDoc("article summary", newSummaryDoc(a.Summary()))
	if err != nil {
		return err
	}
	keep := map[kb.Link]bool{}
	for _, l := range a.Links() {
		keep[l] = true
		litem, err := marshal(articleLinkRecord{PK: kbLinkPK(l.Kind, l.Value), SK: kbPK(a.ID), Entity: "kb_link", Doc: sdoc})
		if err != nil {
			return err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: litem}})
	}
	if prev != nil {
		for _, l := range prev.Links() {
			if !keep[l] {
				items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(kbLinkPK(l.Kind, l.Value), kbPK(a.ID))}})
			}
		}
	}
	if _, err := s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
		if isConditionFailed(err, -1) {
			return apperr.Errorf(apperr.Conflict, "the article %s changed meanwhile", a.ID)
		}
		return fmt.Errorf("put article %s: %w", a.ID, err)
	}
	return nil
}

// Article implements kb.Store.
func (s *Store) Article(ctx context.Context, id string) (*kb.Article, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key(kbPK(id), kbArticleSK)})
	if err != nil {
		return nil, fmt.Errorf("get article %s: %w", id, err)
	}
	if out.Item == nil {
		return nil, apperr.Errorf(apperr.NotFound, "no article %s", id)
	}
	return decodeArticle(out.Item)
}

func decodeArticle(item map[string]types.AttributeValue) (*kb.Article, error) {
	var r articleRecord
	if err := unmarshal(item, &r); err != nil {
		return nil, err
	}
	var d articleDoc
	if err := json.Unmarshal([]byte(r.Doc), &d); err != nil {
		return nil, fmt.Errorf("decode article %s: %w", r.PK, err)
	}
	a := d.article()
	if a.Files == nil {
		a.Files = []kb.File{}
	}
	return &a, nil
}

// ArticlesByID implements kb.Store: BatchGetItem in hundreds.
func (s *Store) ArticlesByID(ctx context.Context, ids []string) ([]kb.Article, error) {
	var out []kb.Article
	for start := 0; start < len(ids); start += 100 {
		var keys []map[string]types.AttributeValue
		for _, id := range ids[start:min(start+100, len(ids))] {
			keys = append(keys, key(kbPK(id), kbArticleSK))
		}
		req := map[string]types.KeysAndAttributes{s.table: {Keys: keys}}
		for len(req) > 0 {
			res, err := s.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, fmt.Errorf("get articles: %w", err)
			}
			for _, item := range res.Responses[s.table] {
				a, err := decodeArticle(item)
				if err != nil {
					return nil, err
				}
				out = append(out, *a)
			}
			req = res.UnprocessedKeys
		}
	}
	return out, nil
}

// ArticleChanges implements kb.Store: one Query of the versions (without
// the documents' articles).
func (s *Store) ArticleChanges(ctx context.Context, id string) ([]kb.Change, error) {
	revs, err := s.articleVersions(ctx, id, "")
	if err != nil {
		return nil, err
	}
	out := make([]kb.Change, len(revs))
	for i, r := range revs {
		out[i] = r.Change
	}
	return out, nil
}

func (s *Store) articleVersions(ctx context.Context, id, sk string) ([]kb.Revision, error) {
	in := &dynamodb.QueryInput{TableName: aws.String(s.table), KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :v)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(kbPK(id)), ":v": str("V#")}}
	if sk != "" {
		in.KeyConditionExpression = aws.String("PK = :pk AND SK = :v")
		in.ExpressionAttributeValues[":v"] = str(sk)
	}
	var out []kb.Revision
	err := queryRecords(ctx, s, in, "versions of article "+id, func(r *articleVersionRecord) error {
		var d articleVersionDoc
		if err := json.Unmarshal([]byte(r.Doc), &d); err != nil {
			return fmt.Errorf("decode article version %s %s: %w", r.PK, r.SK, err)
		}
		out = append(out, kb.Revision{Change: kb.Change{Version: d.Version, At: d.At, By: d.By, Fields: d.Fields, Status: kb.Status(d.Status),
			Note: d.Note}, Article: d.Article.article()})
		if r := &out[len(out)-1]; r.Article.Files == nil {
			r.Article.Files = []kb.File{}
		}
		return nil
	})
	return out, err
}

// ArticleRevision implements kb.Store.
func (s *Store) ArticleRevision(ctx context.Context, id string, version int) (*kb.Revision, error) {
	revs, err := s.articleVersions(ctx, id, kbVersionSK(version))
	if err != nil {
		return nil, err
	}
	if len(revs) == 0 {
		return nil, apperr.Errorf(apperr.NotFound, "no version %d of article %s", version, id)
	}
	return &revs[0], nil
}

// ListArticles implements kb.Store: one Query of GSI1, newest first; the
// cursor is the last item's GSI1SK.
func (s *Store) ListArticles(ctx context.Context, limit int, cursor string) ([]kb.Summary, string, error) {
	in := &dynamodb.QueryInput{TableName: aws.String(s.table), IndexName: aws.String("GSI1"), ScanIndexForward: aws.Bool(false),
		KeyConditionExpression: aws.String("GSI1PK = :pk"), ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(kbListPK)},
		Limit: aws.Int32(int32(min(max(limit, 1), 100)))}
	if cursor != "" {
		_, id, ok := strings.Cut(cursor, "#")
		if !ok || !kb.ValidID(id) {
			return nil, "", apperr.InvalidField("cursor", "not a cursor of this list")
		}
		in.KeyConditionExpression = aws.String("GSI1PK = :pk AND GSI1SK < :c")
		in.ExpressionAttributeValues[":c"] = str(cursor)
	}
	out, err := s.client.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("list articles: %w", err)
	}
	list := make([]kb.Summary, 0, len(out.Items))
	next := ""
	for _, item := range out.Items {
		a, err := decodeArticle(item)
		if err != nil {
			return nil, "", err
		}
		list = append(list, a.Summary())
		next = kbListSK(a)
	}
	if len(out.LastEvaluatedKey) == 0 {
		next = ""
	}
	return list, next, nil
}

// LinkedArticles implements kb.Store: one Query of the catalog entry's
// link partition.
func (s *Store) LinkedArticles(ctx context.Context, l kb.Link) ([]kb.Summary, error) {
	var out []kb.Summary
	err := queryRecords(ctx, s, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(kbLinkPK(l.Kind, l.Value))},
	}, fmt.Sprintf("articles of %s %s", l.Kind, l.Value), func(r *articleLinkRecord) error {
		var d articleSummaryDoc
		if err := json.Unmarshal([]byte(r.Doc), &d); err != nil {
			return fmt.Errorf("decode article link %s %s: %w", r.PK, r.SK, err)
		}
		out = append(out, d.summary())
		return nil
	})
	return out, err
}
