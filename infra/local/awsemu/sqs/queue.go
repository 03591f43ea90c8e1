package sqs

import (
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Limits and defaults of real SQS (2024 values; the 256 KiB message limit is
// the one moto and the brief use).
const (
	maxMessageBytes      = 262144
	minMessageSizeAttr   = 1024
	maxVisibilitySeconds = 43200
	maxDelaySeconds      = 900
	maxWaitSeconds       = 20
	minRetentionSeconds  = 60
	maxRetentionSeconds  = 1209600
	defaultRetention     = 345600
	defaultVisibility    = 30
	maxReceiveCountLimit = 1000
	maxTagsPerQueue      = 50
	dedupWindow          = 5 * time.Minute
	purgeInterval        = 60 * time.Second
	defaultSenderID      = "AIDAIT2UOQQY3AUEKVGXU"
)

var (
	standardQueueName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)
	fifoQueueName     = regexp.MustCompile(`^[A-Za-z0-9_-]{1,75}\.fifo$`)
)

// Queue attribute names, as they appear on the wire.
const (
	attrAll                     = "All"
	attrQueueArn                = "QueueArn"
	attrApproxMessages          = "ApproximateNumberOfMessages"
	attrApproxNotVisible        = "ApproximateNumberOfMessagesNotVisible"
	attrApproxDelayed           = "ApproximateNumberOfMessagesDelayed"
	attrCreatedTimestamp        = "CreatedTimestamp"
	attrLastModifiedTimestamp   = "LastModifiedTimestamp"
	attrVisibilityTimeout       = "VisibilityTimeout"
	attrMaximumMessageSize      = "MaximumMessageSize"
	attrMessageRetentionPeriod  = "MessageRetentionPeriod"
	attrDelaySeconds            = "DelaySeconds"
	attrReceiveWaitTime         = "ReceiveMessageWaitTimeSeconds"
	attrPolicy                  = "Policy"
	attrRedrivePolicy           = "RedrivePolicy"
	attrRedriveAllowPolicy      = "RedriveAllowPolicy"
	attrKmsMasterKeyID          = "KmsMasterKeyId"
	attrKmsDataKeyReusePeriod   = "KmsDataKeyReusePeriodSeconds"
	attrSqsManagedSseEnabled    = "SqsManagedSseEnabled"
	attrFifoQueue               = "FifoQueue"
	attrContentBasedDedup       = "ContentBasedDeduplication"
	attrDeduplicationScope      = "DeduplicationScope"
	attrFifoThroughputLimit     = "FifoThroughputLimit"
	defaultKmsDataKeyReuse      = 300
	minKmsDataKeyReuse          = 60
	maxKmsDataKeyReuse          = 86400
	redrivePermissionAllowAll   = "allowAll"
	redrivePermissionDenyAll    = "denyAll"
	redrivePermissionByQueue    = "byQueue"
	deduplicationScopeQueue     = "queue"
	deduplicationScopeGroup     = "messageGroup"
	throughputLimitPerQueue     = "perQueue"
	throughputLimitPerGroupID   = "perMessageGroupId"
	redriveAllowMaxSourceQueues = 10
)

// allAttributes lists every attribute GetQueueAttributes knows, in the order
// "All" reports them.
var allAttributes = []string{
	attrQueueArn, attrApproxMessages, attrApproxNotVisible, attrApproxDelayed,
	attrCreatedTimestamp, attrLastModifiedTimestamp, attrVisibilityTimeout,
	attrMaximumMessageSize, attrMessageRetentionPeriod, attrDelaySeconds,
	attrReceiveWaitTime, attrPolicy, attrRedrivePolicy, attrRedriveAllowPolicy,
	attrKmsMasterKeyID, attrKmsDataKeyReusePeriod, attrSqsManagedSseEnabled,
	attrFifoQueue, attrContentBasedDedup, attrDeduplicationScope, attrFifoThroughputLimit,
}

// fifoOnlyAttributes may only be set on FIFO queues; SQS calls them unknown
// on standard queues.
var fifoOnlyAttributes = map[string]bool{
	attrContentBasedDedup: true, attrDeduplicationScope: true, attrFifoThroughputLimit: true,
}

// settableAttributes are the attributes CreateQueue and SetQueueAttributes
// accept; the others are read-only.
var settableAttributes = map[string]bool{
	attrVisibilityTimeout: true, attrMaximumMessageSize: true, attrMessageRetentionPeriod: true,
	attrDelaySeconds: true, attrReceiveWaitTime: true, attrPolicy: true, attrRedrivePolicy: true,
	attrRedriveAllowPolicy: true, attrKmsMasterKeyID: true, attrKmsDataKeyReusePeriod: true,
	attrSqsManagedSseEnabled: true, attrFifoQueue: true, attrContentBasedDedup: true,
	attrDeduplicationScope: true, attrFifoThroughputLimit: true,
}

// redrivePolicy is a queue's dead-letter configuration.
type redrivePolicy struct {
	DeadLetterTargetARN string `json:"deadLetterTargetArn"`
	MaxReceiveCount     int    `json:"maxReceiveCount"`
}

// queueConfig is everything about a queue except its messages; it is what
// the log stores for a queue.
type queueConfig struct {
	Name               string            `json:"name"`
	Order              uint64            `json:"order"`
	Created            int64             `json:"created"`
	Modified           int64             `json:"modified"`
	Visibility         int               `json:"visibility"`
	Retention          int               `json:"retention"`
	Delay              int               `json:"delay"`
	ReceiveWait        int               `json:"receiveWait"`
	MaxSize            int               `json:"maxSize"`
	Policy             string            `json:"policy,omitempty"`
	Redrive            *redrivePolicy    `json:"redrive,omitempty"`
	RedriveAllowPolicy string            `json:"redriveAllow,omitempty"`
	FIFO               bool              `json:"fifo,omitempty"`
	ContentBasedDedup  bool              `json:"contentBasedDedup,omitempty"`
	DedupScope         string            `json:"dedupScope,omitempty"`
	ThroughputLimit    string            `json:"throughputLimit,omitempty"`
	KmsMasterKeyID     string            `json:"kmsKey,omitempty"`
	KmsDataKeyReuse    int               `json:"kmsReuse,omitempty"`
	SqsManagedSSE      bool              `json:"sse"`
	Tags               map[string]string `json:"tags,omitempty"`
	LastPurge          int64             `json:"lastPurge,omitempty"`
}

// dedupEntry remembers a FIFO deduplication ID for the five-minute window.
type dedupEntry struct {
	MessageID      string `json:"id"`
	SequenceNumber string `json:"seq"`
	Expires        int64  `json:"expires"`
}

// queue is a queue and its messages, ordered oldest first.
type queue struct {
	cfg    queueConfig
	msgs   []*message
	byID   map[string]*message
	dedup  map[string]dedupEntry
	notify chan struct{}
}

func newQueue(cfg queueConfig) *queue {
	return &queue{cfg: cfg, byID: map[string]*message{}, dedup: map[string]dedupEntry{}, notify: make(chan struct{})}
}

// wake tells long-polling receivers that the queue changed.
func (q *queue) wake() {
	close(q.notify)
	q.notify = make(chan struct{})
}

// add appends a message; callers give it a sequence higher than any other.
func (q *queue) add(m *message) {
	q.msgs = append(q.msgs, m)
	q.byID[m.ID] = m
}

// remove deletes a message by ID and reports whether it was there.
func (q *queue) remove(id string) bool {
	m, ok := q.byID[id]
	if !ok {
		return false
	}
	delete(q.byID, id)
	i := sort.Search(len(q.msgs), func(i int) bool { return q.msgs[i].Seq >= m.Seq })
	if i < len(q.msgs) && q.msgs[i] == m {
		q.msgs = append(q.msgs[:i], q.msgs[i+1:]...)
	}
	return true
}

// sortMessages restores seq order after a replay that may interleave queues.
func (q *queue) sortMessages() {
	sort.Slice(q.msgs, func(i, j int) bool { return q.msgs[i].Seq < q.msgs[j].Seq })
}

func defaultConfig(name string, fifo bool, now time.Time) queueConfig {
	cfg := queueConfig{
		Name: name, Created: now.Unix(), Modified: now.Unix(),
		Visibility: defaultVisibility, Retention: defaultRetention, MaxSize: maxMessageBytes,
		SqsManagedSSE: true, FIFO: fifo,
	}
	if fifo {
		cfg.DedupScope = deduplicationScopeQueue
		cfg.ThroughputLimit = throughputLimitPerQueue
	}
	return cfg
}

func errFIFOQueueName() *apiError {
	return errorf(codeInvalidParameterValue, "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.")
}

func validQueueName(name string, fifo bool) *apiError {
	if fifo {
		if !fifoQueueName.MatchString(name) {
			return errFIFOQueueName()
		}
		return nil
	}
	if !standardQueueName.MatchString(name) {
		return errorf(codeInvalidParameterValue, "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	return nil
}

// sortedKeys returns a map's keys in order so validation reports the same
// attribute first every time.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func invalidAttrValue(name string) *apiError {
	return errorf(codeInvalidAttributeValue, "Invalid value for the parameter %s.", name)
}

func parseIntAttr(name, v string, lo, hi int) (int, *apiError) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < lo || n > hi {
		return 0, invalidAttrValue(name)
	}
	return n, nil
}

func parseBoolAttr(name, v string) (bool, *apiError) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, invalidAttrValue(name)
}

