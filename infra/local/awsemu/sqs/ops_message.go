package sqs

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"
)

const maxBatchEntries = 10

var (
	batchEntryIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)
	fifoIDPattern       = regexp.MustCompile("^[A-Za-z0-9!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~]{1,128}$")
)

// sendEntry is one message to send, from SendMessage or a batch entry.
type sendEntry struct {
	ID                      *string              `json:"Id"`
	QueueURL                *string              `json:"QueueUrl"`
	MessageBody             *string              `json:"MessageBody"`
	DelaySeconds            *int64               `json:"DelaySeconds"`
	MessageAttributes       map[string]attrValue `json:"MessageAttributes"`
	MessageSystemAttributes map[string]attrValue `json:"MessageSystemAttributes"`
	MessageDeduplicationID  *string              `json:"MessageDeduplicationId"`
	MessageGroupID          *string              `json:"MessageGroupId"`
}

type sendResult struct {
	ID                           string `json:"Id,omitempty"`
	MessageID                    string `json:"MessageId"`
	MD5OfMessageBody             string `json:"MD5OfMessageBody"`
	MD5OfMessageAttributes       string `json:"MD5OfMessageAttributes,omitempty"`
	MD5OfMessageSystemAttributes string `json:"MD5OfMessageSystemAttributes,omitempty"`
	SequenceNumber               string `json:"SequenceNumber,omitempty"`
}

type batchError struct {
	ID          string `json:"Id"`
	SenderFault bool   `json:"SenderFault"`
	Code        string `json:"Code"`
	Message     string `json:"Message"`
}

func batchFailure(id string, err *apiError) batchError {
	return batchError{ID: id, SenderFault: err.Status < 500, Code: err.Code, Message: err.Message}
}

func opSendMessage(s *Server, r request, in *sendEntry) (any, error) {
	return s.locked(func() (any, error) {
		q, err := s.lookupQueue(in.QueueURL)
		if err != nil {
			return nil, err
		}
		if q.cfg.FIFO && (in.MessageGroupID == nil || *in.MessageGroupID == "") {
			return nil, errMissing("MessageGroupId")
		}
		res, err := s.sendLocked(q, in)
		if err != nil {
			return nil, err
		}
		return res, nil
	})
}

