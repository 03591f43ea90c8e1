package sns

import (
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// pageSize is how many topics or subscriptions one List call returns, as
// in SNS.
const pageSize = 100

var topicNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// topic is one topic: its ARN and name, the attributes set on it and its
// tags (kept, not listed: ListTagsForResource is not emulated).
type topic struct {
	ARN   string            `json:"arn"`
	Name  string            `json:"name"`
	Attrs map[string]string `json:"attrs,omitempty"`
	Tags  map[string]string `json:"tags,omitempty"`
	Order uint64            `json:"order"`
}

// Topic attributes a caller may set. FifoTopic is accepted only as "false":
// FIFO topics are not emulated.
var settableTopicAttrs = map[string]bool{
	"DisplayName": true, "Policy": true, "DeliveryPolicy": true, "KmsMasterKeyId": true,
	"TracingConfig": true, "SignatureVersion": true, "ContentBasedDeduplication": true,
	"ArchivePolicy": true, "DataProtectionPolicy": true, "FifoTopic": true,
}

// Subscription attributes.
const (
	attrRawMessageDelivery = "RawMessageDelivery"
	attrFilterPolicy       = "FilterPolicy"
	attrFilterPolicyScope  = "FilterPolicyScope"
	scopeAttributes        = "MessageAttributes"
	scopeBody              = "MessageBody"
)

var settableSubscriptionAttrs = map[string]bool{
	attrRawMessageDelivery: true, attrFilterPolicy: true, attrFilterPolicyScope: true,
	"DeliveryPolicy": true, "RedrivePolicy": true, "SubscriptionRoleArn": true, "ReplayPolicy": true,
}

var protocols = map[string]bool{
	"http": true, "https": true, "email": true, "email-json": true, "sms": true,
	"sqs": true, "application": true, "lambda": true, "firehose": true,
}

// subscription is one subscription of a topic.
type subscription struct {
	ARN      string            `json:"arn"`
	TopicARN string            `json:"topic"`
	Protocol string            `json:"protocol"`
	Endpoint string            `json:"endpoint"`
	Attrs    map[string]string `json:"attrs,omitempty"`
	// Pending is true until the endpoint confirms: e-mail subscriptions,
	// whose confirmation mail the local stack never sends, stay pending.
	Pending bool   `json:"pending,omitempty"`
	Order   uint64 `json:"order"`

	filter *filterPolicy
}

func (s *Server) nextOrder() uint64 {
	s.order++
	return s.order
}

func validateTopicAttrs(attrs map[string]string) *apiError {
	for k, v := range attrs {
		if !settableTopicAttrs[k] {
			return errInvalid("AttributeName")
		}
		if k == "FifoTopic" && !strings.EqualFold(v, "false") {
			return errInvalid("Attributes Reason: FIFO topics are not supported by the local SNS emulator")
		}
		if (k == "Policy" || k == "DeliveryPolicy" || k == "DataProtectionPolicy" || k == "ArchivePolicy") && v != "" && !json.Valid([]byte(v)) {
			return errInvalid("Attributes Reason: %s: the value is not valid JSON", k)
		}
	}
	return nil
}

type createTopicResult struct {
	TopicArn string `xml:"TopicArn"`
}

func opCreateTopic(s *Server, _ context.Context, form url.Values) (any, error) {
	name := form.Get("Name")
	if !topicNamePattern.MatchString(name) {
		return nil, errInvalid("Topic Name")
	}
	attrs := formMap(form, "Attributes", "key", "value")
	if err := validateTopicAttrs(attrs); err != nil {
		return nil, err
	}
	tags := map[string]string{}
	for n := 1; ; n++ {
		base := "Tags.member." + strconv.Itoa(n) + "."
		k, ok := form[base+"Key"]
		if !ok {
			break
		}
		tags[k[0]] = form.Get(base + "Value")
	}
	arn := s.topicARN(name)
	return s.locked(func() (bool, any, error) {
		if t, ok := s.topics[arn]; ok {
			for k, v := range attrs {
				if k != "FifoTopic" && t.Attrs[k] != v {
					return false, nil, errInvalid("Attributes Reason: Topic already exists with different attributes")
				}
			}
			return false, createTopicResult{TopicArn: arn}, nil
		}
		t := &topic{ARN: arn, Name: name, Attrs: map[string]string{}, Tags: tags, Order: s.nextOrder()}
		for k, v := range attrs {
			if k != "FifoTopic" {
				t.Attrs[k] = v
			}
		}
		s.topics[arn] = t
		return true, createTopicResult{TopicArn: arn}, nil
	})
}

// opDeleteTopic deletes a topic and its subscriptions; deleting a topic
// that does not exist succeeds, as in SNS.
func opDeleteTopic(s *Server, _ context.Context, form url.Values) (any, error) {
	arn := form.Get("TopicArn")
	if arn == "" {
		return nil, errInvalid("TopicArn")
	}
	return s.locked(func() (bool, any, error) {
		if _, ok := s.topics[arn]; !ok {
			return false, nil, nil
		}
		delete(s.topics, arn)
		for id, sub := range s.subs {
			if sub.TopicARN == arn {
				delete(s.subs, id)
			}
		}
		return true, nil, nil
	})
}

type topicMember struct {
	TopicArn string `xml:"TopicArn"`
}

type listTopicsResult struct {
	Topics    []topicMember `xml:"Topics>member"`
	NextToken string        `xml:"NextToken,omitempty"`
}

func page[T any](items []T, token string) ([]T, string, *apiError) {
	start := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", errInvalid("NextToken")
		}
		start = n
	}
	end := min(start+pageSize, len(items))
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next, nil
}

