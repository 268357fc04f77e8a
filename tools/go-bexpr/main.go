// go-bexpr answers ?filter cases with go-bexpr 0.1.2 itself (Debian's golang-github-hashicorp-go-bexpr-dev, the
// version Consul pinned for years), over Go structs that mirror the ones Consul 1.8 filters (agent/structs and
// api), for packages/http-api's conformance tests. Reads one JSON request on stdin:
//
//	{"fields": true}                                   -> the field configurations of every type
//	{"cases": [{"type", "expression", "items": [...]}]} -> per case {"error"} or {"matches": [bool per item]}
//
// Items are decoded from JSON into the named type, as Consul's own values would be.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"

	"github.com/hashicorp/go-bexpr"
)

// RaftIndex, EnterpriseMeta and the other `bexpr:"-"` fields are kept where Consul has them, so reflection walks
// the same struct shapes.
type RaftIndex struct {
	CreateIndex uint64 `bexpr:"-"`
	ModifyIndex uint64 `bexpr:"-"`
}

type Node struct {
	ID              string
	Node            string
	Address         string
	Datacenter      string
	TaggedAddresses map[string]string
	Meta            map[string]string

	RaftIndex `bexpr:"-"`
}

type Weights struct {
	Passing int
	Warning int
}

type ServiceAddress struct {
	Address string
	Port    int
}

type MeshGatewayConfig struct {
	Mode string
}

type Upstream struct {
	DestinationType      string
	DestinationNamespace string
	DestinationName      string
	Datacenter           string
	LocalBindAddress     string
	LocalBindPort        int
	Config               map[string]interface{} `bexpr:"-"`
	MeshGateway          MeshGatewayConfig
}

type ExposePath struct {
	ListenerPort    int
	Path            string
	LocalPathPort   int
	Protocol        string
	ParsedFromCheck bool
}

type ExposeConfig struct {
	Checks bool
	Paths  []ExposePath
}

type ConnectProxyConfig struct {
	DestinationServiceName string
	DestinationServiceID   string
	LocalServiceAddress    string
	LocalServicePort       int
	Config                 map[string]interface{} `bexpr:"-"`
	Upstreams              []Upstream
	MeshGateway            MeshGatewayConfig
	Expose                 ExposeConfig
}

type ServiceDefinition struct{ Name string }

type ServiceConnect struct {
	Native         bool
	SidecarService *ServiceDefinition `bexpr:"-"`
}

type ServiceNode struct {
	ID                       string
	Node                     string
	Address                  string
	Datacenter               string
	TaggedAddresses          map[string]string
	NodeMeta                 map[string]string
	ServiceKind              string
	ServiceID                string
	ServiceName              string
	ServiceTags              []string
	ServiceAddress           string
	ServiceTaggedAddresses   map[string]ServiceAddress
	ServiceWeights           Weights
	ServiceMeta              map[string]string
	ServicePort              int
	ServiceEnableTagOverride bool
	ServiceProxy             ConnectProxyConfig
	ServiceConnect           ServiceConnect

	RaftIndex `bexpr:"-"`
}

type NodeService struct {
	Kind                       string
	ID                         string
	Service                    string
	Tags                       []string
	Address                    string
	TaggedAddresses            map[string]ServiceAddress
	Meta                       map[string]string
	Port                       int
	Weights                    *Weights
	EnableTagOverride          bool
	Proxy                      ConnectProxyConfig
	Connect                    ServiceConnect
	LocallyRegisteredAsSidecar bool `bexpr:"-"`

	RaftIndex `bexpr:"-"`
}

type HealthCheckDefinition struct {
	HTTP   string
	Header map[string][]string
}

type HealthCheck struct {
	Node        string
	CheckID     string
	Name        string
	Status      string
	Notes       string
	Output      string
	ServiceID   string
	ServiceName string
	ServiceTags []string
	Type        string
	Definition  HealthCheckDefinition `bexpr:"-"`

	RaftIndex `bexpr:"-"`
}

