#!/usr/bin/env bash
# Re-records the capture corpus of the analyzer's tests from real programs: sipreg serve, Kamailio, baresip,
# linphone-cli and SIPp, each scenario in network namespaces of its own (a private loopback, veth links, iptables
# NAT and DROP rules), captured with tcpdump or dumpcap. Nothing leaves the machine; every namespace is removed at
# exit.
#
#   sipreg-analyzer/src/test/resources/captures/record.sh [SCENARIO...]     (as root; default: all)
#
# Needs: tcpdump, dumpcap (tshark), editcap/mergecap, iptables, sipp, baresip, linphonec, kamailio, python3,
# openssl, dnsmasq, a JDK.
# MANIFEST.md beside this script says what each capture shows and which findings the tests expect.
# Timings differ from run to run, so re-recorded files differ in detail (ports, Call-IDs, retransmission
# counts); the tests assert what the scenario guarantees.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../../.." && pwd)"
sipp_dir="$root/sipreg-cli/src/test/resources/sipp"
my_sipp="$here/sipp"
work="$(mktemp -d /tmp/sipreg-captures.XXXXXX)"
jar="$work/sipreg/sipreg-cli.jar"       # a snapshot: a rebuild during the run must not pull it away
tag="sr$$"                      # namespace and interface names: unique to this run
namespaces=()
pids=()
etc_netns_made=""               # set when this run created /etc/netns (removed again at exit if empty)

