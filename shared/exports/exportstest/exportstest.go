// Package exportstest holds hand-written fakes for the export jobs' tests:
// a Store that keeps jobs in memory with the storage's conditional status
// changes (package dynamo's contract), a Queue and a Files that record what
// they are given, and a registry store of claims in memory.
//
// Layer: testing.
package exportstest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/exports"
	"github.com/claimsdesk/backend/shared/registry"
)

// Store keeps jobs in memory. Every change is checked as the table's
// conditional writes check it.
type Store struct {
	mu       sync.Mutex
	jobs     map[string]exports.Job
	requeued map[string]time.Time
	// Renewals counts the RenewJob calls that succeeded.
	Renewals int
	// OnRenew, when set, runs before a renewal is checked (a test takes
	// the job over there).
	OnRenew func(s *Store, l exports.Lease)
}

// NewStore returns an empty Store.
func NewStore() *Store { return &Store{jobs: map[string]exports.Job{}} }

// Put stores a job as it is (a test's starting state).
func (s *Store) Put(j exports.Job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobs[j.ID] = j
}

// Job returns a stored job.
func (s *Store) Job(id string) (exports.Job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	return j, ok
}

// CreateJob implements exports.Store.
func (s *Store) CreateJob(_ context.Context, j exports.Job) (*exports.Job, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.jobs[j.ID]; ok {
		return &old, false, nil
	}
	s.jobs[j.ID] = j
	return &j, true, nil
}

// GetJob implements exports.Store.
func (s *Store) GetJob(_ context.Context, id string) (*exports.Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "export not found")
	}
	return &j, nil
}

// UserJobs implements exports.Store.
func (s *Store) UserJobs(_ context.Context, userID string, limit int) ([]exports.Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []exports.Job
	for _, j := range s.jobs {
		if j.Requester.UserID == userID {
			out = append(out, j)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].CreatedAt.After(out[b].CreatedAt) })
	return out[:min(len(out), limit)], nil
}

// TakeJob implements exports.Store.
func (s *Store) TakeJob(_ context.Context, l exports.Lease, now time.Time) (exports.Take, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[l.JobID]
	switch {
	case !ok:
		return exports.Take{}, apperr.Errorf(apperr.NotFound, "export %s not found", l.JobID)
	case j.Status.Final():
		return exports.Take{Final: true}, nil
	case j.Status == exports.Running && !j.LeaseUntil.Before(now):
		return exports.Take{HeldUntil: j.LeaseUntil}, nil
	}
	j.Status, j.Attempt, j.LeaseUntil = exports.Running, l.Attempt, l.Until
	if j.StartedAt.IsZero() {
		j.StartedAt = now
	}
	j.Attempts++
	s.jobs[j.ID] = j
	return exports.Take{Taken: true, Job: &j}, nil
}

// leased applies change to the attempt's running job.
func (s *Store) leased(l exports.Lease, change func(j *exports.Job)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[l.JobID]
	if !ok || j.Status != exports.Running || j.Attempt != l.Attempt {
		return fmt.Errorf("export %s: %w", l.JobID, exports.ErrLeaseLost)
	}
	change(&j)
	s.jobs[j.ID] = j
	return nil
}

// RenewJob implements exports.Store.
func (s *Store) RenewJob(_ context.Context, l exports.Lease, counted int) error {
	if s.OnRenew != nil {
		s.OnRenew(s, l)
	}
	err := s.leased(l, func(j *exports.Job) { j.Counted, j.LeaseUntil = counted, l.Until })
	if err == nil {
		s.mu.Lock()
		s.Renewals++
		s.mu.Unlock()
	}
	return err
}

// ReleaseJob implements exports.Store.
func (s *Store) ReleaseJob(_ context.Context, l exports.Lease, lastError string) error {
	return s.leased(l, func(j *exports.Job) { j.LeaseUntil, j.LastError = time.Time{}, lastError })
}

// FinishJob implements exports.Store.
func (s *Store) FinishJob(_ context.Context, l exports.Lease, f exports.File) error {
	return s.leased(l, func(j *exports.Job) {
		j.Status, j.Rows, j.Counted, j.Size, j.Key, j.FileName, j.ContentType, j.FinishedAt = exports.Done, f.Rows, f.Rows, f.Size, f.Key, f.FileName, f.ContentType, f.At
		j.LeaseUntil = time.Time{}
	})
}

// MarkRequeued implements exports.Store.
func (s *Store) MarkRequeued(_ context.Context, id string, at time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok || j.Status != exports.Queued || (!s.requeued[id].IsZero() && at.Sub(s.requeued[id]) < exports.RequeueAfter) {
		return false, nil
	}
	if s.requeued == nil {
		s.requeued = map[string]time.Time{}
	}
	s.requeued[id] = at
	return true, nil
}

