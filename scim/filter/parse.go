package filter

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on filter and path text. Longer or deeper input is rejected with an *Error
// before it can cost memory or stack.
const (
	MaxLength = 8192 // bytes of filter or path text
	MaxDepth  = 32   // nesting levels: each "(", "not" and "[" adds one
)

// Error is a syntax error in a filter or path. Msg is the complete message, position
// included, suitable for a SCIM error "detail":
//
//	unexpected ')' at 17: expected a comparison value
type Error struct {
	Pos int    // byte offset of the offending input
	Msg string // complete human-readable message
}

func (e *Error) Error() string { return e.Msg }

// unexpected reports that tok is not what the grammar allows here.
func unexpected(tok token, want string) *Error {
	return errorf(tok.pos, "unexpected %s at %d: expected %s", tok.describe(), tok.pos, want)
}

// parser is a recursive-descent parser with one token of lookahead. Errors unwind by
// panicking with *Error; the exported entry points recover them.
type parser struct {
	lex     lexer
	tok     token // current token
	peeked  token
	hasPeek bool
	depth   int
	inValue bool // inside the brackets of a value path
}

// Parse parses a filter (RFC 7644 §3.4.2.2):
//
//	FILTER    = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"
//
// Operators, "and", "or", "not" and the literals true, false and null are matched in any
// case. "not" binds tighter than "and", which binds tighter than "or"; both associate to
// the left. Input longer than MaxLength bytes or nested deeper than MaxDepth is rejected.
// Every error is an *Error.
func Parse(s string) (e Expr, err error) {
	p, err := newParser(s)
	if err != nil {
		return nil, err
	}
	defer p.recover(&err)
	e = p.filter()
	if p.tok.kind != tokEOF {
		panic(unexpected(p.tok, "'and', 'or' or end of input"))
	}
	return e, nil
}

// ParsePath parses the "path" of a PATCH operation (RFC 7644 §3.5.2):
//
//	PATH = attrPath / valuePath [subAttr]
//
// Every error is an *Error.
func ParsePath(s string) (Path, error) {
	path, err := parsePath(s)
	if err != nil {
		return Path{}, err
	}
	return path, nil
}

func parsePath(s string) (path Path, err error) {
	p, err := newParser(s)
	if err != nil {
		return Path{}, err
	}
	defer p.recover(&err)
	if p.tok.kind != tokWord {
		panic(unexpected(p.tok, "an attribute path"))
	}
	path.Attr = p.attrPath(p.tok)
	p.next()
	if p.tok.kind == tokLBrack {
		vp := p.valuePath(path.Attr)
		path.Filter = vp.Filter
		path.Sub = p.subAttr()
	}
	if p.tok.kind != tokEOF {
		panic(unexpected(p.tok, "'[' or end of input"))
	}
	return path, nil
}

// ParseAttrPath parses an attribute path alone, as in sortBy, attributes and
// excludedAttributes (RFC 7644 §3.10):
//
//	attrPath  = [URI ":"] ATTRNAME *1subAttr
//
// Every error is an *Error.
func ParseAttrPath(s string) (AttrPath, error) {
	path, err := parseAttrPath(s)
	if err != nil {
		return AttrPath{}, err
	}
	return path, nil
}

func parseAttrPath(s string) (path AttrPath, err error) {
	p, err := newParser(s)
	if err != nil {
		return AttrPath{}, err
	}
	defer p.recover(&err)
	if p.tok.kind != tokWord {
		panic(unexpected(p.tok, "an attribute path"))
	}
	path = p.attrPath(p.tok)
	p.next()
	if p.tok.kind != tokEOF {
		panic(unexpected(p.tok, "end of input"))
	}
	return path, nil
}

func newParser(s string) (*parser, error) {
	if len(s) > MaxLength {
		return nil, errorf(MaxLength, "input longer than %d bytes", MaxLength)
	}
	if !utf8.ValidString(s) {
		i := 0
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			i += n
		}
		return nil, errorf(i, "invalid UTF-8 at %d", i)
	}
	p := &parser{lex: lexer{src: s}}
	var err error
	func() {
		defer p.recover(&err)
		p.next()
	}()
	return p, err
}

// recover turns a panic with *Error into an error result and re-panics anything else:
// a runtime fault is a bug, not bad input.
func (p *parser) recover(errp *error) {
	r := recover()
	if r == nil {
		return
	}
	e, ok := r.(*Error)
	if !ok {
		panic(r)
	}
	*errp = e
}

func (p *parser) next() {
	if p.hasPeek {
		p.tok, p.hasPeek = p.peeked, false
		return
	}
	p.tok = p.lex.next()
}

func (p *parser) peek() token {
	if !p.hasPeek {
		p.peeked, p.hasPeek = p.lex.next(), true
	}
	return p.peeked
}

func (p *parser) enter(pos int) {
	p.depth++
	if p.depth > MaxDepth {
		panic(errorf(pos, "nesting deeper than %d at %d", MaxDepth, pos))
	}
}

func (p *parser) leave() { p.depth-- }

// filter parses a filter or, inside brackets, a valFilter:
//
//	FILTER    = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"
//	valFilter = attrExp / logExp / *1"not" "(" valFilter ")"
//	logExp    = FILTER SP ("and" / "or") SP FILTER
//
// logExp is ambiguous in the RFC; filter resolves it by precedence: it parses the
// loosest operator, "or".
func (p *parser) filter() Expr {
	left := p.andExp()
	for p.tok.kind == tokWord && isKeyword(p.tok.text, "or") {
		p.next()
		left = &Logical{Op: Or, Left: left, Right: p.andExp()}
	}
	return left
}

// andExp parses the "and" level of logExp:
//
//	andExp = unary *(SP "and" SP unary)
func (p *parser) andExp() Expr {
	left := p.unary()
	for p.tok.kind == tokWord && isKeyword(p.tok.text, "and") {
		p.next()
		left = &Logical{Op: And, Left: left, Right: p.unary()}
	}
	return left
}

// unary parses one operand of a logical expression:
//
//	unary = *1"not" "(" FILTER ")" / attrExp / valuePath
func (p *parser) unary() Expr {
	switch p.tok.kind {
	case tokLParen:
		return p.group()
	case tokWord:
		if isKeyword(p.tok.text, "not") {
			if e := p.not(); e != nil {
				return e
			}
		}
		path := p.attrPath(p.tok)
		p.next()
		if p.tok.kind == tokLBrack {
			return p.valueExp(path)
		}
		return p.attrExp(path)
	}
	panic(unexpected(p.tok, "an attribute path, '(' or 'not'"))
}

// valueExp parses a value path, and the comparison of a sub-attribute that may follow
// it; the current token is "[":
//
//	valueExp = valuePath [subAttr SP (("pr") / (compareOp SP compValue))]
//
// The second form is not in RFC 7644's FILTER rule; Entra ID sends it to look users up
// by a matching attribute such as emails[type eq "work"].value.
func (p *parser) valueExp(attr AttrPath) Expr {
	vp := p.valuePath(attr)
	at := p.tok.pos + 1
	if name := p.subAttr(); name != "" {
		vp.Sub = p.attrExp(AttrPath{Name: name, Pos: at}).(*Compare)
	}
	return vp
}

// group parses a parenthesised filter:
//
//	"(" FILTER ")"
func (p *parser) group() Expr {
	p.enter(p.tok.pos)
	p.next()
	e := p.filter()
	if p.tok.kind != tokRParen {
		panic(unexpected(p.tok, "'and', 'or' or ')'"))
	}
	p.next()
	p.leave()
	return e
}

// not parses a negation, or returns nil when the word "not" is an attribute name
// (followed by an operator, as in `not eq "x"`):
//
//	"not" [SP] "(" FILTER ")"
func (p *parser) not() Expr {
	at := p.tok.pos
	next := p.peek()
	if next.kind == tokWord {
		if _, ok := compareOp(next.text); ok {
			return nil
		}
	}
	if next.kind == tokLBrack {
		return nil
	}
	if next.kind != tokLParen {
		p.next()
		panic(unexpected(p.tok, "'(' after 'not'"))
	}
	p.enter(at)
	p.next()
	x := p.group()
	p.leave()
	return &Not{X: x, NotAt: at}
}

// valuePath parses a complex attribute filter; the current token is "[":
//
//	valuePath = attrPath "[" valFilter "]"
func (p *parser) valuePath(attr AttrPath) *ValuePath {
	if p.inValue {
		panic(errorf(p.tok.pos, "unexpected '[' at %d: value paths cannot be nested", p.tok.pos))
	}
	if attr.Sub != "" {
		panic(errorf(p.tok.pos, "unexpected '[' at %d: a value path needs an attribute without sub-attribute", p.tok.pos))
	}
	p.enter(p.tok.pos)
	p.inValue = true
	p.next()
	f := p.filter()
	if p.tok.kind != tokRBrack {
		panic(unexpected(p.tok, "'and', 'or' or ']'"))
	}
	p.inValue = false
	p.leave()
	p.next()
	return &ValuePath{Attr: attr, Filter: f}
}

