package io.sipreg.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.nio.channels.ClosedChannelException;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits behind the {@link SslHandler} of a TLS connection: logs how the handshake went, and takes the TLS errors, so
 * a client that offers TLS 1.1 or distrusts our certificate is one log line that names the reason, not an internal
 * error. On a connection opened from this side the failure is the open's own result, so it is logged at DEBUG.
 */
final class TlsHandshakeLog extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(TlsHandshakeLog.class);

    private final Flow flow;
    private final boolean openedHere;

    TlsHandshakeLog(Flow flow, boolean openedHere) {
        this.flow = flow;
        this.openedHere = openedHere;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent completion) {
            if (completion.isSuccess()) {
                var session = ctx.pipeline().get(SslHandler.class).engine().getSession();
                log.debug("{} TLS handshake done: {} {}", flow, session.getProtocol(), session.getCipherSuite());
            } else if (completion.cause() instanceof ClosedChannelException) {
                log.debug("{} closed before the TLS handshake ended", flow);
            } else if (openedHere) {
                log.debug("{} TLS handshake failed: {}", flow, reason(completion.cause()));
            } else {
                log.info("{} TLS handshake failed: {}", flow, reason(completion.cause()));
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable tls = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (tls instanceof SSLException) {
            // The handshake's end, or a broken record after it: the connection is done, and says why at most once.
            log.debug("{} TLS error, closing: {}", flow, tls.toString());
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private static String reason(Throwable cause) {
        Throwable t = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        String message = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
        // RFC 8446 §6.2: the alerts a client sends when it does not accept the certificate it was shown.
        for (String alert : new String[] {"certificate_unknown", "bad_certificate", "unknown_ca"}) {
            if (message.contains(alert)) {
                return message + " (the client did not accept this server's certificate)";
            }
        }
        return message;
    }
}
