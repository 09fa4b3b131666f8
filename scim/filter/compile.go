package filter

import (
	"strconv"
	"strings"
)

// Compile turns e into a SQL boolean condition for dialect d over the storage m
// describes. Values appear only as placeholders: "?" in SQLite, "$n" numbered from
// argStart+1 in PostgreSQL; args holds their values in order. Tenant scoping is the
// caller's: it ANDs its own condition in front.
//
// The condition selects the rows for which Match would return true on the row's
// document, with these exceptions:
//   - An attribute the Resolver does not know is read from the JSON document as a
//     single-valued string.
//   - In SQLite, case-insensitive comparisons fold ASCII letters only. DateTimes in the
//     JSON document compare to the millisecond, and one without a time zone is read as
//     UTC; a dateTime, in the document or the filter, with an offset of 15 hours or more
//     or a decimal comma matches nothing.
//   - In PostgreSQL, case-insensitive comparisons fold letters as lower() does under the
//     database's LC_CTYPE (ASCII letters only under C). DateTimes in the JSON document
//     compare to the microsecond; one with a decimal comma matches nothing, and one in
//     year 0 or with an offset of 16 hours or more makes the query fail.
//
// Compile returns an *Error when an attribute cannot be queried: a sub-attribute with no
// column in its side table, a JSON key with characters outside a safe set, or a dateTime
// comparison whose value is not RFC 3339.
func Compile(e Expr, m *Mapping, r Resolver, d Dialect, argStart int) (where string, args []any, err error) {
	c := &compiler{m: m, r: r, d: d, argStart: argStart}
	defer func() {
		if x := recover(); x != nil {
			perr, ok := x.(*Error)
			if !ok {
				panic(x)
			}
			where, args, err = "", nil, perr
		}
	}()
	c.expr(e)
	return c.b.String(), c.args, nil
}

type compiler struct {
	m        *Mapping
	r        Resolver
	d        Dialect
	argStart int
	b        strings.Builder
	args     []any
}

func (c *compiler) w(s ...string) {
	for _, x := range s {
		c.b.WriteString(x)
	}
}

// arg appends a value and returns its placeholder.
func (c *compiler) arg(v any) string {
	c.args = append(c.args, v)
	if c.d == Postgres {
		return "$" + strconv.Itoa(c.argStart+len(c.args))
	}
	return "?"
}

func (c *compiler) expr(e Expr) {
	switch e := e.(type) {
	case *Logical:
		c.w("(")
		c.expr(e.Left)
		c.w(" ", strings.ToUpper(e.Op.String()), " ")
		c.expr(e.Right)
		c.w(")")
	case *Not:
		c.w("NOT COALESCE(")
		c.expr(e.X)
		c.w(", FALSE)")
	case *Compare:
		c.compare(e)
	case *ValuePath:
		c.valuePath(e)
	}
}

// compare compiles an attribute expression outside brackets.
func (c *compiler) compare(e *Compare) {
	p := c.m.canonical(e.Attr)
	if col, ok := c.m.column(p); ok {
		c.single(e, operand{col: &col}, attrInfo(c.r, e.Attr))
		return
	}
	if t, ok := c.m.table(p); ok {
		sub := p.Sub
		if sub == "" {
			sub = "value"
		}
		col, ok := find(t.Cols, sub)
		if !ok {
			panic(errorf(e.Pos(), "attribute %s at %d cannot be filtered", e.Attr, e.Pos()))
		}
		open, src := t.subquery()
		info := attrInfo(c.r, AttrPath{URN: e.Attr.URN, Name: e.Attr.Name, Sub: sub})
		c.multi(e, open, src, operand{col: &col}, p.Sub == "", info)
		return
	}
	top := AttrPath{URN: p.URN, Name: p.Name}
	a, known := c.r.attr(AttrPath{URN: e.Attr.URN, Name: e.Attr.Name})
	info := attrInfo(c.r, e.Attr)
	if known && a.MultiValued {
		o := c.jsonOperand(top, e.Pos())
		elem := operand{elem: true}
		switch {
		case p.Sub != "":
			elem.keys = []string{c.key(p.Sub, e.Pos())}
		case a.Type == Complex:
			elem.keys, elem.self = []string{"value"}, true
		}
		c.multi(e, "EXISTS (", "SELECT 1 FROM "+c.elements(o)+" WHERE ", elem, p.Sub == "", info)
		return
	}
	o := c.jsonOperand(p, e.Pos())
	if p.Sub == "" && known && a.Type == Complex && e.Op != Pr && e.Value.Kind != KindNull {
		o.keys = append(o.keys, "value")
	}
	c.single(e, o, info)
}