type CheckServiceNode struct {
	Node    *Node
	Service *NodeService
	Checks  []*HealthCheck
}

type AgentWeights struct {
	Passing int
	Warning int
}

type AgentServiceConnectProxyConfig struct {
	DestinationServiceName string
	DestinationServiceID   string
	LocalServiceAddress    string
	LocalServicePort       int
	Config                 map[string]interface{} `bexpr:"-"`
	Upstreams              []Upstream
	MeshGateway            MeshGatewayConfig
	Expose                 ExposeConfig
}

type AgentServiceConnect struct {
	Native         bool
	SidecarService *ServiceDefinition `bexpr:"-"`
}

type AgentService struct {
	Kind              string
	ID                string
	Service           string
	Tags              []string
	Meta              map[string]string
	Port              int
	Address           string
	TaggedAddresses   map[string]ServiceAddress
	Weights           AgentWeights
	EnableTagOverride bool
	CreateIndex       uint64 `bexpr:"-"`
	ModifyIndex       uint64 `bexpr:"-"`
	ContentHash       string `bexpr:"-"`
	Proxy             *AgentServiceConnectProxyConfig
	Connect           *AgentServiceConnect
	Namespace         string `bexpr:"-"`
	Datacenter        string `bexpr:"-"`
}

type AgentMember struct {
	Name        string
	Addr        string
	Port        uint16
	Tags        map[string]string
	Status      int
	ProtocolMin uint8
	ProtocolMax uint8
	ProtocolCur uint8
	DelegateMin uint8
	DelegateMax uint8
	DelegateCur uint8
}

// The ACL list types (Consul 1.8's agent/structs/acl.go). Time stands in for time.Time: go-bexpr sees no exported
// field in either, and this one decodes from the JSON object the generator writes for a struct.
type Time struct{ wall, ext int64 }

type ACLTokenPolicyLink struct {
	ID   string
	Name string
}

type ACLTokenRoleLink struct {
	ID   string
	Name string
}

type ACLRolePolicyLink struct {
	ID   string
	Name string
}

type ACLServiceIdentity struct {
	ServiceName string
	Datacenters []string
}

type ACLNodeIdentity struct {
	NodeName   string
	Datacenter string
}

type ACLTokenListStub struct {
	AccessorID        string
	SecretID          string
	Description       string
	Policies          []ACLTokenPolicyLink
	Roles             []ACLTokenRoleLink
	ServiceIdentities []*ACLServiceIdentity
	NodeIdentities    []*ACLNodeIdentity
	Local             bool
	AuthMethod        string
	ExpirationTime    *Time
	CreateTime        Time
	Hash              []byte
	CreateIndex       uint64
	ModifyIndex       uint64
	Legacy            bool
}

type ACLPolicyListStub struct {
	ID          string
	Name        string
	Description string
	Datacenters []string
	Hash        []byte
	CreateIndex uint64
	ModifyIndex uint64
}

type ACLRole struct {
	ID                string
	Name              string
	Description       string
	Policies          []ACLRolePolicyLink
	ServiceIdentities []*ACLServiceIdentity
	NodeIdentities    []*ACLNodeIdentity
	Hash              []byte
	RaftIndex         `bexpr:"-"`
}

var types = map[string]reflect.Type{
	"Node":              reflect.TypeOf(Node{}),
	"ServiceNode":       reflect.TypeOf(ServiceNode{}),
	"NodeService":       reflect.TypeOf(NodeService{}),
	"HealthCheck":       reflect.TypeOf(HealthCheck{}),
	"CheckServiceNode":  reflect.TypeOf(CheckServiceNode{}),
	"AgentService":      reflect.TypeOf(AgentService{}),
	"AgentMember":       reflect.TypeOf(AgentMember{}),
	"ACLTokenListStub":  reflect.TypeOf(ACLTokenListStub{}),
	"ACLPolicyListStub": reflect.TypeOf(ACLPolicyListStub{}),
	"ACLRole":           reflect.TypeOf(ACLRole{}),
}

