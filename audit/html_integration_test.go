//go:build integration

package audit_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sigpolicy/sigpolicy/audit"
	"github.com/sigpolicy/sigpolicy/cluster"
	"github.com/sigpolicy/sigpolicy/fixtures"
)

// TestHTMLReportInChromium renders an audit's HTML report in headless
// Chromium (Debian's chromium package, named by SIGPOLICY_TEST_CHROMIUM,
// set by scripts/test-integration.sh) and reads the DOM the page's script
// leaves: the chart has a bar per cause, the table every row, and the
// filter, driven by the URL fragment, hides exactly the other rows.
func TestHTMLReportInChromium(t *testing.T) {
	chromium := os.Getenv("SIGPOLICY_TEST_CHROMIUM")
	if chromium == "" {
		t.Skip("SIGPOLICY_TEST_CHROMIUM is not set; run scripts/test-integration.sh")
	}
	cat, dir := catalogueDir(t)
	set := cat.Audit
	src := cluster.Source{Objects: []string{filepath.Join(dir, set.Policy)}, RegistriesConf: filepath.Join(dir, fixtures.AuditRegistriesConfFile)}
	var images []string
	for _, img := range set.Images {
		images = append(images, img.Reference)
	}
	images = append(images, "not a reference", set.Origin+"/<script>alert(1)</script>:v1")
	report := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(report)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := audit.Run(t.Context(), engine(t, src), refsOf(images), audit.Options{}, audit.NewHTML(f))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()

	dom := func(fragment string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
			"--no-first-run", "--user-data-dir="+t.TempDir(), "--dump-dom", "file://"+report+fragment)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("chromium: %v", err)
		}
		return string(out)
	}
	rows := regexp.MustCompile(`<tr data-cause="([^"]*)"[^>]*?( hidden="")?>`)
	count := func(page string) (total, shown int, causes map[string]int) {
		causes = map[string]int{}
		for _, m := range rows.FindAllStringSubmatch(page, -1) {
			total++
			if m[2] == "" {
				shown++
				causes[m[1]]++
			}
		}
		return
	}

	all := dom("")
	total, shown, _ := count(all)
	if total != sum.Images || shown != total {
		t.Errorf("unfiltered: %d rows, %d shown, %d images", total, shown, sum.Images)
	}
	if bars := strings.Count(all, `<g class="bar"`); bars != len(sum.Causes)+1 {
		t.Errorf("%d chart bars, want %d causes and allowed", bars, len(sum.Causes))
	}
	if !strings.Contains(all, "<rect") || strings.Contains(all, "<script>alert") {
		t.Error("no chart bars, or the input's markup reached the page unescaped")
	}
	// The filter's options are built by the script from the chart.
	if opts := strings.Count(all, "<option value="); opts != len(sum.Causes)+2 {
		t.Errorf("%d filter options, want %d", opts, len(sum.Causes)+2)
	}

	byCause := dom("#cause=signature-not-mirrored")
	total, shown, causes := count(byCause)
	want := sum.Causes[audit.CauseSignatureNotMirrored]
	if total != sum.Images || shown != want || causes[string(audit.CauseSignatureNotMirrored)] != want {
		t.Errorf("cause filter: %d of %d rows shown (%v), want %d", shown, total, causes, want)
	}
	if !strings.Contains(byCause, "oc image mirror ") {
		t.Error("the signature-not-mirrored rows lack their oc image mirror line")
	}
	if !strings.Contains(byCause, `id="shown">`+strconv.Itoa(want)+" of "+strconv.Itoa(total)+" rows<") {
		t.Error("the row counter does not say how many rows the filter shows")
	}

	byText := dom("#q=origin-only")
	if _, shown, causes := count(byText); shown != 2 || causes["allowed"] != 2 {
		t.Errorf("text filter origin-only: %d rows shown (%v), want the 2 allowed references", shown, causes)
	}

	shot := filepath.Join(t.TempDir(), "report.png")
	cmd := exec.CommandContext(t.Context(), chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--no-first-run", "--user-data-dir="+t.TempDir(), "--window-size=1280,900", "--screenshot="+shot, "file://"+report)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("screenshot: %v\n%s", err, out)
	}
	if st, err := os.Stat(shot); err != nil || st.Size() < 10_000 {
		t.Errorf("screenshot %v, %v: the page rendered nothing", st, err)
	}
}
