package dynamo

// The knowledge base's self-help views (what the claim form and the
// cabinet showed before filing, and whether a claim followed):
//
//	KBVIEW#<token>          #VIEW               one page's view: the type, the day, the articles shown
//	                                            (a string set), filedAt and claimId once a claim
//	                                            followed (TTL 30 days)
//	KBSTAT#<yyyy-mm>        <dd>#<article id>   an article's views of a day: shown, filed (counters)

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/kb"
)

const kbViewSK = "#VIEW"

// kbViewTTL keeps a view long enough for the claim that follows it.
const kbViewTTL = 30 * 24 * time.Hour

func kbViewPK(token string) string { return "KBVIEW#" + token }

// kbViewRecord is a self-help view, written by update expressions only
// (pinned by the schema test).
type kbViewRecord struct {
	PK       string   `dynamodbav:"PK"`
	SK       string   `dynamodbav:"SK"`
	Entity   string   `dynamodbav:"entity"`
	TypeID   string   `dynamodbav:"typeId"`
	Day      string   `dynamodbav:"day"`
	Articles []string `dynamodbav:"articles,stringset"`
	FiledAt  string   `dynamodbav:"filedAt,omitempty"`
	ClaimID  string   `dynamodbav:"claimId,omitempty"`
	TTL      int64    `dynamodbav:"ttl"`
}

func (kbViewRecord) storedItem() {}

// RecordView implements kb.Views: the view's articles joined to those it
// showed before (a type changed on the page), each new one counted shown
// on the view's first day. A view a claim already followed is left alone,
// and so is every view of a viewer past kb.ViewsPerHour in the hour (one
// conditional counter, RATE#kbview:<viewer>#<hour>, first).
func (s *Store) RecordView(ctx context.Context, viewer, token, typeID string, articles []string, at time.Time, day string) error {
	if len(articles) == 0 {
		return nil
	}
	limit := s.rateLimitUpdate(claims.HourlyLimit("kbview:"+viewer, kb.ViewsPerHour, at)).Update
	if _, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: limit.TableName, Key: limit.Key, UpdateExpression: limit.UpdateExpression,
		ConditionExpression: limit.ConditionExpression, ExpressionAttributeNames: limit.ExpressionAttributeNames,
		ExpressionAttributeValues: limit.ExpressionAttributeValues,
	}); err != nil {
		if isConditionFailed(err, -1) {
			return nil // this viewer's views of the hour are counted already
		}
		return fmt.Errorf("record self-help view: %w", err)
	}
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(kbViewPK(token), kbViewSK),
		UpdateExpression:         aws.String("SET entity = :e, typeId = :t, #day = if_not_exists(#day, :d), #ttl = :ttl ADD articles :a"),
		ConditionExpression:      aws.String("attribute_not_exists(filedAt)"),
		ExpressionAttributeNames: map[string]string{"#day": "day", "#ttl": "ttl"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":e": str("kb_view"), ":t": str(typeID), ":d": str(day),
			":ttl": num(at.Add(kbViewTTL).Unix()), ":a": &types.AttributeValueMemberSS{Value: articles}},
		ReturnValues: types.ReturnValueUpdatedOld,
	})
	if err != nil {
		if isConditionFailed(err, -1) {
			return nil
		}
		return fmt.Errorf("record self-help view: %w", err)
	}
	var old kbViewRecord
	if err := unmarshal(out.Attributes, &old); err != nil {
		return err
	}
	if old.Day != "" {
		day = old.Day
	}
	for _, a := range articles {
		if !slices.Contains(old.Articles, a) {
			if err := s.countView(ctx, day, a, "shown"); err != nil {
				return err
			}
		}
	}
	return nil
}

// FileView implements kb.Views: the view is marked with the claim that
// followed it (once), and its articles counted filed on its day.
func (s *Store) FileView(ctx context.Context, token, claimID string, at time.Time) error {
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(kbViewPK(token), kbViewSK),
		UpdateExpression:          aws.String("SET filedAt = :at, claimId = :c"),
		ConditionExpression:       aws.String("attribute_exists(PK) AND attribute_not_exists(filedAt)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": str(at.UTC().Format(time.RFC3339)), ":c": str(claimID)},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil {
		if isConditionFailed(err, -1) {
			return nil // no view, or counted already
		}
		return fmt.Errorf("file self-help view: %w", err)
	}
	var v kbViewRecord
	if err := unmarshal(out.Attributes, &v); err != nil {
		return err
	}
	for _, a := range v.Articles {
		if err := s.countView(ctx, v.Day, a, "filed"); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) countView(ctx context.Context, day, article, counter string) error {
	if len(day) != 10 {
		return fmt.Errorf("count self-help view: bad day %q", day)
	}
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key("KBSTAT#"+day[:7], day[8:]+"#"+article),
		UpdateExpression:          aws.String("SET entity = :e ADD #n :one"),
		ExpressionAttributeNames:  map[string]string{"#n": counter},
		ExpressionAttributeValues: map[string]types.AttributeValue{":e": str("kb_stat"), ":one": num(1)},
	})
	if err != nil {
		return fmt.Errorf("count self-help view of %s: %w", article, err)
	}
	return nil
}

// ViewStats implements kb.Views: one Query of the month's partition.
func (s *Store) ViewStats(ctx context.Context, month string) ([]kb.DayStat, error) {
	var out []kb.DayStat
	err := s.queryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str("KBSTAT#" + month)},
	}, "self-help views of "+month, func(item map[string]types.AttributeValue) error {
		dd, article, ok := strings.Cut(attrString(item["SK"]), "#")
		if !ok {
			return nil
		}
		st := kb.DayStat{Day: month + "-" + dd, ArticleID: article}
		if n, ok := item["shown"].(*types.AttributeValueMemberN); ok {
			st.Shown, _ = strconv.ParseInt(n.Value, 10, 64)
		}
		if n, ok := item["filed"].(*types.AttributeValueMemberN); ok {
			st.Filed, _ = strconv.ParseInt(n.Value, 10, 64)
		}
		out = append(out, st)
		return nil
	})
	return out, err
}
