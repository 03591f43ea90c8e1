package search

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"iter"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/deps"
)

// The stored index (Store): each version of the index is one immutable
// object in the private bucket (kb/index/<version>-<random>.bin), and one
// small item in the table points to the current one. (The table could not
// hold the index itself: an item is at most 400 KB, the index of 10 000
// articles about 28 MB.) A reader does one
// GetItem for the pointer (cached for a few seconds) and downloads the
// object only when the version moved on; a writer writes a new object and
// moves the pointer with a conditional write on the version it started
// from, retrying from the newer version when another writer got there
// first. One object per version, rather than one object overwritten,
// means a reader never sees half of an index nor one that does not match
// the pointer, and a writer's failure leaves the current version intact;
// the superseded object is deleted once the pointer has moved (a reader
// that still wanted it reads the pointer again), and the bucket's
// noncurrent-version rule expires what a delete leaves behind.

// Pointer names the current version of the stored index.
type Pointer struct {
	Version   int64 // 1 for the first index; 0 when there is none yet
	Key       string
	Docs      int
	Size      int64
	UpdatedAt time.Time
}

// Pointers keeps the pointer to the current index (shared/dynamo's Store).
type Pointers interface {
	// IndexPointer returns the current pointer, the zero Pointer when
	// there is none yet. It reads consistently.
	IndexPointer(ctx context.Context) (Pointer, error)
	// SwapIndexPointer makes next the current pointer if the current one
	// is still at version prev (0: there is none); apperr.Conflict if not.
	SwapIndexPointer(ctx context.Context, prev int64, next Pointer) error
}

// Objects keeps the index's objects (shared/s3files' Files).
type Objects interface {
	PutFile(ctx context.Context, key, contentType string, body []byte) error
	// ReadFile returns apperr.NotFound when there is no such object.
	ReadFile(ctx context.Context, key string, limit int64) ([]byte, error)
	DeleteFile(ctx context.Context, key string) error
}

// StoreConfig wires a Store; Pointers and Objects are required.
type StoreConfig struct {
	Pointers Pointers
	Objects  Objects
	// Prefix is where the objects go in the bucket; DefaultPrefix if empty.
	Prefix string
	// CacheFor is how long Index trusts the pointer it last read;
	// DefaultCacheFor if zero.
	CacheFor time.Duration
	// MaxBytes bounds an index object; DefaultMaxBytes if zero.
	MaxBytes int64
	// Now is the clock; time.Now if nil.
	Now func() time.Time
}

// Defaults of StoreConfig.
const (
	DefaultPrefix   = "kb/index/"
	DefaultCacheFor = 3 * time.Second
	DefaultMaxBytes = 512 << 20
)

// maxAttempts bounds the tries of an update that other writers keep
// overtaking.
const maxAttempts = 8

// Store keeps the index in the bucket and its pointer in the table, and
// the current index in memory. It is safe for concurrent use.
type Store struct {
	cfg StoreConfig

	mu        sync.Mutex // guards the fields below
	current   *Index
	ptr       Pointer // current's
	checkedAt time.Time

	load sync.Mutex // one download at a time: concurrent readers wait for it
}

