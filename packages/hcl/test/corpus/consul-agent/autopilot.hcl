autopilot {
  cleanup_dead_servers = true
  last_contact_threshold = "200ms"
  max_trailing_logs = 250
  min_quorum = 3
  server_stabilization_time = "10s"
  redundancy_zone_tag = "az"
  disable_upgrade_migration = false
  upgrade_version_tag = ""
}
