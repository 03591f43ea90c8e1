// Package apperr is the application's one error vocabulary. Domain and storage
// code return *Error values with a Code; the HTTP edge (package apigw) maps each
// Code to a status in exactly one table and never shows other errors' text to
// clients.
//
// It imports only the standard library.
//
// Layer: leaf.
package apperr

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Code classifies an error for callers and for the HTTP status mapping.
type Code string

// The codes. Every error a client can see carries one of them.
const (
	// Invalid: the request is malformed or fails validation; Fields name the culprits.
	Invalid Code = "invalid"
	// Unprocessable: the request is well formed but contradicts an earlier one
	// (an idempotency key reused with another body).
	Unprocessable Code = "unprocessable"
	// NotFound: the thing does not exist or the caller may not know it exists.
	NotFound Code = "not_found"
	// Conflict: a concurrent change won (optimistic locking) or the state forbids the change.
	Conflict Code = "conflict"
	// Forbidden: the caller is known but may not do this.
	Forbidden Code = "forbidden"
	// Gone: the thing existed but was withdrawn for good (a revoked QR code).
	Gone Code = "gone"
	// Unauthorized: the caller is not signed in.
	Unauthorized Code = "unauthorized"
	// TooLarge: the request body or an upload exceeds its limit.
	TooLarge Code = "too_large"
	// UnsupportedMedia: the content type is not accepted.
	UnsupportedMedia Code = "unsupported_media_type"
	// RateLimited: too many requests from this client.
	RateLimited Code = "rate_limited"
	// Internal: anything else; details are logged, never shown.
	Internal Code = "internal"
)

// FieldError names one invalid field (dotted path, e.g. "product.serial").
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is an application error.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	// Details carries machine-readable extras for the client, such as the
	// current version on a conflict.
	Details map[string]any
	// RetryAfter, when set, is how long the client should wait before
	// trying again (a Retry-After header).
	RetryAfter time.Duration
}

// Error implements error.
func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, strings.Join(parts, "; "))
}

// Errorf returns an error with code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// InvalidField returns an Invalid error about one field.
func InvalidField(field, message string) *Error {
	return &Error{Code: Invalid, Message: "invalid " + field + ": " + message, Fields: []FieldError{{field, message}}}
}

// Validation returns an Invalid error listing every failing field, or nil when
// there are none.
func Validation(fields []FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Message: "the request has invalid fields", Fields: fields}
}

// CodeOf returns the code of the first *Error in err's chain, Internal when
// there is none, and "" for a nil error.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Is reports whether err carries code.
func Is(err error, code Code) bool { return CodeOf(err) == code }
