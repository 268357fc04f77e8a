segments = [
  {
    name = "alpha"
    bind = "{{ GetPrivateIP }}"
    advertise = "{{ GetPrivateIP }}"
    port = 8303
  },
  {
    name = "beta"
    bind = "{{ GetPrivateIP }}"
    port = 8304
    rpc_listener = true
  }
]
segment = "alpha"