// sendLocked validates and enqueues one message. A FIFO duplicate inside the
// deduplication window is accepted and reported with the original ID.
func (s *Server) sendLocked(q *queue, in *sendEntry) (sendResult, *apiError) {
	if err := validateBody(in.MessageBody); err != nil {
		return sendResult{}, err
	}
	attrSize, err := validateMessageAttributes(in.MessageAttributes)
	if err != nil {
		return sendResult{}, err
	}
	trace, err := validateSystemAttributes(in.MessageSystemAttributes)
	if err != nil {
		return sendResult{}, err
	}
	body := *in.MessageBody
	if len(body)+attrSize > q.cfg.MaxSize {
		return sendResult{}, errorf(codeInvalidParameterValue, "One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", q.cfg.MaxSize)
	}
	delay := int64(q.cfg.Delay)
	if in.DelaySeconds != nil {
		if q.cfg.FIFO {
			return sendResult{}, errInvalidValue("DelaySeconds", *in.DelaySeconds, "The request include parameter that is not valid for this queue type.")
		}
		if *in.DelaySeconds < 0 || *in.DelaySeconds > maxDelaySeconds {
			return sendResult{}, errInvalidValue("DelaySeconds", *in.DelaySeconds, "DelaySeconds must be >= 0 and <= 900.")
		}
		delay = *in.DelaySeconds
	}
	group, dedup := deref(in.MessageGroupID), deref(in.MessageDeduplicationID)
	if !q.cfg.FIFO {
		if in.MessageGroupID != nil {
			return sendResult{}, errInvalidValue("MessageGroupId", group, "The request include parameter that is not valid for this queue type.")
		}
		if in.MessageDeduplicationID != nil {
			return sendResult{}, errInvalidValue("MessageDeduplicationId", dedup, "The request include parameter that is not valid for this queue type.")
		}
	} else {
		if group == "" {
			return sendResult{}, errMissing("MessageGroupId")
		}
		if !fifoIDPattern.MatchString(group) {
			return sendResult{}, errInvalidValue("MessageGroupId", group, "MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.")
		}
		if dedup == "" {
			if !q.cfg.ContentBasedDedup {
				return sendResult{}, errorf(codeInvalidParameterValue, "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
			}
			sum := sha256.Sum256([]byte(body))
			dedup = hex.EncodeToString(sum[:])
		} else if !fifoIDPattern.MatchString(dedup) {
			return sendResult{}, errInvalidValue("MessageDeduplicationId", dedup, "MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.")
		}
	}

	attrs := cleanAttrs(in.MessageAttributes)
	res := sendResult{
		ID:                     deref(in.ID),
		MD5OfMessageBody:       md5Hex(body),
		MD5OfMessageAttributes: md5OfAttributes(attrs),
	}
	now := s.nowMillis()
	m := &message{
		ID: newUUID(), Body: body, Attrs: attrs, TraceHeader: trace,
		SenderID: defaultSenderID, SentAt: now, GroupID: group,
	}
	res.MD5OfMessageSystemAttributes = md5OfAttributes(m.systemAttrs())
	if q.cfg.FIFO {
		key := dedup
		if q.cfg.DedupScope == deduplicationScopeGroup {
			key = group + "\x00" + dedup
		}
		s.expireDedup(q, now)
		if e, ok := q.dedup[key]; ok {
			res.MessageID, res.SequenceNumber = e.MessageID, e.SequenceNumber
			return res, nil
		}
		m.DedupID = dedup
		m.SequenceNumber = s.nextFIFOSequence(now)
		e := dedupEntry{MessageID: m.ID, SequenceNumber: m.SequenceNumber, Expires: now + dedupWindow.Milliseconds()}
		q.dedup[key] = e
		s.logRec(record{Op: recDedup, Name: q.cfg.Name, Key: key, Dedup: &e})
	}
	if delay > 0 {
		m.DelayUntil = now + delay*1000
	}
	m.Seq = s.nextSeq()
	q.add(m)
	s.logRec(record{Op: recMessage, Name: q.cfg.Name, Msg: m})
	q.wake()
	res.MessageID, res.SequenceNumber = m.ID, m.SequenceNumber
	return res, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Server) nextSeq() uint64 {
	s.msgSeq++
	return s.msgSeq
}

// nextFIFOSequence hands out 20-digit, strictly increasing sequence numbers.
// They start from the clock so they keep increasing across restarts even
// though deleted messages take their numbers with them.
func (s *Server) nextFIFOSequence(nowMillis int64) string {
	floor := uint64(nowMillis) * 1_000_000
	if s.fifoSeq+1 > floor {
		floor = s.fifoSeq + 1
	}
	s.fifoSeq = floor
	return fmt.Sprintf("%020d", floor)
}

func (s *Server) expireDedup(q *queue, now int64) {
	for k, e := range q.dedup {
		if e.Expires <= now {
			delete(q.dedup, k)
		}
	}
}

// expireLocked drops messages older than the queue's retention period.
func (s *Server) expireLocked(q *queue, now int64) {
	limit := int64(q.cfg.Retention) * 1000
	kept := q.msgs[:0]
	for _, m := range q.msgs {
		if now-m.SentAt >= limit {
			delete(q.byID, m.ID)
			s.logRec(record{Op: recMessageDelete, Name: q.cfg.Name, ID: m.ID})
			continue
		}
		kept = append(kept, m)
	}
	for i := len(kept); i < len(q.msgs); i++ {
		q.msgs[i] = nil
	}
	q.msgs = kept
}

type sendMessageBatchInput struct {
	QueueURL *string     `json:"QueueUrl"`
	Entries  []sendEntry `json:"Entries"`
}

type sendMessageBatchOutput struct {
	Successful []sendResult `json:"Successful"`
	Failed     []batchError `json:"Failed"`
}

// checkBatchIDs applies the checks every batch operation shares.
func checkBatchIDs(kind string, ids []*string) *apiError {
	if len(ids) == 0 {
		return errorf(codeEmptyBatchRequest, "There should be at least one %sRequestEntry in the request.", kind)
	}
	if len(ids) > maxBatchEntries {
		return errorf(codeTooManyEntriesInBatchRequest, "Maximum number of entries per request are %d. You have sent %d.", maxBatchEntries, len(ids))
	}
	for _, id := range ids {
		if id == nil || !batchEntryIDPattern.MatchString(*id) {
			return errorf(codeInvalidBatchEntryID, "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")
		}
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[*id] {
			return errorf(codeBatchEntryIdsNotDistinct, "Id %s repeated.", *id)
		}
		seen[*id] = true
	}
	return nil
}

func opSendMessageBatch(s *Server, r request, in *sendMessageBatchInput) (any, error) {
	return s.locked(func() (any, error) {
		q, err := s.lookupQueue(in.QueueURL)
		if err != nil {
			return nil, err
		}
		ids := make([]*string, len(in.Entries))
		total := 0
		for i := range in.Entries {
			ids[i] = in.Entries[i].ID
			total += len(deref(in.Entries[i].MessageBody))
			for name, a := range in.Entries[i].MessageAttributes {
				total += len(name) + len(a.DataType) + len(a.str()) + len(a.BinaryValue)
			}
		}
		if err := checkBatchIDs("SendMessageBatch", ids); err != nil {
			return nil, err
		}
		if total > maxMessageBytes {
			return nil, errorf(codeBatchRequestTooLong, "Batch requests cannot be longer than %d bytes. You have sent %d bytes.", maxMessageBytes, total)
		}
		if q.cfg.FIFO {
			for _, e := range in.Entries {
				if deref(e.MessageGroupID) == "" {
					return nil, errMissing("MessageGroupId")
				}
			}
		}
		out := sendMessageBatchOutput{Successful: []sendResult{}, Failed: []batchError{}}
		for i := range in.Entries {
			res, err := s.sendLocked(q, &in.Entries[i])
			if err != nil {
				out.Failed = append(out.Failed, batchFailure(*in.Entries[i].ID, err))
				continue
			}
			out.Successful = append(out.Successful, res)
		}
		return out, nil
	})
}

type receiveMessageInput struct {
	QueueURL                    *string  `json:"QueueUrl"`
	AttributeNames              []string `json:"AttributeNames"`
	MessageSystemAttributeNames []string `json:"MessageSystemAttributeNames"`
	MessageAttributeNames       []string `json:"MessageAttributeNames"`
	MaxNumberOfMessages         *int64   `json:"MaxNumberOfMessages"`
	VisibilityTimeout           *int64   `json:"VisibilityTimeout"`
	WaitTimeSeconds             *int64   `json:"WaitTimeSeconds"`
	ReceiveRequestAttemptID     *string  `json:"ReceiveRequestAttemptId"`
}

type receivedMessage struct {
	MessageID              string               `json:"MessageId"`
	ReceiptHandle          string               `json:"ReceiptHandle"`
	MD5OfBody              string               `json:"MD5OfBody"`
	Body                   string               `json:"Body"`
	Attributes             map[string]string    `json:"Attributes,omitempty"`
	MD5OfMessageAttributes string               `json:"MD5OfMessageAttributes,omitempty"`
	MessageAttributes      map[string]attrValue `json:"MessageAttributes,omitempty"`
}

type receiveMessageOutput struct {
	Messages []receivedMessage `json:"Messages,omitempty"`
}

// opReceiveMessage receives up to MaxNumberOfMessages. With a wait time it
// long-polls: it sleeps on the queue's notify channel, and on a timer for the
// next delayed or in-flight message to become visible, so it returns as soon
// as a message is available.
func opReceiveMessage(s *Server, r request, in *receiveMessageInput) (any, error) {
	var (
		deadline time.Time
		first    = true
		max      = 1
		vt       int64
	)
	for {
		var (
			notify <-chan struct{}
			sleep  time.Duration
		)
		out, err := s.locked(func() (any, error) {
			q, err := s.lookupQueue(in.QueueURL)
			if err != nil {
				if first {
					return nil, err
				}
				return receiveMessageOutput{}, nil
			}
			if first {
				wait, err := s.validateReceive(q, in)
				if err != nil {
					return nil, err
				}
				deadline = time.Now().Add(time.Duration(wait) * time.Second)
				if in.MaxNumberOfMessages != nil {
					max = int(*in.MaxNumberOfMessages)
				}
			}
			// A message takes the queue's visibility timeout as it is when the
			// message is received (a long poll may span a change of it).
			vt = int64(q.cfg.Visibility)
			if in.VisibilityTimeout != nil {
				vt = *in.VisibilityTimeout
			}
			now := s.nowMillis()
			got := s.receiveLocked(q, max, vt, now)
			if len(got) > 0 || !time.Now().Before(deadline) {
				return s.renderReceived(q, got, in), nil
			}
			notify = q.notify
			sleep = time.Until(deadline)
			if next := q.nextChange(now); next > 0 {
				if d := time.Duration(next-now) * time.Millisecond; d < sleep {
					sleep = d
				}
			}
			return nil, nil
		})
		first = false
		if err != nil || out != nil {
			return out, err
		}
		timer := time.NewTimer(sleep)
		select {
		case <-notify:
		case <-timer.C:
		case <-r.ctx.Done():
			timer.Stop()
			return receiveMessageOutput{}, nil
		case <-s.closed:
			timer.Stop()
			return receiveMessageOutput{}, nil
		}
		timer.Stop()
	}
}

func (s *Server) validateReceive(q *queue, in *receiveMessageInput) (int64, *apiError) {
	if n := in.MaxNumberOfMessages; n != nil && (*n < 1 || *n > maxBatchEntries) {
		return 0, errInvalidValue("MaxNumberOfMessages", *n, "Must be between 1 and 10, if provided.")
	}
	wait := int64(q.cfg.ReceiveWait)
	if w := in.WaitTimeSeconds; w != nil {
		if *w < 0 || *w > maxWaitSeconds {
			return 0, errInvalidValue("WaitTimeSeconds", *w, "Must be >= 0 and <= 20, if provided.")
		}
		wait = *w
	}
	if v := in.VisibilityTimeout; v != nil && (*v < 0 || *v > maxVisibilitySeconds) {
		return 0, errInvalidValue("VisibilityTimeout", *v, "Must be between 0 and 43200, if provided.")
	}
	return wait, nil
}

// nextChange is the earliest time a delayed or in-flight message becomes
// visible, or 0 if none will.
func (q *queue) nextChange(now int64) int64 {
	var next int64
	for _, m := range q.msgs {
		if t := m.nextChange(now); t > 0 && (next == 0 || t < next) {
			next = t
		}
	}
	return next
}

// receiveLocked takes up to max visible messages, oldest first, starts their
// visibility timeout and moves those past maxReceiveCount to the dead-letter
// queue instead of returning them. In a FIFO queue a message group with a
// message in flight is skipped entirely, which keeps each group in order.
func (s *Server) receiveLocked(q *queue, max int, vt int64, now int64) []*message {
	s.expireLocked(q, now)
	var dlq *queue
	if q.cfg.Redrive != nil {
		if d := s.queueByARN(q.cfg.Redrive.DeadLetterTargetARN); d != nil && d != q {
			dlq = d
		}
	}
	blocked := map[string]bool{}
	if q.cfg.FIFO {
		for _, m := range q.msgs {
			if m.inflight(now) {
				blocked[m.GroupID] = true
			}
		}
	}
	var out []*message
	for _, m := range append([]*message(nil), q.msgs...) {
		if len(out) >= max {
			break
		}
		if q.cfg.FIFO && blocked[m.GroupID] {
			continue
		}
		if !m.visible(now) {
			if q.cfg.FIFO {
				blocked[m.GroupID] = true
			}
			continue
		}
		if dlq != nil && m.ReceiveCount >= q.cfg.Redrive.MaxReceiveCount {
			s.moveToDeadLetter(q, dlq, m)
			continue
		}
		m.ReceiveCount++
		if m.FirstReceiveAt == 0 {
			m.FirstReceiveAt = now
		}
		m.LastReceiveAt = now
		m.VisibleAt = now + vt*1000
		m.Receipt = randomHex(8)
		s.logState(q, m)
		out = append(out, m)
	}
	return out
}

// moveToDeadLetter moves a message that exhausted its receives. It keeps its
// ID, body, attributes and SentTimestamp and starts a new receive count, as
// SQS does, and remembers the source queue for redrive.
func (s *Server) moveToDeadLetter(src, dlq *queue, m *message) {
	src.remove(m.ID)
	s.logRec(record{Op: recMessageDelete, Name: src.cfg.Name, ID: m.ID})
	moved := *m
	moved.msgState = msgState{}
	moved.DelayUntil = 0
	moved.SourceARN = s.queueARN(src.cfg.Name)
	moved.Seq = s.nextSeq()
	if _, clash := dlq.byID[moved.ID]; clash {
		moved.ID = newUUID()
	}
	dlq.add(&moved)
	s.logRec(record{Op: recMessage, Name: dlq.cfg.Name, Msg: &moved})
	dlq.wake()
	s.log.Info("sqs message moved to dead-letter queue", "queue", src.cfg.Name, "dlq", dlq.cfg.Name, "message_id", m.ID, "receives", m.ReceiveCount)
}

func (s *Server) renderReceived(q *queue, msgs []*message, in *receiveMessageInput) receiveMessageOutput {
	if len(msgs) == 0 {
		return receiveMessageOutput{}
	}
	want := wantedSystemAttributes(in.AttributeNames, in.MessageSystemAttributeNames)
	out := receiveMessageOutput{Messages: make([]receivedMessage, 0, len(msgs))}
	for _, m := range msgs {
		attrs := selectAttributes(m.Attrs, in.MessageAttributeNames)
		out.Messages = append(out.Messages, receivedMessage{
			MessageID:              m.ID,
			ReceiptHandle:          encodeHandle(q.cfg.Name, m.ID, m.Receipt),
			MD5OfBody:              md5Hex(m.Body),
			Body:                   m.Body,
			Attributes:             m.renderSystemAttributes(want, q.cfg.FIFO),
			MD5OfMessageAttributes: md5OfAttributes(attrs),
			MessageAttributes:      attrs,
		})
	}
	return out
}

// receiptHandle identifies one receive of one message. Only the handle from
// the latest receive deletes; older ones are accepted and do nothing.
type receiptHandle struct {
	queue, messageID, nonce string
}

func encodeHandle(queueName, messageID, nonce string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(queueName + "\n" + messageID + "\n" + nonce))
}

