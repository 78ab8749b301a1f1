package net

import "flag"

// -update rewrites golden files in the packages that have them; it is
// defined here too so that go test ./... -update runs in every package.
var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")
