package parse

// Clause-level rewrites: LIMIT/OFFSET, FROM-list table functions,
// aggregate FILTER, CREATE TABLE column lists.

// beforeQuery reports whether no AS/SELECT/LIKE precedes the current
// token: the "(" of CREATE TABLE t (...) opens the column list, not an
// expression of CREATE TABLE t AS SELECT.
func (r *rewriter) beforeQuery() bool {
	for k := 0; k < r.i; k++ {
		if t := r.toks[k]; t.is("as") || t.is("select") || t.is("like") {
			return false
		}
	}
	return true
}

// maxNumberLen is the longest numeric literal handed to TiDB as a number;
// longer ones become freshet_cast('digits', 'numeric').
const maxNumberLen = 60

// maxLimit stands for "no limit" where TiDB needs a LIMIT before OFFSET.
const maxLimit = "18446744073709551615"

// offset handles OFFSET m [ROW|ROWS]. TiDB only knows LIMIT n OFFSET m,
// so OFFSET m LIMIT n and OFFSET m FETCH FIRST n ROWS ONLY are reordered
// and a lone OFFSET m gets LIMIT 18446744073709551615 (no limit).
func (r *rewriter) offset() error {
	t := r.tok()
	value := r.peek(1)
	k := r.i + 2
	if at(r.toks, k).is("rows") || at(r.toks, k).is("row") {
		k++
	}
	if r.limitSeen() {
		r.emitTok(t, "offset", pWord)
		r.emitValue(value)
		r.i = k
		return nil
	}
	var count *token
	after := k
	switch n := at(r.toks, k+1); {
	case at(r.toks, k).is("limit") && (n.kind == tkNumber || n.kind == tkParam || n.isOp("?")):
		count, after = &n, k+2
	case at(r.toks, k).is("limit") && n.is("all"):
		after = k + 2
	case at(r.toks, k).is("fetch") && (n.is("first") || n.is("next")):
		j := k + 2
		c := at(r.toks, j)
		if c.kind == tkNumber || c.kind == tkParam || c.isOp("?") {
			count = &c
			j++
		} else {
			one := token{kind: tkNumber, raw: "1", pos: c.pos}
			count = &one
		}
		if !at(r.toks, j).is("rows") && !at(r.toks, j).is("row") {
			return r.syntaxErrorAt(at(r.toks, j))
		}
		if !at(r.toks, j+1).is("only") {
			return r.syntaxErrorAt(at(r.toks, j+1))
		}
		after = j + 2
	}
	r.emitTok(t, "limit", pWord)
	if count != nil {
		r.emitValue(*count)
	} else {
		r.emit(maxLimit, pValue, t.pos, true)
	}
	r.emit("offset", pWord, t.pos, true)
	r.emitValue(value)
	r.i = after
	return nil
}

// emitValue emits a number, $n or ? token.
func (r *rewriter) emitValue(t token) {
	switch {
	case t.kind == tkParam:
		r.dollar = true
		if t.n > r.maxParam {
			r.maxParam = t.n
		}
		r.emit("?", pValue, t.pos, true)
		r.out[len(r.out)-1].param = t.n
	case t.isOp("?"):
		r.emitQuestion(t, true)
	default:
		r.emit(t.raw, pValue, t.pos, true)
	}
}

// emitQuestion emits a "?" parameter numbered by its position among the
// statement's "?" tokens (so reordering clauses keeps the numbering).
func (r *rewriter) emitQuestion(t token, space bool) {
	if r.qnum == nil {
		r.qnum = map[int]int{}
		for _, u := range r.toks {
			if u.isOp("?") {
				r.qnum[u.pos] = len(r.qnum) + 1
			}
		}
	}
	n := r.qnum[t.pos]
	r.questions++
	if n > r.maxParam {
		r.maxParam = n
	}
	r.emit("?", pValue, t.pos, space)
	r.out[len(r.out)-1].param = n
}

// limitSeen reports whether a LIMIT clause was emitted for the current
// query level.
func (r *rewriter) limitSeen() bool {
	depth := 0
	for k := len(r.out) - 1; k >= 0; k-- {
		p := r.out[k]
		switch {
		case p.kind == pClose:
			depth++
		case p.kind == pOpen:
			if depth == 0 {
				return false
			}
			depth--
		case depth > 0:
		case p.kind == pWord && p.text == "limit":
			return true
		case p.kind == pWord && (p.text == "select" || p.text == "union" || p.text == "except" || p.text == "intersect"):
			return false
		}
	}
	return false
}

// fromClauseHere reports whether the innermost open parenthesis (if any)
// is not a function call's, so that a FROM just emitted starts a FROM
// clause rather than EXTRACT/TRIM/SUBSTRING syntax.
func (r *rewriter) fromClauseHere() bool { return !r.frames[len(r.frames)-1].call }

