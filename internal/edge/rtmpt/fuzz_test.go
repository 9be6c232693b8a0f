package rtmpt

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzParsePath: any request path either routes to a known command with a
// session id and a numeric sequence, or is refused; nothing panics.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"/open/1", "/fcs/ident2", "/send/abc/1", "/idle/0123456789abcdef/42", "/close/x/0",
		"/send//1", "/send/a/b/c", "/idle/a/-1", "", "/", "//", "/open/1/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		cmd, id, ok := parsePath(p)
		if !ok {
			return
		}
		switch cmd {
		case "open":
			if p != "/open/1" || id != "" {
				t.Fatalf("parsePath(%q) = open %q", p, id)
			}
		case "send", "idle", "close":
			parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
			if len(parts) != 3 || parts[0] != cmd || parts[1] != id || id == "" || strings.Contains(id, "/") {
				t.Fatalf("parsePath(%q) = %s %q", p, cmd, id)
			}
			if _, err := strconv.ParseUint(parts[2], 10, 32); err != nil {
				t.Fatalf("parsePath(%q) accepted sequence %q", p, parts[2])
			}
		default:
			t.Fatalf("parsePath(%q) = unknown command %q", p, cmd)
		}
	})
}
