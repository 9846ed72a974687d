package export

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// writeParquet writes the table as one Parquet file: every column optional
// (a missing value is NULL), numbers as DOUBLE or INT64, texts as UTF-8
// strings, zstd-compressed. The columns keep the table's order: the row
// type is a struct built for the table, whose field tags name them.
func (t *table) writeParquet(w io.Writer) error {
	fields := make([]reflect.StructField, len(t.cols))
	for i, c := range t.cols {
		var typ reflect.Type
		tag := c.name + ",optional"
		switch c.kind {
		case real:
			typ = reflect.TypeFor[*float64]()
		case integer:
			typ = reflect.TypeFor[*int64]()
		default:
			typ = reflect.TypeFor[*string]()
		}
		fields[i] = reflect.StructField{Name: "C" + strconv.Itoa(i), Type: typ, Tag: reflect.StructTag(`parquet:"` + tag + `"`)}
	}
	rowType := reflect.StructOf(fields)
	schema := parquet.SchemaOf(reflect.New(rowType).Interface())
	pw := parquet.NewWriter(w, schema, parquet.Compression(&zstd.Codec{}), parquet.CreatedBy("bilancio", "", ""))
	row := reflect.New(rowType)
	for n, rec := range t.rows {
		v := row.Elem()
		for i, c := range t.cols {
			f := v.Field(i)
			f.SetZero()
			s := ""
			if i < len(rec) {
				s = rec[i]
			}
			if s == "" && c.kind != text {
				continue
			}
			switch c.kind {
			case real:
				x, err := strconv.ParseFloat(s, 64)
				if err != nil {
					return fmt.Errorf("%s row %d: %s: %q is not a number", t.name, n+1, c.name, s)
				}
				f.Set(reflect.ValueOf(&x))
			case integer:
				x, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					fx, ferr := strconv.ParseFloat(s, 64) // "5.0"
					if ferr != nil || fx != float64(int64(fx)) {
						return fmt.Errorf("%s row %d: %s: %q is not a whole number", t.name, n+1, c.name, s)
					}
					x = int64(fx)
				}
				f.Set(reflect.ValueOf(&x))
			default:
				if s == "" && c.name != "error" && c.name != "notes" {
					continue // missing
				}
				str := s
				f.Set(reflect.ValueOf(&str))
			}
		}
		if err := pw.Write(row.Interface()); err != nil {
			return fmt.Errorf("%s row %d: %w", t.name, n+1, err)
		}
	}
	return pw.Close()
}

// jsonNumText is a JSON number kept as its text.
type jsonNumText string

func (n *jsonNumText) UnmarshalJSON(b []byte) error {
	*n = jsonNumText(b)
	return nil
}

// jsonUnmarshal decodes JSON.
func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