cleanup() {
    local pid ns
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    sleep 0.5
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    for ns in "${namespaces[@]}"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
        rm -rf "/etc/netns/$ns"
    done
    [[ -z $etc_netns_made ]] || rmdir /etc/netns 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
[[ -n ${KEEP_WORK:-} ]] && trap - EXIT

say() { printf '== %s\n' "$*" >&2; }

# ---- building blocks ------------------------------------------------------------------------------

# ns NAME: a namespace with its loopback up; its full name in NS
ns() {
    NS="$tag-$1"
    ip netns add "$NS"
    namespaces+=("$NS")
    ip -n "$NS" link set lo up
}

# link NS1 IF1 ADDR1 NS2 IF2 ADDR2 [MTU]: a veth pair between two namespaces, addresses with prefix length
link() {
    local mtu="${7:-1500}"
    ip link add "$2" netns "$1" mtu "$mtu" type veth peer name "$5" netns "$4" mtu "$mtu"
    for side in "$1 $2 $3" "$4 $5 $6"; do
        set -- $side
        if [[ $3 == *:* ]]; then
            ip -n "$1" addr add "$3" dev "$2" nodad
        else
            ip -n "$1" addr add "$3" dev "$2"
        fi
        ip -n "$1" link set "$2" up
    done
}

# router P R S N M: namespace P (192.168.N.2) behind a router R (192.168.N.1, 10.M.0.1) that forwards to S
# (10.M.0.2); interfaces p$tag, i$tag on either side of the first link, o$tag, s$tag of the second
router() {
    link "$1" "p$tag" "192.168.$4.2/24" "$2" "i$tag" "192.168.$4.1/24"
    link "$2" "o$tag" "10.$5.0.1/24" "$3" "s$tag" "10.$5.0.2/24"
    in_ns "$1" ip route add default via "192.168.$4.1"
    in_ns "$3" ip route add default via "10.$5.0.1"
    in_ns "$2" sysctl -qw net.ipv4.ip_forward=1
}

# behind_router NAME N M [PORTS]: namespaces for a phone (192.168.N.2), a router and a server (10.M.0.2), joined
# by router(), their names in P, R and S; with PORTS, the router masquerades UDP to the server to those ports
behind_router() {
    ns "${1}p"; P=$NS; ns "${1}r"; R=$NS; ns "${1}s"; S=$NS
    router "$P" "$R" "$S" "$2" "$3"
    [[ -z ${4:-} ]] || in_ns "$R" iptables -t nat -A POSTROUTING -o "o$tag" -p udp -j MASQUERADE --to-ports "$4"
}

# phone_behind_router DIR N M: baresip in P at 192.168.N.2:5062 registering alice with sipreg at 10.M.0.2:5060;
# its pid in LAST_PID
phone_behind_router() {
    baresip_phone "$P" "$1" "192.168.$2.2:5062" \
        "<sip:alice@example.com;transport=udp>;auth_pass=s3cret;outbound=\"sip:10.$3.0.2:5060;transport=udp\""
}

in_ns() { local n="$1"; shift; ip netns exec "$n" "$@"; }

# hosts NS LINE...: /etc/netns/NS/hosts, which `ip netns exec` bind-mounts over /etc/hosts in NS; removed at exit
hosts() {
    local n="$1"; shift
    [[ -d /etc/netns ]] || etc_netns_made=1
    mkdir -p "/etc/netns/$n"
    printf '%s\n' "$@" >"/etc/netns/$n/hosts"
}

# capture NS OUT.pcap ARGS...: tcpdump in the background (packet-buffered); its pid in LAST_PID
capture() {
    local n="$1" out="$2"; shift 2
    ip netns exec "$n" tcpdump -U -s 0 -w "$out" "$@" >"$work/tcpdump-$(basename "$out").log" 2>&1 &
    LAST_PID=$!
    pids+=($LAST_PID)
    sleep 2     # "-i any" takes a moment to attach
}

stop() { sleep 1; kill -INT "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# users DIR: the account every scenario uses
users() {
    java -jar "$jar" users add alice --domain example.com --password s3cret --data "$1" >/dev/null
}

# serve NS DIR ARGS...: sipreg serve in the namespace; waits until it listens
serve() {
    local n="$1" dir="$2"; shift 2
    users "$dir"
    ip netns exec "$n" java -jar "$jar" serve --data "$dir" --domain example.com "$@" >"$dir/serve.log" 2>&1 &
    local pid=$!
    pids+=($pid)
    for _ in $(seq 100); do
        [[ $(grep -c '^listening' "$dir/serve.log" || true) -ge 1 ]] && { sleep 0.3; return; }
        sleep 0.2
    done
    cat "$dir/serve.log" >&2
    return 1
}

# kamailio NS ADDR PORT DIR [407]: Kamailio as the registrar (as in sipreg-cli's Kamailio.java): alice/s3cret,
# min_expires 60 with 423, 403 for a wrong password, a new challenge for an unknown user. With HEP_VERSION=2|3
# its siptrace module mirrors every SIP message it receives and sends (trace_mode 1: the core's receive and send
# events, so its own replies too) as HEP of that version to 127.0.0.1:9060, where something must listen
kamailio() {
    local n="$1" addr="$2" port="$3" dir="$4" auth=www
    [[ ${5:-401} == 407 ]] && auth=proxy
    mkdir -p "$dir"
    cat >"$dir/kamailio.cfg" <<EOF
#!KAMAILIO
debug=2
log_stderror=yes
children=2
tcp_children=2
auto_aliases=no
dns=no
rev_dns=no
listen=udp:$addr:$port
listen=tcp:$addr:$port
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "textops.so"
loadmodule "htable.so"
loadmodule "auth.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
modparam("usrloc", "db_mode", 0)
modparam("registrar", "min_expires", 60)
modparam("registrar", "min_expires_mode", 1)
modparam("registrar", "max_expires", 3600)
modparam("htable", "htable", "users=>size=4;")
event_route[htable:mod-init] {
    \$sht(users=>alice@example.com) = "s3cret";
}
request_route {
    if (!t_newtran()) { sl_reply_error(); exit; }
    if (is_method("OPTIONS")) { send_reply("200", "OK"); exit; }
    if (!is_method("REGISTER")) { send_reply("405", "Method Not Allowed"); exit; }
    if (!pv_${auth}_authenticate("\$td", "\$sht(users=>\$au@\$td)", "0")) {
        if (\$rc == -2) { send_reply("403", "Forbidden"); exit; }
        ${auth}_challenge("\$td", "0");
        exit;
    }
    save("location");
}
EOF
    if [[ -n ${HEP_VERSION:-} ]]; then
        sed -i '/^modparam("registrar", "max_expires"/r /dev/stdin' "$dir/kamailio.cfg" <<EOF
loadmodule "siptrace.so"
modparam("siptrace", "duplicate_uri", "sip:127.0.0.1:9060")
modparam("siptrace", "hep_mode_on", 1)
modparam("siptrace", "hep_version", $HEP_VERSION)
modparam("siptrace", "trace_to_database", 0)
modparam("siptrace", "trace_on", 1)
modparam("siptrace", "trace_mode", 1)
EOF
    fi
    in_ns "$n" /usr/sbin/kamailio -DD -E -f "$dir/kamailio.cfg" -m 64 -w "$dir" -P "$dir/kamailio.pid" \
        >"$dir/kamailio.log" 2>&1 &
    pids+=($!)
    sleep 2
}

# baresip_phone NS DIR LISTEN ACCOUNT [REGINT]: a phone; ACCOUNT without regint; its pid in LAST_PID
baresip_phone() {
    local n="$1" dir="$2" listen="$3" account="$4" regint="${5:-600}"
    mkdir -p "$dir"
    printf 'poll_method epoll\nsip_listen %s\nnet_interface %s\nmodule_path /usr/lib/baresip/modules\nmodule_tmp account.so\n' \
        "$listen" "${listen%:*}" >"$dir/config"
    echo "$account;regint=$regint" >"$dir/accounts"
    ip netns exec "$n" baresip -s -f "$dir" >"$dir/baresip.log" 2>&1 &
    LAST_PID=$!
    pids+=($LAST_PID)
}

# linphone_phone NS DIR PORT PROXY PASSWORD SECONDS: linphonec (linphone-cli) registers alice through PROXY (host:port)
# from UDP port PORT, stays SECONDS, then quits, which unregisters; waits for it to end. liblinphone does not start
# its core without a writable ~/.local/share/linphone, and then never registers: HOME is a directory of its own.
linphone_phone() {
    local n="$1" dir="$2" port="$3" proxy="$4" password="$5" seconds="$6"
    mkdir -p "$dir/home/.local/share/linphone"
    cat >"$dir/linphonerc" <<EOF
[sip]
sip_port=$port
sip_tcp_port=0
sip_tls_port=0
default_proxy=0
[proxy_0]
reg_proxy=<sip:$proxy;transport=udp>
reg_identity=sip:alice@example.com
reg_expires=120
reg_sendregister=1
publish=0
[auth_info_0]
username=alice
passwd=$password
domain=example.com
EOF
    (sleep "$seconds"; echo quit) | HOME="$dir/home" ip netns exec "$n" linphonec -c "$dir/linphonerc" -d 6 \
        -l "$dir/linphone.log" >"$dir/linphonec.out" 2>&1 || true
}

# sipp NS DIR TARGET SCENARIO ARGS...: SIPp with alice's injection file; waits for it to end
sipp_run() {
    local n="$1" dir="$2" target="$3" scenario="$4"; shift 4
    mkdir -p "$dir"
    printf 'SEQUENTIAL\nalice;example.com;%s;[authentication username=alice password=%s]\n' \
        "${PASSWORD:-s3cret}" "${PASSWORD:-s3cret}" >"$dir/users.csv"
    (cd "$dir" && in_ns "$n" sipp "$target" -sf "$scenario" -inf users.csv -auth_uri example.com -nostdin \
        -timeout 60s -timeout_error "$@" >"$dir/sipp.out" 2>&1) || true
}

# ---- scenarios ------------------------------------------------------------------------------------

# baresip registers with sipreg over UDP on a loopback (port 5080, not 5060), then quits and unregisters.
rec_baresip_sipreg() {
    local n d
    ns reg; n=$NS; d="$work/reg"; mkdir -p "$d"
    serve "$n" "$d/data" --listen udp:127.0.0.1:5080 --listen tcp:127.0.0.1:5080 >/dev/null
    capture "$n" "$d/out.pcap" -i lo; local cap=$LAST_PID
    baresip_phone "$n" "$d/bs" 127.0.0.1:5062 \
        '<sip:alice@example.com;transport=udp>;auth_pass=s3cret;outbound="sip:127.0.0.1:5080;transport=udp"'; local bs=$LAST_PID
    sleep 3
    kill -TERM "$bs"; sleep 2
    stop "$cap"
    cp "$d/out.pcap" "$here/baresip-sipreg-udp.pcap"
}

# SIPp with a wrong password against sipreg: 401, then 403. Linux cooked v2 (tcpdump -i any -y LINUX_SLL2).
rec_wrong_password() {
    local n d
    ns pw; n=$NS; d="$work/pw"; mkdir -p "$d"
    serve "$n" "$d/data" --listen udp:127.0.0.1:5070 >/dev/null
    capture "$n" "$d/out.pcap" -i any -y LINUX_SLL2; local cap=$LAST_PID
    PASSWORD=wrong sipp_run "$n" "$d/sipp" 127.0.0.1:5070 "$sipp_dir/register-403.xml" -i 127.0.0.1 -p 5071 -m 1
    stop "$cap"
    cp "$d/out.pcap" "$here/sipp-sipreg-wrong-password-sll2.pcap"
}

# SIPp against sipreg --challenge 407: Proxy-Authenticate, Proxy-Authorization, 200. Written by dumpcap: pcapng.
rec_challenge_407() {
    local n d
    ns px; n=$NS; d="$work/px"; mkdir -p "$d"
    serve "$n" "$d/data" --listen udp:127.0.0.1:5090 --challenge 407 >/dev/null
    ip netns exec "$n" dumpcap -q -i lo -w "$d/out.pcapng" >"$d/dumpcap.log" 2>&1 &
    local cap=$!; pids+=($cap); sleep 2
    sipp_run "$n" "$d/sipp" 127.0.0.1:5090 "$sipp_dir/register-407.xml" -i 127.0.0.1 -p 5091 -m 1
    stop "$cap"
    cp "$d/out.pcapng" "$here/sipp-sipreg-407.pcapng"
}

# baresip registers with sipreg and unregisters, captured twice at once with a snap length: tcpdump -s 300 keeps
# the start line and the first headers, -s 96 (older tcpdump's default) not even the Via. Then SIPp over TCP with
# -s 300.
rec_snaplen() {
    local n d
    ns snap; n=$NS; d="$work/snap"; mkdir -p "$d"
    serve "$n" "$d/data" --listen udp:127.0.0.1:5080 >/dev/null
    capture "$n" "$d/s300.pcap" -i lo -s 300; local cap300=$LAST_PID
    capture "$n" "$d/s96.pcap" -i lo -s 96; local cap96=$LAST_PID
    baresip_phone "$n" "$d/bs" 127.0.0.1:5062 \
        '<sip:alice@example.com;transport=udp>;auth_pass=s3cret;outbound="sip:127.0.0.1:5080;transport=udp"'; local bs=$LAST_PID
    sleep 3
    kill -TERM "$bs"; sleep 2
    stop "$cap300"
    stop "$cap96"
    cp "$d/s300.pcap" "$here/baresip-sipreg-snaplen-300.pcap"
    cp "$d/s96.pcap" "$here/baresip-sipreg-snaplen-96.pcap"
    # SIPp over TCP, one registration, tcpdump -s 300: the segments cut, the stream not whole
    ns snapt; n=$NS
    serve "$n" "$d/data-tcp" --listen tcp:127.0.0.1:5080 >/dev/null
    capture "$n" "$d/tcp.pcap" -i lo -s 300 tcp; local cap=$LAST_PID
    sipp_run "$n" "$d/sipp" 127.0.0.1:5080 "$sipp_dir/register-401.xml" -t t1 -i 127.0.0.1 -p 5081 -m 1
    stop "$cap"
    cp "$d/tcp.pcap" "$here/sipp-sipreg-tcp-snaplen-300.pcap"
}

# linphonec registers with sipreg over UDP on port 5080 for 4 s, then quits and unregisters.
rec_linphone_sipreg() {
    local n d
    ns lps; n=$NS; d="$work/lps"; mkdir -p "$d"
    serve "$n" "$d/data" --listen udp:127.0.0.1:5080 >/dev/null
    capture "$n" "$d/out.pcap" -i lo; local cap=$LAST_PID
    linphone_phone "$n" "$d/lp" 5064 127.0.0.1:5080 s3cret 4
    stop "$cap"
    cp "$d/out.pcap" "$here/linphone-sipreg.pcap"
}

# linphonec with Kamailio: registers for 4 s and quits (unregisters); then again with a wrong password: 403.
rec_linphone_kamailio() {
    local n d
    ns lpk; n=$NS; d="$work/lpk"; mkdir -p "$d"
    kamailio "$n" 127.0.0.1 5060 "$d/kam"
    capture "$n" "$d/out.pcap" -i lo; local cap=$LAST_PID
    linphone_phone "$n" "$d/lp" 5064 127.0.0.1:5060 s3cret 4
    linphone_phone "$n" "$d/lp-wrong" 5066 127.0.0.1:5060 wrong 3
    stop "$cap"
    cp "$d/out.pcap" "$here/linphone-kamailio.pcap"
}

# baresip with an auth user Kamailio does not know: challenged again after its credentials.
rec_challenge_loop() {
    local n d
    ns loop; n=$NS; d="$work/loop"; mkdir -p "$d"
    kamailio "$n" 127.0.0.1 5060 "$d/kam"
    capture "$n" "$d/out.pcap" -i lo; local cap=$LAST_PID
    baresip_phone "$n" "$d/bs" 127.0.0.1:5062 \
        '<sip:alice@example.com;transport=udp>;auth_user=bob;auth_pass=s3cret;outbound="sip:127.0.0.1:5060;transport=udp"'; local bs=$LAST_PID
    sleep 4
    kill -TERM "$bs"; sleep 1
    stop "$cap"
    cp "$d/out.pcap" "$here/baresip-kamailio-challenge-loop.pcap"
}

# baresip asks for 30 s; Kamailio wants at least 60 (423 with Min-Expires); baresip retries with 60.
rec_interval_too_brief_retried() {
    local n d
    ns itb; n=$NS; d="$work/itb"; mkdir -p "$d"
    kamailio "$n" 127.0.0.1 5060 "$d/kam"
    capture "$n" "$d/out.pcap" -i lo; local cap=$LAST_PID
    baresip_phone "$n" "$d/bs" 127.0.0.1:5062 \
        '<sip:alice@example.com;transport=udp>;auth_pass=s3cret;outbound="sip:127.0.0.1:5060;transport=udp"' 30; local bs=$LAST_PID
    sleep 4
    kill -9 "$bs"
    stop "$cap"
    cp "$d/out.pcap" "$here/baresip-kamailio-423.pcap"
}

# SIPp asks sipreg for 10 s and gets 423; the scenario does not retry.
rec_interval_too_brief_given_up() {
    local n d
    ns itb2; n=$NS; d="$work/itb2"; mkdir -p "$d"
    serve "$n" "$d/data" --listen udp:127.0.0.1:5080 --min-expires 60 >/dev/null
    capture "$n" "$d/out.pcap" -i lo; local cap=$LAST_PID
    sipp_run "$n" "$d/sipp" 127.0.0.1:5080 "$sipp_dir/interval-too-brief.xml" -i 127.0.0.1 -p 5081 -m 1
    stop "$cap"
    cp "$d/out.pcap" "$here/sipp-sipreg-423.pcap"
}

# A firewall drops everything to the server (iptables DROP): baresip re-sends REGISTER until it gives up.
rec_no_response() {
    local p s d
    ns fwp; p=$NS; ns fws; s=$NS; d="$work/fw"; mkdir -p "$d"
    link "$p" "v$tag" 10.31.0.2/24 "$s" "w$tag" 10.31.0.1/24
    serve "$s" "$d/data" --listen udp:10.31.0.1:5060 >/dev/null
    in_ns "$s" iptables -A INPUT -p udp --dport 5060 -j DROP
    capture "$p" "$d/out.pcap" -i "v$tag" udp or icmp; local cap=$LAST_PID
    baresip_phone "$p" "$d/bs" 10.31.0.2:5062 \
        '<sip:alice@example.com;transport=udp>;auth_pass=s3cret;outbound="sip:10.31.0.1:5060;transport=udp"'; local bs=$LAST_PID
    sleep 36
    kill -9 "$bs"
    stop "$cap"
    cp "$d/out.pcap" "$here/baresip-firewall-no-response.pcap"
}

# Nothing listens on the port the phone registers to: ICMP port unreachable. Linux cooked v1 (-i any -y LINUX_SLL).
rec_port_unreachable() {
    local n d
    ns pu; n=$NS; d="$work/pu"; mkdir -p "$d"
    capture "$n" "$d/out.pcap" -i any -y LINUX_SLL; local cap=$LAST_PID
    baresip_phone "$n" "$d/bs" 127.0.0.1:5062 \
        '<sip:alice@example.com;transport=udp>;auth_pass=s3cret;outbound="sip:127.0.0.1:5099;transport=udp"'; local bs=$LAST_PID
    sleep 2
    kill -9 "$bs"
    stop "$cap"
    cp "$d/out.pcap" "$here/baresip-port-unreachable-sll.pcap"
}

# The same over IPv6: sipreg register sends to [::1]:5099, where nothing listens; the kernel answers with an
# ICMPv6 Destination Unreachable, port unreachable (RFC 4443 §3.1), quoting the REGISTER. Ethernet-less raw loopback.
rec_port_unreachable_v6() {
    local n d
    ns pu6; n=$NS; d="$work/pu6"; mkdir -p "$d"
    printf 's3cret\n' >"$d/password"
    capture "$n" "$d/out.pcap" -i lo ip6; local cap=$LAST_PID
    in_ns "$n" java -jar "$jar" register alice@example.com --registrar '[::1]:5099' --password-file "$d/password" \
        --once >"$d/register.log" 2>&1 || true
    stop "$cap"
    cp "$d/out.pcap" "$here/register-port-unreachable-ipv6.pcap"
}

# phone -- NAT (iptables MASQUERADE) -- Kamailio. Captured on both sides of the NAT.
#   nat-server-side:  baresip (rport) behind the NAT: Via says 192.168.77.2, packets come from 10.20.0.1
#   nat-phone-side:   the same registration seen by the phone: only Via received/rport tell
#   nat-port-mismatch: SIPp without rport behind a NAT that changes ports: Kamailio answers to the Via port
rec_nat() {
    local p r s d
    ns natp; p=$NS; ns natr; r=$NS; ns nats; s=$NS; d="$work/nat"; mkdir -p "$d"
    router "$p" "$r" "$s" 77 20
    in_ns "$r" iptables -t nat -A POSTROUTING -o "o$tag" -p udp -j MASQUERADE --to-ports 40000-40999
    kamailio "$s" 10.20.0.2 5060 "$d/kam"
    local cs cp
    capture "$s" "$d/server.pcap" -i "s$tag" udp or icmp; cs=$LAST_PID
    capture "$p" "$d/phone.pcap" -i "p$tag" udp or icmp; cp=$LAST_PID
    baresip_phone "$p" "$d/bs" 192.168.77.2:5062 \
        '<sip:alice@example.com;transport=udp>;auth_pass=s3cret;outbound="sip:10.20.0.2:5060;transport=udp"'; local bs=$LAST_PID
    sleep 3
    kill -9 "$bs"
    stop "$cs"; stop "$cp"
    cp "$d/server.pcap" "$here/nat-server-side.pcap"
    cp "$d/phone.pcap" "$here/nat-phone-side.pcap"
    capture "$s" "$d/mismatch.pcap" -i "s$tag" udp or icmp; cs=$LAST_PID
    sipp_run "$p" "$d/sipp" 10.20.0.2:5060 "$sipp_dir/register-401.xml" -i 192.168.77.2 -p 5070 -m 1 \
        -max_non_invite_retrans 3 -timeout 8s
    stop "$cs"
    cp "$d/mismatch.pcap" "$here/nat-port-mismatch.pcap"
}

# baresip registers with sipreg through a router; tcpdump -i any on the router sees every packet twice, arriving
# and leaving (Linux cooked v1).
rec_routed_twice() {
    local d="$work/rt"; mkdir -p "$d"
    behind_router rt 78 21
    serve "$S" "$d/data" --listen udp:10.21.0.2:5060 >/dev/null
    capture "$R" "$d/out.pcap" -i any udp; local cap=$LAST_PID
    phone_behind_router "$d/bs" 78 21; local bs=$LAST_PID
    sleep 3
    kill -TERM "$bs"; sleep 2
    stop "$cap"
    cp "$d/out.pcap" "$here/baresip-sipreg-routed-any.pcap"
}

# The same through a NAT router (MASQUERADE to ports 40000-40999), captured with tcpdump -i any on the router:
# each datagram before and after the translation.
rec_nat_both_sides() {
    local d="$work/nb"; mkdir -p "$d"
    behind_router nb 79 22 40000-40999
    serve "$S" "$d/data" --listen udp:10.22.0.2:5060 >/dev/null
    capture "$R" "$d/out.pcap" -i any udp; local cap=$LAST_PID
    phone_behind_router "$d/bs" 79 22; local bs=$LAST_PID
    sleep 3
    kill -TERM "$bs"; sleep 2
    stop "$cap"
    cp "$d/out.pcap" "$here/baresip-sipreg-nat-both-sides.pcap"
}

# The seed's story end to end, with sipreg as the provider: baresip behind a NAT router registers; sipreg notices
# the NAT and sends OPTIONS every 2 s, which baresip answers; then the router loses the mapping (a DROP of what
# comes back to the NAT's port), the OPTIONS go unanswered, and after 3 sipreg drops the binding. Captured at the
# server.
rec_nat_keepalive_lost() {
    local d="$work/nk"; mkdir -p "$d"
    behind_router nk 80 23 41000-41999
    serve "$S" "$d/data" --listen udp:10.23.0.2:5060 --keepalive-interval 2 --keepalive-failures 3 >/dev/null
    capture "$S" "$d/out.pcap" -i "s$tag" udp; local cap=$LAST_PID
    phone_behind_router "$d/bs" 80 23; local bs=$LAST_PID
    sleep 7
    in_ns "$R" iptables -A FORWARD -i "o$tag" -p udp -j DROP
    sleep 16
    stop "$cap"
    kill -9 "$bs" 2>/dev/null || true
    grep -i "keepalive\|removed\|dropped" "$d/data/serve.log" >&2 || true
    cp "$d/out.pcap" "$here/baresip-sipreg-nat-keepalive-lost.pcap"
}

# baresip behind a MASQUERADE router whose SIP ALG is on (the kernel's nf_nat_sip, assigned with a CT rule):
# the router rewrites the Via and Contact of what passes. Captured on the router (-i any: both sides) and at the
# server.
rec_sip_alg() {
    local d="$work/alg"; mkdir -p "$d"
    behind_router alg 81 24 42000-42999
    in_ns "$R" iptables -t raw -A PREROUTING -p udp --dport 5060 -j CT --helper sip
    serve "$S" "$d/data" --listen udp:10.24.0.2:5060 >/dev/null
    capture "$R" "$d/router.pcap" -i any udp; local cr=$LAST_PID
    capture "$S" "$d/server.pcap" -i "s$tag" udp; local cs=$LAST_PID
    phone_behind_router "$d/bs" 81 24; local bs=$LAST_PID
    sleep 3
    kill -TERM "$bs"; sleep 2
    stop "$cr"; stop "$cs"
    cp "$d/router.pcap" "$here/sip-alg-both-sides.pcap"
    cp "$d/server.pcap" "$here/sip-alg-server-side.pcap"
}

# The NAT forgets: baresip behind a MASQUERADE router that keeps an idle UDP mapping for 5 s
# (nf_conntrack_udp_timeout*), sipreg pinging every 8 s: each OPTIONS finds no mapping, and the router answers it
# with ICMP port unreachable. Captured at the server.
rec_nat_mapping_expired() {
    local d="$work/ne"; mkdir -p "$d"
    behind_router ne 82 25 43000-43999
    in_ns "$R" sysctl -qw net.netfilter.nf_conntrack_udp_timeout=5 net.netfilter.nf_conntrack_udp_timeout_stream=5
    serve "$S" "$d/data" --listen udp:10.25.0.2:5060 --keepalive-interval 8 --keepalive-failures 2 >/dev/null
    capture "$S" "$d/out.pcap" -i "s$tag" udp or icmp; local cap=$LAST_PID
    phone_behind_router "$d/bs" 82 25; local bs=$LAST_PID
    sleep 24
    stop "$cap"
    kill -9 "$bs" 2>/dev/null || true
    grep -i "removed" "$d/data/serve.log" >&2 || true
    cp "$d/out.pcap" "$here/nat-mapping-expired.pcap"
}

# SIPp plays a server sending OPTIONS every 2 s to baresip: answered, then (kill -STOP) not answered.
rec_keepalive() {
    local n d
    ns ka; n=$NS; d="$work/ka"; mkdir -p "$d"
    baresip_phone "$n" "$d/bs" 127.0.0.1:5062 \
        '<sip:alice@example.com;transport=udp>;auth_pass=s3cret' 0; local bs=$LAST_PID
    sleep 1
    capture "$n" "$d/ok.pcap" -i lo; local cap=$LAST_PID
    sipp_run "$n" "$d/sipp-ok" 127.0.0.1:5062 "$my_sipp/keepalive-options.xml" -i 127.0.0.1 -p 5060 -s alice \
        -m 4 -r 1 -rp 2000
    stop "$cap"
    cp "$d/ok.pcap" "$here/keepalive-ok.pcap"
    capture "$n" "$d/frozen.pcap" -i lo; cap=$LAST_PID
    ( sleep 3; kill -STOP "$bs" ) &
    sipp_run "$n" "$d/sipp-frozen" 127.0.0.1:5062 "$my_sipp/keepalive-options.xml" -i 127.0.0.1 -p 5060 -s alice \
        -m 4 -r 1 -rp 2000
    sleep 3
    stop "$cap"
    kill -CONT "$bs"; kill -9 "$bs"
    cp "$d/frozen.pcap" "$here/keepalive-unanswered.pcap"
}

# SIPp's cseq-order scenario against sipreg: a REGISTER whose CSeq went backwards is refused (500).
rec_cseq() {
    local n d
    ns cs; n=$NS; d="$work/cs"; mkdir -p "$d"
    serve "$n" "$d/data" --listen udp:127.0.0.1:5080 >/dev/null
    capture "$n" "$d/out.pcap" -i lo; local cap=$LAST_PID
    sipp_run "$n" "$d/sipp" 127.0.0.1:5080 "$sipp_dir/cseq-order.xml" -i 127.0.0.1 -p 5081 -m 1
    stop "$cap"
    cp "$d/out.pcap" "$here/sipp-sipreg-cseq-order.pcap"
}

# Malformed REGISTERs: without From and with a CSeq method that does not match (UDP, answered 400),
# and one over TCP without Content-Length (sipreg closes the connection).
rec_malformed() {
    local n d
    ns mf; n=$NS; d="$work/mf"; mkdir -p "$d"
    serve "$n" "$d/data" --listen udp:127.0.0.1:5080 --listen tcp:127.0.0.1:5080 >/dev/null
    capture "$n" "$d/out.pcap" -i lo; local cap=$LAST_PID
    sipp_run "$n" "$d/sipp" 127.0.0.1:5080 "$sipp_dir/malformed.xml" -i 127.0.0.1 -p 5081 -m 1
    sipp_run "$n" "$d/sipp-tcp" 127.0.0.1:5080 "$my_sipp/register-no-content-length.xml" -t t1 -i 127.0.0.1 \
        -p 5082 -m 1
    stop "$cap"
    cp "$d/out.pcap" "$here/sipp-sipreg-malformed.pcap"
}

# TCP through links with MTU 320 (every message split over several segments) and a router between them that
# loses 15% of the segments in each direction (iptables statistic DROP in FORWARD): at the server, where the
# capture is taken, segments arrive after a hole (out of order) and again (retransmitted).
rec_tcp_small_mss() {
    local p r s d
    ns tcpp; p=$NS; ns tcpr; r=$NS; ns tcps; s=$NS; d="$work/tcp"; mkdir -p "$d"
    link "$p" "t$tag" 10.41.0.2/24 "$r" "x$tag" 10.41.0.1/24 320
    link "$r" "y$tag" 10.42.0.1/24 "$s" "u$tag" 10.42.0.2/24 320
    in_ns "$p" ip route add default via 10.41.0.1
    in_ns "$s" ip route add default via 10.42.0.1
    in_ns "$r" sysctl -qw net.ipv4.ip_forward=1
    in_ns "$r" iptables -A FORWARD -p tcp -m statistic --mode random --probability 0.15 -j DROP
    serve "$s" "$d/data" --listen tcp:10.42.0.2:5080 >/dev/null
    capture "$s" "$d/out.pcap" -i "u$tag" tcp; local cap=$LAST_PID
    sipp_run "$p" "$d/sipp" 10.42.0.2:5080 "$sipp_dir/register-401.xml" -t t1 -i 10.41.0.2 -p 5081 -m 12 -r 4
    stop "$cap"
    cp "$d/out.pcap" "$here/tcp-small-mss-lossy.pcap"
}

# Many REGISTERs on one TCP connection at a high rate: several SIP messages share a segment.
rec_tcp_coalesced() {
    local n d
    ns tcpc; n=$NS; d="$work/tcpc"; mkdir -p "$d"
    serve "$n" "$d/data" --listen tcp:127.0.0.1:5080 >/dev/null
    capture "$n" "$d/out.pcap" -i lo tcp; local cap=$LAST_PID
    sipp_run "$n" "$d/sipp" 127.0.0.1:5080 "$sipp_dir/register-401.xml" -t t1 -i 127.0.0.1 -p 5081 -m 40 -r 400
    stop "$cap"
    cp "$d/out.pcap" "$here/tcp-coalesced.pcap"
}

# A 2 KB REGISTER over a link with MTU 576 (IPv4 fragments) and one with MTU 1280 over IPv6 (Fragment headers).
rec_fragments() {
    local p s d
    ns frp; p=$NS; ns frs; s=$NS; d="$work/fr"; mkdir -p "$d"
    link "$p" "f$tag" 10.51.0.2/24 "$s" "g$tag" 10.51.0.1/24 576
    ip -n "$p" link add "h$tag" mtu 1280 type veth peer name "j$tag" netns "$s" mtu 1280
    ip -n "$p" addr add fd00:51::2/64 dev "h$tag" nodad; ip -n "$p" link set "h$tag" up
    ip -n "$s" addr add fd00:51::1/64 dev "j$tag" nodad; ip -n "$s" link set "j$tag" up
    serve "$s" "$d/data" --listen udp:10.51.0.1:5080 --listen "udp:[fd00:51::1]:5080" >/dev/null
    capture "$s" "$d/v4.pcap" -i "g$tag" udp; local cap=$LAST_PID
    sipp_run "$p" "$d/sipp4" 10.51.0.1:5080 "$my_sipp/register-large.xml" -i 10.51.0.2 -p 5081 -m 1
    stop "$cap"
    capture "$s" "$d/v6.pcap" -i "j$tag" udp or icmp6; cap=$LAST_PID
    sipp_run "$p" "$d/sipp6" "[fd00:51::1]:5080" "$my_sipp/register-large.xml" -i fd00:51::2 -p 5081 -m 1
    stop "$cap"
    cp "$d/v4.pcap" "$here/ipv4-fragments.pcap"
    cp "$d/v6.pcap" "$here/ipv6-fragments.pcap"
}

# SIPp registers with sipreg through a VXLAN tunnel (RFC 7348, VNI 42, UDP 4789) between two namespaces, as cloud
# traffic mirroring delivers it; captured on the server's underlay veth, so every frame is Ethernet/IPv4/UDP/VXLAN/
# Ethernet/IPv4/UDP/SIP: the right password (401, 200), then a wrong one (401, 403). Static neighbours and no IPv6
# on the overlay: no ARP or IPv6 chatter inside the tunnel.
rec_vxlan() {
    local p s d side
    ns vxp; p=$NS; ns vxs; s=$NS; d="$work/vx"; mkdir -p "$d"
    link "$p" "e$tag" 10.47.0.1/24 "$s" "k$tag" 10.47.0.2/24
    for side in "$p e$tag 10.47.0.1 10.47.0.2 192.168.47.1 02:47:00:00:00:01 192.168.47.2 02:47:00:00:00:02" \
                "$s k$tag 10.47.0.2 10.47.0.1 192.168.47.2 02:47:00:00:00:02 192.168.47.1 02:47:00:00:00:01"; do
        set -- $side
        ip -n "$1" link add "vx$tag" address "$6" mtu 1450 type vxlan id 42 local "$3" remote "$4" dstport 4789 \
            dev "$2"
        in_ns "$1" sysctl -qw "net.ipv6.conf.vx$tag.disable_ipv6=1"
        ip -n "$1" addr add "$5/24" dev "vx$tag"
        ip -n "$1" link set "vx$tag" up
        ip -n "$1" neigh replace "$7" lladdr "$8" dev "vx$tag" nud permanent
    done
    serve "$s" "$d/data" --listen udp:192.168.47.2:5060 >/dev/null
    capture "$s" "$d/out.pcap" -i "k$tag" udp port 4789; local cap=$LAST_PID
    sipp_run "$p" "$d/sipp" 192.168.47.2:5060 "$sipp_dir/register-401.xml" -i 192.168.47.1 -p 5070 -m 1
    PASSWORD=wrong sipp_run "$p" "$d/sipp-wrong" 192.168.47.2:5060 "$sipp_dir/register-403.xml" -i 192.168.47.1 \
        -p 5072 -m 1
    stop "$cap"
    cp "$d/out.pcap" "$here/vxlan-sipp-sipreg.pcap"
}

# What a Homer/HEP collector sees: Kamailio's siptrace mirrors every SIP message it receives and sends as HEP to
# 127.0.0.1:9060 (a UDP sink listens there); only the HEP packets are captured, not the SIP. SIPp registers with
# the right password (401, 200), then a wrong one (401, 403). Once with each HEP version (HEP_VERSIONS="3 2 1").
rec_hep() {
    local n d v cap
    for v in ${HEP_VERSIONS:-3 2 1}; do
        ns hep$v; n=$NS; d="$work/hep$v"; mkdir -p "$d"
        in_ns "$n" python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 9060))
while True: s.recv(65535)' &
        pids+=($!)
        HEP_VERSION=$v kamailio "$n" 127.0.0.1 5060 "$d/kam"
        capture "$n" "$d/out.pcap" -i lo udp port 9060; cap=$LAST_PID
        sipp_run "$n" "$d/sipp" 127.0.0.1:5060 "$sipp_dir/register-401.xml" -i 127.0.0.1 -p 5070 -m 1
        PASSWORD=wrong sipp_run "$n" "$d/sipp-wrong" 127.0.0.1:5060 "$sipp_dir/register-403.xml" -i 127.0.0.1 \
            -p 5072 -m 1
        stop "$cap"
        cp "$d/out.pcap" "$here/hep$v-kamailio.pcap"
    done
}

