// Prints string constants of kind's node-image builder (package sigs.k8s.io/kind/pkg/build/nodeimage),
// evaluated by the Go type checker from kind's own source: the default CNI and storage manifests
// and the image names they use, exactly as `kind build node-image` writes them into a node image.
//
//	go run . <kind module dir> <constant name>
package main

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: kind-constants <kind module dir> <constant>")
		os.Exit(2)
	}
	dir := filepath.Join(os.Args[1], "pkg", "build", "nodeimage")
	fset := token.NewFileSet()
	var files []*ast.File
	// The const files import nothing, so they type-check on their own.
	for _, name := range []string{"const.go", "const_cni.go", "const_storage.go"} {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, 0)
		if err != nil {
			fail(err)
		}
		files = append(files, f)
	}
	pkg, err := (&types.Config{Importer: importer.Default()}).Check("nodeimage", fset, files, nil)
	if err != nil {
		fail(err)
	}
	obj, ok := pkg.Scope().Lookup(os.Args[2]).(*types.Const)
	if !ok || obj.Val().Kind() != constant.String {
		fail(fmt.Errorf("%s is not a string constant of kind's nodeimage package", os.Args[2]))
	}
	fmt.Print(constant.StringVal(obj.Val()))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "kind-constants:", err)
	os.Exit(1)
}
