package sqs

import "errors"

// ErrNoSuchQueue is returned by Deliver when no queue has the given ARN.
var ErrNoSuchQueue = errors.New("the specified queue does not exist")

// Attribute is a message attribute handed to Deliver: DataType "String",
// "Number", "Binary" or one of them with a custom suffix ("String.Array"),
// and StringValue or, for Binary types, BinaryValue.
type Attribute struct {
	DataType    string
	StringValue string
	BinaryValue []byte
}

// Deliver enqueues a message on the queue with the given ARN as another AWS
// service does on its own behalf (SNS delivering to a subscribed queue): the
// same validation and limits as SendMessage and the queue's delay. It returns the new message's ID, ErrNoSuchQueue
// when the queue does not exist, or the SQS error that SendMessage would
// answer (an oversize body, an invalid attribute, a FIFO queue, which needs
// a message group SNS standard topics do not give).
func (s *Server) Deliver(queueARN, body string, attrs map[string]Attribute) (string, error) {
	out, err := s.locked(func() (any, error) {
		q := s.queueByARN(queueARN)
		if q == nil {
			return nil, ErrNoSuchQueue
		}
		if q.cfg.FIFO {
			return nil, errMissing("MessageGroupId")
		}
		in := &sendEntry{MessageBody: &body}
		if len(attrs) > 0 {
			in.MessageAttributes = make(map[string]attrValue, len(attrs))
			for name, a := range attrs {
				v := attrValue{DataType: a.DataType}
				if v.isBinary() {
					v.BinaryValue = a.BinaryValue
				} else {
					str := a.StringValue
					v.StringValue = &str
				}
				in.MessageAttributes[name] = v
			}
		}
		res, err := s.sendLocked(q, in)
		if err != nil {
			return nil, err
		}
		return res.MessageID, nil
	})
	if err != nil {
		return "", err
	}
	return out.(string), nil
}
