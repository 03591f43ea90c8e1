package sqs

import (
	"encoding/base64"
	"encoding/json"
)

// Message move task states and the failure reason SQS reports when a
// message's source queue is unknown.
const (
	taskRunning             = "RUNNING"
	taskCompleted           = "COMPLETED"
	taskFailed              = "FAILED"
	failureUnknownSource    = "CouldNotDetermineMessageSource"
	maxMoveRate             = 500
	maxListMoveTasksResults = 10
)

// moveTask is a dead-letter queue redrive started by StartMessageMoveTask.
// The emulator moves the messages while handling the request, so tasks are
// born COMPLETED or FAILED; like moto, it never shows one RUNNING.
type moveTask struct {
	ID             string `json:"id"`
	SourceARN      string `json:"source"`
	DestinationARN string `json:"destination,omitempty"`
	Rate           *int64 `json:"rate,omitempty"`
	Status         string `json:"status"`
	Moved          int64  `json:"moved"`
	ToMove         int64  `json:"toMove"`
	Started        int64  `json:"started"`
	FailureReason  string `json:"failure,omitempty"`
}

type taskHandle struct {
	TaskID    string `json:"taskId"`
	SourceARN string `json:"sourceArn"`
}

func (t *moveTask) handle() string {
	b, _ := json.Marshal(taskHandle{TaskID: t.ID, SourceARN: t.SourceARN})
	return base64.StdEncoding.EncodeToString(b)
}

func errResourceNotFound(param string) *apiError {
	return errorf(codeResourceNotFound, "The resource that you specified for the %s parameter doesn't exist.", param)
}

type startMessageMoveTaskInput struct {
	SourceARN                    *string `json:"SourceArn"`
	DestinationARN               *string `json:"DestinationArn"`
	MaxNumberOfMessagesPerSecond *int64  `json:"MaxNumberOfMessagesPerSecond"`
}

type startMessageMoveTaskOutput struct {
	TaskHandle string `json:"TaskHandle"`
}

func opStartMessageMoveTask(s *Server, r request, in *startMessageMoveTaskInput) (any, error) {
	return s.locked(func() (any, error) {
		if in.SourceARN == nil || *in.SourceARN == "" {
			return nil, errMissing("SourceArn")
		}
		src := s.queueByARN(*in.SourceARN)
		if src == nil {
			return nil, errResourceNotFound("SourceArn")
		}
		if len(s.deadLetterSources(*in.SourceARN)) == 0 {
			return nil, errorf(codeInvalidParameterValue, "Source queue must be configured as a Dead Letter Queue.")
		}
		var dest *queue
		if in.DestinationARN != nil && *in.DestinationARN != "" {
			if dest = s.queueByARN(*in.DestinationARN); dest == nil {
				return nil, errResourceNotFound("DestinationArn")
			}
		}
		if rate := in.MaxNumberOfMessagesPerSecond; rate != nil && (*rate < 1 || *rate > maxMoveRate) {
			return nil, errInvalidValue("MaxNumberOfMessagesPerSecond", *rate, "Must be between 1 and 500.")
		}
		for _, t := range s.tasks {
			if t.SourceARN == *in.SourceARN && t.Status == taskRunning {
				return nil, errorf(codeInvalidParameterValue, "There is already a task running. Only one active task is allowed for a source queue arn at a given time.")
			}
		}
		t := &moveTask{
			ID: newUUID(), SourceARN: *in.SourceARN, DestinationARN: deref(in.DestinationARN),
			Rate: in.MaxNumberOfMessagesPerSecond, Status: taskRunning, Started: s.nowMillis(),
		}
		s.runMoveTask(t, src, dest)
		s.tasks = append(s.tasks, t)
		s.logRec(record{Op: recTask, Task: t})
		s.log.Info("sqs message move task finished", "source", t.SourceARN, "status", t.Status, "moved", t.Moved)
		return startMessageMoveTaskOutput{TaskHandle: t.handle()}, nil
	})
}

// runMoveTask moves every visible message of src to dest, or back to the
// queue each came from when dest is nil. A redriven message is a new message:
// new ID, new receive count, same body and attributes. The task fails, and
// stops, at the first message whose source queue is unknown.
func (s *Server) runMoveTask(t *moveTask, src, dest *queue) {
	now := s.nowMillis()
	s.expireLocked(src, now)
	var todo []*message
	for _, m := range src.msgs {
		if m.visible(now) {
			todo = append(todo, m)
		}
	}
	t.ToMove = int64(len(todo))
	for _, m := range todo {
		target := dest
		if target == nil {
			target = s.queueByARN(m.SourceARN)
		}
		if target == nil {
			t.Status, t.FailureReason = taskFailed, failureUnknownSource
			return
		}
		src.remove(m.ID)
		s.logRec(record{Op: recMessageDelete, Name: src.cfg.Name, ID: m.ID})
		moved := &message{
			ID: newUUID(), Seq: s.nextSeq(), Body: m.Body, Attrs: m.Attrs, TraceHeader: m.TraceHeader,
			SenderID: m.SenderID, SentAt: now, GroupID: m.GroupID, DedupID: m.DedupID,
		}
		if target.cfg.FIFO {
			moved.SequenceNumber = s.nextFIFOSequence(now)
		}
		target.add(moved)
		s.logRec(record{Op: recMessage, Name: target.cfg.Name, Msg: moved})
		target.wake()
		t.Moved++
	}
	t.Status = taskCompleted
}