# SIPp registers through Kamailio as an edge proxy (it adds a Path, RFC 3327, and relays with a Via of its own) to
# sipreg; captured on the loopback, where both hops pass, as on the proxy's host or at a span port.
rec_proxy() {
    local n d cap
    ns px; n=$NS; d="$work/px"; mkdir -p "$d/kam"
    serve "$n" "$d/data" --listen udp:127.0.0.1:5080 >/dev/null
    cat >"$d/kam/kamailio.cfg" <<EOF
#!KAMAILIO
debug=2
log_stderror=yes
children=2
auto_aliases=no
dns=no
rev_dns=no
listen=udp:127.0.0.1:5060
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "textops.so"
loadmodule "path.so"
loadmodule "maxfwd.so"
request_route {
    if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
    if (!is_method("REGISTER")) { sl_send_reply("405", "Method Not Allowed"); exit; }
    add_path_received();
    t_relay_to_udp("127.0.0.1", "5080");
}
EOF
    in_ns "$n" /usr/sbin/kamailio -DD -E -f "$d/kam/kamailio.cfg" -m 64 -w "$d/kam" -P "$d/kam/kamailio.pid" \
        >"$d/kam/kamailio.log" 2>&1 &
    pids+=($!)
    sleep 2
    capture "$n" "$d/out.pcap" -i lo udp; cap=$LAST_PID
    sipp_run "$n" "$d/sipp" 127.0.0.1:5060 "$sipp_dir/register-401.xml" -i 127.0.0.1 -p 5070 -m 1
    stop "$cap"
    cp "$d/out.pcap" "$here/sipp-kamailio-proxy-sipreg.pcap"
}

