package schema

// Schema URNs of the resources Roster serves (RFC 7643 §8.2) and of the
// protocol messages and meta resources (RFC 7644 §3, RFC 7643 §5–§7).
const (
	UserURN           = "urn:ietf:params:scim:schemas:core:2.0:User"
	GroupURN          = "urn:ietf:params:scim:schemas:core:2.0:Group"
	EnterpriseUserURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	// WS1BUserURN is the User extension of VMware Workspace ONE Broker,
	// whose attributes Microsoft Entra ID's gallery connectors send.
	WS1BUserURN = "urn:ietf:params:scim:schemas:extension:ws1b:2.0:User"

	ListResponseURN  = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	PatchOpURN       = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	ErrorURN         = "urn:ietf:params:scim:api:messages:2.0:Error"
	SearchRequestURN = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	BulkRequestURN   = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	BulkResponseURN  = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"

	ServiceProviderConfigURN = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	ResourceTypeURN          = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	SchemaURN                = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)
