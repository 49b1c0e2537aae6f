// Package sqlerr attaches Postgres SQLSTATE codes to errors where they are
// born, so that the wire layer reports the right code without guessing.
//
// Rules (after CockroachDB's pgcode): the innermost categorized code wins,
// except that an outer internal error (class XX) wins over everything.
// Uncategorized errors are internal (XX000): logged with detail, shown to
// the client with a generic message.
package sqlerr

import (
	"errors"
	"fmt"
)

// Code is a five-character SQLSTATE.
type Code string

// The codes Freshet produces.
const (
	SuccessfulCompletion         Code = "00000"
	Warning                      Code = "01000"
	FeatureNotSupported          Code = "0A000"
	CardinalityViolation         Code = "21000"
	DataException                Code = "22000"
	StringDataRightTruncation    Code = "22001"
	NumericValueOutOfRange       Code = "22003"
	InvalidDatetimeFormat        Code = "22007"
	DatetimeFieldOverflow        Code = "22008"
	DivisionByZero               Code = "22012"
	InvalidRowCountInLimitClause Code = "2201W"
	InvalidParameterValue        Code = "22023"
	InvalidTextRepresentation    Code = "22P02"
	InvalidBinaryRepresentation  Code = "22P03"
	NotNullViolation             Code = "23502"
	UniqueViolation              Code = "23505"
	InvalidCursorState           Code = "24000"
	InvalidTransactionState      Code = "25000"
	ActiveSQLTransaction         Code = "25001"
	NoActiveSQLTransaction       Code = "25P01"
	InFailedSQLTransaction       Code = "25P02"
	ReadOnlySQLTransaction       Code = "25006"
	InvalidSQLStatementName      Code = "26000"
	InvalidAuthorization         Code = "28000"
	InvalidCursorName            Code = "34000"
	InvalidCatalogName           Code = "3D000"
	SerializationFailure         Code = "40001"
	SyntaxError                  Code = "42601"
	InsufficientPrivilege        Code = "42501"
	UndefinedColumn              Code = "42703"
	UndefinedFunction            Code = "42883"
	UndefinedTable               Code = "42P01"
	UndefinedParameter           Code = "42P02"
	UndefinedObject              Code = "42704"
	DuplicateColumn              Code = "42701"
	DuplicateObject              Code = "42710"
	DuplicateTable               Code = "42P07"
	AmbiguousColumn              Code = "42702"
	AmbiguousFunction            Code = "42725"
	DatatypeMismatch             Code = "42804"
	WrongObjectType              Code = "42809"
	GroupingError                Code = "42803"
	InvalidColumnReference       Code = "42P10"
	InvalidTableDefinition       Code = "42P16"
	InvalidObjectDefinition      Code = "42P17"
	DependentObjectsStillExist   Code = "2BP01"
	ProtocolViolation            Code = "08P01"
	ConnectionFailure            Code = "08006"
	QueryCanceled                Code = "57014"
	AdminShutdown                Code = "57P01"
	TooManyConnections           Code = "53300"
	ProgramLimitExceeded         Code = "54000"
	ObjectNotInPrerequisiteState Code = "55000"
	CantChangeRuntimeParam       Code = "55P02"
	Internal                     Code = "XX000"
	DataCorrupted                Code = "XX001"
)

// Class is the first two characters of a code.
func (c Code) Class() string { return string(c[:2]) }

// Error is an error with a SQLSTATE and optional detail, hint and
// position (1-based character offset into the statement text, 0 if none).
type Error struct {
	Code     Code
	Message  string
	Detail   string
	Hint     string
	Position int
	cause    error
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.cause }

// New returns an error with a code and a formatted message. Messages are
// lower case without final punctuation, as Postgres writes them.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithCode wraps err with a code; the message stays err's.
func WithCode(err error, code Code) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Message: err.Error(), cause: err}
}

// WithDetail returns a copy of e with Detail set.
func (e *Error) WithDetail(format string, args ...any) *Error {
	c := *e
	c.Detail = fmt.Sprintf(format, args...)
	return &c
}

// WithHint returns a copy of e with Hint set.
func (e *Error) WithHint(format string, args ...any) *Error {
	c := *e
	c.Hint = fmt.Sprintf(format, args...)
	return &c
}

// WithPosition returns a copy of e with Position set.
func (e *Error) WithPosition(pos int) *Error {
	c := *e
	c.Position = pos
	return &c
}

// GetCode returns the SQLSTATE of err by the combining rule: the innermost
// categorized code, unless an outer one is internal (class XX). Errors
// without any code are Internal.
func GetCode(err error) Code {
	code := Internal
	found := false
	for e := err; e != nil; e = errors.Unwrap(e) {
		var se *Error
		if x, ok := e.(*Error); ok {
			se = x
		}
		if se == nil {
			continue
		}
		if se.Code.Class() == "XX" && !found {
			return se.Code
		}
		code, found = se.Code, true
	}
	return code
}

// Find returns the innermost *Error in err's chain, or nil.
func Find(err error) *Error {
	var inner *Error
	for e := err; e != nil; e = errors.Unwrap(e) {
		if x, ok := e.(*Error); ok {
			inner = x
		}
	}
	return inner
}