# baresip registers with sipreg for 12 s at a time (sipreg --min-expires 10); an iptables DROP in front of sipreg
# for 25 s swallows its refresh, so the binding runs out before a retransmission gets through; then refreshes
# as usual, and an unregister at exit.
rec_binding_lapsed() {
    local n d bs cap
    ns lapse; n=$NS; d="$work/lapse"; mkdir -p "$d"
    serve "$n" "$d/data" --listen udp:127.0.0.1:5080 --min-expires 10 >/dev/null
    capture "$n" "$d/out.pcap" -i lo udp; cap=$LAST_PID
    baresip_phone "$n" "$d/bs" 127.0.0.1:5062 \
        '<sip:alice@example.com;transport=udp>;auth_pass=s3cret;outbound="sip:127.0.0.1:5080;transport=udp"' 12
    bs=$LAST_PID
    sleep 4
    in_ns "$n" iptables -A INPUT -p udp --dport 5080 -j DROP
    sleep 25
    in_ns "$n" iptables -D INPUT -p udp --dport 5080 -j DROP
    sleep 20
    kill -TERM "$bs"; sleep 2
    stop "$cap"
    cp "$d/out.pcap" "$here/baresip-sipreg-binding-lapsed.pcap"
}

# RFC 5626 outbound: sipreg register --outbound over TCP and over UDP to sipreg (Flow-Timer 5 s, from
# --keepalive-interval), which keeps each flow open with its own keepalives: CRLF pings over TCP, STUN Binding
# requests over UDP, all answered. Then the UDP client alone, and an iptables DROP in front of the server after its
# registration: its STUN keepalives go unanswered until the capture ends.
rec_outbound() {
    local n d cap
    ns ob; n=$NS; d="$work/ob"; mkdir -p "$d"
    printf 's3cret\n' >"$d/password"
    serve "$n" "$d/data" --listen udp:127.0.0.1:5080 --listen tcp:127.0.0.1:5080 --keepalive-interval 5 >/dev/null
    capture "$n" "$d/ok.pcap" -i lo port 5080; cap=$LAST_PID
    in_ns "$n" timeout -s INT 14 java -jar "$jar" register alice@example.com --registrar 127.0.0.1:5080 \
        --transport tcp --outbound --password-file "$d/password" >"$d/tcp.log" 2>&1 &
    local tcp_client=$!
    in_ns "$n" timeout -s INT 14 java -jar "$jar" register alice@example.com --registrar 127.0.0.1:5080 \
        --transport udp --outbound --local 127.0.0.1:5090 --password-file "$d/password" >"$d/udp.log" 2>&1 || true
    wait "$tcp_client" || true
    stop "$cap"
    cp "$d/ok.pcap" "$here/outbound-keepalives.pcap"
    capture "$n" "$d/lost.pcap" -i lo port 5080; cap=$LAST_PID
    in_ns "$n" java -jar "$jar" register alice@example.com --registrar 127.0.0.1:5080 --transport udp --outbound \
        --local 127.0.0.1:5092 --password-file "$d/password" >"$d/lost.log" 2>&1 &
    local client=$!
    pids+=($client)
    sleep 3
    in_ns "$n" iptables -A INPUT -p udp --dport 5080 -j DROP
    sleep 14
    stop "$cap"
    kill -9 "$client" 2>/dev/null || true
    in_ns "$n" iptables -D INPUT -p udp --dport 5080 -j DROP
    cp "$d/lost.pcap" "$here/outbound-stun-unanswered.pcap"
}

