package builtin

import (
	"math"
	"strings"
	"time"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

var (
	dateT = types.DateT
	tsT   = types.TimestampT
	tstzT = types.TimestampTZT
	ivT   = types.IntervalT
)

func tsOutOfRange() error {
	return sqlerr.New(sqlerr.DatetimeFieldOverflow, "timestamp out of range")
}

func ivOutOfRange() error {
	return sqlerr.New(sqlerr.DatetimeFieldOverflow, "interval out of range")
}

func isInf(v int64) bool { return v == datum.PosInfinity || v == datum.NegInfinity }

// addInterval adds months, then days, then microseconds to a timestamp, as
// Postgres's timestamp_pl_interval does (a month step clamps the day to
// the end of the month: 2024-01-31 + 1 month = 2024-02-29).
func addInterval(us int64, months, days int32, micros int64) (int64, error) {
	if isInf(us) {
		return us, nil
	}
	if months != 0 {
		d, tod := datum.SplitMicros(us)
		y, m, dd := datum.CivilFromDays(d)
		total := y*12 + int64(m-1) + int64(months)
		y = floorDiv(total, 12)
		m = int(total-y*12) + 1
		dd = min(dd, datum.DaysInMonth(y, m))
		nd := datum.DaysFromCivil(y, m, dd)
		if nd > math.MaxInt64/datum.MicrosPerDay-1 || nd < math.MinInt64/datum.MicrosPerDay+1 {
			return 0, tsOutOfRange()
		}
		us = nd*datum.MicrosPerDay + tod
	}
	var ok bool
	if us, ok = addOK(us, int64(days)*datum.MicrosPerDay); !ok {
		return 0, tsOutOfRange()
	}
	if us, ok = addOK(us, micros); !ok {
		return 0, tsOutOfRange()
	}
	if !datum.TimestampInRange(us) || isInf(us) {
		return 0, tsOutOfRange()
	}
	return us, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func addOK(a, b int64) (int64, bool) {
	s := a + b
	return s, (s > a) == (b > 0)
}

func negInterval(d datum.Datum) (datum.Datum, error) {
	m, dd, us := d.Interval()
	if m == math.MinInt32 || dd == math.MinInt32 || us == math.MinInt64 {
		return datum.Null, ivOutOfRange()
	}
	return datum.NewInterval(-m, -dd, -us), nil
}

func addIntervals(a, b datum.Datum, sign int64) (datum.Datum, error) {
	m1, d1, u1 := a.Interval()
	m2, d2, u2 := b.Interval()
	u2m, ok := mulInt(u2, sign)
	if !ok {
		return datum.Null, ivOutOfRange()
	}
	us, ok := addOK(u1, u2m)
	if !ok {
		return datum.Null, ivOutOfRange()
	}
	return datum.NewIntervalChecked(int64(m1)+sign*int64(m2), int64(d1)+sign*int64(d2), us)
}

// tsround is Postgres's TSROUND: round to microsecond precision.
func tsround(x float64) float64 { return math.RoundToEven(x*1e6) / 1e6 }

// mulInterval is Postgres's interval_mul: fractional months spill into
// days (30 per month) and fractional days into time.
func mulInterval(iv datum.Datum, factor float64) (datum.Datum, error) {
	months, days, us := iv.Interval()
	if math.IsNaN(factor) {
		return datum.Null, ivOutOfRange()
	}
	rm := float64(months) * factor
	rd := float64(days) * factor
	if math.Abs(rm) >= math.MaxInt32 || math.Abs(rd) >= math.MaxInt32 {
		return datum.Null, ivOutOfRange()
	}
	m := int32(rm)
	dd := int32(rd)
	monthRemDays := tsround((float64(months)*factor - float64(m)) * 30)
	secRem := tsround((float64(days)*factor - float64(dd) + monthRemDays - math.Trunc(monthRemDays)) * 86400)
	if math.Abs(secRem) >= 86400 {
		dd += int32(secRem / 86400)
		secRem -= math.Trunc(secRem/86400) * 86400
	}
	dd += int32(monthRemDays)
	t := math.RoundToEven(float64(us)*factor + secRem*1e6)
	if math.IsNaN(t) || t < -9.2e18 || t > 9.2e18 {
		return datum.Null, ivOutOfRange()
	}
	return datum.NewInterval(m, dd, int64(t)), nil
}

func (l *lib) addDateTimeOperators() {
	l.add(
		op("+", dateT, i4, dateT, func(a []datum.Datum) (datum.Datum, error) { return dateAddDays(a[0].Days(), a[1].Int()) }),
		op("+", i4, dateT, dateT, func(a []datum.Datum) (datum.Datum, error) { return dateAddDays(a[1].Days(), a[0].Int()) }),
		op("-", dateT, i4, dateT, func(a []datum.Datum) (datum.Datum, error) { return dateAddDays(a[0].Days(), -a[1].Int()) }),
		op("-", dateT, dateT, i4, func(a []datum.Datum) (datum.Datum, error) {
			x, y := a[0].Days(), a[1].Days()
			if isInf(x) || isInf(y) {
				return datum.Null, sqlerr.New(sqlerr.DatetimeFieldOverflow, "cannot subtract infinite dates")
			}
			return checkInt(types.Int4, x-y)
		}),
		op("+", dateT, ivT, tsT, func(a []datum.Datum) (datum.Datum, error) { return datePlusInterval(a[0], a[1], 1) }),
		op("+", ivT, dateT, tsT, func(a []datum.Datum) (datum.Datum, error) { return datePlusInterval(a[1], a[0], 1) }),
		op("-", dateT, ivT, tsT, func(a []datum.Datum) (datum.Datum, error) { return datePlusInterval(a[0], a[1], -1) }),
		op("+", ivT, ivT, ivT, func(a []datum.Datum) (datum.Datum, error) { return addIntervals(a[0], a[1], 1) }),
		op("-", ivT, ivT, ivT, func(a []datum.Datum) (datum.Datum, error) { return addIntervals(a[0], a[1], -1) }),
		prefix("-", ivT, ivT, func(a []datum.Datum) (datum.Datum, error) { return negInterval(a[0]) }),
		prefix("+", ivT, ivT, func(a []datum.Datum) (datum.Datum, error) { return a[0], nil }),
		op("*", ivT, f8, ivT, func(a []datum.Datum) (datum.Datum, error) { return mulInterval(a[0], a[1].Float()) }),
		op("*", f8, ivT, ivT, func(a []datum.Datum) (datum.Datum, error) { return mulInterval(a[1], a[0].Float()) }),
		op("/", ivT, f8, ivT, func(a []datum.Datum) (datum.Datum, error) {
			if a[1].Float() == 0 {
				return datum.Null, divByZero()
			}
			return mulInterval(a[0], 1/a[1].Float())
		}),
	)
	for _, t := range []types.T{tsT, tstzT} {
		mk := datum.NewTimestamp
		if t.Family == types.TimestampTZ {
			mk = datum.NewTimestampTZ
		}
		plus := func(ts, iv datum.Datum, sign int) (datum.Datum, error) {
			m, d, us := iv.Interval()
			if sign < 0 {
				neg, err := negInterval(iv)
				if err != nil {
					return datum.Null, err
				}
				m, d, us = neg.Interval()
			}
			r, err := addInterval(ts.Micros(), m, d, us)
			if err != nil {
				return datum.Null, err
			}
			return mk(r), nil
		}
		l.add(
			op("+", t, ivT, t, func(a []datum.Datum) (datum.Datum, error) { return plus(a[0], a[1], 1) }),
			op("+", ivT, t, t, func(a []datum.Datum) (datum.Datum, error) { return plus(a[1], a[0], 1) }),
			op("-", t, ivT, t, func(a []datum.Datum) (datum.Datum, error) { return plus(a[0], a[1], -1) }),
			op("-", t, t, ivT, func(a []datum.Datum) (datum.Datum, error) {
				x, y := a[0].Micros(), a[1].Micros()
				if isInf(x) || isInf(y) {
					return datum.Null, sqlerr.New(sqlerr.DatetimeFieldOverflow, "cannot subtract infinite timestamps")
				}
				diff, ok := addOK(x, -y)
				if !ok || y == math.MinInt64 {
					return datum.Null, ivOutOfRange()
				}
				// interval_justify_hours: whole days move to the day field.
				return datum.NewInterval(0, int32(diff/datum.MicrosPerDay), diff%datum.MicrosPerDay), nil
			}),
		)
	}
}

func dateAddDays(days, n int64) (datum.Datum, error) {
	if isInf(days) {
		return datum.NewDate(days), nil
	}
	r := days + n
	if !datum.DateInRange(r) || isInf(r) {
		return datum.Null, sqlerr.New(sqlerr.DatetimeFieldOverflow, "date out of range")
	}
	return datum.NewDate(r), nil
}

func datePlusInterval(d, iv datum.Datum, sign int) (datum.Datum, error) {
	ts, err := dateToTimestamp(d.Days(), datum.NewTimestamp)
	if err != nil {
		return datum.Null, err
	}
	if sign < 0 {
		if iv, err = negInterval(iv); err != nil {
			return datum.Null, err
		}
	}
	m, dd, us := iv.Interval()
	r, err := addInterval(ts.Micros(), m, dd, us)
	if err != nil {
		return datum.Null, err
	}
	return datum.NewTimestamp(r), nil
}

func (l *lib) addDateTimeFunctions() {
	now := func([]datum.Datum) (datum.Datum, error) { return datum.NewTimestampTZ(time.Now().UnixMicro()), nil }
	for _, name := range []string{"now", "current_timestamp", "transaction_timestamp", "statement_timestamp", "clock_timestamp"} {
		l.add(&Overload{Name: name, Result: tstzT, Volatile: true, Fn: now})
	}
	l.add(
		&Overload{Name: "localtimestamp", Result: tsT, Volatile: true, Fn: func([]datum.Datum) (datum.Datum, error) {
			return datum.NewTimestamp(time.Now().UnixMicro()), nil
		}},
		&Overload{Name: "current_date", Result: dateT, Volatile: true, Fn: func([]datum.Datum) (datum.Datum, error) {
			d, _ := datum.SplitMicros(time.Now().UnixMicro())
			return datum.NewDate(d), nil
		}},
		fn("to_timestamp", tstzT, func(a []datum.Datum) (datum.Datum, error) {
			f := a[0].Float()
			switch {
			case math.IsNaN(f):
				return datum.Null, sqlerr.New(sqlerr.DatetimeFieldOverflow, "timestamp cannot be NaN")
			case math.IsInf(f, 1):
				return datum.NewTimestampTZ(datum.PosInfinity), nil
			case math.IsInf(f, -1):
				return datum.NewTimestampTZ(datum.NegInfinity), nil
			}
			us := math.RoundToEven(f * 1e6)
			if us < -9.2e18 || us > 9.2e18 || !datum.TimestampInRange(int64(us)) {
				return datum.Null, sqlerr.New(sqlerr.DatetimeFieldOverflow, "timestamp out of range: \"%s\"", datum.FormatText(a[0]))
			}
			return datum.NewTimestampTZ(int64(us)), nil
		}, f8),
		fn("make_date", dateT, func(a []datum.Datum) (datum.Datum, error) {
			days, err := makeDate(a[0].Int(), a[1].Int(), a[2].Int())
			if err != nil {
				return datum.Null, err
			}
			return datum.NewDate(days), nil
		}, i4, i4, i4),
		fn("make_timestamp", tsT, func(a []datum.Datum) (datum.Datum, error) {
			days, err := makeDate(a[0].Int(), a[1].Int(), a[2].Int())
			if err != nil {
				return datum.Null, err
			}
			h, m, s := a[3].Int(), a[4].Int(), a[5].Float()
			if h < 0 || h > 24 || m < 0 || m > 59 || !(s >= 0 && s <= 60) ||
				(h == 24 && (m > 0 || s > 0)) {
				return datum.Null, sqlerr.New(sqlerr.DatetimeFieldOverflow, "date/time field value out of range: %d:%02d:%s",
					h, m, datum.FormatText(a[5]))
			}
			tod := (h*60+m)*60*datum.MicrosPerSecond + int64(math.RoundToEven(s*1e6))
			us := days*datum.MicrosPerDay + tod
			if !datum.TimestampInRange(us) {
				return datum.Null, tsOutOfRange()
			}
			return datum.NewTimestamp(us), nil
		}, i4, i4, i4, i4, i4, f8),
	)
	for _, t := range []types.T{tsT, tstzT} {
		mk := datum.NewTimestamp
		if t.Family == types.TimestampTZ {
			mk = datum.NewTimestampTZ
		}
		typ := t
		l.add(
			fn("date_trunc", t, func(a []datum.Datum) (datum.Datum, error) {
				us, err := truncTimestamp(a[0].Str(), a[1].Micros(), typ)
				if err != nil {
					return datum.Null, err
				}
				return mk(us), nil
			}, text, t),
			fn("age", ivT, func(a []datum.Datum) (datum.Datum, error) { return age(a[0].Micros(), a[1].Micros()) }, t, t),
		)
	}
	l.add(fn("date_trunc", ivT, func(a []datum.Datum) (datum.Datum, error) { return truncInterval(a[0].Str(), a[1]) }, text, ivT))
	for _, t := range []types.T{tsT, tstzT, dateT, ivT} {
		typ := t
		l.add(
			fn("date_part", f8, func(a []datum.Datum) (datum.Datum, error) {
				x, xt := a[1], typ
				if typ.Family == types.Date {
					// date_part(text, date) is date_part(text, $2::timestamp).
					ts, err := dateToTimestamp(x.Days(), datum.NewTimestamp)
					if err != nil {
						return datum.Null, err
					}
					x, xt = ts, tsT
				}
				v, err := extract(a[0].Str(), x, xt)
				if err != nil {
					return datum.Null, err
				}
				return datum.NewFloat8(datum.NumericToFloat(v)), nil
			}, text, t),
			fn("extract", num, func(a []datum.Datum) (datum.Datum, error) { return extract(a[0].Str(), a[1], typ) }, text, t),
		)
	}
}

func makeDate(y, m, d int64) (int64, error) {
	if y == 0 {
		return 0, sqlerr.New(sqlerr.DatetimeFieldOverflow, "date field value out of range: %d-%02d-%02d", y, m, d)
	}
	ay := y
	if y < 0 {
		ay = y + 1 // 1 BC is astronomical year 0
	}
	if m < 1 || m > 12 || d < 1 || d > int64(datum.DaysInMonth(ay, int(m))) {
		return 0, sqlerr.New(sqlerr.DatetimeFieldOverflow, "date field value out of range: %d-%02d-%02d", y, m, d)
	}
	days := datum.DaysFromCivil(ay, int(m), int(d))
	if !datum.DateInRange(days) {
		return 0, sqlerr.New(sqlerr.DatetimeFieldOverflow, "date out of range: \"%d-%02d-%02d\"", y, m, d)
	}
	return days, nil
}

// unitAliases maps Postgres's unit spellings to canonical names.
var unitAliases = map[string]string{
	"microsecond": "microseconds", "microseconds": "microseconds", "us": "microseconds", "usec": "microseconds", "usecs": "microseconds", "useconds": "microseconds",
	"millisecond": "milliseconds", "milliseconds": "milliseconds", "ms": "milliseconds", "msec": "milliseconds", "msecs": "milliseconds", "mseconds": "milliseconds",
	"second": "second", "seconds": "second", "s": "second", "sec": "second", "secs": "second",
	"minute": "minute", "minutes": "minute", "m": "minute", "min": "minute", "mins": "minute",
	"hour": "hour", "hours": "hour", "h": "hour", "hr": "hour", "hrs": "hour",
	"day": "day", "days": "day", "d": "day",
	"week": "week", "weeks": "week", "w": "week",
	"month": "month", "months": "month", "mon": "month", "mons": "month",
	"quarter": "quarter", "qtr": "quarter",
	"year": "year", "years": "year", "y": "year", "yr": "year", "yrs": "year",
	"decade": "decade", "decades": "decade", "dec": "decade", "decs": "decade",
	"century": "century", "centuries": "century", "c": "century", "cent": "century",
	"millennium": "millennium", "millennia": "millennium", "mil": "millennium", "mils": "millennium",
	"dow": "dow", "isodow": "isodow", "doy": "doy", "epoch": "epoch", "isoyear": "isoyear",
	"julian": "julian", "timezone": "timezone", "timezone_hour": "timezone_hour", "timezone_minute": "timezone_minute",
}

func unitOf(s string) string {
	return unitAliases[strings.ToLower(strings.TrimSpace(s))]
}

func unitNotRecognized(unit string, t types.T) error {
	return sqlerr.New(sqlerr.InvalidParameterValue, "unit \"%s\" not recognized for type %s", unit, t)
}

func unitNotSupported(unit string, t types.T) error {
	return sqlerr.New(sqlerr.FeatureNotSupported, "unit \"%s\" not supported for type %s", unit, t)
}

func truncTimestamp(unitText string, us int64, t types.T) (int64, error) {
	unit := unitOf(unitText)
	if unit == "" {
		return 0, unitNotRecognized(unitText, t)
	}
	if isInf(us) {
		return us, nil
	}
	days, tod := datum.SplitMicros(us)
	y, m, _ := datum.CivilFromDays(days)
	ymd := func(y int64, m, d int) int64 { return datum.DaysFromCivil(y, m, d) * datum.MicrosPerDay }
	switch unit {
	case "microseconds":
		return us, nil
	case "milliseconds":
		return days*datum.MicrosPerDay + tod - tod%1000, nil
	case "second":
		return days*datum.MicrosPerDay + tod - tod%datum.MicrosPerSecond, nil
	case "minute":
		return days*datum.MicrosPerDay + tod - tod%datum.MicrosPerMinute, nil
	case "hour":
		return days*datum.MicrosPerDay + tod - tod%datum.MicrosPerHour, nil
	case "day":
		return days * datum.MicrosPerDay, nil
	case "week":
		return (days - isoDow(days) + 1) * datum.MicrosPerDay, nil
	case "month":
		return ymd(y, m, 1), nil
	case "quarter":
		return ymd(y, (m-1)/3*3+1, 1), nil
	case "year":
		return ymd(y, 1, 1), nil
	case "decade":
		return ymd(floorDiv(y, 10)*10, 1, 1), nil
	case "century":
		if y > 0 {
			return ymd((y+99)/100*100-99, 1, 1), nil
		}
		return ymd(-((99-y)/100)*100+1, 1, 1), nil
	case "millennium":
		if y > 0 {
			return ymd((y+999)/1000*1000-999, 1, 1), nil
		}
		return ymd(-((999-y)/1000)*1000+1, 1, 1), nil
	}
	return 0, unitNotSupported(unitText, t)
}

func truncInterval(unitText string, iv datum.Datum) (datum.Datum, error) {
	unit := unitOf(unitText)
	if unit == "" {
		return datum.Null, unitNotRecognized(unitText, ivT)
	}
	months, days, us := iv.Interval()
	switch unit {
	case "microseconds":
		return iv, nil
	case "milliseconds":
		return datum.NewInterval(months, days, us-us%1000), nil
	case "second":
		return datum.NewInterval(months, days, us-us%datum.MicrosPerSecond), nil
	case "minute":
		return datum.NewInterval(months, days, us-us%datum.MicrosPerMinute), nil
	case "hour":
		return datum.NewInterval(months, days, us-us%datum.MicrosPerHour), nil
	case "day":
		return datum.NewInterval(months, days, 0), nil
	case "month":
		return datum.NewInterval(months, 0, 0), nil
	case "quarter":
		return datum.NewInterval(months-months%3, 0, 0), nil
	case "year":
		return datum.NewInterval(months-months%12, 0, 0), nil
	case "decade":
		return datum.NewInterval(months-months%120, 0, 0), nil
	case "century":
		return datum.NewInterval(months-months%1200, 0, 0), nil
	case "millennium":
		return datum.NewInterval(months-months%12000, 0, 0), nil
	}
	return datum.Null, unitNotSupported(unitText, ivT)
}

// isoDow is the ISO day of the week, Monday 1 to Sunday 7.
func isoDow(days int64) int64 {
	d := (days + 4) % 7 // 1970-01-01 was a Thursday; 0 = Sunday
	if d < 0 {
		d += 7
	}
	if d == 0 {
		return 7
	}
	return d
}

// isoWeek returns the ISO 8601 year and week of a date.
func isoWeek(days int64) (year, week int64) {
	thursday := days - isoDow(days) + 4
	year, _, _ = datum.CivilFromDays(thursday)
	return year, (thursday-datum.DaysFromCivil(year, 1, 1))/7 + 1
}

// extract computes EXTRACT(unit FROM v) as a NUMERIC with Postgres's
// scales (seconds and epoch of timestamps have scale 6, milliseconds 3).
func extract(unitText string, v datum.Datum, t types.T) (datum.Datum, error) {
	unit := unitOf(unitText)
	if unit == "" {
		return datum.Null, unitNotRecognized(unitText, t)
	}
	if t.Family == types.Interval {
		return extractInterval(unit, unitText, v)
	}
	var days, tod int64
	if t.Family == types.Date {
		days = v.Days()
		if isInf(days) {
			return infExtract(unit, days > 0, unitText, t)
		}
		switch unit {
		case "microseconds", "milliseconds", "second", "minute", "hour", "timezone", "timezone_hour", "timezone_minute":
			return datum.Null, unitNotSupported(unitText, t)
		}
	} else {
		us := v.Micros()
		if isInf(us) {
			return infExtract(unit, us > 0, unitText, t)
		}
		days, tod = datum.SplitMicros(us)
	}
	y, m, d := datum.CivilFromDays(days)
	secs := tod % datum.MicrosPerMinute // micros within the minute
	n := func(v int64) (datum.Datum, error) { return datum.NumericFromInt(v), nil }
	switch unit {
	case "microseconds":
		return n(secs)
	case "milliseconds":
		return datum.NewNumeric(secs, 3), nil
	case "second":
		return datum.NewNumeric(secs, 6), nil
	case "minute":
		return n(tod / datum.MicrosPerMinute % 60)
	case "hour":
		return n(tod / datum.MicrosPerHour)
	case "day":
		return n(int64(d))
	case "month":
		return n(int64(m))
	case "quarter":
		return n(int64((m-1)/3 + 1))
	case "year":
		if y <= 0 {
			return n(y - 1) // no year 0: 1 BC is -1
		}
		return n(y)
	case "decade":
		return n(floorDiv(y, 10))
	case "century":
		if y > 0 {
			return n((y + 99) / 100)
		}
		return n(-((99 - y) / 100))
	case "millennium":
		if y > 0 {
			return n((y + 999) / 1000)
		}
		return n(-((999 - y) / 1000))
	case "dow":
		return n(isoDow(days) % 7)
	case "isodow":
		return n(isoDow(days))
	case "doy":
		return n(days - datum.DaysFromCivil(y, 1, 1) + 1)
	case "week":
		_, w := isoWeek(days)
		return n(w)
	case "isoyear":
		iy, _ := isoWeek(days)
		if iy <= 0 {
			iy--
		}
		return n(iy)
	case "julian":
		if t.Family == types.Date {
			return n(days + 2440588)
		}
		// Julian day with the fraction of the day.
		jd := datum.NumericFromInt(days + 2440588)
		frac, err := datum.NumericDiv(datum.NewNumeric(tod, 6), datum.NumericFromInt(86400))
		if err != nil {
			return datum.Null, err
		}
		return datum.NumericAdd(jd, frac)
	case "epoch":
		if t.Family == types.Date {
			return n(days * 86400)
		}
		return datum.NewNumeric(v.Micros(), 6), nil
	case "timezone", "timezone_hour", "timezone_minute":
		if t.Family == types.TimestampTZ {
			return n(0)
		}
	}
	return datum.Null, unitNotSupported(unitText, t)
}

// infExtract is EXTRACT on an infinite date or timestamp: Postgres returns
// ±Infinity for the monotonic units and NULL for the others.
func infExtract(unit string, pos bool, unitText string, t types.T) (datum.Datum, error) {
	switch unit {
	case "year", "decade", "century", "millennium", "julian", "isoyear", "epoch":
		if pos {
			return datum.NumericInf(1), nil
		}
		return datum.NumericInf(-1), nil
	case "microseconds", "milliseconds", "second", "minute", "hour", "day", "month", "quarter",
		"week", "dow", "isodow", "doy", "timezone", "timezone_hour", "timezone_minute":
		return datum.Null, nil
	}
	return datum.Null, unitNotSupported(unitText, t)
}

func extractInterval(unit, unitText string, v datum.Datum) (datum.Datum, error) {
	months, days, us := v.Interval()
	n := func(v int64) (datum.Datum, error) { return datum.NumericFromInt(v), nil }
	secs := us % datum.MicrosPerMinute
	switch unit {
	case "microseconds":
		return n(secs)
	case "milliseconds":
		return datum.NewNumeric(secs, 3), nil
	case "second":
		return datum.NewNumeric(secs, 6), nil
	case "minute":
		return n(us / datum.MicrosPerMinute % 60)
	case "hour":
		return n(us / datum.MicrosPerHour)
	case "day":
		return n(int64(days))
	case "month":
		return n(int64(months % 12))
	case "quarter":
		return n(int64(months%12/3 + 1))
	case "year":
		return n(int64(months / 12))
	case "decade":
		return n(int64(months / 120))
	case "century":
		return n(int64(months / 1200))
	case "millennium":
		return n(int64(months / 12000))
	case "epoch":
		// Years of 365.25 days, months of 30 days.
		secsYM := int64(months/12)*31557600 + int64(months%12)*30*86400 + int64(days)*86400
		a := datum.NewNumeric(us, 6)
		return datum.NumericAdd(a, datum.NumericFromInt(secsYM))
	}
	return datum.Null, unitNotSupported(unitText, ivT)
}

// age is Postgres's age(a, b): a symbolic difference in years, months and
// days (borrowing the length of b's month) plus time.
func age(a, b int64) (datum.Datum, error) {
	if isInf(a) || isInf(b) {
		return datum.Null, ivOutOfRange()
	}
	if a < b {
		r, err := age(b, a)
		if err != nil {
			return datum.Null, err
		}
		return negInterval(r)
	}
	d1, t1 := datum.SplitMicros(a)
	d2, t2 := datum.SplitMicros(b)
	y1, m1, dd1 := datum.CivilFromDays(d1)
	y2, m2, dd2 := datum.CivilFromDays(d2)
	tod := t1 - t2
	days := int64(dd1 - dd2)
	months := int64(m1 - m2)
	years := y1 - y2
	if tod < 0 {
		tod += datum.MicrosPerDay
		days--
	}
	for days < 0 {
		days += int64(datum.DaysInMonth(y2, m2))
		months--
	}
	for months < 0 {
		months += 12
		years--
	}
	return datum.NewIntervalChecked(years*12+months, days, tod)
}
