gossip_lan {
  gossip_nodes = 3
  gossip_interval = "200ms"
  probe_interval = "1s"
  probe_timeout = "500ms"
  suspicion_mult = 4
  retransmit_mult = 4
}

gossip_wan {
  gossip_nodes = 4
  gossip_interval = "500ms"
  probe_interval = "5s"
  probe_timeout = "3s"
  suspicion_mult = 6
  retransmit_mult = 4
}

reconnect_timeout = "72h"
reconnect_timeout_wan = "72h"