func decodeHandle(h string) (receiptHandle, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return receiptHandle{}, false
	}
	parts := strings.Split(string(raw), "\n")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return receiptHandle{}, false
	}
	return receiptHandle{queue: parts[0], messageID: parts[1], nonce: parts[2]}, true
}

type deleteMessageInput struct {
	QueueURL      *string `json:"QueueUrl"`
	ReceiptHandle *string `json:"ReceiptHandle"`
}

func opDeleteMessage(s *Server, r request, in *deleteMessageInput) (any, error) {
	return s.locked(func() (any, error) {
		q, err := s.lookupQueue(in.QueueURL)
		if err != nil {
			return nil, err
		}
		if in.ReceiptHandle == nil || *in.ReceiptHandle == "" {
			return nil, errMissing("ReceiptHandle")
		}
		if err := s.deleteLocked(q, *in.ReceiptHandle); err != nil {
			if err.Code == codeReceiptHandleIsInvalid {
				return nil, errInvalidHandle()
			}
			return nil, err
		}
		return struct{}{}, nil
	})
}

// deleteLocked deletes the message a handle points at. A well-formed handle
// for a message already gone, or from an earlier receive, succeeds without
// deleting anything, as in SQS.
func (s *Server) deleteLocked(q *queue, handle string) *apiError {
	h, ok := decodeHandle(handle)
	if !ok || h.queue != q.cfg.Name {
		return errInvalidHandleFor(handle)
	}
	m, ok := q.byID[h.messageID]
	if !ok || m.Receipt != h.nonce {
		return nil
	}
	q.remove(m.ID)
	s.logRec(record{Op: recMessageDelete, Name: q.cfg.Name, ID: m.ID})
	if q.cfg.FIFO {
		// The message's group may now hand out its next message.
		q.wake()
	}
	return nil
}

