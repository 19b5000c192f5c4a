package vltest

import "testing"

// Cluster is a VictoriaLogs cluster in the v1.22 layout: every process is
// the same victoria-logs binary. Storage nodes are ordinary single nodes
// that keep the data; front nodes are started with
// -storageNode=host:port,... and then store nothing, spreading ingested
// rows over the storage nodes (/internal/insert) and merging query results
// from all of them (/internal/select/*). A front node serves both /insert
// and /select, so one cluster can be written through one node and read
// through another.
type Cluster struct {
	// Storage nodes; each is a Server with a data path.
	Storage []*Server
	// Insert holds the front nodes (insert and select). Tests may Kill or
	// Restart any of them, e.g. to check failover of a client.
	Insert []*Server
}

// StartCluster starts storageNodes storage nodes, then insertNodes front
// nodes pointing at all of them, and waits until every node is healthy. All
// of them are stopped when the test ends.
func StartCluster(tb testing.TB, storageNodes, insertNodes int) *Cluster {
	tb.Helper()
	if storageNodes < 1 || insertNodes < 1 {
		tb.Fatalf("vltest: a cluster needs at least one storage and one insert node, got %d and %d", storageNodes, insertNodes)
	}
	c := &Cluster{}
	addrs := make([]string, storageNodes)
	for i := range storageNodes {
		s := Start(tb)
		c.Storage = append(c.Storage, s)
		addrs[i] = s.Addr()
	}
	for range insertNodes {
		c.Insert = append(c.Insert, Start(tb, WithStorageNodes(addrs...)))
	}
	return c
}

// URL returns the first front node's URL, for tests that need just one
// endpoint.
func (c *Cluster) URL() string { return c.Insert[0].URL() }

// URLs returns the URLs of all front nodes, e.g. for a client that balances
// over several endpoints.
func (c *Cluster) URLs() []string {
	urls := make([]string, len(c.Insert))
	for i, s := range c.Insert {
		urls[i] = s.URL()
	}
	return urls
}
