package sns

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const (
	maxMessageBytes  = 256 * 1024 // a message with its attributes, and a whole batch
	maxBatchEntries  = 10
	maxSubjectLength = 100
)

var (
	attributeNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,256}$`)
	batchEntryIDPattern  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)
)

// published is one message to publish, from Publish or a batch entry.
type published struct {
	Message   string
	Subject   *string
	Structure string
	Attrs     map[string]Attribute
}

// readPublished reads a message's fields under prefix ("" for Publish,
// "PublishBatchRequestEntries.member.N." for a batch entry). It returns the
// message's size in bytes, which counts towards SNS's limits.
func readPublished(form url.Values, prefix string) (published, int, *apiError) {
	p := published{Message: form.Get(prefix + "Message"), Structure: form.Get(prefix + "MessageStructure")}
	if v, ok := optional(form, prefix+"Subject"); ok {
		p.Subject = &v
	}
	size := len(p.Message)
	for n := 1; ; n++ {
		base := prefix + "MessageAttributes.entry." + strconv.Itoa(n) + "."
		names, ok := form[base+"Name"]
		if !ok {
			break
		}
		name := names[0]
		a := Attribute{DataType: form.Get(base + "Value.DataType"), StringValue: form.Get(base + "Value.StringValue")}
		if b64, ok := optional(form, base+"Value.BinaryValue"); ok {
			raw, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				return p, 0, errorf(codeParameterValueInvalid, "The message attribute '%s' has an invalid binary value.", name)
			}
			a.BinaryValue = raw
		}
		if err := validateAttribute(name, a); err != nil {
			return p, 0, err
		}
		if p.Attrs == nil {
			p.Attrs = map[string]Attribute{}
		}
		p.Attrs[name] = a
		size += len(name) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
	}
	return p, size, nil
}

// validateAttribute applies SNS's rules for a message attribute's name, type
// and value.
func validateAttribute(name string, a Attribute) *apiError {
	lower := strings.ToLower(name)
	if !attributeNamePattern.MatchString(name) || strings.HasPrefix(lower, "aws.") || strings.HasPrefix(lower, "amazon.") ||
		strings.Contains(name, "..") || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") {
		return errorf(codeParameterValueInvalid, "The message attribute name '%s' is invalid. Attribute name can contain A-Z, a-z, 0-9, underscore (_), hyphen (-), and period (.) characters.", name)
	}
	if a.DataType == "" {
		return errorf(codeParameterValueInvalid, "The message attribute '%s' must contain non-empty message attribute type.", name)
	}
	prefix, _, _ := strings.Cut(a.DataType, ".")
	switch prefix {
	case "String", "Number":
		if a.StringValue == "" {
			return errorf(codeParameterValueInvalid, "The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, a.DataType)
		}
		if prefix == "Number" {
			if _, err := strconv.ParseFloat(strings.TrimSpace(a.StringValue), 64); err != nil {
				return errorf(codeParameterValueInvalid, "Could not cast message attribute '%s' value to number.", name)
			}
		}
		if a.DataType == "String.Array" {
			var arr []any
			if err := json.Unmarshal([]byte(a.StringValue), &arr); err != nil {
				return errorf(codeParameterValueInvalid, "The message attribute '%s' with type 'String.Array' has an invalid value.", name)
			}
			for _, v := range arr {
				if _, isObj := v.(map[string]any); isObj {
					return errorf(codeParameterValueInvalid, "The message attribute '%s' with type 'String.Array' has an invalid value.", name)
				}
			}
		}
	case "Binary":
		if len(a.BinaryValue) == 0 {
			return errorf(codeParameterValueInvalid, "The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, a.DataType)
		}
	default:
		return errorf(codeParameterValueInvalid, "The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", name)
	}
	return nil
}

// check applies the per-message rules of Publish and of a batch entry.
func (p published) check(size int) *apiError {
	if p.Message == "" {
		return errInvalid("Empty message")
	}
	if size > maxMessageBytes {
		return errInvalid("Message too long")
	}
	if p.Subject != nil && (*p.Subject == "" || len(*p.Subject) > maxSubjectLength) {
		return errInvalid("Subject")
	}
	switch p.Structure {
	case "":
	case "json":
		var m map[string]any
		if err := json.Unmarshal([]byte(p.Message), &m); err != nil {
			return errInvalid("Message Structure - JSON message body failed to parse")
		}
		if _, ok := m["default"].(string); !ok {
			return errInvalid("Message Structure - No default entry in JSON message body")
		}
	default:
		return errInvalid("MessageStructure")
	}
	return nil
}

// bodyFor is the message a protocol gets: with MessageStructure json, its
// own entry or the default one.
func (p published) bodyFor(protocol string) string {
	if p.Structure != "json" {
		return p.Message
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(p.Message), &m)
	if v, ok := m[protocol].(string); ok {
		return v
	}
	v, _ := m["default"].(string)
	return v
}

// delivery is one message bound for one queue.
type delivery struct {
	sub      *subscription
	queueARN string
	msg      QueueMessage
}

// route picks the subscriptions of a topic whose filter accepts p and builds
// what each of them gets. It runs under the server lock.
func (s *Server) route(t *topic, messageID string, p published, now time.Time) []delivery {
	var out []delivery
	for _, sub := range s.sortedSubs(t.ARN) {
		if sub.Protocol != "sqs" {
			if sub.Protocol != "email" && sub.Protocol != "email-json" || !sub.Pending {
				s.log.Info("sns delivery skipped: only sqs subscriptions are delivered locally", "subscription", sub.ARN, "protocol", sub.Protocol)
			}
			continue
		}
		if sub.filter != nil && !sub.filter.matches(p.Attrs, p.Message) {
			continue
		}
		body := p.bodyFor(sub.Protocol)
		d := delivery{sub: sub, queueARN: sub.Endpoint}
		if sub.Attrs[attrRawMessageDelivery] == "true" {
			d.msg = QueueMessage{Body: body, Attributes: p.Attrs}
		} else {
			d.msg = QueueMessage{Body: s.envelope(t, sub, messageID, p, body, now)}
		}
		out = append(out, d)
	}
	return out
}

// notification is SNS's JSON envelope, its fields in the order SNS writes
// them.
type notification struct {
	Type              string                  `json:"Type"`
	MessageID         string                  `json:"MessageId"`
	TopicARN          string                  `json:"TopicArn"`
	Subject           *string                 `json:"Subject,omitempty"`
	Message           string                  `json:"Message"`
	Timestamp         string                  `json:"Timestamp"`
	SignatureVersion  string                  `json:"SignatureVersion"`
	Signature         string                  `json:"Signature"`
	SigningCertURL    string                  `json:"SigningCertURL"`
	UnsubscribeURL    string                  `json:"UnsubscribeURL"`
	MessageAttributes map[string]envelopeAttr `json:"MessageAttributes,omitempty"`
}

type envelopeAttr struct {
	Type  string `json:"Type"`
	Value string `json:"Value"`
}

// envelope wraps a message as SNS does for a subscription without raw
// delivery. The signature is a digest, not an RSA signature: nothing local
// holds SNS's signing key, and consumers do not verify queue deliveries.
func (s *Server) envelope(t *topic, sub *subscription, messageID string, p published, body string, now time.Time) string {
	n := notification{
		Type: "Notification", MessageID: messageID, TopicARN: t.ARN, Subject: p.Subject, Message: body,
		Timestamp:        now.UTC().Format("2006-01-02T15:04:05.000Z"),
		SignatureVersion: "1",
		SigningCertURL:   "https://sns." + s.cfg.Region + ".amazonaws.com/SimpleNotificationService-local.pem",
		UnsubscribeURL:   "https://sns." + s.cfg.Region + ".amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + url.QueryEscape(sub.ARN),
	}
	sum := sha256.Sum256([]byte("Message\n" + body + "\nMessageId\n" + messageID + "\nTimestamp\n" + n.Timestamp + "\nTopicArn\n" + t.ARN + "\nType\nNotification\n"))
	n.Signature = base64.StdEncoding.EncodeToString(sum[:])
	if len(p.Attrs) > 0 {
		n.MessageAttributes = map[string]envelopeAttr{}
		for name, a := range p.Attrs {
			v := a.StringValue
			if strings.HasPrefix(a.DataType, "Binary") {
				v = base64.StdEncoding.EncodeToString(a.BinaryValue)
			}
			n.MessageAttributes[name] = envelopeAttr{Type: a.DataType, Value: v}
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(n)
	return strings.TrimSuffix(b.String(), "\n")
}

// deliver hands the messages to their queues, outside the server lock. A
// failure is logged and the message dropped.
func (s *Server) deliver(ctx context.Context, ds []delivery) {
	for _, d := range ds {
		if s.cfg.DeliverToQueue == nil {
			s.log.Warn("sns delivery dropped: no queue service configured", "subscription", d.sub.ARN, "queue", d.queueARN)
			continue
		}
		if err := s.cfg.DeliverToQueue(context.WithoutCancel(ctx), d.queueARN, d.msg); err != nil {
			s.log.Warn("sns delivery failed", "subscription", d.sub.ARN, "queue", d.queueARN, "err", err)
		}
	}
}

type publishResult struct {
	MessageId string `xml:"MessageId"`
}

func targetTopic(form url.Values) (string, *apiError) {
	arn := form.Get("TopicArn")
	if arn == "" {
		arn = form.Get("TargetArn")
	}
	if arn == "" {
		if form.Get("PhoneNumber") != "" {
			return "", errInvalid("PhoneNumber Reason: SMS is not supported by the local SNS emulator")
		}
		return "", errInvalid("TopicArn or TargetArn Reason: no value for required parameter")
	}
	return arn, nil
}

func opPublish(s *Server, ctx context.Context, form url.Values) (any, error) {
	arn, aerr := targetTopic(form)
	if aerr != nil {
		return nil, aerr
	}
	p, size, aerr := readPublished(form, "")
	if aerr != nil {
		return nil, aerr
	}
	if aerr := p.check(size); aerr != nil {
		return nil, aerr
	}
	var ds []delivery
	id := newUUID()
	_, err := s.locked(func() (bool, any, error) {
		t, ok := s.topics[arn]
		if !ok {
			return false, nil, errTopicNotFound()
		}
		ds = s.route(t, id, p, s.now())
		return false, nil, nil
	})
	if err != nil {
		return nil, err
	}
	s.deliver(ctx, ds)
	return publishResult{MessageId: id}, nil
}

type batchSuccess struct {
	Id        string `xml:"Id"`
	MessageId string `xml:"MessageId"`
}

type batchFailure struct {
	Id          string `xml:"Id"`
	Code        string `xml:"Code"`
	Message     string `xml:"Message"`
	SenderFault bool   `xml:"SenderFault"`
}

type publishBatchResult struct {
	Successful []batchSuccess `xml:"Successful>member"`
	Failed     []batchFailure `xml:"Failed>member"`
}

func opPublishBatch(s *Server, ctx context.Context, form url.Values) (any, error) {
	arn := form.Get("TopicArn")
	if arn == "" {
		return nil, errInvalid("TopicArn")
	}
	type entry struct {
		id   string
		p    published
		size int
		err  *apiError
	}
	var entries []entry
	seen := map[string]bool{}
	total := 0
	for n := 1; ; n++ {
		prefix := "PublishBatchRequestEntries.member." + strconv.Itoa(n) + "."
		ids, ok := form[prefix+"Id"]
		if !ok {
			break
		}
		e := entry{id: ids[0]}
		e.p, e.size, e.err = readPublished(form, prefix)
		if e.err == nil {
			e.err = e.p.check(e.size)
		}
		entries = append(entries, e)
		total += e.size
	}
	switch {
	case len(entries) == 0:
		return nil, errorf(codeEmptyBatch, "The batch request doesn't contain any entries.")
	case len(entries) > maxBatchEntries:
		return nil, errorf(codeTooManyEntries, "The batch request contains more entries than permissible.")
	}
	for _, e := range entries {
		if !batchEntryIDPattern.MatchString(e.id) {
			return nil, errorf(codeInvalidBatchEntryID, "The Id of a batch entry in a batch request doesn't abide by the specification.")
		}
		if seen[e.id] {
			return nil, errorf(codeBatchEntryIDsNotDistinct, "Two or more batch entries in the request have the same Id.")
		}
		seen[e.id] = true
	}
	if total > maxMessageBytes {
		return nil, errorf(codeBatchRequestTooLong, "The length of all the messages put together is more than the limit.")
	}
	out := publishBatchResult{Successful: []batchSuccess{}, Failed: []batchFailure{}}
	var ds []delivery
	_, err := s.locked(func() (bool, any, error) {
		t, ok := s.topics[arn]
		if !ok {
			return false, nil, errTopicNotFound()
		}
		now := s.now()
		for _, e := range entries {
			if e.err != nil {
				out.Failed = append(out.Failed, batchFailure{Id: e.id, Code: e.err.Code, Message: e.err.Message, SenderFault: true})
				continue
			}
			id := newUUID()
			ds = append(ds, s.route(t, id, e.p, now)...)
			out.Successful = append(out.Successful, batchSuccess{Id: e.id, MessageId: id})
		}
		return false, nil, nil
	})
	if err != nil {
		return nil, err
	}
	s.deliver(ctx, ds)
	return out, nil
}
