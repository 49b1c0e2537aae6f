package datum

import (
	"math"
	"math/big"
	"testing"

	"github.com/freshet-db/freshet/sql/types"
)

func TestAppendText(t *testing.T) {
	big30, _ := new(big.Int).SetString("-123456789012345678901234567890", 10)
	tests := []struct {
		d    Datum
		want string
	}{
		{Null, "NULL"},
		{NewBool(true), "t"},
		{NewBool(false), "f"},
		{NewInt2(-32768), "-32768"},
		{NewInt4(42), "42"},
		{NewInt8(math.MinInt64), "-9223372036854775808"},
		{NewFloat8(1.5), "1.5"},
		{NewFloat8(0.1), "0.1"},
		{NewFloat8(1e100), "1e+100"},
		{NewFloat8(1e15), "1e+15"},
		{NewFloat8(123456789012345), "123456789012345"},
		{NewFloat8(0.0001), "0.0001"},
		{NewFloat8(0.00001), "1e-05"},
		{NewFloat8(1.0 / 3), "0.3333333333333333"},
		{NewFloat8(math.Inf(1)), "Infinity"},
		{NewFloat8(math.Inf(-1)), "-Infinity"},
		{NewFloat8(math.NaN()), "NaN"},
		{NewFloat8(math.Copysign(0, -1)), "-0"},
		{NewFloat8(-2.5e-7), "-2.5e-07"},
		{NewFloat8(34756144044821432), "3.4756144044821432e+16"}, // a halfway tie, see ryuTieFix
		{NewFloat8(-64804868370508896), "-6.4804868370508896e+16"},
		{NewFloat4(0.1), "0.1"},
		{NewFloat4(1234567), "1.234567e+06"},
		{NewFloat4(100000), "100000"},
		{NewFloat4(1.0 / 3), "0.33333334"},
		{NewNumeric(1230, 2), "12.30"},
		{NewNumeric(-5, 2), "-0.05"},
		{NewNumeric(0, 0), "0"},
		{NewNumeric(0, 3), "0.000"},
		{NewNumeric(7, -2), "700"},
		{NewNumericBig(big30, 5), "-1234567890123456789012345.67890"},
		{NewNumericBig(big30, 40), "-0.0000000000123456789012345678901234567890"},
		{NumericNaN(), "NaN"},
		{NumericInf(-1), "-Infinity"},
		{NewText("héllo"), "héllo"},
		{NewVarchar(""), ""},
		{NewBytea("\x01\x02\xff"), `\x0102ff`},
		{NewBytea(""), `\x`},
		{NewDate(DaysFromCivil(2024, 1, 2)), "2024-01-02"},
		{NewDate(DaysFromCivil(-43, 3, 15)), "0044-03-15 BC"},
		{NewDate(PosInfinity), "infinity"},
		{NewTimestamp(DaysFromCivil(2024, 1, 2)*MicrosPerDay + 3*MicrosPerHour + 4*MicrosPerMinute + 5123000), "2024-01-02 03:04:05.123"},
		{NewTimestamp(DaysFromCivil(1969, 12, 31)*MicrosPerDay + 1), "1969-12-31 00:00:00.000001"},
		{NewTimestampTZ(DaysFromCivil(2024, 1, 2)*MicrosPerDay + 3*MicrosPerHour + 4*MicrosPerMinute + 5123000), "2024-01-02 03:04:05.123+00"},
		{NewTimestampTZ(NegInfinity), "-infinity"},
		{NewInterval(14, 3, 4*MicrosPerHour+5*MicrosPerMinute+6500000), "1 year 2 mons 3 days 04:05:06.5"},
		{NewInterval(0, 0, -MicrosPerSecond), "-00:00:01"},
		{NewInterval(0, 0, 0), "00:00:00"},
		{NewInterval(0, 1, 0), "1 day"},
		{NewInterval(0, -1, 2*MicrosPerHour), "-1 days +02:00:00"},
		{NewInterval(-14, 0, 0), "-1 years -2 mons"},
		{NewInterval(12, 0, 0), "1 year"},
		{NewInterval(0, 0, 25*MicrosPerHour), "25:00:00"},
		{NewInterval(1, -1, -1), "1 mon -1 days -00:00:00.000001"},
		{NewJSONB(`{"a": 1}`), `{"a": 1}`},
	}
	for _, tc := range tests {
		if got := FormatText(tc.d); got != tc.want {
			t.Errorf("FormatText(%#v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestAppendFloatRoundTrips(t *testing.T) {
	for _, f := range []float64{1.5, 0.1, 1e-300, 5e-324, math.MaxFloat64, 123.456, -9.87654321e20} {
		s := FormatText(NewFloat8(f))
		d, err := ParseText(s, types.Float8T)
		if err != nil || d.Float() != f {
			t.Errorf("%v printed as %q reads back as %v, %v", f, s, d.Float(), err)
		}
	}
}
