package schema

// This file holds the schemas Roster serves by default: the core User and
// Group schemas and the enterprise User extension of RFC 7643 §4, with the
// characteristics of their representation in RFC 7643 §8.7.1, the common
// attributes of RFC 7643 §3.1, and the Workspace ONE Broker (ws1b) User
// extension that Microsoft Entra ID's gallery connectors send (Microsoft lists
// its attributes in the Oneflow provisioning tutorial).
//
// Deviations from §8.7.1, each for a reason:
//   - Group displayName is required, as the text of §4.2 says (the JSON of
//     §8.7.1 says false).
//   - Group members has a "display" sub-attribute (readWrite), which §4.2
//     allows and clients send.
//   - addresses has a "primary" sub-attribute, which §2.4 gives every
//     multi-valued attribute and Entra ID sends.
//   - members.value is required: a member without a value names nothing.
//   - members.value is caseExact: it holds the id of a Roster resource, and ids
//     are case-exact (§3.1). Member filters are then served from the member index.
//   - roles has a "displayName" sub-attribute (readWrite) besides "display":
//     Microsoft documents Entra ID's AppRoleAssignmentsComplex POST with
//     roles[].displayName, and its other role examples with display.

// attr returns a single-valued, optional, readWrite attribute returned by
// default, with no uniqueness: the characteristics most attributes have.
func attr(name string, t Type, desc string, subs ...*Attribute) *Attribute {
	return &Attribute{
		Name: name, Type: t, Description: desc, SubAttributes: subs,
		Mutability: readWrite, Returned: returnedDefault, Uniqueness: uniqueNone,
	}
}

// multi returns a multi-valued complex attribute with sub-attributes subs.
func multi(name, desc string, subs ...*Attribute) *Attribute {
	a := attr(name, Complex, desc, subs...)
	a.MultiValued = true
	return a
}

func withCanonical(a *Attribute, values ...string) *Attribute {
	a.CanonicalValues = values
	return a
}

func withRefs(a *Attribute, types ...string) *Attribute {
	a.ReferenceTypes = types
	return a
}

func withMutability(m string, attrs ...*Attribute) {
	for _, a := range attrs {
		a.Mutability = m
	}
}

// plural returns the sub-attributes of RFC 7643 §2.4 for a multi-valued
// attribute: value, display, type (with canonical values) and primary.
func plural(value *Attribute, canonical ...string) []*Attribute {
	return []*Attribute{
		value,
		attr("display", String, "A human-readable name, primarily used for display purposes."),
		withCanonical(attr("type", String, "A label indicating the attribute's function."), canonical...),
		attr("primary", Boolean, "A Boolean value indicating the 'primary' or preferred value of the attribute; true appears at most once."),
	}
}

func userSchema() *Schema {
	userName := attr("userName", String, "Unique identifier for the User, typically used by the user to directly authenticate to the service provider. REQUIRED.")
	userName.Required = true
	userName.Uniqueness = uniqueServer

	password := attr("password", String, "The User's cleartext password, used to set an initial password or reset it.")
	password.Mutability = writeOnly
	password.Returned = returnedNever

	addresses := multi("addresses", "Physical mailing addresses of the User.",
		attr("formatted", String, "The full mailing address, formatted for display or use with a mailing label."),
		attr("streetAddress", String, "The full street address component."),
		attr("locality", String, "The city or locality component."),
		attr("region", String, "The state or region component."),
		attr("postalCode", String, "The zip code or postal code component."),
		attr("country", String, "The country name component."),
		withCanonical(attr("type", String, "A label indicating the attribute's function, e.g., 'work' or 'home'."), "work", "home", "other"),
		attr("primary", Boolean, "A Boolean value indicating the primary address; true appears at most once."),
	)

	groups := multi("groups", "The groups the User belongs to, directly or through nested groups. READ-ONLY.",
		attr("value", String, "The identifier of the User's group."),
		withRefs(attr("$ref", Reference, "The URI of the corresponding Group resource."), "User", "Group"),
		attr("display", String, "A human-readable name, primarily used for display purposes."),
		withCanonical(attr("type", String, "A label indicating the membership, 'direct' or 'indirect'."), "direct", "indirect"),
	)
	withMutability(readOnly, append([]*Attribute{groups}, groups.SubAttributes...)...)

	x509 := multi("x509Certificates", "A list of certificates issued to the User.",
		plural(attr("value", Binary, "The value of an X.509 certificate."))...)

	return &Schema{
		ID: UserURN, Name: "User", Description: "User Account",
		Attributes: []*Attribute{
			userName,
			attr("name", Complex, "The components of the User's real name.",
				attr("formatted", String, "The full name, including all middle names, titles, and suffixes, formatted for display."),
				attr("familyName", String, "The family name of the User, or last name."),
				attr("givenName", String, "The given name of the User, or first name."),
				attr("middleName", String, "The middle name(s) of the User."),
				attr("honorificPrefix", String, "The honorific prefix(es) of the User, or title."),
				attr("honorificSuffix", String, "The honorific suffix(es) of the User, or suffix."),
			),
			attr("displayName", String, "The name of the User, suitable for display to end-users."),
			attr("nickName", String, "The casual way to address the User in real life."),
			withRefs(attr("profileUrl", Reference, "A fully qualified URL pointing to a page representing the User's online profile."), "external"),
			attr("title", String, "The User's title, such as \"Vice President\"."),
			attr("userType", String, "The relationship between the organization and the User, e.g., 'Employee' or 'Contractor'."),
			attr("preferredLanguage", String, "The User's preferred written or spoken language, e.g., 'en-US'."),
			attr("locale", String, "The User's default location for localizing currency, dates and numbers, e.g., 'en-US'."),
			attr("timezone", String, "The User's time zone in IANA time zone database format, e.g., 'America/Los_Angeles'."),
			attr("active", Boolean, "A Boolean value indicating the User's administrative status."),
			password,
			multi("emails", "Email addresses for the User.",
				plural(attr("value", String, "An email address for the User."), "work", "home", "other")...),
			multi("phoneNumbers", "Phone numbers for the User.",
				plural(attr("value", String, "A phone number for the User."), "work", "home", "mobile", "fax", "pager", "other")...),
			multi("ims", "Instant messaging addresses for the User.",
				plural(attr("value", String, "An instant messaging address for the User."), "aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo")...),
			multi("photos", "URLs of photos of the User.",
				plural(withRefs(attr("value", Reference, "The URL of a photo of the User."), "external"), "photo", "thumbnail")...),
			addresses,
			groups,
			multi("entitlements", "A list of entitlements for the User that represent a thing the User has.",
				plural(attr("value", String, "The value of an entitlement."))...),
			multi("roles", "A list of roles for the User that collectively represent who the User is.",
				append(plural(attr("value", String, "The value of a role.")),
					attr("displayName", String, "A human-readable name of the role, as Entra ID's AppRoleAssignmentsComplex sends it."))...),
			x509,
		},
	}
}

