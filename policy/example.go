package policy

import _ "embed"

//go:embed example.json
var example []byte

// Example returns a complete policy: the folders and metadata extensions, roles
// that drive active, a license and four ranked access roles, userType limited to
// Premium or Standard, required first name, last name and work email, a unique
// work email, and unknown folders kept with a warning.
func Example() []byte { return append([]byte(nil), example...) }
