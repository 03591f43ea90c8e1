// Package deps is how constructors refuse what they cannot work without.
// A constructor lists its required dependencies with Check, which names
// every one that is missing in one error, and passes each optional one
// through Optional, so that its "!= nil" guards mean what they say.
//
// Missing includes typed nils: a nil *s3files.Files stored in an
// interface field is not == nil, yet every call through it fails (or
// panics). A composition root that builds a client only when a variable is
// set and hands the result on as an interface produces exactly that; Check
// catches it at start, with the field's name, instead of at the first
// request.
//
// It imports only the standard library and apperr.
//
// Layer: leaf.
package deps

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/claimsdesk/backend/shared/apperr"
)

// Dependency is one required dependency of a constructor: the name of its
// field in the constructor's Config and the value given.
type Dependency struct {
	name  string
	value any
}

// Need names a required dependency for Check.
func Need(name string, value any) Dependency { return Dependency{name: name, value: value} }

// Check returns nil when every dependency is there, else an Internal error
// (a wiring mistake, never a caller's) whose message and fields name each
// missing one, in the order given, as "<component>: missing Store, Files
// (a nil *s3files.Files)".
func Check(component string, deps ...Dependency) error {
	var fields []apperr.FieldError
	var names []string
	for _, d := range deps {
		if !Missing(d.value) {
			continue
		}
		msg := "required"
		name := d.name
		if d.value != nil {
			msg = fmt.Sprintf("required, got an empty or nil %T", d.value)
			name += fmt.Sprintf(" (an empty or nil %T)", d.value)
		}
		fields = append(fields, apperr.FieldError{Field: d.name, Message: msg})
		names = append(names, name)
	}
	if len(fields) == 0 {
		return nil
	}
	return &apperr.Error{Code: apperr.Internal, Message: component + ": missing " + strings.Join(names, ", "), Fields: fields}
}

// Missing reports whether v is absent: nil, a nil pointer, map, slice,
// function, channel or interface (also inside a non-nil interface value:
// a typed nil), or an empty string or slice (a table name, a key).
func Missing(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Func, reflect.Chan, reflect.Interface, reflect.UnsafePointer:
		return rv.IsNil()
	case reflect.Slice:
		return rv.IsNil() || rv.Len() == 0
	case reflect.String:
		return rv.Len() == 0
	}
	return false
}

// Optional returns v, or the zero value of T (an untyped nil for an
// interface type) when v is Missing: an optional dependency given as a
// typed nil becomes a real nil, and the "!= nil" guard that switches its
// feature off works.
func Optional[T any](v T) T {
	if Missing(any(v)) {
		var zero T
		return zero
	}
	return v
}