func opListTopics(s *Server, _ context.Context, form url.Values) (any, error) {
	return s.locked(func() (bool, any, error) {
		ts, next, err := page(s.sortedTopics(), form.Get("NextToken"))
		if err != nil {
			return false, nil, err
		}
		out := listTopicsResult{Topics: []topicMember{}, NextToken: next}
		for _, t := range ts {
			out.Topics = append(out.Topics, topicMember{TopicArn: t.ARN})
		}
		return false, out, nil
	})
}

type attributesResult struct {
	Attributes xmlMap `xml:"Attributes"`
}

func (s *Server) defaultTopicPolicy(arn string) string {
	return `{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{"AWS":"*"},` +
		`"Action":["SNS:GetTopicAttributes","SNS:SetTopicAttributes","SNS:AddPermission","SNS:RemovePermission","SNS:DeleteTopic","SNS:Subscribe","SNS:ListSubscriptionsByTopic","SNS:Publish"],` +
		`"Resource":"` + arn + `","Condition":{"StringEquals":{"AWS:SourceOwner":"` + s.cfg.AccountID + `"}}}]}`
}

const defaultDeliveryPolicy = `{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}}`

func opGetTopicAttributes(s *Server, _ context.Context, form url.Values) (any, error) {
	arn := form.Get("TopicArn")
	return s.locked(func() (bool, any, error) {
		t, ok := s.topics[arn]
		if !ok {
			return false, nil, errTopicNotFound()
		}
		confirmed, pending := 0, 0
		for _, sub := range s.subs {
			if sub.TopicARN != arn {
				continue
			}
			if sub.Pending {
				pending++
			} else {
				confirmed++
			}
		}
		attrs := map[string]string{
			"TopicArn": arn, "Owner": s.cfg.AccountID, "DisplayName": "",
			"Policy":                  s.defaultTopicPolicy(arn),
			"EffectiveDeliveryPolicy": defaultDeliveryPolicy,
			"SubscriptionsConfirmed":  strconv.Itoa(confirmed),
			"SubscriptionsPending":    strconv.Itoa(pending),
			"SubscriptionsDeleted":    "0",
		}
		for k, v := range t.Attrs {
			attrs[k] = v
		}
		return false, attributesResult{Attributes: toXMLMap(attrs)}, nil
	})
}

func opSetTopicAttributes(s *Server, _ context.Context, form url.Values) (any, error) {
	arn := form.Get("TopicArn")
	name, value := form.Get("AttributeName"), form.Get("AttributeValue")
	if err := validateTopicAttrs(map[string]string{name: value}); err != nil {
		return nil, err
	}
	if name == "FifoTopic" {
		return nil, errInvalid("AttributeName")
	}
	return s.locked(func() (bool, any, error) {
		t, ok := s.topics[arn]
		if !ok {
			return false, nil, errTopicNotFound()
		}
		t.Attrs[name] = value
		return true, nil, nil
	})
}

// ---- subscriptions

type subscribeResult struct {
	SubscriptionArn string `xml:"SubscriptionArn"`
}

