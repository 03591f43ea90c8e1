// Package build compiles the functions' bootstrap binaries for the host with the
// same flags SAM's makefile build uses for Lambda (CGO off, -tags lambda.norpc,
// trimmed and stripped), and watches the sources to rebuild them on change.
//
// Binaries land in content-addressed directories, so a rebuild that changes
// nothing is recognised and a running process never has its executable
// overwritten. It must not import AWS SDK packages.
//
// Layer: local.
package build

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// Target is one function to build.
type Target struct {
	LogicalID string
	Package   string // the main package's directory, relative to the module root
}

// Builder builds targets of the module at Root into OutDir.
type Builder struct {
	Root   string
	OutDir string
	Logger *slog.Logger
	// GOOS/GOARCH override the host platform (the SAM build uses linux/arm64).
	GOOS, GOARCH string
}

// Build compiles every target in one go invocation and returns, per logical ID,
// the path of its bootstrap. Compiler output is part of the error.
func (b *Builder) Build(ctx context.Context, targets []Target) (map[string]string, error) {
	if len(targets) == 0 {
		return map[string]string{}, nil
	}
	// A stable output directory lets go build skip linking binaries that are
	// already up to date (it compares build IDs), which makes a restart cheap.
	staging := filepath.Join(b.OutDir, ".bin")
	if err := os.MkdirAll(staging, 0o755); err != nil {
		return nil, fmt.Errorf("create build dir: %w", err)
	}
	args := []string{"build", "-trimpath", "-tags", "lambda.norpc", "-ldflags", "-s -w", "-o", staging + string(os.PathSeparator)}
	seen := map[string]bool{}
	// go build -o <dir>/ names each binary after its package's directory.
	named := map[string]string{}
	for _, t := range targets {
		pkg := "./" + filepath.ToSlash(t.Package)
		if other, ok := named[filepath.Base(pkg)]; ok && other != pkg {
			return nil, fmt.Errorf("build %s: packages %s and %s end in the same directory name; give one another name", t.LogicalID, other, pkg)
		}
		named[filepath.Base(pkg)] = pkg
		if !seen[pkg] {
			seen[pkg] = true
			args = append(args, pkg)
		}
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = b.Root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b.GOOS != "" {
		cmd.Env = append(cmd.Env, "GOOS="+b.GOOS)
	}
	if b.GOARCH != "" {
		cmd.Env = append(cmd.Env, "GOARCH="+b.GOARCH)
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go build: %w\n%s", err, strings.TrimSpace(out.String()))
	}
	// -o with a trailing separator writes each binary as <dir>/<package name>.
	result := map[string]string{}
	for _, t := range targets {
		name := filepath.Base(t.Package)
		built := filepath.Join(staging, name)
		final, err := b.place(t.LogicalID, built)
		if err != nil {
			return nil, err
		}
		result[t.LogicalID] = final
	}
	return result, nil
}

// place links (or copies) a fresh binary to
// OutDir/<LogicalID>/<content hash>/bootstrap, keeping an identical one already
// there. Processes run from these paths, never from go build's output.
func (b *Builder) place(logicalID, built string) (string, error) {
	sum, err := fileHash(built)
	if err != nil {
		return "", fmt.Errorf("hash %s: %w", built, err)
	}
	dir := filepath.Join(b.OutDir, logicalID, sum[:16])
	final := filepath.Join(dir, "bootstrap")
	if _, err := os.Stat(final); err == nil {
		return final, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	// A unique temporary name: test processes sharing a build dir may place
	// the same binary at the same time.
	tmp := fmt.Sprintf("%s.tmp-%d-%d", final, os.Getpid(), time.Now().UnixNano())
	defer os.Remove(tmp)
	if err := os.Link(built, tmp); err != nil {
		if err := copyFile(built, tmp); err != nil {
			return "", fmt.Errorf("copy binary: %w", err)
		}
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", fmt.Errorf("place binary: %w", err)
	}
	return final, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Prune removes a function's binaries other than keep. Running processes are
// unaffected: their executable stays open.
func (b *Builder) Prune(logicalID, keep string) {
	base := filepath.Join(b.OutDir, logicalID)
	entries, err := os.ReadDir(base)
	if err != nil {
		return
	}
	keepDir := filepath.Dir(keep)
	for _, e := range entries {
		p := filepath.Join(base, e.Name())
		if p != keepDir {
			os.RemoveAll(p)
		}
	}
}

func fileHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// SourceDirs returns the directories of the packages inside root that the
// given packages (directories relative to root) are built from: their own
// and those of every package they import from the same project, as go
// list -deps resolves them with the build's tags. Directories nested in
// another listed one are left out (Fingerprint walks them).
func SourceDirs(ctx context.Context, root string, packages []string) ([]string, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("source dirs: %w", err)
	}
	args := []string{"list", "-e", "-deps", "-tags", "lambda.norpc", "-f", "{{if not .Standard}}{{.Dir}}{{end}}"}
	for _, p := range packages {
		args = append(args, "./"+filepath.ToSlash(p))
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w\n%s", err, strings.TrimSpace(stderr.String()))
	}
	var dirs []string
	for _, d := range strings.Fields(string(out)) {
		if d == root || strings.HasPrefix(d, root+string(os.PathSeparator)) {
			dirs = append(dirs, d)
		}
	}
	sort.Strings(dirs)
	var outer []string
	for _, d := range dirs {
		if n := len(outer); n > 0 && (d == outer[n-1] || strings.HasPrefix(d, outer[n-1]+string(os.PathSeparator))) {
			continue
		}
		outer = append(outer, d)
	}
	return outer, nil
}

// Fingerprint summarises the sources a function build depends on: every file
// under the given directories (Go code and embedded assets; hidden
// directories, testdata and tests left out) plus the module's go.mod and
// go.sum. It changes when any of them is edited, added or removed.
func Fingerprint(root string, dirs ...string) (string, error) {
	h := sha256.New()
	var files []string
	for _, f := range []string{"go.mod", "go.sum"} {
		files = append(files, filepath.Join(root, f))
	}
	for _, d := range dirs {
		if !filepath.IsAbs(d) {
			d = filepath.Join(root, d)
		}
		err := filepath.WalkDir(d, func(path string, e fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) {
					return nil
				}
				return err
			}
			if e.IsDir() {
				name := e.Name()
				if path != d && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(path, "_test.go") || strings.HasPrefix(e.Name(), ".") {
				return nil
			}
			files = append(files, path)
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("walk %s: %w", d, err)
		}
	}
	sort.Strings(files)
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			continue
		}
		fmt.Fprintf(h, "%s\x00%d\x00%d\n", f, st.Size(), st.ModTime().UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Watch polls the sources of the packages (directories relative to root)
// every interval and calls rebuild when they change, until ctx ends. What
// it watches is what the packages are built from (SourceDirs), listed again
// after each change, so a package newly imported is watched too. Polling
// keeps it dependency-free and works on every file system (including bind
// mounts where inotify events do not arrive).
func Watch(ctx context.Context, root string, packages []string, interval time.Duration, rebuild func(), logger *slog.Logger) {
	sources := func() []string {
		dirs, err := SourceDirs(ctx, root, packages)
		if err != nil {
			if ctx.Err() == nil && logger != nil {
				logger.Warn("cannot list the functions' sources; watching their own directories only", "error", err.Error())
			}
			return packages
		}
		return dirs
	}
	dirs := sources()
	last, _ := Fingerprint(root, dirs...)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fp, err := Fingerprint(root, dirs...)
		if err != nil || fp == last {
			continue
		}
		// Let a burst of saves settle before building.
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval / 2):
		}
		// What this build sees: a save during it makes another.
		if last, err = Fingerprint(root, dirs...); err != nil {
			continue
		}
		rebuild()
		if again := sources(); !slices.Equal(again, dirs) {
			dirs = again
			last, _ = Fingerprint(root, dirs...)
		}
	}
}
