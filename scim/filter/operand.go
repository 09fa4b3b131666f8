package filter

import (
	"strconv"
	"strings"
	"time"
)

// operand is where a compared value lives: a column, a path in the JSON document, or a
// path in the current element "j" of an EXISTS over a JSON array.
type operand struct {
	col  *Column
	keys []string // JSON keys below the document (or below the element)
	elem bool     // keys are relative to the element j
	self bool     // elem: an element that is not an object stands for itself (sub-attribute "value")
}

// jsonOperand addresses p in the JSON document.
func (c *compiler) jsonOperand(p AttrPath, pos int) operand {
	var o operand
	if p.URN != "" {
		o.keys = append(o.keys, c.key(p.URN, pos))
	}
	o.keys = append(o.keys, c.key(p.Name, pos))
	if p.Sub != "" {
		o.keys = append(o.keys, c.key(p.Sub, pos))
	}
	return o
}

// key checks a JSON key before it is written into SQL text: it comes from the request, so
// only characters of attribute names and URNs are allowed, never quotes or backslashes.
func (c *compiler) key(k string, pos int) string {
	if k == "" {
		panic(errorf(pos, "empty attribute name at %d", pos))
	}
	for i := 0; i < len(k); i++ {
		if ch := k[i]; !isAlpha(ch) && !isDigit(ch) && strings.IndexByte("-_$:.~%+", ch) < 0 {
			panic(errorf(pos, "attribute name %s at %d cannot be filtered", quote(k), pos))
		}
	}
	return k
}

// sqlitePath returns the quoted SQLite JSON path of keys: '$."a"."b"'.
func sqlitePath(keys []string) string {
	var b strings.Builder
	b.WriteString("'$")
	for _, k := range keys {
		b.WriteString(`."`)
		b.WriteString(k)
		b.WriteString(`"`)
	}
	b.WriteString("'")
	return b.String()
}

// pgPath returns the PostgreSQL operator chain of keys, ending in ->> when text is set.
func pgPath(keys []string, text bool) string {
	var b strings.Builder
	for i, k := range keys {
		if text && i == len(keys)-1 {
			b.WriteString("->>'")
		} else {
			b.WriteString("->'")
		}
		b.WriteString(k)
		b.WriteString("'")
	}
	return b.String()
}

// value returns the SQL expression of o's value (text for a JSON string).
func (c *compiler) value(o operand) string {
	if o.col != nil {
		return o.col.Name
	}
	if c.d == Postgres {
		switch {
		case !o.elem:
			return c.m.Doc + pgPath(o.keys, true)
		case len(o.keys) == 0:
			return "(j.v #>> '{}')"
		case o.self:
			return "(CASE WHEN jsonb_typeof(j.v) = 'object' THEN j.v" + pgPath(o.keys, true) + " ELSE j.v #>> '{}' END)"
		}
		return "j.v" + pgPath(o.keys, true)
	}
	switch {
	case !o.elem:
		return "json_extract(" + c.m.Doc + ", " + sqlitePath(o.keys) + ")"
	case len(o.keys) == 0:
		return "j.value"
	case o.self:
		return "(CASE WHEN j.type = 'object' THEN json_extract(j.value, " + sqlitePath(o.keys) + ") ELSE j.value END)"
	}
	return "(CASE WHEN j.type = 'object' THEN json_extract(j.value, " + sqlitePath(o.keys) + ") END)"
}

// pgJSON returns the jsonb expression of o (PostgreSQL only).
func (c *compiler) pgJSON(o operand) string {
	switch {
	case !o.elem:
		return c.m.Doc + pgPath(o.keys, false)
	case len(o.keys) == 0:
		return "j.v"
	case o.self:
		return "(CASE WHEN jsonb_typeof(j.v) = 'object' THEN j.v" + pgPath(o.keys, false) + " ELSE j.v END)"
	}
	return "j.v" + pgPath(o.keys, false)
}

// jtype returns the SQL expression of the JSON type of o: SQLite json_type names
// (null, true, false, integer, real, text, array, object) or PostgreSQL jsonb_typeof
// names (null, boolean, number, string, array, object); NULL when absent.
func (c *compiler) jtype(o operand) string {
	if c.d == Postgres {
		return "jsonb_typeof(" + c.pgJSON(o) + ")"
	}
	switch {
	case !o.elem:
		return "json_type(" + c.m.Doc + ", " + sqlitePath(o.keys) + ")"
	case len(o.keys) == 0:
		return "j.type"
	case o.self:
		return "(CASE WHEN j.type = 'object' THEN json_type(j.value, " + sqlitePath(o.keys) + ") ELSE j.type END)"
	}
	return "(CASE WHEN j.type = 'object' THEN json_type(j.value, " + sqlitePath(o.keys) + ") END)"
}