// inFromList reports whether the output at the current level is inside a
// FROM list (a FROM seen after the last clause keyword).
func (r *rewriter) inFromList() bool { return r.frames[len(r.frames)-1].from }

var fromEnders = wordSet(`select where group having order limit union except intersect window on using set values`)

// tableFunction rewrites a function call in FROM, which TiDB cannot
// parse, into a derived table: FROM f(args) → FROM (SELECT
// freshet_table('f', args)). The alias that follows is kept.
func (r *rewriter) tableFunction() error {
	t := r.tok()
	name := t.str
	j := r.i + 1
	if r.peek(1).isOp(".") {
		name += "." + r.peek(2).str
		j = r.i + 3
	}
	m := r.matchingParen(j)
	if m < 0 {
		return r.syntaxErrorAt(at(r.toks, len(r.toks)-1))
	}
	r.emitTok(t, "(", pOpen)
	r.emit("select", pWord, t.pos, false)
	r.emit(TableFunc, pWord, t.pos, true)
	r.emit("(", pOpen, t.pos, false)
	r.emit(quoteString(name), pValue, t.pos, false)
	if !at(r.toks, j+1).isOp(")") {
		r.emit(",", pPunct, t.pos, false)
	}
	r.closers[m]++
	r.depth++
	r.i = j + 1
	if at(r.toks, m+1).is("with") && at(r.toks, m+2).is("ordinality") {
		return notSupported(r.src, at(r.toks, m+1), "WITH ORDINALITY is not supported")
	}
	// FROM f(x) AS t(c): the column name becomes the alias of the
	// derived table's one field.
	k := m + 1
	if at(r.toks, k).is("as") {
		k++
	}
	alias := at(r.toks, k)
	isAlias := alias.kind == tkQuotedIdent || alias.kind == tkWord && !operandStops[alias.str] && alias.str != "lateral"
	if isAlias && at(r.toks, k+1).isOp("(") {
		var cols []string
		e := k + 2
		for ; ; e++ {
			c := at(r.toks, e)
			if c.kind != tkWord && c.kind != tkQuotedIdent {
				return r.syntaxErrorAt(c)
			}
			cols = append(cols, c.str)
			if at(r.toks, e+1).isOp(",") {
				e++
				continue
			}
			if !at(r.toks, e+1).isOp(")") {
				return r.syntaxErrorAt(at(r.toks, e+1))
			}
			break
		}
		if len(cols) != 1 {
			return notSupported(r.src, at(r.toks, k+1), "column alias lists with several columns are not supported for table functions")
		}
		r.fieldAlias[m] = cols[0]
		for s := k + 1; s <= e+1; s++ {
			r.skip[s] = true
		}
	}
	return nil
}

// nullSkippingAggregates are the aggregates that ignore NULL inputs, for
// which agg(x) FILTER (WHERE c) equals agg(CASE WHEN c THEN x END).
var nullSkippingAggregates = wordSet(`count sum avg min max string_agg bool_and bool_or every
stddev stddev_pop stddev_samp variance var_pop var_samp bit_and bit_or bit_xor`)

// aggregateFilter rewrites agg(x) FILTER (WHERE c), which TiDB cannot
// parse, into agg(CASE WHEN c THEN x END) (count(*) uses 1 for x).
func (r *rewriter) aggregateFilter() error {
	t := r.tok()
	n := len(r.out)
	if n == 0 || r.out[n-1].kind != pClose {
		return r.syntaxErrorAt(t)
	}
	open, depth := -1, 0
	for k := n - 1; k >= 0; k-- {
		if r.out[k].kind == pClose {
			depth++
		} else if r.out[k].kind == pOpen {
			if depth--; depth == 0 {
				open = k
				break
			}
		}
	}
	if open < 1 || r.out[open-1].kind != pWord {
		return r.syntaxErrorAt(t)
	}
	if name := r.out[open-1].text; !nullSkippingAggregates[name] {
		return notSupported(r.src, t, "FILTER is not supported for %s", name)
	}
	argStart := open + 1
	if p := r.out[argStart]; p.kind == pWord && (p.text == "distinct" || p.text == "all") {
		argStart++
	}
	argEnd := argStart // first piece after the first argument
	for depth = 0; argEnd < n-1; argEnd++ {
		p := r.out[argEnd]
		if p.kind == pOpen {
			depth++
		} else if p.kind == pClose {
			depth--
		} else if depth == 0 && p.kind == pPunct && p.text == "," {
			break
		}
	}
	if argEnd == argStart {
		return r.syntaxErrorAt(t)
	}
	// Rewrite the condition on its own, then splice it in.
	m := r.matchingParen(r.i + 1)
	if m < 0 {
		return r.syntaxErrorAt(at(r.toks, len(r.toks)-1))
	}
	saved := r.out
	r.out = make([]piece, 0, m-r.i)
	for r.i = r.i + 3; r.i < m; {
		if err := r.step(); err != nil {
			return err
		}
		r.flushClosers()
	}
	cond := r.out
	r.out = saved
	if len(cond) == 0 {
		return r.syntaxErrorAt(at(r.toks, m))
	}
	if p := r.out[argStart]; argEnd == argStart+1 && p.kind == pOp && p.text == "*" {
		r.out[argStart] = piece{text: "1", kind: pValue, orig: p.orig}
	}
	r.insert(argEnd, piece{text: "end", kind: pWord, orig: t.pos, space: true})
	pre := append([]piece{
		{text: "case", kind: pWord, orig: t.pos},
		{text: "when", kind: pWord, orig: t.pos, space: true},
	}, cond...)
	pre[2].space = true
	pre = append(pre, piece{text: "then", kind: pWord, orig: t.pos, space: true})
	r.out[argStart].space = true
	r.insert(argStart, pre...)
	r.i = m + 1
	return nil
}

