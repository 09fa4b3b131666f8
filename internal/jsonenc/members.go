package jsonenc

import "bytes"

// Members calls fn with the key and the value's text of each member of the
// object text data, in order, until fn returns false. It reports whether data
// is a compact object, as AppendValue writes one (no white space), whose keys
// hold no escapes, and fn returned true for every member. It checks the
// structure only: a value's text is passed on as it is, unvalidated.
func Members(data []byte, fn func(key, value []byte) bool) bool {
	if len(data) < 2 || data[0] != '{' || data[len(data)-1] != '}' {
		return false
	}
	if len(data) == 2 {
		return true
	}
	for i := 1; ; {
		end := stringEnd(data, i)
		if end < 0 || end >= len(data) || data[end] != ':' {
			return false
		}
		key := data[i+1 : end-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			return false
		}
		vend := valueEnd(data, end+1)
		if vend <= end+1 || vend >= len(data) || !fn(key, data[end+1:vend]) {
			return false
		}
		switch data[vend] {
		case ',':
			i = vend + 1
		case '}':
			return vend == len(data)-1
		default:
			return false
		}
	}
}

// stringEnd returns the index after the string text starting at data[i], or
// -1 if there is none.
func stringEnd(data []byte, i int) int {
	if i >= len(data) || data[i] != '"' {
		return -1
	}
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// valueEnd returns the index after the compact value text starting at
// data[i]: after its closing quote or bracket, or at the comma or closing
// bracket that ends a literal or number. It returns -1 when the value does
// not end, its brackets do not pair, or it holds white space outside strings.
func valueEnd(data []byte, i int) int {
	var open []byte // the brackets open, innermost last
	for i < len(data) {
		switch c := data[i]; c {
		case '"':
			if i = stringEnd(data, i); i < 0 {
				return -1
			}
			if len(open) == 0 {
				return i
			}
			continue
		case '{', '[':
			open = append(open, c)
		case '}', ']':
			if len(open) == 0 {
				return i
			}
			if want := open[len(open)-1] + 2; c != want { // '{'+2 is '}', '['+2 is ']'
				return -1
			}
			open = open[:len(open)-1]
			if len(open) == 0 {
				return i + 1
			}
		case ',':
			if len(open) == 0 {
				return i
			}
		case ' ', '\t', '\n', '\r':
			return -1
		}
		i++
	}
	return -1
}
