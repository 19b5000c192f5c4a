package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.slogx.dev/slogx"
	"go.slogx.dev/slogx/breach"
)

// newService returns the checkout service: a few routes that log the way
// real handlers do, DEBUG detail included, wrapped in slogx.HTTP with a
// breach scope per request.
func newService(logger *slog.Logger) http.Handler {
	s := &service{log: logger}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("GET /orders/{id}", s.order)
	mux.HandleFunc("POST /checkout", s.checkout)
	mux.HandleFunc("POST /webhooks/github", s.webhook)
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	return slogx.HTTP(mux, &slogx.HTTPOptions{
		Logger: logger,
		Scope:  breach.NewScope,
		Skip:   []string{"/health"},
	})
}

type service struct{ log *slog.Logger }

// The password every account in the demo accepts.
const demoPassword = "Tr0ub4dor&3-horse-battery"

func (s *service) login(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	// The mistake redact is there for: a raw request body in a debug line.
	s.log.DebugContext(ctx, "login request", "content_type", r.Header.Get("Content-Type"), "body", string(body))
	var req struct {
		Email, Password string
		Remember        bool
	}
	if err := json.Unmarshal(body, &req); err != nil {
		s.log.InfoContext(ctx, "login rejected", "reason", "malformed body", "err", err)
		http.Error(w, "malformed body", http.StatusBadRequest)
		return
	}
	if req.Password != demoPassword {
		s.log.InfoContext(ctx, "login rejected", "reason", "bad password", "email", req.Email)
		http.Error(w, "invalid credentials", http.StatusUnauthorized)
		return
	}
	if req.Remember {
		// Persistent sessions live in a store that is down today.
		s.log.ErrorContext(ctx, "session store unavailable", "err", errSessionStore)
		http.Error(w, "try again later", http.StatusServiceUnavailable)
		return
	}
	s.log.InfoContext(ctx, "login succeeded", "email", req.Email)
	io.WriteString(w, `{"session":"ok"}`)
}

var errSessionStore = errors.New("redis 10.0.3.17:6379: dial tcp: connect: connection refused")

var errQueueFull = errors.New("nats: publish to webhooks.github: maximum pending messages reached")

var errInventoryTimeout = errors.New("inventory-svc GET /v2/stock?sku=SKU-88412: context deadline exceeded (Client.Timeout exceeded while awaiting headers)")

func (s *service) order(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	s.log.DebugContext(ctx, "order request", "url", r.URL.String(), "order_id", id)
	s.log.DebugContext(ctx, "cache lookup", "key", "order:"+id, "hit", false, "elapsed", 312*time.Microsecond)
	s.log.DebugContext(ctx, "db query", "sql", "SELECT id, status, total_cents FROM orders WHERE id = $1", "rows", 1, "elapsed", 4*time.Millisecond+180*time.Microsecond)
	n, _ := strconv.Atoi(strings.TrimPrefix(id, "ord_"))
	if n%7 == 0 {
		s.log.DebugContext(ctx, "calling inventory", "sku", "SKU-88412", "timeout", 250*time.Millisecond)
		s.log.ErrorContext(ctx, "inventory call failed", "err", errInventoryTimeout, "attempts", 3)
		http.Error(w, "inventory unavailable", http.StatusBadGateway)
		return
	}
	fmt.Fprintf(w, `{"id":%q,"status":"shipped"}`, id)
}

type promotion struct{ percentOff int }

// promotions has a bug: a promotion announced but not yet configured is a
// nil placeholder.
var promotions = map[string]*promotion{"SKU-PROMO-2026": nil}

type cart struct {
	Customer string `json:"customer"`
	Items    []struct {
		SKU string `json:"sku"`
		Qty int    `json:"qty"`
	} `json:"items"`
	Card string `json:"card"`
}

func (s *service) checkout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var c cart
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&c); err != nil {
		http.Error(w, "malformed cart", http.StatusBadRequest)
		return
	}
	s.log.DebugContext(ctx, "checkout started", "customer", c.Customer, "items", len(c.Items))
	for _, it := range c.Items {
		s.log.DebugContext(ctx, "pricing item", "sku", it.SKU, "qty", it.Qty)
		if p, ok := promotions[it.SKU]; ok {
			_ = p.percentOff // panics on the placeholder: the middleware answers 500
		}
	}
	s.log.InfoContext(ctx, "order placed", "customer", c.Customer, "items", len(c.Items))
	w.WriteHeader(http.StatusCreated)
}

func (s *service) webhook(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// Headers logged whole: the token in them is redact's to mask.
	s.log.DebugContext(ctx, "webhook received", "event", r.Header.Get("X-GitHub-Event"), "headers", r.Header)
	io.Copy(io.Discard, io.LimitReader(r.Body, 64<<10))
	if r.Header.Get("X-GitHub-Event") == "deployment_status" {
		s.log.ErrorContext(ctx, "webhook not queued", "err", errQueueFull)
		http.Error(w, "try again later", http.StatusServiceUnavailable)
		return
	}
	s.log.InfoContext(ctx, "webhook processed", "event", r.Header.Get("X-GitHub-Event"))
	w.WriteHeader(http.StatusAccepted)
}

// serve runs h on a free port of 127.0.0.1 until ctx is done.
func serve(ctx context.Context, h http.Handler) (url string, stop func(), err error) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ErrorLog: discardLog()}
	ln, err := listen()
	if err != nil {
		return "", nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	return "http://" + ln.Addr().String(), func() {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		<-done
	}, nil
}

func listen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }
