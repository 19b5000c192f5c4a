package shipper

import (
	"go.slogx.dev/internal/sink"
	"go.slogx.dev/internal/spool"
)

// Spool configures a face's on-disk spool (Options.Spool); the faces alias
// it and document it for their users.
type Spool = spool.Options

// SyncPolicy selects when the spool forces its data to stable storage.
type SyncPolicy = spool.Sync

// SpoolStats are the spool's figures in [Stats].
type SpoolStats = sink.SpoolStats
