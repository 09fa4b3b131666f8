package filter

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// AttrPath is an attribute path (RFC 7644 §3.10): [URN ":"] Name ["." Sub].
// Names keep the case in which they were written; compare them with strings.EqualFold.
type AttrPath struct {
	URN  string // schema URN, e.g. "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"; may be empty
	Name string // attribute name, e.g. "name"
	Sub  string // sub-attribute name, e.g. "familyName"; may be empty
	Pos  int    // byte offset of the path in the parsed text
}

// String returns the path as written in a filter: "urn:...:User:name.familyName".
func (p AttrPath) String() string {
	n := len(p.Name)
	if p.URN != "" {
		n += len(p.URN) + 1
	}
	if p.Sub != "" {
		n += len(p.Sub) + 1
	}
	if n == len(p.Name) {
		return p.Name
	}
	var b strings.Builder
	b.Grow(n)
	if p.URN != "" {
		b.WriteString(p.URN)
		b.WriteByte(':')
	}
	b.WriteString(p.Name)
	if p.Sub != "" {
		b.WriteByte('.')
		b.WriteString(p.Sub)
	}
	return b.String()
}

// Path is a PATCH operation path (RFC 7644 §3.5.2): an attribute path, or a value path
// with an optional sub-attribute after the closing bracket.
type Path struct {
	Attr   AttrPath // Attr.Sub is set for "name.familyName"
	Filter Expr     // non-nil for a value path: emails[type eq "work"]
	Sub    string   // sub-attribute after a value path: emails[type eq "work"].value
}

// String returns the path in canonical form.
func (p Path) String() string {
	if p.Filter == nil {
		return p.Attr.String()
	}
	var b strings.Builder
	b.WriteString(p.Attr.String())
	b.WriteByte('[')
	writeExpr(&b, p.Filter, precOr)
	b.WriteByte(']')
	if p.Sub != "" {
		b.WriteByte('.')
		b.WriteString(p.Sub)
	}
	return b.String()
}

// Expr is a node of a parsed filter: *Compare, *Logical, *Not or *ValuePath.
type Expr interface {
	// String returns canonical filter text: lower-case operators and keywords, strings
	// JSON-quoted, and only the parentheses the tree needs. Parse(e.String()) yields an
	// equal tree.
	String() string
	// Pos returns the byte offset of the node in the parsed text.
	Pos() int
	expr()
}

// Op is a comparison operator (RFC 7644 Table 3) or a logical operator (Table 4).
type Op int

// Operators. Pr takes no value.
const (
	Eq Op = iota + 1
	Ne
	Co
	Sw
	Ew
	Pr
	Gt
	Ge
	Lt
	Le
	And
	Or
)

var opNames = [...]string{Eq: "eq", Ne: "ne", Co: "co", Sw: "sw", Ew: "ew", Pr: "pr",
	Gt: "gt", Ge: "ge", Lt: "lt", Le: "le", And: "and", Or: "or"}

// String returns the operator's lower-case keyword.
func (op Op) String() string {
	if op <= 0 || int(op) >= len(opNames) {
		return "Op(" + strconv.Itoa(int(op)) + ")"
	}
	return opNames[op]
}

// compareOp returns the comparison operator named by w (any case).
func compareOp(w string) (Op, bool) {
	if len(w) != 2 {
		return 0, false
	}
	for op := Eq; op <= Le; op++ {
		if strings.EqualFold(w, opNames[op]) {
			return op, true
		}
	}
	return 0, false
}

// Kind is the kind of a literal Value.
type Kind int

// Literal kinds (RFC 7644 compValue: false / null / true / number / string).
const (
	KindString Kind = iota
	KindNumber
	KindBool
	KindNull
)

// Value is a comparison literal.
type Value struct {
	Kind Kind
	Text string // the decoded string, or the number exactly as written
	Bool bool   // for KindBool
}

// String returns the literal as JSON.
func (v Value) String() string {
	switch v.Kind {
	case KindNumber:
		return v.Text
	case KindBool:
		if v.Bool {
			return "true"
		}
		return "false"
	case KindNull:
		return "null"
	}
	return quote(v.Text)
}