// validateEndpoint checks an endpoint for its protocol: an SQS queue ARN for
// sqs, an address for e-mail.
func validateEndpoint(protocol, endpoint string) *apiError {
	switch protocol {
	case "sqs":
		parts := strings.Split(endpoint, ":")
		if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sqs" || parts[5] == "" {
			return errInvalid("SQS endpoint ARN")
		}
	case "email", "email-json":
		if at := strings.Index(endpoint, "@"); at <= 0 || at == len(endpoint)-1 {
			return errInvalid("Email address")
		}
	case "http", "https":
		if u, err := url.Parse(endpoint); err != nil || u.Scheme != protocol || u.Host == "" {
			return errInvalid("Endpoint must match the specified protocol")
		}
	default:
		if endpoint == "" {
			return errInvalid("Endpoint")
		}
	}
	return nil
}

// checkSubscriptionAttr validates one subscription attribute and returns its
// stored form (RawMessageDelivery lower-cased).
func checkSubscriptionAttr(name, value string) (string, *apiError) {
	if !settableSubscriptionAttrs[name] {
		return "", errInvalid("AttributeName")
	}
	switch name {
	case attrRawMessageDelivery:
		v := strings.ToLower(value)
		if v != "true" && v != "false" {
			return "", errInvalid("Attributes Reason: RawMessageDelivery: Invalid value [%s]. Must be true or false.", value)
		}
		return v, nil
	case attrFilterPolicyScope:
		if value != scopeAttributes && value != scopeBody {
			return "", errInvalid("Attributes Reason: FilterPolicyScope: Invalid value [%s]. Please use either MessageBody or MessageAttributes", value)
		}
	case "DeliveryPolicy", "RedrivePolicy", "ReplayPolicy":
		if value != "" && !json.Valid([]byte(value)) {
			return "", errInvalid("Attributes Reason: %s: the value is not valid JSON", name)
		}
	}
	return value, nil
}

// applySubscriptionAttrs validates attrs against sub's current ones and, when
// all are valid, sets them and compiles the filter policy.
func applySubscriptionAttrs(sub *subscription, attrs map[string]string) *apiError {
	next := map[string]string{}
	for k, v := range sub.Attrs {
		next[k] = v
	}
	for k, v := range attrs {
		clean, err := checkSubscriptionAttr(k, v)
		if err != nil {
			return err
		}
		if k == attrRawMessageDelivery && clean == "true" && sub.Protocol != "sqs" && sub.Protocol != "http" && sub.Protocol != "https" && sub.Protocol != "firehose" {
			return errInvalid("Attributes Reason: Delivery protocol [%s] does not support raw message delivery.", sub.Protocol)
		}
		next[k] = clean
	}
	var filter *filterPolicy
	if p := next[attrFilterPolicy]; p != "" && p != "{}" {
		f, err := parseFilterPolicy(p, next[attrFilterPolicyScope])
		if err != nil {
			return err
		}
		filter = f
	} else {
		delete(next, attrFilterPolicy)
	}
	if _, ok := next[attrFilterPolicy]; ok {
		if next[attrFilterPolicyScope] == "" {
			next[attrFilterPolicyScope] = scopeAttributes
		}
	}
	sub.Attrs, sub.filter = next, filter
	return nil
}

func opSubscribe(s *Server, _ context.Context, form url.Values) (any, error) {
	topicARN, protocol, endpoint := form.Get("TopicArn"), form.Get("Protocol"), form.Get("Endpoint")
	if !protocols[protocol] {
		return nil, errInvalid("Amazon SNS does not support this protocol string: %s", protocol)
	}
	if err := validateEndpoint(protocol, endpoint); err != nil {
		return nil, err
	}
	attrs := formMap(form, "Attributes", "key", "value")
	returnARN := strings.EqualFold(form.Get("ReturnSubscriptionArn"), "true")
	return s.locked(func() (bool, any, error) {
		if _, ok := s.topics[topicARN]; !ok {
			return false, nil, errTopicNotFound()
		}
		for _, sub := range s.sortedSubs(topicARN) {
			if sub.Protocol != protocol || sub.Endpoint != endpoint {
				continue
			}
			probe := &subscription{Protocol: protocol, Attrs: sub.Attrs}
			if err := applySubscriptionAttrs(probe, attrs); err != nil {
				return false, nil, err
			}
			for k, v := range probe.Attrs {
				if sub.Attrs[k] != v {
					return false, nil, errInvalid("Attributes Reason: Subscription already exists with different attributes")
				}
			}
			return false, subscribeResult{SubscriptionArn: sub.visibleARN(returnARN)}, nil
		}
		sub := &subscription{
			ARN: topicARN + ":" + newUUID(), TopicARN: topicARN, Protocol: protocol, Endpoint: endpoint,
			Attrs: map[string]string{}, Pending: protocol == "email" || protocol == "email-json" || protocol == "http" || protocol == "https",
		}
		if err := applySubscriptionAttrs(sub, attrs); err != nil {
			return false, nil, err
		}
		sub.Order = s.nextOrder()
		s.subs[sub.ARN] = sub
		return true, subscribeResult{SubscriptionArn: sub.visibleARN(returnARN)}, nil
	})
}

