// Package term makes text that others wrote safe to print on a terminal.
package term

import (
	"strings"
	"unicode/utf8"
)

// Clean returns s without the control characters a terminal acts on (C0 but
// tab and newline, DEL, C1, and bytes that are not UTF-8, which some terminals
// read as C1): what a client sent must not move the cursor, recolour or
// retitle the terminal of whoever reads it.
func Clean(s string) string {
	if !strings.ContainsFunc(s, isControl) && utf8.ValidString(s) {
		return s
	}
	return strings.Map(func(c rune) rune {
		if isControl(c) || c == utf8.RuneError {
			return -1
		}
		return c
	}, s)
}

func isControl(c rune) bool {
	return c != '\t' && c != '\n' && (c < 0x20 || c == 0x7f || c >= 0x80 && c < 0xa0)
}
