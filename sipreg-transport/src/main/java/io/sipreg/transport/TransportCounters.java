package io.sipreg.transport;

/**
 * A snapshot of what the transport has seen since start, for metrics and tests.
 *
 * @param messagesReceived messages handed up, malformed ones included
 * @param malformed messages that failed to parse (UDP datagrams and framed TCP messages)
 * @param keepalives CRLF keepalives (RFC 5626 §3.5.1) and STUN messages (Binding requests are answered, §8)
 * @param framingErrors TCP connections closed because their byte stream could not be framed
 * @param internalErrors exceptions caught in the pipeline or thrown by the handler; each logged at DEBUG
 * @param connectionsRejected TCP connections closed at accept because {@code maxTcpConnections} was reached
 * @param idleClosed TCP connections closed for being idle
 * @param sendFailures sends whose future failed
 * @param openConnections TCP connections open now
 * @param partialTimeouts TCP connections closed because a message did not arrive whole within the partial-message
 *     timeout
 * @param shed datagrams dropped unparsed because their socket was far behind
 * @param slowReadersClosed TCP connections closed because their peer left its responses unread
 */
public record TransportCounters(long messagesReceived, long malformed, long keepalives, long framingErrors,
                                long internalErrors, long connectionsRejected, long idleClosed, long sendFailures,
                                int openConnections, long partialTimeouts, long shed,
                                long slowReadersClosed) {
}