// Compare is an attribute expression: attrPath SP compareOp SP compValue, or attrPath SP "pr".
type Compare struct {
	Attr  AttrPath
	Op    Op
	Value Value // unused for Pr
}

// Logical is "and" or "or" of two filters.
type Logical struct {
	Op          Op // And or Or
	Left, Right Expr
}

// Not is "not" "(" filter ")".
type Not struct {
	X     Expr
	NotAt int // offset of the "not" keyword
}

// ValuePath is a complex attribute filter: attrPath "[" valFilter "]". Attribute paths in
// Filter name sub-attributes of Attr.
//
// With Sub set, it is a value path followed by a sub-attribute, compared, as Entra ID
// writes a lookup by its matching attribute: emails[type eq "work"].value eq "x". Sub.Attr
// names the sub-attribute. It holds when one value of Attr satisfies both Filter and Sub,
// as attrPath "[" valFilter "and" Sub "]" does.
type ValuePath struct {
	Attr   AttrPath
	Filter Expr
	Sub    *Compare // nil for a plain value path
}

// Elements returns the filter a value of e.Attr must satisfy: Filter, and Sub when set.
func (e *ValuePath) Elements() Expr {
	if e.Sub == nil {
		return e.Filter
	}
	return &Logical{Op: And, Left: e.Filter, Right: e.Sub}
}

func (*Compare) expr()   {}
func (*Logical) expr()   {}
func (*Not) expr()       {}
func (*ValuePath) expr() {}

// Pos returns the offset of the attribute path.
func (e *Compare) Pos() int { return e.Attr.Pos }

// Pos returns the offset of the left operand.
func (e *Logical) Pos() int { return e.Left.Pos() }

// Pos returns the offset of the "not" keyword.
func (e *Not) Pos() int { return e.NotAt }

// Pos returns the offset of the attribute path.
func (e *ValuePath) Pos() int { return e.Attr.Pos }

func (e *Compare) String() string   { return exprString(e) }
func (e *Logical) String() string   { return exprString(e) }
func (e *Not) String() string       { return exprString(e) }
func (e *ValuePath) String() string { return exprString(e) }

// Binding strength when printing: "or" binds loosest, then "and", then everything else.
const (
	precOr = iota + 1
	precAnd
	precAtom
)

func prec(e Expr) int {
	if l, ok := e.(*Logical); ok {
		if l.Op == Or {
			return precOr
		}
		return precAnd
	}
	return precAtom
}

func exprString(e Expr) string {
	var b strings.Builder
	writeExpr(&b, e, precOr)
	return b.String()
}

// writeExpr prints e, in parentheses when it binds more loosely than min requires.
func writeExpr(b *strings.Builder, e Expr, min int) {
	if prec(e) < min {
		b.WriteByte('(')
		writeExpr(b, e, precOr)
		b.WriteByte(')')
		return
	}
	switch e := e.(type) {
	case *Compare:
		b.WriteString(e.Attr.String())
		b.WriteByte(' ')
		b.WriteString(e.Op.String())
		if e.Op != Pr {
			b.WriteByte(' ')
			b.WriteString(e.Value.String())
		}
	case *Logical:
		p := prec(e)
		writeExpr(b, e.Left, p)
		b.WriteByte(' ')
		b.WriteString(e.Op.String())
		b.WriteByte(' ')
		// Operators associate to the left: a right operand of the same strength needs parentheses.
		writeExpr(b, e.Right, p+1)
	case *Not:
		b.WriteString("not (")
		writeExpr(b, e.X, precOr)
		b.WriteByte(')')
	case *ValuePath:
		b.WriteString(e.Attr.String())
		b.WriteByte('[')
		writeExpr(b, e.Filter, precOr)
		b.WriteByte(']')
		if e.Sub != nil {
			b.WriteByte('.')
			writeExpr(b, e.Sub, precAtom)
		}
	}
}

// quote returns s as a JSON string without HTML escaping.
func quote(s string) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x80 {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		default:
			b = append(b, c)
		}
		i++
	}
	b = append(b, '"')
	return string(b)
}
