raft_protocol = 3
raft_snapshot_threshold = 16384
raft_snapshot_interval = "30s"
raft_trailing_logs = 10240
raft_boltdb {
  NoFreelistSync = true
}
raft_logstore {
  backend = "wal"
  disable_log_cache = false
  verification {
    enabled = true
    interval = "60s"
  }
  wal {
    segment_size_mb = 64
  }
}
