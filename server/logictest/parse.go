package logictest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Kind is the kind of a record.
type Kind uint8

const (
	// Statement runs SQL and checks success, an error or a row count.
	Statement Kind = iota + 1
	// Query runs SQL and checks its rows or its error.
	Query
	// SwitchConn switches to another connection.
	SwitchConn
	// SetProtocol switches between the simple and extended protocols.
	SetProtocol
	// HashThreshold changes the hash threshold (SQLite format).
	HashThreshold
	// Halt stops the file.
	Halt
)

// SortMode says how a result is ordered before it is compared.
type SortMode uint8

const (
	NoSort SortMode = iota
	RowSort
	ValueSort
)

// Record is one record of a test file.
type Record struct {
	Kind Kind
	// Line is the 1-based line of the record's header.
	Line int
	// SkipIf and OnlyIf are the engine conditions before the header.
	SkipIf, OnlyIf []string
	SQL            string

	// Statement and query errors.
	ExpectError bool
	ErrCode     string         // SQLSTATE, or ""
	ErrRegexp   *regexp.Regexp // nil: any message

	// Statement row count; -1 if not checked.
	Count int64

	// Queries.
	Types    string
	Sort     SortMode
	ColNames bool
	Retry    bool
	Simple   bool
	Label    string   // SQLite format
	Expected []string // the lines after "----"
	HasSep   bool     // whether the record has a "----" line
	// SepLine and EndLine delimit, as 0-based line indexes, the lines that
	// -rewrite replaces: from the "----" line (or where it belongs) up to,
	// not including, EndLine.
	SepLine, EndLine int

	// Control records.
	Arg string // connection name, protocol, threshold
}

// File is a parsed test file.
type File struct {
	Path string
	// Lines are the file's lines, kept for -rewrite.
	Lines   []string
	Records []*Record
	// FreshetOnly is set by a first line "# freshet-only".
	FreshetOnly bool
	// PGViews is set by a leading comment line "# postgres: materialized
	// views as views": on PostgreSQL, the file runs with every
	// MATERIALIZED VIEW turned into a plain VIEW.
	PGViews bool
}

// ParseError is a malformed record.
type ParseError struct {
	Path string
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg) }

// lineReader walks the lines of a file.
type lineReader struct {
	path  string
	lines []string
	i     int
}

func (r *lineReader) errorf(line int, format string, args ...any) error {
	return &ParseError{Path: r.path, Line: line, Msg: fmt.Sprintf(format, args...)}
}

func (r *lineReader) done() bool { return r.i >= len(r.lines) }

// isBlank reports whether a line ends a record.
func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

// isComment reports whether a line is a comment line.
func isComment(s string) bool { return strings.HasPrefix(strings.TrimSpace(s), "#") }

// stripComment removes a trailing "# ..." from a header line.
func stripComment(s string) string {
	if i := strings.Index(s, "#"); i >= 0 {
		return s[:i]
	}
	return s
}

// readSQL reads SQL lines up to a blank line or, if sep, a "----" line,
// skipping comment lines. It returns whether it stopped at "----".
func (r *lineReader) readSQL(sep bool) (string, bool) {
	var sql []string
	for !r.done() {
		l := r.lines[r.i]
		if isBlank(l) {
			break
		}
		if sep && strings.TrimSpace(l) == "----" {
			return strings.Join(sql, "\n"), true
		}
		r.i++
		if isComment(l) {
			continue
		}
		sql = append(sql, l)
	}
	return strings.Join(sql, "\n"), false
}

// readExpected reads result lines up to a blank line.
func (r *lineReader) readExpected() []string {
	var out []string
	for !r.done() && !isBlank(r.lines[r.i]) {
		out = append(out, r.lines[r.i])
		r.i++
	}
	return out
}