// elements returns a FROM item that yields the values of the JSON attribute o as rows
// aliased j: the elements of an array, or a single value as one row.
func (c *compiler) elements(o operand) string {
	if c.d == Postgres {
		j := c.pgJSON(o)
		return "jsonb_array_elements(CASE WHEN jsonb_typeof(" + j + ") = 'array' THEN " + j +
			" WHEN jsonb_typeof(" + j + ") IN ('object', 'string', 'number', 'boolean') THEN jsonb_build_array(" + j +
			") ELSE '[]'::jsonb END) AS j(v)"
	}
	path := c.m.Doc + ", " + sqlitePath(o.keys)
	return "json_each(CASE WHEN json_type(" + path + ") = 'array' THEN json_extract(" + path +
		") WHEN json_type(" + path + ") IN ('object', 'text', 'integer', 'real') THEN json_array(json_extract(" + path +
		")) ELSE '[]' END) AS j"
}

// present writes the condition that o has a value: not null, "", [] or {}.
func (c *compiler) present(o operand) {
	if o.col != nil {
		switch o.col.Type {
		case String, Reference, Binary, DateTime:
			c.w("(", o.col.Name, " IS NOT NULL AND ", o.col.Name, " <> '')")
		default:
			c.w(o.col.Name, " IS NOT NULL")
		}
		return
	}
	t, v := c.jtype(o), c.value(o)
	if c.d == Postgres {
		j := c.pgJSON(o)
		c.w("COALESCE(CASE ", t, " WHEN 'null' THEN FALSE WHEN 'string' THEN ", v, " <> '' WHEN 'array' THEN jsonb_array_length(", j,
			") > 0 WHEN 'object' THEN ", j, " <> '{}'::jsonb ELSE ", j, " IS NOT NULL END, FALSE)")
		return
	}
	c.w("COALESCE(CASE ", t, " WHEN 'null' THEN FALSE WHEN 'text' THEN ", v, " <> '' WHEN 'array' THEN ", v,
		" <> '[]' WHEN 'object' THEN ", v, " <> '{}' ELSE ", t, " IS NOT NULL END, FALSE)")
}

var sqlOps = [...]string{Eq: "=", Gt: ">", Ge: ">=", Lt: "<", Le: "<="}

// cmp writes the condition that o's value satisfies op with lit; a describes the value.
func (c *compiler) cmp(o operand, op Op, lit Value, a Attr, pos int) {
	st := a.Type
	if o.col != nil {
		st = o.col.Type
	}
	switch lit.Kind {
	case KindBool:
		c.boolEq(o, op, lit.Bool)
		return
	case KindNumber:
		c.number(o, op, lit.Text, st)
		return
	}
	switch st {
	case Boolean:
		if b, ok := asBool(lit.Text); ok {
			c.boolEq(o, op, b)
			return
		}
		c.w("FALSE")
	case Integer, Decimal:
		c.w("FALSE")
	case DateTime:
		c.time(o, op, lit.Text, pos)
	default:
		c.str(o, op, lit.Text, a.CaseExact)
	}
}

// boolEq writes o = b, leniently: a stored string "True" equals true.
func (c *compiler) boolEq(o operand, op Op, b bool) {
	if op != Eq {
		c.w("FALSE")
		return
	}
	word := strconv.FormatBool(b)
	switch {
	case o.col != nil && o.col.Type == Boolean && c.d == Postgres:
		c.w(o.col.Name, " = ", c.arg(b))
	case o.col != nil && o.col.Type == Boolean:
		n := int64(0)
		if b {
			n = 1
		}
		c.w(o.col.Name, " = ", c.arg(n))
	case o.col != nil:
		c.w("lower(", o.col.Name, ") = ", c.arg(word))
	case c.d == Postgres:
		c.w("(", c.jtype(o), " IN ('boolean', 'string') AND lower(", c.value(o), ") = ", c.arg(word), ")")
	default:
		t := c.jtype(o)
		c.w("(", t, " = ", c.arg(word), " OR (", t, " = 'text' AND lower(", c.value(o), ") = ", c.arg(word), "))")
	}
}

// number writes a numeric comparison; strings never equal numbers.
func (c *compiler) number(o operand, op Op, text string, st Type) {
	if op == Co || op == Sw || op == Ew {
		c.w("FALSE")
		return
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		// Beyond float64's range (1e400): Match compares no value with it.
		c.w("FALSE")
		return
	}
	var n any = f
	if i, err := strconv.ParseInt(text, 10, 64); err == nil {
		n = i
	}
	switch {
	case o.col != nil && (st == Integer || st == Decimal):
		c.w(o.col.Name, " ", sqlOps[op], " ", c.arg(n))
	case o.col != nil:
		c.w("FALSE")
	case c.d == Postgres:
		c.w("(CASE WHEN ", c.jtype(o), " = 'number' THEN (", c.value(o), ")::numeric END) ", sqlOps[op], " ", c.arg(n))
	default:
		c.w("(", c.jtype(o), " IN ('integer', 'real') AND ", c.value(o), " ", sqlOps[op], " ", c.arg(n), ")")
	}
}

