// The article's two HAProxy templates, exactly as printed (its code blocks lost their line breaks): the lines of
// shared/seed/consul-orchestration-intro.ja.txt that hold them, kept here so a fresh clone's tests need no file
// outside the repository.
export const ARTICLE_HAPROXY = "global log /dev/log local0 log /dev/log local1 notice chroot /var/lib/haproxy user haproxy group haproxy daemon frontend main *:80 default_backend web backend web balance roundrobin{{range service \"web\"}} server {{.ID}} {{.Address}}:{{.Port}} check{{end}} |";

export const ARTICLE_BLUE_GREEN = "global log /dev/log local0 log /dev/log local1 notice chroot /var/lib/haproxy user haproxy group haproxy daemon frontend main *:80 default_backend web backend web {{$state := (key \"service/web/state\")}} bind *:{{if eq $state \"green\"}}8080{{else}}80{{end}}{{range service \"blue.web\"}} server {{.ID}} {{.Address}}:{{.Port}}{{end}} bind *:{{if eq $state \"green\"}}80{{else}}8080{{end}}{{range service \"green.web\"}} server {{.ID}} {{.Address}}:{{.Port}}{{end}} |";
