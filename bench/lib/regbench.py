#!/usr/bin/env python3
"""Helpers of bench/register-rate: the files it feeds to the registrars and SIPp, and the parsing of what comes
back (SIPp statistics and error logs, packet captures, /proc). Every subcommand prints JSON or plain words for the
bash driver; nothing here starts or stops a process."""

import collections
import datetime
import glob
import hashlib
import json
import os
import random
import re
import secrets
import struct
import sys


def cmd_users(n, w, domain, out):
    """users.txt for `sipreg users import` (user,password), Kamailio's htable as a db_text table (user -> MD5 HA1),
    and the SIPp pools: pool.txt (measured users) and warm.txt (warm-up users), 'user;domain;password;auth'."""
    n, w = int(n), int(w)
    os.makedirs(os.path.join(out, "kamailio-db"), exist_ok=True)
    with open(os.path.join(out, "users.txt"), "w") as users, \
            open(os.path.join(out, "kamailio-db", "htable"), "w") as ht, \
            open(os.path.join(out, "pool.txt"), "w") as pool, \
            open(os.path.join(out, "warm.txt"), "w") as warm:
        ht.write("id(int,auto) key_name(string) key_type(int) value_type(int) key_value(string) expires(int) \n")
        rows = [("u%07d" % i, pool) for i in range(1, n + 1)] + [("w%07d" % i, warm) for i in range(1, w + 1)]
        lines = {pool: [], warm: []}
        for row_id, (user, sink) in enumerate(rows, 1):
            password = secrets.token_hex(6)
            users.write(f"{user},{password}\n")
            ha1 = hashlib.md5(f"{user}:{domain}:{password}".encode()).hexdigest()
            ht.write(f"{row_id}:{user}:0:0:{ha1}:0\n")
            lines[sink].append(f"{user};{domain};{password};[authentication username={user} password={password}]\n")
        # Devices come back after an outage in no order of their names: a store kept in key order (SQLite's B-tree)
        # then writes all over its pages, not at the end of one as names in sequence would let it.
        for sink, sink_lines in lines.items():
            random.Random(20261127).shuffle(sink_lines)
            sink.writelines(sink_lines)


def cmd_inj(pool, count, tag, out, laps="new"):
    """A SIPp injection file of COUNT registrations taken from POOL in order. The 5th field goes into the Contact
    (;b=TAG), so every REGISTER is a new binding; past the end of the pool it starts again with TAG.2, TAG.3 ...
    With LAPS "same" it starts again with TAG itself: each further lap replaces the bindings of the first."""
    count = int(count)
    with open(pool) as f:
        lines = f.read().splitlines()
    with open(out, "w") as o:
        o.write("SEQUENTIAL\n")
        for i in range(count):
            lap = i // len(lines)
            o.write(f"{lines[i % len(lines)]};{tag if lap == 0 or laps == 'same' else f'{tag}.{lap + 1}'}\n")
    print(min(count, len(lines)))  # distinct addresses-of-record


def cmd_split(inj, n):
    """Deals the registrations of INJ out to N files inj-0.csv ... (one per SIPp), round robin."""
    n = int(n)
    with open(inj) as f:
        lines = f.read().splitlines()[1:]
    base = inj[:-len(".csv")]
    for k in range(n):
        with open(f"{base}-{k}.csv", "w") as o:
            o.write("SEQUENTIAL\n")
            o.writelines(line + "\n" for line in lines[k::n])


def cmd_share(count, n, k):
    """How many of COUNT registrations SIPp K of N makes (what cmd_split dealt it)."""
    count, n, k = int(count), int(n), int(k)
    print(len(range(k, count, n)))


def cmd_sum_times(directory, n):
    """User and system seconds of the N SIPps summed, and the longest wall time (GNU time's last lines)."""
    user = system = wall = 0.0
    for k in range(int(n)):
        try:
            u, s, e = open(os.path.join(directory, f"sipp-{k}.time")).read().split("\n")[-2].split()[:3]
        except (OSError, ValueError, IndexError):
            continue
        user, system, wall = user + float(u), system + float(s), max(wall, float(e))
    print(user, system, wall)