// applyAttributes validates attrs and sets them on cfg. creating is true for
// CreateQueue, where FifoQueue may be given; SetQueueAttributes cannot change
// the queue type.
func (s *Server) applyAttributes(cfg *queueConfig, attrs map[string]string, creating bool) *apiError {
	for _, name := range sortedKeys(attrs) {
		if !settableAttributes[name] || (fifoOnlyAttributes[name] && !cfg.FIFO) {
			return errorf(codeInvalidAttributeName, "Unknown Attribute %s.", name)
		}
	}
	for _, name := range sortedKeys(attrs) {
		v := attrs[name]
		var err *apiError
		switch name {
		case attrVisibilityTimeout:
			cfg.Visibility, err = parseIntAttr(name, v, 0, maxVisibilitySeconds)
		case attrMaximumMessageSize:
			cfg.MaxSize, err = parseIntAttr(name, v, minMessageSizeAttr, maxMessageBytes)
		case attrMessageRetentionPeriod:
			cfg.Retention, err = parseIntAttr(name, v, minRetentionSeconds, maxRetentionSeconds)
		case attrDelaySeconds:
			cfg.Delay, err = parseIntAttr(name, v, 0, maxDelaySeconds)
		case attrReceiveWaitTime:
			cfg.ReceiveWait, err = parseIntAttr(name, v, 0, maxWaitSeconds)
		case attrPolicy:
			if v != "" && !json.Valid([]byte(v)) {
				err = invalidAttrValue(name)
			}
			cfg.Policy = v
		case attrRedrivePolicy:
			cfg.Redrive, err = s.parseRedrivePolicy(cfg, v)
		case attrRedriveAllowPolicy:
			cfg.RedriveAllowPolicy, err = parseRedriveAllowPolicy(v)
		case attrKmsMasterKeyID:
			cfg.KmsMasterKeyID = v
			if v != "" {
				cfg.SqsManagedSSE = false
				if cfg.KmsDataKeyReuse == 0 {
					cfg.KmsDataKeyReuse = defaultKmsDataKeyReuse
				}
			}
		case attrKmsDataKeyReusePeriod:
			cfg.KmsDataKeyReuse, err = parseIntAttr(name, v, minKmsDataKeyReuse, maxKmsDataKeyReuse)
		case attrSqsManagedSseEnabled:
			cfg.SqsManagedSSE, err = parseBoolAttr(name, v)
		case attrFifoQueue:
			var fifo bool
			fifo, err = parseBoolAttr(name, v)
			if err == nil && fifo != cfg.FIFO {
				if creating {
					err = errFIFOQueueName()
				} else {
					err = errorf(codeInvalidAttributeValue, "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.")
				}
			}
		case attrContentBasedDedup:
			cfg.ContentBasedDedup, err = parseBoolAttr(name, v)
		case attrDeduplicationScope:
			if v != deduplicationScopeQueue && v != deduplicationScopeGroup {
				err = invalidAttrValue(name)
			}
			cfg.DedupScope = v
		case attrFifoThroughputLimit:
			if v != throughputLimitPerQueue && v != throughputLimitPerGroupID {
				err = invalidAttrValue(name)
			}
			cfg.ThroughputLimit = v
		}
		if err != nil {
			return err
		}
	}
	if cfg.KmsMasterKeyID == "" {
		cfg.KmsDataKeyReuse = 0
	}
	return nil
}