# How a phone finds its registrar by DNS (RFC 3263), with dnsmasq in the namespace on 127.0.0.1:53:
#   dns-srv-sipreg: sipreg register alice@example.com: NAPTR -> _sip._udp.example.com, SRV -> sip.example.com:5080,
#                   A -> 127.0.0.1, then the registration with sipreg there
#   dns-nxdomain:   sipreg register alice@nowhere.test: every lookup answers NXDOMAIN, no REGISTER is sent (exit 7)
rec_dns() {
    local n d cap rc
    ns dns; n=$NS; d="$work/dns"; mkdir -p "$d"
    printf 's3cret\n' >"$d/password"
    in_ns "$n" dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces --listen-address=127.0.0.1 --port=53 \
        --pid-file= --conf-file=/dev/null --user=root --local=/example.com/ --local=/nowhere.test/ \
        --naptr-record=example.com,10,50,s,SIP+D2U,,_sip._udp.example.com \
        --srv-host=_sip._udp.example.com,sip.example.com,5080,10,60 \
        --host-record=sip.example.com,127.0.0.1 >"$d/dnsmasq.log" 2>&1 &
    pids+=($!)
    serve "$n" "$d/data" --listen udp:127.0.0.1:5080 >/dev/null
    capture "$n" "$d/ok.pcap" -i lo udp; cap=$LAST_PID
    rc=0; in_ns "$n" java -jar "$jar" register alice@example.com --dns 127.0.0.1:53 --password-file "$d/password" \
        --once >"$d/ok.log" 2>&1 || rc=$?
    stop "$cap"
    [[ $rc == 0 ]] || { cat "$d/ok.log" >&2; say "dns: register alice@example.com exited $rc, not 0"; return 1; }
    capture "$n" "$d/nx.pcap" -i lo udp; cap=$LAST_PID
    rc=0; in_ns "$n" java -jar "$jar" register alice@nowhere.test --dns 127.0.0.1:53 --password-file "$d/password" \
        --once >"$d/nx.log" 2>&1 || rc=$?
    stop "$cap"
    [[ $rc == 7 ]] || { cat "$d/nx.log" >&2; say "dns: register alice@nowhere.test exited $rc, not 7"; return 1; }
    cp "$d/ok.pcap" "$here/dns-srv-sipreg.pcap"
    cp "$d/nx.pcap" "$here/dns-nxdomain.pcap"
}