def _stat_rows(path):
    with open(path) as f:
        rows = [r.rstrip(";\n").split(";") for r in f if r.strip()]
    header, data = rows[0], rows[1:]
    return header, [dict(zip(header, r)) for r in data]


def _epoch(field):
    # "2026-11-25\t16:34:05.714717\t1795624445.714717"
    return float(field.split("\t")[-1])


FAILURE_COLUMNS = ["FailedMaxUDPRetrans", "FailedUnexpectedMessage", "FailedCallRejected", "FailedCmdNotSent",
                   "FailedTimeoutOnRecv", "FailedTimeoutOnSend", "FailedOutboundCongestion", "FailedCannotSendMessage",
                   "FailedRegexpDoesntMatch", "FailedRegexpHdrNotFound"]


def sipp_stats(pattern, count):
    """The cumulative counters of the last statistics line of each SIPp (their files match PATTERN), summed, and
    the rate they really created calls at together: calls created by the last sample taken while still creating,
    over the time since start, summed over the SIPps."""
    parts = [_one_sipp_stats(path) for path in sorted(glob.glob(pattern))]
    total = {}
    for key in ("created", "successful", "failed", "retransmissions", "dead_call_msgs", "out_of_call_msgs"):
        total[key] = sum(p[key] for p in parts)
    failures = collections.Counter()
    for p in parts:
        failures.update(p["failures"])
    total["failures"] = dict(failures)
    total["achieved_rate"] = round(sum(p["achieved_rate"] for p in parts), 1)
    seconds = [p["creation_seconds"] for p in parts]
    total["creation_seconds"] = round(max(seconds), 2) if all(seconds) else None
    total["elapsed_seconds"] = round(max(p["elapsed_seconds"] for p in parts), 2)
    total["sipps"] = len(parts)
    return total


def _one_sipp_stats(path):
    _, rows = _stat_rows(path)
    last = rows[-1]
    start = _epoch(last["StartTime"])
    achieved = None
    # A SIPp stops creating at its -m: the last sample before it got there gives its creation rate.
    limit = max(int(r["TotalCallCreated"]) for r in rows)
    creating = [r for r in rows if int(r["TotalCallCreated"]) < limit and _epoch(r["CurrentTime"]) - start >= 0.9]
    if creating:
        r = creating[-1]
        achieved = int(r["TotalCallCreated"]) / (_epoch(r["CurrentTime"]) - start)
    done = [r for r in rows if int(r["TotalCallCreated"]) >= limit]
    creation_seconds = (_epoch(done[0]["CurrentTime"]) - start) if done else None
    if achieved is None:  # everything created before the first sample: only the cumulative rate is known
        achieved = float(last["CallRate(C)"])
    return {
        "created": int(last["TotalCallCreated"]),
        "successful": int(last["SuccessfulCall(C)"]),
        "failed": int(last["FailedCall(C)"]),
        "retransmissions": int(last["Retransmissions(C)"]),
        "dead_call_msgs": int(last["DeadCallMsgs(C)"]),
        "out_of_call_msgs": int(last["OutOfCallMsgs(C)"]),
        "failures": {c: int(last[c + "(C)"]) for c in FAILURE_COLUMNS if int(last.get(c + "(C)", "0") or 0)},
        "achieved_rate": achieved,
        "creation_seconds": creation_seconds,
        "elapsed_seconds": _epoch(last["CurrentTime"]) - start,
    }


def sipp_errors(pattern):
    """What the SIPps' error logs (matching PATTERN) say went wrong: 'while expecting X, received Y' pairs and other
    events, counted."""
    kinds = collections.Counter()
    for path in glob.glob(pattern):
        text = open(path, errors="replace").read()
        for m in re.finditer(r"while expecting '(\d+)'[^,]*, received '([^\r\n']*)", text):
            kinds[f"expected {m.group(1)}, received {m.group(2).strip()}"] += 1
        for m in re.finditer(r"\d+\.\d+: ([^'\n]*?)(?: for Call-I[Dd]| in call|\n)", text):
            msg = m.group(1).strip()
            if msg and not msg.startswith("Aborting call on unexpected message"):
                kinds[re.sub(r"\d+", "N", msg)[:120]] += 1
    return dict(kinds.most_common(8))


