package s3

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/johannesboyne/gofakes3"
)

// gofakes3 only understands plain bodies and the signed-chunk variant of
// aws-chunked. Since v1.73 the SDK streams PutObject and UploadPart bodies over
// HTTPS as aws-chunked with an unsigned trailing checksum
// (STREAMING-UNSIGNED-PAYLOAD-TRAILER), and over HTTP sends the checksum in an
// x-amz-checksum-* header. prepareBody turns both into a plain body whose
// checksum is verified as it is read, as S3 does, so that gofakes3 and its
// backends store exactly the object bytes.

// crc64NVME is the reflected CRC-64/NVME polynomial in the form
// hash/crc64.MakeTable expects.
const crc64NVME = 0x9a6c9329ac4bc9b5

// checksumAlgorithms maps the x-amz-checksum-* header suffixes S3 accepts to
// their hash constructors.
var checksumAlgorithms = map[string]func() hash.Hash{
	"crc32":     func() hash.Hash { return crc32.NewIEEE() },
	"crc32c":    func() hash.Hash { return crc32.New(crc32.MakeTable(crc32.Castagnoli)) },
	"crc64nvme": func() hash.Hash { return crc64.New(crc64.MakeTable(crc64NVME)) },
	"sha1":      sha1.New,
	"sha256":    sha256.New,
}

// requestOnlyHeaders describe how a request was signed or framed. gofakes3
// stores every X-Amz-* request header as object metadata and echoes it on
// GET, so they are removed once they have been used.
var requestOnlyHeaders = []string{
	"X-Amz-Content-Sha256",
	"X-Amz-Date",
	"X-Amz-Decoded-Content-Length",
	"X-Amz-Trailer",
	"X-Amz-Sdk-Checksum-Algorithm",
	"X-Amz-Security-Token",
	"X-Amz-User-Agent",
	"X-Amz-Expected-Bucket-Owner",
	"X-Amz-Request-Payer",
}

// prepareBody decodes an aws-chunked body, verifies any checksum sent as a
// header or trailer while the body is read, and strips the headers that only
// describe the transfer. A checksum mismatch surfaces as a BadDigest read
// error, which gofakes3 and the backends pass through before storing anything.
func prepareBody(r *http.Request) error {
	algorithm, wantHeader := headerChecksum(r.Header)
	chunked := strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") ||
		hasToken(r.Header.Get("Content-Encoding"), "aws-chunked")

	if chunked {
		size, err := strconv.ParseInt(r.Header.Get("X-Amz-Decoded-Content-Length"), 10, 64)
		if err != nil || size < 0 {
			return &apiError{Code: "MissingContentLength", Message: "You must provide the Content-Length HTTP header."}
		}
		decoder := newAWSChunkedReader(r.Body)
		var body io.Reader = decoder
		if algorithm == "" {
			for _, name := range strings.Split(r.Header.Get("X-Amz-Trailer"), ",") {
				name = strings.ToLower(strings.TrimSpace(name))
				if alg, ok := strings.CutPrefix(name, "x-amz-checksum-"); ok && checksumAlgorithms[alg] != nil {
					body = newChecksumReader(body, alg, func() string { return decoder.trailers.Get(name) })
					break
				}
			}
		} else {
			body = newChecksumReader(body, algorithm, func() string { return wantHeader })
		}
		r.Body = readCloser{Reader: body, Closer: r.Body}
		r.ContentLength = size
		r.Header.Set("Content-Length", strconv.FormatInt(size, 10))
		setContentEncoding(r.Header, removeToken(r.Header.Get("Content-Encoding"), "aws-chunked"))
	} else if algorithm != "" {
		r.Body = readCloser{Reader: newChecksumReader(r.Body, algorithm, func() string { return wantHeader }), Closer: r.Body}
	}

	for _, name := range requestOnlyHeaders {
		r.Header.Del(name)
	}
	for name := range r.Header {
		if strings.HasPrefix(name, "X-Amz-Checksum-") {
			r.Header.Del(name)
		}
	}
	return nil
}

// headerChecksum returns the algorithm and value of an x-amz-checksum-<alg>
// request header, if there is one.
func headerChecksum(h http.Header) (algorithm, value string) {
	for name, values := range h {
		alg, ok := strings.CutPrefix(strings.ToLower(name), "x-amz-checksum-")
		if ok && checksumAlgorithms[alg] != nil && len(values) > 0 {
			return alg, values[0]
		}
	}
	return "", ""
}

// checksumReader hashes what it reads and, at the end of the body, compares
// the base64 digest with the expected value.
type checksumReader struct {
	r         io.Reader
	algorithm string
	h         hash.Hash
	want      func() string
}

