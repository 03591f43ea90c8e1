package stack

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"sync"
)

// Function logs (.local/logs/<Function>.log) are rotated, never wiped: each
// start of the stack moves the previous run's log to <Function>.log.1 (and
// .1 to .2, ...), and a log that grows past maxLogBytes while the stack runs
// is rotated the same way. keptLogs rotated files are kept.
const (
	keptLogs    = 5
	maxLogBytes = 20 << 20
)

// rotatingLog is a function's log file, rotated by size.
type rotatingLog struct {
	mu   sync.Mutex
	path string
	keep int
	max  int64
	f    *os.File
	size int64
}

// openLog opens the log at path for appending after rotating what a
// previous run left in it.
func openLog(path string, keep int, max int64) (*rotatingLog, error) {
	l := &rotatingLog{path: path, keep: keep, max: max}
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		if err := rotate(path, keep); err != nil {
			return nil, err
		}
	}
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *rotatingLog) open() error {
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open log %s: %w", l.path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("open log %s: %w", l.path, err)
	}
	l.f, l.size = f, st.Size()
	return nil
}

// Write appends p (whole lines, as the runtime writes them), rotating the
// file first when p would take it past its limit.
func (l *rotatingLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return 0, fs.ErrClosed
	}
	if l.size > 0 && l.size+int64(len(p)) > l.max {
		l.f.Close()
		l.f = nil
		if err := rotate(l.path, l.keep); err != nil {
			return 0, err
		}
		if err := l.open(); err != nil {
			return 0, err
		}
	}
	n, err := l.f.Write(p)
	l.size += int64(n)
	return n, err
}

// Close closes the file.
func (l *rotatingLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// rotate moves path to path.1, path.1 to path.2, ..., dropping path.keep.
func rotate(path string, keep int) error {
	for i := keep - 1; i >= 1; i-- {
		from, to := path+"."+strconv.Itoa(i), path+"."+strconv.Itoa(i+1)
		if err := os.Rename(from, to); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("rotate log %s: %w", from, err)
		}
	}
	if err := os.Rename(path, path+".1"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("rotate log %s: %w", path, err)
	}
	return nil
}
