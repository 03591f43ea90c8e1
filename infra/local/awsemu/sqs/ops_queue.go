package sqs

import (
	"encoding/base64"
	"sort"
	"strconv"
	"strings"
)

const (
	maxListResults = 1000
	maxTagKeyLen   = 128
)

type createQueueInput struct {
	QueueName  *string
	Attributes map[string]string
	Tags       map[string]string `json:"tags"`
}

type queueURLOutput struct {
	QueueURL string `json:"QueueUrl"`
}

func opCreateQueue(s *Server, r request, in *createQueueInput) (any, error) {
	return s.locked(func() (any, error) {
		if in.QueueName == nil {
			return nil, errMissing("QueueName")
		}
		name := *in.QueueName
		// The FifoQueue attribute decides the type; a ".fifo" name without it
		// is an invalid standard queue name, as in SQS.
		fifo := false
		if v, ok := in.Attributes[attrFifoQueue]; ok {
			var err *apiError
			if fifo, err = parseBoolAttr(attrFifoQueue, v); err != nil {
				return nil, err
			}
		}
		if err := validQueueName(name, fifo); err != nil {
			return nil, err
		}
		if q, ok := s.queues[name]; ok {
			return s.createExisting(r, q, in.Attributes)
		}
		now := s.now()
		cfg := defaultConfig(name, fifo, now)
		if err := s.applyAttributes(&cfg, in.Attributes, true); err != nil {
			return nil, err
		}
		if err := validateTags(name, in.Tags, 0); err != nil {
			return nil, err
		}
		if len(in.Tags) > 0 {
			cfg.Tags = copyTags(in.Tags)
		}
		s.order++
		cfg.Order = s.order
		q := newQueue(cfg)
		s.queues[name] = q
		s.logQueue(q)
		s.log.Info("sqs queue created", "queue", name, "fifo", fifo)
		return queueURLOutput{QueueURL: s.queueURL(r.host, name)}, nil
	})
}

// createExisting makes CreateQueue idempotent: the same name with the same
// attribute values returns the URL, a different value is QueueNameExists.
// Tags are ignored for an existing queue, as in SQS.
func (s *Server) createExisting(r request, q *queue, attrs map[string]string) (any, error) {
	candidate := q.cfg
	if err := s.applyAttributes(&candidate, attrs, true); err != nil {
		return nil, err
	}
	now := s.nowMillis()
	probe := &queue{cfg: candidate}
	for _, name := range sortedKeys(attrs) {
		was, _ := s.attribute(q, name, now)
		will, _ := s.attribute(probe, name, now)
		if was != will {
			return nil, errorf(codeQueueNameExists, "A queue already exists with the same name and a different value for attribute %s", name)
		}
	}
	return queueURLOutput{QueueURL: s.queueURL(r.host, q.cfg.Name)}, nil
}

func validateTags(queueName string, tags map[string]string, existing int) *apiError {
	if existing+len(tags) > maxTagsPerQueue {
		return errorf(codeInvalidParameterValue, "Too many tags added for queue %s.", queueName)
	}
	for k := range tags {
		if k == "" || len(k) > maxTagKeyLen {
			return errorf(codeInvalidParameterValue, "Tag keys must be between 1 and 128 characters in length.")
		}
	}
	return nil
}

func copyTags(tags map[string]string) map[string]string {
	out := make(map[string]string, len(tags))
	for k, v := range tags {
		out[k] = v
	}
	return out
}

type getQueueURLInput struct {
	QueueName       *string
	QueueOwnerAWSID *string `json:"QueueOwnerAWSAccountId"`
}

func opGetQueueURL(s *Server, r request, in *getQueueURLInput) (any, error) {
	return s.locked(func() (any, error) {
		if in.QueueName == nil || *in.QueueName == "" {
			return nil, errMissing("QueueName")
		}
		if in.QueueOwnerAWSID != nil && *in.QueueOwnerAWSID != s.cfg.AccountID {
			return nil, errQueueDoesNotExist()
		}
		if _, ok := s.queues[*in.QueueName]; !ok {
			return nil, errQueueDoesNotExist()
		}
		return queueURLOutput{QueueURL: s.queueURL(r.host, *in.QueueName)}, nil
	})
}

type listQueuesInput struct {
	QueueNamePrefix *string
	MaxResults      *int64
	NextToken       *string
}