// subAttr parses the sub-attribute that may follow a value path in a PATCH path; it must
// follow the "]" with no space:
//
//	subAttr   = "." ATTRNAME
func (p *parser) subAttr() string {
	t := p.tok
	if t.kind != tokWord || t.text[0] != '.' || t.pos == 0 || p.lex.src[t.pos-1] != ']' {
		return ""
	}
	name := t.text[1:]
	if msg := checkName(name); msg != "" {
		panic(errorf(t.pos+1, "invalid sub-attribute %s at %d: %s", quote(name), t.pos+1, msg))
	}
	p.next()
	return name
}

// attrExp parses a comparison; the attribute path has been consumed:
//
//	attrExp   = (attrPath SP "pr") /
//	            (attrPath SP compareOp SP compValue)
//	compareOp = "eq" / "ne" / "co" / "sw" / "ew" / "gt" / "lt" / "ge" / "le"
func (p *parser) attrExp(attr AttrPath) Expr {
	if p.tok.kind != tokWord {
		panic(unexpected(p.tok, "an operator"))
	}
	op, ok := compareOp(p.tok.text)
	if !ok {
		panic(unexpected(p.tok, "an operator"))
	}
	p.next()
	c := &Compare{Attr: attr, Op: op}
	if op != Pr {
		c.Value = p.compValue()
	}
	return c
}

// compValue parses a comparison literal:
//
//	compValue = false / null / true / number / string
func (p *parser) compValue() Value {
	t := p.tok
	switch t.kind {
	case tokString:
		p.next()
		return Value{Kind: KindString, Text: t.text}
	case tokWord:
		switch {
		case isKeyword(t.text, "true"):
			p.next()
			return Value{Kind: KindBool, Bool: true}
		case isKeyword(t.text, "false"):
			p.next()
			return Value{Kind: KindBool}
		case isKeyword(t.text, "null"):
			p.next()
			return Value{Kind: KindNull}
		case isNumber(t.text):
			p.next()
			return Value{Kind: KindNumber, Text: t.text}
		}
	}
	panic(unexpected(t, "a comparison value"))
}

// isNumber reports whether s is a JSON number (RFC 8259 §6):
//
//	number = [ minus ] int [ frac ] [ exp ]
func isNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// attrPath parses the attribute path in word token t. The URN is everything before the
// last ':' (URNs contain '.', as in "2.0"); the rest is split at '.':
//
//	attrPath  = [URI ":"] ATTRNAME *1subAttr
//	subAttr   = "." ATTRNAME
//
// Inside a value path only a bare sub-attribute name is allowed.
func (p *parser) attrPath(t token) AttrPath {
	path, msg := splitAttrPath(t.text)
	if msg == "" && p.inValue && (path.URN != "" || path.Sub != "") {
		msg = "inside brackets name a sub-attribute without URN or '.'"
	}
	if msg != "" {
		panic(errorf(t.pos, "invalid attribute path %s at %d: %s", quote(shorten(t.text)), t.pos, msg))
	}
	path.Pos = t.pos
	return path
}

// splitAttrPath splits s into URN, name and sub-attribute, or returns why it cannot.
func splitAttrPath(s string) (AttrPath, string) {
	var path AttrPath
	rest := s
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		path.URN, rest = s[:i], s[i+1:]
		if msg := checkURN(path.URN); msg != "" {
			return path, msg
		}
	}
	path.Name = rest
	if i := strings.IndexByte(rest, '.'); i >= 0 {
		path.Name, path.Sub = rest[:i], rest[i+1:]
		if strings.IndexByte(path.Sub, '.') >= 0 {
			return path, "more than one sub-attribute"
		}
		if msg := checkName(path.Sub); msg != "" {
			return path, "sub-attribute " + msg
		}
	}
	if msg := checkName(path.Name); msg != "" {
		return path, "attribute name " + msg
	}
	return path, ""
}

// checkName checks an attribute name:
//
//	ATTRNAME  = ALPHA *(nameChar)
//	nameChar  = "-" / "_" / DIGIT / ALPHA
//
// A leading '$' is also accepted for the "$ref" sub-attribute of RFC 7643.
func checkName(s string) string {
	if s == "" {
		return "is empty"
	}
	if !isAlpha(s[0]) && s[0] != '$' {
		return "must start with a letter"
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlpha(c) && !isDigit(c) && c != '-' && c != '_' {
			return "has invalid character " + strconv.QuoteRune(rune(c))
		}
	}
	return ""
}

// checkURN checks a schema URN: a letter, then letters, digits and "-._:~%+".
func checkURN(s string) string {
	if s == "" {
		return "schema URN is empty"
	}
	if !isAlpha(s[0]) {
		return "schema URN must start with a letter"
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if isAlpha(c) || isDigit(c) || strings.IndexByte("-._:~%+", c) >= 0 {
			continue
		}
		r, _ := utf8.DecodeRuneInString(s[i:])
		return "schema URN has invalid character " + strconv.QuoteRune(r)
	}
	return ""
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
