package deps_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/deps"
)

// files stands for an adapter: a concrete type behind an interface.
type files struct{ bucket string }

func (f *files) Stat(context.Context, string) error { return nil }

type stater interface {
	Stat(ctx context.Context, key string) error
}

// TestMissing covers every shape of "absent", the typed nil above all: a
// nil *files stored in an interface is != nil to Go and Missing here.
func TestMissing(t *testing.T) {
	var nilFiles *files
	var typedNil stater = nilFiles
	var nilIface stater
	tests := []struct {
		name string
		v    any
		want bool
	}{
		{"untyped nil", nil, true},
		{"nil interface", nilIface, true},
		{"typed nil in an interface", typedNil, true},
		{"nil pointer", nilFiles, true},
		{"nil map", map[string]int(nil), true},
		{"nil func", (func())(nil), true},
		{"nil channel", (chan int)(nil), true},
		{"nil slice", []byte(nil), true},
		{"empty slice", []byte{}, true},
		{"empty string", "", true},
		{"pointer", &files{}, false},
		{"pointer in an interface", stater(&files{}), false},
		{"func", func() {}, false},
		{"key", []byte("k"), false},
		{"string", "claims", false},
		{"empty map", map[string]int{}, false},
		{"zero number", 0, false},
		{"struct", files{}, false},
	}
	for _, tt := range tests {
		if got := deps.Missing(tt.v); got != tt.want {
			t.Errorf("Missing(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
	if typedNil == nil {
		t.Fatal("the typed nil compares equal to nil: the test shows nothing")
	}
}

// TestCheckNamesEveryMissingDependency: one error, code Internal, naming
// each missing dependency in order (with the type of a typed nil), and
// nothing when all are there.
func TestCheckNamesEveryMissingDependency(t *testing.T) {
	var nilFiles *files
	var typedNil stater = nilFiles
	err := deps.Check("intake", deps.Need("Store", nil), deps.Need("Files", typedNil), deps.Need("Catalog", &files{}), deps.Need("Table", ""))
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Internal {
		t.Fatalf("Check = %v, want an Internal *apperr.Error", err)
	}
	if want := "intake: missing Store, Files (an empty or nil *deps_test.files), Table (an empty or nil string)"; e.Message != want {
		t.Errorf("message = %q, want %q", e.Message, want)
	}
	var got []string
	for _, f := range e.Fields {
		got = append(got, f.Field)
	}
	if diff := cmp.Diff([]string{"Store", "Files", "Table"}, got); diff != "" {
		t.Errorf("fields mismatch (-want +got):\n%s", diff)
	}
	if err := deps.Check("intake", deps.Need("Store", &files{}), deps.Need("Table", "claims")); err != nil {
		t.Errorf("Check with everything = %v, want nil", err)
	}
}

// TestOptionalTurnsATypedNilIntoNil: the guard an optional dependency
// needs ("if cfg.Roster != nil") works after Optional.
func TestOptionalTurnsATypedNilIntoNil(t *testing.T) {
	var nilFiles *files
	var typedNil stater = nilFiles
	if got := deps.Optional(typedNil); got != nil {
		t.Errorf("Optional(typed nil) = %#v, want nil", got)
	}
	real := stater(&files{bucket: "b"})
	if got := deps.Optional(real); got != real {
		t.Errorf("Optional(value) = %#v, want the value", got)
	}
	if got := deps.Optional([]byte{}); got != nil {
		t.Errorf("Optional(empty slice) = %#v, want nil", got)
	}
	if got := deps.Optional("x"); !strings.EqualFold(got, "x") {
		t.Errorf("Optional(%q) = %q", "x", got)
	}
}