// visibleARN is what Subscribe and the lists show: "pending confirmation" for
// a subscription awaiting confirmation, unless the caller asked for the ARN.
func (sub *subscription) visibleARN(returnARN bool) string {
	if sub.Pending && !returnARN {
		return "pending confirmation"
	}
	return sub.ARN
}

// opUnsubscribe deletes a subscription; an unknown one succeeds, as in SNS.
func opUnsubscribe(s *Server, _ context.Context, form url.Values) (any, error) {
	arn := form.Get("SubscriptionArn")
	if arn == "" {
		return nil, errInvalid("SubscriptionArn")
	}
	return s.locked(func() (bool, any, error) {
		if _, ok := s.subs[arn]; !ok {
			return false, nil, nil
		}
		delete(s.subs, arn)
		return true, nil, nil
	})
}

type subscriptionMember struct {
	SubscriptionArn string `xml:"SubscriptionArn"`
	Owner           string `xml:"Owner"`
	Protocol        string `xml:"Protocol"`
	Endpoint        string `xml:"Endpoint"`
	TopicArn        string `xml:"TopicArn"`
}

type listSubscriptionsResult struct {
	Subscriptions []subscriptionMember `xml:"Subscriptions>member"`
	NextToken     string               `xml:"NextToken,omitempty"`
}

func (s *Server) listSubscriptions(topicARN, token string) (any, error) {
	return s.locked(func() (bool, any, error) {
		if topicARN != "" {
			if _, ok := s.topics[topicARN]; !ok {
				return false, nil, errTopicNotFound()
			}
		}
		subs, next, err := page(s.sortedSubs(topicARN), token)
		if err != nil {
			return false, nil, err
		}
		out := listSubscriptionsResult{Subscriptions: []subscriptionMember{}, NextToken: next}
		for _, sub := range subs {
			arn := sub.ARN
			if sub.Pending {
				arn = "PendingConfirmation"
			}
			out.Subscriptions = append(out.Subscriptions, subscriptionMember{
				SubscriptionArn: arn, Owner: s.cfg.AccountID, Protocol: sub.Protocol, Endpoint: sub.Endpoint, TopicArn: sub.TopicARN,
			})
		}
		return false, out, nil
	})
}

func opListSubscriptions(s *Server, _ context.Context, form url.Values) (any, error) {
	return s.listSubscriptions("", form.Get("NextToken"))
}

func opListSubscriptionsByTopic(s *Server, _ context.Context, form url.Values) (any, error) {
	arn := form.Get("TopicArn")
	if arn == "" {
		return nil, errInvalid("TopicArn")
	}
	return s.listSubscriptions(arn, form.Get("NextToken"))
}

func opGetSubscriptionAttributes(s *Server, _ context.Context, form url.Values) (any, error) {
	arn := form.Get("SubscriptionArn")
	return s.locked(func() (bool, any, error) {
		sub, ok := s.subs[arn]
		if !ok {
			return false, nil, errSubscriptionNotFound()
		}
		attrs := map[string]string{
			"SubscriptionArn": sub.ARN, "TopicArn": sub.TopicARN, "Owner": s.cfg.AccountID,
			"Protocol": sub.Protocol, "Endpoint": sub.Endpoint,
			"ConfirmationWasAuthenticated": strconv.FormatBool(!sub.Pending),
			"PendingConfirmation":          strconv.FormatBool(sub.Pending),
			attrRawMessageDelivery:         "false",
			"EffectiveDeliveryPolicy":      defaultDeliveryPolicy,
		}
		for k, v := range sub.Attrs {
			attrs[k] = v
		}
		return false, attributesResult{Attributes: toXMLMap(attrs)}, nil
	})
}

func opSetSubscriptionAttributes(s *Server, _ context.Context, form url.Values) (any, error) {
	arn := form.Get("SubscriptionArn")
	name, value := form.Get("AttributeName"), form.Get("AttributeValue")
	if !settableSubscriptionAttrs[name] {
		return nil, errInvalid("AttributeName")
	}
	return s.locked(func() (bool, any, error) {
		sub, ok := s.subs[arn]
		if !ok {
			return false, nil, errSubscriptionNotFound()
		}
		if err := applySubscriptionAttrs(sub, map[string]string{name: value}); err != nil {
			return false, nil, err
		}
		return true, nil, nil
	})
}
