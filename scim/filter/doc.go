// Package filter implements the SCIM filter language of RFC 7644 §3.4.2.2, attribute
// paths (§3.10) and PATCH paths (§3.5.2): a lexer, a parser producing an AST, an
// in-memory evaluator over JSON documents, and a compiler from filters to SQL for the
// SQLite and PostgreSQL stores.
//
// # Grammar
//
//	FILTER    = attrExp / logExp / valueExp / *1"not" "(" FILTER ")"
//	valueExp  = valuePath [subAttr SP (("pr") / (compareOp SP compValue))]
//	valuePath = attrPath "[" valFilter "]"
//	valFilter = attrExp / logExp / *1"not" "(" valFilter ")"
//	attrExp   = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)
//	logExp    = FILTER SP ("and" / "or") SP FILTER
//	compValue = false / null / true / number / string   ; JSON, RFC 8259
//	compareOp = "eq" / "ne" / "co" / "sw" / "ew" / "gt" / "lt" / "ge" / "le"
//	attrPath  = [URI ":"] ATTRNAME *1subAttr
//	ATTRNAME  = ALPHA *(nameChar)
//	nameChar  = "-" / "_" / DIGIT / ALPHA
//	subAttr   = "." ATTRNAME
//	PATH      = attrPath / valuePath [subAttr]             ; PATCH, §3.5.2
//
// Precedence, from tightest: grouping, "not", "and", "or"; "and" and "or" associate to
// the left. Operators, keywords and the literals true, false and null are matched in any
// case; attribute names keep the case in which they were written and are compared
// case-insensitively by the evaluator and the compiler.
//
// The URN of an attribute path is everything before its last ':' (URNs contain '.', as in
// "2.0"), so "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager" is the
// attribute "manager" of the enterprise extension.
//
// Departures from the letter of the RFC, chosen for the clients Roster serves: white
// space between tokens may be any run of spaces, tabs and line breaks (and may be absent
// where a parenthesis, bracket or quote separates tokens); an attribute name may start
// with '$' (for "$ref"); inside brackets, attribute paths must be bare sub-attribute
// names and value paths cannot nest; a value path may be followed by a sub-attribute,
// compared (valueExp), as Entra ID looks a user up by its matching attribute:
// emails[type eq "work"].value eq "x" holds when one value of emails has type "work"
// and value "x", as emails[type eq "work" and value eq "x"] does.
//
// # Limits
//
// Filter and path text is limited to MaxLength (8192) bytes and MaxDepth (32) levels of
// nesting, where each "(", "not" and "[" adds a level. Longer or deeper input is a syntax
// error, so hostile input costs bounded time, memory and stack.
//
// # Errors
//
// Every syntax error is an *Error carrying the byte offset and a message that says what
// was found and what was expected:
//
//	unexpected ')' at 17: expected a comparison value
//
// # Printing
//
// Every node prints itself as canonical filter text (lower-case operators and keywords,
// JSON-quoted strings, only the parentheses the tree needs), and parsing that text
// yields an equal tree. Tests compare that one line.
//
// # Evaluation and SQL
//
// Match and MatchValue evaluate a filter over a decoded JSON document; Compile turns a
// filter into a SQL condition with placeholders over a Mapping of attributes to columns,
// side tables and the JSON document column. A side table is queried by a correlated
// EXISTS or, when its Table names Key and Ref, by an uncorrelated semi-join that the
// database can serve from an index on the table's values (the stores use this form).
// A Resolver supplies each attribute's type, caseExact and multiValued
// characteristics. The two agree, but for the differences Compile lists: a
// differential test in internal/sqlcheck runs many filters through both, and both
// side-table forms, over a real SQLite database and, when ROSTER_TEST_POSTGRES names a
// server, a real PostgreSQL database.
package filter