type batchEntry struct {
	ID                *string `json:"Id"`
	ReceiptHandle     *string `json:"ReceiptHandle"`
	VisibilityTimeout *int64  `json:"VisibilityTimeout"`
}

type batchInput struct {
	QueueURL *string      `json:"QueueUrl"`
	Entries  []batchEntry `json:"Entries"`
}

type batchIDResult struct {
	ID string `json:"Id"`
}

type batchOutput struct {
	Successful []batchIDResult `json:"Successful"`
	Failed     []batchError    `json:"Failed"`
}

func (s *Server) checkHandleBatch(kind string, in *batchInput) (*queue, *apiError) {
	q, err := s.lookupQueue(in.QueueURL)
	if err != nil {
		return nil, err
	}
	ids := make([]*string, len(in.Entries))
	for i := range in.Entries {
		ids[i] = in.Entries[i].ID
	}
	if err := checkBatchIDs(kind, ids); err != nil {
		return nil, err
	}
	// moto also refuses the same receipt handle twice in one batch.
	handles := map[string]bool{}
	for _, e := range in.Entries {
		h := deref(e.ReceiptHandle)
		if h != "" && handles[h] {
			return nil, errorf(codeBatchEntryIdsNotDistinct, "Id %s repeated.", *e.ID)
		}
		handles[h] = true
	}
	return q, nil
}