// parseRedrivePolicy checks a RedrivePolicy attribute: valid JSON naming an
// existing dead-letter queue of the same type that allows this source.
func (s *Server) parseRedrivePolicy(cfg *queueConfig, v string) (*redrivePolicy, *apiError) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(v), &raw); err != nil {
		return nil, errorf(codeInvalidParameterValue, "Redrive policy is not a dict or valid json")
	}
	if len(raw) == 0 {
		return nil, nil
	}
	target, ok := raw["deadLetterTargetArn"].(string)
	if !ok || target == "" {
		return nil, errorf(codeInvalidParameterValue, "Redrive policy does not contain deadLetterTargetArn")
	}
	var count int
	switch c := raw["maxReceiveCount"].(type) {
	case float64:
		count = int(c)
		if float64(count) != c {
			count = -1
		}
	case string:
		n, err := strconv.Atoi(c)
		if err != nil {
			n = -1
		}
		count = n
	case nil:
		return nil, errorf(codeInvalidParameterValue, "Redrive policy does not contain maxReceiveCount")
	default:
		count = -1
	}
	if count < 1 || count > maxReceiveCountLimit {
		return nil, errInvalidValue(attrRedrivePolicy, v, "Invalid value for maxReceiveCount: "+strconv.Itoa(count)+", valid values are from 1 to 1000 both inclusive.")
	}
	dlq := s.queueByARN(target)
	if dlq == nil {
		return nil, errorf(codeQueueDoesNotExist, "Could not find DLQ for %s", target)
	}
	if cfg.FIFO && !dlq.cfg.FIFO {
		return nil, errorf(codeInvalidParameterCombination, "Fifo queues cannot use non fifo dead letter queues")
	}
	if !cfg.FIFO && dlq.cfg.FIFO {
		return nil, errorf(codeInvalidParameterCombination, "Standard queues cannot use fifo dead letter queues")
	}
	if !redriveAllowed(dlq.cfg.RedriveAllowPolicy, s.queueARN(cfg.Name)) {
		return nil, errInvalidValue(attrRedrivePolicy, v, "Dead-letter queue's RedriveAllowPolicy does not allow this source queue.")
	}
	return &redrivePolicy{DeadLetterTargetARN: target, MaxReceiveCount: count}, nil
}

