package datum

import (
	"math"
	"strconv"
	"strings"

	"github.com/freshet-db/freshet/sql/sqlerr"
)

// Interval input, after Postgres's DecodeInterval and DecodeISO8601Interval.
// Accepted: an optional leading "@", any sequence of "<number> <unit>"
// pairs (units singular, plural or abbreviated; fractions cascade down:
// 1.5 months = 1 mon 15 days), clock parts "[-]HH:MM[:SS[.f]]", a bare
// number meaning seconds, a trailing "ago" that negates everything, and
// ISO 8601 durations "P1Y2M3DT4H5M6.5S" / "P2W".

type ivAcc struct {
	months, days int64
	us           float64 // accumulated microseconds (rounded at the end)
	usInt        int64
	overflow     bool
}

// fits reports whether v converts to int64 exactly enough; otherwise the
// accumulator is marked as overflowed.
func (a *ivAcc) fits(v float64) bool {
	if math.IsNaN(v) || math.Abs(v) > 9e18 {
		a.overflow = true
		return false
	}
	return true
}

func (a *ivAcc) addMonths(v float64) {
	if !a.fits(v) {
		return
	}
	whole := math.Trunc(v)
	a.months += int64(whole)
	a.addDays((v - whole) * 30)
}

func (a *ivAcc) addDays(v float64) {
	if !a.fits(v) {
		return
	}
	whole := math.Trunc(v)
	a.days += int64(whole)
	a.addMicros((v - whole) * float64(MicrosPerDay))
}

func (a *ivAcc) addMicros(v float64) {
	if !a.fits(v) {
		return
	}
	whole := math.Trunc(v)
	a.usInt += int64(whole)
	a.us += v - whole
}

func (a *ivAcc) addUnit(unit string, v float64) bool {
	switch unit {
	case "microsecond", "microseconds", "us", "usec", "usecs", "microsecon":
		a.addMicros(v)
	case "millisecond", "milliseconds", "ms", "msec", "msecs", "millisecon":
		a.addMicros(v * 1000)
	case "second", "seconds", "s", "sec", "secs":
		a.addMicros(v * 1e6)
	case "minute", "minutes", "m", "min", "mins":
		a.addMicros(v * 60e6)
	case "hour", "hours", "h", "hr", "hrs":
		a.addMicros(v * 3600e6)
	case "day", "days", "d":
		a.addDays(v)
	case "week", "weeks", "w":
		a.addDays(v * 7)
	case "month", "months", "mon", "mons":
		a.addMonths(v)
	default:
		return a.addYearUnit(unit, v)
	}
	return true
}

// addYearUnit adds years, decades, centuries or millennia; Postgres rounds
// their fractions to whole months.
func (a *ivAcc) addYearUnit(unit string, v float64) bool {
	if !a.fits(v * 12000) {
		return true
	}
	switch unit {
	case "year", "years", "y", "yr", "yrs":
		// Postgres rounds fractional years to whole months.
		whole := math.Trunc(v)
		a.months += int64(whole)*12 + int64(math.RoundToEven((v-whole)*12))
	case "decade", "decades", "dec", "decs":
		a.months += int64(math.RoundToEven(v * 120))
	case "century", "centuries", "c", "cent":
		a.months += int64(math.RoundToEven(v * 1200))
	case "millennium", "millennia", "mil", "mils", "millenniums":
		a.months += int64(math.RoundToEven(v * 12000))
	default:
		return false
	}
	return true
}

func (a *ivAcc) result(orig string) (Datum, error) {
	us := float64(a.usInt) + math.RoundToEven(a.us)
	if a.overflow || math.Abs(us) > 9.2e18 || a.months != int64(int32(a.months)) || a.days != int64(int32(a.days)) {
		return Null, sqlerr.New(sqlerr.Code("22015"), "interval field value out of range: \"%s\"", orig)
	}
	return NewInterval(int32(a.months), int32(a.days), a.usInt+int64(math.RoundToEven(a.us))), nil
}

func ivSyntax(s string) error {
	return sqlerr.New(sqlerr.InvalidDatetimeFormat, "invalid input syntax for type interval: \"%s\"", s)
}

