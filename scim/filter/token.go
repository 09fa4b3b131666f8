package filter

import (
	"fmt"
	"strings"
)

// tokenKind is the kind of a lexical token of the filter language.
type tokenKind int

const (
	tokEOF    tokenKind = iota
	tokLParen           // (
	tokRParen           // )
	tokLBrack           // [
	tokRBrack           // ]
	tokString           // a JSON string literal, decoded into text
	tokWord             // an attribute path, keyword, operator, number or literal name
)

// token is one lexical token. pos is the byte offset of its first byte in the input.
type token struct {
	kind tokenKind
	pos  int
	text string // decoded contents for tokString, the raw text otherwise
}

// describe names a token for an error message: "')'", "end of filter", "'eq'", "string \"x\"".
func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of input"
	case tokLParen:
		return "'('"
	case tokRParen:
		return "')'"
	case tokLBrack:
		return "'['"
	case tokRBrack:
		return "']'"
	case tokString:
		return "string " + quote(shorten(t.text))
	}
	return "'" + shorten(t.text) + "'"
}

func shorten(s string) string {
	const max = 24
	if len(s) <= max {
		return s
	}
	// Cut on a rune boundary.
	i := max
	for i > 0 && !runeStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

func runeStart(b byte) bool { return b&0xC0 != 0x80 }

// isKeyword reports whether w equals kw ignoring ASCII case (keywords and operators are
// case-insensitive, RFC 7644 §3.4.2.2).
func isKeyword(w, kw string) bool { return len(w) == len(kw) && strings.EqualFold(w, kw) }

// errorf builds an *Error at pos.
func errorf(pos int, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}
