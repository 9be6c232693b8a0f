package testenv

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoFailNowOffTheTestGoroutine checks every test file of the module for
// goroutines that may end the test: Fatal, FailNow and Skip must be called
// from the test's own goroutine (Go does not support anything else, and a
// Skip there leaves a test passing with its results unchecked). A goroutine
// started by a test may call none of them, nor hand a *testing.T, *testing.B
// or testing.TB to a function (which may call them, as helpers built on
// Require or Fatal do): it returns errors for the test's goroutine to
// report. go vet's testinggoroutine finds only the direct calls.
//
// The check is by syntax: a helper holding a *testing.T in a struct and
// used in a goroutine escapes it; give such helpers error-returning methods.
func TestNoFailNowOffTheTestGoroutine(t *testing.T) {
	root := moduleRoot(t)
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		for _, bad := range failNowOffTestGoroutine(f) {
			rel, _ := filepath.Rel(root, path)
			t.Errorf("%s:%d: %s in a goroutine started by a test", rel, fset.Position(bad.pos).Line, bad.why)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// badCall is a call that may end a test, and how.
type badCall struct {
	pos token.Pos
	why string
}

// failNowOffTestGoroutine returns the calls of f's goroutines that may end
// a test.
func failNowOffTestGoroutine(f *ast.File) []badCall {
	var bad []badCall
	ast.Inspect(f, func(n ast.Node) bool {
		fn, ok := n.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			return true
		}
		testVars := testingParams(fn.Type)
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			if lit, ok := n.(*ast.FuncLit); ok { // t.Run(name, func(t *testing.T) { … })
				for name := range testingParams(lit.Type) {
					testVars[name] = true
				}
			}
			if g, ok := n.(*ast.GoStmt); ok {
				ast.Inspect(g.Call, func(n ast.Node) bool {
					if c, ok := n.(*ast.CallExpr); ok {
						if why := mayEndTest(c, testVars); why != "" {
							bad = append(bad, badCall{c.Pos(), why})
						}
					}
					return true
				})
			}
			return true
		})
		return false
	})
	return bad
}

// testingParams returns the names of ft's parameters of a testing type.
func testingParams(ft *ast.FuncType) map[string]bool {
	names := map[string]bool{}
	for _, p := range ft.Params.List {
		typ := p.Type
		if star, ok := typ.(*ast.StarExpr); ok {
			typ = star.X
		}
		sel, ok := typ.(*ast.SelectorExpr)
		if !ok {
			continue
		}
		if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "testing" {
			continue
		}
		if sel.Sel.Name == "T" || sel.Sel.Name == "B" || sel.Sel.Name == "TB" {
			for _, n := range p.Names {
				names[n.Name] = true
			}
		}
	}
	return names
}

var failNowMethods = map[string]bool{
	"Fatal": true, "Fatalf": true, "FailNow": true, "Skip": true, "Skipf": true, "SkipNow": true,
}

// mayEndTest says how c may end the test: it calls a FailNow-like method,
// or hands a test variable to a function. It is "" for neither.
func mayEndTest(c *ast.CallExpr, testVars map[string]bool) string {
	name := "a function"
	switch f := c.Fun.(type) {
	case *ast.SelectorExpr:
		if failNowMethods[f.Sel.Name] {
			return "a call of " + f.Sel.Name
		}
		name = f.Sel.Name
	case *ast.Ident:
		name = f.Name
	}
	for _, a := range c.Args {
		if id, ok := a.(*ast.Ident); ok && testVars[id.Name] {
			return "a call of " + name + " with the test's " + id.Name
		}
	}
	return ""
}

// moduleRoot is the directory of the module's go.mod, above the package's.
func moduleRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the package")
		}
		dir = parent
	}
}