type listQueuesOutput struct {
	QueueURLs []string `json:"QueueUrls,omitempty"`
	NextToken string   `json:",omitempty"`
}

func opListQueues(s *Server, r request, in *listQueuesInput) (any, error) {
	return s.locked(func() (any, error) {
		var names []*queue
		for _, q := range s.queues {
			if in.QueueNamePrefix == nil || strings.HasPrefix(q.cfg.Name, *in.QueueNamePrefix) {
				names = append(names, q)
			}
		}
		page, next, err := paginate(names, in.MaxResults, in.NextToken)
		if err != nil {
			return nil, err
		}
		out := listQueuesOutput{NextToken: next}
		for _, q := range page {
			out.QueueURLs = append(out.QueueURLs, s.queueURL(r.host, q.cfg.Name))
		}
		return out, nil
	})
}

// paginate orders queues by creation and cuts a page. Without MaxResults it
// returns up to 1000 queues and no token, like SQS.
func paginate(qs []*queue, maxResults *int64, token *string) ([]*queue, string, *apiError) {
	sort.Slice(qs, func(i, j int) bool { return qs[i].cfg.Order < qs[j].cfg.Order })
	limit := maxListResults
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > maxListResults {
			return nil, "", errInvalidValue("MaxResults", *maxResults, "MaxResults must be an integer between 1 and 1000.")
		}
		limit = int(*maxResults)
	}
	if token != nil && *token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(*token)
		after, perr := strconv.ParseUint(string(raw), 10, 64)
		if err != nil || perr != nil {
			return nil, "", errorf(codeInvalidParameterValue, "Invalid NextToken value.")
		}
		i := sort.Search(len(qs), func(i int) bool { return qs[i].cfg.Order > after })
		qs = qs[i:]
	}
	if len(qs) <= limit {
		return qs, "", nil
	}
	page := qs[:limit]
	next := ""
	if maxResults != nil {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatUint(page[len(page)-1].cfg.Order, 10)))
	}
	return page, next, nil
}

type queueURLInput struct {
	QueueURL *string `json:"QueueUrl"`
}

func opDeleteQueue(s *Server, r request, in *queueURLInput) (any, error) {
	return s.locked(func() (any, error) {
		q, err := s.lookupQueue(in.QueueURL)
		if err != nil {
			return nil, err
		}
		delete(s.queues, q.cfg.Name)
		q.wake()
		s.logRec(record{Op: recQueueDelete, Name: q.cfg.Name})
		s.log.Info("sqs queue deleted", "queue", q.cfg.Name)
		return struct{}{}, nil
	})
}

type getQueueAttributesInput struct {
	QueueURL       *string `json:"QueueUrl"`
	AttributeNames []string
}

type attributesOutput struct {
	Attributes map[string]string `json:",omitempty"`
}

func opGetQueueAttributes(s *Server, r request, in *getQueueAttributesInput) (any, error) {
	return s.locked(func() (any, error) {
		q, err := s.lookupQueue(in.QueueURL)
		if err != nil {
			return nil, err
		}
		if in.AttributeNames != nil && len(in.AttributeNames) == 0 {
			return nil, errorf(codeInvalidAttributeName, "Unknown Attribute .")
		}
		for _, n := range in.AttributeNames {
			if !knownAttribute(n) {
				return nil, errorf(codeInvalidAttributeName, "Unknown Attribute %s.", n)
			}
		}
		now := s.nowMillis()
		s.expireLocked(q, now)
		names := in.AttributeNames
		for _, n := range in.AttributeNames {
			if n == attrAll {
				names = allAttributes
				break
			}
		}
		out := map[string]string{}
		for _, n := range names {
			if v, ok := s.attribute(q, n, now); ok {
				out[n] = v
			}
		}
		if len(out) == 0 {
			return attributesOutput{}, nil
		}
		return attributesOutput{Attributes: out}, nil
	})
}

type setQueueAttributesInput struct {
	QueueURL   *string `json:"QueueUrl"`
	Attributes map[string]string
}

func opSetQueueAttributes(s *Server, r request, in *setQueueAttributesInput) (any, error) {
	return s.locked(func() (any, error) {
		q, err := s.lookupQueue(in.QueueURL)
		if err != nil {
			return nil, err
		}
		if in.Attributes == nil {
			return nil, errMissing("Attributes")
		}
		cfg := q.cfg
		if err := s.applyAttributes(&cfg, in.Attributes, false); err != nil {
			return nil, err
		}
		cfg.Modified = s.now().Unix()
		q.cfg = cfg
		s.logQueue(q)
		q.wake()
		return struct{}{}, nil
	})
}

