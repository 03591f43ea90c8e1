package search

import (
	"bytes"
	"compress/flate"
	"io"
	"strings"
	"sync"
)

// A body's plain text is kept compressed (DEFLATE, each document on its
// own): it is most of the index, and only the page of hits shown needs it
// (for snippets), so a search unpacks at most Limit texts while loading an
// index unpacks none. That keeps the stored object and the function's
// memory at about a third of the texts' size.

var (
	flateWriters = sync.Pool{New: func() any {
		w, _ := flate.NewWriter(nil, flate.DefaultCompression)
		return w
	}}
	flateReaders = sync.Pool{New: func() any { return flate.NewReader(strings.NewReader("")) }}
)

// packText compresses a plain text.
func packText(s string) string {
	if s == "" {
		return ""
	}
	var buf bytes.Buffer
	w := flateWriters.Get().(*flate.Writer)
	defer flateWriters.Put(w)
	w.Reset(&buf)
	_, _ = w.Write([]byte(s)) // writing to a bytes.Buffer does not fail
	_ = w.Close()
	return buf.String()
}

// unpackText returns the plain text packText packed, "" for damaged data
// (which a decoded index does not hold: its checksum is verified).
func unpackText(z string) string {
	s, _ := unpackTextErr(z)
	return s
}

func unpackTextErr(z string) (string, error) {
	if z == "" {
		return "", nil
	}
	r := flateReaders.Get().(io.ReadCloser)
	defer flateReaders.Put(r)
	if err := r.(flate.Resetter).Reset(strings.NewReader(z), nil); err != nil {
		return "", err
	}
	buf := unpackBuffers.Get().(*bytes.Buffer)
	defer unpackBuffers.Put(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// unpackBuffers hold texts being unpacked: the one string made of each is
// its only allocation.
var unpackBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}
