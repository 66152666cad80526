#!/usr/bin/env bash
# A throw-away single-node Ceph cluster with radosgw (S3 with Object Lock), for the locker tests
# and benchmarks. Everything listens on 127.0.0.1 only and lives in one folder; every daemon runs
# in the foreground under setsid and is stopped by the PID recorded when it was started (never by
# process name).
#
#   scripts/ceph-local.sh start DIR   create the cluster in DIR (must not exist), start it, create
#                                     an S3 user; writes DIR/env (S3 endpoint and the user's
#                                     throw-away keys, mode 0600) for the tests
#   scripts/ceph-local.sh stop DIR    stop the daemons by their recorded PIDs and remove DIR
#
# Measured on Ceph 16.2 (Debian 12): cephx defaults hang radosgw, so auth is off on every daemon
# alike, and radosgw's default 'secure' mon connection mode is relaxed to crc to match; a short
# paxos_propose_interval makes the first start fast; radosgw's daemon mode exits before it writes
# its PID file, hence the foreground; the OSD is bluestore on a sparse file (memstore would keep
# every object in RAM); without tcp_nodelay, beast delays every small response body by about
# 40 ms (Nagle's algorithm against the client's delayed ACK: each lock read of a push took 48 ms,
# 3 ms with it). Install the packages with scripts/ceph-install.sh (or .ci/run).
set -euo pipefail

MON_PORT="${CEPH_LOCAL_MON_PORT:-16790}"
MON_V1_PORT="${CEPH_LOCAL_MON_V1_PORT:-16789}"
RGW_PORT="${CEPH_LOCAL_RGW_PORT:-17480}"
OSD_SIZE="${CEPH_LOCAL_OSD_SIZE:-16G}"

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action="$1"
dir="$2"

say() { echo "ceph-local: $*" >&2; }

# Stop one daemon by the PID recorded at start; refuse a PID that now names another program.
stop_pid() {
  local name="$1" expect="$2" file="$dir/run/$1.pid"
  [ -f "$file" ] || return 0
  local pid
  pid="$(cat "$file")"
  if [ -n "$pid" ] && [ -d "/proc/$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$expect" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    if [ -d "/proc/$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$file"
}

stop_all() {
  stop_pid rgw radosgw
  stop_pid osd ceph-osd
  stop_pid mon ceph-mon
}

if [ "$action" = stop ]; then
  [ -d "$dir" ] || exit 0
  [ -f "$dir/ceph.conf" ] || { say "$dir does not hold a cluster made by this script; not touching it"; exit 3; }
  stop_all
  rm -rf "$dir"
  say "stopped"
  exit 0
fi
[ "$action" = start ] || usage

for tool in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph; do
  command -v "$tool" >/dev/null 2>&1 || { say "$tool is not installed (run scripts/ceph-install.sh)"; exit 3; }
done
[ -e "$dir" ] && { say "$dir already exists"; exit 2; }
# A cluster left running (by an earlier start whose stop never ran) holds these ports; starting a
# second one beside it fails late and obscurely, so say which port is taken and how to stop it.
for port in "$MON_PORT" "$MON_V1_PORT" "$RGW_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    say "127.0.0.1:$port is already in use (a cluster still running? stop it with: $0 stop ITS_DIR)"
    exit 3
  fi
done
mkdir -p "$dir"/{run,log,mon,osd/ceph-0,rgw}
dir="$(cd "$dir" && pwd)"
# A failed start leaves nothing running.
trap 'status=$?; if [ $status -ne 0 ]; then say "start failed; logs in $dir/log"; [ -n "${CEPH_LOCAL_KEEP_ON_FAILURE:-}" ] || stop_all; fi' EXIT

fsid="$(cat /proc/sys/kernel/random/uuid)"
conf="$dir/ceph.conf"
cat >"$conf" <<CONF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$MON_V1_PORT]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
# radosgw asks for a 'secure' connection mode to the mon by default, which auth 'none' cannot
# give (its first auth request fails with EACCES and it retries forever): crc everywhere.
ms mon client mode = crc
ms client mode = crc
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
keyring = $dir/keyring
mon data = $dir/mon/\$cluster-\$id
osd data = $dir/osd/\$cluster-\$id
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
paxos propose interval = 0.01
osd objectstore = bluestore
bluestore block path = $dir/osd/block
bluestore block create = true
bluestore block size = $(numfmt --from=iec "$OSD_SIZE")
bluestore fsck on mount = false
osd memory target = 939524096
bluestore cache autotune = false
bluestore cache size = 134217728
[client.rgw.local]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT tcp_nodelay=1
rgw data = $dir/rgw
rgw thread pool size = 32
CONF

t0=$(date +%s.%N)
monmaptool --create --addv a "[v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$MON_V1_PORT]" --fsid "$fsid" "$dir/monmap" >/dev/null
ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" >"$dir/log/mkfs-mon.out" 2>&1
setsid ceph-mon -f -c "$conf" -i a >"$dir/log/mon.out" 2>&1 < /dev/null &
echo $! >"$dir/run/mon.pid"

ceph_cmd() { timeout 20 ceph -c "$conf" --connect-timeout 10 "$@"; }
for _ in $(seq 1 100); do ceph_cmd mon stat >/dev/null 2>&1 && break; sleep 0.2; done
ceph_cmd mon stat >/dev/null

osd_uuid="$(cat /proc/sys/kernel/random/uuid)"
osd_id="$(ceph_cmd osd new "$osd_uuid")"
[ "$osd_id" = 0 ] || { say "unexpected OSD id $osd_id"; exit 3; }
ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$osd_uuid" >"$dir/log/mkfs-osd.out" 2>&1
setsid ceph-osd -f -c "$conf" -i 0 >"$dir/log/osd.out" 2>&1 < /dev/null &
echo $! >"$dir/run/osd.pid"
for _ in $(seq 1 150); do
  ceph_cmd osd stat 2>/dev/null | grep -q '1 up' && break
  sleep 0.2
done
ceph_cmd osd stat | grep -q '1 up' || { say "the OSD did not come up"; exit 3; }

setsid radosgw -f -c "$conf" -n client.rgw.local >"$dir/log/rgw.out" 2>&1 < /dev/null &
echo $! >"$dir/run/rgw.pid"
for _ in $(seq 1 ${CEPH_LOCAL_RGW_WAIT_STEPS:-300}); do
  curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/" && break
  [ -d "/proc/$(cat "$dir/run/rgw.pid")" ] || { say "radosgw exited"; exit 3; }
  sleep 0.2
done
curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/" || { say "radosgw did not answer"; exit 3; }

# A throw-away S3 user for this cluster only; its keys never leave DIR.
access="$(head -c 15 /dev/urandom | base32 | tr -d '=' | head -c 20)"
secret="$(head -c 30 /dev/urandom | base64 | tr -d '=+/' | head -c 40)"
radosgw-admin -c "$conf" -n client.rgw.local user create --uid=locker-test --display-name="locker tests" \
  --access-key="$access" --secret-key="$secret" >/dev/null 2>"$dir/log/user.err"
umask 077
cat >"$dir/env" <<ENV
PACKET_TEST_S3_ENDPOINT=http://127.0.0.1:$RGW_PORT
PACKET_TEST_S3_ACCESS_KEY_ID=$access
PACKET_TEST_S3_SECRET_ACCESS_KEY=$secret
ENV
t1=$(date +%s.%N)
say "radosgw ready on http://127.0.0.1:$RGW_PORT in $(awk "BEGIN{printf \"%.1f\", $t1-$t0}") s (PIDs in $dir/run)"
