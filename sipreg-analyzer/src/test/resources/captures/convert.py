#!/usr/bin/env python3
"""Converts a real pcap capture into format variants the recorder cannot produce on Linux, for the reader tests.

  convert.py big-endian IN OUT         the same file written in big-endian byte order (as a SPARC or POWER host writes it)
  convert.py bsd-loopback IN OUT       Ethernet frames re-framed as BSD loopback (LINKTYPE_NULL, family in little-endian)
  convert.py raw-ip IN OUT             Ethernet frames re-framed as raw IP (LINKTYPE_RAW)
  convert.py vlan IN OUT               an 802.1ad outer tag and an 802.1Q inner tag inserted in every Ethernet frame (QinQ)
  convert.py corrupt-length IN OUT N   the header of record N claims an impossible captured length

The packets themselves are never invented: every byte after the link layer comes from IN.
"""
import struct
import sys


def read_pcap(path):
    data = open(path, 'rb').read()
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '>'
    else:
        sys.exit(f'{path}: not a classic pcap file')
    magic_value, vmaj, vmin, zone, sigfigs, snaplen, link = struct.unpack(e + 'IHHiIII', data[:24])
    records = []
    pos = 24
    while pos + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + 'IIII', data[pos:pos + 16])
        records.append([sec, frac, orig, data[pos + 16:pos + 16 + incl]])
        pos += 16 + incl
    return magic_value, snaplen, link, records


def write_pcap(path, magic_value, snaplen, link, records, e='<'):
    with open(path, 'wb') as f:
        f.write(struct.pack(e + 'IHHiIII', magic_value, 2, 4, 0, 0, snaplen, link))
        for sec, frac, orig, frame in records:
            f.write(struct.pack(e + 'IIII', sec, frac, len(frame), orig))
            f.write(frame)


def main():
    op, src, dst = sys.argv[1:4]
    magic, snaplen, link, records = read_pcap(src)
    if op == 'big-endian':
        write_pcap(dst, magic, snaplen, link, records, '>')
        return
    if op == 'corrupt-length':
        n = int(sys.argv[4])
        write_pcap(dst, magic, snaplen, link, records)
        data = bytearray(open(dst, 'rb').read())
        pos = 24
        for i in range(n - 1):
            pos += 16 + len(records[i][3])
        data[pos + 8:pos + 12] = struct.pack('<I', 0x7FFFFFF0)
        open(dst, 'wb').write(bytes(data))
        return
    if link != 1:
        sys.exit(f'{src}: {op} needs Ethernet frames (link type 1), not {link}')
    out = []
    for sec, frac, orig, frame in records:
        ethertype = frame[12:14]
        payload = frame[14:]
        if op == 'bsd-loopback':
            family = 2 if ethertype == b'\x08\x00' else 28
            new = struct.pack('<I', family) + payload
        elif op == 'raw-ip':
            new = payload
        elif op == 'vlan':
            new = frame[:12] + b'\x88\xa8\x00\x64' + b'\x81\x00\x00\xc8' + frame[12:]
        else:
            sys.exit(f'unknown operation {op}')
        out.append([sec, frac, orig - len(frame) + len(new), new])
    new_link = {'bsd-loopback': 0, 'raw-ip': 101, 'vlan': 1}[op]
    write_pcap(dst, magic, snaplen, new_link, out)


if __name__ == '__main__':
    main()
