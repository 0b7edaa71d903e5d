package io.sipreg.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes each request: the dashboard's files to anyone who can connect (they hold no data), everything else only
 * with the bearer token when one is configured. Work that may block goes to the worker; the reply is written back
 * from there.
 */
@ChannelHandler.Sharable
final class AdminHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger("admin");
    /** Scripts, styles and data only from this server; never framed by another page. */
    private static final String CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

    private final AdminConfig config;
    private final byte[] token;
    private final AdminApi api;
    private final RegistrarMetrics metrics;
    private final LiveFeed feed;
    private final Dashboard dashboard;
    private final Executor worker;

    AdminHttpHandler(AdminConfig config, AdminApi api, RegistrarMetrics metrics, LiveFeed feed, Dashboard dashboard,
                     Executor worker) {
        this.config = config;
        this.token = config.token().getBytes(StandardCharsets.UTF_8);
        this.api = api;
        this.metrics = metrics;
        this.feed = feed;
        this.dashboard = dashboard;
        this.worker = worker;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            send(ctx, HttpReply.error(400, "malformed HTTP request"), false);
            return;
        }
        // A contact URI carries ';' parameters: it separates nothing in our queries.
        var uri = new QueryStringDecoder(request.uri(), StandardCharsets.UTF_8, true, 64, true);
        String path = uri.path();
        String method = request.method().name();
        if (!config.requiresAuthentication() && !isLocalHost(request.headers().get(HttpHeaderNames.HOST))) {
            // Without a token only this machine may talk to us, and a web page it opens must not, through a DNS name
            // made to point at 127.0.0.1 (DNS rebinding): accept requests addressed to an IP address or localhost.
            send(ctx, HttpReply.error(403, "Host " + request.headers().get(HttpHeaderNames.HOST)
                    + " not accepted: address the admin server by IP address or localhost"), false);
            return;
        }
        var file = dashboard.file(path);
        if (file.isPresent()) {
            send(ctx, file.get(), keepAlive);
            return;
        }
        if (path.equals("/favicon.ico")) {
            send(ctx, new HttpReply(204, "image/x-icon", new byte[0]), keepAlive);
            return;
        }
        if (!path.equals("/metrics") && !path.startsWith("/api/")) {
            send(ctx, HttpReply.error(404, "no such page: " + path), keepAlive);
            return;
        }
        if (!authorized(request)) {
            send(ctx, HttpReply.error(401, "missing or wrong token: send Authorization: Bearer <token>"), keepAlive);
            return;
        }
        if (path.equals("/metrics")) {
            run(ctx, keepAlive, () -> HttpReply.text(200, RegistrarMetrics.contentType(), metrics.scrape()));
            return;
        }
        if (path.equals("/api/events")) {
            startEvents(ctx, method);
            return;
        }
        if (method.equals("POST") && !isJson(request.headers().get(HttpHeaderNames.CONTENT_TYPE))) {
            // A page on another origin cannot send JSON without asking first (CORS), and we never say yes.
            send(ctx, HttpReply.error(415, "send the body as application/json"), keepAlive);
            return;
        }
        String body = request.content().toString(StandardCharsets.UTF_8);
        String remote = ctx.channel().remoteAddress() instanceof InetSocketAddress a
                ? AdminServer.hostPort(a) : String.valueOf(ctx.channel().remoteAddress());
        run(ctx, keepAlive, () -> {
            HttpReply reply = api.handle(method, path, uri.parameters(), body);
            if (!method.equals("GET")) {
                log.info("{} {} from {} -> {}", method, uri.uri(), remote, reply.status());
            }
            return reply;
        });
    }

    private void run(ChannelHandlerContext ctx, boolean keepAlive, java.util.function.Supplier<HttpReply> work) {
        try {
            worker.execute(() -> {
                HttpReply reply;
                try {
                    reply = work.get();
                } catch (RuntimeException e) {
                    log.warn("admin request failed", e);
                    reply = HttpReply.error(500, "internal error: " + e);
                }
                send(ctx, reply, keepAlive);
            });
        } catch (RejectedExecutionException e) {
            send(ctx, HttpReply.error(503, "shutting down"), false);
        }
    }

    private void startEvents(ChannelHandlerContext ctx, String method) {
        if (!method.equals("GET")) {
            send(ctx, HttpReply.error(405, method + " not allowed here; use GET"), false);
            return;
        }
        var response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set("X-Content-Type-Options", "nosniff");
        HttpUtil.setTransferEncodingChunked(response, true);
        ctx.writeAndFlush(response);
        // The worker builds the first event, as it builds every tick.
        worker.execute(() -> feed.join(ctx.channel()));
    }

    private boolean authorized(FullHttpRequest request) {
        if (!config.requiresAuthentication()) {
            return true;
        }
        String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        // Constant time: how long the comparison takes must not tell how much of a guess was right.
        return MessageDigest.isEqual(token, header.substring(7).strip().getBytes(StandardCharsets.UTF_8));
    }

    static boolean isLocalHost(String hostHeader) {
        if (hostHeader == null || hostHeader.isEmpty()) {
            return true;
        }
        String host = hostHeader.strip().toLowerCase(Locale.ROOT);
        if (host.startsWith("[")) {
            return host.indexOf(']') > 0;
        }
        int colon = host.indexOf(':');
        if (colon >= 0) {
            host = host.substring(0, colon);
        }
        return host.equals("localhost") || host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    }

    private static boolean isJson(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/json");
    }

    private static void send(ChannelHandlerContext ctx, HttpReply reply, boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(reply.status()), Unpooled.wrappedBuffer(reply.body()));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, reply.body().length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set("X-Content-Type-Options", "nosniff")
                .set(HttpHeaderNames.CONTENT_SECURITY_POLICY, CSP);
        if (reply.status() == 401) {
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"sipreg admin\"");
        }
        HttpUtil.setKeepAlive(response, keepAlive);
        var written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("admin connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

}
