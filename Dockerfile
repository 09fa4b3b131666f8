# Roster's container image: the static binary on distroless, run as an
# unprivileged user. From the repository's root:
#
#   docker build -t roster .
#   docker run -d --name roster -p 8080:8080 -v roster-data:/data roster
#   docker logs roster        # the first token, printed once
#
# docs/install.md has the rest (PostgreSQL, the admin listener, upgrades).

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static: Roster's SQLite is modernc.org/sqlite, pure Go, so it needs neither
# cgo nor a libc. The directory is the SQLite volume's mount point.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/roster ./cmd/roster \
	&& mkdir /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/roster /usr/local/bin/roster
COPY --from=build --chown=65532:65532 /out/data /data
# distroless's "nonroot" user.
USER 65532:65532
# In a container the listeners must take every interface (Docker's port
# mapping reaches the container's own address, not its loopback). The admin
# listener (metrics, health, no credential) is published to no one unless you
# say so: keep it on a private network. ROSTER_DB puts SQLite on the volume:
# roster.db, roster-log.db, their -wal and -shm, and roster.db.key, the key
# that seals sign-in secrets (back it up with the database).
ENV ROSTER_ADDR=0.0.0.0:8080 \
	ROSTER_ADMIN_ADDR=0.0.0.0:8079 \
	ROSTER_DB=sqlite:/data/roster.db
VOLUME ["/data"]
EXPOSE 8080 8079
ENTRYPOINT ["/usr/local/bin/roster"]
CMD ["serve"]