# sipreg offering SHA-256 digests only (--algorithm SHA-256); baresip answers MD5 alone and ignores the challenge.
rec_sha256_only() {
    local n d bs cap
    ns sha; n=$NS; d="$work/sha"; mkdir -p "$d"
    serve "$n" "$d/data" --listen udp:127.0.0.1:5080 --algorithm SHA-256 >/dev/null
    capture "$n" "$d/out.pcap" -i lo udp; cap=$LAST_PID
    baresip_phone "$n" "$d/bs" 127.0.0.1:5062 \
        '<sip:alice@example.com;transport=udp>;auth_pass=s3cret;outbound="sip:127.0.0.1:5080;transport=udp"'
    bs=$LAST_PID
    sleep 6
    kill -9 "$bs"
    stop "$cap"
    cp "$d/out.pcap" "$here/baresip-sipreg-sha256-only.pcap"
}

# SIPp sends 2 KB REGISTERs (sipp/register-large.xml) over a link with MTU 576 to a router that forwards to sipreg
# but drops every IP fragment after the first (iptables -f): the server never gets one whole; captured at the phone.
rec_fragments_dropped() {
    local p r s d cap
    ns fdp; p=$NS; ns fdr; r=$NS; ns fds; s=$NS; d="$work/fd"; mkdir -p "$d"
    link "$p" "p$tag" 10.52.0.2/24 "$r" "q$tag" 10.52.0.1/24 576
    link "$r" "r$tag" 10.53.0.1/24 "$s" "s$tag" 10.53.0.2/24
    in_ns "$p" ip route add default via 10.52.0.1
    in_ns "$s" ip route add default via 10.53.0.1
    in_ns "$r" sysctl -qw net.ipv4.ip_forward=1
    in_ns "$r" iptables -A FORWARD -f -j DROP
    serve "$s" "$d/data" --listen udp:10.53.0.2:5080 >/dev/null
    capture "$p" "$d/out.pcap" -i "p$tag" udp or icmp; cap=$LAST_PID
    sipp_run "$p" "$d/sipp" 10.53.0.2:5080 "$my_sipp/register-large.xml" -i 10.52.0.2 -p 5081 -m 1 -timeout 9s
    sleep 4
    stop "$cap"
    cp "$d/out.pcap" "$here/ipv4-fragments-dropped.pcap"
}

