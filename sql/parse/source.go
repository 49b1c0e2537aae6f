package parse

import (
	"strings"
)

// CreateSource is
//
//	CREATE SOURCE [IF NOT EXISTS] name FROM POSTGRES CONNECTION 'conninfo'
//	    PUBLICATION 'pub' [FOR TABLES (a, b AS c) | FOR ALL TABLES] [WITH (k = v, ...)]
//	CREATE SOURCE [IF NOT EXISTS] name FROM LOAD GENERATOR generator
//	    [(option value, ...)] [WITH (k = v, ...)]
//
// Connector is "postgres" or "loadgen". Options holds lower-case keys:
// "connection" and "publication" for postgres; "generator" (lower case,
// e.g. "ecommerce") and each listed option ("scale", "rate", "seed", ...;
// multi-word names joined with "_") for loadgen; plus any WITH options.
type CreateSource struct {
	Name        string
	IfNotExists bool
	Connector   string
	Options     map[string]string
	// Tables lists FOR TABLES (...); empty means every table.
	Tables []SourceTable
	SQL    string
}

// SourceTable is one entry of FOR TABLES: the upstream table and the name
// it gets in Freshet (equal to Upstream unless renamed with AS).
type SourceTable struct {
	Upstream string
	Name     string
}

// CreateSink is
//
//	CREATE SINK [IF NOT EXISTS] name FROM relation INTO CLICKHOUSE
//	    CONNECTION 'dsn' TABLE 'table' [WITH (k = v, ...)]
//
// Connector is "clickhouse"; Options holds "connection", "table" and any
// WITH options (lower-case keys).
type CreateSink struct {
	Name        string
	IfNotExists bool
	From        string
	Connector   string
	Options     map[string]string
	SQL         string
}

func (s *CreateSource) Text() string { return s.SQL }
func (s *CreateSink) Text() string   { return s.SQL }

var (
	_ Statement = (*CreateSource)(nil)
	_ Statement = (*CreateSink)(nil)
)

// optionValue reads a string, number (with sign) or word as option text.
func (c *cursor) optionValue() (string, error) {
	t := c.tok()
	switch {
	case t.kind == tkString:
		c.i++
		return t.str, nil
	case t.kind == tkNumber:
		c.i++
		return t.raw, nil
	case (t.isOp("-") || t.isOp("+")) && c.peek(1).kind == tkNumber:
		c.i += 2
		return strings.TrimPrefix(t.raw, "+") + c.peek(-1).raw, nil
	case t.kind == tkWord || t.kind == tkQuotedIdent:
		c.i++
		return t.str, nil
	}
	return "", c.fail()
}

// optionList reads "( name [=] value, ... )" into opts; a name may have
// several words (SCALE FACTOR 1 → scale_factor).
func (c *cursor) optionList(opts map[string]string) error {
	if !c.tok().isOp("(") {
		return c.fail()
	}
	c.i++
	for {
		var words []string
		for c.tok().kind == tkWord && !(len(words) > 0 && c.peek(1).isOp(",") || len(words) > 0 && c.peek(1).isOp(")")) {
			words = append(words, c.tok().str)
			c.i++
		}
		if len(words) == 0 {
			return c.fail()
		}
		if c.tok().isOp("=") {
			c.i++
		}
		v, err := c.optionValue()
		if err != nil {
			return err
		}
		opts[strings.Join(words, "_")] = v
		if c.tok().isOp(",") {
			c.i++
			continue
		}
		if !c.tok().isOp(")") {
			return c.fail()
		}
		c.i++
		return nil
	}
}

// withOptions reads an optional WITH (...) clause.
func (c *cursor) withOptions(opts map[string]string) error {
	if !c.accept("with") {
		return nil
	}
	return c.optionList(opts)
}

