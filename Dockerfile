# The image of the GitHub Action (action.yml) and of the GitLab template
# (ci/gitlab/gatekeeper.gitlab-ci.yml): Debian 12, the platform `make check`
# is proven on, with the runtime packages, PostgreSQL 15 for the replay's
# private cluster, and gatekeeper built from this tree with `make`.
#
# One stage, and only FROM, ENV, COPY, RUN and ENTRYPOINT: `make image-test`
# (ci/image-test.sh) replays exactly these steps in a debootstrap chroot,
# where no Docker daemon is available, and refuses any other instruction.
#
# No USER line: GitHub runs Docker actions as the image's default user, and
# only root can read the mounted workspace whatever its owner.  The
# entrypoint (ci/github/entrypoint.sh) runs gatekeeper as the owner of the
# workspace instead, never as root, so that the private PostgreSQL cluster
# runs as that user and git trusts the repository.
FROM debian:12

ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8

# postgresql-common first, told not to create the "main" cluster: gatekeeper
# starts its own private clusters and needs none of the package's.
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-common \
 && sed -i 's/^#* *create_main_cluster *=.*/create_main_cluster = false/' /etc/postgresql-common/createcluster.conf \
 && apt-get install -y --no-install-recommends \
	build-essential pkg-config \
	libpg-query-dev libprotobuf-c-dev libpq-dev libgit2-dev libxml2-dev \
	libjansson-dev libyaml-dev libssl-dev \
	postgresql-15 git ca-certificates \
 && rm -rf /var/lib/apt/lists/*

COPY . /usr/src/gatekeeper

# make (the build directory is not part of the context: .dockerignore), then
# the binary and the entrypoint on the PATH, and a non-root user with the uid
# of GitHub's hosted runner (1001) for runs outside a workspace.
RUN make -C /usr/src/gatekeeper -j"$(nproc)" build/gatekeeper \
 && make -C /usr/src/gatekeeper PREFIX=/usr/local install \
 && install -m 0755 /usr/src/gatekeeper/ci/github/entrypoint.sh /usr/local/bin/gatekeeper-action \
 && rm -rf /usr/src/gatekeeper/build \
 && useradd --uid 1001 --create-home --shell /bin/sh gatekeeper \
 && gatekeeper --version

ENTRYPOINT ["/usr/local/bin/gatekeeper-action"]