// redriveAllowPolicy is the RedriveAllowPolicy attribute of a dead-letter
// queue: which source queues may use it.
type redriveAllowPolicy struct {
	RedrivePermission string   `json:"redrivePermission"`
	SourceQueueARNs   []string `json:"sourceQueueArns,omitempty"`
}

func parseRedriveAllowPolicy(v string) (string, *apiError) {
	if strings.TrimSpace(v) == "" {
		return "", nil
	}
	var p redriveAllowPolicy
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return "", errInvalidValue(attrRedriveAllowPolicy, v, "Redrive allow policy is not a valid json.")
	}
	switch p.RedrivePermission {
	case redrivePermissionAllowAll, redrivePermissionDenyAll:
		if len(p.SourceQueueARNs) > 0 {
			return "", errInvalidValue(attrRedriveAllowPolicy, v, "Only byQueue redrivePermission accepts sourceQueueArns.")
		}
	case redrivePermissionByQueue:
		if len(p.SourceQueueARNs) == 0 || len(p.SourceQueueARNs) > redriveAllowMaxSourceQueues {
			return "", errInvalidValue(attrRedriveAllowPolicy, v, "byQueue redrivePermission requires 1 to 10 sourceQueueArns.")
		}
	default:
		return "", errInvalidValue(attrRedriveAllowPolicy, v, "redrivePermission must be one of allowAll, denyAll or byQueue.")
	}
	return v, nil
}

