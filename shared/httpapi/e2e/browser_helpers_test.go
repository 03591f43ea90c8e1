package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	jpegenc "image/jpeg" // the package already has a variable named jpeg
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// chromiumPath finds a Chromium or Chrome binary. Without one the browser
// tests skip, unless BROWSER_TESTS=required (CI), where that is a failure.
func chromiumPath(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("BROWSER_TESTS") == "required" {
		t.Fatal("BROWSER_TESTS=required but no Chromium on PATH (looked for chromium, chromium-browser, google-chrome, headless-shell); install it: apt-get install -y chromium")
	}
	t.Skip("Chromium is not installed; set BROWSER_TESTS=required to make this a failure")
	return ""
}

// browserSession is one headless Chromium tab.
type browserSession struct {
	// ctx runs the test's steps; it ends after the test's time budget.
	ctx context.Context
	// tab outlives ctx, so that a timed-out test can still save what the page
	// showed.
	tab context.Context

	mu  sync.Mutex
	log []string // console messages and uncaught exceptions of the page
}

// startBrowser starts Chromium with the flags this sandbox needs and opens a
// tab. The steps get budget; on failure the page's screenshot, HTML and
// console are saved and their paths logged.
func startBrowser(t *testing.T, execPath string, budget time.Duration) *browserSession {
	t.Helper()
	// The hard limit stops the browser itself, should it hang on start.
	hard, cancelHard := context.WithTimeout(context.Background(), budget+30*time.Second)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		// Without these Chromium phones home, and the closed network refuses it.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// A customer's phone in Russia: the form answers in Accept-Language.
		chromedp.Flag("lang", "ru-RU"),
		chromedp.Flag("accept-lang", "ru-RU,ru"),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(hard, opts...)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		_ = chromedp.Cancel(tab)
		cancelTab()
		cancelAlloc()
		cancelHard()
	})
	b := &browserSession{tab: tab}
	// The first run starts the browser; it must not carry the step deadline.
	err := chromedp.Listen(tab, func(ev any) {
		var line string
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value))
			}
			line = fmt.Sprintf("console.%s %s", ev.Type, strings.Join(args, " "))
		case *runtime.EventExceptionThrown:
			line = "exception: " + ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				line += " " + ev.ExceptionDetails.Exception.Description
			}
		default:
			return
		}
		b.mu.Lock()
		b.log = append(b.log, line)
		b.mu.Unlock()
	})
	if err != nil {
		t.Fatalf("start Chromium (%s): %v", execPath, err)
	}
	ctx, cancel := context.WithTimeout(tab, budget)
	t.Cleanup(cancel)
	b.ctx = ctx
	// Registered last, so it runs first: the tab is still open.
	t.Cleanup(func() {
		if t.Failed() {
			b.saveArtifacts(t)
		}
	})
	return b
}

// saveArtifacts writes the page's screenshot, HTML and console to a directory
// that outlives the test (t.TempDir would be removed with it): the one in
// BROWSER_ARTIFACTS, which CI can keep, or a new temporary one.
func (b *browserSession) saveArtifacts(t *testing.T) {
	dir := os.Getenv("BROWSER_ARTIFACTS")
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "browser-e2e-"); err != nil {
			t.Logf("no directory for the browser artifacts: %v", err)
			return
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("no directory for the browser artifacts: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(b.tab, 10*time.Second)
	defer cancel()
	base := filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_"))
	if url, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
		t.Logf("the page at failure: %s", url)
	}
	if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err != nil {
		t.Logf("screenshot: %v", err)
	} else if err := os.WriteFile(base+".png", shot, 0o644); err == nil {
		t.Logf("screenshot: %s", base+".png")
	}
	if html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html"))); err != nil {
		t.Logf("page HTML: %v", err)
	} else if err := os.WriteFile(base+".html", []byte(html), 0o644); err == nil {
		t.Logf("page HTML: %s", base+".html")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, l := range b.log {
		t.Logf("page %s", l)
	}
}

// do runs steps in the tab, failing the test with what was being done.
func (b *browserSession) do(t testing.TB, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t testing.TB, b *browserSession, what, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it holds.
func (b *browserSession) waitFor(t testing.TB, what, cond string) {
	t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("waiting for %s (%s): %v", what, cond, err)
	}
}

// js quotes a Go string as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// chooseOption picks an option of a select and tells the page, as a tap on a
// phone's picker does (CDP has no action for native pickers); it returns the
// option's label.
func chooseOption(id, value string) string {
	return fmt.Sprintf(`(function () {
var s = document.getElementById(%s);
s.focus();
s.value = %s;
if (s.value !== %[2]s) throw new Error('no option ' + %[2]s + ' in #' + s.id);
s.dispatchEvent(new Event('input', { bubbles: true }));
s.dispatchEvent(new Event('change', { bubbles: true }));
return s.selectedOptions[0].textContent.trim();
})()`, js(id), js(value))
}

// setDate fills a date input the way its native picker does: typing into
// one depends on the browser's locale.
func setDate(id, value string) string {
	return fmt.Sprintf(`(function () {
var f = document.getElementById(%s);
f.focus();
f.value = %s;
f.dispatchEvent(new Event('input', { bubbles: true }));
f.dispatchEvent(new Event('change', { bubbles: true }));
return f.value;
})()`, js(id), js(value))
}

// decodeQR reads the text of the QR code in a PNG.
func decodeQR(t testing.TB, pngData []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		t.Fatalf("the QR image is not a PNG: %v", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatalf("QR bitmap: %v", err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decode the QR code: %v", err)
	}
	return res.GetText()
}

// writePhoto encodes a small JPEG of one colour into dir and returns its path
// and bytes.
func writePhoto(t testing.TB, dir, name string, c color.RGBA) (string, []byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := range 240 {
		for x := range 320 {
			img.Set(x, y, color.RGBA{R: c.R, G: c.G ^ uint8(y), B: c.B ^ uint8(x), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := jpegenc.Encode(&buf, img, &jpegenc.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, buf.Bytes()
}