type testCase struct {
	Type       string            `json:"type"`
	Expression string            `json:"expression"`
	Items      []json.RawMessage `json:"items"`
}

type result struct {
	Error   *string `json:"error,omitempty"`
	Matches []bool  `json:"matches,omitempty"`
}

type request struct {
	Fields bool       `json:"fields"`
	Cases  []testCase `json:"cases"`
}

// field is one selector's configuration: its operators, the kind its values are coerced to, its nested fields.
type field struct {
	Operators []string          `json:"operators"`
	Coerce    string            `json:"coerce,omitempty"`
	Sub       map[string]*field `json:"sub,omitempty"`
}

var coercions = map[uintptr]string{}

func init() {
	for name, fn := range map[string]bexpr.FieldValueCoercionFn{
		"string": bexpr.CoerceString, "bool": bexpr.CoerceBool, "int": bexpr.CoerceInt, "int8": bexpr.CoerceInt8,
		"int16": bexpr.CoerceInt16, "int32": bexpr.CoerceInt32, "int64": bexpr.CoerceInt64, "uint": bexpr.CoerceUint,
		"uint8": bexpr.CoerceUint8, "uint16": bexpr.CoerceUint16, "uint32": bexpr.CoerceUint32, "uint64": bexpr.CoerceUint64,
		"float32": bexpr.CoerceFloat32, "float64": bexpr.CoerceFloat64,
	} {
		coercions[reflect.ValueOf(fn).Pointer()] = name
	}
}

func describe(configs bexpr.FieldConfigurations) map[string]*field {
	if len(configs) == 0 {
		return nil
	}
	out := map[string]*field{}
	for name, cfg := range configs {
		f := &field{Operators: []string{}, Sub: describe(cfg.SubFields)}
		for _, op := range cfg.SupportedOperations {
			f.Operators = append(f.Operators, op.String())
		}
		sort.Strings(f.Operators)
		if cfg.CoerceFn != nil {
			f.Coerce = coercions[reflect.ValueOf(cfg.CoerceFn).Pointer()]
		}
		out[string(name)] = f
	}
	return out
}

func run(c testCase) (res result) {
	rtype, ok := types[c.Type]
	if !ok {
		s := "unknown type " + c.Type
		return result{Error: &s}
	}
	defer func() {
		if p := recover(); p != nil {
			s := fmt.Sprintf("panic: %v", p)
			res = result{Error: &s}
		}
	}()
	filter, err := bexpr.CreateFilter(c.Expression, nil, reflect.New(rtype).Elem().Interface())
	if err != nil {
		s := err.Error()
		return result{Error: &s}
	}
	matches := make([]bool, 0, len(c.Items))
	for _, raw := range c.Items {
		item := reflect.New(rtype)
		if err := json.Unmarshal(raw, item.Interface()); err != nil {
			panic(err)
		}
		one := reflect.MakeSlice(reflect.SliceOf(rtype), 0, 1)
		one = reflect.Append(one, item.Elem())
		kept, err := filter.Execute(one.Interface())
		if err != nil {
			s := err.Error()
			return result{Error: &s}
		}
		matches = append(matches, reflect.ValueOf(kept).Len() == 1)
	}
	return result{Matches: matches}
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		panic(err)
	}
	var out interface{}
	if req.Fields {
		all := map[string]map[string]*field{}
		for name, rtype := range types {
			configs, err := bexpr.GenerateFieldConfigurations(reflect.New(rtype).Elem().Interface())
			if err != nil {
				panic(err)
			}
			all[name] = describe(configs)
		}
		out = all
	} else {
		results := make([]result, len(req.Cases))
		for i, c := range req.Cases {
			results[i] = run(c)
		}
		out = results
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		panic(err)
	}
}
