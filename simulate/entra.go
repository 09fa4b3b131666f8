package simulate

import (
	"context"
	"fmt"
)

// entra plays Microsoft Entra ID's provisioning, as Microsoft Learn documents
// it ("Develop and plan provisioning for a SCIM endpoint"): Test Connection
// looks up a random userName; every user is looked up by userName before it
// is created; groups are looked up by displayName without their members,
// created empty and given members by PATCH; changes and deactivation are
// PATCHes; a person out of scope is deleted.
func (c *client) entra(ctx context.Context, people []*person, groups []string) error {
	_, status, err := c.send(ctx, "Test Connection", "GET",
		filterPath("/Users", "userName", fmt.Sprintf("%08x-4a8d-4c8a-9a55-0d3b51a2b9c1", c.o.Seed&0xffffffff), ""), nil)
	if err != nil {
		return err
	}
	if status != 200 {
		return fmt.Errorf("the Test Connection request was answered %d: Entra stops here and shows the error", status)
	}
	for _, p := range people {
		found, _, err := c.send(ctx, "look up "+p.userName, "GET", filterPath("/Users", "userName", p.userName, ""), nil)
		if err != nil {
			return err
		}
		if p.id = firstID(found); p.id != "" {
			continue // matched: Entra updates it instead of creating a twin
		}
		body, _, err := c.send(ctx, "create "+p.userName, "POST", "/Users", map[string]any{
			"schemas":    []string{userSchema, enterpriseSchema},
			"externalId": p.nick, "userName": p.userName, "active": true,
			"displayName":    p.given + " " + p.family,
			"emails":         []map[string]any{{"primary": true, "type": "work", "value": p.userName}},
			"meta":           map[string]any{"resourceType": "User"},
			"name":           map[string]any{"formatted": p.given + " " + p.family, "familyName": p.family, "givenName": p.given},
			"title":          p.title,
			"roles":          []any{},
			enterpriseSchema: map[string]any{"department": p.department},
		})
		if err != nil {
			return err
		}
		p.id = idOf(body)
	}
	ps := created(people)
	if len(ps) < 2 {
		return fmt.Errorf("%d of %d people were created: Entra would retry them in its next cycle", len(ps), len(people))
	}

	var groupIDs []string
	for i, name := range groups {
		found, _, err := c.send(ctx, "look up group "+name, "GET", filterPath("/Groups", "displayName", name, "excludedAttributes=members"), nil)
		if err != nil {
			return err
		}
		id := firstID(found) // matched: Entra gives it members instead of creating a twin
		if id == "" {
			body, _, err := c.send(ctx, "create group "+name, "POST", "/Groups", map[string]any{
				"schemas": []string{groupSchema}, "externalId": fmt.Sprintf("%08x-0000-4000-8000-%012x", c.o.Seed&0xffffffff, i+1),
				"displayName": name, "members": []any{},
			})
			if err != nil {
				return err
			}
			id = idOf(body)
		}
		groupIDs = append(groupIDs, id)
		if id == "" {
			continue
		}
		for batch := range chunks(groupsOf(ps, len(groups))[i], 50) {
			if _, _, err := c.send(ctx, fmt.Sprintf("add %d members to %s", len(batch), name), "PATCH", "/Groups/"+id,
				patch(map[string]any{"op": "Add", "path": "members", "value": members(batch, false)})); err != nil {
				return err
			}
		}
	}

	first, second := ps[0], ps[1]
	if _, _, err := c.send(ctx, "change the title and department of "+first.userName, "PATCH", "/Users/"+first.id, patch(
		map[string]any{"op": "Replace", "path": "title", "value": "Senior " + first.title},
		map[string]any{"op": "Replace", "path": enterpriseSchema + ":department", "value": "Platform"},
	)); err != nil {
		return err
	}
	if _, _, err := c.send(ctx, "assign the role Admin to "+second.userName, "PATCH", "/Users/"+second.id, patch(
		map[string]any{"op": "Add", "path": "roles", "value": []map[string]any{{"primary": "True", "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}}},
	)); err != nil {
		return err
	}
	if groupIDs[0] != "" {
		if _, _, err := c.send(ctx, "take "+first.userName+" out of "+groups[0], "PATCH", "/Groups/"+groupIDs[0],
			patch(map[string]any{"op": "Remove", "path": "members", "value": []map[string]any{{"value": first.id}}})); err != nil {
			return err
		}
	}
	leaver, gone := ps[len(ps)-2], ps[len(ps)-1]
	if _, _, err := c.send(ctx, "deactivate "+leaver.userName, "PATCH", "/Users/"+leaver.id,
		patch(map[string]any{"op": "Replace", "path": "active", "value": false})); err != nil {
		return err
	}
	_, _, err = c.send(ctx, "delete "+gone.userName+" (out of scope)", "DELETE", "/Users/"+gone.id, nil)
	return err
}

// chunks yields ps in slices of at most n.
func chunks(ps []*person, n int) func(yield func([]*person) bool) {
	return func(yield func([]*person) bool) {
		for len(ps) > 0 {
			k := min(n, len(ps))
			if !yield(ps[:k]) {
				return
			}
			ps = ps[k:]
		}
	}
}

// firstID returns the id of a list response's first resource, "" for none.
func firstID(list map[string]any) string {
	rs, _ := list["Resources"].([]any)
	if len(rs) == 0 {
		return ""
	}
	m, _ := rs[0].(map[string]any)
	return idOf(m)
}
