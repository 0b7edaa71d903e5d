package io.sipreg.bench;

import io.sipreg.message.digest.Digest;
import io.sipreg.message.digest.DigestAlgorithm;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the registrar computes per authenticated REGISTER once it has the user's HA1 (RFC 7616 §3.4.1): the
 * request-digest with qop=auth, then the constant-time comparison with the client's response. The baseline is the
 * floor: one reused {@link MessageDigest} hashing the same two inputs (A2, then KD's data), no hex, no strings.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DigestVerify {
    @Param({"MD5", "SHA-256"})
    public String algorithm;

    private static final String METHOD = "REGISTER";
    private static final String URI = "sip:example.com;transport=udp";
    private static final String NONCE = "AAABjQ7w9uXK3sU2f1Qq0wYz3pV1dR8eT5mN4bC7aL0";
    private static final String NC = "00000001";
    private static final String CNONCE = "a3b5c7d9e1f30517";

    private DigestAlgorithm digestAlgorithm;
    private String ha1;
    private String clientResponse;
    private MessageDigest md;
    private byte[] a2;
    private byte[] kd;

    @Setup
    public void setUp() throws NoSuchAlgorithmException {
        digestAlgorithm = DigestAlgorithm.fromWire(algorithm).orElseThrow();
        ha1 = Digest.ha1(digestAlgorithm, "alice", "example.com", "s3cret");
        // The client answered in upper case, which matches() must accept.
        clientResponse = Digest.response(digestAlgorithm, ha1, METHOD, URI, NONCE, NC, CNONCE, "auth")
                .toUpperCase(java.util.Locale.ROOT);
        md = MessageDigest.getInstance(digestAlgorithm.jcaName());
        a2 = (METHOD + ':' + URI).getBytes(StandardCharsets.UTF_8);
        String ha2 = Digest.hash(digestAlgorithm, METHOD + ':' + URI);
        kd = (ha1 + ':' + NONCE + ':' + NC + ':' + CNONCE + ":auth:" + ha2).getBytes(StandardCharsets.UTF_8);
        if (!verify()) {
            throw new IllegalStateException("the response does not verify");
        }
    }

    @Benchmark
    public boolean verify() {
        String expected = Digest.response(digestAlgorithm, ha1, METHOD, URI, NONCE, NC, CNONCE, "auth");
        return Digest.matches(expected, clientResponse);
    }

    @Benchmark
    public byte[] baselineMessageDigest() {
        md.update(a2);
        md.digest();
        md.update(kd);
        return md.digest();
    }
}
