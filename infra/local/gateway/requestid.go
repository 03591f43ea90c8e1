package gateway

import (
	"encoding/base64"
	"encoding/binary"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// requestIDs hands out request IDs shaped like API Gateway's
// ("JKJaXmPLvHcESHA=": 11 bytes, URL-safe base64). A counter passed through
// a bijective mixer guarantees uniqueness within the process while the
// result still looks random, which is what clients that log or correlate
// IDs see in production.
type requestIDs struct {
	counter atomic.Uint64
	salt    uint64
}

func newRequestIDs() *requestIDs {
	return &requestIDs{salt: rand.Uint64()}
}

func (g *requestIDs) next() string {
	var raw [11]byte
	binary.BigEndian.PutUint64(raw[:8], mix64(g.counter.Add(1)^g.salt))
	r := rand.Uint32()
	raw[8], raw[9], raw[10] = byte(r), byte(r>>8), byte(r>>16)
	return base64.URLEncoding.EncodeToString(raw[:])
}

// mix64 is the splitmix64 finaliser; it is a bijection on uint64.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// traceID returns an X-Ray style trace header value,
// Root=1-<8 hex epoch seconds>-<24 hex random>.
func traceID(now time.Time) string {
	var b [35 + 5]byte
	buf := append(b[:0], "Root=1-"...)
	sec := uint32(now.Unix())
	for shift := 28; shift >= 0; shift -= 4 {
		buf = append(buf, hexDigits[(sec>>uint(shift))&0xf])
	}
	buf = append(buf, '-')
	for range 3 {
		r := rand.Uint32()
		for shift := 28; shift >= 0; shift -= 4 {
			buf = append(buf, hexDigits[(r>>uint(shift))&0xf])
		}
	}
	return string(buf)
}