// splitLines splits text into lines without their line terminators.
func splitLines(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// ParseSLT parses a file of the .slt dialect.
func ParseSLT(path, text string) (*File, error) {
	f := &File{Path: path, Lines: splitLines(text)}
	if len(f.Lines) > 0 && strings.TrimSpace(f.Lines[0]) == "# freshet-only" {
		f.FreshetOnly = true
	}
	for _, l := range f.Lines {
		if !isComment(l) {
			break
		}
		if strings.TrimSpace(l) == "# postgres: materialized views as views" {
			f.PGViews = true
		}
	}
	r := &lineReader{path: path, lines: f.Lines}
	var skipIf, onlyIf []string
	for !r.done() {
		l := r.lines[r.i]
		if isBlank(l) || isComment(l) {
			r.i++
			continue
		}
		line := r.i + 1
		fields := strings.Fields(stripComment(l))
		if len(fields) == 0 {
			r.i++
			continue
		}
		rec := &Record{Line: line, Count: -1}
		r.i++
		switch fields[0] {
		case "skipif", "onlyif":
			if len(fields) < 2 {
				return nil, r.errorf(line, "%s needs an engine name", fields[0])
			}
			if fields[0] == "skipif" {
				skipIf = append(skipIf, fields[1])
			} else {
				onlyIf = append(onlyIf, fields[1])
			}
			continue
		case "statement":
			if err := parseStatementHeader(r, rec, l); err != nil {
				return nil, err
			}
			rec.SQL, _ = r.readSQL(false)
		case "query":
			if err := parseQueryHeader(r, rec, l); err != nil {
				return nil, err
			}
			var sep bool
			rec.SQL, sep = r.readSQL(!rec.ExpectError)
			rec.SepLine = r.i
			if sep {
				rec.HasSep = true
				r.i++
				rec.Expected = r.readExpected()
			}
			rec.EndLine = r.i
		case "connection", "user":
			if len(fields) != 2 {
				return nil, r.errorf(line, "usage: %s <name>", fields[0])
			}
			rec.Kind, rec.Arg = SwitchConn, fields[1]
		case "protocol":
			if len(fields) != 2 || (fields[1] != "simple" && fields[1] != "extended") {
				return nil, r.errorf(line, "usage: protocol simple|extended")
			}
			rec.Kind, rec.Arg = SetProtocol, fields[1]
		case "halt":
			rec.Kind = Halt
		default:
			return nil, r.errorf(line, "unknown record %q", fields[0])
		}
		if (rec.Kind == Statement || rec.Kind == Query) && rec.SQL == "" {
			return nil, r.errorf(line, "record has no SQL")
		}
		if (rec.Kind == SwitchConn || rec.Kind == SetProtocol) && len(skipIf)+len(onlyIf) > 0 {
			return nil, r.errorf(line, "skipif/onlyif before a %s record", fields[0])
		}
		rec.SkipIf, rec.OnlyIf = skipIf, onlyIf
		skipIf, onlyIf = nil, nil
		f.Records = append(f.Records, rec)
	}
	return f, nil
}

// parseErrorSpec parses "[pgcode CODE] [regexp]" after "statement error" or
// "query error".
func parseErrorSpec(r *lineReader, rec *Record, rest string) error {
	rec.ExpectError = true
	rest = strings.TrimSpace(rest)
	if code, ok := strings.CutPrefix(rest, "pgcode "); ok {
		code = strings.TrimSpace(code)
		c, after, _ := strings.Cut(code, " ")
		if len(c) != 5 {
			return r.errorf(rec.Line, "pgcode %q is not a 5-character SQLSTATE", c)
		}
		rec.ErrCode = c
		rest = strings.TrimSpace(after)
	}
	if rest != "" {
		re, err := regexp.Compile(rest)
		if err != nil {
			return r.errorf(rec.Line, "bad error regexp: %v", err)
		}
		rec.ErrRegexp = re
	}
	return nil
}

func parseStatementHeader(r *lineReader, rec *Record, header string) error {
	rec.Kind = Statement
	rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(header), "statement"))
	switch {
	case rest == "ok":
	case strings.HasPrefix(rest, "count "):
		n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(rest, "count ")), 10, 64)
		if err != nil || n < 0 {
			return r.errorf(rec.Line, "statement count needs a non-negative number")
		}
		rec.Count = n
	case rest == "error" || strings.HasPrefix(rest, "error "):
		return parseErrorSpec(r, rec, strings.TrimPrefix(rest, "error"))
	default:
		return r.errorf(rec.Line, "usage: statement ok | statement count N | statement error [pgcode CODE] [regexp]")
	}
	return nil
}

func parseQueryHeader(r *lineReader, rec *Record, header string) error {
	rec.Kind = Query
	rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(header), "query"))
	if rest == "error" || strings.HasPrefix(rest, "error ") {
		return parseErrorSpec(r, rec, strings.TrimPrefix(rest, "error"))
	}
	fields := strings.FieldsFunc(stripComment(rest), func(c rune) bool { return c == ' ' || c == ',' || c == '\t' })
	if len(fields) == 0 {
		return r.errorf(rec.Line, "query needs column types, e.g. query IT")
	}
	rec.Types = fields[0]
	for _, opt := range fields[1:] {
		switch opt {
		case "nosort":
			rec.Sort = NoSort
		case "rowsort":
			rec.Sort = RowSort
		case "valuesort":
			rec.Sort = ValueSort
		case "colnames":
			rec.ColNames = true
		case "retry":
			rec.Retry = true
		case "simple":
			rec.Simple = true
		default:
			return r.errorf(rec.Line, "unknown query option %q", opt)
		}
	}
	return nil
}
