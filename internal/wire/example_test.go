package wire_test

import (
	"fmt"
	"log/slog"
	"time"

	"go.slogx.dev/internal/wire"
)

// A Loki format: records encoded one by one, as a handler does on each log
// call, then framed into one push body, adjacent entries of a stream merged.
func ExampleNew() {
	f, err := wire.New(wire.Loki, wire.Options{Service: "checkout", Labels: []string{"region"}})
	if err != nil {
		panic(err)
	}
	enc := f.Encoder().WithAttrs([]slog.Attr{slog.String("region", "eu-west-1")})
	var records [][]byte
	for i, msg := range []string{"order placed", "payment authorised"} {
		r := slog.NewRecord(time.Date(2026, 12, 1, 18, 0, i, 0, time.UTC), slog.LevelInfo, msg, 0)
		r.AddAttrs(slog.Int("order", 8812))
		rec, _ := enc.AppendRecord(nil, &r, nil)
		records = append(records, rec)
	}
	fmt.Println(f.ContentType())
	fmt.Println(string(f.AppendBody(nil, records)))
	// Output:
	// application/json
	// {"streams":[{"stream":{"service_name":"checkout","region":"eu-west-1"},"values":[["1796148000000000000","{\"time\":\"2026-12-01T18:00:00Z\",\"level\":\"INFO\",\"msg\":\"order placed\",\"service\":\"checkout\",\"region\":\"eu-west-1\",\"order\":8812}"],["1796148001000000000","{\"time\":\"2026-12-01T18:00:01Z\",\"level\":\"INFO\",\"msg\":\"payment authorised\",\"service\":\"checkout\",\"region\":\"eu-west-1\",\"order\":8812}"]]}]}
}

// An Elasticsearch answer with item errors: the full queue's rejections
// are sent again, the mapping error is refused for good.
func ExampleFormat_Judge() {
	f, _ := wire.New(wire.ElasticBulk, wire.Options{})
	body := []byte(`{"took":3,"errors":true,"items":[
		{"create":{"status":201}},
		{"create":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"queue full"}}},
		{"create":{"status":400,"error":{"type":"document_parsing_exception","reason":"failed to parse field [status]"}}}]}`)
	var v wire.Verdict
	f.Judge(200, body, 3, &v)
	fmt.Println(v.Action, "resend", v.Resend, "refused", v.RefusedItems)
	fmt.Println(v.Message)
	f.Judge(413, nil, 3, &v)
	fmt.Println(v.Action)
	// Output:
	// Delivered resend [1] refused [2]
	// item status 400: document_parsing_exception: failed to parse field [status]
	// Split
}