def sipp_rtt(directory):
    """SIPp's own response times (-trace_rtt; whole milliseconds, so only the tail means much): per response-time
    counter, 1 = REGISTER -> 401, 2 = REGISTER with credentials -> 200."""
    values = collections.defaultdict(list)
    for path in glob.glob(os.path.join(directory, "*_rtt.csv")):
        with open(path) as f:
            for line in f:
                parts = line.strip().split(";")
                if len(parts) == 3 and parts[2].isdigit():
                    values[parts[2]].append(float(parts[1]))
    out = {}
    for rtd, v in sorted(values.items()):
        v.sort()
        out[rtd] = {"n": len(v), "p50": _quantile(v, 0.5), "p99": _quantile(v, 0.99), "max": v[-1]}
    return out


def disturbed(s):
    """Other processes or the hypervisor took more than 15% of a core during the step (older JSON: others only)."""
    return s.get("disturbed", (s.get("other_cpu_pct") or 0) > 15)


def disturbance(s):
    return f"other processes {s.get('other_cpu_pct')}%, steal {s.get('steal_cpu_pct', '-')}%"


def cmd_step(stat, errors, count, rate, extra_json):
    """One benchmark step as a JSON line: SIPp's counters plus what the driver measured (CPU, drops, ...), and the
    verdict: pass, registrar (failed calls or retransmissions) or sipp (SIPp could not create the calls fast enough,
    or SIPp itself was saturated when things went wrong, so the registrar cannot be blamed for sure)."""
    rate = int(rate)
    s = sipp_stats(stat, count)
    extra = json.loads(extra_json)
    s.update(extra)
    s["target_rate"] = rate
    s["sipp_errors"] = sipp_errors(errors)
    s["sipp_response_ms"] = sipp_rtt(os.path.dirname(stat))
    ok = s["successful"]
    tck = os.sysconf("SC_CLK_TCK")
    if ok:
        s["registrar_cpu_us_per_reg"] = round(extra["registrar_cpu_ticks"] / tck * 1e6 / ok, 1)
    # Utilisation while SIPp was creating calls (after that only stragglers and retransmissions are left).
    window = s["creation_seconds"] or s["elapsed_seconds"]
    sipp_s = extra["sipp_user_s"] + extra["sipp_sys_s"]
    reg_s = extra["registrar_cpu_ticks"] / tck
    s["sipp_cpu_pct"] = round(100 * sipp_s / window, 1) if window else None
    s["registrar_cpu_pct"] = round(100 * reg_s / window, 1) if window else None
    # What the host's CPU did besides the registrar, SIPp and dumpcap: softirq is mostly the kernel handling the
    # load's own packets; steal is time the hypervisor gave to other virtual machines (this one waited, runnable);
    # the rest is other processes (other users' builds and tests). Steal and other processes disturb the step.
    softirq_s = extra.get("host_softirq_ticks", 0) / tck
    steal_s = extra.get("host_steal_ticks", 0) / tck
    other_s = max(0.0, extra["host_busy_ticks"] / tck - reg_s - sipp_s - extra.get("dumpcap_cpu_s", 0)
                  - softirq_s - steal_s)
    wall = extra.get("sipp_wall_s") or s["elapsed_seconds"]
    s["other_cpu_pct"] = round(100 * other_s / wall, 1) if wall else None
    s["steal_cpu_pct"] = round(100 * steal_s / wall, 1) if wall else None
    s["softirq_cpu_pct"] = round(100 * softirq_s / wall, 1) if wall else None
    s["disturbed"] = (s["other_cpu_pct"] or 0) > 15 or (s["steal_cpu_pct"] or 0) > 15
    # SIPp is single-threaded: at 90% of a core each is saturated.
    sipp_busy = (s["sipp_cpu_pct"] or 0) >= 90 * s.get("sipps", 1)
    if s["failed"] or s["retransmissions"] or s["successful"] < s["created"] or s["created"] < int(count):
        s["verdict"] = "sipp" if sipp_busy else "registrar"
    elif s["achieved_rate"] < 0.95 * rate:
        s["verdict"] = "sipp"
    else:
        s["verdict"] = "pass"
    print(json.dumps(s))


