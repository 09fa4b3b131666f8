package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/rosterhq/roster/scim/filter"
)

// MaxOperations is the default bound on the operations of one PATCH request.
const MaxOperations = 1000

// PatchOpSchema is the schema URI every PATCH request body must declare (RFC 7644 §3.5.2).
const PatchOpSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

// Operation is one PATCH operation. Op is "add", "remove" or "replace" in lower
// case; Path is the attribute path as sent, empty when absent; Value is the raw
// JSON value, nil when absent.
type Operation struct {
	Op    string
	Path  string
	Value json.RawMessage
}

// request is a PatchOp message. encoding/json matches keys case-insensitively,
// so "Operations", "operations" and "OPERATIONS" all fill Operations.
type request struct {
	Schemas    []string `json:"schemas"`
	Operations []struct {
		Op    string          `json:"op"`
		Path  *string         `json:"path"`
		Value json.RawMessage `json:"value"`
	} `json:"Operations"`
}

// Decode parses a PatchOp request body (RFC 7644 §3.5.2) and checks it before
// anything is applied: schemas must contain PatchOpSchema, Operations must hold
// one to maxOps operations (maxOps <= 0 means MaxOperations), op names are
// accepted in any case ("Replace", "Add", "Remove") and normalised to lower
// case, paths must parse, add and replace must carry a value and remove must
// carry a path.
//
// Errors are *Error with ScimType invalidSyntax (malformed body, missing
// schema, unknown op, missing value), tooMany (more than maxOps operations),
// invalidPath or invalidFilter (bad path), or noTarget (remove without path,
// as §3.5.2.2 requires).
func Decode(body []byte, maxOps int) ([]Operation, error) {
	if maxOps <= 0 {
		maxOps = MaxOperations
	}
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, &Error{ScimType: invalidSyntax, Op: -1, Detail: "request body is not a PatchOp message: " + err.Error(), err: err}
	}
	if !hasSchema(req.Schemas) {
		return nil, errorf(invalidSyntax, -1, "schemas must contain %q", PatchOpSchema)
	}
	if len(req.Operations) == 0 {
		return nil, errorf(invalidSyntax, -1, "Operations must hold at least one operation")
	}
	if len(req.Operations) > maxOps {
		return nil, errorf(tooMany, -1, "%d operations exceed the limit of %d", len(req.Operations), maxOps)
	}
	ops := make([]Operation, len(req.Operations))
	for i, o := range req.Operations {
		op := Operation{Op: strings.ToLower(o.Op), Value: o.Value}
		if o.Path != nil {
			op.Path = *o.Path
		}
		if err := check(op, i); err != nil {
			return nil, err
		}
		ops[i] = op
	}
	return ops, nil
}

func hasSchema(schemas []string) bool {
	for _, s := range schemas {
		if strings.EqualFold(s, PatchOpSchema) {
			return true
		}
	}
	return false
}

// check enforces the presence rules of RFC 7644 §3.5.2.1-3 on operation i.
func check(op Operation, i int) error {
	switch op.Op {
	case "add", "replace":
		if len(bytes.TrimSpace(op.Value)) == 0 {
			return errorf(invalidSyntax, i, "%s requires a value", op.Op)
		}
	case "remove":
		if op.Path == "" {
			return errorf(noTarget, i, "remove requires a path")
		}
	default:
		return errorf(invalidSyntax, i, "unknown op %q: want add, remove or replace", op.Op)
	}
	if op.Path == "" {
		return nil
	}
	_, err := parsePath(op.Path, i)
	return err
}

// parsePath parses an operation path. A syntax error inside the brackets of a
// value path is invalidFilter; any other is invalidPath.
func parsePath(s string, op int) (filter.Path, error) {
	p, err := filter.ParsePath(s)
	if err == nil {
		return p, nil
	}
	scimType := invalidPath
	var fe *filter.Error
	if errors.As(err, &fe) {
		if b := strings.IndexByte(s, '['); b >= 0 && fe.Pos > b {
			scimType = invalidFilter
		}
	}
	return filter.Path{}, &Error{ScimType: scimType, Op: op, Detail: "path " + quote(s) + ": " + err.Error(), err: err}
}

// quote shortens long input for error details.
func quote(s string) string {
	const max = 200
	if len(s) > max {
		s = s[:max] + "…"
	}
	b, _ := json.Marshal(s)
	return string(b)
}
