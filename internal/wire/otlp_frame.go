package wire

// otlpFrame wraps LogRecords in one ExportLogsServiceRequest with one
// ResourceLogs (the program's resource) and one ScopeLogs:
//
//	ExportLogsServiceRequest { resource_logs = 1: ResourceLogs {
//	  resource = 1: Resource { attributes = 1: KeyValue... }
//	  scope_logs = 2: ScopeLogs {
//	    scope = 1: InstrumentationScope { name = 1 }
//	    log_records = 2: LogRecord...   (each record brings its own key)
//	}}}
type otlpFrame struct {
	resource []byte // the resource field of ResourceLogs, key included
	scope    []byte // the scope field of ScopeLogs, key included
}

// ScopeName is the InstrumentationScope name of every record sent in the
// OTLP format.
const ScopeName = "go.slogx.dev/slogx"

func newOTLPFrame(o *Options) *otlpFrame {
	var res []byte
	res, at := openMsg(res, 1)
	for _, a := range []struct{ k, v string }{
		{"service.name", o.Service},
		{"deployment.environment.name", o.Environment},
		{"service.version", o.Version},
		{"host.name", o.Host},
	} {
		if a.v == "" {
			continue
		}
		var kv, av int
		res, kv = openMsg(res, 1) // Resource.attributes
		res = appendStringField(res, kvKey, a.k)
		res, av = openMsg(res, kvValue)
		res = appendStringField(res, avString, a.v)
		res = closeLen(res, av)
		res = closeLen(res, kv)
	}
	res = closeLen(res, at)
	var scope []byte
	scope, at = openMsg(scope, slScope)
	scope = appendStringField(scope, 1, ScopeName)
	scope = closeLen(scope, at)
	return &otlpFrame{resource: res, scope: scope}
}

// overhead: two keys and two lengths (at most 5 bytes each for bodies
// under 32 GiB) around the fixed resource and scope.
func (f *otlpFrame) overhead(int) int { return 2 + 5 + len(f.resource) + 2 + 5 + len(f.scope) }

func (f *otlpFrame) appendBody(dst []byte, records [][]byte) []byte {
	sl := len(f.scope)
	for _, r := range records {
		sl += len(r)
	}
	rl := len(f.resource) + 1 + varintLen(uint64(sl)) + sl
	dst = appendTag(dst, 1, wireBytes) // ExportLogsServiceRequest.resource_logs
	dst = appendVarint(dst, uint64(rl))
	dst = append(dst, f.resource...)
	dst = appendTag(dst, 2, wireBytes) // ResourceLogs.scope_logs
	dst = appendVarint(dst, uint64(sl))
	dst = append(dst, f.scope...)
	for _, r := range records {
		dst = append(dst, r...)
	}
	return dst
}

// judge2xx reads an ExportLogsServiceResponse: partial_success (1) with
// rejected_log_records (1) and error_message (2). The server does not say
// which records it rejected, so they are counted, not resent. An empty or
// unreadable body (VictoriaLogs sends none) means every record was taken.
func (f *otlpFrame) judge2xx(_ int, body []byte, n int, v *Verdict) {
	r := protoReader{b: body, ok: true}
	for {
		field, wt, _, p, more := r.next()
		if !more {
			return
		}
		if field != 1 || wt != wireBytes {
			continue
		}
		ps := protoReader{b: p, ok: true}
		var rejected uint64
		msg := ""
		for {
			field, wt, val, p, more := ps.next()
			if !more {
				break
			}
			switch {
			case field == 1 && wt == wireVarint:
				rejected = val
			case field == 2 && wt == wireBytes:
				msg = string(p)
			}
		}
		if int64(rejected) > 0 {
			v.Refused = int(min(rejected, uint64(n)))
		}
		if msg != "" {
			v.Message = sanitize(msg)
		}
	}
}
