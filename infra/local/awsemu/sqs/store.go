package sqs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
)

// The log is one record per line: eight hex digits of the CRC-32 of the JSON
// that follows, a space, the JSON and a newline. A line that is incomplete or
// fails its checksum marks a torn write from a crash; it and anything after
// it are ignored.
const (
	logName          = "sqs.log"
	compactThreshold = 64 << 20
)

// Record operations.
const (
	recQueue         = "queue"     // create or replace a queue's configuration
	recQueueDelete   = "queue-del" // delete a queue and its messages
	recMessage       = "msg"       // put a whole message
	recState         = "state"     // replace a message's receive state
	recMessageDelete = "msg-del"   // delete a message
	recPurge         = "purge"     // delete all of a queue's messages
	recDedup         = "dedup"     // remember a FIFO deduplication ID
	recTask          = "task"      // put a message move task
	recSequence      = "fifo-seq"  // the last FIFO sequence number
)

// record is one log entry.
type record struct {
	Op    string       `json:"op"`
	Queue *queueConfig `json:"queue,omitempty"`
	Name  string       `json:"name,omitempty"`
	Msg   *message     `json:"msg,omitempty"`
	ID    string       `json:"id,omitempty"`
	State *msgState    `json:"state,omitempty"`
	Key   string       `json:"key,omitempty"`
	Dedup *dedupEntry  `json:"dedup,omitempty"`
	Task  *moveTask    `json:"task,omitempty"`
	Seq   uint64       `json:"seq,omitempty"`
}

// store is the append-only log behind a Server with a directory.
type store struct {
	dir     string
	path    string
	f       *os.File
	written int64
}

// logRec queues a record to be written before the current request replies.
func (s *Server) logRec(r record) {
	if s.store != nil {
		s.pending = append(s.pending, r)
	}
}

func (s *Server) logQueue(q *queue) {
	cfg := q.cfg
	cfg.Tags = copyTags(q.cfg.Tags)
	s.logRec(record{Op: recQueue, Queue: &cfg})
}

func (s *Server) logState(q *queue, m *message) {
	st := m.msgState
	s.logRec(record{Op: recState, Name: q.cfg.Name, ID: m.ID, State: &st})
}

// flushLocked appends the queued records. A failure is reported as an
// internal error because the change is in memory but not durable.
func (s *Server) flushLocked() error {
	if len(s.pending) == 0 {
		return nil
	}
	recs := s.pending
	s.pending = nil
	if err := s.store.append(recs); err != nil {
		s.log.Error("sqs log append failed", "dir", s.store.dir, "err", err)
		return errInternal()
	}
	if s.store.written > compactThreshold {
		if err := s.store.compact(s); err != nil {
			s.log.Error("sqs log compaction failed", "dir", s.store.dir, "err", err)
		}
	}
	return nil
}

func openStore(dir string, s *Server) (*store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create directory: %w", err)
	}
	st := &store{dir: dir, path: filepath.Join(dir, logName)}
	_ = os.Remove(st.path + ".tmp") // a compaction interrupted by a crash
	n, torn, err := st.replay(s)
	if err != nil {
		return nil, err
	}
	if torn {
		s.log.Warn("sqs log had a torn last record; ignored it", "path", st.path, "records", n)
	}
	if err := st.compact(s); err != nil {
		return nil, fmt.Errorf("compact: %w", err)
	}
	return st, nil
}

// replay applies every intact record of the log to s and reports how many it
// applied and whether it stopped at a torn one.
func (st *store) replay(s *Server) (int, bool, error) {
	f, err := os.Open(st.path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("open log: %w", err)
	}
	defer f.Close()
	rd := bufio.NewReaderSize(f, 1<<20)
	n := 0
	for {
		line, err := rd.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return n, len(line) > 0, nil
		}
		if err != nil {
			return n, false, fmt.Errorf("read log: %w", err)
		}
		rec, ok := decodeRecord(line)
		if !ok {
			return n, true, nil
		}
		s.apply(rec)
		n++
	}
}

func decodeRecord(line []byte) (record, bool) {
	line = bytes.TrimSuffix(line, []byte("\n"))
	if len(line) < 10 || line[8] != ' ' {
		return record{}, false
	}
	want, err := strconv.ParseUint(string(line[:8]), 16, 32)
	if err != nil || crc32.ChecksumIEEE(line[9:]) != uint32(want) {
		return record{}, false
	}
	var r record
	if err := json.Unmarshal(line[9:], &r); err != nil {
		return record{}, false
	}
	return r, true
}

func encodeRecords(buf *bytes.Buffer, recs []record) error {
	for _, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("encode %s record: %w", r.Op, err)
		}
		fmt.Fprintf(buf, "%08x ", crc32.ChecksumIEEE(b))
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return nil
}

