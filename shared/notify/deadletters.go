package notify

import "time"

// DeadLetterStatus is how many messages wait in a dead-letter queue and the
// redrives started from it.
type DeadLetterStatus struct {
	Queue    string     `json:"queue"`
	Messages int        `json:"messages"`
	InFlight int        `json:"inFlight"`
	Redrives []MoveTask `json:"redrives"`
}

// MoveTask is a redrive of the dead letters back to their queue (an SQS
// message move task).
type MoveTask struct {
	Handle    string    `json:"handle,omitempty"`
	Status    string    `json:"status"`
	Moved     int64     `json:"moved"`
	ToMove    int64     `json:"toMove"`
	StartedAt time.Time `json:"startedAt"`
	Failure   string    `json:"failure,omitempty"`
}
