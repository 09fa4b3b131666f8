package filter

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// lexer splits filter text into tokens. It is pull-based: the parser asks for one token
// at a time, so a filter is scanned once and no token slice is allocated.
//
// Words run until white space or one of ( ) [ ] " so that an attribute path such as
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager" or a number such as
// "-1.5e3" is one token; the parser gives a word its meaning from where it stands.
type lexer struct {
	src string
	pos int // offset of the next unread byte
}

// next returns the next token. It panics with *Error on malformed input; Parse recovers.
func (l *lexer) next() token {
	l.skipSpace()
	if l.pos >= len(l.src) {
		return token{kind: tokEOF, pos: len(l.src)}
	}
	start := l.pos
	switch c := l.src[l.pos]; c {
	case '(':
		l.pos++
		return token{kind: tokLParen, pos: start}
	case ')':
		l.pos++
		return token{kind: tokRParen, pos: start}
	case '[':
		l.pos++
		return token{kind: tokLBrack, pos: start}
	case ']':
		l.pos++
		return token{kind: tokRBrack, pos: start}
	case '"':
		return token{kind: tokString, pos: start, text: l.string()}
	}
	for l.pos < len(l.src) && !isDelim(l.src[l.pos]) {
		if l.src[l.pos] == 0 {
			panic(errorf(l.pos, "NUL character at %d", l.pos))
		}
		l.pos++
	}
	return token{kind: tokWord, pos: start, text: l.src[start:l.pos]}
}

// skipSpace skips white space. RFC 7644 asks for one SP between tokens; Roster also accepts
// runs of spaces and tabs, as clients build filters by hand.
func (l *lexer) skipSpace() {
	for l.pos < len(l.src) && isSpace(l.src[l.pos]) {
		l.pos++
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isDelim(c byte) bool {
	return isSpace(c) || c == '(' || c == ')' || c == '[' || c == ']' || c == '"'
}

// string scans a JSON string literal (RFC 8259 §7) starting at the opening quote and
// returns its decoded contents.
//
//	string = quotation-mark *char quotation-mark
func (l *lexer) string() string {
	start := l.pos
	l.pos++ // opening quote
	// Fast path: no escapes.
	i := l.pos
	for i < len(l.src) && l.src[i] != '"' && l.src[i] != '\\' && l.src[i] >= 0x20 {
		i++
	}
	if i < len(l.src) && l.src[i] == '"' {
		s := l.src[l.pos:i]
		l.pos = i + 1
		return s
	}
	var b strings.Builder
	b.WriteString(l.src[l.pos:i])
	l.pos = i
	for {
		if l.pos >= len(l.src) {
			panic(errorf(start, "unterminated string at %d", start))
		}
		c := l.src[l.pos]
		switch {
		case c == '"':
			l.pos++
			return b.String()
		case c < 0x20:
			panic(errorf(l.pos, "control character in string at %d", l.pos))
		case c != '\\':
			b.WriteByte(c)
			l.pos++
			continue
		}
		l.pos++ // backslash
		if l.pos >= len(l.src) {
			panic(errorf(start, "unterminated string at %d", start))
		}
		esc := l.src[l.pos]
		l.pos++
		switch esc {
		case '"', '\\', '/':
			b.WriteByte(esc)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r := l.unicodeEscape()
			if r == 0 {
				// No store holds NUL in a string: PostgreSQL refuses it, SQLite
				// would compare it as a different string.
				panic(errorf(l.pos-6, "NUL character (\\u0000) in string at %d", l.pos-6))
			}
			b.WriteRune(r)
		default:
			panic(errorf(l.pos-2, "invalid escape '\\%c' in string at %d", esc, l.pos-2))
		}
	}
}

// unicodeEscape decodes the XXXX of \uXXXX (l.pos just past the 'u'), joining a UTF-16
// surrogate pair; a lone surrogate becomes U+FFFD, as encoding/json does.
func (l *lexer) unicodeEscape() rune {
	r := l.hex4()
	if !utf16.IsSurrogate(r) {
		return r
	}
	if strings.HasPrefix(l.src[l.pos:], `\u`) {
		save := l.pos
		l.pos += 2
		r2 := l.hex4()
		if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
			return d
		}
		l.pos = save
	}
	return utf8.RuneError
}

func (l *lexer) hex4() rune {
	at := l.pos - 2
	if l.pos+4 > len(l.src) {
		panic(errorf(at, "invalid \\u escape in string at %d", at))
	}
	var r rune
	for _, c := range []byte(l.src[l.pos : l.pos+4]) {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			panic(errorf(at, "invalid \\u escape in string at %d", at))
		}
		r = r<<4 | rune(d)
	}
	l.pos += 4
	return r
}