func parseInterval(orig string) (Datum, error) {
	s := strings.ToLower(strings.TrimSpace(orig))
	if s == "" {
		return Null, ivSyntax(orig)
	}
	if s[0] == 'p' {
		return parseISOInterval(orig, s[1:])
	}
	s = strings.TrimPrefix(s, "@")
	var acc ivAcc
	ago := false
	var pending string // a number awaiting its unit
	seen := false
	flush := func() error {
		if pending == "" {
			return nil
		}
		v, err := strconv.ParseFloat(pending, 64)
		if err != nil {
			return ivSyntax(orig)
		}
		acc.addMicros(v * 1e6) // a bare number is seconds
		pending = ""
		return nil
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == ',':
			i++
		case c >= 'a' && c <= 'z':
			j := i
			for j < len(s) && s[j] >= 'a' && s[j] <= 'z' {
				j++
			}
			word := s[i:j]
			i = j
			if word == "ago" {
				if err := flush(); err != nil {
					return Null, err
				}
				ago = true
				continue
			}
			if pending == "" || ago {
				return Null, ivSyntax(orig)
			}
			v, err := strconv.ParseFloat(pending, 64)
			if err != nil || !acc.addUnit(word, v) {
				return Null, ivSyntax(orig)
			}
			pending = ""
		case c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9'):
			if pending != "" || ago {
				// Two numbers in a row ("1 2", "2024-01-02") are not an
				// interval.
				return Null, ivSyntax(orig)
			}
			j := i + 1
			for j < len(s) && (s[j] == '.' || s[j] == ':' || (s[j] >= '0' && s[j] <= '9')) {
				j++
			}
			tok := s[i:j]
			i = j
			seen = true
			if strings.Contains(tok, ":") {
				us, ok := parseClockInterval(tok)
				if !ok {
					return Null, ivSyntax(orig)
				}
				acc.usInt += us
				continue
			}
			if !validNumberToken(tok) {
				return Null, ivSyntax(orig)
			}
			pending = tok
		default:
			return Null, ivSyntax(orig)
		}
	}
	if err := flush(); err != nil {
		return Null, err
	}
	if !seen {
		return Null, ivSyntax(orig)
	}
	if ago {
		acc.months, acc.days, acc.usInt, acc.us = -acc.months, -acc.days, -acc.usInt, -acc.us
	}
	return acc.result(orig)
}

func validNumberToken(tok string) bool {
	t := strings.TrimLeft(tok, "+-")
	if len(tok)-len(t) > 1 || t == "" || t == "." || strings.Count(t, ".") > 1 {
		return false
	}
	return true
}

// parseClockInterval parses [+-]H:M[:S[.f]] into microseconds.
func parseClockInterval(tok string) (int64, bool) {
	neg := false
	switch tok[0] {
	case '-':
		neg, tok = true, tok[1:]
	case '+':
		tok = tok[1:]
	}
	f := strings.Split(tok, ":")
	if len(f) < 2 || len(f) > 3 {
		return 0, false
	}
	h, err1 := strconv.ParseInt(f[0], 10, 64)
	m, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil || m > 59 || h > math.MaxInt64/MicrosPerHour-1 {
		return 0, false
	}
	us := h*MicrosPerHour + m*MicrosPerMinute
	if len(f) == 3 {
		if f[2] == "" || f[2][0] == '+' || f[2][0] == '-' {
			return 0, false
		}
		sec, err := strconv.ParseFloat(f[2], 64)
		if err != nil || sec >= 60 {
			return 0, false
		}
		us += int64(math.RoundToEven(sec * 1e6))
	}
	if neg {
		us = -us
	}
	return us, true
}

// parseISOInterval parses the part of an ISO 8601 duration after "P".
func parseISOInterval(orig, s string) (Datum, error) {
	var acc ivAcc
	inTime := false
	any := false
	for len(s) > 0 {
		if s[0] == 't' {
			if inTime {
				return Null, ivSyntax(orig)
			}
			inTime = true
			s = s[1:]
			continue
		}
		j := 0
		for j < len(s) && (s[j] == '+' || s[j] == '-' || s[j] == '.' || (s[j] >= '0' && s[j] <= '9')) {
			j++
		}
		if j == 0 || j == len(s) || !validNumberToken(s[:j]) {
			return Null, ivSyntax(orig)
		}
		v, err := strconv.ParseFloat(s[:j], 64)
		if err != nil {
			return Null, ivSyntax(orig)
		}
		unit := s[j]
		s = s[j+1:]
		any = true
		switch {
		case !inTime && unit == 'y':
			acc.addUnit("year", v)
		case !inTime && unit == 'm':
			acc.addMonths(v)
		case !inTime && unit == 'w':
			acc.addDays(v * 7)
		case !inTime && unit == 'd':
			acc.addDays(v)
		case inTime && unit == 'h':
			acc.addMicros(v * 3600e6)
		case inTime && unit == 'm':
			acc.addMicros(v * 60e6)
		case inTime && unit == 's':
			acc.addMicros(v * 1e6)
		default:
			return Null, ivSyntax(orig)
		}
	}
	if !any {
		return Null, ivSyntax(orig)
	}
	return acc.result(orig)
}
