package wire

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// elasticFrame: each record is an action line and a document line; the
// body is their concatenation.
type elasticFrame struct{}

func (elasticFrame) overhead(int) int { return 0 }

func (elasticFrame) appendBody(dst []byte, records [][]byte) []byte {
	return ndjsonFrame{}.appendBody(dst, records)
}

// bulkItem is one entry of a _bulk response's "items": an object with one
// key, the action ("create"), whose value has the status and the error.
type bulkItem map[string]struct {
	Status int             `json:"status"`
	Error  json.RawMessage `json:"error"`
}

// judge2xx reads a _bulk response: {"took":..,"errors":false,...} means
// every item was stored; with "errors":true each item's status says what
// became of the record at its index: 2xx stored, 429 and 5xx to be sent
// again (a full queue, a node that left), any other status refused for
// good (a mapping error, a conflict, a missing index).
//
// Items the body does not reach (a body cut short) are sent again: their
// fate is unknown and delivery is at least once. An empty or unreadable
// 200 body counts as delivered: VictoriaLogs answers a request it stopped
// reading at a bad line with 200 and no body, and nothing tells which
// records it kept.
func (elasticFrame) judge2xx(_ int, body []byte, n int, v *Verdict) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return
	}
	failed, items := false, 0
	firstErr := ""
fields:
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			break
		}
		switch key {
		case "errors":
			if dec.Decode(&failed) != nil {
				break fields
			}
			if !failed {
				return // the common case: nothing to read further
			}
		case "items":
			items, firstErr = readBulkItems(dec, n, v)
			break fields // the items are all we need; a cut body ends in them
		default:
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				break fields
			}
		}
	}
	if items == 0 && !failed {
		return // nothing says anything failed
	}
	for i := items; i < n; i++ {
		v.Resend = append(v.Resend, i) // fate unknown: at least once
	}
	v.Refused = len(v.RefusedItems)
	if firstErr != "" {
		v.Message = sanitize(firstErr)
	}
}

// readBulkItems reads the "items" array, up to n items, into v, and
// returns how many it read and the first refusal's reason.
func readBulkItems(dec *json.Decoder, n int, v *Verdict) (items int, firstErr string) {
	if t, err := dec.Token(); err != nil || t != json.Delim('[') {
		return 0, ""
	}
	for items < n && dec.More() {
		var it bulkItem
		if dec.Decode(&it) != nil {
			break
		}
		for _, r := range it { // one action per item
			switch {
			case r.Status >= 200 && r.Status < 300:
			case r.Status == 429 || r.Status >= 500 || r.Status == 0:
				v.Resend = append(v.Resend, items)
			default:
				v.RefusedItems = append(v.RefusedItems, items)
				if firstErr == "" {
					firstErr = itemReason(r.Status, r.Error)
				}
			}
		}
		items++
	}
	return items, firstErr
}

// itemReason renders an item's error: Elasticsearch gives an object with
// type and reason, some proxies a string.
func itemReason(status int, raw json.RawMessage) string {
	var e any
	_ = json.Unmarshal(raw, &e)
	m := reason(e)
	if m == "" {
		return "item status " + strconv.Itoa(status)
	}
	return "item status " + strconv.Itoa(status) + ": " + m
}
