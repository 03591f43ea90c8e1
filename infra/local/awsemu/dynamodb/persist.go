package dynamodb

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
)

// Persistence is a snapshot plus an append-only log of framed records
// (4-byte length, 4-byte CRC32, JSON payload). Every committed mutation is
// written to the log with write(2) before the client gets its reply, so a
// kill -9 loses nothing the client saw succeed; the snapshot is rewritten
// and the log truncated on New and Close. Replay stops at the first torn or
// corrupt record, which can only be the last one written.

const (
	lockFile     = "LOCK"
	snapshotFile = "snapshot.log"
	walFile      = "wal.log"
	frameHeader  = 8
)

const (
	opCreate = "create" // (re)creates the table from Meta, dropping any items
	opMeta   = "meta"   // replaces Meta, keeping items; new indexes are backfilled
	opDrop   = "drop"
	opPut    = "put"
	opDelete = "del" // Item holds the key
)

// logOp is one state change. Replaying ops is idempotent, so a crash between
// writing a snapshot and truncating the log is harmless.
type logOp struct {
	Op    string     `json:"op"`
	Table string     `json:"t"`
	Meta  *tableMeta `json:"meta,omitempty"`
	Item  item       `json:"item,omitempty"`
}

type persister struct {
	dir  string
	log  *slog.Logger
	lock *os.File
	wal  *os.File
	buf  []byte
}

func openPersister(dir string, log *slog.Logger) (*persister, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create directory: %w", err)
	}
	lf, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := lockExclusive(lf); err != nil {
		lf.Close()
		return nil, fmt.Errorf("directory is in use by another dynamodb server: %w", err)
	}
	return &persister{dir: dir, log: log, lock: lf}, nil
}

// load replays the snapshot and then the log through apply.
func (p *persister) load(apply func(logOp) error) error {
	for _, name := range []string{snapshotFile, walFile} {
		if err := p.replay(filepath.Join(p.dir, name), apply); err != nil {
			return fmt.Errorf("replay %s: %w", name, err)
		}
	}
	return nil
}

func (p *persister) replay(path string, apply func(logOp) error) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	off := 0
	for off < len(data) {
		if len(data)-off < frameHeader {
			break
		}
		n := int(binary.LittleEndian.Uint32(data[off:]))
		sum := binary.LittleEndian.Uint32(data[off+4:])
		if n > len(data)-off-frameHeader {
			break
		}
		payload := data[off+frameHeader : off+frameHeader+n]
		if crc32.ChecksumIEEE(payload) != sum {
			break
		}
		var ops []logOp
		if err := json.Unmarshal(payload, &ops); err != nil {
			return fmt.Errorf("decode record at offset %d: %w", off, err)
		}
		for _, op := range ops {
			if err := apply(op); err != nil {
				return fmt.Errorf("apply %s %s at offset %d: %w", op.Op, op.Table, off, err)
			}
		}
		off += frameHeader + n
	}
	if off < len(data) {
		// A process killed mid-write leaves a partial last record; it was
		// never acknowledged, so dropping it is correct.
		p.log.Warn("dynamodb: ignoring torn record at end of log", slog.String("file", path), slog.Int("offset", off), slog.Int("bytes", len(data)-off))
	}
	return nil
}

func (p *persister) frame(ops []logOp) ([]byte, error) {
	payload, err := json.Marshal(ops)
	if err != nil {
		return nil, fmt.Errorf("encode record: %w", err)
	}
	buf := p.buf[:0]
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(payload)))
	buf = binary.LittleEndian.AppendUint32(buf, crc32.ChecksumIEEE(payload))
	buf = append(buf, payload...)
	if cap(buf) <= 1<<20 {
		p.buf = buf
	}
	return buf, nil
}

// append writes one record to the log with a single write(2).
func (p *persister) append(ops []logOp) error {
	if p.wal == nil {
		return errors.New("log is not open")
	}
	rec, err := p.frame(ops)
	if err != nil {
		return err
	}
	if _, err := p.wal.Write(rec); err != nil {
		return fmt.Errorf("write log: %w", err)
	}
	return nil
}

// compact writes the full state to a new snapshot, atomically replaces the
// old one and empties the log.
func (p *persister) compact(ops func(emit func([]logOp) error) error) error {
	tmp := filepath.Join(p.dir, snapshotFile+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("create snapshot: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	werr := ops(func(batch []logOp) error {
		rec, err := p.frame(batch)
		if err != nil {
			return err
		}
		_, err = w.Write(rec)
		return err
	})
	if werr == nil {
		werr = w.Flush()
	}
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("write snapshot: %w", werr)
	}
	if err := os.Rename(tmp, filepath.Join(p.dir, snapshotFile)); err != nil {
		return fmt.Errorf("install snapshot: %w", err)
	}
	if d, err := os.Open(p.dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	if p.wal != nil {
		p.wal.Close()
	}
	wal, err := os.OpenFile(filepath.Join(p.dir, walFile), os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("reset log: %w", err)
	}
	p.wal = wal
	return nil
}

func (p *persister) close() error {
	var err error
	if p.wal != nil {
		err = p.wal.Close()
		p.wal = nil
	}
	if p.lock != nil {
		unlock(p.lock)
		if cerr := p.lock.Close(); err == nil {
			err = cerr
		}
		p.lock = nil
	}
	return err
}

// snapshotOps streams the whole state as create + put records. The caller
// holds s.mu (or is New, before the server is shared).
func (s *Server) snapshotOps() func(emit func([]logOp) error) error {
	return func(emit func([]logOp) error) error {
		names := make([]string, 0, len(s.tables))
		for n := range s.tables {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			t := s.tables[n]
			meta := t.meta
			if err := emit([]logOp{{Op: opCreate, Table: n, Meta: &meta}}); err != nil {
				return err
			}
			batch := make([]logOp, 0, 256)
			var ferr error
			t.primary.Ascend(func(e *entry) bool {
				batch = append(batch, logOp{Op: opPut, Table: n, Item: e.it})
				if len(batch) == cap(batch) {
					if ferr = emit(batch); ferr != nil {
						return false
					}
					batch = batch[:0]
				}
				return true
			})
			if ferr != nil {
				return ferr
			}
			if len(batch) > 0 {
				if err := emit(batch); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// applyLogOp replays one logged change into memory.
func (s *Server) applyLogOp(op logOp) error {
	switch op.Op {
	case opCreate:
		if op.Meta == nil {
			return errors.New("create record without metadata")
		}
		s.tables[op.Table] = newTable(*op.Meta, s.tableARN(op.Table))
	case opMeta:
		t := s.tables[op.Table]
		if t == nil || op.Meta == nil {
			return nil
		}
		t.applyMeta(*op.Meta)
	case opDrop:
		delete(s.tables, op.Table)
	case opPut:
		if t := s.tables[op.Table]; t != nil {
			t.put(op.Item)
		}
	case opDelete:
		if t := s.tables[op.Table]; t != nil {
			t.remove(t.primaryKey(op.Item))
		}
	default:
		return fmt.Errorf("unknown op %q", op.Op)
	}
	return nil
}