// NewStore returns a Store. It returns an Internal error naming what cfg
// lacks.
func NewStore(cfg StoreConfig) (*Store, error) {
	if err := deps.Check("search store", deps.Need("Pointers", cfg.Pointers), deps.Need("Objects", cfg.Objects)); err != nil {
		return nil, err
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if cfg.CacheFor == 0 {
		cfg.CacheFor = DefaultCacheFor
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Store{cfg: cfg}, nil
}

// Index returns the current index: the one in memory while its pointer was
// read less than CacheFor ago or still names its version, else the current
// version downloaded; an empty index when none was ever written. The index
// returned is shared: search it, never change it (Update does).
func (s *Store) Index(ctx context.Context) (*Index, error) {
	s.mu.Lock()
	if s.current != nil && s.cfg.Now().Sub(s.checkedAt) < s.cfg.CacheFor {
		ix := s.current
		s.mu.Unlock()
		return ix, nil
	}
	s.mu.Unlock()
	p, err := s.cfg.Pointers.IndexPointer(ctx)
	if err != nil {
		return nil, fmt.Errorf("search index pointer: %w", err)
	}
	ix, _, err := s.at(ctx, p)
	return ix, err
}

// at returns the index of pointer p (or of a newer one, when p's object is
// gone because another writer moved the pointer on) and the pointer of the
// version returned, from memory if it holds that version.
func (s *Store) at(ctx context.Context, p Pointer) (*Index, Pointer, error) {
	if ix := s.cached(p); ix != nil {
		return ix, p, nil
	}
	s.load.Lock()
	defer s.load.Unlock()
	for attempt := 0; ; attempt++ {
		if ix := s.cached(p); ix != nil {
			return ix, p, nil // another reader loaded it meanwhile
		}
		ix := New()
		if p.Version == 0 {
			s.keep(ix, p)
			return ix, p, nil
		}
		data, err := s.cfg.Objects.ReadFile(ctx, p.Key, s.cfg.MaxBytes)
		if apperr.Is(err, apperr.NotFound) && attempt < maxAttempts {
			// Superseded and deleted since the pointer was read.
			if p, err = s.cfg.Pointers.IndexPointer(ctx); err != nil {
				return nil, Pointer{}, fmt.Errorf("search index pointer: %w", err)
			}
			continue
		}
		if err != nil {
			return nil, Pointer{}, fmt.Errorf("search index version %d: %w", p.Version, err)
		}
		if err := ix.UnmarshalBinary(data); err != nil {
			return nil, Pointer{}, fmt.Errorf("search index version %d (%s): %w", p.Version, p.Key, err)
		}
		s.keep(ix, p)
		return ix, p, nil
	}
}

// cached returns the index in memory if it is at p's version (noting that
// the pointer was just read), else nil.
func (s *Store) cached(p Pointer) *Index {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current == nil || s.ptr.Version != p.Version || s.ptr.Key != p.Key {
		return nil
	}
	s.checkedAt = s.cfg.Now()
	return s.current
}

// keep makes ix, at pointer p, the index in memory unless memory holds a
// newer version.
func (s *Store) keep(ix *Index, p Pointer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current == nil || p.Version >= s.ptr.Version {
		s.current, s.ptr = ix, p
		s.checkedAt = s.cfg.Now()
	}
}

// Update applies fn to a copy of the current index and stores the result
// as the next version. When another writer stores a version first, it
// starts again from that one, so fn may run more than once and must only
// change the index it is given (Put, Delete). Searches go on meanwhile on
// the version before. It returns apperr.Conflict after maxAttempts
// overtaken tries. A stored index that cannot be read (damaged, deleted by
// hand) fails every update until Rebuild replaces it.
func (s *Store) Update(ctx context.Context, fn func(*Index)) error {
	for attempt := range maxAttempts {
		p, err := s.cfg.Pointers.IndexPointer(ctx)
		if err != nil {
			return fmt.Errorf("search index pointer: %w", err)
		}
		base, p, err := s.at(ctx, p)
		if err != nil {
			return err
		}
		next := base.Clone()
		fn(next)
		err = s.publish(ctx, p, next)
		if !apperr.Is(err, apperr.Conflict) {
			return err
		}
		if err := backoff(ctx, attempt); err != nil {
			return err
		}
	}
	return apperr.Errorf(apperr.Conflict, "search index: overtaken by other updates %d times, try again", maxAttempts)
}

// Rebuild replaces the whole index with docs (for repair and new analysis
// rules; the caller lists the articles). The pointer is read before docs
// are, and moved only if no update came in between: an update that lands
// while docs are read moves it, and the rebuild reads docs again (up to
// maxAttempts times), so no change made during a rebuild is lost. docs
// must therefore read afresh each time it is ranged over.
func (s *Store) Rebuild(ctx context.Context, docs iter.Seq2[Doc, error]) error {
	for attempt := range maxAttempts {
		p, err := s.cfg.Pointers.IndexPointer(ctx)
		if err != nil {
			return fmt.Errorf("search index pointer: %w", err)
		}
		ix := New()
		for d, err := range docs {
			if err != nil {
				return fmt.Errorf("rebuild search index: %w", err)
			}
			ix.Put(d)
		}
		err = s.publish(ctx, p, ix)
		if !apperr.Is(err, apperr.Conflict) {
			return err
		}
		if err := backoff(ctx, attempt); err != nil {
			return err
		}
	}
	return apperr.Errorf(apperr.Conflict, "search index: rebuild overtaken by other updates %d times, try again", maxAttempts)
}

// DocsOf returns docs as the sequence Rebuild takes.
func DocsOf(docs []Doc) iter.Seq2[Doc, error] {
	return func(yield func(Doc, error) bool) {
		for _, d := range docs {
			if !yield(d, nil) {
				return
			}
		}
	}
}

// publish stores ix as the version after prev: a new object, then the
// pointer moved if it is still at prev (apperr.Conflict if not, the new
// object deleted), then prev's object deleted.
func (s *Store) publish(ctx context.Context, prev Pointer, ix *Index) error {
	data, err := ix.MarshalBinary()
	if err != nil {
		return err
	}
	next := Pointer{Version: prev.Version + 1, Docs: ix.Len(), Size: int64(len(data)), UpdatedAt: s.cfg.Now().UTC()}
	next.Key = fmt.Sprintf("%s%012d-%s.bin", s.cfg.Prefix, next.Version, randomHex())
	if err := s.cfg.Objects.PutFile(ctx, next.Key, "application/octet-stream", data); err != nil {
		return fmt.Errorf("write search index version %d: %w", next.Version, err)
	}
	if err := s.cfg.Pointers.SwapIndexPointer(ctx, prev.Version, next); err != nil {
		// Not current: nobody reads it. A failed delete leaves an object
		// nothing points to, which costs storage only.
		_ = s.cfg.Objects.DeleteFile(context.WithoutCancel(ctx), next.Key)
		if apperr.Is(err, apperr.Conflict) {
			return err
		}
		return fmt.Errorf("move search index pointer to version %d: %w", next.Version, err)
	}
	s.keep(ix, next)
	if prev.Key != "" {
		// Superseded: readers that still wanted it read the pointer again.
		_ = s.cfg.Objects.DeleteFile(context.WithoutCancel(ctx), prev.Key)
	}
	return nil
}

// backoff waits a little, longer after each overtaken attempt, with
// jitter so that racing writers spread out.
func backoff(ctx context.Context, attempt int) error {
	d := time.Duration(rand.Int64N(int64(5*time.Millisecond) << min(attempt, 5)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func randomHex() string {
	var b [6]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:])
}