# SIP over TLS to sipreg on 127.0.0.1:5061 (a self-signed certificate for sip.example.com, made with openssl; the
# namespace's hosts file sends sip.example.com to 127.0.0.1, so the client sends it as SNI), three connections:
#   tls-sipreg:              sipreg register --ca cert.pem: TLS 1.3, registered and unregistered inside
#   tls-certificate-refused: sipreg register, TLS 1.2, without --ca: the JDK's CAs refuse the certificate (exit 12)
#   tls-protocol-version:    openssl s_client offering only TLS 1.1, as an old phone: the server refuses the version
rec_tls() {
    local n d cap rc
    ns tls; n=$NS; d="$work/tls"; mkdir -p "$d"
    hosts "$n" '127.0.0.1 localhost sip.example.com' '::1 localhost'
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/key.pem" -out "$d/cert.pem" \
        -days 30 -subj /CN=sip.example.com -addext subjectAltName=DNS:sip.example.com 2>/dev/null
    printf 's3cret\n' >"$d/password"
    serve "$n" "$d/data" --listen tls:127.0.0.1:5061 --tls-cert "$d/cert.pem" --tls-key "$d/key.pem" >/dev/null
    capture "$n" "$d/ok.pcap" -i lo tcp port 5061; cap=$LAST_PID
    rc=0; in_ns "$n" java -jar "$jar" register alice@example.com --registrar sip.example.com:5061 --transport tls \
        --ca "$d/cert.pem" --password-file "$d/password" --once >"$d/ok.log" 2>&1 || rc=$?
    stop "$cap"
    [[ $rc == 0 ]] || { cat "$d/ok.log" >&2; say "tls: register --ca exited $rc, not 0"; return 1; }
    capture "$n" "$d/refused.pcap" -i lo tcp port 5061; cap=$LAST_PID
    # held to TLS 1.2, so that its alert is in plaintext: the client enables TLSv1.3 and TLSv1.2 itself, which
    # overrides jdk.tls.client.protocols, so its JVM gets the JDK 17 default jdk.tls.disabledAlgorithms plus TLSv1.3
    printf '%s\n' 'jdk.tls.disabledAlgorithms=TLSv1.3, SSLv3, TLSv1, TLSv1.1, DTLSv1.0, RC4, DES, \' \
        '    MD5withRSA, DH keySize < 1024, EC keySize < 224, 3DES_EDE_CBC, anon, NULL, ECDH' >"$d/tls12.security"
    rc=0; in_ns "$n" java -Djava.security.properties="$d/tls12.security" -jar "$jar" register alice@example.com \
        --registrar sip.example.com:5061 --transport tls --password-file "$d/password" --once >"$d/refused.log" 2>&1 \
        || rc=$?
    stop "$cap"
    [[ $rc == 12 ]] || { cat "$d/refused.log" >&2; say "tls: register without --ca exited $rc, not 12"; return 1; }
    capture "$n" "$d/old.pcap" -i lo tcp port 5061; cap=$LAST_PID
    in_ns "$n" openssl s_client -connect 127.0.0.1:5061 -servername sip.example.com -tls1_1 \
        -cipher 'DEFAULT@SECLEVEL=0' </dev/null >"$d/old.log" 2>&1 || true
    stop "$cap"
    grep -q 'alert protocol version' "$d/old.log" || { cat "$d/old.log" >&2; say "tls: TLS 1.1 not refused"; return 1; }
    cp "$d/ok.pcap" "$here/tls-sipreg.pcap"
    cp "$d/refused.pcap" "$here/tls-certificate-refused.pcap"
    cp "$d/old.pcap" "$here/tls-protocol-version.pcap"
}

