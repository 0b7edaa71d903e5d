package io.sipreg.analyzer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * SIP over TLS (RFC 3261 §26.2; port 5061 by custom) cannot be read from a capture, but the start of its handshake
 * can: the ClientHello names the server the phone wants (SNI, RFC 6066 §3) and the versions it offers
 * (supported_versions, RFC 8446 §4.2.1), and until keys are in use an alert travels in clear (RFC 8446 §6, RFC 5246
 * §7.2): a server refusing the phone's versions or ciphers, a phone refusing the server's certificate. That is
 * most of what goes wrong when phones move to TLS, and it is what this class tells.
 *
 * <p>Only segments that start with a TLS record are looked at, and only the records whole in them; a ClientHello
 * split over two segments is still counted, without its server name.
 */
final class TlsHandshakes {
    private static final int CHANGE_CIPHER_SPEC = 20;
    private static final int ALERT = 21;
    private static final int HANDSHAKE = 22;
    private static final int APPLICATION_DATA = 23;
    private static final int CLIENT_HELLO = 1;
    private static final int SERVER_NAME = 0x0000;
    private static final int SUPPORTED_VERSIONS = 0x002B;
    /** Enough for every connection of a busy capture; past it the oldest knowledge is dropped whole. */
    private static final int MAX_CONNECTIONS = 100_000;
    private static final int MAX_SERVERS_NAMED = 1_000;

    private record Connection(Endpoint client, Endpoint server) {
    }

    /** What the ClientHello said, and where it was. */
    private record Hello(long frame, String serverName, int offeredMax, int offeredMin) {
    }

    private final Map<Connection, Hello> hellos = new HashMap<>();
    private final Set<Endpoint> serversNamed = new HashSet<>();
    private long clientHellos;
    private long refusals;

    /** True when the segment starts with a TLS record; findings about it go to {@code out}. */
    boolean segment(long frame, Endpoint source, Endpoint destination, byte[] d, int at, int len,
                    Consumer<Finding> out) {
        if (!startsRecord(d, at, len)) {
            return false;
        }
        int end = at + len;
        for (int p = at; startsRecord(d, p, end - p); ) {
            int type = d[p] & 0xFF;
            int length = Bytes.u16(d, p + 3);
            int body = p + 5;
            if (body + length > end) {
                if (type == HANDSHAKE && body + 4 <= end && d[body] == CLIENT_HELLO) {
                    clientHello(frame, source, destination, d, body, end, out);     // the rest is in later segments
                }
                break;
            }
            if (type == HANDSHAKE && length >= 4 && d[body] == CLIENT_HELLO) {
                clientHello(frame, source, destination, d, body, body + length, out);
            } else if (type == ALERT && length == 2) {
                // Two bytes: in clear. Once keys are in use an alert is longer (it carries a tag or a MAC).
                alert(frame, source, destination, d[body] & 0xFF, d[body + 1] & 0xFF, out);
            }
            p = body + length;
        }
        return true;
    }

    /** How many TLS handshakes began in the capture, and how many were refused in clear: for the summary. */
    String note() {
        return clientHellos == 0 ? null : "TLS: " + clientHellos + (clientHellos == 1 ? " handshake" : " handshakes")
                + " began (the SIP inside is encrypted), " + refusals + " refused with an alert in clear";
    }

    private static boolean startsRecord(byte[] d, int at, int len) {
        if (len < 5) {
            return false;
        }
        int type = d[at] & 0xFF;
        return type >= CHANGE_CIPHER_SPEC && type <= APPLICATION_DATA && d[at + 1] == 3 && (d[at + 2] & 0xFF) <= 4
                && Bytes.u16(d, at + 3) <= (1 << 14) + 2048;
    }

    private void clientHello(long frame, Endpoint client, Endpoint server, byte[] d, int at, int end,
                             Consumer<Finding> out) {
        clientHellos++;
        String serverName = null;
        int legacyVersion = at + 6 <= end ? Bytes.u16(d, at + 4) : 0;
        int offeredMax = legacyVersion;
        int offeredMin = legacyVersion;
        // legacy_version(2) random(32) session_id<1> cipher_suites<2> compression_methods<1> extensions<2>
        int p = at + 4 + 2 + 32;
        if (p < end) {
            p += 1 + (d[p] & 0xFF);
        }
        if (p + 2 <= end) {
            p += 2 + Bytes.u16(d, p);
        }
        if (p < end) {
            p += 1 + (d[p] & 0xFF);
        }
        if (p + 2 <= end) {
            int extensionsEnd = Math.min(end, p + 2 + Bytes.u16(d, p));
            for (p += 2; p + 4 <= extensionsEnd; ) {
                int type = Bytes.u16(d, p);
                int length = Bytes.u16(d, p + 2);
                int v = p + 4;
                if (v + length > extensionsEnd) {
                    break;
                }
                if (type == SERVER_NAME && length >= 5 && d[v + 2] == 0) {
                    int nameLength = Bytes.u16(d, v + 3);
                    if (v + 5 + nameLength <= v + length) {
                        var name = new StringBuilder(nameLength);
                        Bytes.printable(name, d, v + 5, nameLength);
                        serverName = name.toString();
                    }
                } else if (type == SUPPORTED_VERSIONS && length >= 1) {
                    int listEnd = Math.min(v + length, v + 1 + (d[v] & 0xFF));
                    int max = 0;
                    int min = Integer.MAX_VALUE;
                    for (int q = v + 1; q + 2 <= listEnd; q += 2) {
                        int version = Bytes.u16(d, q);
                        if ((version & 0x0F0F) == 0x0A0A) {
                            continue;       // GREASE (RFC 8701): a value no server may choose
                        }
                        max = Math.max(max, version);
                        min = Math.min(min, version);
                    }
                    if (max > 0) {
                        offeredMax = max;
                        offeredMin = min;
                    }
                }
                p = v + length;
            }
        }
        if (hellos.size() >= MAX_CONNECTIONS) {
            hellos.clear();
        }
        hellos.put(new Connection(client, server), new Hello(frame, serverName, offeredMax, offeredMin));
        if (serversNamed.size() < MAX_SERVERS_NAMED && serversNamed.add(server)) {
            out.accept(new Finding("tls-encrypted", Severity.INFO, "SIP over TLS from " + client + " to " + server
                    + " (" + (serverName != null ? "server name \"" + serverName + "\", " : "no server name, ")
                    + "the client offers " + versions(offeredMin, offeredMax) + "): the messages are encrypted, so"
                    + " registrations over this and other connections to " + server + " cannot be explained from"
                    + " this capture. Capture where SIP travels in clear (behind the TLS endpoint), or have the"
                    + " server mirror it (HEP).", List.of(frame)));
        }
    }