// valuesList rewrites a VALUES list used as a query (a statement, or a
// subquery in parentheses), which TiDB cannot parse, into SELECT ... UNION
// ALL SELECT ...: VALUES (1, 'a'), (2, 'b') → SELECT 1 AS column1, 'a' AS
// column2 UNION ALL SELECT 2, 'b'. A subquery's column alias list, as in
// (VALUES ...) AS v(id, name), names the columns instead and is dropped.
func (r *rewriter) valuesList() error {
	t := r.tok()
	var names []string
	var aliasToks []int
	if r.i > 0 {
		m := r.matchingParen(r.i - 1)
		k := m + 1
		if at(r.toks, k).is("as") {
			k++
		}
		if a := at(r.toks, k); (a.kind == tkQuotedIdent || a.kind == tkWord && !operandStops[a.str]) && at(r.toks, k+1).isOp("(") {
			for e := k + 2; ; e += 2 {
				c := at(r.toks, e)
				if c.kind != tkWord && c.kind != tkQuotedIdent {
					return r.syntaxErrorAt(c)
				}
				names = append(names, c.str)
				aliasToks = append(aliasToks, e, e+1)
				if at(r.toks, e+1).isOp(")") {
					aliasToks = append(aliasToks, k+1)
					break
				}
				if !at(r.toks, e+1).isOp(",") {
					return r.syntaxErrorAt(at(r.toks, e+1))
				}
			}
		}
	}
	r.i++
	width := -1
	for row := 0; ; row++ {
		open := r.tok()
		if !open.isOp("(") {
			return r.syntaxErrorAt(open)
		}
		end := r.matchingParen(r.i)
		if end < 0 {
			return r.syntaxErrorAt(at(r.toks, len(r.toks)-1))
		}
		if row == 0 {
			r.emitTok(t, "select", pWord)
		} else {
			r.emit("union", pWord, open.pos, true)
			r.emit("all", pWord, open.pos, true)
			r.emit("select", pWord, open.pos, true)
		}
		// Each top-level expression of the row, comma separated.
		col := 0
		r.i++
		for {
			s := r.i
			depth := 0
			e := s
			for ; e < end; e++ {
				u := r.toks[e]
				if u.isOp("(") || u.isOp("[") {
					depth++
				} else if u.isOp(")") || u.isOp("]") {
					depth--
				} else if depth == 0 && u.isOp(",") {
					break
				}
			}
			if e == s {
				return r.syntaxErrorAt(r.toks[e])
			}
			for r.i < e {
				if err := r.step(); err != nil {
					return err
				}
				r.flushClosers()
			}
			col++
			if row == 0 {
				name := "column" + itoa(col)
				if col <= len(names) {
					name = names[col-1]
				}
				r.emit("as", pWord, r.toks[s].pos, true)
				r.emit(quoteIdent(name), pValue, r.toks[s].pos, true)
			}
			if e == end {
				break
			}
			r.emitTok(r.toks[e], ",", pPunct)
			r.i = e + 1
		}
		if width >= 0 && col != width {
			return sqlerrNew(r.src, open, "VALUES lists must all be the same length")
		}
		width = col
		r.i = end + 1
		r.flushed = r.i
		if !r.tok().isOp(",") {
			break
		}
		r.i++
	}
	if len(names) > width {
		return sqlerrNew(r.src, t, "VALUES list has %d columns available but %d columns specified", width, len(names))
	}
	for _, k := range aliasToks {
		r.skip[k] = true
	}
	return nil
}
