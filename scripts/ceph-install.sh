#!/usr/bin/env bash
# Install the Debian packages of a single-node Ceph cluster with radosgw (the S3 server the
# locker tests run against). Installs nothing when they are already there.
set -euo pipefail
missing=()
for tool in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph curl; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
  ceph-mon ceph-osd radosgw ceph-common ceph-base curl
