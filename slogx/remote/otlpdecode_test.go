package remote_test

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
)

// A protobuf reader for ExportLogsServiceRequest, written from the OTLP
// .proto files (opentelemetry-proto v1.x, logs/v1 and common/v1), apart
// from the package's encoder so that the two check each other.

type pbField struct {
	num  int
	typ  int    // 0 varint, 1 fixed64, 2 bytes, 5 fixed32
	u    uint64 // varint and fixed values
	data []byte // bytes values
}

func pbFields(b []byte) ([]pbField, error) {
	var fs []pbField
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, fmt.Errorf("bad key")
		}
		b = b[n:]
		f := pbField{num: int(key >> 3), typ: int(key & 7)}
		switch f.typ {
		case 0:
			f.u, n = binary.Uvarint(b)
			if n <= 0 {
				return nil, fmt.Errorf("field %d: bad varint", f.num)
			}
			b = b[n:]
		case 1:
			if len(b) < 8 {
				return nil, fmt.Errorf("field %d: short fixed64", f.num)
			}
			f.u, b = binary.LittleEndian.Uint64(b), b[8:]
		case 5:
			if len(b) < 4 {
				return nil, fmt.Errorf("field %d: short fixed32", f.num)
			}
			f.u, b = uint64(binary.LittleEndian.Uint32(b)), b[4:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || uint64(len(b)-n) < l {
				return nil, fmt.Errorf("field %d: bad length", f.num)
			}
			f.data, b = b[n:n+int(l)], b[n+int(l):]
		default:
			return nil, fmt.Errorf("field %d: wire type %d", f.num, f.typ)
		}
		fs = append(fs, f)
	}
	return fs, nil
}

// decodeOTLP flattens a request into items: per log record, "otlp.body",
// "severity_number", "severity_text", "time_unix_nano", "trace_id",
// "span_id", its attributes by key, and the resource attributes under
// "resource.<key>".
func decodeOTLP(body []byte) ([]item, error) {
	top, err := pbFields(body)
	if err != nil {
		return nil, err
	}
	var items []item
	for _, rl := range top {
		if rl.num != 1 || rl.typ != 2 {
			return nil, fmt.Errorf("request: unexpected field %d", rl.num)
		}
		rlf, err := pbFields(rl.data)
		if err != nil {
			return nil, err
		}
		resource := map[string]any{}
		var scopes [][]byte
		for _, f := range rlf {
			switch f.num {
			case 1: // Resource
				rf, err := pbFields(f.data)
				if err != nil {
					return nil, err
				}
				for _, a := range rf {
					if a.num == 1 {
						k, v, err := pbKeyValue(a.data)
						if err != nil {
							return nil, err
						}
						resource["resource."+k] = v
					}
				}
			case 2:
				scopes = append(scopes, f.data)
			}
		}
		for _, sl := range scopes {
			slf, err := pbFields(sl)
			if err != nil {
				return nil, err
			}
			for _, f := range slf {
				if f.num != 2 {
					continue
				}
				m, err := pbLogRecord(f.data)
				if err != nil {
					return nil, err
				}
				for k, v := range resource {
					m[k] = v
				}
				items = append(items, item{fields: m})
			}
		}
	}
	return items, nil
}

func pbLogRecord(b []byte) (map[string]any, error) {
	fs, err := pbFields(b)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	for _, f := range fs {
		switch f.num {
		case 1:
			m["time_unix_nano"] = f.u
		case 2:
			m["severity_number"] = int64(f.u)
		case 3:
			m["severity_text"] = string(f.data)
		case 5:
			v, err := pbAnyValue(f.data)
			if err != nil {
				return nil, err
			}
			m["otlp.body"] = v
		case 6:
			k, v, err := pbKeyValue(f.data)
			if err != nil {
				return nil, err
			}
			m[k] = v
		case 9:
			m["trace_id"] = hex.EncodeToString(f.data)
		case 10:
			m["span_id"] = hex.EncodeToString(f.data)
		case 11:
			m["observed_time_unix_nano"] = f.u
		}
	}
	return m, nil
}

func pbKeyValue(b []byte) (string, any, error) {
	fs, err := pbFields(b)
	if err != nil {
		return "", nil, err
	}
	var k string
	var v any
	for _, f := range fs {
		switch f.num {
		case 1:
			k = string(f.data)
		case 2:
			if v, err = pbAnyValue(f.data); err != nil {
				return "", nil, err
			}
		}
	}
	return k, v, nil
}

func pbAnyValue(b []byte) (any, error) {
	fs, err := pbFields(b)
	if err != nil {
		return nil, err
	}
	if len(fs) == 0 {
		return nil, nil
	}
	f := fs[len(fs)-1]
	switch f.num {
	case 1:
		return string(f.data), nil
	case 2:
		return f.u != 0, nil
	case 3:
		return int64(f.u), nil
	case 4:
		return math.Float64frombits(f.u), nil
	case 5: // ArrayValue { repeated AnyValue values = 1; }
		inner, err := pbFields(f.data)
		if err != nil {
			return nil, err
		}
		var out []any
		for _, e := range inner {
			v, err := pbAnyValue(e.data)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case 6: // KeyValueList { repeated KeyValue values = 1; }
		inner, err := pbFields(f.data)
		if err != nil {
			return nil, err
		}
		out := map[string]any{}
		for _, e := range inner {
			k, v, err := pbKeyValue(e.data)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	case 7:
		return f.data, nil
	}
	return nil, fmt.Errorf("AnyValue: field %d", f.num)
}
