package parse

// Word lists that drive the rewriter. They were derived by asking the TiDB
// grammar (see TestKeywordLists, which keeps them honest).

// aliasQuote holds the words TiDB rejects as a column alias after AS
// ("SELECT 1 AS update") that Postgres accepts there. The rewriter
// double-quotes them after AS. Words that legitimately follow AS as syntax
// (SELECT, WITH, VALUES, TABLE, NOT) are handled separately.
var aliasQuote = wordSet(`schema table update key index current_user range rows database order add
all alter analyze and array asc between bigint binary blob both by call cascade case change char
character check collate column constraint continue convert create cross cume_dist current_date
current_role current_time current_timestamp cursor databases day_hour day_microsecond day_minute
day_second decimal default delayed delete dense_rank desc describe distinct distinctrow div double
drop dual else elseif enclosed escaped except exists exit explain false fetch first_value float
float4 float8 for force foreign from fulltext generated grant group groups having high_priority
hour_microsecond hour_minute hour_second if ignore ilike in infile inner inout insert int int1 int2
int3 int4 int8 integer intersect interval into is iterate join keys kill lag last_value lateral lead
leading leave left like limit linear lines load localtime localtimestamp lock long longblob longtext
low_priority match maxvalue mediumblob mediumint mediumtext middleint minute_microsecond
minute_second mod natural no_write_to_binlog nth_value ntile null numeric of on optimize option
optionally or out outer outfile over partition percent_rank precision primary procedure rank read
real recursive references regexp release rename repeat replace require restrict revoke right rlike
row row_number second_microsecond set show smallint spatial sql sqlexception sqlstate sqlwarning
sql_big_result sql_calc_found_rows sql_small_result ssl starting stored straight_join tablesample
terminated then tidb_current_tso tinyblob tinyint tinytext to trailing trigger true union unique
unlock unsigned until usage use using utc_date utc_time utc_timestamp varbinary varchar
varcharacter varying virtual when where while window write xor year_month zerofill`)

// identQuote holds words that are plain identifiers in Postgres but
// reserved in TiDB, and that have no expression-level meaning in the
// Postgres dialect we accept. The rewriter double-quotes them where they
// stand as a name (not before "(", not after CREATE/DROP/PRIMARY/...).
var identQuote = wordSet(`schema key index database databases keys dual read release usage option
lines load lock long match out procedure trigger use write sql ssl stored virtual force ignore kill
leave exit until while repeat iterate continue cursor call change describe rename require optimize
maxvalue delayed high_priority low_priority infile outfile terminated enclosed escaped starting
spatial fulltext zerofill unsigned unlock distinctrow straight_join xor rlike middleint int1 int3
mediumint tinyint tinytext tinyblob mediumtext mediumblob longtext longblob varcharacter sqlstate
sqlexception sqlwarning inout elseif linear no_write_to_binlog optionally sql_big_result
sql_small_result sql_calc_found_rows day_hour day_microsecond day_minute
day_second hour_microsecond hour_minute hour_second minute_microsecond minute_second
second_microsecond year_month`)

// ignoreSpaceFuncs are the functions MySQL (and TiDB) recognise only when
// "(" follows the name directly; the rewriter removes the space Postgres
// allows there ("count (*)").
var ignoreSpaceFuncs = wordSet(`adddate bit_and bit_or bit_xor cast count curdate curtime date_add
date_sub extract group_concat max mid min now position session_user std stddev stddev_pop
stddev_samp subdate substr substring sum sysdate system_user trim variance var_pop var_samp avg`)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	start := -1
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' || s[i] == '\n' {
			if start >= 0 {
				m[s[start:i]] = true
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	return m
}