func newChecksumReader(r io.Reader, algorithm string, want func() string) *checksumReader {
	return &checksumReader{r: r, algorithm: algorithm, h: checksumAlgorithms[algorithm](), want: want}
}

func (c *checksumReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	if err == io.EOF {
		want := c.want()
		if want == "" {
			return n, gofakes3.ErrorMessage(gofakes3.ErrIncompleteBody,
				"The x-amz-checksum-"+c.algorithm+" trailer announced by x-amz-trailer was not sent.")
		}
		if got := base64.StdEncoding.EncodeToString(c.h.Sum(nil)); got != want {
			return n, gofakes3.ErrorMessagef(gofakes3.ErrBadDigest,
				"The %s you specified did not match the calculated checksum.", strings.ToUpper(c.algorithm))
		}
	}
	return n, err
}

// awsChunkedReader decodes the aws-chunked content encoding:
//
//	<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;...]\r\n<trailers>\r\n
//
// Chunk and trailer signatures are skipped, for the reason given on
// checkAuthorizationHeader.
type awsChunkedReader struct {
	r         *bufio.Reader
	remaining int64 // bytes left in the current chunk
	started   bool
	err       error
	trailers  http.Header // valid once Read has returned io.EOF
}

func newAWSChunkedReader(r io.Reader) *awsChunkedReader {
	return &awsChunkedReader{r: bufio.NewReaderSize(r, 64<<10), trailers: http.Header{}}
}

// maxChunkLine bounds a chunk header or trailer line so that a malformed body
// cannot make the decoder buffer without limit.
const maxChunkLine = 4 << 10

func (c *awsChunkedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	for c.remaining == 0 {
		if err := c.nextChunk(); err != nil {
			c.err = err
			return 0, err
		}
	}
	if int64(len(p)) > c.remaining {
		p = p[:c.remaining]
	}
	n, err := c.r.Read(p)
	c.remaining -= int64(n)
	if err == io.EOF {
		err = errIncompleteChunkedBody
	}
	if err != nil {
		c.err = err
	}
	return n, err
}

var errIncompleteChunkedBody = gofakes3.ErrorMessage(gofakes3.ErrIncompleteBody,
	"The aws-chunked request body ended before its final chunk.")

func (c *awsChunkedReader) nextChunk() error {
	if c.started {
		// Each chunk's data is followed by CRLF.
		if line, err := c.line(); err != nil || line != "" {
			return errIncompleteChunkedBody
		}
	}
	c.started = true
	line, err := c.line()
	if err != nil {
		return errIncompleteChunkedBody
	}
	sizeHex, _, _ := strings.Cut(line, ";")
	size, err := strconv.ParseInt(strings.TrimSpace(sizeHex), 16, 64)
	if err != nil || size < 0 {
		return gofakes3.ErrorMessage(gofakes3.ErrIncompleteBody, fmt.Sprintf("Invalid aws-chunked chunk header %q.", line))
	}
	if size > 0 {
		c.remaining = size
		return nil
	}
	// Final chunk: trailers follow, one per line, up to an empty line or the
	// end of the body.
	for {
		line, err := c.line()
		if errors.Is(err, io.EOF) || (err == nil && line == "") {
			return io.EOF
		}
		if err != nil {
			return errIncompleteChunkedBody
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return gofakes3.ErrorMessage(gofakes3.ErrIncompleteBody, fmt.Sprintf("Invalid aws-chunked trailer %q.", line))
		}
		c.trailers.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
}

// line reads one CRLF-terminated line without its terminator.
func (c *awsChunkedReader) line() (string, error) {
	var buf bytes.Buffer
	for {
		frag, err := c.r.ReadSlice('\n')
		buf.Write(frag)
		if buf.Len() > maxChunkLine {
			return "", errIncompleteChunkedBody
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF && buf.Len() > 0 {
				return strings.TrimRight(buf.String(), "\r\n"), nil
			}
			return "", err
		}
		return strings.TrimSuffix(strings.TrimSuffix(buf.String(), "\n"), "\r"), nil
	}
}

type readCloser struct {
	io.Reader
	io.Closer
}

// hasToken reports whether a comma-separated header value holds token.
func hasToken(v, token string) bool {
	for _, t := range strings.Split(v, ",") {
		if strings.EqualFold(strings.TrimSpace(t), token) {
			return true
		}
	}
	return false
}

// removeToken drops token from a comma-separated header value.
func removeToken(v, token string) string {
	var kept []string
	for _, t := range strings.Split(v, ",") {
		if t = strings.TrimSpace(t); t != "" && !strings.EqualFold(t, token) {
			kept = append(kept, t)
		}
	}
	return strings.Join(kept, ",")
}

func setContentEncoding(h http.Header, v string) {
	if v == "" {
		h.Del("Content-Encoding")
		return
	}
	h.Set("Content-Encoding", v)
}
