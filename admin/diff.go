package admin

import (
	"fmt"
	"strings"
)

// edit is one line of an edit script: kept (' '), only in the old text ('-')
// or only in the new one ('+').
type edit struct {
	op   byte
	line string
}

// maxDiffCells bounds the table lineEdits fills (rows times columns of the
// lines left once the common head and tail are set aside): 4 MiB of int32.
// Past it, the middle is shown as removed and added whole: still a correct
// diff, only not the shortest.
const maxDiffCells = 1 << 20

// lineEdits returns an edit script turning a into b that keeps a longest
// common subsequence of their lines, when the lines that differ fit in
// maxCells; otherwise it keeps only their common head and tail.
func lineEdits(a, b []string, maxCells int) []edit {
	head := 0
	for head < len(a) && head < len(b) && a[head] == b[head] {
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail] == b[len(b)-1-tail] {
		tail++
	}
	es := make([]edit, 0, len(a)+len(b)-head-tail)
	for _, l := range a[:head] {
		es = append(es, edit{' ', l})
	}
	es = append(es, lcsEdits(a[head:len(a)-tail], b[head:len(b)-tail], maxCells)...)
	for _, l := range a[len(a)-tail:] {
		es = append(es, edit{' ', l})
	}
	return es
}

// lcsEdits is lineEdits without the common head and tail: the classic
// dynamic programme over suffixes, where n[i][j] is the length of a longest
// common subsequence of a[i:] and b[j:], walked from the start.
func lcsEdits(a, b []string, maxCells int) []edit {
	var es []edit
	w := len(b) + 1
	if len(a)*len(b) > maxCells {
		for _, l := range a {
			es = append(es, edit{'-', l})
		}
		for _, l := range b {
			es = append(es, edit{'+', l})
		}
		return es
	}
	n := make([]int32, (len(a)+1)*w)
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				n[i*w+j] = n[(i+1)*w+j+1] + 1
			} else {
				n[i*w+j] = max(n[(i+1)*w+j], n[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			es = append(es, edit{' ', a[i]})
			i, j = i+1, j+1
		case n[(i+1)*w+j] >= n[i*w+j+1]:
			es = append(es, edit{'-', a[i]})
			i++
		default:
			es = append(es, edit{'+', b[j]})
			j++
		}
	}
	for ; i < len(a); i++ {
		es = append(es, edit{'-', a[i]})
	}
	for ; j < len(b); j++ {
		es = append(es, edit{'+', b[j]})
	}
	return es
}

// unified formats the edits turning a into b as a unified diff with context
// lines of context around each change; "" when there is none.
func unified(a, b []string, context int) string {
	es := lineEdits(a, b, maxDiffCells)
	var out strings.Builder
	for start := 0; start < len(es); {
		first := nextChange(es, start)
		if first == len(es) {
			break
		}
		// A hunk runs from context lines before its first change to context
		// lines after its last, taking in the changes at most 2×context
		// kept lines apart.
		from, last := max(first-context, start), first
		for {
			next := nextChange(es, last+1)
			if next == len(es) || next-last-1 > 2*context {
				break
			}
			last = next
		}
		to := min(last+1+context, len(es))
		writeHunk(&out, es, from, to)
		start = to
	}
	return out.String()
}

// nextChange returns the index of the first edit at or after i that is not a
// kept line, len(es) when there is none.
func nextChange(es []edit, i int) int {
	for i < len(es) && es[i].op == ' ' {
		i++
	}
	return i
}

// writeHunk writes es[from:to] under its "@@ -l,s +l,s @@" header, whose
// line numbers count from 1 (and name the line before, for an empty side).
func writeHunk(out *strings.Builder, es []edit, from, to int) {
	aLine, bLine := 0, 0 // lines of a and b before es[from]
	for _, e := range es[:from] {
		if e.op != '+' {
			aLine++
		}
		if e.op != '-' {
			bLine++
		}
	}
	aLen, bLen := 0, 0
	for _, e := range es[from:to] {
		if e.op != '+' {
			aLen++
		}
		if e.op != '-' {
			bLen++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(aLine, aLen), hunkRange(bLine, bLen))
	for _, e := range es[from:to] {
		out.WriteByte(e.op)
		out.WriteString(e.line)
		out.WriteByte('\n')
	}
}

// hunkRange is one side of a hunk header: its first line and how many.
func hunkRange(before, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", before)
	}
	return fmt.Sprintf("%d,%d", before+1, n)
}

// splitLines splits s into its lines, without their line ends; a final line
// end starts no empty line.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}