// valuePath compiles attrPath "[" valFilter "]" as a subquery over the attribute's values.
func (c *compiler) valuePath(e *ValuePath) {
	p := c.m.canonical(e.Attr)
	if t, ok := c.m.table(p); ok {
		open, src := t.subquery()
		c.w(open, src)
		c.valFilter(e.Attr, e.Elements(), func(sub string, pos int) operand {
			col, ok := find(t.Cols, sub)
			if !ok {
				panic(errorf(pos, "attribute %s.%s at %d cannot be filtered", e.Attr, sub, pos))
			}
			return operand{col: &col}
		})
		c.w(")")
		return
	}
	o := c.jsonOperand(AttrPath{URN: p.URN, Name: p.Name}, e.Pos())
	c.w("EXISTS (SELECT 1 FROM ", c.elements(o), " WHERE ")
	c.valFilter(e.Attr, e.Elements(), func(sub string, pos int) operand {
		canon := c.m.canonical(AttrPath{URN: e.Attr.URN, Name: e.Attr.Name, Sub: sub}).Sub
		return operand{elem: true, keys: []string{c.key(canon, pos)}, self: strings.EqualFold(sub, "value")}
	})
	c.w(")")
}

// valFilter compiles the filter inside brackets; at gives the operand of a sub-attribute.
func (c *compiler) valFilter(parent AttrPath, f Expr, at func(sub string, pos int) operand) {
	switch f := f.(type) {
	case *Logical:
		c.w("(")
		c.valFilter(parent, f.Left, at)
		c.w(" ", strings.ToUpper(f.Op.String()), " ")
		c.valFilter(parent, f.Right, at)
		c.w(")")
	case *Not:
		c.w("NOT COALESCE(")
		c.valFilter(parent, f.X, at)
		c.w(", FALSE)")
	case *Compare:
		info := attrInfo(c.r, AttrPath{URN: parent.URN, Name: parent.Name, Sub: f.Attr.Name})
		c.single(f, at(f.Attr.Name, f.Pos()), info)
	default:
		panic(errorf(f.Pos(), "unexpected value path at %d", f.Pos()))
	}
}

// single compiles a comparison of one value.
func (c *compiler) single(e *Compare, o operand, a Attr) {
	switch {
	case e.Op == Pr, e.Value.Kind == KindNull && e.Op == Ne:
		c.present(o)
	case e.Value.Kind == KindNull && e.Op == Eq:
		c.w("NOT ")
		c.present(o)
	case e.Value.Kind == KindNull:
		c.w("FALSE")
	case e.Op == Ne:
		c.w("NOT COALESCE(")
		c.cmp(o, Eq, e.Value, a, e.Pos())
		c.w(", FALSE)")
	default:
		c.cmp(o, e.Op, e.Value, a, e.Pos())
	}
}

// multi compiles a comparison on a multi-valued attribute: true if any value matches.
// open starts the subquery test ("EXISTS (" or "key IN ("); src is a SELECT whose WHERE
// clause is open. whole says the attribute itself, not a sub-attribute, is tested for
// presence.
func (c *compiler) multi(e *Compare, open, src string, o operand, whole bool, a Attr) {
	present := func() {
		c.w(open, src)
		if whole {
			c.w("TRUE)")
			return
		}
		c.present(o)
		c.w(")")
	}
	switch {
	case e.Op == Pr, e.Value.Kind == KindNull && e.Op == Ne:
		present()
	case e.Value.Kind == KindNull && e.Op == Eq:
		c.w("NOT ")
		present()
	case e.Value.Kind == KindNull:
		c.w("FALSE")
	case e.Op == Ne:
		// Absent, or some value differs.
		c.w("(NOT ", open, src, c.value(o), " IS NOT NULL) OR ", open, src, c.value(o), " IS NOT NULL AND NOT COALESCE(")
		c.cmp(o, Eq, e.Value, a, e.Pos())
		c.w(", FALSE)))")
	default:
		c.w(open, src)
		c.cmp(o, e.Op, e.Value, a, e.Pos())
		c.w(")")
	}
}
