package logictest

import (
	"strconv"
	"strings"
)

// ParseSQLite parses a file of SQLite's sqllogictest format (COMPAT.md §5.3).
func ParseSQLite(path, text string) (*File, error) {
	f := &File{Path: path, Lines: splitLines(text)}
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
		r.i++
		if len(fields) == 0 {
			continue
		}
		rec := &Record{Line: line, Count: -1}
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
			rec.Kind = Statement
			if len(fields) < 2 || (fields[1] != "ok" && fields[1] != "error") {
				return nil, r.errorf(line, "usage: statement ok|error")
			}
			rec.ExpectError = fields[1] == "error"
			rec.SQL, _ = r.readSQL(false)
		case "query":
			rec.Kind = Query
			if len(fields) < 2 {
				return nil, r.errorf(line, "query needs column types")
			}
			rec.Types = fields[1]
			if len(fields) > 2 {
				switch fields[2] {
				case "nosort":
				case "rowsort":
					rec.Sort = RowSort
				case "valuesort":
					rec.Sort = ValueSort
				default:
					return nil, r.errorf(line, "unknown sort mode %q", fields[2])
				}
			}
			if len(fields) > 3 {
				rec.Label = fields[3]
			}
			var sep bool
			rec.SQL, sep = r.readSQL(true)
			rec.SepLine = r.i
			if sep {
				rec.HasSep = true
				r.i++
				rec.Expected = r.readExpected()
			}
			rec.EndLine = r.i
		case "hash-threshold":
			if len(fields) != 2 {
				return nil, r.errorf(line, "usage: hash-threshold N")
			}
			if _, err := strconv.Atoi(fields[1]); err != nil {
				return nil, r.errorf(line, "usage: hash-threshold N")
			}
			rec.Kind, rec.Arg = HashThreshold, fields[1]
		case "halt":
			rec.Kind = Halt
		default:
			return nil, r.errorf(line, "unknown record %q", fields[0])
		}
		if (rec.Kind == Statement || rec.Kind == Query) && rec.SQL == "" {
			return nil, r.errorf(line, "record has no SQL")
		}
		rec.SkipIf, rec.OnlyIf = skipIf, onlyIf
		skipIf, onlyIf = nil, nil
		f.Records = append(f.Records, rec)
	}
	return f, nil
}
