package datum

import (
	"math"
	"strconv"
	"strings"

	"github.com/freshet-db/freshet/sql/sqlerr"
)

// Dates and timestamps use the proleptic Gregorian calendar, as Postgres
// does; year 0 is 1 BC. The infinities are the extreme int64 values, for
// dates as well as timestamps.

// Time constants in microseconds.
const (
	MicrosPerSecond = int64(1e6)
	MicrosPerMinute = 60 * MicrosPerSecond
	MicrosPerHour   = 60 * MicrosPerMinute
	MicrosPerDay    = 24 * MicrosPerHour
)

// Infinite dates and timestamps.
const (
	PosInfinity = math.MaxInt64
	NegInfinity = math.MinInt64
)

// Supported ranges: dates 4713-11-24 BC to 5874897-12-31 AD as in
// Postgres; timestamps from 4713-11-24 BC to the largest int64 microsecond
// count below infinity (294247-01-10 AD; Postgres, whose epoch is 2000,
// reaches 294276-12-31).
var (
	minDateDays = DaysFromCivil(-4712, 11, 24)
	maxDateDays = DaysFromCivil(5874897, 12, 31)
	minTSMicros = DaysFromCivil(-4712, 11, 24) * MicrosPerDay
	maxTSMicros = int64(math.MaxInt64 - 1)
	maxTSDays   = maxTSMicros / MicrosPerDay
)

// DaysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian
// date (astronomical year: 0 is 1 BC). Month and day must be valid.
func DaysFromCivil(y int64, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv64(y, 400)
	yoe := y - era*400
	mp := int64((m + 9) % 12)
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// CivilFromDays is the inverse of DaysFromCivil.
func CivilFromDays(z int64) (y int64, m, d int) {
	z += 719468
	era := floorDiv64(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func floorDiv64(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// IsLeap reports whether y (astronomical) is a leap year.
func IsLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// DaysInMonth returns the number of days of month m of year y.
func DaysInMonth(y int64, m int) int {
	switch m {
	case 2:
		if IsLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// SplitMicros splits a timestamp into its day number and the microseconds
// since midnight.
func SplitMicros(us int64) (days, tod int64) {
	days = floorDiv64(us, MicrosPerDay)
	return days, us - days*MicrosPerDay
}

func appendYear(buf []byte, y int64) ([]byte, bool) {
	bc := y <= 0
	if bc {
		y = 1 - y
	}
	if y < 1000 {
		buf = append(buf, "000"[:4-digitsOf(y)]...)
	}
	return strconv.AppendInt(buf, y, 10), bc
}

// digitsOf returns the number of decimal digits of 0 <= v < 1000.
func digitsOf(v int64) int {
	switch {
	case v < 10:
		return 1
	case v < 100:
		return 2
	}
	return 3
}

func append2(buf []byte, v int) []byte {
	return append(buf, byte('0'+v/10), byte('0'+v%10))
}

// appendDate appends YYYY-MM-DD and reports whether the date is BC.
func appendDate(buf []byte, days int64) ([]byte, bool) {
	y, m, d := CivilFromDays(days)
	buf, bc := appendYear(buf, y)
	buf = append(buf, '-')
	buf = append2(buf, m)
	buf = append(buf, '-')
	return append2(buf, d), bc
}

// appendClock appends HH:MM:SS[.ffffff] (fraction without trailing zeros).
func appendClock(buf []byte, hours int64, min, sec int, frac int64) []byte {
	if hours < 10 {
		buf = append(buf, '0')
	}
	buf = strconv.AppendInt(buf, hours, 10)
	buf = append(buf, ':')
	buf = append2(buf, min)
	buf = append(buf, ':')
	buf = append2(buf, sec)
	return appendFrac(buf, frac)
}

func appendFrac(buf []byte, frac int64) []byte {
	if frac == 0 {
		return buf
	}
	var tmp [6]byte
	for i := 5; i >= 0; i-- {
		tmp[i] = byte('0' + frac%10)
		frac /= 10
	}
	n := 6
	for n > 0 && tmp[n-1] == '0' {
		n--
	}
	buf = append(buf, '.')
	return append(buf, tmp[:n]...)
}

func appendDateText(buf []byte, days int64) []byte {
	switch days {
	case PosInfinity:
		return append(buf, "infinity"...)
	case NegInfinity:
		return append(buf, "-infinity"...)
	}
	buf, bc := appendDate(buf, days)
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf
}

func appendTimestampText(buf []byte, us int64, tz bool) []byte {
	switch us {
	case PosInfinity:
		return append(buf, "infinity"...)
	case NegInfinity:
		return append(buf, "-infinity"...)
	}
	days, tod := SplitMicros(us)
	buf, bc := appendDate(buf, days)
	buf = append(buf, ' ')
	secs := tod / MicrosPerSecond
	buf = appendClock(buf, secs/3600, int(secs/60%60), int(secs%60), tod%MicrosPerSecond)
	if tz {
		buf = append(buf, "+00"...)
	}
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf
}

// appendIntervalText prints an interval in IntervalStyle postgres.
func appendIntervalText(buf []byte, months, days int32, us int64) []byte {
	isZero, isBefore := true, false
	part := func(v int64, unit string) {
		if v == 0 {
			return
		}
		if !isZero {
			buf = append(buf, ' ')
		}
		if isBefore && v > 0 {
			buf = append(buf, '+')
		}
		buf = strconv.AppendInt(buf, v, 10)
		buf = append(buf, ' ')
		buf = append(buf, unit...)
		if v != 1 {
			buf = append(buf, 's')
		}
		isBefore = v < 0
		isZero = false
	}
	part(int64(months/12), "year")
	part(int64(months%12), "mon")
	part(int64(days), "day")
	if isZero || us != 0 {
		if !isZero {
			buf = append(buf, ' ')
		}
		neg := us < 0
		if neg {
			buf = append(buf, '-')
		} else if isBefore {
			buf = append(buf, '+')
		}
		// Work on the magnitude; MinInt64 is handled through uint64.
		mag := uint64(us)
		if neg {
			mag = uint64(-(us + 1)) + 1
		}
		secs := mag / uint64(MicrosPerSecond)
		hours := secs / 3600
		if hours < 10 {
			buf = append(buf, '0')
		}
		buf = strconv.AppendUint(buf, hours, 10)
		buf = append(buf, ':')
		buf = append2(buf, int(secs/60%60))
		buf = append(buf, ':')
		buf = append2(buf, int(secs%60))
		buf = appendFrac(buf, int64(mag%uint64(MicrosPerSecond)))
	}
	return buf
}

// --- Input ---

func dtSyntax(typ, s string) error {
	return sqlerr.New(sqlerr.InvalidDatetimeFormat, "invalid input syntax for type %s: \"%s\"", typ, s)
}

func dtRange(s string) error {
	return sqlerr.New(sqlerr.DatetimeFieldOverflow, "date/time field value out of range: \"%s\"", s)
}

// dtParts is a parsed date/time literal.
type dtParts struct {
	days    int64
	tod     int64 // microseconds since midnight
	hasTime bool
	offset  int64 // seconds east of UTC
	hasTZ   bool
	inf     int // +1 or -1 for infinity
}

// parseDateTime parses the ISO forms Postgres accepts with DateStyle ISO:
// "YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]][ ][Z|UTC|GMT|(+|-)HH[[:]MM[[:]SS]]][ BC|AD]"
// and the special words infinity, -infinity and epoch.
func parseDateTime(orig, typ string) (dtParts, error) {
	s := strings.ToLower(strings.TrimSpace(orig))
	switch s {
	case "infinity", "+infinity":
		return dtParts{inf: 1}, nil
	case "-infinity":
		return dtParts{inf: -1}, nil
	case "epoch":
		return dtParts{}, nil
	}
	bc := false
	if t, ok := strings.CutSuffix(s, " bc"); ok {
		s, bc = strings.TrimSpace(t), true
	} else if t, ok := strings.CutSuffix(s, " ad"); ok {
		s = strings.TrimSpace(t)
	}
	var p dtParts
	if s, ok := isoBasicDate(s); ok {
		return parseDateTime(s, typ)
	}
	if len(s) == 2 && strings.Trim(s, "0123456789") == "" && s > "31" {
		// Postgres reads a lone two-digit number as a day of the month
		// and rejects it as such before finding the date incomplete.
		return dtParts{}, dtRange(orig)
	}
	// Date: digits '-' digits '-' digits.
	y, rest, ok := leadingInt(s)
	if !ok || len(rest) == 0 || (rest[0] != '-' && rest[0] != '/') {
		return p, dtSyntax(typ, orig)
	}
	sep := rest[0]
	mo, rest, ok := leadingInt(rest[1:])
	if !ok || len(rest) == 0 || rest[0] != sep {
		return p, dtSyntax(typ, orig)
	}
	dd, rest, ok := leadingInt(rest[1:])
	if !ok || y > 10000000 {
		return p, dtSyntax(typ, orig)
	}
	if bc {
		if y == 0 {
			return p, dtRange(orig)
		}
		y = 1 - y
	}
	if mo < 1 || mo > 12 || dd < 1 || dd > int64(DaysInMonth(y, int(mo))) {
		return p, dtRange(orig)
	}
	p.days = DaysFromCivil(y, int(mo), int(dd))
	if rest != "" {
		if rest[0] != ' ' && rest[0] != 't' {
			return p, dtSyntax(typ, orig)
		}
		rest = strings.TrimLeft(rest[1:], " ")
		var err error
		if rest, err = p.parseClock(rest, orig, typ); err != nil {
			return p, err
		}
		rest = strings.TrimLeft(rest, " ")
		if rest != "" {
			if err := p.parseZone(rest, orig, typ); err != nil {
				return p, err
			}
		}
	}
	return p, nil
}

func (p *dtParts) parseClock(s, orig, typ string) (string, error) {
	h, rest, ok := leadingInt(s)
	if !ok || len(rest) == 0 || rest[0] != ':' {
		return s, dtSyntax(typ, orig)
	}
	m, rest, ok := leadingInt(rest[1:])
	if !ok {
		return s, dtSyntax(typ, orig)
	}
	var sec, frac int64
	if len(rest) > 0 && rest[0] == ':' {
		sec, rest, ok = leadingInt(rest[1:])
		if !ok {
			return s, dtSyntax(typ, orig)
		}
		if len(rest) > 0 && rest[0] == '.' {
			i := 1
			for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
				i++
			}
			digits := rest[1:i]
			rest = rest[i:]
			if len(digits) <= 6 {
				for j := 0; j < 6; j++ {
					frac *= 10
					if j < len(digits) {
						frac += int64(digits[j] - '0')
					}
				}
			} else {
				// Postgres reads the fraction with strtod and rounds with
				// rint, so halves round as their binary value falls.
				f, err := strconv.ParseFloat("0."+digits, 64)
				if err != nil {
					return s, dtSyntax(typ, orig)
				}
				frac = int64(math.RoundToEven(f * 1e6))
			}
		}
	}
	if h > 24 || m > 59 || sec > 60 || (h == 24 && (m > 0 || sec > 0 || frac > 0)) {
		return s, dtRange(orig)
	}
	p.tod = ((h*60+m)*60+sec)*MicrosPerSecond + frac
	p.hasTime = true
	return rest, nil
}

func (p *dtParts) parseZone(s, orig, typ string) error {
	switch s {
	case "z", "utc", "gmt", "zulu", "ut":
		p.hasTZ = true
		return nil
	}
	if s[0] != '+' && s[0] != '-' {
		return dtSyntax(typ, orig)
	}
	sign := int64(1)
	if s[0] == '-' {
		sign = -1
	}
	s = s[1:]
	var h, m, sec int64
	digits := func() (int64, bool) {
		if len(s) < 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
			return 0, false
		}
		v := int64(s[0]-'0')*10 + int64(s[1]-'0')
		s = s[2:]
		return v, true
	}
	var ok bool
	// One-digit hours ("+5") are accepted too.
	if len(s) == 1 || (len(s) > 1 && (s[1] < '0' || s[1] > '9')) {
		h, s = int64(s[0]-'0'), s[1:]
		if h < 0 || h > 9 {
			return dtSyntax(typ, orig)
		}
	} else if h, ok = digits(); !ok {
		return dtSyntax(typ, orig)
	}
	if s != "" {
		if s[0] == ':' {
			s = s[1:]
		}
		if m, ok = digits(); !ok {
			return dtSyntax(typ, orig)
		}
		if s != "" {
			if s[0] == ':' {
				s = s[1:]
			}
			if sec, ok = digits(); !ok {
				return dtSyntax(typ, orig)
			}
		}
	}
	if s != "" {
		return dtSyntax(typ, orig)
	}
	if h > 15 || m > 59 || sec > 59 {
		return sqlerr.New(sqlerr.DatetimeFieldOverflow, "time zone displacement out of range: \"%s\"", orig)
	}
	p.offset = sign * (h*3600 + m*60 + sec)
	p.hasTZ = true
	return nil
}

// leadingInt parses the unsigned decimal integer at the front of s.
func leadingInt(s string) (int64, string, bool) {
	i := 0
	var v int64
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		if v > math.MaxInt64/100 {
			return 0, s, false
		}
		v = v*10 + int64(s[i]-'0')
		i++
	}
	return v, s[i:], i > 0
}

func parseDate(s string) (Datum, error) {
	p, err := parseDateTime(s, "date")
	if err != nil {
		return Null, err
	}
	switch p.inf {
	case 1:
		return NewDate(PosInfinity), nil
	case -1:
		return NewDate(NegInfinity), nil
	}
	if p.days < minDateDays || p.days > maxDateDays {
		return Null, sqlerr.New(sqlerr.DatetimeFieldOverflow, "date out of range: \"%s\"", s)
	}
	return NewDate(p.days), nil
}

func parseTimestamp(s string, tz bool) (Datum, error) {
	typ := "timestamp"
	if tz {
		typ = "timestamp with time zone"
	}
	p, err := parseDateTime(s, typ)
	if err != nil {
		return Null, err
	}
	mk := NewTimestamp
	if tz {
		mk = NewTimestampTZ
	}
	switch p.inf {
	case 1:
		return mk(PosInfinity), nil
	case -1:
		return mk(NegInfinity), nil
	}
	if p.days > maxTSDays || p.days < minTSMicros/MicrosPerDay-1 {
		return Null, sqlerr.New(sqlerr.DatetimeFieldOverflow, "timestamp out of range: \"%s\"", s)
	}
	us := p.days*MicrosPerDay + p.tod
	if tz && p.hasTZ {
		us -= p.offset * MicrosPerSecond
	}
	if us < minTSMicros || us > maxTSMicros {
		return Null, sqlerr.New(sqlerr.DatetimeFieldOverflow, "timestamp out of range: \"%s\"", s)
	}
	return mk(us), nil
}

// TimestampInRange reports whether a finite timestamp is within the range
// Postgres supports (infinities count as in range).
func TimestampInRange(us int64) bool {
	return us == PosInfinity || us == NegInfinity || (us >= minTSMicros && us <= maxTSMicros)
}

// DateInRange reports whether a date is within Postgres's range.
func DateInRange(days int64) bool {
	return days == PosInfinity || days == NegInfinity || (days >= minDateDays && days <= maxDateDays)
}

// NewIntervalChecked builds an interval, failing with 22008 "interval out
// of range" when a part overflows its field.
func NewIntervalChecked(months, days, micros int64) (Datum, error) {
	if months != int64(int32(months)) || days != int64(int32(days)) {
		return Null, sqlerr.New(sqlerr.DatetimeFieldOverflow, "interval out of range")
	}
	return NewInterval(int32(months), int32(days), micros), nil
}

// isoBasicDate rewrites the undelimited date forms Postgres accepts,
// YYYYMMDD and YYMMDD (two-digit years are 1970 to 2069), as YYYY-MM-DD
// followed by the rest of s.
func isoBasicDate(s string) (string, bool) {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n < len(s) && s[n] != ' ' && s[n] != 't' {
		return s, false
	}
	switch n {
	case 8:
		return s[:4] + "-" + s[4:6] + "-" + s[6:8] + s[8:], true
	case 6:
		century := "20"
		if s[:2] >= "70" {
			century = "19"
		}
		return century + s[:2] + "-" + s[2:4] + "-" + s[4:6] + s[6:], true
	}
	return s, false
}
