// Package builtin is the library of scalar functions, operators and casts:
// their overloads (argument and result types), resolution with Postgres's
// implicit coercions, and their Go implementations. The planner resolves
// calls here; the executor runs the resolved Overload's Fn.
//
// Files:
//
//	builtin.go   Overload and the immutable library (built once, lazily)
//	resolve.go   Resolve, CommonType, implicit/assignment/explicit cast rules
//	cast.go      Cast and AssignCast
//	ops.go       arithmetic, comparison, bitwise operators
//	strings.go   string functions, ||, LIKE and regular expressions
//	math.go      mathematical functions (float8, integer, NUMERIC rounding)
//	numeric_math.go  NUMERIC sqrt, exp, ln, log with Postgres's result scales
//	datetime.go  date/time operators and functions
//	jsonb.go     -> ->> and the jsonb functions
//
// Semantics are Postgres's wherever Postgres and MySQL differ:
//
//   - Integer division truncates toward zero (7/2 = 3, MySQL gives 3.5000);
//     integer overflow is an error (22003), never a wrap or a float.
//   - Division or modulo by zero is an error (22012), not NULL as in MySQL.
//   - || is string concatenation (MySQL: logical OR); a NULL operand makes
//     the result NULL, while concat() skips NULLs.
//   - LIKE is case-sensitive (MySQL's default collation is not); ILIKE is
//     the case-insensitive form. The escape character is backslash.
//   - Comparing text with a number is an error (42883), not a numeric
//     comparison with silent conversion.
//   - round() on NUMERIC rounds half away from zero; on float8 half to even
//     (rint), as Postgres does. float → integer casts round half to even.
//   - greatest/least ignore NULLs (MySQL returns NULL if any is NULL).
//   - Regular expressions (~, ~*) use Go's RE2 syntax, which is close to
//     Postgres's ARE for common patterns but lacks backreferences and
//     lookaround; such patterns fail with 2201B instead of matching.
//   - The session time zone is UTC: timestamptz and timestamp values share
//     their wall clock, and now() is a timestamptz. now() and its aliases
//     read the clock when called (Postgres returns the transaction start).
//   - Known differences from Postgres: NUMERIC ^ and power() compute in
//     float8; jsonb has no containment operators (@>, ?); there is no uuid
//     type (gen_random_uuid returns text); date/time input accepts the ISO
//     forms only (YYYY-MM-DD, optional time and zone offset), not
//     'Jan 2 2024' or 'now'.
package builtin
