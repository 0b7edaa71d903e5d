package io.sipreg.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.sipreg.registrar.BindingCount;
import io.sipreg.registrar.RegisterOutcome;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code /api/events}: a Server-Sent Events stream with one {@code data:} line a second, the same to every client:
 * cumulative counters (outcomes by kind, keepalives), binding counts, a version that moves whenever a binding changed,
 * and the attempts since the previous tick. The dashboard draws its charts from the counters and fetches the bindings
 * again when the version moves. A client that cannot keep up misses ticks rather than piling them up in memory.
 */
final class LiveFeed {
    /** At most this many attempts per tick; under load the counters still add up, the list is a sample. */
    private static final int ATTEMPTS_PER_TICK = 50;

    private final ChannelGroup clients = new DefaultChannelGroup("sipreg-admin-events", GlobalEventExecutor.INSTANCE);
    private final RegistrarView view;
    private final RegistrarMetrics metrics;
    private final AttemptHistory history;
    private final AdminApi api;
    private long lastSeq;

    LiveFeed(RegistrarView view, RegistrarMetrics metrics, AttemptHistory history, AdminApi api) {
        this.view = view;
        this.metrics = metrics;
        this.history = history;
        this.api = api;
    }

    /** A client whose response headers are sent; it gets the current state at once, then every tick. */
    void join(Channel channel) {
        List<AttemptHistory.Entry> recent = history.since(0);
        channel.writeAndFlush(event(tick(recent.subList(Math.max(0, recent.size() - ATTEMPTS_PER_TICK),
                recent.size()))));
        clients.add(channel);
    }

    int clients() {
        return clients.size();
    }

    /** Called once a second on the admin worker thread. */
    void tick() {
        List<AttemptHistory.Entry> fresh = history.since(lastSeq);
        if (!fresh.isEmpty()) {
            lastSeq = fresh.get(fresh.size() - 1).seq();
        }
        if (clients.isEmpty()) {
            return;
        }
        DefaultHttpContent content = event(tick(fresh.subList(Math.max(0, fresh.size() - ATTEMPTS_PER_TICK),
                fresh.size())));
        clients.writeAndFlush(content, Channel::isWritable);
    }

    private ObjectNode tick(List<AttemptHistory.Entry> attempts) {
        ObjectNode o = HttpReply.JSON.createObjectNode();
        BindingCount count = metrics.bindingCount();
        o.put("t", System.currentTimeMillis());
        o.put("bindings", count.bindings());
        o.put("nat", count.nat());
        o.put("bindingsVersion", view.store().bindingsVersion());
        ObjectNode outcomes = o.putObject("outcomes");
        for (RegisterOutcome outcome : RegisterOutcome.values()) {
            outcomes.put(outcome.token(), metrics.outcomeCount(outcome));
        }
        api.keepaliveCounts(o.putObject("keepalive"));
        ArrayNode list = o.putArray("attempts");
        attempts.forEach(e -> list.add(AdminApi.entryJson(e)));
        return o;
    }

    private static DefaultHttpContent event(ObjectNode data) {
        try {
            byte[] json = HttpReply.JSON.writeValueAsBytes(data);
            ByteBuf buf = Unpooled.buffer(json.length + 8);
            buf.writeCharSequence("data: ", StandardCharsets.US_ASCII);
            buf.writeBytes(json);
            buf.writeCharSequence("\n\n", StandardCharsets.US_ASCII);
            return new DefaultHttpContent(buf);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    void close() {
        clients.close();
    }
}
