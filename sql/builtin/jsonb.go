package builtin

import (
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/types"
)

var jsonbT = types.JSONBT

func (l *lib) addJSONFunctions() {
	field := func(asText bool) fnImpl {
		return func(a []datum.Datum) (datum.Datum, error) {
			j, err := datum.ParseJSON(a[0].Str())
			if err != nil {
				return datum.Null, err
			}
			v, ok := j.Get(a[1].Str())
			if !ok {
				return datum.Null, nil
			}
			return jsonResult(v, asText), nil
		}
	}
	elem := func(asText bool) fnImpl {
		return func(a []datum.Datum) (datum.Datum, error) {
			j, err := datum.ParseJSON(a[0].Str())
			if err != nil {
				return datum.Null, err
			}
			v, ok := j.Index(int(a[1].Int()))
			if !ok {
				return datum.Null, nil
			}
			return jsonResult(v, asText), nil
		}
	}
	l.add(
		op("->", jsonbT, text, jsonbT, field(false)),
		op("->>", jsonbT, text, text, field(true)),
		op("->", jsonbT, i4, jsonbT, elem(false)),
		op("->>", jsonbT, i4, text, elem(true)),
		fn("jsonb_typeof", text, func(a []datum.Datum) (datum.Datum, error) {
			j, err := datum.ParseJSON(a[0].Str())
			if err != nil {
				return datum.Null, err
			}
			return textResult(j.Kind.String())
		}, jsonbT),
		fn("jsonb_array_length", i4, func(a []datum.Datum) (datum.Datum, error) {
			j, err := datum.ParseJSON(a[0].Str())
			if err != nil {
				return datum.Null, err
			}
			if j.Kind != datum.JSONArray {
				return datum.Null, errJSONScalar("get array length of")
			}
			return datum.NewInt4(int64(len(j.Elems))), nil
		}, jsonbT),
	)
	l.special["jsonb_build_object"] = resolveBuildObject
	l.special["jsonb_build_array"] = resolveBuildArray
	l.special["to_jsonb"] = resolveToJSONB
}

func errJSONScalar(what string) error {
	return sqlErrParam("cannot %s a scalar", what)
}

// jsonResult returns v as jsonb, or for ->> as text (NULL for a JSON null,
// the unquoted string for a string).
func jsonResult(v datum.JSON, asText bool) datum.Datum {
	if !asText {
		return datum.NewJSONB(string(v.AppendText(nil)))
	}
	switch v.Kind {
	case datum.JSONNull:
		return datum.Null
	case datum.JSONString:
		return datum.NewText(v.Str)
	}
	return datum.NewText(string(v.AppendText(nil)))
}

// ToJSON converts a SQL value to JSON as to_jsonb does: numbers stay
// numbers, booleans booleans, jsonb is embedded, NULL is null and
// everything else is its text output as a string.
func ToJSON(d datum.Datum) (datum.JSON, error) {
	switch d.Kind() {
	case types.Unknown:
		return datum.JSON{Kind: datum.JSONNull}, nil
	case types.Bool:
		return datum.JSON{Kind: datum.JSONBool, Bool: d.Bool()}, nil
	case types.Int2, types.Int4, types.Int8, types.Numeric, types.Float4, types.Float8:
		s := datum.FormatText(d)
		switch s {
		case "NaN", "Infinity", "-Infinity":
			return datum.JSONStringValue(s), nil
		}
		return datum.JSON{Kind: datum.JSONNumber, Str: s}, nil
	case types.JSONB:
		return datum.ParseJSON(d.Str())
	case types.Text, types.Varchar:
		return datum.JSONStringValue(d.Str()), nil
	case types.Timestamp, types.TimestampTZ, types.Date:
		// to_jsonb uses ISO 8601 with a T separator.
		s := datum.FormatText(d)
		if len(s) > 10 && s[10] == ' ' {
			s = s[:10] + "T" + s[11:]
		}
		if d.Kind() == types.TimestampTZ && len(s) >= 3 && s[len(s)-3:] == "+00" {
			s += ":00"
		}
		return datum.JSONStringValue(s), nil
	}
	return datum.JSONStringValue(datum.FormatText(d)), nil
}

func resolveToJSONB(args []types.T) (*Overload, error) {
	if len(args) != 1 {
		return nil, notExist("to_jsonb", args, true)
	}
	return &Overload{Name: "to_jsonb", Args: anyArgs(args), Result: jsonbT, Strict: true, Fn: func(a []datum.Datum) (datum.Datum, error) {
		j, err := ToJSON(a[0])
		if err != nil {
			return datum.Null, err
		}
		return datum.NewJSONB(string(j.AppendText(nil))), nil
	}}, nil
}

func resolveBuildArray(args []types.T) (*Overload, error) {
	return &Overload{Name: "jsonb_build_array", Args: anyArgs(args), Variadic: false, Result: jsonbT, Fn: func(a []datum.Datum) (datum.Datum, error) {
		arr := datum.JSON{Kind: datum.JSONArray, Elems: make([]datum.JSON, 0, len(a))}
		for _, d := range a {
			j, err := ToJSON(d)
			if err != nil {
				return datum.Null, err
			}
			arr.Elems = append(arr.Elems, j)
		}
		return datum.NewJSONB(string(arr.AppendText(nil))), nil
	}}, nil
}

func resolveBuildObject(args []types.T) (*Overload, error) {
	if len(args)%2 != 0 {
		return nil, sqlErrParam("argument list must have even number of elements").
			WithHint("The arguments of jsonb_build_object() must consist of alternating keys and values.")
	}
	return &Overload{Name: "jsonb_build_object", Args: anyArgs(args), Result: jsonbT, Fn: func(a []datum.Datum) (datum.Datum, error) {
		keys := make([]string, 0, len(a)/2)
		vals := make([]datum.JSON, 0, len(a)/2)
		for i := 0; i < len(a); i += 2 {
			if a[i].IsNull() {
				return datum.Null, sqlErrParam("argument %d: key must not be null", i+1)
			}
			k := a[i].Str()
			if a[i].Kind() != types.Text && a[i].Kind() != types.Varchar {
				k = datum.FormatText(a[i])
			}
			j, err := ToJSON(a[i+1])
			if err != nil {
				return datum.Null, err
			}
			keys = append(keys, k)
			vals = append(vals, j)
		}
		return datum.NewJSONB(string(datum.NewJSONObject(keys, vals).AppendText(nil))), nil
	}}, nil
}