type listMessageMoveTasksInput struct {
	SourceARN  *string `json:"SourceArn"`
	MaxResults *int64  `json:"MaxResults"`
}

type moveTaskResult struct {
	TaskHandle                        string `json:"TaskHandle,omitempty"`
	Status                            string `json:"Status"`
	SourceARN                         string `json:"SourceArn"`
	DestinationARN                    string `json:"DestinationArn,omitempty"`
	MaxNumberOfMessagesPerSecond      *int64 `json:"MaxNumberOfMessagesPerSecond,omitempty"`
	ApproximateNumberOfMessagesMoved  int64  `json:"ApproximateNumberOfMessagesMoved"`
	ApproximateNumberOfMessagesToMove int64  `json:"ApproximateNumberOfMessagesToMove"`
	FailureReason                     string `json:"FailureReason,omitempty"`
	StartedTimestamp                  int64  `json:"StartedTimestamp"`
}

type listMessageMoveTasksOutput struct {
	Results []moveTaskResult `json:"Results"`
}

func opListMessageMoveTasks(s *Server, r request, in *listMessageMoveTasksInput) (any, error) {
	return s.locked(func() (any, error) {
		if in.SourceARN == nil || *in.SourceARN == "" {
			return nil, errMissing("SourceArn")
		}
		if s.queueByARN(*in.SourceARN) == nil {
			return nil, errResourceNotFound("SourceArn")
		}
		limit := int64(1)
		if in.MaxResults != nil {
			if *in.MaxResults < 1 || *in.MaxResults > maxListMoveTasksResults {
				return nil, errInvalidValue("MaxResults", *in.MaxResults, "Must be between 1 and 10.")
			}
			limit = *in.MaxResults
		}
		out := listMessageMoveTasksOutput{Results: []moveTaskResult{}}
		for i := len(s.tasks) - 1; i >= 0 && int64(len(out.Results)) < limit; i-- {
			t := s.tasks[i]
			if t.SourceARN != *in.SourceARN {
				continue
			}
			res := moveTaskResult{
				Status: t.Status, SourceARN: t.SourceARN, DestinationARN: t.DestinationARN,
				MaxNumberOfMessagesPerSecond: t.Rate, ApproximateNumberOfMessagesMoved: t.Moved,
				ApproximateNumberOfMessagesToMove: t.ToMove, StartedTimestamp: t.Started,
			}
			if t.Status == taskRunning {
				res.TaskHandle = t.handle()
			}
			if t.Status == taskFailed {
				res.FailureReason = t.FailureReason
			}
			out.Results = append(out.Results, res)
		}
		return out, nil
	})
}

type cancelMessageMoveTaskInput struct {
	TaskHandle *string `json:"TaskHandle"`
}

type cancelMessageMoveTaskOutput struct {
	ApproximateNumberOfMessagesMoved int64 `json:"ApproximateNumberOfMessagesMoved"`
}

func opCancelMessageMoveTask(s *Server, r request, in *cancelMessageMoveTaskInput) (any, error) {
	return s.locked(func() (any, error) {
		if in.TaskHandle == nil || *in.TaskHandle == "" {
			return nil, errMissing("TaskHandle")
		}
		raw, err := base64.StdEncoding.DecodeString(*in.TaskHandle)
		var h taskHandle
		if err != nil || json.Unmarshal(raw, &h) != nil || h.TaskID == "" || h.SourceARN == "" {
			return nil, errorf(codeInvalidParameterValue, "Value for parameter TaskHandle is invalid.")
		}
		if s.queueByARN(h.SourceARN) == nil {
			return nil, errResourceNotFound("SourceArn")
		}
		for _, t := range s.tasks {
			if t.ID == h.TaskID && t.SourceARN == h.SourceARN && t.Status == taskRunning {
				t.Status = "CANCELLED"
				s.logRec(record{Op: recTask, Task: t})
				return cancelMessageMoveTaskOutput{ApproximateNumberOfMessagesMoved: t.Moved}, nil
			}
		}
		return nil, errorf(codeResourceNotFound, "Task does not exist.")
	})
}
