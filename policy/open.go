package policy

import (
	"errors"

	"github.com/rosterhq/roster/scim/schema"
)

// withExtension adds extension s of the User resource type to reg.
func withExtension(reg *schema.Registry, s *schema.Schema, open bool) (*schema.Registry, error) {
	if open {
		return nil, errors.New("open extensions are not supported")
	}
	return reg.WithExtension(userType, s, false)
}