def cmd_proc_mem(*pids):
    """RSS and PSS in KiB summed over PIDS (smaps_rollup). PSS shares shared pages out, so summing it over
    Kamailio's processes counts its shared memory once; summed RSS counts it once per process."""
    rss = pss = 0
    for pid in pids:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
    print(json.dumps({"rss_kib": rss, "pss_kib": pss}))


def cmd_heap(path):
    """Java heap used (KiB), from `jcmd PID GC.heap_info` right after `jcmd PID GC.run`."""
    used = 0
    meta = None
    for line in open(path):
        m = re.match(r"\s*(PSYoungGen|ParOldGen|garbage-first heap|def new generation|tenured generation|"
                     r"ZHeap|Shenandoah)\b.*?used (\d+)K", line)
        if m:
            used += int(m.group(2))
        m = re.match(r"\s*Metaspace\s+used (\d+)K", line)
        if m:
            meta = int(m.group(1))
    print(json.dumps({"heap_used_kib": used, "metaspace_used_kib": meta}))


def cmd_udp_drops(port):
    """Datagrams the kernel dropped on sockets bound to 127.0.0.1:PORT (receive buffer full), and the host's
    UDP RcvbufErrors counter, as 'socket_drops host_rcvbuf_errors'."""
    port = int(port)
    drops = 0
    with open("/proc/net/udp") as f:
        next(f)
        for line in f:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port:
                drops += int(fields[-1])
    with open("/proc/net/snmp") as f:
        udp = [line.split() for line in f if line.startswith("Udp:")]
    host = int(dict(zip(udp[0][1:], udp[1][1:]))["RcvbufErrors"])
    print(drops, host)