// FailJob implements exports.Store.
func (s *Store) FailJob(_ context.Context, l exports.Lease, reason string, at time.Time) error {
	fail := func(j *exports.Job) {
		j.Status, j.Reason, j.FinishedAt, j.LeaseUntil = exports.Failed, reason, at, time.Time{}
	}
	if l.Attempt != "" {
		return s.leased(l, fail)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if j, ok := s.jobs[l.JobID]; ok && j.Status == exports.Queued {
		fail(&j)
		s.jobs[j.ID] = j
	}
	return nil
}

// Queue records the jobs it is given; Fail makes it refuse them.
type Queue struct {
	mu   sync.Mutex
	IDs  []string
	Fail error
}

// Enqueue implements exports.Queue.
func (q *Queue) Enqueue(_ context.Context, id string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.Fail != nil {
		return q.Fail
	}
	q.IDs = append(q.IDs, id)
	return nil
}

// Files keeps the files in memory; Fail makes PutStream fail.
type Files struct {
	mu    sync.Mutex
	Files map[string][]byte
	Names map[string]string
	Puts  int
	Fail  error
}

// NewFiles returns an empty Files.
func NewFiles() *Files { return &Files{Files: map[string][]byte{}, Names: map[string]string{}} }

// PutStream implements exports.Files.
func (f *Files) PutStream(_ context.Context, key, _, fileName string, body io.Reader, size int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Fail != nil {
		return f.Fail
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	if int64(len(b)) != size {
		return fmt.Errorf("put %s: %d bytes read, %d announced", key, len(b), size)
	}
	f.Files[key], f.Names[key] = b, fileName
	f.Puts++
	return nil
}

// File returns a stored file.
func (f *Files) File(key string) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.Files[key]
	return bytes.Clone(b), ok
}

// DownloadURL implements exports.Files: a fake link naming the key.
func (f *Files) DownloadURL(_ context.Context, key, fileName, _ string, ttl time.Duration) (string, error) {
	return "https://bucket.example/" + key + "?name=" + fileName + "&ttl=" + strconv.Itoa(int(ttl.Seconds())), nil
}

// Claims is a registry store of claims in memory (registry.Store): lists
// by dealer, series or month, newest first, a page of spec.Limit.
type Claims struct {
	All []claims.Claim

	mu    sync.Mutex
	lists map[string][]claims.Claim
}

// ListClaims implements registry.Store.
func (c *Claims) ListClaims(_ context.Context, spec registry.ListSpec) (*registry.ListPage, error) {
	match, err := c.list(spec)
	if err != nil {
		return nil, err
	}
	start := 0
	if spec.Start != "" {
		start, _ = strconv.Atoi(spec.Start)
	}
	end := min(start+spec.Limit, len(match))
	page := &registry.ListPage{Claims: slices.Clone(match[start:end])}
	if end < len(match) {
		page.Next = strconv.Itoa(end)
	}
	return page, nil
}

// list returns the claims of a list, newest first, made once per list (a
// test sets All before listing).
func (c *Claims) list(spec registry.ListSpec) ([]claims.Claim, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := fmt.Sprint(spec.Dim, "|", spec.Value, "|", spec.From.UnixNano(), "|", spec.To.UnixNano())
	if m, ok := c.lists[k]; ok {
		return m, nil
	}
	var match []claims.Claim
	for _, cl := range c.All {
		ok := false
		switch spec.Dim {
		case registry.DimDealer:
			ok = strings.EqualFold(cl.DealerID, spec.Value)
		case registry.DimSeries:
			ok = cl.Product.Series == spec.Value
		case registry.DimMonth:
			ok = cl.CreatedAt.UTC().Format("2006-01") == spec.Value
		default:
			return nil, errors.New("exportstest: no list by " + spec.Dim)
		}
		if ok && (spec.From.IsZero() || !cl.CreatedAt.Before(spec.From)) && (spec.To.IsZero() || !cl.CreatedAt.After(spec.To)) {
			match = append(match, cl)
		}
	}
	slices.SortStableFunc(match, func(a, b claims.Claim) int { return b.CreatedAt.Compare(a.CreatedAt) })
	if c.lists == nil {
		c.lists = map[string][]claims.Claim{}
	}
	c.lists[k] = match
	return match, nil
}

// ClaimDetail implements registry.Store.
func (c *Claims) ClaimDetail(context.Context, string) (*registry.Detail, error) {
	return nil, apperr.Errorf(apperr.NotFound, "claim not found")
}

// Worklist implements registry.Store.
func (c *Claims) Worklist(context.Context, string, int, string) (*registry.ListPage, error) {
	return &registry.ListPage{}, nil
}