func opPurgeQueue(s *Server, r request, in *queueURLInput) (any, error) {
	return s.locked(func() (any, error) {
		q, err := s.lookupQueue(in.QueueURL)
		if err != nil {
			return nil, err
		}
		now := s.nowMillis()
		if q.cfg.LastPurge != 0 && now-q.cfg.LastPurge < purgeInterval.Milliseconds() {
			return nil, errorf(codePurgeQueueInProgress, "Only one PurgeQueue operation on %s is allowed every 60 seconds.", q.cfg.Name)
		}
		q.cfg.LastPurge = now
		q.msgs = nil
		q.byID = map[string]*message{}
		s.logRec(record{Op: recPurge, Name: q.cfg.Name})
		s.logQueue(q)
		q.wake()
		return struct{}{}, nil
	})
}

type tagQueueInput struct {
	QueueURL *string `json:"QueueUrl"`
	Tags     map[string]string
}

func opTagQueue(s *Server, r request, in *tagQueueInput) (any, error) {
	return s.locked(func() (any, error) {
		q, err := s.lookupQueue(in.QueueURL)
		if err != nil {
			return nil, err
		}
		if len(in.Tags) == 0 {
			return nil, errMissing("Tags")
		}
		merged := copyTags(q.cfg.Tags)
		for k, v := range in.Tags {
			merged[k] = v
		}
		if err := validateTags(q.cfg.Name, merged, 0); err != nil {
			return nil, err
		}
		q.cfg.Tags = merged
		s.logQueue(q)
		return struct{}{}, nil
	})
}

type untagQueueInput struct {
	QueueURL *string `json:"QueueUrl"`
	TagKeys  []string
}

func opUntagQueue(s *Server, r request, in *untagQueueInput) (any, error) {
	return s.locked(func() (any, error) {
		q, err := s.lookupQueue(in.QueueURL)
		if err != nil {
			return nil, err
		}
		if len(in.TagKeys) == 0 {
			return nil, errorf(codeInvalidParameterValue, "Tag keys must be between 1 and 128 characters in length.")
		}
		for _, k := range in.TagKeys {
			delete(q.cfg.Tags, k)
		}
		s.logQueue(q)
		return struct{}{}, nil
	})
}

type listQueueTagsOutput struct {
	Tags map[string]string
}

func opListQueueTags(s *Server, r request, in *queueURLInput) (any, error) {
	return s.locked(func() (any, error) {
		q, err := s.lookupQueue(in.QueueURL)
		if err != nil {
			return nil, err
		}
		// moto always returns the Tags key, so an untagged queue yields an
		// empty map rather than none.
		return listQueueTagsOutput{Tags: copyTags(q.cfg.Tags)}, nil
	})
}

type listDeadLetterSourceQueuesInput struct {
	QueueURL   *string `json:"QueueUrl"`
	MaxResults *int64
	NextToken  *string
}

type listDeadLetterSourceQueuesOutput struct {
	QueueURLs []string `json:"queueUrls"`
	NextToken string   `json:",omitempty"`
}

func opListDeadLetterSourceQueues(s *Server, r request, in *listDeadLetterSourceQueuesInput) (any, error) {
	return s.locked(func() (any, error) {
		dlq, err := s.lookupQueue(in.QueueURL)
		if err != nil {
			return nil, err
		}
		sources := s.deadLetterSources(s.queueARN(dlq.cfg.Name))
		page, next, err := paginate(sources, in.MaxResults, in.NextToken)
		if err != nil {
			return nil, err
		}
		out := listDeadLetterSourceQueuesOutput{QueueURLs: []string{}, NextToken: next}
		for _, q := range page {
			out.QueueURLs = append(out.QueueURLs, s.queueURL(r.host, q.cfg.Name))
		}
		return out, nil
	})
}

// deadLetterSources returns the queues whose redrive policy targets dlqARN.
func (s *Server) deadLetterSources(dlqARN string) []*queue {
	var out []*queue
	for _, q := range s.queues {
		if q.cfg.Redrive != nil && q.cfg.Redrive.DeadLetterTargetARN == dlqARN {
			out = append(out, q)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].cfg.Order < out[j].cfg.Order })
	return out
}
