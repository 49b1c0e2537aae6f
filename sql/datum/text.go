package datum

// FormatText renders d in Postgres's text output format (what psql shows
// and what DataRow carries in text format). NULL renders as "NULL".
func FormatText(d Datum) string {
	return string(AppendText(nil, d))
}
