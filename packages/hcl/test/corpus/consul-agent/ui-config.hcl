ui_config {
  enabled = true
  dir = "/opt/consul/ui"
  content_path = "/ui/"
  metrics_provider = "prometheus"
  metrics_provider_options_json = <<EOT
{
  "foo": "bar"
}
EOT
  metrics_proxy {
    base_url = "http://prometheus-server"
    add_headers = [
      {
        name = "Authorization"
        value = "Bearer <token>"
      },
      {
        name = "X-Scope-OrgID"
        value = "tenant-1"
      }
    ]
    path_allowlist = ["/api/v1/query_range", "/api/v1/query"]
  }
  dashboard_url_templates {
    service = "https://grafana.example.com/d/lDlaj-NGz/service-overview?orgId=1&var-service={{Service.Name}}&var-namespace={{Service.Namespace}}&var-dc={{Datacenter}}"
  }
}
