package main

import (
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"strings"
	"sync"
)

// secret is a credential or personal datum the driver sends, which must not
// be stored anywhere.
type secret struct {
	what, value string
}

// githubToken returns a classic GitHub personal access token in its real
// shape: "ghp_", 30 base62 characters, and the CRC32 of those in 6 base62
// digits, as GitHub's secret scanning checks it.
func githubToken(random string) string {
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	c := crc32.ChecksumIEEE([]byte(random))
	var sum [6]byte
	for i := 5; i >= 0; i-- {
		sum[i] = digits[c%62]
		c /= 62
	}
	return "ghp_" + random + string(sum[:])
}

var (
	customerEmail = "maria.gonzalez@example.com"
	wrongPassword = "Winter2026!maria"
	urlToken      = "ya29.a0AfH6SMBx3kqTn9vQ2wLr8ZpY7cD4eF1gH6iJ0kLmN3oP5qR"
	ghToken       = githubToken("R7dK2mN9pQ4sT6vX8zB1cE3fG5hJ7k")

	planted = []secret{
		{"password in a JSON body", demoPassword},
		{"wrong password in a JSON body", wrongPassword},
		{"token in a URL", urlToken},
		{"email address", customerEmail},
		{"GitHub token in a header", ghToken},
	}
)

// result is what the driver saw of one request.
type result struct {
	method, path string
	status       int
	requestID    string
}

// drive sends n requests to base from 8 clients at once: logins (some with
// the wrong password), order lookups with a token in the URL (some fail
// upstream), checkouts (some hit a bug and panic), webhooks with a GitHub
// token, and health checks.
func drive(ctx context.Context, base string, n int) ([]result, error) {
	client := &http.Client{}
	defer client.CloseIdleConnections()
	results := make([]result, n)
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range next {
				results[i], errs[i] = send(ctx, client, base, i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return results, nil
}

func send(ctx context.Context, client *http.Client, base string, i int) (result, error) {
	var method, path, body string
	header := http.Header{"User-Agent": {"slogx-demo-driver/1.0"}}
	switch i % 5 {
	case 0, 1:
		password := demoPassword
		if i%5 == 1 {
			password = wrongPassword
		}
		method, path = http.MethodPost, "/login"
		body = fmt.Sprintf(`{"email":%q,"password":%q,"remember":%t}`, customerEmail, password, i%20 == 0)
		header.Set("Content-Type", "application/json")
	case 2:
		method, path = http.MethodGet, fmt.Sprintf("/orders/ord_%d?access_token=%s&expand=items", 1000+i, urlToken)
	case 3:
		sku := "SKU-88412"
		if i%25 == 3 {
			sku = "SKU-PROMO-2026"
		}
		method, path = http.MethodPost, "/checkout"
		body = fmt.Sprintf(`{"customer":%q,"items":[{"sku":"SKU-10077","qty":1},{"sku":%q,"qty":2}]}`, customerEmail, sku)
		header.Set("Content-Type", "application/json")
	case 4:
		method, path = http.MethodPost, "/webhooks/github"
		body = `{"ref":"refs/heads/main","after":"9fceb02d0ae598e95dc970b74767f19372d61af8"}`
		header.Set("Authorization", "token "+ghToken)
		event := "push"
		if i%20 == 4 {
			event = "deployment_status"
		}
		header.Set("X-GitHub-Event", event)
		header.Set("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
	}
	if i%10 == 9 {
		method, path, body = http.MethodGet, "/health", ""
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
	if err != nil {
		return result{}, err
	}
	req.Header = header
	resp, err := client.Do(req)
	if err != nil {
		return result{}, fmt.Errorf("demo: %s %s: %w", method, path, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	p, _, _ := strings.Cut(path, "?")
	return result{method: method, path: p, status: resp.StatusCode, requestID: resp.Header.Get("X-Request-ID")}, nil
}
