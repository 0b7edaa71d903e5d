package io.sipreg.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import java.util.Locale;
import java.util.Optional;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How log lines are written: {@code text} for a person at a terminal, {@code json} (one object per line, logstash
 * fields: {@code @timestamp}, {@code level}, {@code logger_name}, {@code message}, plus the key-value pairs a line
 * carries, such as {@code call_id}, {@code aor}, {@code source} and {@code status} of each transaction) for a log
 * collector.
 */
enum LogFormat {
    TEXT, JSON;

    static Optional<LogFormat> parse(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "text" -> Optional.of(TEXT);
            case "json" -> Optional.of(JSON);
            default -> Optional.empty();
        };
    }

    /** Switches the stderr appender of logback.xml to this format; text is what logback.xml already says. */
    void apply() {
        if (this == TEXT || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Appender<ILoggingEvent> appender = context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR");
        if (!(appender instanceof OutputStreamAppender<ILoggingEvent> stream)) {
            return;
        }
        var encoder = new LogstashEncoder();
        encoder.setContext(context);
        encoder.start();
        stream.stop();
        stream.setEncoder(encoder);
        stream.start();
    }
}