// apply replays one record onto the in-memory state.
func (s *Server) apply(r record) {
	switch r.Op {
	case recQueue:
		if r.Queue == nil {
			return
		}
		if q, ok := s.queues[r.Queue.Name]; ok {
			q.cfg = *r.Queue
		} else {
			s.queues[r.Queue.Name] = newQueue(*r.Queue)
		}
		if r.Queue.Order > s.order {
			s.order = r.Queue.Order
		}
	case recQueueDelete:
		delete(s.queues, r.Name)
	case recMessage:
		q, ok := s.queues[r.Name]
		if !ok || r.Msg == nil {
			return
		}
		q.remove(r.Msg.ID)
		q.msgs = append(q.msgs, r.Msg)
		q.byID[r.Msg.ID] = r.Msg
		if r.Msg.Seq > s.msgSeq {
			s.msgSeq = r.Msg.Seq
		}
		s.noteFIFOSequence(r.Msg.SequenceNumber)
		// Replay appends out of order only if a record was rewritten; keep
		// the queue sorted so receives stay oldest first.
		if n := len(q.msgs); n > 1 && q.msgs[n-2].Seq > r.Msg.Seq {
			q.sortMessages()
		}
	case recState:
		if q, ok := s.queues[r.Name]; ok && r.State != nil {
			if m, ok := q.byID[r.ID]; ok {
				m.msgState = *r.State
			}
		}
	case recMessageDelete:
		if q, ok := s.queues[r.Name]; ok {
			q.remove(r.ID)
		}
	case recPurge:
		if q, ok := s.queues[r.Name]; ok {
			q.msgs = nil
			q.byID = map[string]*message{}
		}
	case recDedup:
		if q, ok := s.queues[r.Name]; ok && r.Dedup != nil {
			q.dedup[r.Key] = *r.Dedup
			s.noteFIFOSequence(r.Dedup.SequenceNumber)
		}
	case recTask:
		if r.Task == nil {
			return
		}
		for i, t := range s.tasks {
			if t.ID == r.Task.ID {
				s.tasks[i] = r.Task
				return
			}
		}
		s.tasks = append(s.tasks, r.Task)
	case recSequence:
		if r.Seq > s.fifoSeq {
			s.fifoSeq = r.Seq
		}
	}
}

func (s *Server) noteFIFOSequence(seq string) {
	if n, err := strconv.ParseUint(seq, 10, 64); err == nil && n > s.fifoSeq {
		s.fifoSeq = n
	}
}

// snapshot returns records that rebuild the current state.
func (s *Server) snapshot() []record {
	now := s.nowMillis()
	qs := make([]*queue, 0, len(s.queues))
	for _, q := range s.queues {
		qs = append(qs, q)
	}
	sort.Slice(qs, func(i, j int) bool { return qs[i].cfg.Order < qs[j].cfg.Order })
	recs := []record{{Op: recSequence, Seq: s.fifoSeq}}
	for _, q := range qs {
		cfg := q.cfg
		recs = append(recs, record{Op: recQueue, Queue: &cfg})
		for _, m := range q.msgs {
			recs = append(recs, record{Op: recMessage, Name: q.cfg.Name, Msg: m})
		}
		for _, k := range sortedKeys(q.dedup) {
			e := q.dedup[k]
			if e.Expires > now {
				recs = append(recs, record{Op: recDedup, Name: q.cfg.Name, Key: k, Dedup: &e})
			}
		}
	}
	for _, t := range s.tasks {
		recs = append(recs, record{Op: recTask, Task: t})
	}
	return recs
}

// compact rewrites the log as a snapshot of the current state: written to a
// temporary file, synced and renamed over the log, so a crash leaves either
// the old log or the new one.
func (st *store) compact(s *Server) error {
	var buf bytes.Buffer
	if err := encodeRecords(&buf, s.snapshot()); err != nil {
		return err
	}
	tmp := st.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if st.f != nil {
		st.f.Close()
		st.f = nil
	}
	if err := os.Rename(tmp, st.path); err != nil {
		return fmt.Errorf("rename %s: %w", tmp, err)
	}
	if d, err := os.Open(st.dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	st.f, err = os.OpenFile(st.path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("reopen %s: %w", st.path, err)
	}
	st.written = 0
	return nil
}

// append writes records with a single write call. It does not fsync: the
// brief's durability goal is surviving a killed process, which the kernel's
// page cache already guarantees once write returns.
func (st *store) append(recs []record) error {
	if st.f == nil {
		return errors.New("log is closed")
	}
	var buf bytes.Buffer
	if err := encodeRecords(&buf, recs); err != nil {
		return err
	}
	n, err := st.f.Write(buf.Bytes())
	st.written += int64(n)
	if err != nil {
		return fmt.Errorf("append to %s: %w", st.path, err)
	}
	return nil
}

func (st *store) close() error {
	if st.f == nil {
		return nil
	}
	err := st.f.Close()
	st.f = nil
	if err != nil {
		return fmt.Errorf("close %s: %w", st.path, err)
	}
	return nil
}
