package doctor

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/rosterhq/roster/sso"
)

const nameSecretKey = "secret key"

// backUp reminds what the secret key is for.
const backUp = "back it up with the database: the sign-in secrets and webhook signing secrets sealed under it are lost without it"

// checkSecretKey checks the key that seals secrets at rest: ROSTER_SECRET_KEY
// when set (it must parse), else on SQLite the key file beside the database,
// which must be readable by its owner only and owned by the user running
// this command. On PostgreSQL without ROSTER_SECRET_KEY, sign-in is off and
// webhook signing secrets are stored as they are: a warning.
func (d *Doctor) checkSecretKey() Result {
	r := Result{Name: nameSecretKey}
	switch {
	case d.cfg.SecretKey != "":
		if _, err := sso.ParseKey(d.cfg.SecretKey); err != nil {
			r.Verdict, r.Detail = Fail, "ROSTER_SECRET_KEY: "+err.Error()
			r.Fix = "set ROSTER_SECRET_KEY to the base64 of 32 random bytes (openssl rand -base64 32), the same on every instance"
			return r
		}
		r.Detail = "from ROSTER_SECRET_KEY; " + backUp
		return r
	case d.cfg.KeyFile == "":
		r.Verdict = Warn
		r.Detail = "ROSTER_SECRET_KEY is not set: on PostgreSQL, sign-in is off and webhook signing secrets are stored as they are"
		r.Fix = "set ROSTER_SECRET_KEY to the base64 of 32 random bytes (openssl rand -base64 32), the same on every instance"
		return r
	}
	return checkKeyFile(d.cfg.KeyFile, os.Getuid())
}

// checkKeyFile checks the key file at path: mode 0600 (or stricter) and
// owned by uid.
func checkKeyFile(path string, uid int) Result {
	r := Result{Name: nameSecretKey}
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		r.Verdict = Warn
		r.Detail = fmt.Sprintf("no key file %s: roster serve creates one as it starts; if a server already ran on this database, "+
			"the key was moved or lost and the secrets sealed under it cannot be opened", path)
		r.Fix = "restore " + path + " from the backup of the database, or start roster serve to create it"
		return r
	case err != nil:
		r.Verdict, r.Detail = Fail, err.Error()
		r.Fix = "let the user roster serve runs as read " + path
		return r
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		r.Verdict = Fail
		r.Detail = fmt.Sprintf("%s has mode %04o: other users of this machine can read the key that seals sign-in secrets", path, perm)
		r.Fix = "chmod 600 " + path
		return r
	}
	if owner, ok := fileOwner(info); ok && owner != uid {
		r.Verdict = Fail
		r.Detail = fmt.Sprintf("%s is owned by uid %d, not by uid %d running this command", path, owner, uid)
		r.Fix = "chown the file to the user roster serve runs as (chown USER " + path + "), and run roster doctor as that user"
		return r
	}
	r.Detail = path + " is readable by its owner only; " + backUp
	return r
}
