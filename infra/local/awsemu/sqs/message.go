package sqs

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"regexp"
	"strconv"
	"strings"
)

const (
	maxMessageAttributes = 10
	transportString      = 1
	transportBinary      = 2
	sysAttrTraceHeader   = "AWSTraceHeader"
)

// Message system attribute names returned by ReceiveMessage.
const (
	msgAttrSenderID         = "SenderId"
	msgAttrSentTimestamp    = "SentTimestamp"
	msgAttrReceiveCount     = "ApproximateReceiveCount"
	msgAttrFirstReceive     = "ApproximateFirstReceiveTimestamp"
	msgAttrSequenceNumber   = "SequenceNumber"
	msgAttrDedupID          = "MessageDeduplicationId"
	msgAttrGroupID          = "MessageGroupId"
	msgAttrDeadLetterSource = "DeadLetterQueueSourceArn"
)

var attributeNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,256}$`)

// attrValue is a message attribute as it travels on the wire and in the log.
type attrValue struct {
	DataType         string   `json:"DataType"`
	StringValue      *string  `json:"StringValue,omitempty"`
	BinaryValue      []byte   `json:"BinaryValue,omitempty"`
	StringListValues []string `json:"StringListValues,omitempty"`
	BinaryListValues [][]byte `json:"BinaryListValues,omitempty"`
}

func (a attrValue) isBinary() bool { return strings.HasPrefix(a.DataType, "Binary") }

func (a attrValue) str() string {
	if a.StringValue == nil {
		return ""
	}
	return *a.StringValue
}

// msgState is the part of a message that changes after it is sent; the log
// records it on its own so a receive does not rewrite the body.
type msgState struct {
	ReceiveCount   int    `json:"receives,omitempty"`
	FirstReceiveAt int64  `json:"firstReceive,omitempty"`
	LastReceiveAt  int64  `json:"lastReceive,omitempty"`
	VisibleAt      int64  `json:"visibleAt,omitempty"`
	Receipt        string `json:"receipt,omitempty"`
}

// message is one stored message. Times are Unix milliseconds.
type message struct {
	ID             string               `json:"id"`
	Seq            uint64               `json:"seq"`
	Body           string               `json:"body"`
	Attrs          map[string]attrValue `json:"attrs,omitempty"`
	TraceHeader    string               `json:"trace,omitempty"`
	SenderID       string               `json:"sender,omitempty"`
	SentAt         int64                `json:"sent"`
	DelayUntil     int64                `json:"delayUntil,omitempty"`
	GroupID        string               `json:"group,omitempty"`
	DedupID        string               `json:"dedup,omitempty"`
	SequenceNumber string               `json:"seqNum,omitempty"`
	SourceARN      string               `json:"source,omitempty"`
	msgState
}

func (m *message) delayed(now int64) bool { return now < m.DelayUntil }

// inflight is true between a receive and the end of its visibility timeout.
func (m *message) inflight(now int64) bool { return m.Receipt != "" && now < m.VisibleAt }

func (m *message) visible(now int64) bool { return !m.delayed(now) && !m.inflight(now) }

// nextChange is when the message next becomes visible, or 0 if it already is.
func (m *message) nextChange(now int64) int64 {
	switch {
	case m.delayed(now):
		return m.DelayUntil
	case m.inflight(now):
		return m.VisibleAt
	}
	return 0
}

func (m *message) systemAttrs() map[string]attrValue {
	if m.TraceHeader == "" {
		return nil
	}
	v := m.TraceHeader
	return map[string]attrValue{sysAttrTraceHeader: {DataType: "String", StringValue: &v}}
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// md5OfAttributes implements the documented SQS digest: attributes sorted by
// name, each as length-prefixed name, length-prefixed type, one transport
// byte and the length-prefixed value. It returns "" for no attributes.
func md5OfAttributes(attrs map[string]attrValue) string {
	if len(attrs) == 0 {
		return ""
	}
	h := md5.New()
	for _, name := range sortedKeys(attrs) {
		a := attrs[name]
		writeLengthPrefixed(h, []byte(name))
		writeLengthPrefixed(h, []byte(a.DataType))
		if a.isBinary() {
			h.Write([]byte{transportBinary})
			writeLengthPrefixed(h, a.BinaryValue)
		} else {
			h.Write([]byte{transportString})
			writeLengthPrefixed(h, []byte(a.str()))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeLengthPrefixed(h hash.Hash, b []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	h.Write(n[:])
	h.Write(b)
}

// invalidCharacter returns the first rune SQS refuses in message content
// (the XML 1.0 character set), or -1 if there is none.
func invalidCharacter(s string) rune {
	for _, r := range s {
		switch {
		case r == 0x9 || r == 0xA || r == 0xD:
		case r >= 0x20 && r <= 0xD7FF:
		case r >= 0xE000 && r <= 0xFFFD:
		case r >= 0x10000 && r <= 0x10FFFF:
		default:
			return r
		}
	}
	return -1
}

func errInvalidCharacter(r rune, where string) *apiError {
	return errorf(codeInvalidMessageContents, "Invalid binary character '#x%X' was found in the %s, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF", r, where)
}

// validateBody checks a message body for presence and allowed characters.
func validateBody(body *string) *apiError {
	if body == nil || *body == "" {
		return errMissing("MessageBody")
	}
	if r := invalidCharacter(*body); r >= 0 {
		return errInvalidCharacter(r, "message body")
	}
	return nil
}

// validateMessageAttributes applies SQS's rules for user message attributes
// and returns their size in bytes, which counts towards the message size.
func validateMessageAttributes(attrs map[string]attrValue) (int, *apiError) {
	if len(attrs) > maxMessageAttributes {
		return 0, errorf(codeInvalidParameterValue, "Number of message attributes [%d] exceeds the allowed maximum [%d].", len(attrs), maxMessageAttributes)
	}
	size := 0
	for _, name := range sortedKeys(attrs) {
		a := attrs[name]
		lower := strings.ToLower(name)
		if !attributeNamePattern.MatchString(name) || strings.HasPrefix(lower, "aws.") || strings.HasPrefix(lower, "amazon.") ||
			strings.Contains(name, "..") || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") {
			return 0, errorf(codeMessageAttributesInvalid, "The message attribute name '%s' is invalid. Attribute name can contain A-Z, a-z, 0-9, underscore (_), hyphen (-), and period (.) characters.", name)
		}
		if err := validateAttrValue(name, a); err != nil {
			return 0, err
		}
		size += len(name) + len(a.DataType) + len(a.str()) + len(a.BinaryValue)
	}
	return size, nil
}

func validateAttrValue(name string, a attrValue) *apiError {
	if a.DataType == "" {
		return errorf(codeMessageAttributesInvalid, "The message attribute '%s' must contain non-empty message attribute type.", name)
	}
	prefix, _, _ := strings.Cut(a.DataType, ".")
	switch prefix {
	case "String", "Number":
		if a.str() == "" {
			return errorf(codeMessageAttributesInvalid, "The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, a.DataType)
		}
		if r := invalidCharacter(a.str()); r >= 0 {
			return errInvalidCharacter(r, fmt.Sprintf("message attribute '%s'", name))
		}
		if prefix == "Number" {
			if _, err := strconv.ParseFloat(strings.TrimSpace(a.str()), 64); err != nil {
				return errorf(codeMessageAttributesInvalid, "Can't cast message attribute '%s' value '%s' to a number.", name, a.str())
			}
		}
	case "Binary":
		if len(a.BinaryValue) == 0 {
			return errorf(codeMessageAttributesInvalid, "The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, a.DataType)
		}
	default:
		return errorf(codeMessageAttributesInvalid, "The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", name)
	}
	return nil
}

// validateSystemAttributes accepts only AWSTraceHeader, the one system
// attribute a sender may set, and returns its value.
func validateSystemAttributes(attrs map[string]attrValue) (string, *apiError) {
	trace := ""
	for _, name := range sortedKeys(attrs) {
		a := attrs[name]
		if name != sysAttrTraceHeader {
			return "", errorf(codeInvalidParameterValue, "Message system attribute name '%s' is invalid.", name)
		}
		if a.DataType != "String" || a.str() == "" {
			return "", errorf(codeInvalidParameterValue, "Message system attribute '%s' must contain a non-empty String value.", name)
		}
		trace = a.str()
	}
	return trace, nil
}

// cleanAttrs keeps only what SQS stores: list values are reserved by the API
// and never returned.
func cleanAttrs(attrs map[string]attrValue) map[string]attrValue {
	if len(attrs) == 0 {
		return nil
	}
	out := make(map[string]attrValue, len(attrs))
	for k, a := range attrs {
		v := attrValue{DataType: a.DataType}
		if a.isBinary() {
			v.BinaryValue = a.BinaryValue
		} else {
			s := a.str()
			v.StringValue = &s
		}
		out[k] = v
	}
	return out
}

// selectAttributes filters message attributes by ReceiveMessage's
// MessageAttributeNames: "All", ".*", "prefix.*" or exact names.
func selectAttributes(attrs map[string]attrValue, names []string) map[string]attrValue {
	if len(attrs) == 0 || len(names) == 0 {
		return nil
	}
	out := map[string]attrValue{}
	for _, want := range names {
		if want == "All" || want == ".*" {
			return attrs
		}
		if prefix, ok := strings.CutSuffix(want, ".*"); ok {
			for k, v := range attrs {
				if strings.HasPrefix(k, prefix+".") {
					out[k] = v
				}
			}
			continue
		}
		if v, ok := attrs[want]; ok {
			out[want] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// wantedSystemAttributes merges AttributeNames and MessageSystemAttributeNames
// into the set of system attributes to return.
func wantedSystemAttributes(lists ...[]string) map[string]bool {
	want := map[string]bool{}
	for _, l := range lists {
		for _, n := range l {
			want[n] = true
		}
	}
	return want
}

func (m *message) renderSystemAttributes(want map[string]bool, fifo bool) map[string]string {
	all := want["All"]
	out := map[string]string{}
	add := func(name, value string, present bool) {
		if present && (all || want[name]) {
			out[name] = value
		}
	}
	add(msgAttrSenderID, m.SenderID, true)
	add(msgAttrSentTimestamp, strconv.FormatInt(m.SentAt, 10), true)
	add(msgAttrReceiveCount, strconv.Itoa(m.ReceiveCount), true)
	add(msgAttrFirstReceive, strconv.FormatInt(m.FirstReceiveAt, 10), true)
	add(msgAttrSequenceNumber, m.SequenceNumber, fifo && m.SequenceNumber != "")
	add(msgAttrDedupID, m.DedupID, fifo && m.DedupID != "")
	add(msgAttrGroupID, m.GroupID, fifo && m.GroupID != "")
	add(msgAttrDeadLetterSource, m.SourceARN, m.SourceARN != "")
	// moto and SQS hand the trace header back whenever a message carries one.
	if m.TraceHeader != "" {
		out[sysAttrTraceHeader] = m.TraceHeader
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
