package main

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// flagRow is a row of a flag table in docs/reference.md:
// | `--name` | `default` | meaning |   (an empty default cell for "").
var flagRow = regexp.MustCompile("^\\| `--([a-z0-9-]+)` \\| (?:`([^`]*)`)? *\\|")

// flagTable returns the name → default of the flag table under heading.
func flagTable(t *testing.T, doc, heading string) map[string]string {
	t.Helper()
	_, section, ok := strings.Cut(doc, "\n"+heading+"\n")
	if !ok {
		t.Fatalf("docs/reference.md has no heading %q", heading)
	}
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	rows := map[string]string{}
	for _, line := range strings.Split(section, "\n") {
		if m := flagRow.FindStringSubmatch(line); m != nil {
			if _, dup := rows[m[1]]; dup {
				t.Errorf("%s: --%s has two rows", heading, m[1])
			}
			rows[m[1]] = m[2]
		} else if strings.HasPrefix(line, "| `") {
			t.Errorf("%s: row not of the form | `--flag` | `default` | meaning |: %s", heading, line)
		}
	}
	return rows
}

// The flag tables of docs/reference.md list every flag each command
// registers, with its real default, and no flag that does not exist.
func TestFlagTablesMatchFlags(t *testing.T) {
	b, err := os.ReadFile("../../docs/reference.md")
	if err != nil {
		t.Fatal(err)
	}
	serveFS, _, _ := serveFlagSet()
	edgeFS, _, _ := edgeFlagSet()
	for _, c := range []struct {
		heading string
		fs      *flag.FlagSet
	}{
		{"## Flags of `streamfront serve`", serveFS},
		{"## Flags of `streamfront edge`", edgeFS},
	} {
		rows := flagTable(t, string(b), c.heading)
		c.fs.VisitAll(func(f *flag.Flag) {
			def, ok := rows[f.Name]
			switch {
			case !ok:
				t.Errorf("%s: --%s (default %q) has no row", c.heading, f.Name, f.DefValue)
			case def != f.DefValue:
				t.Errorf("%s: --%s default is %q, the table says %q", c.heading, f.Name, f.DefValue, def)
			}
			delete(rows, f.Name)
		})
		for name := range rows {
			t.Errorf("%s: --%s has a row but is no flag", c.heading, name)
		}
	}
}

// The Layout section of docs/contributing.md names every package of the
// module (every directory holding Go files).
func TestLayoutListsEveryPackage(t *testing.T) {
	b, err := os.ReadFile("../../docs/contributing.md")
	if err != nil {
		t.Fatal(err)
	}
	_, layout, _ := strings.Cut(string(b), "\n## Layout\n")
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^- `([a-z0-9/]+)`").FindAllStringSubmatch(layout, -1) {
		listed[m[1]] = true
	}
	packages := map[string]bool{}
	err = filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") && path != "../.." {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			packages[filepath.ToSlash(strings.TrimPrefix(filepath.Dir(path), "../../"))] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p := range packages {
		if !listed[p] {
			t.Errorf("package %s is not in the Layout of docs/contributing.md", p)
		}
	}
	for p := range listed {
		if !packages[p] {
			t.Errorf("docs/contributing.md lists %s, which holds no Go package", p)
		}
	}
}