// parseCreateSource parses after CREATE SOURCE.
func parseCreateSource(c *cursor, text string) (Statement, error) {
	s := &CreateSource{Options: map[string]string{}, SQL: text}
	s.IfNotExists = c.accept("if", "not", "exists")
	n, err := c.name()
	if err != nil {
		return nil, err
	}
	s.Name = n
	if err := c.expect("from"); err != nil {
		return nil, err
	}
	switch {
	case c.accept("postgres") || c.accept("postgresql"):
		s.Connector = "postgres"
		for c.tok().kind != tkEOF && !c.tok().is("with") {
			switch {
			case c.accept("connection"):
				v, err := c.stringValue()
				if err != nil {
					return nil, err
				}
				s.Options["connection"] = v
			case c.accept("publication"):
				v, err := c.stringValue()
				if err != nil {
					return nil, err
				}
				s.Options["publication"] = v
			case c.accept("for", "all", "tables"):
			case c.accept("for", "tables"):
				if err := c.sourceTables(s); err != nil {
					return nil, err
				}
			default:
				return nil, c.fail()
			}
		}
		if s.Options["connection"] == "" {
			return nil, syntaxError(c.sql, c.tok())
		}
	case c.accept("load", "generator"):
		s.Connector = "loadgen"
		g, err := c.ident()
		if err != nil {
			return nil, err
		}
		s.Options["generator"] = strings.ToLower(g)
		if c.tok().isOp("(") {
			if err := c.optionList(s.Options); err != nil {
				return nil, err
			}
		}
	default:
		return nil, notSupported(c.sql, c.tok(), "sources of kind %s are not supported", strings.ToUpper(c.tok().raw))
	}
	if err := c.withOptions(s.Options); err != nil {
		return nil, err
	}
	return s, c.end()
}

// stringValue reads a string constant.
func (c *cursor) stringValue() (string, error) {
	t := c.tok()
	if t.kind != tkString {
		return "", c.fail()
	}
	c.i++
	return t.str, nil
}

// sourceTables reads "(a, b AS c)".
func (c *cursor) sourceTables(s *CreateSource) error {
	if !c.tok().isOp("(") {
		return c.fail()
	}
	c.i++
	for {
		up, err := c.name()
		if err != nil {
			return err
		}
		st := SourceTable{Upstream: up, Name: up}
		if c.accept("as") {
			if st.Name, err = c.ident(); err != nil {
				return err
			}
		} else if i := strings.LastIndexByte(up, '.'); i >= 0 {
			st.Name = up[i+1:]
		}
		s.Tables = append(s.Tables, st)
		if c.tok().isOp(",") {
			c.i++
			continue
		}
		if !c.tok().isOp(")") {
			return c.fail()
		}
		c.i++
		return nil
	}
}

// parseCreateSink parses after CREATE SINK.
func parseCreateSink(c *cursor, text string) (Statement, error) {
	s := &CreateSink{Options: map[string]string{}, SQL: text}
	s.IfNotExists = c.accept("if", "not", "exists")
	n, err := c.name()
	if err != nil {
		return nil, err
	}
	s.Name = n
	if err := c.expect("from"); err != nil {
		return nil, err
	}
	if s.From, err = c.name(); err != nil {
		return nil, err
	}
	if err := c.expect("into"); err != nil {
		return nil, err
	}
	if !c.accept("clickhouse") {
		return nil, notSupported(c.sql, c.tok(), "sinks of kind %s are not supported", strings.ToUpper(c.tok().raw))
	}
	s.Connector = "clickhouse"
	for c.tok().kind != tkEOF && !c.tok().is("with") {
		switch {
		case c.accept("connection"):
			v, err := c.stringValue()
			if err != nil {
				return nil, err
			}
			s.Options["connection"] = v
		case c.accept("table"):
			v, err := c.optionValue()
			if err != nil {
				return nil, err
			}
			s.Options["table"] = v
		default:
			return nil, c.fail()
		}
	}
	if s.Options["connection"] == "" || s.Options["table"] == "" {
		return nil, syntaxError(c.sql, c.tok())
	}
	if err := c.withOptions(s.Options); err != nil {
		return nil, err
	}
	return s, c.end()
}