func groupSchema() *Schema {
	displayName := attr("displayName", String, "A human-readable name for the Group. REQUIRED.")
	displayName.Required = true

	value := attr("value", String, "The identifier of the member.")
	value.Required, value.CaseExact = true, true
	ref := withRefs(attr("$ref", Reference, "The URI of the corresponding member resource."), "User", "Group")
	typ := withCanonical(attr("type", String, "The type of the member, 'User' or 'Group'."), "User", "Group")
	withMutability(immutable, value, ref, typ)
	members := multi("members", "A list of members of the Group.",
		value, ref, attr("display", String, "A human-readable name of the member, primarily used for display purposes."), typ)

	return &Schema{
		ID: GroupURN, Name: "Group", Description: "Group",
		Attributes: []*Attribute{displayName, members},
	}
}

func enterpriseSchema() *Schema {
	displayName := attr("displayName", String, "The displayName of the User's manager. READ-ONLY.")
	displayName.Mutability = readOnly
	return &Schema{
		ID: EnterpriseUserURN, Name: "EnterpriseUser", Description: "Enterprise User",
		Attributes: []*Attribute{
			attr("employeeNumber", String, "Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization."),
			attr("costCenter", String, "Identifies the name of a cost center."),
			attr("organization", String, "Identifies the name of an organization."),
			attr("division", String, "Identifies the name of a division."),
			attr("department", String, "Identifies the name of a department."),
			attr("manager", Complex, "The User's manager.",
				attr("value", String, "The id of the SCIM resource representing the User's manager."),
				withRefs(attr("$ref", Reference, "The URI of the SCIM resource representing the User's manager."), "User"),
				displayName,
			),
		},
	}
}

// ws1bSchema is the Workspace ONE Broker User extension: single-valued,
// optional, readWrite strings, as the attribute lists of Microsoft Entra ID's
// provisioning tutorials give them.
func ws1bSchema() *Schema {
	return &Schema{
		ID: WS1BUserURN, Name: "ws1bUser", Description: "Workspace ONE Broker User",
		Attributes: []*Attribute{
			attr("adSourceAnchor", String, "The User's source anchor in Active Directory."),
			attr("customAttribute1", String, "Custom attribute 1."),
			attr("customAttribute2", String, "Custom attribute 2."),
			attr("customAttribute3", String, "Custom attribute 3."),
			attr("customAttribute4", String, "Custom attribute 4."),
			attr("customAttribute5", String, "Custom attribute 5."),
			attr("distinguishedName", String, "The User's distinguished name in Active Directory."),
			attr("domain", String, "The User's domain."),
			attr("userPrincipalName", String, "The User's user principal name."),
		},
	}
}

// commonAttributes returns id, externalId and meta (RFC 7643 §3.1), which
// every resource has and no schema lists.
func commonAttributes() []*Attribute {
	id := attr("id", String, "A unique identifier for the resource, issued by the service provider. READ-ONLY.")
	id.CaseExact = true
	id.Mutability = readOnly
	id.Returned = returnedAlways
	id.Uniqueness = uniqueServer

	externalID := attr("externalId", String, "An identifier for the resource as defined by the provisioning client.")
	externalID.CaseExact = true

	resourceType := attr("resourceType", String, "The name of the resource type of the resource.")
	resourceType.CaseExact = true
	version := attr("version", String, "The version (entity tag) of the resource.")
	version.CaseExact = true
	meta := attr("meta", Complex, "Resource metadata. READ-ONLY.",
		resourceType,
		attr("created", DateTime, "The date and time the resource was added to the service provider."),
		attr("lastModified", DateTime, "The most recent date and time the resource was modified."),
		withRefs(attr("location", Reference, "The URI of the resource being returned."), "uri"),
		version,
	)
	withMutability(readOnly, append([]*Attribute{id, meta}, meta.SubAttributes...)...)
	return []*Attribute{id, externalID, meta}
}