    private void alert(long frame, Endpoint source, Endpoint destination, int level, int description,
                       Consumer<Finding> out) {
        if (description == 0 || description == 90) {
            return;     // close_notify, user_canceled: an orderly end
        }
        Hello asClient = hellos.get(new Connection(source, destination));
        Hello asServer = hellos.get(new Connection(destination, source));
        boolean fromServer = asServer != null;
        Hello hello = fromServer ? asServer : asClient;
        String alert = "alert " + alertName(description) + ", " + description + (level == 2 ? ", fatal" : "");
        String why;
        if (hello == null) {
            why = source + " ended a TLS handshake with " + destination + " (" + alert + "); its start is not in the"
                    + " capture.";
        } else if (fromServer) {
            why = serverRefused(source, destination, alert, description, hello);
        } else {
            why = clientRefused(source, destination, alert, description, hello);
        }
        refusals++;
        var frames = new ArrayList<Long>(2);
        if (hello != null) {
            frames.add(hello.frame);
        }
        frames.add(frame);
        out.accept(new Finding("tls-refused", Severity.ERROR, why, frames));
    }

    private static String serverRefused(Endpoint server, Endpoint client, String alert, int description, Hello h) {
        String head = "The server " + server + " refused the TLS handshake of " + client + " (" + alert + "): ";
        return head + switch (description) {
            case 70 -> "the client offers " + versions(h.offeredMin, h.offeredMax) + ", a version the server does not"
                    + " accept. Update the phone's firmware or TLS settings to TLS 1.2 or later (or allow that"
                    + " version on the server).";
            case 40, 71 -> "client and server have no cipher suite, group or signature algorithm in common. Compare"
                    + " the phone's TLS settings with the server's.";
            case 112 -> "it has no certificate for the server name "
                    + (h.serverName != null ? "\"" + h.serverName + "\"" : "(none was sent)")
                    + " the client asked for. Point the phone at the name on the server's certificate.";
            case 116, 42, 43, 44, 45, 46, 48 -> "it asks for the client's own certificate (mutual TLS) and got none it"
                    + " accepts. Give the phone a certificate signed by a CA the server trusts.";
            default -> "the handshake failed on the server's side.";
        };
    }

    private static String clientRefused(Endpoint client, Endpoint server, String alert, int description, Hello h) {
        String head = "The client " + client + " broke off its TLS handshake with " + server + " (" + alert + "): ";
        String name = h.serverName != null ? "\"" + h.serverName + "\"" : "the address it used";
        return head + switch (description) {
            case 42, 43, 46, 48 -> "it does not accept the server's certificate (not signed by a CA it trusts, or"
                    + " not for " + name + "). Install the CA that signed the server's certificate on the phone, or"
                    + " give the server a certificate for the name the phone uses.";
            case 44 -> "the server's certificate has been revoked. The server needs a new certificate.";
            case 45 -> "the server's certificate has expired, or the phone's clock is wrong.";
            case 70, 40, 71 -> "the server chose a version or cipher the client does not accept.";
            default -> "the handshake failed on the client's side.";
        };
    }

    private static String versions(int min, int max) {
        return min == max ? versionName(max) : versionName(min) + " to " + versionName(max);
    }

    private static String versionName(int version) {
        return switch (version) {
            case 0x0300 -> "SSL 3.0";
            case 0x0301 -> "TLS 1.0";
            case 0x0302 -> "TLS 1.1";
            case 0x0303 -> "TLS 1.2";
            case 0x0304 -> "TLS 1.3";
            default -> String.format("version 0x%04x", version);
        };
    }

    /** RFC 8446 §6 (and RFC 5246 §7.2 for those TLS 1.3 dropped). */
    private static String alertName(int description) {
        return switch (description) {
            case 10 -> "unexpected_message";
            case 20 -> "bad_record_mac";
            case 22 -> "record_overflow";
            case 40 -> "handshake_failure";
            case 42 -> "bad_certificate";
            case 43 -> "unsupported_certificate";
            case 44 -> "certificate_revoked";
            case 45 -> "certificate_expired";
            case 46 -> "certificate_unknown";
            case 47 -> "illegal_parameter";
            case 48 -> "unknown_ca";
            case 49 -> "access_denied";
            case 50 -> "decode_error";
            case 51 -> "decrypt_error";
            case 70 -> "protocol_version";
            case 71 -> "insufficient_security";
            case 80 -> "internal_error";
            case 86 -> "inappropriate_fallback";
            case 109 -> "missing_extension";
            case 110 -> "unsupported_extension";
            case 112 -> "unrecognized_name";
            case 113 -> "bad_certificate_status_response";
            case 115 -> "unknown_psk_identity";
            case 116 -> "certificate_required";
            case 120 -> "no_application_protocol";
            default -> "number " + description;
        };
    }
}
