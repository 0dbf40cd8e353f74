package serve

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// chromium finds Debian's Chromium; outside CI a missing browser skips the
// test (CI installs it: see SERVE.md), in CI it fails.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "headless browser test: Debian's chromium is not installed (apt-get install -y chromium)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// runChromium runs one headless Chromium in its own process group (its
// helpers die with it) and returns stdout.
func runChromium(t *testing.T, bin string, args ...string) string {
	t.Helper()
	// Start-up alone took 20-60 s on the loaded 2-core machine.
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
		"--ignore-certificate-errors", "--hide-scrollbars", "--force-device-scale-factor=1",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
		"--no-default-browser-check", "--disable-breakpad", "--password-store=basic", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	t.Logf("chromium ran %v", time.Since(start).Round(100*time.Millisecond))
	if err != nil {
		e := errb.String()
		t.Fatalf("chromium %v: %v\n%s", args, err, e[max(0, len(e)-1500):])
	}
	return out.String()
}

// TestPageInChromium opens the page of a genuine, a recalled and an unknown
// item in headless Chromium: the DOM it renders says the verdict first, and
// the screenshot's banner has the verdict's colour (one Chromium run per
// item: about 25 s each on the loaded 2-core machine, mostly start-up).
func TestPageInChromium(t *testing.T) {
	integration(t)
	bin := chromium(t)
	for _, c := range []struct {
		item, verdict, headline string
		banner                  [3]uint8 // RGB of the verdict banner
		has, hasNot             []string
	}{
		{"genuine", "genuine", "Genuine product", [3]uint8{0x0b, 0x6b, 0x2e}, []string{description, "matches the registered lot", "block height", "Checked by ManufacturerMSP"}, []string{"Held by", "<caption>"}},
		{"recalled", "recalled", "Recalled: do not use", [3]uint8{0xa1, 0x15, 0x1b}, []string{"under a recall", description}, []string{"seal defect"}},
		{"unknown", "unknown", "Unknown serial: not genuine", [3]uint8{0xa1, 0x15, 0x1b}, []string{"was ever registered"}, []string{description}},
	} {
		url := main_.url + path(items[c.item])
		shot := filepath.Join(t.TempDir(), c.item+".png")
		dom := runChromium(t, bin, "--dump-dom", "--screenshot="+shot, "--window-size=412,800", url)
		h1 := strings.Index(dom, "<h1")
		if h1 < 0 || !strings.Contains(dom[h1:], `data-verdict="`+c.verdict+`"`) || !strings.Contains(dom[h1:h1+200], c.headline) {
			t.Errorf("%s: rendered DOM lacks the verdict headline %q:\n%.2000s", c.item, c.headline, dom)
		}
		if h2 := strings.Index(dom, "<h2"); h2 >= 0 && h2 < h1 {
			t.Errorf("%s: verdict is not the first heading", c.item)
		}
		for _, s := range c.has {
			if !strings.Contains(dom, s) {
				t.Errorf("%s: page lacks %q", c.item, s)
			}
		}
		for _, s := range c.hasNot {
			if strings.Contains(dom, s) {
				t.Errorf("%s: anonymous page shows %q", c.item, s)
			}
		}
		f, err := os.Open(shot)
		if err != nil {
			t.Fatalf("%s: no screenshot: %v", c.item, err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: screenshot: %v", c.item, err)
		}
		// the banner's top right corner: clear of its text
		r, g, b, _ := img.At(img.Bounds().Max.X-3, 4).RGBA()
		got := [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}
		if got != c.banner {
			t.Errorf("%s: banner colour %x, want %x", c.item, got, c.banner)
		}
		if dir := os.Getenv("PROV_SERVE_SCREENSHOTS"); dir != "" {
			data, _ := os.ReadFile(shot)
			_ = os.WriteFile(filepath.Join(dir, "serve-"+c.item+".png"), data, 0o644)
		}
	}
}
