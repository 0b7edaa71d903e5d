package io.sipreg.bench;

import io.sipreg.message.ParseResult;
import io.sipreg.message.SipParser;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import io.sipreg.message.SipWriter;
import io.sipreg.registrar.RegistrarSamples;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The two responses of a digest registration, built by the registrar's own Responses from baresip's REGISTER:
 * 401 with WWW-Authenticate, and 200 with Contact;expires, Date and Server.
 *
 * <p>{@code write401}/{@code write200} are {@code SipWriter.write} of a built response; {@code build*AndWrite} add
 * the building (copying Via/From/To/Call-ID/CSeq, the To tag, Headers.Builder), which the server also does per
 * response. The baseline is {@code String.getBytes} of the 200's wire text: encoding a finished string once.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class WriteResponse {
    private RegistrarSamples samples;
    private SipRequest request;
    private SipResponse unauthorized;
    private SipResponse ok;
    private String okText;

    @Setup
    public void setUp() {
        var parsed = (ParseResult.Parsed) SipParser.strict().parse(Messages.wire(Messages.BARESIP));
        request = (SipRequest) parsed.message();
        samples = new RegistrarSamples("example.com", "sip:alice@example.com",
                "<sip:alice-0x55b5fdb27550@127.0.0.1:58117;transport=udp>",
                "sip:alice-0x55b5fdb27550@127.0.0.1:58117;transport=udp");
        unauthorized = samples.challenge(request);
        ok = samples.registered(request);
        okText = SipWriter.toText(ok);
    }

    @Benchmark
    public byte[] write401() {
        return SipWriter.write(unauthorized);
    }

    @Benchmark
    public byte[] write200() {
        return SipWriter.write(ok);
    }

    @Benchmark
    public byte[] buildAndWrite401() {
        return SipWriter.write(samples.challenge(request));
    }

    @Benchmark
    public byte[] buildAndWrite200() {
        return SipWriter.write(samples.registered(request));
    }

    @Benchmark
    public byte[] baselineGetBytes200() {
        return okText.getBytes(StandardCharsets.UTF_8);
    }
}