def _pcap_packets(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        pkt = data[off:off + incl]
        off += incl
        ts = sec + frac / (1e9 if nano else 1e6)
        if linktype == 1:       # Ethernet (Linux loopback)
            ip = pkt[14:]
        elif linktype == 113:   # Linux cooked
            ip = pkt[16:]
        elif linktype == 276:   # Linux cooked v2
            ip = pkt[20:]
        else:
            ip = pkt
        if not ip or ip[0] >> 4 != 4:
            continue
        ihl = (ip[0] & 15) * 4
        udp = ip[ihl:]
        yield ts, struct.unpack(">H", udp[0:2])[0], struct.unpack(">H", udp[2:4])[0], udp[8:]


def _quantile(sorted_values, q):
    if not sorted_values:
        return None
    i = min(len(sorted_values) - 1, max(0, int(round(q * (len(sorted_values) - 1)))))
    return sorted_values[i]


def cmd_latency(path, port):
    """Registrar response times from a capture on lo: first REGISTER of a transaction seen -> first response with
    the same Call-ID and CSeq seen, in ms, per CSeq (1: the challenge, 2: the authenticated REGISTER -> 200)."""
    port = int(port)
    requests, responses = {}, {}
    for ts, sport, dport, payload in _pcap_packets(path):
        head = payload[:1200].decode("latin-1")
        cid = re.search(r"\r\n(?:Call-ID|i)\s*:\s*([^\r\n]+)", head, re.I)
        cseq = re.search(r"\r\nCSeq\s*:\s*(\d+)", head, re.I)
        if not cid or not cseq:
            continue
        key = (cid.group(1).strip(), int(cseq.group(1)))
        if dport == port and head.startswith("REGISTER "):
            requests.setdefault(key, ts)
        elif sport == port and head.startswith("SIP/2.0 "):
            responses.setdefault(key, (ts, head[8:11]))
    legs = collections.defaultdict(list)
    statuses = collections.Counter()
    for key, (ts, status) in responses.items():
        statuses[status] += 1
        if key in requests:
            legs[key[1]].append((ts - requests[key]) * 1000)
    out = {"responses": dict(statuses), "unanswered_in_capture": sum(1 for k in requests if k not in responses)}
    for leg, values in sorted(legs.items()):
        values.sort()
        out[f"cseq{leg}"] = {"n": len(values), "p50_ms": round(_quantile(values, 0.5), 3),
                             "p99_ms": round(_quantile(values, 0.99), 3), "max_ms": round(values[-1], 3)}
    print(json.dumps(out))


def _fmt(v, digits=0):
    if v is None:
        return "-"
    return f"{v:,.{digits}f}"


def _ratio(a, b, digits=2):
    if a is None or b in (None, 0):
        return "-"
    return f"{a / b:.{digits}f}"


def cmd_report(result_json):
    """The table of a finished run, from its JSON."""
    r = json.load(open(result_json))
    regs = r["registrars"]
    cols = ["max auth-reg/s", "limited by", "401 p50/p99 ms", "200 p50/p99 ms", "CPU us/reg",
            "RSS B/binding", "PSS B/binding", "heap B/binding", "heap B/binding at rest"]
    rows = []
    for name in ("sipreg", "sipreg-write", "kamailio"):
        if name not in regs:
            continue
        g = regs[name]
        lat = g.get("latency") or {}
        l1, l2 = lat.get("cseq1") or {}, lat.get("cseq2") or {}
        mem = g.get("memory") or {}
        rows.append([name, _fmt(g.get("max_rate")), g.get("limited_by") or "-",
                     f"{_fmt(l1.get('p50_ms'), 2)}/{_fmt(l1.get('p99_ms'), 2)}",
                     f"{_fmt(l2.get('p50_ms'), 2)}/{_fmt(l2.get('p99_ms'), 2)}",
                     _fmt(g.get("cpu_us_per_reg"), 0),
                     _fmt(mem.get("rss_bytes_per_binding")), _fmt(mem.get("pss_bytes_per_binding")),
                     _fmt(mem.get("heap_bytes_per_binding")), _fmt(mem.get("heap_bytes_per_binding_at_rest"))])
    for mine in ("sipreg", "sipreg-write"):
        if mine not in regs or "kamailio" not in regs:
            continue
        s, k = regs[mine], regs["kamailio"]
        sl, kl = s.get("latency") or {}, k.get("latency") or {}
        sm, km = s.get("memory") or {}, k.get("memory") or {}

        def lat_ratio(leg):
            a, b = sl.get(leg) or {}, kl.get(leg) or {}
            return f"{_ratio(a.get('p50_ms'), b.get('p50_ms'), 1)}/{_ratio(a.get('p99_ms'), b.get('p99_ms'), 1)}"
        rows.append([f"{mine}/kamailio", _ratio(s.get("max_rate"), k.get("max_rate")), "",
                     lat_ratio("cseq1"), lat_ratio("cseq2"),
                     _ratio(s.get("cpu_us_per_reg"), k.get("cpu_us_per_reg"), 1),
                     _ratio(sm.get("rss_bytes_per_binding"), km.get("rss_bytes_per_binding"), 1),
                     _ratio(sm.get("pss_bytes_per_binding"), km.get("pss_bytes_per_binding"), 1),
                     _ratio(sm.get("heap_bytes_per_binding"), km.get("heap_bytes_per_binding"), 1),
                     _ratio(sm.get("heap_bytes_per_binding_at_rest"), km.get("heap_bytes_per_binding_at_rest"), 1)])
    widths = [max(len(str(x)) for x in col) for col in zip(["registrar"] + cols, *rows)]
    line = lambda cells: "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(["registrar"] + cols))
    for row in rows:
        print(line(row))
    print()
    print("heap B/binding: Java heap after a full GC for sipreg; Kamailio's shared-memory allocator (real_used) for"
          " Kamailio; right after the load, and at rest (40 s later, when the load's transactions have ended).")
    print("RSS and PSS are summed over all processes of a registrar (Kamailio: main + workers + helpers; summed RSS"
          " counts its shared memory once per process). Kamailio's shared memory was touched when it loaded the"
          " users, so its RSS/PSS growth understates its bindings' size; its real_used does not.")
    print(f"latency, CPU and memory at {r['config']['latency_rate_fraction']:.0%} of each registrar's max"
          " (CPU: all processes and threads of the registrar).")
    for name, g in regs.items():
        for note in g.get("notes", []):
            print(f"{name}: {note}")
    disk = r.get("disk_fdatasync")
    if disk:
        print(f"disk under the data directory, fdatasync of 8 KB appends, one a millisecond for {disk['seconds']} s"
              f" after the load phases: p50 {disk['p50_ms']} ms, p99 {disk['p99_ms']} ms, p99.9 {disk['p999_ms']} ms,"
              f" max {disk['max_ms']} ms, {disk['stalls_over_50ms']} calls over 50 ms,"
              f" {disk.get('cpu_us_per_call', '?')} us of CPU per call (sipreg's 200 OKs wait for"
              " one such call per group commit, sipreg-write's do not; Kamailio's bindings are in memory only)")


def cmd_disk(probe_json, out_json):
    """Record the fdatasync probe (bench/lib/FsyncProbe.java) in the run's JSON."""
    r = json.load(open(out_json))
    try:
        r["disk_fdatasync"] = json.load(open(probe_json))
    except (OSError, ValueError):
        return
    with open(out_json, "w") as f:
        json.dump(r, f, indent=1)


def _growth_per_binding(m0, m1, n, suffix):
    """Bytes per binding from memory snapshot m0 to m1 over n new bindings: RSS, PSS, and the registrar's own view
    (sipreg's live heap, Kamailio's shared memory in use), each key ending in `suffix`."""
    mem = {f"rss_bytes_per_binding{suffix}": round((m1["rss_kib"] - m0["rss_kib"]) * 1024 / n),
           f"pss_bytes_per_binding{suffix}": round((m1["pss_kib"] - m0["pss_kib"]) * 1024 / n)}
    if "heap_used_kib" in m0:
        mem[f"heap_bytes_per_binding{suffix}"] = round((m1["heap_used_kib"] - m0["heap_used_kib"]) * 1024 / n)
    if "shm_real_used" in m0:
        mem[f"heap_bytes_per_binding{suffix}"] = round((m1["shm_real_used"] - m0["shm_real_used"]) / n)
    return mem


def cmd_summarize(name, steps_jsonl, fill_json, out_json):
    """Fold a registrar's steps and its latency/memory phase into the run's JSON under registrars.NAME."""
    steps = [json.loads(l) for l in open(steps_jsonl) if l.strip()]
    passing = [s for s in steps if s["verdict"] == "pass"]
    best = max(passing, key=lambda s: s["target_rate"]) if passing else None
    above = sorted((s for s in steps if s["verdict"] != "pass" and (not best or s["target_rate"] > best["target_rate"])),
                   key=lambda s: s["target_rate"])
    g = {"steps": steps, "max_rate": best["target_rate"] if best else 0,
         "cpu_us_per_reg": best.get("registrar_cpu_us_per_reg") if best else None,
         "cpu_us_per_reg_measured_at": best["target_rate"] if best else None,
         "limited_by": above[0]["verdict"] if above else "not reached (search bound)", "notes": []}
    if above and above[0]["verdict"] == "sipp":
        a = above[0]
        g["notes"].append(f"SIPp limit: at {a['target_rate']}/s SIPp achieved {a['achieved_rate']}/s "
                          f"using {a['sipp_cpu_pct']}% of a core, the registrar {a['registrar_cpu_pct']}% "
                          f"(failed {a['failed']}, retransmissions {a['retransmissions']})")
    elif above:
        a = above[0]
        g["notes"].append(f"first failing step {a['target_rate']}/s: failed {a['failed']} {a['failures']}, "
                          f"retransmissions {a['retransmissions']}, SIPp {a['sipp_cpu_pct']}% of a core, registrar "
                          f"{a['registrar_cpu_pct']}% of a core, registrar socket drops {a.get('registrar_socket_drops')}")
    noisy = [s for s in steps if disturbed(s)]
    if noisy:
        g["notes"].append("other processes or the hypervisor (steal) took more than 15% of a core during steps at "
                          + ", ".join(f"{s['target_rate']}/s ({disturbance(s)})" for s in noisy)
                          + ": those results are not trustworthy")
    if os.path.exists(fill_json) and os.path.getsize(fill_json):
        f = json.load(open(fill_json))
        g["latency_phase"] = f
        g["latency"] = f.get("latency")
        if disturbed(f):
            g["notes"].append(f"the latency phase at {f['target_rate']}/s was disturbed ({disturbance(f)}): "
                              "its percentiles are not trustworthy")
        # The longest run at a steady rate: JIT compilation weighs least here.
        if f.get("registrar_cpu_us_per_reg"):
            g["cpu_us_per_reg"] = f["registrar_cpu_us_per_reg"]
            g["cpu_us_per_reg_measured_at"] = f["target_rate"]
        m0, m1 = f.get("mem_before") or {}, f.get("mem_after") or {}
        n = f.get("successful") or 0
        if n and m0 and m1:
            mem = {"bindings": n, **_growth_per_binding(m0, m1, n, "")}
            m2 = f.get("mem_rest") or {}
            if m2:
                # Once the load's transactions have ended: what the bindings themselves cost.
                mem.update(_growth_per_binding(m0, m2, n, "_at_rest"))
            g["memory"] = mem
        if f.get("verdict") != "pass":
            g["notes"].append(f"latency/memory phase at {f['target_rate']}/s was not clean: failed {f['failed']}, "
                              f"retransmissions {f['retransmissions']}")
    r = json.load(open(out_json)) if os.path.exists(out_json) else {}
    r.setdefault("registrars", {})[name] = g
    json.dump(r, open(out_json, "w"), indent=1)


def cmd_merge(out_json, key, value_json):
    """Set KEY (dotted) in OUT_JSON to VALUE_JSON."""
    r = json.load(open(out_json)) if os.path.exists(out_json) and os.path.getsize(out_json) else {}
    node = r
    parts = key.split(".")
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = json.loads(value_json)
    json.dump(r, open(out_json, "w"), indent=1)


def expanded_java_opts(options):
    """The JVM options as the JVM reads them: an @argfile replaced by its lines without comments, so that a result
    records what was measured even after the argfile changed."""
    words = []
    for word in options.split():
        if word.startswith("@"):
            words += [line.strip() for line in open(word[1:]) if line.strip() and not line.lstrip().startswith("#")]
        else:
            words.append(word)
    return " ".join(words)


def cmd_java_opts(options):
    print(expanded_java_opts(options))


def cmd_get(json_file, key):
    """Print KEY (dotted) of JSON_FILE, for the driver."""
    node = json.load(open(json_file))
    for p in key.split("."):
        node = node.get(p) if isinstance(node, dict) else None
    print("" if node is None else node)


COMMANDS = {"users": cmd_users, "inj": cmd_inj, "split": cmd_split, "share": cmd_share, "sum-times": cmd_sum_times,
            "step": cmd_step, "proc-mem": cmd_proc_mem, "heap": cmd_heap,
            "udp-drops": cmd_udp_drops, "latency": cmd_latency, "disk": cmd_disk, "report": cmd_report,
            "summarize": cmd_summarize,
            "merge": cmd_merge, "get": cmd_get, "java-opts": cmd_java_opts}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit("usage: regbench.py " + "|".join(COMMANDS) + " ARGS...")
    COMMANDS[sys.argv[1]](*sys.argv[2:])