// pgDateTime is the PostgreSQL pattern of RFC 3339 text with a time zone, the only text
// cast to timestamptz. PostgreSQL reads much else ("2011-05-13", "now"), and reads a
// dateTime without a time zone, which the schema allows, in the session's time zone;
// Match never matches such values. The year 0000 and offsets past 14:59, which
// ParseDateTime refuses but documents stored before it may hold, are not cast either:
// PostgreSQL would fail the whole query on them.
const pgDateTime = `'^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])$'`

// time writes a dateTime comparison as instants.
func (c *compiler) time(o operand, op Op, lit string, pos int) {
	if op == Co || op == Sw || op == Ew {
		c.str(o, op, lit, false)
		return
	}
	t, err := ParseDateTime(lit)
	if err != nil {
		panic(errorf(pos, "invalid dateTime %s at %d: %s", quote(lit), pos, err.Error()))
	}
	switch {
	case o.col != nil:
		layout := o.col.Layout
		if layout == "" {
			layout = TimeLayout
		}
		c.w(o.col.Name, " ", sqlOps[op], " ", c.arg(t.UTC().Format(layout)))
	case c.d == Postgres:
		// The literal is bound as an instant, not as text: PostgreSQL cannot read all
		// that Go reads as RFC 3339 (a decimal comma). It keeps microseconds, rounding
		// the document's value; the literal is rounded alike.
		v := c.value(o)
		c.w("(CASE WHEN ", v, " ~ ", pgDateTime, " THEN (", v, ")::timestamptz END) ", sqlOps[op], " ", c.arg(t.UTC().Round(time.Microsecond)), "::timestamptz")
	default:
		c.w("julianday(", c.value(o), ") ", sqlOps[op], " julianday(", c.arg(lit), ")")
	}
}

// str writes a string comparison, case-insensitive unless exact.
func (c *compiler) str(o operand, op Op, lit string, exact bool) {
	x := c.value(o)
	nocase := o.col != nil && o.col.NoCase
	switch op {
	case Eq:
		boolish := o.col == nil && (strings.EqualFold(lit, "true") || strings.EqualFold(lit, "false"))
		if boolish {
			c.w("(")
		}
		switch {
		case c.d == Postgres && !exact:
			c.w("lower(", x, ") = lower(", c.arg(lit), ")")
		case c.d == Postgres:
			c.w(x, " = ", c.arg(lit))
		case nocase == !exact:
			c.w(x, " = ", c.arg(lit))
		case exact:
			c.w(x, " = ", c.arg(lit), " COLLATE BINARY")
		default:
			c.w(x, " = ", c.arg(lit), " COLLATE NOCASE")
		}
		if boolish {
			// A JSON boolean equals the string "True" (Entra sends roles[primary eq "True"]).
			word := strings.ToLower(lit)
			if c.d == Postgres {
				c.w(" OR (", c.jtype(o), " = 'boolean' AND ", x, " = ", c.arg(word), "))")
			} else {
				c.w(" OR ", c.jtype(o), " = ", c.arg(word), ")")
			}
		}
	case Co, Sw, Ew:
		switch {
		case lit == "":
			c.w(x, " IS NOT NULL")
		case c.d == Postgres && !exact:
			c.w(x, " ILIKE ", c.arg(likePattern(op, lit)), ` ESCAPE '\'`)
		case c.d == Postgres:
			c.w(x, " LIKE ", c.arg(likePattern(op, lit)), ` ESCAPE '\'`)
		case !exact:
			c.w(x, " LIKE ", c.arg(likePattern(op, lit)), ` ESCAPE '\'`)
		case op == Co:
			c.w("instr(", x, ", ", c.arg(lit), ") > 0")
		case op == Sw:
			c.w("instr(", x, ", ", c.arg(lit), ") = 1")
		default:
			c.w("substr(", x, ", -length(", c.arg(lit), ")) = ", c.arg(lit))
		}
	default:
		switch {
		case c.d == Postgres && !exact:
			c.w("lower(", x, ") ", sqlOps[op], " lower(", c.arg(lit), `) COLLATE "C"`)
		case c.d == Postgres:
			c.w(x, " ", sqlOps[op], " ", c.arg(lit), ` COLLATE "C"`)
		case exact:
			c.w(x, " ", sqlOps[op], " ", c.arg(lit), " COLLATE BINARY")
		default:
			c.w(x, " ", sqlOps[op], " ", c.arg(lit), " COLLATE NOCASE")
		}
	}
}

// likePattern escapes \ % _ in s and adds the wildcards op needs.
func likePattern(op Op, s string) string {
	var b strings.Builder
	if op == Co || op == Ew {
		b.WriteByte('%')
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' || s[i] == '%' || s[i] == '_' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	if op == Co || op == Sw {
		b.WriteByte('%')
	}
	return b.String()
}