# Format variants of real captures, for the reader tests: converted, never written by hand.
rec_variants() {
    local src="$here/baresip-sipreg-udp.pcap"
    editcap -F nsecpcap "$src" "$here/variants/nanoseconds.pcap"
    python3 "$here/convert.py" big-endian "$src" "$here/variants/big-endian.pcap"
    python3 "$here/convert.py" big-endian "$here/variants/nanoseconds.pcap" "$here/variants/big-endian-nanoseconds.pcap"
    python3 "$here/convert.py" bsd-loopback "$src" "$here/variants/bsd-loopback.pcap"
    python3 "$here/convert.py" raw-ip "$src" "$here/variants/raw-ip.pcap"
    python3 "$here/convert.py" vlan "$src" "$here/variants/vlan-qinq.pcap"
    editcap -F pcapng "$src" "$work/a.pcapng"
    editcap -F pcapng "$here/sipp-sipreg-407.pcapng" "$work/b.pcapng"
    cat "$work/a.pcapng" "$work/b.pcapng" >"$here/variants/two-sections.pcapng"
    mergecap -F pcapng -w "$here/variants/two-interfaces.pcapng" "$here/baresip-port-unreachable-sll.pcap" \
        "$here/keepalive-ok.pcap"
    local size; size=$(stat -c %s "$src")
    head -c $((size - 100)) "$src" >"$here/variants/truncated.pcap"
    python3 "$here/convert.py" corrupt-length "$src" "$here/variants/corrupt-record-length.pcap" 5
    mergecap -a -w "$here/variants/concatenated-out-of-order.pcapng" "$here/nat-server-side.pcap" "$src"
    head -c $(( $(stat -c %s "$here/sipp-sipreg-407.pcapng") - 50 )) "$here/sipp-sipreg-407.pcapng" \
        >"$here/variants/truncated.pcapng"
}

all=(baresip_sipreg snaplen linphone_sipreg linphone_kamailio wrong_password challenge_407 challenge_loop interval_too_brief_retried
     interval_too_brief_given_up no_response port_unreachable port_unreachable_v6 nat routed_twice nat_both_sides nat_keepalive_lost nat_mapping_expired sip_alg keepalive cseq malformed tcp_small_mss
     tcp_coalesced fragments vxlan hep tls proxy binding_lapsed outbound dns sha256_only fragments_dropped variants)

[[ -f $root/sipreg-cli/target/sipreg-cli.jar ]] || (cd "$root" && ./mvnw -q -B -DskipTests package -pl sipreg-cli -am)
mkdir -p "$work/sipreg"
cp -r "$root/sipreg-cli/target/sipreg-cli.jar" "$root/sipreg-cli/target/lib" "$work/sipreg/"
mkdir -p "$here/variants"
for scenario in "${@:-${all[@]}}"; do
    say "$scenario"
    "rec_${scenario//-/_}"
done
chmod 644 "$here"/*.pcap* "$here"/variants/*
ls -l "$here"/*.pcap* "$here"/variants/ >&2
