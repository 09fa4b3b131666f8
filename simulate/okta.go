package simulate

import (
	"context"
	"fmt"
)

// okta plays Okta's provisioning, as Okta's SCIM 2.0 guide documents it:
// Test Connection lists two users; every user is looked up by userName
// (with startIndex and count) before it is created; profile changes are PUTs
// of the whole user; groups are pushed with their first members, then
// given more and have one taken out by PATCH, and renamed; deactivation is
// a PATCH without a path; Okta deactivates people rather than deleting
// them, and deletes a group whose push is removed.
func (c *client) okta(ctx context.Context, people []*person, groups []string) error {
	_, status, err := c.send(ctx, "Test Connection", "GET", "/Users?startIndex=1&count=2", nil)
	if err != nil {
		return err
	}
	if status != 200 {
		return fmt.Errorf("the Test Connection request was answered %d: Okta stops here and shows the error", status)
	}
	for i, p := range people {
		found, _, err := c.send(ctx, "look up "+p.userName, "GET", filterPath("/Users", "userName", p.userName, "startIndex=1&count=100"), nil)
		if err != nil {
			return err
		}
		if p.id = firstID(found); p.id != "" {
			continue
		}
		p.ext = fmt.Sprintf("00u%04x%013d", c.o.Seed&0xffff, i+1)
		body, _, err := c.send(ctx, "create "+p.userName, "POST", "/Users", oktaUser(p, nil))
		if err != nil {
			return err
		}
		p.id = idOf(body)
	}
	ps := created(people)
	if len(ps) < 2 {
		return fmt.Errorf("%d of %d people were created: Okta would show the others as failed tasks", len(ps), len(people))
	}

	var groupIDs []string
	for i, name := range groups {
		found, _, err := c.send(ctx, "look up group "+name, "GET", filterPath("/Groups", "displayName", name, "startIndex=1&count=100"), nil)
		if err != nil {
			return err
		}
		mine := groupsOf(ps, len(groups))[i]
		half := (len(mine) + 1) / 2
		id := firstID(found) // matched: Okta links the pushed group to it
		if id == "" {
			body, _, err := c.send(ctx, fmt.Sprintf("push group %s with %d members", name, half), "POST", "/Groups", map[string]any{
				"schemas": []string{groupSchema}, "displayName": name, "members": members(mine[:half], true),
			})
			if err != nil {
				return err
			}
			id = idOf(body)
		}
		groupIDs = append(groupIDs, id)
		if id == "" || len(mine) == half {
			continue
		}
		if _, _, err := c.send(ctx, fmt.Sprintf("add %d members to %s", len(mine)-half, name), "PATCH", "/Groups/"+id,
			patch(map[string]any{"op": "add", "path": "members", "value": members(mine[half:], true)})); err != nil {
			return err
		}
	}

	first, second := ps[0], ps[1]
	first.title = "Senior " + first.title
	if _, _, err := c.send(ctx, "update the profile of "+first.userName, "PUT", "/Users/"+first.id, oktaUser(first, nil)); err != nil {
		return err
	}
	if _, _, err := c.send(ctx, "assign the role Admin to "+second.userName, "PUT", "/Users/"+second.id,
		oktaUser(second, []map[string]any{{"value": "Admin", "display": "Admin", "primary": true}})); err != nil {
		return err
	}
	if id := groupIDs[0]; id != "" {
		if _, _, err := c.send(ctx, "take "+first.userName+" out of "+groups[0], "PATCH", "/Groups/"+id,
			patch(map[string]any{"op": "remove", "path": fmt.Sprintf("members[value eq %q]", first.id)})); err != nil {
			return err
		}
		if _, _, err := c.send(ctx, "rename "+groups[0], "PATCH", "/Groups/"+id,
			patch(map[string]any{"op": "replace", "value": map[string]any{"id": id, "displayName": groups[0] + " (renamed)"}})); err != nil {
			return err
		}
	}
	leaver := ps[len(ps)-1]
	if _, _, err := c.send(ctx, "deactivate "+leaver.userName, "PATCH", "/Users/"+leaver.id,
		patch(map[string]any{"op": "replace", "value": map[string]any{"active": false}})); err != nil {
		return err
	}
	if id := groupIDs[len(groupIDs)-1]; id != "" {
		_, _, err = c.send(ctx, "delete group "+groups[len(groups)-1]+" (push removed)", "DELETE", "/Groups/"+id, nil)
	}
	return err
}

// oktaUser is the user Okta sends for p, with Okta's own id as its
// externalId: on create without Roster's id, on update the whole user with it.
func oktaUser(p *person, roles []map[string]any) map[string]any {
	u := map[string]any{
		"schemas":     []string{userSchema},
		"userName":    p.userName,
		"name":        map[string]any{"givenName": p.given, "familyName": p.family},
		"emails":      []map[string]any{{"primary": true, "value": p.userName, "type": "work"}},
		"displayName": p.given + " " + p.family,
		"locale":      "en-US",
		"title":       p.title,
		"externalId":  p.ext,
		"groups":      []any{},
		"active":      true,
	}
	if p.id != "" {
		u["id"] = p.id
	}
	if roles != nil {
		u["roles"] = roles
	}
	return u
}