func opDeleteMessageBatch(s *Server, r request, in *batchInput) (any, error) {
	return s.locked(func() (any, error) {
		q, err := s.checkHandleBatch("DeleteMessageBatch", in)
		if err != nil {
			return nil, err
		}
		out := batchOutput{Successful: []batchIDResult{}, Failed: []batchError{}}
		for _, e := range in.Entries {
			if err := s.deleteLocked(q, deref(e.ReceiptHandle)); err != nil {
				out.Failed = append(out.Failed, batchFailure(*e.ID, err))
				continue
			}
			out.Successful = append(out.Successful, batchIDResult{ID: *e.ID})
		}
		return out, nil
	})
}

type changeVisibilityInput struct {
	QueueURL          *string `json:"QueueUrl"`
	ReceiptHandle     *string `json:"ReceiptHandle"`
	VisibilityTimeout *int64  `json:"VisibilityTimeout"`
}

func opChangeMessageVisibility(s *Server, r request, in *changeVisibilityInput) (any, error) {
	return s.locked(func() (any, error) {
		q, err := s.lookupQueue(in.QueueURL)
		if err != nil {
			return nil, err
		}
		if in.ReceiptHandle == nil || *in.ReceiptHandle == "" {
			return nil, errMissing("ReceiptHandle")
		}
		if in.VisibilityTimeout == nil {
			return nil, errMissing("VisibilityTimeout")
		}
		if err := s.changeVisibilityLocked(q, *in.ReceiptHandle, *in.VisibilityTimeout); err != nil {
			if err.Code == codeReceiptHandleIsInvalid {
				return nil, errInvalidHandle()
			}
			return nil, err
		}
		return struct{}{}, nil
	})
}