// redriveAllowed reports whether a dead-letter queue's RedriveAllowPolicy
// admits sourceARN; an absent policy allows every queue, as in SQS.
func redriveAllowed(policy, sourceARN string) bool {
	if policy == "" {
		return true
	}
	var p redriveAllowPolicy
	if err := json.Unmarshal([]byte(policy), &p); err != nil {
		return true
	}
	switch p.RedrivePermission {
	case redrivePermissionDenyAll:
		return false
	case redrivePermissionByQueue:
		for _, a := range p.SourceQueueARNs {
			if a == sourceARN {
				return true
			}
		}
		return false
	}
	return true
}

// counts returns how many messages are visible, in flight and delayed.
func (q *queue) counts(now int64) (visible, inflight, delayed int) {
	for _, m := range q.msgs {
		switch {
		case m.delayed(now):
			delayed++
		case m.inflight(now):
			inflight++
		default:
			visible++
		}
	}
	return visible, inflight, delayed
}

// attribute renders one queue attribute; ok is false when it is not set.
func (s *Server) attribute(q *queue, name string, now int64) (string, bool) {
	c := &q.cfg
	itoa := strconv.Itoa
	switch name {
	case attrQueueArn:
		return s.queueARN(c.Name), true
	case attrApproxMessages:
		v, _, _ := q.counts(now)
		return itoa(v), true
	case attrApproxNotVisible:
		_, f, _ := q.counts(now)
		return itoa(f), true
	case attrApproxDelayed:
		_, _, d := q.counts(now)
		return itoa(d), true
	case attrCreatedTimestamp:
		return strconv.FormatInt(c.Created, 10), true
	case attrLastModifiedTimestamp:
		return strconv.FormatInt(c.Modified, 10), true
	case attrVisibilityTimeout:
		return itoa(c.Visibility), true
	case attrMaximumMessageSize:
		return itoa(c.MaxSize), true
	case attrMessageRetentionPeriod:
		return itoa(c.Retention), true
	case attrDelaySeconds:
		return itoa(c.Delay), true
	case attrReceiveWaitTime:
		return itoa(c.ReceiveWait), true
	case attrPolicy:
		return c.Policy, c.Policy != ""
	case attrRedrivePolicy:
		if c.Redrive == nil {
			return "", false
		}
		b, _ := json.Marshal(c.Redrive)
		return string(b), true
	case attrRedriveAllowPolicy:
		return c.RedriveAllowPolicy, c.RedriveAllowPolicy != ""
	case attrKmsMasterKeyID:
		return c.KmsMasterKeyID, c.KmsMasterKeyID != ""
	case attrKmsDataKeyReusePeriod:
		return itoa(c.KmsDataKeyReuse), c.KmsMasterKeyID != ""
	case attrSqsManagedSseEnabled:
		return strconv.FormatBool(c.SqsManagedSSE), true
	case attrFifoQueue:
		if !c.FIFO {
			return "", false
		}
		return "true", true
	case attrContentBasedDedup:
		return strconv.FormatBool(c.ContentBasedDedup), c.FIFO
	case attrDeduplicationScope:
		return c.DedupScope, c.FIFO
	case attrFifoThroughputLimit:
		return c.ThroughputLimit, c.FIFO
	}
	return "", false
}

func knownAttribute(name string) bool {
	if name == attrAll {
		return true
	}
	for _, a := range allAttributes {
		if a == name {
			return true
		}
	}
	return false
}