// changeVisibilityLocked restarts a received message's visibility timeout.
// Like SQS it honours a handle from an earlier receive while the message is
// in flight, and refuses messages that are not in flight.
func (s *Server) changeVisibilityLocked(q *queue, handle string, vt int64) *apiError {
	if vt < 0 || vt > maxVisibilitySeconds {
		return errInvalidValue("VisibilityTimeout", vt, "Must be between 0 and 43200, if provided.")
	}
	h, ok := decodeHandle(handle)
	if !ok || h.queue != q.cfg.Name {
		return errInvalidHandleFor(handle)
	}
	m, ok := q.byID[h.messageID]
	if !ok {
		return errInvalidHandleFor(handle)
	}
	now := s.nowMillis()
	if !m.inflight(now) {
		return errorf(codeMessageNotInflight, "The message referred to isn't in flight.")
	}
	if (now-m.LastReceiveAt)/1000+vt > maxVisibilitySeconds {
		return errInvalidValue("VisibilityTimeout", vt, "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]")
	}
	m.VisibleAt = now + vt*1000
	s.logState(q, m)
	if vt == 0 {
		q.wake()
	}
	return nil
}

func opChangeMessageVisibilityBatch(s *Server, r request, in *batchInput) (any, error) {
	return s.locked(func() (any, error) {
		q, err := s.checkHandleBatch("ChangeMessageVisibilityBatch", in)
		if err != nil {
			return nil, err
		}
		out := batchOutput{Successful: []batchIDResult{}, Failed: []batchError{}}
		for _, e := range in.Entries {
			var vt int64
			if e.VisibilityTimeout != nil {
				vt = *e.VisibilityTimeout
			}
			if err := s.changeVisibilityLocked(q, deref(e.ReceiptHandle), vt); err != nil {
				out.Failed = append(out.Failed, batchFailure(*e.ID, err))
				continue
			}
			out.Successful = append(out.Successful, batchIDResult{ID: *e.ID})
		}
		return out, nil
	})
}
